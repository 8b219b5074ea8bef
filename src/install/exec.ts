import { EXIT_TIMED_OUT, formatCommand, type ProcessRunner, type RunResult } from './runner.js';

const formatMs = (ms: number) => (ms < 1000 ? `${ms}ms` : `${Math.round(ms / 1000)}s`);

/** Thrown when SIGINT/SIGTERM arrives while a command of the stage is running. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

export interface ExecSettings {
  runner: ProcessRunner;
  dryRun: boolean;
  /** Where --dry-run prints commands and notes. */
  print: (line: string) => void;
  /** Aborted on SIGINT/SIGTERM. */
  interrupt: AbortSignal;
  env: Record<string, string>;
}

export interface ExecOptions {
  timeoutMs: number;
  /** false for cleanup commands, which must run even after an interrupt. */
  interruptible?: boolean;
  env?: Record<string, string>;
}

/**
 * Runs commands through the injected runner with a time limit and interrupt handling; under
 * --dry-run prints each one instead and reports success with empty output.
 */
export class Exec {
  constructor(private readonly settings: ExecSettings) {}

  get dryRun(): boolean {
    return this.settings.dryRun;
  }

  /** A line of the --dry-run plan that is not a command (e.g. a step depending on output). */
  note(text: string): void {
    if (this.settings.dryRun) this.settings.print(`# ${text}`);
  }

  async run(command: string, args: readonly string[], options: ExecOptions): Promise<RunResult> {
    if (this.settings.dryRun) {
      this.settings.print(formatCommand(command, args));
      return { exitCode: 0, stdout: '', stderr: '' };
    }
    const interruptible = options.interruptible ?? true;
    const { interrupt } = this.settings;
    if (interruptible && interrupt.aborted) throw new Interrupted(String(interrupt.reason ?? 'interrupted'));
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let onInterrupt: (() => void) | undefined;
    // Our own timer rather than the runner's, so a fake runner that never returns still times out.
    const timedOut = new Promise<RunResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error('timed out'));
        resolve({ exitCode: EXIT_TIMED_OUT, stdout: '', stderr: `timed out after ${formatMs(options.timeoutMs)}`, timedOut: true });
      }, options.timeoutMs);
    });
    const interrupted = new Promise<never>((_, reject) => {
      if (!interruptible) return;
      onInterrupt = () => {
        controller.abort(interrupt.reason);
        reject(new Interrupted(String(interrupt.reason ?? 'interrupted')));
      };
      interrupt.addEventListener('abort', onInterrupt, { once: true });
    });
    const started = (async (): Promise<RunResult> => {
      try {
        return await this.settings.runner(command, args, { env: { ...this.settings.env, ...options.env }, signal: controller.signal });
      } catch (error) {
        // A runner that throws (a spawn failure) is a failed command, not a crash of the stage.
        return { exitCode: 1, stdout: '', stderr: error instanceof Error ? error.message : String(error) };
      }
    })();
    try {
      return await Promise.race([started, timedOut, interrupted]);
    } finally {
      clearTimeout(timer);
      if (onInterrupt) interrupt.removeEventListener('abort', onInterrupt);
    }
  }
}

/** The line of a failed command's output that says why: helm's `Error:` line, else the last line. */
export function reasonOf(result: RunResult): string {
  const lines = `${result.stderr}\n${result.stdout}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('level=WARN') && !/has been deprecated/.test(line));
  const error = lines.find((line) => /^(Error|error)[: ]/.test(line));
  return (error ?? lines.at(-1) ?? `exit code ${result.exitCode}`).slice(0, 2000);
}
