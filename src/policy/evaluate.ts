import type { SafetyClass } from '../answers/validate.js';
import type { Finding } from '../verify/findings.js';
import type { Manifest } from '../verify/manifests.js';
import { PolicyContext } from './context.js';
import { EXEMPTION_PREFIX, exemptionAnnotations, justificationProblem, type Exemption } from './exemptions.js';
import { POLICY_RULES } from './rules.js';
import { violationsOf, type PolicyRule } from './scope.js';

/**
 * Runs every rule at the chart's class over one render. An exemption annotation with a sufficient
 * justification turns the rule's findings on that object into an exemption record; one without is
 * an error of its own, and the rule's findings stay. Findings keep the object's template path, so
 * those rendered from a subchart (charts/<sub>/...) can be told apart.
 */
export function evaluatePolicy(
  manifests: readonly Manifest[],
  safetyClass: SafetyClass,
  rules: readonly PolicyRule[] = POLICY_RULES,
): { findings: Finding[]; exemptions: Exemption[] } {
  const context = new PolicyContext(manifests);
  const findings: Finding[] = [];
  const exemptions: Exemption[] = [];
  const seen = new Set<string>();
  const push = (finding: Finding) => {
    const key = JSON.stringify([finding.rule, finding.file, finding.object, finding.message]);
    if (seen.has(key)) return;
    seen.add(key);
    findings.push(finding);
  };

  for (const rule of rules) {
    for (const violation of violationsOf(rule, context)) {
      const where = { file: violation.manifest.source, object: violation.manifest.id, rule: rule.id };
      const justification = exemptionAnnotations(violation.manifest).get(rule.id);
      if (justification !== undefined) {
        const problem = justificationProblem(justification, safetyClass);
        if (!problem) {
          if (!exemptions.some((e) => e.rule === rule.id && e.object === where.object && e.file === where.file)) {
            exemptions.push({ rule: rule.id, object: where.object, file: where.file, justification: justification.trim() });
          }
          continue;
        }
        push({ severity: 'error', ...where, message: `exemption from ${rule.id} needs a written justification (${problem}) in ${EXEMPTION_PREFIX}${rule.id}` });
      }
      push({ severity: rule.severity[safetyClass], ...where, message: `${violation.message}. Fix: ${rule.fix}` });
    }
  }

  // An annotation naming no rule exempts nothing: most likely a typo that leaves the rule in force.
  const known = new Set(rules.map((rule) => rule.id));
  for (const manifest of manifests) {
    for (const rule of exemptionAnnotations(manifest).keys()) {
      if (known.has(rule)) continue;
      push({
        severity: 'warning',
        file: manifest.source,
        object: manifest.id,
        rule: 'unknown-exemption',
        message: `${EXEMPTION_PREFIX}${rule} names no policy rule, so it exempts nothing (the rules are listed in the README)`,
      });
    }
  }
  return { findings, exemptions };
}
