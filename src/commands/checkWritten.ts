import { ExitCode, ToolError } from '../errors.js';
import type { HumanReporter } from '../report/human.js';
import type { Report } from '../report/model.js';
import type { HelmRunner } from '../tools/helm.js';

export interface CheckWritten {
  /** --helm, if given. */
  helm: string | undefined;
  /** `verified` (new) or `checked` (regenerate), in the lines printed. */
  verb: 'verified' | 'checked';
  /** What happened to the chart before the check, for the message when helm is missing. */
  done: 'written' | 'regenerated';
  /** The chart, as the person typed it, for the hint to run `chartwright test`. */
  chartPath: string;
  /** Called once helm is found, before `check` loads: helm calls that can start early start here. */
  start?: (helm: HelmRunner) => void;
}

/**
 * The check `new` and `regenerate` make after writing: find helm (missing is exit 3, the chart
 * being written already), run `check` with a private helm home, print one line or the report.
 * Returns the exit code, or undefined when the checks passed (the caller may print more).
 */
export async function checkWrittenChart(what: CheckWritten, reporter: HumanReporter, check: (helm: HelmRunner) => Promise<Report>): Promise<number | undefined> {
  // Loaded only when checking, to keep `--no-verify` and --dry-run fast.
  const { detectHelm, HelmRunner } = await import('../tools/helm.js');
  let helm;
  try {
    helm = await detectHelm(what.helm);
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    reporter.warn(`${error.message}; the chart was ${what.done} but not checked (pass --no-verify to skip the checks)`);
    return ExitCode.toolMissing;
  }
  reporter.step(`${what.verb === 'verified' ? 'verifying' : 'checking'} with helm ${helm.version} (${helm.source})`);
  const runner = new HelmRunner(helm);
  try {
    what.start?.(runner);
    const report = await check(runner);
    const { checkedLines } = await import('../report/text.js');
    const { failed, lines } = checkedLines(report, what.verb, what.chartPath);
    for (const line of lines) (failed ? reporter.line(line) : reporter.step(line));
    return failed ? ExitCode.checksFailed : undefined;
  } finally {
    runner.dispose();
  }
}
