// The install stage against a real cluster, on every example chart: kind when Docker and kind
// work, K3s (testcontainers) when only Docker does, the current context when
// CHARTWRIGHT_TEST_CONTEXT names one. Anything else skips with the reason printed;
// CHARTWRIGHT_REQUIRE_CLUSTER=1 (CI's cluster job) turns that skip into a failure.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstallSession, type InstallOptions, type InstallSession } from '../src/install/index.js';
import { detectHelm, HelmRunner } from '../src/tools/helm.js';
import { dependencyStage } from '../src/verify/stages.js';
import { repoRoot } from './support/tools.js';

/**
 * Stands in for the example charts' unpublished images: answers HTTP 200 on any path at port
 * 8080 (the charts' containerPort and probe paths), runs as any non-root user, writes nothing.
 */
const STAND_IN = process.env.CHARTWRIGHT_STANDIN_IMAGE ?? 'docker.io/jmalloc/echo-server:0.3.1';

type Environment = { options: Partial<InstallOptions>; label: string } | { skip: string };

const firstLine = (text: string) => text.trim().split('\n').at(-1) ?? '';

async function environment(): Promise<Environment> {
  if (process.env.CHARTWRIGHT_SKIP_CLUSTER_TESTS) return { skip: 'CHARTWRIGHT_SKIP_CLUSTER_TESTS is set' };
  const context = process.env.CHARTWRIGHT_TEST_CONTEXT;
  if (context) return { options: { cluster: 'context', kubeContext: context }, label: `context ${context}` };
  const docker = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: 30_000 });
  if (docker.exitCode !== 0) {
    return { skip: `Docker is not usable (docker info: ${firstLine(docker.stderr || docker.shortMessage || '')}) and CHARTWRIGHT_TEST_CONTEXT is not set` };
  }
  const kind = await execa(process.env.KIND_BIN || 'kind', ['version'], { reject: false, timeout: 30_000 });
  if (kind.exitCode === 0) return { options: { cluster: 'kind' }, label: `kind (${kind.stdout.trim()})` };
  try {
    await import('@testcontainers/k3s' as string);
  } catch {
    return { skip: 'Docker works but there is no kind on PATH and the optional dependency @testcontainers/k3s is not installed' };
  }
  return { options: { cluster: 'k3s' }, label: 'K3s through testcontainers' };
}

const env = await environment();
const chartsDir = join(repoRoot, 'charts');
const charts = readdirSync(chartsDir)
  .filter((name) => existsSync(join(chartsDir, name, 'Chart.yaml')))
  .sort();

if ('skip' in env) {
  if (process.env.CHARTWRIGHT_REQUIRE_CLUSTER) {
    it('has a cluster to install on (CHARTWRIGHT_REQUIRE_CLUSTER is set)', () => expect.fail(env.skip));
  } else {
    console.warn(`install-cluster.test.ts: skipping the install test on a real cluster: ${env.skip}`);
  }
}

/** values.yaml alone and with each ci/*-values.yaml: the sets chart-testing installs too. */
const valuesSets = (chartDir: string): string[][] => {
  const ci = join(chartDir, 'ci');
  const files = existsSync(ci) ? readdirSync(ci).filter((name) => /-values\.ya?ml$/.test(name)).sort() : [];
  return [[], ...files.map((name) => [`ci/${name}`])];
};

describe.skipIf('skip' in env)(`install stage on a real cluster: ${'skip' in env ? `skipped (${env.skip})` : env.label}`, () => {
  let session: InstallSession | undefined;
  let helm: Awaited<ReturnType<typeof detectHelm>>;

  beforeAll(async () => {
    if ('skip' in env) return;
    helm = await detectHelm();
    session = await createInstallSession({ ...env.options, imageOverride: STAND_IN, requireInstall: true }, { helm });
    console.warn(`install-cluster.test.ts: helm ${helm.version} on ${session.description}`);
    for (const warning of session.warnings) console.warn(`install-cluster.test.ts: ${warning}`);
    expect(session.reason).toBeUndefined();
    expect(session.status).toBe('ready');
  }, 20 * 60_000);

  afterAll(async () => {
    await session?.cleanup();
  }, 20 * 60_000);

  for (const chart of charts) {
    it(chart, async () => {
      const chartDir = join(chartsDir, chart);
      // Dependencies come from the dependencies stage in `chartwright test`; do the same here.
      const runner = new HelmRunner(helm);
      try {
        const dependencies = await dependencyStage(runner, chartDir);
        expect(dependencies.findings, 'dependencies stage').toEqual([]);
      } finally {
        await runner.dispose();
      }
      const results = await Promise.all(valuesSets(chartDir).map((set) => (session as InstallSession).runInstallStage(chartDir, set, chart)));
      const failures = results
        .filter((result) => result.status !== 'passed')
        .map((result) => `[${['values.yaml', ...result.valuesFiles].join(' + ')}] ${result.status}: ${result.reason ?? ''}\n${result.findings.map((f) => `${f.severity} ${f.rule ?? ''}: ${f.message}`).join('\n')}`);
      expect(failures.join('\n\n')).toBe('');
    }, 45 * 60_000);
  }
});
