export type Severity = 'error' | 'warning' | 'info';

export type StageName = 'dependencies' | 'lint' | 'template' | 'schema' | 'policy' | 'install';

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

export type StageStatus = 'passed' | 'failed' | 'skipped';

export interface StageResult {
  stage: StageName;
  /** Values files applied on top of values.yaml (empty: values.yaml alone). */
  valuesFiles: string[];
  status: StageStatus;
  durationMs: number;
  findings: Finding[];
  /** Kubernetes minor the stage ran for (template, schema, policy). */
  kubeVersion?: string;
  /** Why the stage was skipped. */
  reason?: string;
}

export const failsRun = (result: StageResult) => result.status === 'failed';
