import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { checkSafetyClass, type SafetyClass } from '../answers/validate.js';
import { ExitCode, UsageError } from '../errors.js';
import type { InstallOptions } from '../install/index.js';
import { formatReport, type ReportFormat, REPORT_FORMATS } from '../report/formats.js';
import { terminalProgress } from '../report/progress.js';
import type { Verbosity } from '../report/text.js';
import { checkValuesFlag, findCharts } from '../stages/chart.js';
import { STAGES } from '../stages/list.js';
import { unitsOf } from '../stages/run.js';
import { testCharts } from '../stages/testCharts.js';
import { DEFAULT_HELM_TIMEOUT_MS, detectHelm, HelmRunner } from '../tools/helm.js';
import { durationMs } from '../install/options.js';
import { minorNumber } from '../verify/kubeSchema.js';
import { DEFAULT_KUBE_VERSIONS } from '../verify/kubeVersions.js';
import { resolveMirror } from '../verify/mirror.js';
import { versionBumpService } from '../verify/versionBump.js';
import type { SignalGuard } from '../process/signals.js';

export { DEFAULT_KUBE_VERSIONS };

export interface TestOptions {
  charts: string[];
  all: boolean;
  values?: string[];
  kubeVersions?: string[];
  safetyClass?: string;
  /** What goes to stdout. */
  format: string;
  /** FORMAT=FILE pairs: more reports, written to files. */
  outputs: string[];
  helm?: string;
  mirror?: string;
  plainHttp: boolean;
  since?: string;
  /** Go duration for each static helm call (lint, template, pull). */
  helmTimeout?: string;
  verbosity: Verbosity;
  includeSubcharts: boolean;
  /** Run the install stage (also implied by any --cluster). */
  install: boolean;
  /** Raw install-stage options (src/install/options.ts), validated before anything runs. */
  installOptions: Partial<Record<keyof InstallOptions, unknown>>;
  /** --evidence DIR: also write evidence.json and evidence.md there (src/evidence). */
  evidence?: string;
  /** --date YYYY-MM-DD for the evidence record. */
  date?: string;
}

export interface TestIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  /** Runs the cleanups on SIGINT/SIGTERM; its abortSignal stops the stages. */
  guard: SignalGuard;
  colour: boolean;
}

function checkKubeVersion(raw: string): string {
  const match = /^v?(1\.\d+)(\.\d+)?$/.exec(raw.trim());
  if (!match?.[1]) throw new UsageError(`invalid --kube-version ${JSON.stringify(raw)}: must be a Kubernetes minor like 1.35`);
  if (minorNumber(match[1]) < 20) throw new UsageError(`invalid --kube-version ${JSON.stringify(raw)}: Kubernetes before 1.20 is not supported`);
  return match[1];
}

function checkClassFlag(raw: string): SafetyClass {
  const checked = checkSafetyClass(raw);
  if (!checked.ok) throw new UsageError(`invalid --class ${JSON.stringify(raw)}: ${checked.rule}`);
  return checked.value;
}

function checkFormat(flag: string, raw: string): ReportFormat {
  if (!(REPORT_FORMATS as readonly string[]).includes(raw)) throw new UsageError(`invalid ${flag} ${JSON.stringify(raw)}: must be one of ${REPORT_FORMATS.join(', ')}`);
  return raw as ReportFormat;
}

/** --output FORMAT=FILE; checked before any stage runs, so a bad path does not cost a whole run. */
function checkOutput(raw: string): { format: ReportFormat; file: string } {
  const equals = raw.indexOf('=');
  if (equals <= 0 || equals === raw.length - 1) throw new UsageError(`invalid --output ${JSON.stringify(raw)}: must be FORMAT=FILE, e.g. sarif=results.sarif`);
  const format = checkFormat('--output', raw.slice(0, equals));
  const file = raw.slice(equals + 1);
  const dir = dirname(resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`invalid --output ${JSON.stringify(raw)}: directory ${dir} does not exist`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`invalid --output ${JSON.stringify(raw)}: ${file} is a directory`);
  return { format, file };
}

