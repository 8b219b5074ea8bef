import { POLICY_RULES } from '../verify/policy.js';
import { toJunit } from './junit.js';
import type { Report } from './model.js';
import { type RuleInfo, toSarif } from './sarif.js';
import { type TextOptions, toText } from './text.js';

export const REPORT_FORMATS = ['text', 'json', 'sarif', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

function policyRuleInfo(id: string): RuleInfo | undefined {
  const rule = POLICY_RULES.find((candidate) => candidate.id === id);
  if (!rule) return undefined;
  const hazard = (rule as { hazard?: string }).hazard;
  return { id, summary: rule.rationale, help: rule.fix, category: rule.category, ...(hazard ? { hazard } : {}) };
}

/** One report model, several formats. */
export function formatReport(report: Report, format: ReportFormat, text: TextOptions): string {
  switch (format) {
    case 'text':
      return toText(report, text);
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'sarif':
      return toSarif(report, policyRuleInfo);
    case 'junit':
      return toJunit(report);
  }
}
