import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ANSWERS_FILE, readSavedAnswers } from '../records/index.js';
import type { SafetyClass } from '../answers/validate.js';
import { schemaIndex, type SchemaIndex } from '../kube/schema.js';
import { soupOf } from '../parts/soup.js';
import { type ChartReport, describeOccurrences, distinctFindingKey, distinctFindings, keyOfDistinct, type Report } from '../report/model.js';
import { CLASS_ANNOTATION } from '../stages/chart.js';
import { isChartWide } from '../stages/list.js';
import type { ChartUnderTest, Unit } from '../stages/model.js';
import type { HelmRunner } from '../tools/helm.js';
import type { Finding, StageName } from '../verify/findings.js';
import type { Manifest } from '../verify/manifests.js';
import { classEvidence, exemptionEvidence, riskControls, subjectsInScope } from './controls.js';
import { imageInventory, type RenderOf } from './images.js';
import type { ChartEvidence, Evidence, FindingEvidence, SoupEvidence, StageEvidence, VerificationEvidence } from './model.js';
import { PACKAGE_DIGEST_METHOD, packageEvidence } from './package.js';
import { type ChartMeta, subchartInventory } from './subcharts.js';

/** The annotation chartwright writes with the version that generated the chart. */
export const GENERATOR_ANNOTATION = 'chartwright.io/generator-version';

/**
 * What the evidence needs from a run besides its report: the charts as the stages saw them and
 * every render of the template stage (images are read from those, never from a render of its own).
 */
export class EvidenceCollector {
  charts: readonly ChartUnderTest[] = [];
  private readonly renders = new Map<string, Map<string, RenderOf>>();

  readonly onCharts = (charts: readonly ChartUnderTest[]): void => {
    this.charts = charts;
  };

  readonly onRender = (unit: Unit, manifests: readonly Manifest[]): void => {
    const kubeVersion = unit.kubeVersion ?? '';
    let byUnit = this.renders.get(unit.chart.dir);
    if (!byUnit) this.renders.set(unit.chart.dir, (byUnit = new Map()));
    byUnit.set(`${unit.valuesFiles.join('\0')}\u0001${kubeVersion}`, { valuesFiles: unit.valuesFiles, kubeVersion, manifests });
  };

  rendersOf(chartDir: string): RenderOf[] {
    return [...(this.renders.get(chartDir)?.values() ?? [])];
  }
}

export interface EvidenceRun {
  report: Report;
  collector: EvidenceCollector;
  helm: HelmRunner;
  helmTimeoutMs: number;
  signal: AbortSignal;
  date?: string;
  valuesFilter?: string[];
  classFlag?: SafetyClass;
  mirror: boolean;
  /** From the install session, when the install stage ran. */
  install?: { runId: string; kubectlVersion?: string };
  /** The run's working directory; paths in the evidence are relative to it. */
  cwd?: string;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Takes out of a text what differs between two runs of the same chart: absolute paths (the
 * chart's becomes its relative path), temporary directories and the install session's run id.
 */
function scrubber(chartDir: string, chartPath: string, cwd: string, runId: string | undefined): (text: string) => string {
  const temp = new RegExp(`${escapeRegExp(tmpdir())}/chartwright-[^\\s'":]*`, 'g');
  return (text) => {
    let out = text.split(chartDir).join(chartPath).split(`${cwd}${sep}`).join('');
    out = out.replace(temp, '<temporary directory>');
    if (runId) out = out.split(`-${runId}`).join('-<run>');
    return out;
  };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function readChartYaml(chartDir: string): ChartMeta {
  try {
    const parsed = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as ChartMeta) : {};
  } catch {
    return {};
  }
}

/** Where a finding holds when only one values set (or minor) was tested, so describeOccurrences has nothing to set apart. */
const occurrencesText = (occurrences: readonly { valuesFiles: string[]; kubeVersion?: string }[]) =>
  [...new Set(occurrences.map((occurrence) => `${['values.yaml', ...occurrence.valuesFiles].join(' + ')}${occurrence.kubeVersion ? ` at Kubernetes ${occurrence.kubeVersion}` : ''}`))].join(', ');

/** The install stage's messages carry helm's live output (times, pod names) after their first line. */
function recordedMessage(stage: StageName, message: string): string {
  if (stage !== 'install') return message;
  const [first = '', ...rest] = message.split('\n');
  return rest.some((line) => line.trim()) ? `${first} (helm's full output is in the test report, not in the evidence)` : first;
}

function verificationOf(chart: ChartUnderTest, report: ChartReport, kubeVersions: string[], scrub: (text: string) => string): VerificationEvidence {
  const distinct = distinctFindings(report);
  const ids = new Map<string, string>();
  const findings: FindingEvidence[] = distinct.map((finding, index) => {
    const id = `F${index + 1}`;
    ids.set(keyOfDistinct(finding) as string, id);
    return {
      id,
      stage: finding.stage,
      severity: finding.severity,
      ...(finding.rule ? { rule: finding.rule } : {}),
      ...(finding.file ? { file: scrub(finding.file) } : {}),
      ...(finding.line ? { line: finding.line } : {}),
      ...(finding.object ? { object: finding.object } : {}),
      message: scrub(recordedMessage(finding.stage, finding.message)),
      ...(finding.subchart ? { subchart: finding.subchart } : {}),
      where: finding.occurrences.map((occurrence) => ({ valuesFiles: occurrence.valuesFiles, ...(occurrence.kubeVersion ? { kubeVersion: occurrence.kubeVersion } : {}) })),
      whereText: describeOccurrences(finding, { valuesSets: chart.valuesSets, kubeVersions }) || (isChartWide(finding.stage) ? 'the chart' : occurrencesText(finding.occurrences)),
    };
  });
  const stages: StageEvidence[] = report.stages.map((result) => ({
    stage: result.stage,
    valuesFiles: result.valuesFiles,
    ...(result.kubeVersion ? { kubeVersion: result.kubeVersion } : {}),
    status: result.status,
    ...(result.reason ? { reason: scrub(result.reason) } : {}),
    findings: [...new Set(result.findings.map((finding) => ids.get(distinctFindingKey(result.stage, finding, result.kubeVersion)) as string))].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))),
    ...(result.steps ? { steps: result.steps.map((step) => ({ name: step.name, status: step.status })) } : {}),
  }));
  return { valuesSets: chart.valuesSets, duplicates: chart.duplicates, stages, findings, notValidated: report.notValidated };
}

