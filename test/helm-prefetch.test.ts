// Lint and template calls started ahead of the stages (`new` starts them as soon as the chart is
// written): the stage takes the call already running instead of starting another, with the same
// output; a call never taken, or whose taker is interrupted, is stopped. Real helm throughout;
// the runner around it only counts the processes it starts.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunRequest, spawnRunner } from '../src/process/runner.js';
import { startRenders, templateArgs } from '../src/stages/helmArgs.js';
import { detectHelm, HelmRunner } from '../src/tools/helm.js';
import { configMap, helmThroughLink, processesOf, writeChart } from './support/charts.js';
import { runCli } from './support/cli.js';
import { helmBinaries, isolatedHelmEnv } from './support/tools.js';

const helm4 = helmBinaries().find((binary) => binary.label === 'helm4')!;

let work = '';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chartwright-prefetch-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A HelmRunner on real helm whose runner records each process it starts. */
async function countingRunner(helmPath: string) {
  const started: string[][] = [];
  const runner = new HelmRunner(await detectHelm(helmPath), (request: RunRequest) => {
    started.push([...request.args]);
    return spawnRunner(request);
  });
  return { runner, started };
}

const chartSpec = (name: string) => ({
  name,
  files: { 'values.yaml': 'greeting: hello\n', 'values-dev.yaml': 'greeting: dev\n', 'templates/cm.yaml': configMap(name, 'metadata2: {{ .Values.greeting }}') },
});

describe('template calls started ahead', () => {
  it('are taken by the stage asking for the same call: one process each, and the output of a call made then', async () => {
    const chart = await writeChart(join(work, 'taken'), chartSpec('taken'));
    const { runner, started } = await countingRunner(helm4.path);
    try {
      startRenders(runner, chart, [[], ['values-dev.yaml']], '1.37');
      expect(started, 'both start at once').toHaveLength(2);
      const taken = await Promise.all([[], ['values-dev.yaml']].map((set) => runner.run(templateArgs(set, '1.37') as string[], { cwd: chart })));
      expect(started, 'no further process').toHaveLength(2);
      for (const [index, set] of [[], ['values-dev.yaml']].entries()) {
        const now = await execa(helm4.path, templateArgs(set, '1.37') as string[], { cwd: chart, env: isolatedHelmEnv(join(work, 'home')), stdin: 'ignore', stripFinalNewline: false });
        expect(taken[index]?.stdout).toBe(now.stdout);
      }
      // Taken once: asking again starts a new call.
      await runner.run(templateArgs([], '1.37') as string[], { cwd: chart });
      expect(started).toHaveLength(3);
    } finally {
      runner.dispose();
    }
  });

  it('a call for another minor or directory is not the one started ahead', async () => {
    const chart = await writeChart(join(work, 'other'), chartSpec('other'));
    const { runner, started } = await countingRunner(helm4.path);
    try {
      startRenders(runner, chart, [[]], '1.37');
      await runner.run(templateArgs([], '1.36') as string[], { cwd: chart });
      expect(started.map((args) => args.at(-1))).toEqual(['1.37', '1.36']);
    } finally {
      runner.dispose();
    }
  });

  it('one never taken is stopped when the runner is disposed; one whose taker is interrupted is stopped', async () => {
    // A template that renders for minutes: helm would run until its time limit.
    const slow = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: loop', 'data:', '  a: "{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}"', ''].join('\n');
    const looping = await writeChart(join(work, 'looping'), { name: 'looping', files: { 'values.yaml': '', 'templates/cm.yaml': slow } });
    const link = await helmThroughLink(join(work, 'bin'), helm4.path);
    const { runner } = await countingRunner(link);
    startRenders(runner, looping, [[]], '1.37');
    await expect.poll(() => processesOf(link).length, { timeout: 10_000 }).toBe(1);
    runner.dispose();
    await expect.poll(() => processesOf(link).length, { timeout: 10_000 }).toBe(0);

    const second = (await countingRunner(link)).runner;
    try {
      startRenders(second, looping, [[]], '1.37');
      const interrupt = new AbortController();
      const taken = second.run(templateArgs([], '1.37') as string[], { cwd: looping, signal: interrupt.signal });
      await expect.poll(() => processesOf(link).length, { timeout: 10_000 }).toBe(1);
      interrupt.abort();
      expect((await taken).aborted).toBe(true);
      await expect.poll(() => processesOf(link).length, { timeout: 10_000 }).toBe(0);
    } finally {
      second.dispose();
    }
  });
});

describe('chartwright new', () => {
  it('makes each helm call of its checks once: the lint and template calls it starts early are the ones the stages use', { timeout: 60_000 }, async () => {
    // Stand-in for helm: a script that notes its arguments, then runs the real helm.
    const log = join(work, 'calls.log');
    const wrapper = join(work, 'noting-helm');
    await writeFile(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${helm4.path}' "$@"\n`);
    await chmod(wrapper, 0o755);
    const result = await runCli(['new', '--yes', join(work, 'fresh')], { env: { ...(isolatedHelmEnv(join(work, 'cli-home')) as Record<string, string>), HELM_BIN: wrapper } });
    expect(result.exitCode, result.stderr).toBe(0);
    const calls = (await readFile(log, 'utf8')).trim().split('\n').filter((call) => !call.startsWith('version'));
    expect(new Set(calls).size, calls.join('\n')).toBe(calls.length);
    // values.yaml, values-dev.yaml, values-prod.yaml (the ci/ copies of the last two are not tested twice).
    expect(calls.filter((call) => call.startsWith('template'))).toHaveLength(3);
    // One lint for values.yaml and values-dev.yaml (the chart and a view of it); values-prod.yaml
    // alone: its null minAvailable repeats values.yaml's, which helm versions read differently.
    const lints = calls.filter((call) => call.startsWith('lint'));
    expect(lints).toHaveLength(2);
    expect(lints.filter((call) => call.includes('--values=values-prod.yaml'))).toHaveLength(1);
  });
});
