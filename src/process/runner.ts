import { spawn } from 'node:child_process';
import { shellQuote } from '../render/shell.js';

/** One external command: always an argument array, never a shell. */
export interface RunRequest {
  command: string;
  args: readonly string[];
  cwd?: string;
  /** Added to the inherited environment. */
  env?: Record<string, string>;
  /** Time limit; the whole process group is stopped when it passes. */
  timeoutMs: number;
  /** Aborting stops the whole process group (an interrupt). */
  signal?: AbortSignal;
  /** Called when the process has exited, before its output is all read (a limiter's slot is free then). */
  onExit?: () => void;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Stopped for taking longer than timeoutMs. */
  timedOut?: boolean;
  /** Stopped because the request's signal aborted. */
  aborted?: boolean;
  /** The command does not exist or cannot be executed. */
  notFound?: boolean;
}

/**
 * Runs one command. Injected everywhere an external tool is called (helm, kubectl, kind, kwokctl,
 * docker, git), so tests can put a recording or dry-run runner in its place.
 */
export type ProcessRunner = (request: RunRequest) => Promise<RunResult>;

/** Exit codes for outcomes that never reached the program, as shells report them. */
export const EXIT_NOT_FOUND = 127;
export const EXIT_TIMED_OUT = 124;
export const EXIT_ABORTED = 130;

/** SIGTERM first; a process that ignores it (helm in a looping template does) gets SIGKILL. */
const KILL_GRACE_MS = 2_000;
const MAX_OUTPUT = 64 * 1024 * 1024;

/** Process groups still running, so an exiting chartwright can stop them (see stopAllProcesses). */
const liveGroups = new Set<number>();

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Negative pid: the whole group, so helm's own children (plugins, post-renderers) go too.
    process.kill(-pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

/** Stops every process group the runner started and that is still alive. Synchronous, for exit paths. */
export function stopAllProcesses(signal: NodeJS.Signals = 'SIGKILL'): number {
  const count = liveGroups.size;
  for (const pid of liveGroups) signalGroup(pid, signal);
  return count;
}

/**
 * The real runner. Each command gets its own process group (detached), so a time limit or an
 * interrupt stops everything it started, and a terminal's Ctrl-C reaches chartwright only:
 * chartwright then decides what to stop and what to clean up first.
 */
export const spawnRunner: ProcessRunner = (request) =>
  new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    let aborted = false;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    const finish = (result: RunResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    if (request.signal?.aborted) {
      finish({ exitCode: EXIT_ABORTED, stdout: '', stderr: 'not started: interrupted', aborted: true });
      return;
    }
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(request.command, [...request.args], {
        cwd: request.cwd,
        env: { ...process.env, ...request.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (error) {
      finish({ exitCode: EXIT_NOT_FOUND, stdout: '', stderr: `${request.command}: ${(error as Error).message}`, notFound: true });
      return;
    }
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT) into.push(chunk);
    };
    child.stdout?.on('data', collect(stdout));
    child.stderr?.on('data', collect(stderr));
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (pid === undefined) return;
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, request.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stop();
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      if (pid !== undefined) liveGroups.delete(pid);
      const notFound = error.code === 'ENOENT' || error.code === 'EACCES';
      finish({ exitCode: notFound ? EXIT_NOT_FOUND : 1, stdout: '', stderr: `${request.command}: ${error.code ?? error.message}`, ...(notFound ? { notFound } : {}) });
    });
    if (request.onExit) child.once('exit', request.onExit);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      request.signal?.removeEventListener('abort', onAbort);
      if (pid !== undefined) {
        // Anything the command left running in its group goes with it.
        signalGroup(pid, 'SIGKILL');
        liveGroups.delete(pid);
      }
      const out = Buffer.concat(stdout).toString('utf8');
      let err = Buffer.concat(stderr).toString('utf8');
      if (size > MAX_OUTPUT) err += `\n[output beyond ${MAX_OUTPUT} bytes dropped]`;
      if (timedOut) {
        finish({ exitCode: EXIT_TIMED_OUT, stdout: out, stderr: `${err}${err ? '\n' : ''}stopped after ${formatDuration(request.timeoutMs)} (time limit)`, timedOut: true });
      } else if (aborted) {
        finish({ exitCode: EXIT_ABORTED, stdout: out, stderr: `${err}${err ? '\n' : ''}stopped: interrupted`, aborted: true });
      } else {
        finish({ exitCode: code ?? (signal ? 128 + (signalNumber[signal] ?? 0) : 1), stdout: out, stderr: err });
      }
    });
  });

const signalNumber: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/** A command as a person would type it in a POSIX shell (for --dry-run and --keep output). */
export function formatCommand(command: string, args: readonly string[]): string {
  return [command, ...args].map(shellQuote).join(' ');
}

/**
 * A runner that prints each command instead of running it and answers success with empty output:
 * what `--dry-run` shows is exactly what the real run would execute.
 */
export function printingRunner(print: (line: string) => void): ProcessRunner {
  return async (request) => {
    // Variables that change what the command does (KWOK_WORKDIR); not the private helm home or NO_COLOR.
    const shown = Object.entries(request.env ?? {}).filter(([key]) => key !== 'NO_COLOR' && !key.startsWith('HELM_'));
    print(`${shown.map(([key, value]) => `${key}=${shellQuote(value)} `).join('')}${formatCommand(request.command, request.args)}`);
    return { exitCode: 0, stdout: '', stderr: '' };
  };
}

/** The line of a failed command's output that says why: an `Error:` line, else the last line. */
export function reasonOf(result: RunResult): string {
  const lines = `${result.stderr}\n${result.stdout}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('level=WARN') && !/has been deprecated/.test(line));
  const error = lines.find((line) => /^(Error|error)[: ]/.test(line));
  return (error ?? lines.at(-1) ?? `exit code ${result.exitCode}`).slice(0, 2000);
}
