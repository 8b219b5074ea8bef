import type { SafetyClass } from '../answers/validate.js';
import type { ClassSource } from '../stages/model.js';
import type { Severity, StageName, StageStatus } from '../verify/findings.js';

/**
 * The evidence record of one `chartwright test --evidence DIR` run: what an auditor files in the
 * design history. Its JSON Schema is docs/evidence.schema.json; evidence.md says the same for
 * people. Nothing in it depends on when or where the run happened (no times, durations,
 * temporary paths or run names), so the same chart, versions and options give the same bytes.
 */
export interface Evidence {
  /** Version of this shape; raised on any incompatible change. */
  evidenceVersion: 1;
  /** --date YYYY-MM-DD; absent when none was given (the record is then undated). */
  date?: string;
  tools: Tools;
  settings: Settings;
  /** The cluster of the install stage, when it ran. */
  install?: InstallEvidence;
  charts: ChartEvidence[];
  result: { charts: number; failedCharts: string[]; passed: boolean };
}

export interface Tools {
  chartwright: string;
  helm: string;
  /** The kubectl client the install stage used; absent when the install stage did not run. */
  kubectl?: string;
  /** For each target minor, the bundled schema it was validated against and where that came from. */
  schemas: { kubeVersion: string; schemaMinor: string; kubernetes: string; moduleSum?: string }[];
}

export interface Settings {
  kubeVersions: string[];
  /** --values: only these values files; absent when every values set of each chart was tested. */
  valuesFilter?: string[];
  /** --class: the class every chart was judged by. */
  classFlag?: SafetyClass;
  /** Dependencies missing from charts/ were fetched from a registry given with --mirror. */
  mirror: boolean;
  /** Stages that did not run at all in this run, and why. */
  stagesOff: { stage: StageName; reason: string }[];
}

export interface InstallEvidence {
  provider: string;
  kubernetesVersion?: string;
  /** What this kind of cluster cannot show (KWOK: image pulls, probes, networking). */
  cannotVerify: string[];
  warnings: string[];
}

export interface ChartEvidence {
  /** Relative to the working directory of the run. */
  path: string;
  name: string;
  version: string;
  appVersion?: string;
  description?: string;
  /** The chartwright version that generated the chart (its chartwright.io/generator-version annotation). */
  generatorVersion?: string;
  package: PackageEvidence;
  safetyClass: ClassEvidence;
  soup: SoupEvidence;
  verification: VerificationEvidence;
  exemptions: ExemptionEvidence[];
  riskControls: RiskControl[];
  result: 'passed' | 'failed';
}

/** Which exact chart was verified: its packaged form, digested. */
export interface PackageEvidence {
  /** `sha256:` of the content listing below; absent when helm could not package the chart. */
  digest?: string;
  /** How the digest is made, and how to recompute it from a chart archive. */
  method: string;
  /** Every file of the packaged chart with its sha256 and size, sorted by path. */
  files: { path: string; sha256: string; size: number }[];
  /** Why there is no digest (helm package failed). */
  error?: string;
}

export interface ClassEvidence {
  class: SafetyClass;
  source: ClassSource;
  /** One sentence: where the class came from (e.g. "unclassified: treated as C"). */
  statement: string;
  /** The chartwright.io/iec62304-class annotation as found in Chart.yaml, valid or not. */
  annotation?: string;
  meaning: string;
  /** What the class changed in the checks. */
  effect: ClassEffect;
}

export interface ClassEffect {
  /** What makes a chart fail at this class. */
  failsOn: string;
  /** A justification of an exemption needs at least this much at this class. */
  justificationMinimum: { words: number; characters: number };
  /** Pod Security Admission labels the install stage puts on the test namespace at this class. */
  installPodSecurity: Record<string, string>;
  /** Rules that are errors at this class: controls the chart must have (or be exempted from). */
  requiredRules: string[];
  /** Rules whose severity depends on the class, with their severity at each class. */
  classDependentRules: { rule: string; A: Severity; B: Severity; C: Severity }[];
  /** For charts chartwright generated: the availability defaults the class chose. */
  generatedDefaults?: { setting: string; dev: string; prod: string }[];
}

/** A catalogue entry of chartwright (the parts' SOUP data) that matched an item. */
export interface CatalogueEntry {
  supplier: string;
  license: string;
  source: string;
  maintained: boolean;
  maintenance: string;
  /** The version chartwright pins, and whether the item found is that version. */
  catalogueVersion: string;
  sameVersion: boolean;
}

export interface SoupEvidence {
  subcharts: SubchartEvidence[];
  images: ImageEvidence[];
  /** What the chart needs in the cluster without shipping it (from chartwright's parts, for generated charts). */
  prerequisites: { name: string; version: string; supplier: string; license: string; maintenance: string; broughtBy: string }[];
  /** Said where the inventory cannot be complete (e.g. a dependency missing from charts/). */
  notes: string[];
}