async function chartEvidence(chart: ChartUnderTest, report: ChartReport, run: EvidenceRun, cwd: string): Promise<ChartEvidence> {
  const path = report.path;
  const scrub = scrubber(chart.dir, path, cwd, run.install?.runId);
  const kubeVersions = run.report.kubeVersions;
  // A chart the files stage refused (a symlink out of it) is read no further: helm would follow the link.
  const refused = report.stages.some((result) => result.stage === 'files' && result.status !== 'passed');
  const meta = refused ? {} : readChartYaml(chart.dir);
  const annotations = (meta.annotations && typeof meta.annotations === 'object' ? meta.annotations : {}) as Record<string, unknown>;
  const generatorVersion = annotations[GENERATOR_ANNOTATION] === undefined ? undefined : String(annotations[GENERATOR_ANNOTATION]);
  const annotation = annotations[CLASS_ANNOTATION] === undefined ? undefined : String(annotations[CLASS_ANNOTATION]);

  const notes: string[] = [];
  let saved: Awaited<ReturnType<typeof readSavedAnswers>> | undefined;
  if (!refused && generatorVersion !== undefined && existsSync(join(chart.dir, ANSWERS_FILE))) {
    try {
      saved = await readSavedAnswers(chart.dir);
    } catch (error) {
      notes.push(`${ANSWERS_FILE} does not load (${scrub((error as Error).message)}): the app image and the prerequisites are not known`);
    }
  }
  const ownImage = saved ? `${saved.answers.image.repository}:${saved.answers.image.tag}${saved.answers.image.digest ? `@${saved.answers.image.digest}` : ''}` : undefined;

  const renders = run.collector.rendersOf(chart.dir);
  const rendered = new Set(renders.map((render) => render.valuesFiles.join('\0')));
  for (const set of chart.valuesSets) {
    if (!rendered.has(set.join('\0'))) notes.push(`images of ${['values.yaml', ...set].join(' + ')} are not known: the chart did not render with it (see the template stage)`);
  }
  if (refused) notes.push('the chart was not read (the files stage refused it): its subcharts and images are not known');
  if (!saved) notes.push('chartwright did not generate this chart (or its answers are unknown), so it cannot tell the chart\'s own image from third-party ones: every image is listed as SOUP');
  const soup: SoupEvidence = {
    subcharts: refused ? [] : await subchartInventory(chart.dir, meta),
    images: await imageInventory(renders, kubeVersions, ownImage),
    prerequisites: saved
      ? soupOf(saved.answers)
          .filter((item) => item.kind === 'operator')
          .map((item) => ({ name: item.name, version: item.version, supplier: item.supplier, license: item.license, maintenance: item.maintenance, broughtBy: item.broughtBy }))
      : [],
    notes: [],
  };
  if (soup.subcharts.some((subchart) => !subchart.present)) notes.push('a declared dependency is missing from charts/ (see the dependencies stage): its own subcharts and images are not known');
  soup.notes = notes.sort(compareText);

  const verification = verificationOf(chart, report, kubeVersions, scrub);
  const exemptions = report.exemptions.map((exemption) => exemptionEvidence({ ...exemption, file: scrub(exemption.file) }, chart.safetyClass));
  const policyResults = report.stages.filter((result) => result.stage === 'policy');
  const ran = policyResults.filter((result) => result.status === 'passed' || result.status === 'failed');
  const notRunFor = policyResults
    .filter((result) => !ran.includes(result))
    .map((result) => ({ valuesFiles: result.valuesFiles, ...(result.kubeVersion ? { kubeVersion: result.kubeVersion } : {}) }));
  // A render shared across minors is one array for all of them: walked once.
  const checkedRenders = ran.map((result) => renders.find((render) => render.valuesFiles.join('\0') === result.valuesFiles.join('\0') && render.kubeVersion === result.kubeVersion)?.manifests ?? []);
  const packaged = refused
    ? { method: PACKAGE_DIGEST_METHOD, files: [], error: 'not packaged: the files stage refused the chart (a symlink out of it)' }
    : await packageEvidence(chart.dir, run.helm, { timeoutMs: run.helmTimeoutMs, signal: run.signal });
  const description = typeof meta.description === 'string' && meta.description.trim() ? meta.description.trim() : undefined;
  return {
    path,
    name: chart.name,
    version: chart.version,
    ...(chart.appVersion !== undefined ? { appVersion: chart.appVersion } : {}),
    ...(description ? { description } : {}),
    ...(generatorVersion !== undefined ? { generatorVersion } : {}),
    package: packaged.error ? { ...packaged, error: scrub(packaged.error) } : packaged,
    safetyClass: classEvidence(chart.safetyClass, chart.classSource, annotation, saved !== undefined),
    soup,
    verification,
    exemptions,
    riskControls: riskControls(chart.safetyClass, verification.findings, exemptions, subjectsInScope([...new Set(checkedRenders)]), ran.length > 0, notRunFor),
    result: report.failed ? 'failed' : 'passed',
  };
}

