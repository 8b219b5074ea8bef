import { relative } from 'node:path';
import type { SafetyClass } from '../answers/validate.js';
import { GENERATOR_VERSION } from '../paths.js';
import { type ChartReport, compareMinors, type InstallInfo, type Report, summarise } from '../report/model.js';
import type { HelmRunner } from '../tools/helm.js';
import type { Finding, StageName, StageResult } from '../verify/findings.js';
import { schemaMinorFor } from '../verify/kubeSchema.js';
import type { Exemption } from '../verify/policy.js';
import type { Mirror } from '../verify/mirror.js';
import type { Manifest } from '../verify/manifests.js';
import { inspectChart } from './chart.js';
import type { Render } from './helmStages.js';
import type { FilesService, InstallService, PolicyService, VersionBumpService } from './list.js';
import type { ChartUnderTest, RunContext, StageDef, Unit } from './model.js';
import { runStages } from './run.js';

export interface TestChartsOptions {
  /** Chart directories (already found; see findCharts). */
  chartDirs: string[];
  values?: string[];
  kubeVersions: string[];
  forcedClass?: SafetyClass;
  mirror?: Mirror;
  helmTimeoutMs: number;
  versionBump?: VersionBumpService;
  install?: InstallService & { info: () => InstallInfo };
}

export interface TestChartsDeps {
  helm: HelmRunner;
  stages: readonly StageDef[];
  signal: AbortSignal;
  /** Each result as it finishes (progress). */
  onResult?: (chart: ChartUnderTest, result: StageResult) => void;
  /** Charts as they are known, before any stage runs (progress totals). */
  onCharts?: (charts: readonly ChartUnderTest[], context: RunContext) => void;
  /** Each render of the template stage, per values set and minor (the evidence record reads the images from them). */
  onRender?: (unit: Unit, manifests: readonly Manifest[]) => void;
}

/** The stage list with the template stage handing each render to `onRender` as well. */
function withRenderHook(stages: readonly StageDef[], onRender: NonNullable<TestChartsDeps['onRender']>): StageDef[] {
  return stages.map((stage) =>
    stage.name !== 'template'
      ? stage
      : {
          ...stage,
          run: async (unit, inputs, context) => {
            const outcome = await stage.run(unit, inputs, context);
            const render = outcome.output as Render | undefined;
            if (render?.manifests) onRender(unit, render.manifests);
            return outcome;
          },
        },
  );
}

/** Runs the stage list over the charts and builds the report model. */
export async function testCharts(options: TestChartsOptions, deps: TestChartsDeps): Promise<Report> {
  const started = performance.now();
  const kubeVersions = [...new Set(options.kubeVersions)].sort(compareMinors);
  const inspected = options.chartDirs.map((dir) => inspectChart(dir, { ...(options.values ? { values: options.values } : {}), ...(options.forcedClass ? { forcedClass: options.forcedClass } : {}) }));
  const problems = new Map(inspected.map(({ chart, fileProblems }) => [chart.dir, fileProblems]));
  const exemptions = new Map<string, Exemption[]>();
  const files: FilesService = { problems: (dir) => problems.get(dir) ?? [] };
  const policy: PolicyService = {
    exempted: (dir, found) => {
      const list = exemptions.get(dir) ?? [];
      for (const exemption of found) {
        if (!list.some((seen) => seen.rule === exemption.rule && seen.object === exemption.object)) list.push(exemption);
      }
      exemptions.set(dir, list);
    },
  };
  const services: RunContext['services'] = { files, policy };
  if (options.versionBump) services['version-bump'] = options.versionBump;
  if (options.install) services.install = options.install;
  const context: RunContext = {
    helm: deps.helm,
    kubeVersions,
    newestMinor: kubeVersions.at(-1) as string,
    ...(options.mirror ? { mirror: options.mirror } : {}),
    helmTimeoutMs: options.helmTimeoutMs,
    signal: deps.signal,
    services,
  };
  const charts = inspected.map(({ chart }) => chart);
  deps.onCharts?.(charts, context);
  const stages = deps.onRender ? withRenderHook(deps.stages, deps.onRender) : deps.stages;
  const run = await runStages(stages, charts, context, deps.onResult);
  const reports: ChartReport[] = charts.map((chart) => {
    const stages = attributeValuesFindings(run.results.get(chart) ?? []);
    const notValidated = new Set<string>();
    for (const result of stages) {
      if (result.stage !== 'schema') continue;
      for (const finding of result.findings) if (finding.rule === 'not-validated' && finding.object) notValidated.add(finding.object);
    }
    return {
      path: relative(process.cwd(), chart.dir) || '.',
      name: chart.name,
      version: chart.version,
      safetyClass: chart.safetyClass,
      classSource: chart.classSource,
      duplicates: chart.duplicates,
      stages,
      exemptions: (exemptions.get(chart.dir) ?? []).sort((a, b) => (a.rule + a.object < b.rule + b.object ? -1 : 1)),
      notValidated: [...notValidated].sort(),
      failed: stages.some((result) => result.status === 'failed'),
    };
  });
  return {
    reportVersion: 2,
    tool: { name: 'chartwright', version: GENERATOR_VERSION },
    helm: { version: deps.helm.helm.version },
    kubeVersions,
    schemaMinors: Object.fromEntries(kubeVersions.map((minor) => [minor, schemaMinorFor(minor)])),
    stagesOff: run.off,
    ...(options.install ? { install: options.install.info() } : {}),
    durationMs: Math.round(performance.now() - started),
    charts: reports,
    summary: summarise(reports),
  };
}

/**
 * helm lint reports a values problem against values.yaml whichever file of the set holds it. A
 * finding on values.yaml that the set of values.yaml alone does not have comes from the other file.
 */
function attributeValuesFindings(stages: StageResult[]): StageResult[] {
  const lintOf = (files: string[]) => stages.find((result) => result.stage === 'lint' && result.valuesFiles.join('\0') === files.join('\0'));
  const base = lintOf([]);
  if (!base) return stages;
  const key = (finding: Finding) => `${finding.severity}\0${finding.message}`;
  const inBase = new Set(base.findings.filter((finding) => finding.file === 'values.yaml').map(key));
  return stages.map((result) => {
    if (result.stage !== ('lint' satisfies StageName) || result.valuesFiles.length !== 1) return result;
    const own = result.valuesFiles[0] as string;
    return {
      ...result,
      findings: result.findings.map((finding) => (finding.file === 'values.yaml' && !inBase.has(key(finding)) ? { ...finding, file: own } : finding)),
    };
  });
}
