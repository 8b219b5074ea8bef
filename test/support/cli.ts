// Runs the built CLI as a user would (a child process without a terminal) and gives each
// test its own scratch directory.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { execa } from 'execa';
import { onTestFinished } from 'vitest';
import { repoRoot } from './tools.js';

const BIN = join(repoRoot, 'bin', 'chartwright.js');
const DIST_CLI = join(repoRoot, 'dist', 'cli.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Text piped to stdin; without it stdin is closed ('ignore'), so there is never a TTY. */
  input?: string;
  /** Hang guard; install tests on a cluster need longer than the default 90 s. */
  timeoutMs?: number;
}

export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  // bin/chartwright.js imports dist/: without a build every test would fail with a confusing
  // module-not-found message instead of this one.
  if (!existsSync(DIST_CLI)) {
    throw new Error(`${DIST_CLI} is missing: run \`npm run build\` before these tests (npm test does it).`);
  }
  const result = await execa(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? repoRoot,
    // A developer's mirror setting or colour preference must not change what tests see.
    env: { NO_COLOR: '1', CHARTWRIGHT_MIRROR: '', ...opts.env },
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    reject: false,
    // A CLI waiting on a prompt would otherwise hang the run; this is a hang guard, not a timing check.
    timeout: opts.timeoutMs ?? 90_000,
    stripFinalNewline: false,
  });
  if (result.timedOut) throw new Error(`chartwright ${args.join(' ')} did not finish (hung?)\n${result.stderr}`);
  if (typeof result.exitCode !== 'number') {
    throw new Error(`chartwright ${args.join(' ')} ended without an exit code (signal ${result.signal})\n${result.stderr}`);
  }
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** A fresh directory under the OS temp dir, removed when the current test finishes. */
export async function tempDir(prefix = 'chartwright-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file below `dir` (relative path with '/' → bytes), for byte-identical comparisons. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files.set(relative(dir, full).split(sep).join('/'), await readFile(full));
    }
  };
  await walk(dir);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Staging directories and lock files the atomic writer left behind anywhere below `dir`. */
export async function stagingLeftovers(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      // The writer's lock file (.chartwright-write-<name>.lock) is a leftover too.
      if (entry.isFile() && entry.name.startsWith('.chartwright-write-')) found.push(join(current, entry.name));
      if (!entry.isDirectory()) continue;
      if (entry.name.startsWith('.chartwright-staging-') || entry.name.startsWith('.chartwright-write-')) found.push(join(current, entry.name));
      else await walk(join(current, entry.name));
    }
  };
  await walk(dir);
  return found;
}
