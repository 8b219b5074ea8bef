import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadChartTemplates, planChart } from '../chart/plan.js';
import { ExitCode, UsageError } from '../errors.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../paths.js';
import { ANSWERS_FILE, BASE_DIR, baseOfPlan, generatedPart, readBaseSnapshot, readSavedAnswers, recordOf, RELEASE_RECORD, serialiseRecord, templateFiles } from '../records/index.js';
import { type AnswerChanges, applyAnswerChanges } from '../regenerate/answers.js';
import { unifiedDiff } from '../regenerate/diff.js';
import { type FileMerge, mergeChart, type Outcome } from '../regenerate/merge.js';
import { hasConflictMarkers } from '../regenerate/textMerge.js';
import type { HumanReporter } from '../report/human.js';
import { type FileToWrite, pendingWrite, withChartWrite } from '../write/atomic.js';

export interface RegenerateOptions extends AnswerChanges {
  chart?: string;
  dryRun: boolean;
  /** Lint and render the result with helm (default true). */
  verify?: boolean;
  helm?: string;
}

export interface RegenerateIo {
  stdout: NodeJS.WritableStream;
  reporter: HumanReporter;
}

export interface RegeneratePlan {
  files: FileMerge[];
  /** Everything to write, chartwright's records included. */
  writes: FileToWrite[];
  remove: string[];
}

/**
 * `chartwright regenerate`: the chart's saved answers (changed as asked) through the current
 * generator, merged three ways into the files on disk, written atomically. Exit 1 on conflicts.
 */
export async function runRegenerate(options: RegenerateOptions, io: RegenerateIo): Promise<number> {
  const chartDir = resolve(options.chart ?? '.');
  if (options.dryRun) {
    const pending = await pendingWrite(chartDir);
    if (pending) throw new UsageError(pending);
    return dryRun(await planRegeneration(chartDir, options, io.reporter), io);
  }
  // Read, merged and written under the chart's lock, after any interrupted earlier write is settled.
  return withChartWrite(display(chartDir), { command: 'regenerate', existing: true }, async (write) => {
    for (const line of write.recovered) io.reporter.warn(line);
    const plan = await planRegeneration(chartDir, options, io.reporter);
    return writeRegeneration(chartDir, plan, io, (files, remove) => write.write(files, { force: true, remove }));
  });
}

function dryRun(plan: RegeneratePlan, io: RegenerateIo): number {
  for (const file of plan.files) io.stdout.write(outcomeLine(file));
  for (const file of plan.files) io.stdout.write(unifiedDiff(file.path, file.before, file.after));
  io.reporter.line(`${summary(plan.files)} (dry run: nothing written)`);
  return plan.files.some((file) => file.outcome === 'conflict') ? ExitCode.checksFailed : ExitCode.ok;
}

async function writeRegeneration(
  chartDir: string,
  plan: RegeneratePlan,
  io: RegenerateIo,
  write: (files: FileToWrite[], remove: string[]) => Promise<void>,
): Promise<number> {
  const conflicts = plan.files.filter((file) => file.outcome === 'conflict');
  const kept = plan.files.filter((file) => file.outcome === 'kept');
  const shown = (file: FileMerge) => file.outcome !== 'unchanged' || file.note !== undefined;
  for (const file of plan.files.filter(shown)) io.reporter.line(outcomeLine(file).trimEnd());
  if (plan.writes.length === 0 && plan.remove.length === 0) {
    io.reporter.step(`${display(chartDir)} is up to date with chartwright ${GENERATOR_VERSION}; nothing written`);
    return ExitCode.ok;
  }
  await write(plan.writes, plan.remove);
  io.reporter.step(`regenerated ${display(chartDir)} with chartwright ${GENERATOR_VERSION}: ${summary(plan.files)}`);
  for (const file of kept) io.reporter.warn(`${file.path}: ${file.note}`);
  if (conflicts.length) {
    io.reporter.warn(
      `${conflicts.length} file(s) have conflicts, marked <<<<<<< ours / ======= / >>>>>>> theirs: ${conflicts.map((file) => file.path).join(', ')}\n` +
        'Resolve them (keep the right lines, delete the markers), then run `chartwright test`.',
    );
    return ExitCode.checksFailed;
  }
  return ExitCode.ok;
}

/** Everything regenerate would do, decided without writing. */
export async function planRegeneration(chartDir: string, changes: AnswerChanges, reporter?: HumanReporter): Promise<RegeneratePlan> {
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
  const unresolved = [...ours].filter(([, text]) => hasConflictMarkers(text)).map(([path]) => path);
  if (unresolved.length) {
    throw new UsageError(`unresolved conflict markers in ${unresolved.join(', ')}; resolve them before regenerating again`);
  }

  const files = mergeChart({ base, ours, theirs });
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

const LABELS: Record<Outcome, string> = {
  unchanged: 'unchanged',
  updated: 'updated',
  merged: 'merged',
  conflict: 'CONFLICT',
  added: 'added',
  removed: 'removed',
  kept: 'kept',
};

function outcomeLine(file: FileMerge): string {
  return `${LABELS[file.outcome].padEnd(10)}${file.path}${file.note ? `  (${file.note})` : ''}\n`;
}

function summary(files: FileMerge[]): string {
  const counts = new Map<Outcome, number>();
  for (const file of files) counts.set(file.outcome, (counts.get(file.outcome) ?? 0) + 1);
  const order: Outcome[] = ['updated', 'merged', 'added', 'removed', 'kept', 'conflict', 'unchanged'];
  return order
    .filter((outcome) => counts.has(outcome))
    .map((outcome) => `${counts.get(outcome)} ${outcome === 'conflict' ? 'conflicting' : outcome}`)
    .join(', ');
}

const display = (path: string) => relative(process.cwd(), resolve(path)) || '.';
