import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { Answers } from '../answers/fields.js';
import { FIELDS } from '../answers/fields.js';
import { loadChartTemplates, planChart } from '../chart/plan.js';
import { UsageError } from '../errors.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../paths.js';
import { ANSWERS_FILE, BASE_DIR, baseOfPlan, generatedPart, readBaseSnapshot, readSavedAnswers, recordOf, RELEASE_RECORD, serialiseRecord, templateFiles } from '../records/index.js';
import type { FileToWrite } from '../write/atomic.js';
import { fsStep } from '../write/fsErrors.js';
import { type AnswerChanges, applyAnswerChanges } from './answers.js';
import { findClashes } from './clashes.js';
import { definedTemplates, helperRenames, renameCalls } from './helpers.js';
import { type FileMerge, isStructured, mergeChart } from './merge.js';
import { hasConflictMarkers } from './textMerge.js';

export interface RegeneratePlan {
  files: FileMerge[];
  /** Everything to write, chartwright's records included. */
  writes: FileToWrite[];
  remove: string[];
}

export interface PlanWarnings {
  warn(text: string): void;
}

/** Everything regenerate would do, decided without writing. A file that cannot be read is a usage error naming it. */
export async function planRegeneration(chartDir: string, changes: AnswerChanges, reporter?: PlanWarnings): Promise<RegeneratePlan> {
  return fsStep('read', display(chartDir), () => plan(chartDir, changes, reporter));
}

async function plan(chartDir: string, changes: AnswerChanges, reporter?: PlanWarnings): Promise<RegeneratePlan> {
  if (!existsSync(chartDir) || !statSync(chartDir).isDirectory()) throw new UsageError(`${display(chartDir)} is not a directory`);
  if (!existsSync(join(chartDir, ANSWERS_FILE))) {
    throw new UsageError(`${display(chartDir)} has no ${ANSWERS_FILE}: only charts made by chartwright new can be regenerated`);
  }
  const saved = await readSavedAnswers(chartDir);
  const answers = await applyAnswerChanges(saved.answers, changes);
  const templates = loadChartTemplates(CHART_TEMPLATES_DIR);
  const planned = planChart(answers, { generatorVersion: GENERATOR_VERSION, templates });
  const theirs = new Map(generatedPart(planned).filter((file) => file.path !== ANSWERS_FILE).map((file) => [file.path, file.content]));
  const newBase = baseOfPlan(planned);

  const stored = await readBaseSnapshot(chartDir);
  let base = stored;
  if (!base) {
    // Charts from before the snapshot existed: the saved answers through today's generator are
    // the best base there is; generator changes since then then count as the user's.
    reporter?.warn(`${display(chartDir)} has no ${BASE_DIR}/; merging against the current generator's output for the saved answers`);
    base = baseOfPlan(planChart(saved.answers, { generatorVersion: GENERATOR_VERSION, templates }));
  }

  const ours = new Map<string, string>();
  for (const path of new Set([...base.keys(), ...theirs.keys()])) {
    const full = join(chartDir, path);
    if (!existsSync(full)) continue;
    if (!statSync(full).isFile()) throw new UsageError(`${display(full)} is not a file; the generator writes a file there`);
    ours.set(path, await readFile(full, 'utf8'));
  }
  const userTemplates = await userOwnedTemplates(chartDir, new Set([...base.keys(), ...theirs.keys()]));
  const unresolved = [...ours, ...userTemplates].filter(([, text]) => hasConflictMarkers(text)).map(([path]) => path);
  if (unresolved.length) {
    throw new UsageError(`unresolved conflict markers in ${unresolved.join(', ')}; resolve them before regenerating again`);
  }

  const files = mergeChart({ base, ours, theirs, whyDropped: answerChanges(saved.answers, answers) });
  files.push(...carryHelperRenames(files, { oldName: saved.answers.name, newName: answers.name, base, theirs, userTemplates }));
  flagClashes(files, base, theirs);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const writes: FileToWrite[] = [];
  const remove: string[] = [];
  for (const file of files) {
    if (file.after === file.before) continue;
    if (file.after === undefined) remove.push(file.path);
    else writes.push({ path: file.path, content: file.after });
  }
  await addRecords(chartDir, { planned, newBase, oldBase: stored ?? new Map(), ours, writes, remove });
  return { files, writes, remove };
}

/** `persistence true → false, ...`: the answers that changed, for notes on files no longer generated. */
function answerChanges(before: Answers, after: Answers): string | undefined {
  const changed = FIELDS.filter((field) => !isDeepStrictEqual(before[field.key], after[field.key])).map(
    (field) => `${field.flag} ${JSON.stringify(before[field.key])} → ${JSON.stringify(after[field.key])}`,
  );
  return changed.length ? changed.join(', ') : undefined;
}

const TEMPLATE_TEXT = /^templates\/.+\.(ya?ml|tpl|txt)$/;

/** The user's own files below templates/ (neither in the last generation nor in this one). */
async function userOwnedTemplates(chartDir: string, generated: ReadonlySet<string>): Promise<Map<string, string>> {
  const root = join(chartDir, 'templates');
  const files = new Map<string, string>();
  if (!existsSync(root)) return files;
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(chartDir, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (!generated.has(path) && TEMPLATE_TEXT.test(path)) files.set(path, await readFile(join(chartDir, path), 'utf8'));
  }
  return files;
}

