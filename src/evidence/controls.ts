import type { SafetyClass } from '../answers/validate.js';
import { availabilityRows, CLASS_INFO } from '../domain/classes.js';
import { podSecurityLabels } from '../install/release.js';
import { PolicyContext } from '../policy/context.js';
import { JUSTIFICATION_MINIMUM } from '../policy/exemptions.js';
import { POLICY_RULES } from '../policy/rules.js';
import { type PolicyRule, violationsOf } from '../policy/scope.js';
import type { ClassSource } from '../stages/model.js';
import type { Manifest } from '../verify/manifests.js';
import type { ClassEffect, ClassEvidence, ExemptionEvidence, FindingEvidence, RiskControl } from './model.js';

/** Where the class came from, in one sentence an auditor can quote. */
function classStatement(safetyClass: SafetyClass, source: ClassSource, annotation: string | undefined): string {
  const recorded = annotation === undefined ? 'the chart has no chartwright.io/iec62304-class annotation' : `the chart's chartwright.io/iec62304-class annotation says ${JSON.stringify(annotation)}`;
  switch (source) {
    case 'annotation':
      return `class ${safetyClass}, from the chart's chartwright.io/iec62304-class annotation in Chart.yaml`;
    case 'flag':
      return `class ${safetyClass}, set for this run with --class ${safetyClass} (${recorded})`;
    case 'unclassified':
      return `unclassified: treated as C (${annotation === undefined ? recorded : `${recorded}, which is not A, B or C`}); IEC 62304 4.3 requires class C until the software is classified`;
  }
}

export function classEvidence(safetyClass: SafetyClass, source: ClassSource, annotation: string | undefined, generated: boolean): ClassEvidence {
  return {
    class: safetyClass,
    source,
    statement: classStatement(safetyClass, source, annotation),
    ...(annotation !== undefined ? { annotation } : {}),
    meaning: CLASS_INFO[safetyClass].meaning,
    effect: classEffect(safetyClass, generated),
  };
}

function classEffect(safetyClass: SafetyClass, generated: boolean): ClassEffect {
  return {
    failsOn: 'a finding of severity error fails the chart; warnings and infos are recorded and do not fail it (helm lint warnings fail under --strict)',
    justificationMinimum: JUSTIFICATION_MINIMUM[safetyClass],
    installPodSecurity: podSecurityLabels(safetyClass),
    requiredRules: POLICY_RULES.filter((rule) => rule.severity[safetyClass] === 'error').map((rule) => rule.id),
    classDependentRules: POLICY_RULES.filter((rule) => new Set(Object.values(rule.severity)).size > 1).map((rule) => ({ rule: rule.id, ...rule.severity })),
    ...(generated ? { generatedDefaults: availabilityRows(safetyClass).map((row) => ({ setting: row.what, dev: row.dev, prod: row.prod })) } : {}),
  };
}

/** The same rule with a test that fails everything: its violations are then exactly the subjects in its scope. */
function everythingFails(rule: PolicyRule): PolicyRule {
  if ('container' in rule) return { ...rule, container: () => 'in scope' };
  if ('pod' in rule) return { ...rule, pod: () => ['in scope'] };
  return { ...rule, object: () => ['in scope'] };
}

/**
 * How many distinct objects (or containers) of these renders each rule looks at, counted by the
 * rule's own walker; the same object in several values sets and minors counts once.
 */
export function subjectsInScope(renders: readonly (readonly Manifest[])[]): Map<string, number> {
  const subjects = new Map<string, Set<string>>(POLICY_RULES.map((rule) => [rule.id, new Set()]));
  for (const manifests of renders) {
    const context = new PolicyContext(manifests);
    for (const rule of POLICY_RULES) {
      for (const violation of violationsOf(everythingFails(rule), context)) subjects.get(rule.id)?.add(`${violation.manifest.source}\0${violation.manifest.id}\0${violation.message}`);
    }
  }
  return new Map([...subjects].map(([rule, found]) => [rule, found.size]));
}

/**
 * Risk-control traceability: each policy rule with the hazard it controls, its severity at the
 * chart's class and what it found here. A rule is never shown as passed for a values set or
 * minor the policy stage did not run for: those are listed.
 */
export function riskControls(
  safetyClass: SafetyClass,
  findings: readonly FindingEvidence[],
  exemptions: readonly ExemptionEvidence[],
  inScope: Map<string, number>,
  policyRan: boolean,
  notRunFor: RiskControl['notRunFor'],
): RiskControl[] {
  return POLICY_RULES.map((rule) => {
    const own = findings.filter((finding) => finding.stage === 'policy' && finding.rule === rule.id);
    const exempted = exemptions.filter((exemption) => exemption.rule === rule.id).map((exemption) => exemption.object);
    const scope = inScope.get(rule.id) ?? 0;
    const outcome: RiskControl['outcome'] = !policyRan ? 'not-run' : own.length ? 'findings' : exempted.length ? 'exempted' : scope === 0 ? 'not-applicable' : 'passed';
    return {
      rule: rule.id,
      category: rule.category,
      hazard: rule.hazard,
      severity: rule.severity[safetyClass],
      outcome,
      inScope: scope,
      findings: {
        errors: own.filter((finding) => finding.severity === 'error').length,
        warnings: own.filter((finding) => finding.severity === 'warning').length,
        infos: own.filter((finding) => finding.severity === 'info').length,
      },
      findingIds: own.map((finding) => finding.id),
      exempted: [...new Set(exempted)].sort(),
      notRunFor,
    };
  });
}

export function exemptionEvidence(exemption: { rule: string; object: string; file: string; justification: string }, safetyClass: SafetyClass): ExemptionEvidence {
  const rule = POLICY_RULES.find((candidate) => candidate.id === exemption.rule);
  return { ...exemption, severity: rule?.severity[safetyClass] ?? 'error', hazard: rule?.hazard ?? '(no such rule)' };
}
