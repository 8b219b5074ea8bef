import { availableParallelism } from 'node:os';
import type { HelmRunner } from '../tools/helm.js';
import type { StageResult } from './findings.js';
import { dependencyStage, lintStage, type Mirror, templateStage } from './stages.js';

export interface VerifyOptions {
  helm: HelmRunner;
  chartDir: string;
  /** Sets of values files to check, each applied over values.yaml ([] = values.yaml alone). */
  valuesSets: string[][];
  mirror?: Mirror;
  /** Called as each stage finishes, for live progress. */
  onStage?: (result: StageResult) => void;
}

/** Runs tasks with at most `limit` at a time; results keep the tasks' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Dependencies first (every later stage needs them), then lint and template for each values
 * set concurrently. The report order is the input order, whatever finishes first.
 */
export async function verifyChart(options: VerifyOptions): Promise<StageResult[]> {
  const report = (result: StageResult) => {
    options.onStage?.(result);
    return result;
  };
  const dependencies = report(await dependencyStage(options.helm, options.chartDir, options.mirror));
  if (dependencies.status === 'failed') {
    const reason = 'dependencies are missing (see the dependencies stage)';
    const skipped = options.valuesSets.flatMap((valuesFiles) =>
      (['lint', 'template'] as const).map((stage) =>
        report({ stage, valuesFiles, status: 'skipped', durationMs: 0, findings: [], reason }),
      ),
    );
    return [dependencies, ...skipped];
  }
  const perValues = await mapBounded(options.valuesSets, availableParallelism(), async (valuesFiles) => {
    const [lint, template] = await Promise.all([
      lintStage(options.helm, options.chartDir, valuesFiles).then(report),
      templateStage(options.helm, options.chartDir, valuesFiles).then(({ result }) => report(result)),
    ]);
    return [lint, template];
  });
  return [dependencies, ...perValues.flat()];
}
