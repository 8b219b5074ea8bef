import type { SafetyClass } from '../answers/validate.js';
import type { HelmRunner } from '../tools/helm.js';
import type { Finding, StageName, StageResult } from '../verify/findings.js';
import type { Mirror } from '../verify/mirror.js';

/** How often a stage runs: once per chart, per values set, or per values set x Kubernetes minor. */
export type StageScope = 'chart' | 'values' | 'minor';

/** Where the chart's IEC 62304 class came from; unclassified software is judged as class C. */
export type ClassSource = 'annotation' | 'flag' | 'unclassified';

/** A chart as the stages see it: identity, class and the values sets to test. */
export interface ChartUnderTest {
  /** Absolute directory. */
  dir: string;
  name: string;
  version: string;
  appVersion?: string;
  safetyClass: SafetyClass;
  classSource: ClassSource;
  /** Values files applied over values.yaml, one set per run ([] = values.yaml alone). */
  valuesSets: string[][];
  /** Values files not tested because their content equals another's (ci/ copies). */
  duplicates: { file: string; sameAs: string }[];
}

/** One run of a stage: a chart, and for narrower scopes a values set and a Kubernetes minor. */
export interface Unit {
  chart: ChartUnderTest;
  valuesFiles: string[];
  kubeVersion?: string;
}

/** What a stage returns; the runner adds timing and turns it into a StageResult. */
export interface StageOutcome<Output = unknown> {
  findings: Finding[];
  /** Failed even without an error finding (e.g. lint warnings under --strict). */
  failed?: boolean;
  /** Did not run, and why. */
  skipped?: string;
  /** --dry-run: what would run was printed; nothing was checked. */
  planned?: string;
  /** A note on a result that ran (e.g. which schema minor validated it). */
  note?: string;
  /** Handed to the stages that need this one (e.g. the rendered manifests). */
  output?: Output;
  /** The install stage's steps. */
  steps?: StageResult['steps'];
}

/** The settings every stage of one run shares. */
export interface RunContext {
  helm: HelmRunner;
  /** Target Kubernetes minors, oldest first. */
  kubeVersions: string[];
  /** The newest of them: lint runs for it, and a values-scoped stage reads the render for it. */
  newestMinor: string;
  mirror?: Mirror;
  /** Time limit of each static helm call. */
  helmTimeoutMs: number;
  /** Aborted on SIGINT/SIGTERM: running stages stop, the rest are not started. */
  signal: AbortSignal;
  /** Stage-specific services and switches (the install session, --since), keyed by stage. */
  services: Partial<Record<StageName, unknown>>;
}

/** Outputs of the stages a stage needs, for the same unit (projected to their scope). */
export interface Inputs {
  result(stage: StageName): (StageResult & { output?: unknown }) | undefined;
}

/**
 * A stage as data: its name, scope, the stages it needs (a need that did not pass skips it, with
 * the reason), the stages it only runs after, when it is off for the whole run, and how it runs one unit.
 */
export interface StageDef {
  name: StageName;
  scope: StageScope;
  /** What a person reads in `--help` and the docs. */
  summary: string;
  needs: readonly StageName[];
  /** Stages this one waits for without needing them to pass (lint reads the charts/ that the dependencies stage fills). */
  after?: readonly StageName[];
  /** Why the stage does not run at all in this invocation (e.g. install without --install). */
  off?: (context: RunContext) => string | undefined;
  run: (unit: Unit, inputs: Inputs, context: RunContext) => Promise<StageOutcome>;
}
