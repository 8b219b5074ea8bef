import type { SafetyClass } from '../answers/validate.js';
import type { ClassSource } from '../stages/model.js';
import type { Finding, Severity, StageName, StageResult, StageStatus } from '../verify/findings.js';
import type { Exemption } from '../verify/policy.js';
import { isChartWide } from '../stages/list.js';

/**
 * The one report model of `chartwright test`: the text, JSON, SARIF and JUnit formats (and the
 * evidence record) are all built from it. `--format json` prints it as it is; its JSON Schema is
 * docs/report.schema.json.
 */
export interface Report {
  /** Version of this JSON shape; raised on any incompatible change. */
  reportVersion: 2;
  tool: { name: 'chartwright'; version: string };
  helm: { version: string };
  /** Target Kubernetes minors, oldest first. */
  kubeVersions: string[];
  /** For each target minor, the bundled schema minor it was validated against. */
  schemaMinors: Record<string, string>;
  /** Stages that did not run at all in this invocation, and why (e.g. install without --install). */
  stagesOff: { stage: StageName; reason: string }[];
  /** The cluster of the install stage, when it ran. */
  install?: InstallInfo;
  durationMs: number;
  charts: ChartReport[];
  summary: Summary;
}

export interface InstallInfo {
  /** kind, k3s, context or kwok. */
  provider: string;
  /** One line: the cluster and how it was made. */
  description: string;
  /** The API server's version (`v1.35.4`), when it answered. */
  kubernetesVersion?: string;
  /** What this provider cannot verify (KWOK: image pull, container start, probes, networking). */
  cannotVerify: string[];
  warnings: string[];
}

export interface ChartReport {
  /** Relative to the working directory. */
  path: string;
  name: string;
  version: string;
  safetyClass: SafetyClass;
  /** The chart's annotation, --class, or unclassified (judged as class C, as IEC 62304 requires). */
  classSource: ClassSource;
  /** ci/ values files not tested because their content equals another values file. */
  duplicates: { file: string; sameAs: string }[];
  stages: StageResult[];
  exemptions: Exemption[];
  /** Objects of kinds without a schema (custom resources without their CRD), never silently passed. */
  notValidated: string[];
  failed: boolean;
}

export interface Counts {
  errors: number;
  warnings: number;
  infos: number;
}

export interface Summary {
  charts: number;
  failedCharts: string[];
  stages: Record<StageStatus, number>;
  /** Distinct findings of the charts themselves (a finding repeated per values set and minor counts once). */
  findings: Counts;
  /** Distinct findings on objects rendered from subcharts, which the chart's maintainer cannot edit. */
  subchartFindings: Counts;
  exemptions: number;
}

/** The subchart an object or file came from (`charts/postgresql/templates/x.yaml` -> postgresql). */
export function subchartOf(finding: Pick<Finding, 'file'>): string | undefined {
  return /^charts\/([^/]+)\//.exec(finding.file ?? '')?.[1];
}

/** Where a finding holds: one values set at one Kubernetes minor (either absent for chart-wide stages). */
export interface Occurrence {
  valuesFiles: string[];
  kubeVersion?: string;
}

/** A finding as a person reads it: once, with every values set and minor it holds for. */
export interface DistinctFinding extends Finding {
  stage: StageName;
  subchart?: string;
  occurrences: Occurrence[];
}

const findingKey = (stage: StageName, finding: Finding) =>
  JSON.stringify([stage === 'template' || stage === 'schema' ? 'render' : stage, finding.severity, finding.rule ?? '', finding.file ?? '', finding.line ?? 0, finding.object ?? '', finding.message]);

/** The key under which distinctFindings gathers a stage's finding (the minor it ran for taken out of the message). */
export const distinctFindingKey = (stage: StageName, finding: Finding, kubeVersion: string | undefined) =>
  findingKey(stage, { ...finding, message: minorTemplate(finding.message, kubeVersion) });

// The key of each entry distinctFindings made; its message may no longer show it (minors merged).
const keysOfDistinct = new WeakMap<DistinctFinding, string>();

/** The key of an entry of distinctFindings: what distinctFindingKey gives for each of its occurrences. */
export const keyOfDistinct = (entry: DistinctFinding): string | undefined => keysOfDistinct.get(entry);

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/**
 * Each distinct finding of a chart once, with where it holds, ordered by file, object, severity
 * and rule: the same finding from three values sets and three minors is one entry with nine
 * occurrences. Stable for the same input.
 */
