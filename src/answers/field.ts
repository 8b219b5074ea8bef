import type { SafetyClass } from '../domain/classes.js';
import type { DependencyName } from '../domain/dependencies.js';
import type { BackupAnswers } from '../parts/backup.js';
import type { IngressAnswers } from '../parts/ingress.js';
import type { NatsAnswers } from '../parts/nats.js';
import type { PersistenceAnswers } from '../parts/persistence.js';
import type { PostgresqlAnswers } from '../parts/postgresql.js';
import type { RedisAnswers } from '../parts/redis.js';
import type { ServiceMonitorAnswers } from '../parts/serviceMonitor.js';
import type { Checked, ImageRef } from './validate.js';

/** The answers every chart has; each optional part (src/parts/) adds its own. */
export interface CoreAnswers {
  name: string;
  description: string;
  safetyClass: SafetyClass;
  image: ImageRef;
  port: number;
  dependencies: DependencyName[];
  maintainerName: string;
  maintainerEmail: string;
}

/** Everything the scaffolder needs to know; filled by prompts, flags or an answers file. */
export type Answers = CoreAnswers &
  PostgresqlAnswers &
  RedisAnswers &
  NatsAnswers &
  IngressAnswers &
  ServiceMonitorAnswers &
  PersistenceAnswers &
  BackupAnswers;

export type AnswerKey = keyof Answers;

export interface Choice<T> {
  value: T;
  name: string;
  description?: string;
}

/** How a field is asked interactively; the collector turns this into an inquirer prompt. */
export type PromptSpec =
  | { type: 'input'; message: string }
  | { type: 'confirm'; message: string }
  | { type: 'select'; message: string; choices: Choice<string>[] }
  | { type: 'checkbox'; message: string; choices: Choice<string>[] };

export interface Field<K extends AnswerKey = AnswerKey> {
  key: K;
  /** Long flag without the dashes; booleans also get `--no-<flag>`. */
  flag: string;
  /** Placeholder in --help, absent for booleans. */
  argName?: string;
  help: string;
  /** Short label for the summary before writing. */
  label: string;
  prompt: PromptSpec | ((sofar: Partial<Answers>) => PromptSpec);
  check: (raw: unknown) => Checked<Answers[K]>;
  /**
   * The default, given earlier answers. Undefined when the question applies and has no sensible
   * default (a guess would be silently wrong): it must then be answered, even with --yes.
   */
  defaultValue: (sofar: Partial<Answers>) => Answers[K] | undefined;
  /** Whether the question makes sense given earlier answers (e.g. a host only with an Ingress). */
  applies?: (sofar: Partial<Answers>) => boolean;
  /** What `applies` asks for, in flag terms, for the error when the flag is given without it. */
  requires?: string;
  /** Turns a value back into the text a prompt shows as its default, and the summary shows. */
  show?: (value: Answers[K]) => string;
}

// Keeps each entry's value type checked while a list holds fields of every key.
export const field = <K extends AnswerKey>(definition: Field<K>): Field => definition as unknown as Field;

export const promptOf = (field: Field, sofar: Partial<Answers>): PromptSpec =>
  typeof field.prompt === 'function' ? field.prompt(sofar) : field.prompt;

export const hasDependency = (sofar: Partial<Answers>, name: DependencyName) => sofar.dependencies?.includes(name) === true;

/** How a value reads in the summary and as a prompt default. */
export function showValue(field: Field, value: unknown): string {
  if (field.show) return (field.show as (value: unknown) => string)(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (value === '') return '(empty)';
  return String(value);
}
