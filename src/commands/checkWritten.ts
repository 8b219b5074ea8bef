import { ExitCode, ToolError } from '../errors.js';
import { processSignalGuard } from '../process/signals.js';
import type { HumanReporter } from '../report/human.js';
import type { Report } from '../report/model.js';
import type { HelmRunner } from '../tools/helm.js';

/** helm, found and version-checked, with its private home; or why it cannot be used. */
export type OpenedHelm = { runner: HelmRunner; close(): void } | { missing: ToolError; close(): void };

/**
 * Finds helm for the check after a write. Until `close`, an interrupt stops helm's processes
 * (they run in their own process groups) and removes the private helm home.
 */
export async function openHelm(explicit: string | undefined): Promise<OpenedHelm> {
  // Loaded only when checking, to keep `--no-verify` and --dry-run fast.
  const { detectHelm, HelmRunner } = await import('../tools/helm.js');
  let runner: HelmRunner;
  try {
    runner = new HelmRunner(await detectHelm(explicit));
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    return { missing: error, close: () => undefined };
  }
  const unregister = runner.stopOnInterrupt(processSignalGuard());
  return {
    runner,
    close: () => {
      unregister();
      runner.dispose();
    },
  };
}

export interface CheckWritten {
  /** helm from openHelm; closed when the check ends. */
  helm: OpenedHelm;
  /** `verified` (new) or `checked` (regenerate), in the lines printed. */
  verb: 'verified' | 'checked';
  /** What happened to the chart before the check, for the message when helm is missing. */
  done: 'written' | 'regenerated';
  /** The chart, as the person typed it, for the hint to run `chartwright test`. */
  chartPath: string;
  /** Called before `check`: helm calls that can start early start here. */
  start?: (helm: HelmRunner) => void;
}

/**
 * The check `new` and `regenerate` make after writing: with helm (missing is exit 3, the chart
 * being written already), run `check`, print one line or the report. Returns the exit code, or
 * undefined when the checks passed (the caller may print more).
 */
export async function checkWrittenChart(what: CheckWritten, reporter: HumanReporter, check: (helm: HelmRunner) => Promise<Report>): Promise<number | undefined> {
  try {
    if ('missing' in what.helm) {
      reporter.warn(`${what.helm.missing.message}; the chart was ${what.done} but not checked (pass --no-verify to skip the checks)`);
      return ExitCode.toolMissing;
    }
    const { runner } = what.helm;
    reporter.step(`${what.verb === 'verified' ? 'verifying' : 'checking'} with helm ${runner.helm.version} (${runner.helm.source})`);
    what.start?.(runner);
    // Loads while helm runs: the report is printed the moment the checks end.
    const text = import('../report/text.js');
    text.catch(() => undefined);
    const report = await check(runner);
    const { checkedLines } = await text;
    const { failed, lines } = checkedLines(report, what.verb, what.chartPath);
    for (const line of lines) (failed ? reporter.line(line) : reporter.step(line));
    return failed ? ExitCode.checksFailed : undefined;
  } finally {
    what.helm.close();
  }
}
