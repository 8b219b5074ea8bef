import { resolve } from 'node:path';
import { ExitCode } from '../errors.js';
import { type BumpOptions, type BumpPlan, planBump } from '../release/bump.js';
import type { HumanReporter } from '../report/human.js';
import { withChartWrite } from '../write/atomic.js';

export interface BumpCommandOptions extends BumpOptions {
  chart?: string;
  dryRun: boolean;
}

export interface BumpIo {
  stdout: NodeJS.WritableStream;
  reporter: HumanReporter;
}

/** `chartwright bump`: a new chart version (and app version), recorded where reviewers look. */
export async function runBump(options: BumpCommandOptions, io: BumpIo): Promise<number> {
  const chartDir = resolve(options.chart ?? '.');
  if (options.dryRun) {
    const plan = await planBump(chartDir, options);
    report(plan, options, io);
    io.stdout.write(plan.changelogEntry);
    io.reporter.line('(dry run: nothing written)');
    return ExitCode.ok;
  }
  // Read and written under the chart's lock, after any interrupted earlier write is settled.
  return withChartWrite(options.chart ?? '.', { command: 'bump', existing: true }, async (write) => {
    for (const line of write.recovered) io.reporter.warn(line);
    const plan = await planBump(chartDir, options);
    report(plan, options, io);
    await write.write(plan.writes, { force: true });
    io.reporter.step(`wrote ${plan.writes.map((file) => file.path).join(', ')}`);
    // The version on stdout, for scripts: VERSION=$(chartwright bump).
    io.stdout.write(`${plan.to}\n`);
    return ExitCode.ok;
  });
}

function report(plan: BumpPlan, options: BumpCommandOptions, io: BumpIo): void {
  for (const warning of plan.warnings) io.reporter.warn(warning);
  io.reporter.step(`${plan.from} → ${plan.to} (${plan.level}${options.level ? ', as asked' : ''}): ${plan.derived.reason}`);
}

