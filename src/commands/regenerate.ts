import { relative, resolve } from 'node:path';
import { checkWrittenChart, openHelm } from './checkWritten.js';
import { ExitCode, UsageError } from '../errors.js';
import { GENERATOR_VERSION } from '../paths.js';
import type { AnswerChanges } from '../regenerate/answers.js';
import { unifiedDiff } from '../regenerate/diff.js';
import type { FileMerge, Outcome } from '../regenerate/merge.js';
import { planRegeneration, type RegeneratePlan } from '../regenerate/plan.js';
import type { HumanReporter } from '../report/human.js';
import { type Mirror, resolveMirror } from '../verify/mirror.js';
import { pendingWrite, withChartWrite } from '../write/atomic.js';

export interface RegenerateOptions extends AnswerChanges {
  chart?: string;
  dryRun: boolean;
  /** Lint and render the result with helm; default true. */
  verify?: boolean;
  helm?: string;
}

export interface RegenerateIo {
  stdout: NodeJS.WritableStream;
  reporter: HumanReporter;
}

export { planRegeneration, type RegeneratePlan };

/**
 * `chartwright regenerate`: the chart's saved answers (changed as asked) through the current
 * generator, merged three ways into the files on disk, written atomically, then linted.
 * Exit 1 on conflicts or when the result fails helm lint or helm template.
 */
export async function runRegenerate(options: RegenerateOptions, io: RegenerateIo): Promise<number> {
  const chartDir = resolve(options.chart ?? '.');
  // Checked before anything is written: a bad CHARTWRIGHT_MIRROR is a usage error, not a half-done run.
  const mirror = options.dryRun || options.verify === false ? undefined : resolveMirror(undefined, false);
  if (options.dryRun) {
    const pending = await pendingWrite(chartDir);
    if (pending) throw new UsageError(pending);
    return dryRun(await planRegeneration(chartDir, options, io.reporter), io);
  }
  // Read, merged and written under the chart's lock, after any interrupted earlier write is settled.
  const written = await withChartWrite(display(chartDir), { command: 'regenerate', existing: true }, async (write) => {
    for (const line of write.recovered) io.reporter.warn(line);
    const plan = await planRegeneration(chartDir, options, io.reporter);
    for (const file of plan.files.filter((one) => one.outcome !== 'unchanged' || one.note !== undefined)) io.reporter.line(outcomeLine(file).trimEnd());
    if (plan.writes.length === 0 && plan.remove.length === 0) return { plan, wrote: false };
    await write.write(plan.writes, { force: true, remove: plan.remove });
    return { plan, wrote: true };
  });
  const { plan, wrote } = written;
  const conflicts = plan.files.filter((file) => file.outcome === 'conflict');
  if (!wrote && conflicts.length === 0) {
    io.reporter.step(`${display(chartDir)} is up to date with chartwright ${GENERATOR_VERSION}; nothing written`);
    return ExitCode.ok;
  }
  if (wrote) io.reporter.step(`regenerated ${display(chartDir)} with chartwright ${GENERATOR_VERSION}: ${summary(plan.files)}`);
  if (conflicts.length) {
    for (const file of conflicts) io.reporter.warn(`${file.path}: ${file.note ?? 'conflict'}`);
    const marked = conflicts.filter((file) => file.after?.includes('<<<<<<< ours'));
    io.reporter.warn(
      `${conflicts.length} file(s) have conflicts${marked.length ? ` (${marked.length} marked <<<<<<< ours / ======= / >>>>>>> theirs)` : ''}: ${conflicts.map((file) => file.path).join(', ')}\n` +
        `Resolve them (${marked.length ? 'keep the right lines, delete the markers' : 'as each note says'}), then run \`chartwright test\`.`,
    );
    return ExitCode.checksFailed;
  }
  if (options.verify === false) return ExitCode.ok;
  return verify(chartDir, options, mirror, io.reporter);
}

async function verify(chartDir: string, options: RegenerateOptions, mirror: Mirror | undefined, reporter: HumanReporter): Promise<number> {
  const { verifyRegenerated } = await import('../regenerate/verify.js');
  const failed = await checkWrittenChart({ helm: await openHelm(options.helm), verb: 'checked', done: 'regenerated', chartPath: display(chartDir) }, reporter, async (helm) => {
    const { report, withoutDependencies } = await verifyRegenerated(helm, chartDir, mirror);
    if (withoutDependencies) {
      reporter.warn(`checked without ${withoutDependencies.join(', ')}: not in charts/ (run \`helm dependency build\`, or set CHARTWRIGHT_MIRROR, to check with them)`);
    }
    return report;
  });
  if (failed === ExitCode.checksFailed) reporter.warn('the regenerated chart fails the checks `chartwright new` makes (see above); fix what they name, then run `chartwright test`');
  return failed ?? ExitCode.ok;
}

function dryRun(plan: RegeneratePlan, io: RegenerateIo): number {
  for (const file of plan.files) io.stdout.write(outcomeLine(file));
  for (const file of plan.files) io.stdout.write(unifiedDiff(file.path, file.before, file.after));
  io.reporter.line(`${summary(plan.files)} (dry run: nothing written)`);
  return plan.files.some((file) => file.outcome === 'conflict') ? ExitCode.checksFailed : ExitCode.ok;
}

const LABELS: Record<Outcome, string> = {
  unchanged: 'unchanged',
  updated: 'updated',
  merged: 'merged',
  conflict: 'CONFLICT',
  added: 'added',
  removed: 'removed',
  renamed: 'renamed',
};

function outcomeLine(file: FileMerge): string {
  return `${LABELS[file.outcome].padEnd(10)}${file.path}${file.note ? `  (${file.note})` : ''}\n`;
}

function summary(files: FileMerge[]): string {
  const counts = new Map<Outcome, number>();
  for (const file of files) counts.set(file.outcome, (counts.get(file.outcome) ?? 0) + 1);
  const order: Outcome[] = ['updated', 'merged', 'renamed', 'added', 'removed', 'conflict', 'unchanged'];
  return order
    .filter((outcome) => counts.has(outcome))
    .map((outcome) => `${counts.get(outcome)} ${outcome === 'conflict' ? 'conflicting' : outcome}`)
    .join(', ');
}

const display = (path: string) => relative(process.cwd(), resolve(path)) || '.';
