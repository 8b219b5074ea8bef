import { formatCommand, type ProcessRunner, type RunOptions, type RunResult } from './runner.js';

/**
 * A ProcessRunner for tests: each call is recorded as its shell form and answered by the first
 * rule whose pattern matches that form (anything else succeeds with no output). Shipped with the
 * module so tests of the `chartwright test` wiring can use it too.
 */
export type FakeAnswer =
  | Partial<RunResult>
  | ((call: { line: string; command: string; args: readonly string[]; options: RunOptions; index: number }) => Partial<RunResult> | Promise<Partial<RunResult>>);

export interface FakeRunner extends ProcessRunner {
  /** Every command run, in order, as formatCommand prints it. */
  readonly calls: string[];
}

export function fakeRunner(rules: ReadonlyArray<readonly [RegExp, FakeAnswer]>): FakeRunner {
  const calls: string[] = [];
  const run = async (command: string, args: readonly string[], options: RunOptions): Promise<RunResult> => {
    const line = formatCommand(command, args);
    const index = calls.push(line) - 1;
    const rule = rules.find(([pattern]) => pattern.test(line));
    const answer = rule ? (typeof rule[1] === 'function' ? await rule[1]({ line, command, args, options, index }) : rule[1]) : {};
    return { exitCode: 0, stdout: '', stderr: '', ...answer };
  };
  return Object.assign(run, { calls });
}

/** A call that never finishes on its own: it settles (as killed) only when its signal aborts. */
export function blockUntilAborted(options: RunOptions): Promise<Partial<RunResult>> {
  return new Promise((resolve) => {
    const done = () => resolve({ exitCode: 143, stderr: 'killed' });
    if (options.signal?.aborted) done();
    else options.signal?.addEventListener('abort', done, { once: true });
  });
}
