// What the evidence tests share: fixture subcharts packaged into archives whose bytes never
// change (so a golden file can name their sha256), and a `chartwright test --evidence` run read back.
import { cp, mkdtemp, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Evidence } from '../../src/evidence/model.js';
import { runCli, type CliResult } from './cli.js';
import { fixtureChartsDir } from './registry.js';

/** A fixed time for every file of a fixture chart: helm 4 stamps the tar entries with Chart.yaml's. */
const FIXED_TIME = new Date('2000-01-01T00:00:00Z');

async function touchTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await touchTree(full);
    await utimes(full, FIXED_TIME, FIXED_TIME);
  }
  await utimes(dir, FIXED_TIME, FIXED_TIME);
}

/**
 * Packages a fixture chart (test/fixtures/dependency-charts/<name>) with helm 4 from a copy whose
 * files all carry one fixed time, so the archive is the same bytes on every machine and run.
 * Helm 3 stamps the time of packaging instead, so it must not be used here.
 */
export async function packageFixtureChart(helm4: string, name: string, destination: string, env: NodeJS.ProcessEnv): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'chartwright-fixture-'));
  try {
    const copy = join(work, name);
    await cp(join(fixtureChartsDir, name), copy, { recursive: true });
    await touchTree(copy);
    const result = await execa(helm4, ['package', copy, '--destination', destination], { env, stdin: 'ignore' });
    const path = /saved it to: (.+\.tgz)/.exec(String(result.stdout))?.[1];
    if (!path) throw new Error(`helm package printed no archive path: ${String(result.stdout)}`);
    return path.trim();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Every fixture chart packaged reproducibly and pushed to the loopback registry. */
export async function pushReproducibleFixtureCharts(helm4: string, registryUrl: string, env: NodeJS.ProcessEnv): Promise<void> {
  const out = await mkdtemp(join(tmpdir(), 'chartwright-packages-'));
  try {
    const names = (await readdir(fixtureChartsDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
    for (const name of names) {
      const archive = await packageFixtureChart(helm4, name, out, env);
      await execa(helm4, ['push', archive, registryUrl, '--plain-http'], { env, stdin: 'ignore' });
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

export interface EvidenceRun extends CliResult {
  json: string;
  markdown: string;
  evidence: Evidence;
}

/** `chartwright test ARGS --evidence DIR` in `cwd`, with both files read back. */
export async function runWithEvidence(cwd: string, args: string[], dir: string, env: Record<string, string> = {}, timeoutMs?: number): Promise<EvidenceRun> {
  const result = await runCli(['test', ...args, '--evidence', dir], { cwd, env, ...(timeoutMs ? { timeoutMs } : {}) });
  const absolute = join(cwd, dir);
  const exists = await stat(join(absolute, 'evidence.json')).then(
    () => true,
    () => false,
  );
  if (!exists) throw new Error(`no evidence.json after chartwright test (exit ${result.exitCode}):\n${result.stderr}`);
  const json = await readFile(join(absolute, 'evidence.json'), 'utf8');
  const markdown = await readFile(join(absolute, 'evidence.md'), 'utf8');
  return { ...result, json, markdown, evidence: JSON.parse(json) as Evidence };
}
