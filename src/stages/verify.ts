import type { Report } from '../report/model.js';
import { DEFAULT_HELM_TIMEOUT_MS, type HelmRunner } from '../tools/helm.js';
import { DEFAULT_KUBE_VERSIONS } from '../verify/kubeVersions.js';
import type { Mirror } from '../verify/mirror.js';
import { inspectChart } from './chart.js';
import { lintFlags, startRenders } from './helmArgs.js';
import { startLints } from './lintBatch.js';
import { STATIC_STAGES } from './list.js';
import { testCharts } from './testCharts.js';

export interface VerifyOptions {
  helm: HelmRunner;
  chartDir: string;
  mirror?: Mirror;
  signal?: AbortSignal;
}

/**
 * The static stages of `chartwright test` (files, dependencies, lint, template, schema, policy)
 * over one chart, for `new` and `regenerate`: a chart chartwright writes is held to the checks
 * `chartwright test` makes, with the same list.
 */
export function verifyChart(options: VerifyOptions): Promise<Report> {
  return testCharts(
    { chartDirs: [options.chartDir], kubeVersions: DEFAULT_KUBE_VERSIONS, ...(options.mirror ? { mirror: options.mirror } : {}), helmTimeoutMs: DEFAULT_HELM_TIMEOUT_MS },
    { helm: options.helm, stages: STATIC_STAGES, signal: options.signal ?? new AbortController().signal },
  );
}

/**
 * Starts the lint and template calls `verifyChart` makes on a chart just written, before the
 * stages are set up (most of a helm call is its own start-up); the stages then take these calls.
 * The lint calls go first: the shared one is the longest call, and the renders queue behind them.
 */
export function startVerifyCalls(helm: HelmRunner, chartDir: string): void {
  // None while a file problem (a symlink out) stops the stages.
  const { chart, fileProblems } = inspectChart(chartDir);
  if (fileProblems.length > 0) return;
  const newestMinor = DEFAULT_KUBE_VERSIONS.at(-1) as string;
  startLints(helm, chart, lintFlags(newestMinor));
  startRenders(helm, chartDir, chart.valuesSets, newestMinor);
}
