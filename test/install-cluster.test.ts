// The install stage on a cluster with a container runtime, where images are pulled and containers
// run: kind when Docker and kind work (the GitHub workflow's kind job), K3s when only Docker and
// @testcontainers/k3s do, or the context CHARTWRIGHT_TEST_CONTEXT names. Anything else skips with
// the reason; CHARTWRIGHT_REQUIRE_CLUSTER=1 turns that skip into a failure. KWOK covers the rest
// here (test/install-kwok.test.ts).
import { cp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/model.js';
import { runCli } from './support/cli.js';
import { repoRoot } from './support/tools.js';

/**
 * Stands in for the example charts' unpublished images: answers HTTP 200 on any path at port
 * 8080 (the charts' containerPort and probe paths), runs as any non-root user, writes nothing.
 */
const STAND_IN = process.env.CHARTWRIGHT_STANDIN_IMAGE ?? 'docker.io/jmalloc/echo-server:0.3.1';

async function environment(): Promise<{ args: string[]; label: string } | { skip: string }> {
  if (process.env.CHARTWRIGHT_SKIP_CLUSTER_TESTS) return { skip: 'CHARTWRIGHT_SKIP_CLUSTER_TESTS is set' };
  const context = process.env.CHARTWRIGHT_TEST_CONTEXT;
  if (context) return { args: ['--cluster', 'context', '--kube-context', context], label: `context ${context}` };
  const docker = await execa('docker', ['info'], { reject: false, timeout: 30_000 });
  if (docker.exitCode !== 0) return { skip: `Docker does not answer (docker info: ${String(docker.stderr || docker.shortMessage).trim().split('\n').at(-1)})` };
  const kind = await execa(process.env.KIND_BIN || 'kind', ['version'], { reject: false, timeout: 30_000 });
  if (kind.exitCode === 0) return { args: ['--cluster', 'kind'], label: `kind (${String(kind.stdout).trim()})` };
  try {
    await import('@testcontainers/k3s' as string);
  } catch {
    return { skip: 'Docker works but there is no kind on PATH and @testcontainers/k3s is not installed' };
  }
  return { args: ['--cluster', 'k3s'], label: 'K3s through testcontainers' };
}

const env = await environment();
if ('skip' in env) {
  if (process.env.CHARTWRIGHT_REQUIRE_CLUSTER) {
    it('has a cluster to install on (CHARTWRIGHT_REQUIRE_CLUSTER is set)', () => expect.fail(env.skip));
  } else {
    console.warn(`install-cluster.test.ts: skipping the install test on a cluster with a container runtime: ${env.skip}`);
  }
}

const work = join(tmpdir(), `chartwright-cluster-tests-${process.pid}`);
afterAll(() => rm(work, { recursive: true, force: true }));

describe.skipIf('skip' in env)(`install stage on ${'label' in env ? env.label : 'a cluster'}`, () => {
  it('installs every example chart with each values set, its images pulled and its containers run, and leaves nothing', async () => {
    const charts = join(work, 'charts');
    await cp(join(repoRoot, 'charts'), charts, { recursive: true });
    const { args } = env as { args: string[] };
    const result = await runCli(
      ['test', '--all', charts, ...args, '--image-override', STAND_IN, '--load-image', STAND_IN, '--kube-version', '1.35', '--timeout', '5m', '--format', 'json', ...(process.env.CHARTWRIGHT_MIRROR ? ['--mirror', process.env.CHARTWRIGHT_MIRROR] : [])],
      { env: {}, timeoutMs: 60 * 60_000 },
    );
    const report = JSON.parse(result.stdout) as Report;
    expect(report.install?.cannotVerify).toEqual([]);
    for (const chart of report.charts) {
      for (const stage of chart.stages.filter((candidate) => candidate.stage === 'install')) {
        const errors = stage.findings.filter((finding) => finding.severity === 'error').map((finding) => finding.message.slice(0, 2000));
        expect({ chart: chart.name, values: stage.valuesFiles, errors }).toEqual({ chart: chart.name, values: stage.valuesFiles, errors: [] });
      }
    }
  }, 60 * 60_000);
});
