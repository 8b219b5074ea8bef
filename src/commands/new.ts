import { existsSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { type Asker, collectAnswers, loadAnswersFile } from '../answers/collect.js';
import type { AnswerKey, Answers } from '../answers/fields.js';
import type { Interview, PromptStreams } from '../answers/prompts.js';
import { describeAnswers, nextSteps } from '../chart/summary.js';
import { ANSWERS_FILE, readSavedAnswers } from '../records/index.js';
import { checkName } from '../answers/validate.js';
import { loadChartTemplates, planChart, type PlannedFile } from '../chart/plan.js';
import { ExitCode } from '../errors.js';
import { checkWrittenChart, openHelm } from './checkWritten.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../paths.js';
import { HumanReporter } from '../report/human.js';
import { resolveMirror } from '../verify/mirror.js';
import type { Mirror } from '../verify/mirror.js';
import { withChartWrite } from '../write/atomic.js';
import type { HelmRunner } from '../tools/helm.js';

export interface NewOptions {
  directory?: string;
  /** Raw flag values keyed by answer key; undefined when the flag was not given. */
  flags: Partial<Record<AnswerKey, unknown>>;
  answersFile?: string;
  yes: boolean;
  dryRun: boolean;
  force: boolean;
  verify: boolean;
  helm?: string;
  mirror?: string;
  plainHttp: boolean;
}

export interface NewIo {
  stdout: NodeJS.WritableStream;
  reporter: HumanReporter;
  /** Whether prompts may be shown; false without a terminal. */
  interactive: boolean;
  prompts?: PromptStreams;
  /** Replaces the inquirer asker (tests). */
  ask?: Asker;
  /** Replaces the inquirer interview, questions and confirmation (tests). */
  interview?: Interview;
}

/** `chartwright new`: answers → plan → write → verify → report. Returns the exit code. */
export async function runNew(options: NewOptions, io: NewIo): Promise<number> {
  // Checked before any prompt: a bad --mirror should not cost the user a whole interview.
  const mirror = resolveMirror(options.mirror, options.plainHttp);
  // Loaded only when prompting: inquirer is most of the start-up time of a scripted run.
  const interview = io.interactive ? (io.interview ?? (await import('../answers/prompts.js')).startInterview(io.prompts)) : undefined;
  let answers: Answers;
  let files: PlannedFile[];
  let target: string;
  try {
    answers = await collectAnswers({
      flags: options.flags,
      ...(options.answersFile ? { file: await loadAnswersFile(options.answersFile), fileName: options.answersFile } : {}),
      yes: options.yes,
      defaults: directoryDefaults(options.directory),
      ...(interview ? { ask: io.ask ?? interview.ask } : {}),
    });
    target = options.directory ?? answers.name;
    files = planChart(answers, { generatorVersion: GENERATOR_VERSION, templates: loadChartTemplates(CHART_TEMPLATES_DIR) });
    if (options.dryRun) {
      printPlan(io.stdout, target, files);
      return ExitCode.ok;
    }
    if (interview) {
      // On a terminal: what will be written, then (unless --yes) a last chance to stop.
      for (const line of describeAnswers(answers, displayPath(target), files)) io.reporter.line(line);
      if (!options.yes && !(await interview.confirm(`Write the chart to ${displayPath(target)}?`, true))) {
        io.reporter.step('nothing written');
        return ExitCode.ok;
      }
    }
  } finally {
    interview?.close();
  }
  // Asked for now, the verification's modules load while the write waits on the disk.
  const verification = options.verify ? verificationModules() : undefined;
  verification?.catch(() => undefined);
  // Under the directory's lock: what an earlier `new` wrote is read and replaced by one run only.
  await withChartWrite(target, { command: 'new' }, async (write) => {
    for (const line of write.recovered) io.reporter.warn(line);
    const remove = options.force ? await noLongerGenerated(target, files) : [];
    await write.write(files, { force: options.force, remove });
  });
  const chartFiles = files.filter((file) => !file.path.startsWith('.chartwright/')).length;
  io.reporter.step(`wrote chart ${answers.name} (IEC 62304 class ${answers.safetyClass}) to ${displayPath(target)}: ${chartFiles} files`);
  if (!verification) {
    printNextSteps(io.reporter, answers, target);
    return ExitCode.ok;
  }
  return verifyWritten(target, answers, options, mirror, io.reporter, verification);
}

/** The modules a verification runs on (loaded only then, to keep `--no-verify` fast). */
const verificationModules = () => import('../stages/verify.js');

function printNextSteps(reporter: HumanReporter, answers: Answers, target: string): void {
  for (const line of nextSteps(answers, displayPath(target))) reporter.line(line);
}

async function verifyWritten(
  target: string,
  answers: Answers,
  options: NewOptions,
  mirror: Mirror | undefined,
  reporter: HumanReporter,
  modules: ReturnType<typeof verificationModules>,
): Promise<number> {
  const chartDir = resolve(target);
  const { startVerifyCalls, verifyChart } = await modules;
  const start = (helm: HelmRunner) => startVerifyCalls(helm, chartDir);
  const failed = await checkWrittenChart({ helm: await openHelm(options.helm), verb: 'verified', done: 'written', chartPath: displayPath(target), start }, reporter, (helm) =>
    verifyChart({ helm, chartDir, ...(mirror ? { mirror } : {}) }),
  );
  if (failed !== undefined) return failed;
  printNextSteps(reporter, answers, target);
  return ExitCode.ok;
}

/**
 * Files an earlier `chartwright new` wrote into the target that this plan no longer contains
 * (an optional template whose answer changed): they would read values that no longer exist.
 * Found by planning the chart's recorded answers again; files it never generated are kept.
 */
async function noLongerGenerated(target: string, files: readonly PlannedFile[]): Promise<string[]> {
  if (!existsSync(join(target, ANSWERS_FILE))) return [];
  let previous: Answers;
  try {
    previous = (await readSavedAnswers(target)).answers;
  } catch {
    return [];
  }
  const planned = new Set(files.map((file) => file.path));
  const templates = loadChartTemplates(CHART_TEMPLATES_DIR);
  return planChart(previous, { generatorVersion: GENERATOR_VERSION, templates })
    .map((file) => file.path)
    .filter((path) => !planned.has(path));
}

/** The target directory's name is the natural default app name, when it is a valid one. */
function directoryDefaults(directory: string | undefined): Partial<Answers> {
  if (!directory) return {};
  const name = basename(resolve(directory));
  return checkName(name).ok ? { name } : {};
}

function printPlan(stdout: NodeJS.WritableStream, target: string, files: PlannedFile[]): void {
  let total = 0;
  for (const file of files) {
    const size = Buffer.byteLength(file.content);
    total += size;
    stdout.write(`${String(size).padStart(7)}  ${displayPath(target)}/${file.path}\n`);
  }
  stdout.write(`${String(total).padStart(7)}  total, ${files.length} files (dry run: nothing written)\n`);
}

const displayPath = (path: string) => relative(process.cwd(), resolve(path)) || '.';
