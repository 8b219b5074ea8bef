// Real `chartwright new` / `regenerate` runs (the built CLI in a child process) stopped at named
// points of the write by the CHARTWRIGHT_TEST_PAUSE_AT seam (src/write/testPause.ts), then sent
// SIGINT, SIGTERM or SIGKILL. After each: the chart is byte for byte either as it was or as an
// uninterrupted run writes it, the exit code and message say which, and the next run recovers
// whatever a killed run left.
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTree, runCli, stagingLeftovers, tempDir } from './support/cli.js';
import { helmBinaries, repoRoot } from './support/tools.js';

const BIN = join(repoRoot, 'bin', 'chartwright.js');
const NEW = ['--yes', '--no-verify'];

interface Paused {
  child: ResultPromise<{ reject: false; cwd: string; env: Record<string, string>; stdin: 'ignore' }>;
  stderr: () => string;
}

/** Starts the CLI and resolves once it says it is paused at `step`. */
async function startPaused(args: string[], step: string, cwd: string): Promise<Paused> {
  const child = execa(process.execPath, [BIN, ...args], {
    cwd,
    env: { NO_COLOR: '1', CHARTWRIGHT_MIRROR: '', CHARTWRIGHT_TEST_PAUSE_AT: step },
    stdin: 'ignore',
    reject: false,
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`never paused at ${step}:\n${stderr}`)), 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(`chartwright-test: paused at ${step}\n`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void child.then((result) => {
      clearTimeout(timer);
      reject(new Error(`exited (${result.exitCode}) before pausing at ${step}:\n${stderr}`));
    });
  });
  return { child, stderr: () => stderr };
}

async function interrupt(paused: Paused, signal: NodeJS.Signals): Promise<{ exitCode: number | undefined; signal: string | undefined; stderr: string }> {
  paused.child.kill(signal);
  const result = await paused.child;
  return { exitCode: result.exitCode, signal: result.signal, stderr: String(result.stderr) };
}

const text = (tree: Map<string, Buffer>) => new Map([...tree].map(([path, content]) => [path, content.toString('utf8')]));

