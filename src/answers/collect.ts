import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { UsageError, ValidationError } from '../errors.js';
import { type AnswerKey, type Answers, type Field, FIELDS } from './fields.js';

/** Asks one field interactively; injected so tests can drive it and non-TTY runs never reach it. */
export type Asker = (field: Field, defaultValue: unknown) => Promise<unknown>;

export interface CollectOptions {
  /** Raw values from command-line flags, keyed by answer key. */
  flags: Partial<Record<AnswerKey, unknown>>;
  /** Raw values from an answers file (see loadAnswersFile), keyed by answer key. */
  file?: Partial<Record<AnswerKey, unknown>>;
  fileName?: string;
  /** Take the default for every question not answered by a flag or the file. */
  yes: boolean;
  /** Defaults that depend on the invocation, e.g. the name from the target directory. */
  defaults?: Partial<Answers>;
  /** Undefined when there is no terminal: missing answers then fail at once. */
  ask?: Asker;
}

/**
 * Fills one Answers object. Precedence: flag, then answers file, then the prompt (or the default
 * with --yes). Without a terminal, every missing answer is listed in a single error.
 */
export async function collectAnswers(options: CollectOptions): Promise<Answers> {
  const sofar: Partial<Answers> = {};
  /** Where each explicit answer came from, for error messages: `--backup` or `backup (in FILE)`. */
  const explicit = new Map<AnswerKey, string>();
  const missing: Field[] = [];
  const defaultOf = (field: Field) => options.defaults?.[field.key] ?? field.defaultValue(sofar);
  for (const field of FIELDS) {
    const fromFlag = options.flags[field.key];
    const fromFile = options.file?.[field.key];
    const raw = fromFlag ?? fromFile;
    const applies = field.applies?.(sofar) ?? true;
    if (raw !== undefined) {
      const source = fromFlag !== undefined ? `--${field.flag}` : `${field.key} (in ${options.fileName ?? 'answers file'})`;
      const checked = field.check(raw);
      if (!checked.ok) throw new ValidationError(source, raw, checked.rule);
      // A flag the other answers make meaningless was probably meant for something else. Files
      // may hold every answer (.chartwright.yaml does), so only flags are held to this.
      if (fromFlag !== undefined && !applies && field.requires) {
        throw new ValidationError(source, raw, `applies only with ${field.requires}`);
      }
      assign(sofar, field.key, checked.value);
      explicit.set(field.key, source);
    } else if (!applies || options.yes) {
      assign(sofar, field.key, defaultOf(field));
    } else if (options.ask) {
      const answer = await options.ask(field, defaultOf(field));
      const checked = field.check(answer);
      // The prompt validated already; this only normalises (and guards a custom asker).
      if (!checked.ok) throw new ValidationError(field.prompt.message, answer, checked.rule);
      assign(sofar, field.key, checked.value);
    } else {
      missing.push(field);
      // Later questions may depend on this one; let them see the default rather than nothing.
      assign(sofar, field.key, defaultOf(field));
    }
  }
  if (missing.length > 0) {
    const flags = missing.map((field) => `--${field.flag}${field.argName ? ` <${field.argName}>` : ''}`);
    const width = Math.max(...flags.map((flag) => flag.length));
    const list = missing.map((field, index) => `  ${(flags[index] ?? '').padEnd(width)}  ${field.help}`);
    throw new UsageError(
      `no terminal to ask on, and these answers are missing:\n${list.join('\n')}\n` +
        'Pass them as flags, in --answers FILE, or use --yes to accept the defaults.',
    );
  }
  const answers = sofar as Answers;
  checkCombination(answers, explicit);
  return answers;
}

function assign<K extends AnswerKey>(target: Partial<Answers>, key: K, value: unknown): void {
  target[key] = value as Answers[K];
}

/** Rules that span fields: an explicit request that the other answers make impossible. */
function checkCombination(answers: Answers, explicit: Map<AnswerKey, string>): void {
  const postgresInCluster = answers.dependencies.includes('postgresql') && answers.postgresqlProvider === 'in-cluster';
  if (answers.backup && !postgresInCluster) {
    const source = explicit.get('backup');
    if (source) {
      throw new ValidationError(source, true, 'needs --dependencies postgresql with --postgresql-provider in-cluster');
    }
    answers.backup = false;
  }
}

/** Reads a YAML answers file; keys are answer keys or flag names (`class` or `safetyClass`). */
export async function loadAnswersFile(path: string): Promise<Partial<Record<AnswerKey, unknown>>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --answers ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new UsageError(`--answers ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (isCircular(data)) throw new UsageError(`--answers ${path} is not usable: a YAML alias (*name) refers to the anchor it is inside of (a circular structure)`);
  return normaliseAnswersData(data, `--answers ${path}`);
}

/** Whether parsed YAML refers to itself (`a: &x [*x]`), which no answer can be. */
export function isCircular(data: unknown, inside: Set<unknown> = new Set()): boolean {
  if (typeof data !== 'object' || data === null) return false;
  if (inside.has(data)) return true;
  inside.add(data);
  const circular = Object.values(data).some((child) => isCircular(child, inside));
  inside.delete(data);
  return circular;
}

/** Maps a parsed answers mapping to answer keys; keys may be answer keys or flag names. */
export function normaliseAnswersData(data: unknown, where: string): Partial<Record<AnswerKey, unknown>> {
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`${where} must be a YAML mapping of answer names to values`);
  }
  const result: Partial<Record<AnswerKey, unknown>> = {};
  for (const [key, value] of Object.entries(data)) {
    const field = FIELDS.find((candidate) => candidate.key === key || candidate.flag === key);
    if (!field) {
      const known = FIELDS.map((candidate) => candidate.key).join(', ');
      throw new UsageError(`${where}: unknown answer "${key}"; known answers: ${known}`);
    }
    result[field.key] = normaliseFileValue(value);
  }
  return result;
}

// The file may hold an image as {repository, tag, digest}, as .chartwright.yaml does.
function normaliseFileValue(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value) && 'repository' in value) {
    const image = value as { repository?: unknown; tag?: unknown; digest?: unknown };
    const digest = image.digest ? `@${String(image.digest)}` : '';
    return `${String(image.repository ?? '')}${image.tag !== undefined ? `:${String(image.tag)}` : ''}${digest}`;
  }
  return value;
}
