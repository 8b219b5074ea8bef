import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { UsageError, ValidationError } from '../errors.js';
import { type AnswerKey, type Answers, type Field, FIELDS } from './fields.js';

/**
 * Asks one field interactively; injected so tests can drive it and non-TTY runs never reach it.
 * `defaultValue` is undefined when the question has no default and must be answered.
 */
export type Asker = (field: Field, defaultValue: unknown, sofar: Partial<Answers>) => Promise<unknown>;

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
  /** Asked for but without a default: --yes cannot answer these. */
  const noDefault: Field[] = [];
  const defaultOf = (field: Field): unknown => options.defaults?.[field.key] ?? field.defaultValue(sofar);
  for (const field of FIELDS) {
    const fromFlag = options.flags[field.key];
    const fromFile = options.file?.[field.key];
    const raw = fromFlag ?? fromFile;
    const applies = field.applies?.(sofar) ?? true;
    if (raw !== undefined && fromFlag === undefined && !applies && raw === field.defaultValue(sofar)) {
      // A saved file records every answer; one that does not apply holds its empty default.
      assign(sofar, field.key, raw);
    } else if (raw !== undefined) {
      const source = fromFlag !== undefined ? `--${field.flag}` : `${field.key} (in ${options.fileName ?? 'answers file'})`;
      const checked = field.check(raw);
      if (!checked.ok) throw new ValidationError(source, raw, checked.rule);
      // A flag the other answers make meaningless was probably meant for something else. Files
      // may hold every answer (.chartwright.yaml does), so only flags are held to this.
      if (fromFlag !== undefined && !applies && field.requires) {
        // `--backup` asks for something the other answers cannot give; `--ingress-host` is just out of place.
        if (checked.value === true) throw new ValidationError(source, true, `needs ${field.requires}`);
        throw new ValidationError(source, raw, `applies only with ${field.requires}`);
      }
      assign(sofar, field.key, checked.value);
      explicit.set(field.key, source);
    } else if (!applies || (options.yes && defaultOf(field) !== undefined)) {
      assign(sofar, field.key, defaultOf(field));
    } else if (options.ask) {
      // Also with --yes, for a question that has no default: the person is there to answer it.
      const answer = await options.ask(field, defaultOf(field), { ...sofar });
      const checked = field.check(answer);
      // The prompt validated already; this only normalises (and guards a custom asker).
      if (!checked.ok) throw new ValidationError(field.label, answer, checked.rule);
      assign(sofar, field.key, checked.value);
    } else {
      (options.yes ? noDefault : missing).push(field);
      // Later questions may depend on this one; let them see the default rather than nothing.
      assign(sofar, field.key, defaultOf(field));
    }
  }
  if (missing.length > 0 || noDefault.length > 0) {
    const listed = [...missing, ...noDefault];
    const flags = listed.map((field) => `--${field.flag}${field.argName ? ` <${field.argName}>` : ''}`);
    const width = Math.max(...flags.map((flag) => flag.length));
    const list = (fields: Field[]) => fields.map((field) => `  ${(flags[listed.indexOf(field)] ?? '').padEnd(width)}  ${field.help}`).join('\n');
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`no terminal to ask on, and these answers are missing:\n${list(missing)}`);
    if (noDefault.length > 0) parts.push(`${missing.length ? 'and these' : 'these answers'} have no default, so --yes cannot answer them:\n${list(noDefault)}`);
    const hint = noDefault.length && !missing.length ? 'Pass them as flags or in --answers FILE.' : 'Pass them as flags, in --answers FILE, or use --yes to accept the defaults.';
    throw new UsageError(`${parts.join('\n')}\n${hint}`);
  }
  const answers = sofar as Answers;
  checkCombination(answers, explicit);
  return answers;
}

function assign<K extends AnswerKey>(target: Partial<Answers>, key: K, value: unknown): void {
  target[key] = value as Answers[K];
}

/**
 * An explicit `true` the other answers make impossible (a backup without a database in the
 * chart) is refused, from a file too; otherwise an answer that does not apply is reset to its
 * default, so the saved answers never claim what the chart does not have.
 */
function checkCombination(answers: Answers, explicit: Map<AnswerKey, string>): void {
  const sofar: Partial<Answers> = {};
  for (const field of FIELDS) {
    const value = answers[field.key];
    if (field.applies && !field.applies(sofar) && value === true) {
      const source = explicit.get(field.key);
      if (source && field.requires) throw new ValidationError(source, true, `needs ${field.requires}`);
      assign(answers, field.key, field.defaultValue(sofar));
    }
    assign(sofar, field.key, answers[field.key]);
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
