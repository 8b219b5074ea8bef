// `chartwright test --evidence DIR` with the install stage on a real Kubernetes API server (a
// KWOK cluster chartwright creates, as in test/install-kwok.test.ts): the record names the
// cluster, the kubectl and every step, and two runs (each with its own cluster, namespaces and
// release names) still give the same bytes.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELEASE_STEPS } from '../src/install/release.js';
import { runWithEvidence } from './support/evidence.js';
import { kwokEnv, kwokMissing } from './support/kwok.js';
import { helmBinaries, repoRoot } from './support/tools.js';

const missing = kwokMissing();
if (missing) console.log(`skipping the evidence test on KWOK: ${missing}`);

const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;
const MINUTES = 60_000;
let work = '';

describe.skipIf(Boolean(missing))('evidence with the install stage on KWOK', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chartwright-evidence-kwok-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it(
    'records provider, Kubernetes and kubectl versions, what KWOK cannot verify and each step; reproducible across clusters',
    async () => {
      const runs = [];
      for (const index of [0, 1]) {
        const dir = await mkdtemp(join(work, `run-${index}-`));
        await cp(join(repoRoot, 'charts', 'telemetry-viewer'), join(dir, 'telemetry-viewer'), { recursive: true });
        const args = ['telemetry-viewer', '--helm', helm4.path, '--cluster', 'kwok', '--kube-version', '1.35', '--timeout', '2m', '--values', 'values.yaml', '--date', '2025-07-01'];
        runs.push(await runWithEvidence(dir, args, 'evidence', kwokEnv(helm4.path), 10 * MINUTES));
      }
      const [first, second] = runs as [(typeof runs)[0], (typeof runs)[0]];
      expect(first.exitCode, `${first.stdout}\n${first.stderr}`).toBe(0);
      const { evidence } = first;
      expect(evidence.install).toMatchObject({ provider: 'kwok', kubernetesVersion: 'v1.35.4' });
      expect(evidence.install?.cannotVerify.join('\n')).toMatch(/image pull/);
      expect(evidence.tools.kubectl).toMatch(/^v1\.3[4-6]\.\d+/);
      const install = evidence.charts[0]!.verification.stages.filter((stage) => stage.stage === 'install');
      expect(install).toHaveLength(1);
      expect(install[0]!.status).toBe('passed');
      // Every step of the lifecycle, in the declared order.
      const steps = install[0]!.steps?.map((step) => step.name) ?? [];
      expect(steps).toEqual(expect.arrayContaining(['install', 'test-install', 'upgrade', 'rollback', 'uninstall', 'leftovers']));
      const declared = RELEASE_STEPS.map((step) => step.name);
      expect(steps.map((name) => declared.indexOf(name))).toEqual([...steps.map((name) => declared.indexOf(name))].sort((a, b) => a - b));
      expect(install[0]!.steps?.every((step) => step.status === 'passed')).toBe(true);
      expect(first.markdown).toContain('Install stage cluster: `kwok`, Kubernetes `v1.35.4`.');
      expect(first.markdown).toContain('| `install` | passed |');
      // Each run had its own cluster, namespaces and release names: none of it is in the record.
      expect(first.json).not.toMatch(/cw-[0-9a-f]{6}-|chartwright-[0-9a-f]{6}\b/);
      expect(second.json).toBe(first.json);
      expect(second.markdown).toBe(first.markdown);
    },
    20 * MINUTES,
  );
});
