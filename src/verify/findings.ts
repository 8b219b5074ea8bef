export type Severity = 'error' | 'warning' | 'info';

export type StageName = 'files' | 'dependencies' | 'version-bump' | 'placeholders' | 'lint' | 'template' | 'schema' | 'policy' | 'install';

/** One problem a stage found, in terms a person can act on. */
export interface Finding {
  severity: Severity;
  message: string;
  /** File inside the chart (Chart.yaml, templates/deployment.yaml, ...), when known. */
  file?: string;
  line?: number;
  /** Rendered object, as Kind/name. */
  object?: string;
  /** Stable rule ID (policy and schema findings). */
  rule?: string;
}

/** planned: --dry-run printed what would run; nothing was checked, so it never counts as passed. */
export type StageStatus = 'passed' | 'failed' | 'skipped' | 'planned';

export interface StageResult {
  stage: StageName;
  /** Values files applied on top of values.yaml (empty: values.yaml alone). */
  valuesFiles: string[];
  status: StageStatus;
  durationMs: number;
  findings: Finding[];
  /** Kubernetes minor the stage ran for (template, schema, policy). */
  kubeVersion?: string;
  /** Why the stage was skipped or planned, or a note on how it ran. */
  reason?: string;
  /** The install stage's steps, in order, with their results. */
  steps?: { name: string; status: StageStatus; durationMs: number }[];
}
