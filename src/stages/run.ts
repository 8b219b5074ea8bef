import type { StageName, StageResult } from '../verify/findings.js';
import type { ChartUnderTest, Inputs, RunContext, StageDef, StageOutcome, StageScope, Unit } from './model.js';

/** Lets the events waiting on the loop (a helm process that ended) be handled before more of this thread's work. */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export type ResultWithOutput = StageResult & { output?: unknown };

const unitKey = (scope: StageScope, unit: Pick<Unit, 'valuesFiles' | 'kubeVersion'>) =>
  scope === 'chart' ? '' : scope === 'values' ? unit.valuesFiles.join('\0') : `${unit.valuesFiles.join('\0')}\u0001${unit.kubeVersion ?? ''}`;

/** The units a stage runs for on one chart, in report order: values sets, then minors. */
export function unitsOf(stage: Pick<StageDef, 'scope'>, chart: ChartUnderTest, kubeVersions: readonly string[]): Unit[] {
  if (stage.scope === 'chart') return [{ chart, valuesFiles: [] }];
  if (stage.scope === 'values') return chart.valuesSets.map((valuesFiles) => ({ chart, valuesFiles }));
  return chart.valuesSets.flatMap((valuesFiles) => kubeVersions.map((kubeVersion) => ({ chart, valuesFiles, kubeVersion })));
}

/**
 * The unit of a needed stage that a unit reads: a chart-wide need is the chart's, a per-values need
 * the same values set's, and a per-minor need read from a wider stage is the newest minor's.
 */
function projectUnit(needScope: StageScope, unit: Unit, newestMinor: string): Unit {
  if (needScope === 'chart') return { chart: unit.chart, valuesFiles: [] };
  if (needScope === 'values') return { chart: unit.chart, valuesFiles: unit.valuesFiles };
  return { chart: unit.chart, valuesFiles: unit.valuesFiles, kubeVersion: unit.kubeVersion ?? newestMinor };
}

function toResult(stage: StageDef, unit: Unit, outcome: StageOutcome, durationMs: number): ResultWithOutput {
  const failed = outcome.failed ?? outcome.findings.some((finding) => finding.severity === 'error');
  const status = outcome.skipped !== undefined ? 'skipped' : outcome.planned !== undefined ? 'planned' : failed ? 'failed' : 'passed';
  const reason = outcome.skipped ?? outcome.planned ?? outcome.note;
  return {
    stage: stage.name,
    valuesFiles: unit.valuesFiles,
    ...(unit.kubeVersion !== undefined ? { kubeVersion: unit.kubeVersion } : {}),
    status,
    durationMs: Math.round(durationMs),
    findings: outcome.findings,
    ...(reason !== undefined ? { reason } : {}),
    ...(outcome.steps ? { steps: outcome.steps } : {}),
    ...(outcome.output !== undefined ? { output: outcome.output } : {}),
  };
}

export interface StageRun {
  /** Every result of every chart, in declared stage order, then values set, then minor. */
  results: Map<ChartUnderTest, StageResult[]>;
  /** Stages off for the whole run, with the reason (shown once, never as a result per unit). */
  off: { stage: StageName; reason: string }[];
}

/**
 * Runs the declared stages over the charts. Every unit starts at once and waits only for the
 * units it needs, so independent work overlaps; the helm runner and the install session bound
 * the processes. A need that did not pass skips the unit with the reason; nothing depends on a
 * stage's position in the list.
 */
export async function runStages(
  stages: readonly StageDef[],
  charts: readonly ChartUnderTest[],
  context: RunContext,
  onResult: (chart: ChartUnderTest, result: StageResult) => void = () => {},
): Promise<StageRun> {
  const off: StageRun['off'] = [];
  const active = stages.filter((stage) => {
    const reason = stage.off?.(context);
    if (reason !== undefined) off.push({ stage: stage.name, reason });
    return reason === undefined;
  });
  const byName = new Map(active.map((stage) => [stage.name, stage]));
  for (const stage of active) {
    for (const need of [...stage.needs, ...(stage.after ?? [])]) {
      // A need on a stage that is off for this run is no need: lint does not wait for --since.
      if (!stages.some((candidate) => candidate.name === need)) throw new Error(`stage ${stage.name} needs unknown stage ${need}`);
    }
  }
  const results = new Map<ChartUnderTest, StageResult[]>();
  await Promise.all(
    charts.map(async (chart) => {
      const tasks = new Map<string, Promise<ResultWithOutput>>();
      const task = (stage: StageDef, unit: Unit): Promise<ResultWithOutput> => {
        const key = `${stage.name}\u0002${unitKey(stage.scope, unit)}`;
        let promise = tasks.get(key);
        if (!promise) {
          promise = runUnit(stage, unit);
          tasks.set(key, promise);
        }
        return promise;
      };
      const runUnit = async (stage: StageDef, unit: Unit): Promise<ResultWithOutput> => {
        const needed = new Map<StageName, ResultWithOutput>();
        for (const name of stage.needs) {
          const need = byName.get(name);
          if (need) needed.set(name, await task(need, projectUnit(need.scope, unit, context.newestMinor)));
        }
        for (const name of stage.after ?? []) {
          const before = byName.get(name);
          if (before) await task(before, projectUnit(before.scope, unit, context.newestMinor));
        }
        const blocking = [...needed.values()].find((result) => result.status !== 'passed');
        let result: ResultWithOutput;
        if (blocking) {
          const why = blocking.status === 'planned' ? 'planned' : blocking.status;
          result = toResult(stage, unit, { findings: [], skipped: `${blocking.stage} ${why}` }, 0);
        } else if (context.signal.aborted) {
          result = toResult(stage, unit, { findings: [], skipped: 'interrupted' }, 0);
        } else {
          const inputs: Inputs = { result: (name) => needed.get(name) };
          // Checks run on this thread: before each, the events waiting (a helm process that
          // ended, whose slot should pass to the next) are handled first.
          await nextTurn();
          const started = performance.now();
          let outcome: StageOutcome;
          try {
            outcome = await stage.run(unit, inputs, context);
          } catch (error) {
            // An interrupt is not a failed check: say so, never "FAIL".
            if (context.signal.aborted) outcome = { findings: [], skipped: 'interrupted' };
            else throw error;
          }
          result = toResult(stage, unit, outcome, performance.now() - started);
        }
        onResult(chart, withoutOutput(result));
        return result;
      };
      const ordered = active.flatMap((stage) => unitsOf(stage, chart, context.kubeVersions).map((unit) => task(stage, unit)));
      results.set(chart, (await Promise.all(ordered)).map(withoutOutput));
    }),
  );
  return { results, off };
}

function withoutOutput(result: ResultWithOutput): StageResult {
  if (!('output' in result)) return result;
  const { output: _output, ...rest } = result;
  return rest;
}