export interface SubchartEvidence {
  /** Where it is, relative to the chart (`charts/x-1.0.0.tgz`; a nested one after a `!`). */
  path: string;
  name: string;
  version: string;
  appVersion?: string;
  description?: string;
  /** The subchart this one is packaged in; absent for a direct dependency. */
  parent?: string;
  /** The dependency entry of the parent's Chart.yaml; absent when it is not declared there. */
  declared?: { repository: string; version: string; alias?: string; condition?: string };
  /** The declared version is exactly this version, not a range. */
  pinnedExactly: boolean;
  /** Maintainers as the subchart's own Chart.yaml names them. */
  maintainers: { name: string; email?: string; url?: string }[];
  home?: string;
  sources: string[];
  /** From the artifacthub.io/license annotation, when the chart declares one. */
  license?: string;
  /** sha256 of the archive as found in charts/; absent for an unpacked directory. */
  sha256?: string;
  /** Present in charts/ or only declared (absent: the dependencies stage could not fetch it). */
  present: boolean;
  catalogue?: CatalogueEntry;
}

export interface ImageEvidence {
  /** As the rendered manifests write it. */
  reference: string;
  /** Registry and path, with Docker's defaults made explicit (docker.io/library/busybox). */
  repository: string;
  tag?: string;
  /** `sha256:...`; absent when the image is not pinned by digest. */
  digest?: string;
  /** soup: third-party software; software-item: the app of a generated chart itself (not SOUP). */
  role: 'soup' | 'software-item';
  /** The values sets whose render runs it (values.yaml alone is []). */
  valuesSets: string[][];
  usedBy: ImageUse[];
  catalogue?: CatalogueEntry;
}

export interface ImageUse {
  /** Kind/name of the rendered object. */
  object: string;
  /** `container app`, `init container migrate`, or the field of a custom resource (`spec.imageName`). */
  container: string;
  /** Template it was rendered from (charts/<sub>/... for a subchart's). */
  file: string;
  /** The helm hook that runs it (`test` for helm test pods). */
  hook?: string;
  valuesSets: string[][];
  /** The minors whose render has it, when not every target minor's does. */
  kubeVersions?: string[];
}

export interface VerificationEvidence {
  /** The values sets tested, each as the files applied over values.yaml. */
  valuesSets: string[][];
  /** Values files not tested because their content equals another's. */
  duplicates: { file: string; sameAs: string }[];
  /** Every stage per values set and minor, in run order. */
  stages: StageEvidence[];
  /** Each distinct finding once, with where it holds. */
  findings: FindingEvidence[];
  /** Objects of kinds without a schema (custom resources without their CRD): not validated. */
  notValidated: string[];
}

export interface StageEvidence {
  stage: StageName;
  valuesFiles: string[];
  kubeVersion?: string;
  status: StageStatus;
  /** Why it was skipped, or a note on how it ran. */
  reason?: string;
  /** Ids of its findings in `findings`. */
  findings: string[];
  /** The install stage's steps and their results. */
  steps?: { name: string; status: StageStatus }[];
}

export interface FindingEvidence {
  /** F1, F2, ... in the order of the list. */
  id: string;
  stage: StageName;
  severity: Severity;
  rule?: string;
  file?: string;
  line?: number;
  object?: string;
  message: string;
  /** The subchart the finding is in, which the chart's maintainer cannot edit. */
  subchart?: string;
  where: { valuesFiles: string[]; kubeVersion?: string }[];
  /** The same in words, relative to what was tested ("all 3 values sets; all 3 minors"). */
  whereText: string;
}

export interface ExemptionEvidence {
  rule: string;
  object: string;
  file: string;
  justification: string;
  /** The severity the rule's findings would have had at the chart's class. */
  severity: Severity;
  hazard: string;
}

export type RiskOutcome = 'passed' | 'findings' | 'exempted' | 'not-applicable' | 'not-run';

/** One policy rule as a risk control: the hazard it controls and what it found in this chart. */
export interface RiskControl {
  rule: string;
  category: string;
  hazard: string;
  severity: Severity;
  /**
   * passed: objects in scope, no finding; findings: at least one; exempted: only exempted
   * objects; not-applicable: nothing in scope in any render; not-run: the policy stage ran for
   * no values set and minor.
   */
  outcome: RiskOutcome;
  /** Objects (or containers) in the rule's scope, over every render the policy stage checked. */
  inScope: number;
  findings: { errors: number; warnings: number; infos: number };
  /** Ids of the findings in `verification.findings`. */
  findingIds: string[];
  exempted: string[];
  /** Values sets and minors the policy stage did not run for (so the rule was not checked there). */
  notRunFor: { valuesFiles: string[]; kubeVersion?: string }[];
}
