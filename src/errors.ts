/** Exit codes shared by every command; documented in README and --help. */
export const ExitCode = {
  ok: 0,
  checksFailed: 1,
  usage: 2,
  toolMissing: 3,
  /** A bug in chartwright, told apart from findings (1) so CI can tell a crash from a failed check. */
  internal: 70,
  /** SIGINT (128 + 2); see src/process/signals.ts. */
  interrupted: 130,
  /** SIGTERM (128 + 15). */
  terminated: 143,
} as const;

/** A user mistake: bad flag, bad answer, bad file. Printed without a stack trace, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = ExitCode.usage;
}

/** A required external tool is missing or unusable. Exit 3. */
export class ToolError extends Error {
  override readonly name = 'ToolError';
  readonly exitCode = ExitCode.toolMissing;
}

/** An answer that broke a rule; names the field, the value and the rule. */
export class ValidationError extends UsageError {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly rule: string,
  ) {
    super(`invalid ${field} ${JSON.stringify(value)}: ${rule}`);
  }
}
