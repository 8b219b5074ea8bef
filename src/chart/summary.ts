import { type Answers, type Field, showValue } from '../answers/field.js';
import { FIELDS } from '../answers/fields.js';
import { classTurnsOn } from '../domain/classes.js';
import { includedParts } from '../parts/index.js';
import { type Placeholder, placeholdersOf } from '../parts/placeholders.js';
import { shellQuote } from '../render/shell.js';
import type { PlannedFile } from './plan.js';
import { buildValueTree } from './values.js';

/** The answers that apply, in question order, for the summary before writing. */
function appliedFields(answers: Answers): Field[] {
  const sofar: Partial<Answers> = {};
  const applied: Field[] = [];
  for (const field of FIELDS) {
    if (field.applies?.(sofar) ?? true) applied.push(field);
    Object.assign(sofar, { [field.key]: answers[field.key] });
  }
  return applied;
}

/** What `new` is about to write: the answers, the files, the placeholders and any warnings. */
export function describeAnswers(answers: Answers, target: string, files: readonly PlannedFile[]): string[] {
  const fields = appliedFields(answers);
  const width = Math.max(...fields.map((field) => field.label.length));
  const lines = ['', 'Summary:'];
  for (const field of fields) {
    lines.push(`  ${field.label.padEnd(width)}  ${showValue(field, answers[field.key])}`);
    if (field.key === 'safetyClass') lines.push(`  ${''.padEnd(width)}  turns on: ${classTurnsOn(answers.safetyClass)}`);
  }
  const chartFiles = files.filter((file) => !file.path.startsWith('.chartwright/')).map((file) => file.path);
  lines.push('', `Files in ${target} (${chartFiles.length}, plus chartwright's records in .chartwright/):`);
  lines.push(...wrap(chartFiles, 96).map((line) => `  ${line}`));
  lines.push(...placeholderLines(placeholdersOfAnswers(answers)), ...warningLines(answers), '');
  return lines;
}

const placeholdersOfAnswers = (answers: Answers) => placeholdersOf(buildValueTree(answers), answers.maintainerEmail);

function placeholderLines(placeholders: readonly Placeholder[]): string[] {
  if (placeholders.length === 0) return [];
  return [
    '',
    'Placeholders to replace before production (marked PLACEHOLDER in values.yaml; `chartwright test` warns while values-prod.yaml keeps them):',
    ...placeholders.map((item) => `  ${item.file} ${item.key}: ${item.value} (put ${item.replaceWith})`),
  ];
}

function warningLines(answers: Answers): string[] {
  const warnings = includedParts(answers).flatMap((part) => part.warnings?.(answers) ?? []);
  return warnings.length ? ['', ...warnings.map((warning) => `warning: ${warning}`)] : [];
}

/** The end of `new`: placeholders and warnings, then commands that run as printed. */
export function nextSteps(answers: Answers, target: string): string[] {
  const placeholders = placeholdersOfAnswers(answers);
  const lines = [...placeholderLines(placeholders), ...warningLines(answers)];
  const parts = includedParts(answers);
  const hasSubcharts = parts.some((part) => (part.subcharts?.(answers).length ?? 0) > 0);
  const hasPrerequisites = parts.some((part) => (part.prerequisites?.(answers).length ?? 0) > 0);
  const placeholderImage = placeholders.some((item) => item.key === 'image.repository');
  const commands = [
    // A leading dash would be read as an option of cd, quoted or not.
    `cd ${shellQuote(target.startsWith('-') ? `./${target}` : target)}`,
    ...(hasSubcharts ? ['helm dependency build'] : []),
    `helm install ${answers.name} . --namespace ${answers.name} --create-namespace -f values-dev.yaml`,
  ].join(' && ');
  const first = [
    placeholderImage ? `set image.repository and image.tag in values.yaml (${answers.image.repository}:${answers.image.tag} is a placeholder)` : '',
    hasPrerequisites ? 'provide the prerequisites README.md lists' : '',
  ].filter(Boolean);
  lines.push('');
  if (first.length) lines.push(`next: ${first.join('; ')}; then:`, `  ${commands}`);
  else lines.push(`next: ${commands}`);
  return lines;
}

/** Words joined by two spaces into lines of at most `width` characters. */
function wrap(words: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + 2 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line}  ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
