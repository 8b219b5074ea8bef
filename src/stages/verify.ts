import type { Report } from '../report/model.js';
import { DEFAULT_HELM_TIMEOUT_MS, type HelmRunner } from '../tools/helm.js';
import { DEFAULT_KUBE_VERSIONS } from '../verify/kubeVersions.js';
import type { Mirror } from '../verify/mirror.js';
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
