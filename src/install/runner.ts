
/** How one process is run; everything the install stage starts goes through this. */
export interface RunOptions {
  /** Added to the inherited environment. */
  env?: Record<string, string>;
  /** Aborting kills the process. */
  signal?: AbortSignal;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the command was stopped for taking longer than its time limit. */
  timedOut?: boolean;
}

/** Injected so tests can replace every kind/helm/kubectl/docker call with a table-driven fake. */
export type ProcessRunner = (command: string, args: readonly string[], options: RunOptions) => Promise<RunResult>;

/** Exit codes for outcomes that never reached the program, as shells report them. */
export const EXIT_NOT_FOUND = 127;
export const EXIT_TIMED_OUT = 124;

/** The real runner: argument arrays, never a shell, and a non-zero exit is a result rather than a throw. */
export const execaRunner: ProcessRunner = async (command, args, options) => {
  // Loaded on first use: runs without a cluster never need it.
  const { execa } = await import('execa');
  const result = await execa(command, args, {
    reject: false,
    stdin: 'ignore',
    ...(options.env ? { env: options.env } : {}),
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  const failure = result as { code?: string; shortMessage?: string; failed?: boolean };
  const notFound = failure.code === 'ENOENT';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  return {
    exitCode: result.exitCode ?? (notFound ? EXIT_NOT_FOUND : result.timedOut ? EXIT_TIMED_OUT : 1),
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    // A process that never started has no stderr; execa's message says why.
    stderr: stderr || (failure.failed ? (failure.shortMessage ?? '') : ''),
    ...(result.timedOut ? { timedOut: true } : {}),
  };
};

const SAFE = /^[\w@%+=:,./-]+$/;

/** A command as a person would type it in a POSIX shell (for --dry-run and --keep output). */
export function formatCommand(command: string, args: readonly string[]): string {
  return [command, ...args].map((word) => (SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}