/** `chartwright test`: the declared stages over every chart, one report in the asked formats. */
export async function runTest(options: TestOptions, io: TestIo): Promise<number> {
  // Every usage error before anything runs.
  const kubeVersions = (options.kubeVersions?.length ? options.kubeVersions : DEFAULT_KUBE_VERSIONS).map(checkKubeVersion);
  const forcedClass = options.safetyClass === undefined ? undefined : checkClassFlag(options.safetyClass);
  const format = checkFormat('--format', options.format);
  const outputs = options.outputs.map(checkOutput);
  const helmTimeoutMs = options.helmTimeout === undefined ? DEFAULT_HELM_TIMEOUT_MS : durationMs(options.helmTimeout, '--helm-timeout');
  const chartDirs = findCharts(options.charts.length ? options.charts : ['.'], options.all);
  if (options.values?.length) checkValuesFlag(chartDirs, options.values);
  const evidenceModule = options.evidence !== undefined || options.date !== undefined ? await import('../evidence/index.js') : undefined;
  const evidenceTarget = evidenceModule?.checkEvidenceOptions(options.evidence, options.date, chartDirs);
  const evidence = evidenceTarget && evidenceModule ? new evidenceModule.EvidenceCollector() : undefined;
  const mirror = resolveMirror(options.mirror, options.plainHttp);
  const versionBump = options.since === undefined ? undefined : await versionBumpService(chartDirs, options.since);
  const wantsInstall = options.install || options.installOptions.cluster !== undefined;
  const installModule = wantsInstall ? await import('../install/index.js') : undefined;
  const installOptions = installModule?.resolveInstallOptions(options.installOptions);

  const helm = await detectHelm(options.helm);
  const runner = new HelmRunner(helm);
  const signal = io.guard.abortSignal;
  const unregister = runner.stopOnInterrupt(io.guard);
  const progress = await terminalProgress(io.stderr, `testing ${chartDirs.length === 1 ? 'the chart' : `${chartDirs.length} charts`} with helm ${helm.version}`);
  let install: Awaited<ReturnType<NonNullable<typeof installModule>['openInstall']>> | undefined;
  try {
    if (installModule && installOptions) {
      install = await installModule.openInstall(installOptions, { helm: runner, signal, guard: io.guard, print: (line) => progress.note(line) });
    }
    const report = await testCharts(
      {
        chartDirs,
        ...(options.values ? { values: options.values } : {}),
        kubeVersions,
        ...(forcedClass ? { forcedClass } : {}),
        ...(mirror ? { mirror } : {}),
        helmTimeoutMs,
        ...(versionBump ? { versionBump } : {}),
        ...(install ? { install: install.service } : {}),
      },
      {
        helm: runner,
        stages: STAGES,
        signal,
        ...(evidence ? { onRender: evidence.onRender } : {}),
        onCharts: (charts, context) => {
          evidence?.onCharts(charts);
          progress.total(charts.reduce((total, chart) => total + STAGES.filter((stage) => !stage.off?.(context)).reduce((sum, stage) => sum + unitsOf(stage, chart, context.kubeVersions).length, 0), 0));
        },
        onResult: (chart, result) => progress.done(chart.name, result),
      },
    );
    progress.stop();
    if (signal.aborted) return ExitCode.interrupted;
    const textOptions = { verbosity: options.verbosity, includeSubcharts: options.includeSubcharts, colour: io.colour };
    io.stdout.write(formatReport(report, format, textOptions));
    for (const output of outputs) await writeFile(output.file, formatReport(report, output.format, { ...textOptions, colour: false }));
    if (evidence && evidenceModule && evidenceTarget) {
      const record = {
        report,
        collector: evidence,
        helm: runner,
        helmTimeoutMs,
        signal,
        ...(options.values?.length ? { valuesFilter: options.values } : {}),
        ...(forcedClass ? { classFlag: forcedClass } : {}),
        mirror: mirror !== undefined,
        ...(install ? { install: { runId: install.service.runId, ...(install.service.kubectlVersion ? { kubectlVersion: install.service.kubectlVersion } : {}) } } : {}),
      };
      if (!(await evidenceModule.recordEvidence(evidenceTarget, record))) return ExitCode.interrupted;
    }
    return report.summary.failedCharts.length > 0 ? ExitCode.checksFailed : ExitCode.ok;
  } finally {
    progress.stop();
    await install?.close();
    runner.dispose();
    unregister();
  }
}