/**
 * Helpers are named after the chart: after `--set name=`, calls of the old names in the user's
 * templates (own files, and their lines in merged ones) are rewritten to the new names. Calls of
 * helpers the generator no longer defines at all are conflicts. Returns entries for own files.
 */
function carryHelperRenames(
  files: FileMerge[],
  context: { oldName: string; newName: string; base: ReadonlyMap<string, string>; theirs: ReadonlyMap<string, string>; userTemplates: ReadonlyMap<string, string> },
): FileMerge[] {
  const templatesOf = (map: ReadonlyMap<string, string>) => [...map].filter(([path]) => TEMPLATE_TEXT.test(path)).map(([, text]) => text);
  const helpers = helperRenames(context.oldName, context.newName, templatesOf(context.base), templatesOf(context.theirs));
  if (helpers.renames.size === 0 && helpers.gone.size === 0) return [];
  const ownDefines = new Set([...context.userTemplates.values()].flatMap((text) => [...definedTemplates(text)]));
  const missingNote = (missing: string[]) => `calls ${missing.map((name) => `"${name}"`).join(', ')}, which the generator no longer defines: define it in your own _helpers file or change the call`;
  for (const file of files) {
    if (file.after === undefined || !TEMPLATE_TEXT.test(file.path)) continue;
    const result = renameCalls(file.after, helpers, ownDefines);
    const notes = [file.note, result.renamed ? `${result.renamed} call(s) of renamed helpers (${context.oldName}.* → ${context.newName}.*) carried over` : undefined];
    if (result.missing.length) {
      file.outcome = 'conflict';
      notes.push(missingNote(result.missing));
    } else if (result.renamed && file.outcome === 'unchanged') file.outcome = 'merged';
    file.after = result.content;
    const note = notes.filter(Boolean).join('; ');
    if (note) file.note = note;
  }
  const own: FileMerge[] = [];
  for (const [path, text] of context.userTemplates) {
    const result = renameCalls(text, helpers, ownDefines);
    if (result.renamed === 0 && result.missing.length === 0) continue;
    const notes = result.renamed ? [`your file: ${result.renamed} call(s) of renamed helpers (${context.oldName}.* → ${context.newName}.*) carried over`] : ['your file'];
    if (result.missing.length) notes.push(missingNote(result.missing));
    own.push({ path, outcome: result.missing.length ? 'conflict' : 'renamed', before: text, after: result.content, note: notes.join('; ') });
  }
  return own;
}

/** Values the merge combined that cannot stand together: a conflict on the user's file. */
function flagClashes(files: FileMerge[], base: ReadonlyMap<string, string>, theirs: ReadonlyMap<string, string>): void {
  const valuesFiles = files
    .filter((file) => isStructured(file.path) && file.path !== 'Chart.yaml' && file.after !== undefined && file.outcome !== 'conflict')
    .map((file) => ({ path: file.path, merged: file.after as string, ...(base.has(file.path) ? { base: base.get(file.path) } : {}), ...(theirs.has(file.path) ? { theirs: theirs.get(file.path) } : {}) }));
  for (const clash of findClashes(valuesFiles)) {
    const file = files.find((candidate) => candidate.path === clash.path);
    if (!file) continue;
    file.outcome = 'conflict';
    file.note = [file.note, clash.message].filter(Boolean).join('; ');
  }
}

/** The answers file, the new base snapshot, and a release record for charts that lack one. */
async function addRecords(
  chartDir: string,
  context: {
    planned: { path: string; content: string }[];
    newBase: Map<string, string>;
    /** The snapshot on disk (empty when there is none). */
    oldBase: Map<string, string>;
    ours: Map<string, string>;
    writes: FileToWrite[];
    remove: string[];
  },
): Promise<void> {
  const answers = context.planned.find((file) => file.path === ANSWERS_FILE);
  const answersPath = join(chartDir, ANSWERS_FILE);
  if (answers && (await readFile(answersPath, 'utf8')) !== answers.content) context.writes.push(answers);
  for (const [path, content] of context.newBase) {
    if (context.oldBase.get(path) !== content) context.writes.push({ path: `${BASE_DIR}/${path}`, content });
  }
  for (const path of context.oldBase.keys()) if (!context.newBase.has(path)) context.remove.push(`${BASE_DIR}/${path}`);
  if (!existsSync(join(chartDir, RELEASE_RECORD))) {
    // The chart as it stands is the last release bump can compare against.
    const chart = context.ours.get('Chart.yaml');
    const values = context.ours.get('values.yaml');
    try {
      const version = String((parseYaml(chart ?? '') as { version?: unknown } | null)?.version ?? '0.1.0');
      context.writes.push({ path: RELEASE_RECORD, content: serialiseRecord(recordOf(version, values ?? '', await templateFiles(chartDir))) });
    } catch {
      // An unparsable file is the merge's concern; bump can still be told --level.
    }
  }
}

const display = (path: string) => relative(process.cwd(), resolve(path)) || '.';
