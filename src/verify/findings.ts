export type Severity = 'error' | 'warning' | 'info';

export type StageName = 'dependencies' | 'lint' | 'template';

/** One problem a stage found, in terms a person can act on. */
export interface Finding {
  severity: Severity;
  message: string;
  /** File inside the chart (Chart.yaml, templates/deployment.yaml, ...), when known. */
  file?: string;
  line?: number;
}

export type StageStatus = 'passed' | 'failed' | 'skipped';

export interface StageResult {
  stage: StageName;
  /** Values files applied on top of values.yaml (empty: values.yaml alone). */
  valuesFiles: string[];
  status: StageStatus;
  durationMs: number;
  findings: Finding[];
  /** Why the stage was skipped. */
  reason?: string;
}

export const failsRun = (result: StageResult) => result.status === 'failed';
