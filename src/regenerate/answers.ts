import { collectAnswers, loadAnswersFile } from '../answers/collect.js';
import { type AnswerKey, type Answers, FIELDS } from '../answers/fields.js';
import { checkDependencies, DEPENDENCY_NAMES } from '../answers/validate.js';
import { UsageError, ValidationError } from '../errors.js';

export interface AnswerChanges {
  /** `--set KEY=VALUE`, in order given; KEY is an answer key or a flag name. */
  set: string[];
  /** `--add-dependency NAME`. */
  addDependencies: string[];
  /** `--answers FILE`: answers to change; --set wins over it. */
  answersFile?: string;
}

const knownKeys = () => FIELDS.map((field) => (field.flag === field.key ? field.key : `${field.flag} (${field.key})`)).join(', ');

/** Parses every --set; bad input names the option, the value and the rule. */
export function parseSets(sets: readonly string[]): Partial<Record<AnswerKey, unknown>> {
  const changes: Partial<Record<AnswerKey, unknown>> = {};
  for (const raw of sets) {
    const at = raw.indexOf('=');
    if (at <= 0) throw new UsageError(`invalid --set ${JSON.stringify(raw)}: must be KEY=VALUE, with KEY one of: ${knownKeys()}`);
    const key = raw.slice(0, at).trim();
    const value = raw.slice(at + 1);
    const field = FIELDS.find((candidate) => candidate.key === key || candidate.flag === key);
    if (!field) throw new UsageError(`invalid --set ${JSON.stringify(raw)}: unknown answer "${key}"; known answers: ${knownKeys()}`);
    const checked = field.check(value);
    if (!checked.ok) throw new ValidationError(`--set ${key}`, value, checked.rule);
    changes[field.key] = value;
  }
  return changes;
}

/**
 * The answers to regenerate with: the saved ones, changed by --answers, then --set and
 * --add-dependency. The saved answers count as defaults, not as explicit choices, so a change
 * that makes one of them impossible (backup after PostgreSQL went external) drops it quietly,
 * as `new` would.
 */
export async function applyAnswerChanges(saved: Answers, changes: AnswerChanges): Promise<Answers> {
  const file = changes.answersFile ? await loadAnswersFile(changes.answersFile) : {};
  const flags = parseSets(changes.set);
  if (changes.addDependencies.length > 0) {
    for (const name of changes.addDependencies) {
      if (!checkDependencies(name).ok || name.trim() === '' || name.includes(',')) {
        throw new ValidationError('--add-dependency', name, `must be one of: ${DEPENDENCY_NAMES.join(', ')}`);
      }
    }
    const current = flags.dependencies ?? file.dependencies ?? saved.dependencies;
    const checked = checkDependencies(current);
    if (!checked.ok) throw new ValidationError('--set dependencies', current, checked.rule);
    flags.dependencies = [...checked.value, ...changes.addDependencies.map((name) => name.trim().toLowerCase())];
  }
  return collectAnswers({
    flags,
    file,
    ...(changes.answersFile ? { fileName: changes.answersFile } : {}),
    yes: true,
    defaults: saved,
  });
}