export function distinctFindings(chart: Pick<ChartReport, 'stages'>): DistinctFinding[] {
  const byKey = new Map<string, { entry: DistinctFinding; template: string }>();
  for (const result of chart.stages) {
    for (const finding of result.findings) {
      const template = minorTemplate(finding.message, result.kubeVersion);
      const key = distinctFindingKey(result.stage, finding, result.kubeVersion);
      let seen = byKey.get(key);
      if (!seen) {
        const subchart = subchartOf(finding);
        seen = { entry: { ...finding, stage: result.stage, ...(subchart ? { subchart } : {}), occurrences: [] }, template };
        keysOfDistinct.set(seen.entry, key);
        byKey.set(key, seen);
      }
      const occurrence: Occurrence = { valuesFiles: result.valuesFiles, ...(result.kubeVersion ? { kubeVersion: result.kubeVersion } : {}) };
      if (!seen.entry.occurrences.some((other) => sameOccurrence(other, occurrence))) seen.entry.occurrences.push(occurrence);
    }
  }
  for (const { entry, template } of byKey.values()) {
    if (!template.includes(MINOR)) continue;
    const minors = [...new Set(entry.occurrences.map((occurrence) => occurrence.kubeVersion as string))].sort(compareMinors);
    entry.message = template.split(MINOR).join(`of Kubernetes ${minors.length > 1 ? `${minors.slice(0, -1).join(', ')} and ${minors.at(-1)}` : minors[0]}`);
  }
  return [...byKey.values()]
    .map(({ entry }) => entry)
    .sort(
      (a, b) =>
        compare(a.subchart ?? '', b.subchart ?? '') ||
        compare(a.file ?? '~', b.file ?? '~') ||
        compare(a.object ?? '', b.object ?? '') ||
        SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
        compare(a.rule ?? '', b.rule ?? '') ||
        (a.line ?? 0) - (b.line ?? 0) ||
        compare(a.message, b.message),
    );
}

/** Stands for "of Kubernetes <the minor the check ran for>" in a message (see minorTemplate). */
const MINOR = '\u0000of-minor\u0000';

/**
 * A message that names the minor its check ran for ("not in the ConfigMap schema of Kubernetes
 * 1.35") is the same finding at every minor: keyed without it, printed once with all of them
 * ("of Kubernetes 1.35, 1.36 and 1.37"). A minor named for another reason ("removed in
 * Kubernetes 1.25", a nearer bundled schema) is kept as it is.
 */
function minorTemplate(message: string, kubeVersion: string | undefined): string {
  return kubeVersion ? message.split(`of Kubernetes ${kubeVersion}`).join(MINOR) : message;
}

const sameOccurrence = (a: Occurrence, b: Occurrence) => a.kubeVersion === b.kubeVersion && a.valuesFiles.join('\0') === b.valuesFiles.join('\0');

export const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A path as one line of text: a name with a line break or another control character is shown quoted. */
export const printable = (path: string) => (/[\u0000-\u001f\u007f]/.test(path) ? JSON.stringify(path) : path);

export const valuesLabel = (files: readonly string[]) => (files.length ? `values.yaml + ${files.map(printable).join(' + ')}` : 'values.yaml');

/**
 * "every values set, every minor", "values-prod.yaml, Kubernetes 1.35 and 1.36", ...: where a
 * distinct finding holds, relative to what was tested for the chart.
 */
export function describeOccurrences(finding: DistinctFinding, tested: { valuesSets: string[][]; kubeVersions: string[] }): string {
  const sets = new Map<string, string[]>();
  const minors = new Set<string>();
  for (const occurrence of finding.occurrences) {
    sets.set(occurrence.valuesFiles.join('\0'), occurrence.valuesFiles);
    if (occurrence.kubeVersion) minors.add(occurrence.kubeVersion);
  }
  const parts: string[] = [];
  const chartWide = finding.occurrences.every((occurrence) => occurrence.valuesFiles.length === 0 && !occurrence.kubeVersion) && isChartWide(finding.stage);
  if (chartWide) return '';
  if (tested.valuesSets.length > 1) {
    if (sets.size === tested.valuesSets.length) parts.push(sets.size === 2 ? 'both values sets' : `all ${sets.size} values sets`);
    else parts.push([...sets.values()].map((files) => (files.length ? files.map(printable).join(' + ') : 'values.yaml')).join(', '));
  }
  if (minors.size > 0 && tested.kubeVersions.length > 1) {
    if (minors.size === tested.kubeVersions.length) parts.push(`all ${minors.size} minors`);
    else parts.push(`Kubernetes ${[...minors].sort(compareMinors).join(', ')}`);
  }
  return parts.join('; ');
}

export const compareMinors = (a: string, b: string) => Number(a.split('.')[1]) - Number(b.split('.')[1]);

export function countFindings(findings: readonly DistinctFinding[]): Counts {
  return {
    errors: findings.filter((finding) => finding.severity === 'error').length,
    warnings: findings.filter((finding) => finding.severity === 'warning').length,
    infos: findings.filter((finding) => finding.severity === 'info').length,
  };
}

export function summarise(charts: readonly ChartReport[]): Summary {
  const stages: Record<StageStatus, number> = { passed: 0, failed: 0, skipped: 0, planned: 0 };
  const own: DistinctFinding[] = [];
  const fromSubcharts: DistinctFinding[] = [];
  for (const chart of charts) {
    for (const result of chart.stages) stages[result.status]++;
    for (const finding of distinctFindings(chart)) (finding.subchart ? fromSubcharts : own).push(finding);
  }
  return {
    charts: charts.length,
    failedCharts: charts.filter((chart) => chart.failed).map((chart) => chart.name),
    stages,
    findings: countFindings(own),
    subchartFindings: countFindings(fromSubcharts),
    exemptions: charts.reduce((total, chart) => total + chart.exemptions.length, 0),
  };
}
