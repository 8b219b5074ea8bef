import type { SafetyClass } from '../answers/validate.js';
import type { StageResult } from '../verify/findings.js';
import type { Exemption } from '../verify/policy.js';

/** What `chartwright test --format json` prints; docs/report.schema.json describes it. */
export interface Report {
  tool: { name: 'chartwright'; version: string };
  helm: { version: string };
  kubeVersions: string[];
  /** For each target minor, the bundled schema minor it was validated against. */
  schemaMinors: Record<string, string>;
  durationMs: number;
  charts: ChartReport[];
  summary: {
    charts: number;
    passed: number;
    failed: number;
    skipped: number;
    errors: number;
    warnings: number;
    exemptions: number;
  };
}

export interface ChartReport {
  path: string;
  name: string;
  version: string;
  safetyClass: SafetyClass;
  /** Where the class came from: the chart's annotation, --class, or the class C default. */
  classSource: 'chart' | 'flag' | 'default';
  stages: StageResult[];
  exemptions: Exemption[];
  /** Objects of kinds without a bundled schema (custom resources), never silently passed. */
  notValidated: string[];
}