const referenceDirs: string[] = [];
afterAll(() => Promise.all(referenceDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** What an uninterrupted run writes, for comparison. */
async function reference(args: string[], setup?: (dir: string) => Promise<void>): Promise<Map<string, Buffer>> {
  const root = await mkdtemp(join(tmpdir(), 'chartwright-reference-'));
  referenceDirs.push(root);
  await setup?.(root);
  const result = await runCli(args, { cwd: root });
  expect(result.exitCode, result.stderr).toBe(0);
  return readTree(join(root, 'chart'));
}

const codeOf = { SIGINT: 130, SIGTERM: 143 } as const;

describe('interrupting `new` into a new directory', () => {
  let complete: Map<string, Buffer>;
  beforeAll(async () => {
    complete = await reference(['new', 'chart', ...NEW]);
  });
  const cases = (['SIGINT', 'SIGTERM'] as const).flatMap((signal) =>
    (['locked', 'staging', 'staged', 'committed', 'moved'] as const).map((step) => ({ signal, step })),
  );

  it.each(cases)('$signal at $step: not created or complete, and said so', async ({ signal, step }) => {
    const root = await tempDir();
    const result = await interrupt(await startPaused(['new', 'chart', ...NEW], step, root), signal);
    expect(result.exitCode, result.stderr).toBe(codeOf[signal]);
    expect(result.stderr).not.toContain('wrote chart');
    if (['committed', 'moved'].includes(step)) {
      expect(result.stderr).toContain(`interrupted by ${signal} while writing chart; the write was finished first: chart is complete`);
      expect(text(await readTree(join(root, 'chart')))).toEqual(text(complete));
    } else {
      expect(result.stderr).toContain(`interrupted by ${signal}; nothing was written: chart was not created`);
      expect(existsSync(join(root, 'chart'))).toBe(false);
    }
    expect(await readdir(root)).toEqual(existsSync(join(root, 'chart')) ? ['chart'] : []);
  });

  it.each(['staging', 'staged', 'committed', 'moved'])('SIGKILL at %s: the next run cleans up or finishes, deterministically', async (step) => {
    const root = await tempDir();
    const killed = await interrupt(await startPaused(['new', 'chart', ...NEW], step, root), 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    expect((await stagingLeftovers(root)).length).toBeGreaterThan(0);
    const next = await runCli(['new', 'chart', ...NEW], { cwd: root });
    if (step === 'committed' || step === 'moved') {
      // The killed run had committed: its write is finished, so the chart now exists and `new` refuses to overwrite it.
      expect(next.stderr).toContain('finished the write an interrupted earlier run (`new`) had begun: chart is complete');
      expect(next.exitCode).toBe(2);
      expect(next.stderr).toContain('chart exists and is not empty');
    } else {
      expect(next.stderr).toMatch(/removed \.chartwright-write-chart, left by an interrupted earlier run \(`new`\) \(it had not begun to change chart\)/);
      expect(next.exitCode, next.stderr).toBe(0);
    }
    expect(text(await readTree(join(root, 'chart')))).toEqual(text(complete));
    expect(await stagingLeftovers(root)).toEqual([]);
  });
});

describe('interrupting `new --force` over an existing chart', () => {
  const makeOld = async (root: string) => {
    const made = await runCli(['new', 'chart', ...NEW, '--class', 'C'], { cwd: root });
    expect(made.exitCode, made.stderr).toBe(0);
    await writeFile(join(root, 'chart', 'NOTES.md'), 'mine\n');
  };
  const args = ['new', 'chart', ...NEW, '--force', '--class', 'B', '--persistence'];
  let complete: Map<string, Buffer>;
  beforeAll(async () => {
    complete = await reference(args, makeOld);
  });
  const steps = ['staged', 'committed', 'set-aside:1', 'set-aside:20', 'placed:1', 'placed:20', 'placed:40', 'moved'];
  const cases = (['SIGINT', 'SIGTERM'] as const).flatMap((signal) => steps.map((step) => ({ signal, step })));

  it.each(cases)('$signal at $step: untouched or complete', async ({ signal, step }) => {
    const root = await tempDir();
    await makeOld(root);
    const before = await readTree(join(root, 'chart'));
    const result = await interrupt(await startPaused(args, step, root), signal);
    expect(result.exitCode, result.stderr).toBe(codeOf[signal]);
    const after = text(await readTree(join(root, 'chart')));
    if (step === 'staged') {
      expect(result.stderr).toContain('nothing was written: chart is untouched');
      expect(after).toEqual(text(before));
    } else {
      // From the commit point on, the signal waits for the moves to finish.
      expect(result.stderr).toContain('chart is complete');
      expect(after).toEqual(text(complete));
    }
    expect(after.get('NOTES.md')).toBe('mine\n');
    expect(await stagingLeftovers(root)).toEqual([]);
  });

  it.each(['staging', 'committed', 'set-aside:20', 'placed:1', 'placed:40'])('SIGKILL at %s: the next run recovers', async (step) => {
    const root = await tempDir();
    await makeOld(root);
    const killed = await interrupt(await startPaused(args, step, root), 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    // A run that reads the chart without writing must not plan against the half-moved state.
    if (step !== 'staging') {
      const dry = await runCli(['regenerate', 'chart', '--dry-run'], { cwd: root });
      expect(dry.exitCode).toBe(2);
      expect(dry.stderr).toContain('an interrupted chartwright write of');
    }
    const next = await runCli(args, { cwd: root });
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).toContain(step === 'staging' ? 'it had not begun to change chart' : 'finished the write an interrupted earlier run (`new`) had begun');
    expect(text(await readTree(join(root, 'chart')))).toEqual(text(complete));
    expect(await stagingLeftovers(root)).toEqual([]);
  });
});

describe('interrupting `regenerate` with edited files', () => {
  const prepare = async (root: string) => {
    await cp(join(repoRoot, 'charts', 'telemetry-viewer'), join(root, 'chart'), { recursive: true });
    const values = join(root, 'chart', 'values.yaml');
    await writeFile(values, (await readFile(values, 'utf8')).replace(/^replicaCount: .*$/m, 'replicaCount: 7 # mine'));
    const deployment = join(root, 'chart', 'templates', 'deployment.yaml');
    await writeFile(deployment, `# reviewed by QA\n${await readFile(deployment, 'utf8')}`);
  };
  const args = ['regenerate', 'chart', '--set', 'class=C', '--no-verify'];
  let complete: Map<string, Buffer>;
  beforeAll(async () => {
    complete = await reference(args, prepare);
  });

  it('the reference run kept the edits', () => {
    expect(complete.get('values.yaml')?.toString()).toContain('replicaCount: 7 # mine');
    expect(complete.get('templates/deployment.yaml')?.toString()).toMatch(/^# reviewed by QA\n/);
  });

  it.each(['set-aside:3', 'placed:2', 'placed:6'])('SIGKILL at %s (edited files set aside): the next regenerate finishes the write', async (step) => {
    const root = await tempDir();
    await prepare(root);
    const killed = await interrupt(await startPaused(args, step, root), 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const next = await runCli(['regenerate', 'chart', '--no-verify'], { cwd: root });
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).toContain('finished the write an interrupted earlier run (`regenerate`) had begun: chart is complete');
    expect(text(await readTree(join(root, 'chart')))).toEqual(text(complete));
    expect(await stagingLeftovers(root)).toEqual([]);
  });

  it('SIGINT while files are set aside: the move finishes, the edits are in place', async () => {
    const root = await tempDir();
    await prepare(root);
    const result = await interrupt(await startPaused(args, 'set-aside:2', root), 'SIGINT');
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toContain('chart is complete');
    expect(result.stderr).not.toContain('regenerated chart');
    expect(text(await readTree(join(root, 'chart')))).toEqual(text(complete));
  });
});

describe('one writer per directory', () => {
  it('refuses a second `new` while the first holds the lock (exit 2, who holds it), then works once it is gone', async () => {
    const root = await tempDir();
    const first = await startPaused(['new', 'chart', ...NEW], 'staged', root);
    const second = await runCli(['new', 'chart', ...NEW], { cwd: root });
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toMatch(/chart is being written by another chartwright \(`new`, pid \d+, since .*\); wait for it to finish/);
    expect(second.stderr).not.toContain('internal error');
    const stopped = await interrupt(first, 'SIGTERM');
    expect(stopped.exitCode).toBe(143);
    const third = await runCli(['new', 'chart', ...NEW], { cwd: root });
    expect(third.exitCode, third.stderr).toBe(0);
  });

  it('four `new` at once into one directory: one writes, the others exit 2 with a clear message', async () => {
    const root = await tempDir();
    const results = await Promise.all([0, 1, 2, 3].map(() => runCli(['new', 'chart', ...NEW], { cwd: root })));
    expect(results.map((result) => result.exitCode).sort()).toEqual([0, 2, 2, 2]);
    for (const result of results.filter((one) => one.exitCode === 2)) {
      expect(result.stderr).toMatch(/is being written by another chartwright|chart exists and is not empty/);
    }
    expect(text(await readTree(join(root, 'chart')))).toEqual(text(await reference(['new', 'chart', ...NEW])));
    expect(await stagingLeftovers(root)).toEqual([]);
  });

  it('takes over the lock of a run that no longer exists', async () => {
    const root = await tempDir();
    const gone = await execa(process.execPath, ['-e', 'console.log(process.pid)']);
    // A start time no process has: even if the pid was reused meanwhile, the lock is stale.
    const stale = { pid: Number(gone.stdout), host: (await import('node:os')).hostname(), since: '2020-01-01T00:00:00.000Z', processStart: '0', command: 'new' };
    await writeFile(join(root, '.chartwright-write-chart.lock'), JSON.stringify(stale));
    const result = await runCli(['new', 'chart', ...NEW], { cwd: root });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await stagingLeftovers(root)).toEqual([]);
  });

  it('removes staging directories an older chartwright left, and points out set-aside originals', async () => {
    const root = await tempDir();
    await mkdir(join(root, '.chartwright-staging-chart-0badcafe', 'templates'), { recursive: true });
    await mkdir(join(root, '.chartwright-staging-chart-12345678-previous'), { recursive: true });
    const result = await runCli(['new', 'chart', ...NEW], { cwd: root });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('.chartwright-staging-chart-0badcafe, a staging directory an older chartwright left');
    expect(result.stderr).toContain('.chartwright-staging-chart-12345678-previous holds files an interrupted older chartwright set aside');
    expect((await readdir(root)).sort()).toEqual(['.chartwright-staging-chart-12345678-previous', 'chart']);
  });
});

describe('interrupting the checks of `new`', () => {
  it('stops the helm processes and removes the private helm home; the chart stays written', { timeout: 60_000 }, async () => {
    const root = await tempDir();
    const tmp = join(root, 'tmp');
    await mkdir(tmp);
    // Stand-in for helm: answers `helm version` as the real one, then hangs in every check call.
    const pids = join(root, 'pids');
    const hanging = join(root, 'hanging-helm');
    await writeFile(hanging, `#!/bin/sh\nif [ "$1" = version ]; then exec '${helmBinaries().find((binary) => binary.label === 'helm4')!.path}' "$@"; fi\necho $$ >> '${pids}'\nexec sleep 120\n`);
    await chmod(hanging, 0o755);
    const child = execa(process.execPath, [BIN, 'new', 'chart', '--yes'], {
      cwd: root,
      env: { NO_COLOR: '1', CHARTWRIGHT_MIRROR: '', HELM_BIN: hanging, TMPDIR: tmp, XDG_CACHE_HOME: join(root, 'cache') },
      stdin: 'ignore',
      reject: false,
    });
    const started = async () => (existsSync(pids) ? (await readFile(pids, 'utf8')).trim().split('\n').map(Number) : []);
    for (let waited = 0; (await started()).length === 0; waited += 50) {
      if (waited > 30_000) throw new Error('no helm call started');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(existsSync(join(root, 'chart', 'Chart.yaml')), 'written before the checks').toBe(true);
    expect(await readdir(tmp), 'no private helm home left').toEqual([]);
    const alive = async () => (await started()).filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    try {
      for (let waited = 0; (await alive()).length > 0 && waited < 5_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await alive(), 'helm processes left running').toEqual([]);
    } finally {
      for (const pid of await alive()) process.kill(pid, 'SIGKILL');
    }
  });
});