/** The evidence of a finished run (never of an interrupted one). */
export async function buildEvidence(run: EvidenceRun): Promise<Evidence> {
  const cwd = run.cwd ?? process.cwd();
  const { report } = run;
  const charts: ChartEvidence[] = [];
  for (const chartReport of report.charts) {
    const chart = run.collector.charts.find((candidate) => candidate.dir === resolve(cwd, chartReport.path));
    if (!chart) throw new Error(`evidence: chart ${chartReport.path} was not collected`);
    charts.push(await chartEvidence(chart, chartReport, run, cwd));
  }
  const scrubRun = (text: string) => (run.install?.runId ? text.split(`-${run.install.runId}`).join('-<run>') : text);
  const minors = schemaIndex().minors;
  return {
    evidenceVersion: 1,
    ...(run.date ? { date: run.date } : {}),
    tools: {
      chartwright: report.tool.version,
      helm: report.helm.version,
      ...(run.install?.kubectlVersion ? { kubectl: run.install.kubectlVersion } : {}),
      schemas: report.kubeVersions.map((kubeVersion) => {
        const schemaMinor = report.schemaMinors[kubeVersion] as string;
        const entry = minors[schemaMinor] as SchemaIndex['minors'][string];
        return { kubeVersion, schemaMinor, kubernetes: entry.kubernetes, ...(entry.moduleSum ? { moduleSum: entry.moduleSum } : {}) };
      }),
    },
    settings: {
      kubeVersions: report.kubeVersions,
      ...(run.valuesFilter?.length ? { valuesFilter: [...run.valuesFilter] } : {}),
      ...(run.classFlag ? { classFlag: run.classFlag } : {}),
      mirror: run.mirror,
      stagesOff: report.stagesOff.map((off) => ({ stage: off.stage, reason: off.reason })),
    },
    ...(report.install
      ? {
          install: {
            provider: report.install.provider,
            ...(report.install.kubernetesVersion ? { kubernetesVersion: report.install.kubernetesVersion } : {}),
            cannotVerify: [...report.install.cannotVerify],
            warnings: report.install.warnings.map(scrubRun),
          },
        }
      : {}),
    charts,
    result: { charts: charts.length, failedCharts: [...report.summary.failedCharts], passed: report.summary.failedCharts.length === 0 },
  };
}

/** JSON with every object's keys sorted, so the bytes depend on the content only. */
export function stableJson(value: unknown): string {
  const sorted = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sorted);
    if (item && typeof item === 'object') return Object.fromEntries(Object.keys(item).sort().map((key) => [key, sorted((item as Record<string, unknown>)[key])]));
    return item;
  };
  return `${JSON.stringify(sorted(value), null, 2)}\n`;
}
