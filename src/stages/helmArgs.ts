/*
 * How the static stages call helm, in one place: the stages build their calls here, and so does
 * `new` when it starts them early (`startVerifyCalls`), so the stages take those very calls.
 */
import { DEFAULT_HELM_TIMEOUT_MS, type HelmRunner } from '../tools/helm.js';

/** API groups the generated charts gate optional parts on; passed so those parts render too. */
export const GATED_API_VERSIONS = ['monitoring.coreos.com/v1'];

/**
 * `--values` arguments relative to the chart, which is helm's working directory, so the chart's
 * own path never reaches helm. helm reads a --values value as one CSV record (a pflag string
 * slice): a name with a comma or a double quote is passed CSV-quoted and arrives whole. A name
 * with a line break cannot be passed (helm reads each name as a URL, which refuses it).
 */
export function valuesArgs(valuesFiles: readonly string[]): { args: string[]; unusable?: string } {
  const unusable = valuesFiles.find((file) => /[\n\r]/.test(file));
  if (unusable) return { args: [], unusable };
  return { args: valuesFiles.map((file) => `--values=${/[,"]/.test(file) ? `"${file.replace(/"/g, '""')}"` : file}`) };
}

/** The template stage's `helm template` for a values set and minor (run in the chart); undefined when a file name cannot be passed. */
export function templateArgs(valuesFiles: readonly string[], kubeVersion: string): string[] | undefined {
  const values = valuesArgs(valuesFiles);
  if (values.unusable) return undefined;
  return ['template', 'release-name', '.', ...values.args, ...GATED_API_VERSIONS.flatMap((api) => ['--api-versions', api]), '--kube-version', kubeVersion];
}

/** The lint stage's flags besides the values (the newest minor: lint runs once per values set). */
export const lintFlags = (newestMinor: string) => ['--strict', '--kube-version', newestMinor];

/** The lint of one values set on its own (run in the chart); undefined when a file name cannot be passed. */
export function lintAloneArgs(valuesFiles: readonly string[], flags: readonly string[]): string[] | undefined {
  const values = valuesArgs(valuesFiles);
  return values.unusable ? undefined : ['lint', '.', ...values.args, ...flags];
}

/**
 * Starts the template calls for the newest minor of each values set of a chart just written
 * (the template stage asks for those in every run, rendering once or per minor), so helm starts
 * while this thread sets up the stages.
 */
export function startRenders(helm: HelmRunner, chartDir: string, valuesSets: readonly string[][], newestMinor: string): void {
  for (const valuesFiles of valuesSets) {
    const args = templateArgs(valuesFiles, newestMinor);
    if (args) helm.prefetch(args, { cwd: chartDir, timeoutMs: DEFAULT_HELM_TIMEOUT_MS, first: true });
  }
}
