// The policy stage: rules as data (rules.ts), their scope and walkers (scope.ts), the object
// helpers they share (objects.ts, context.ts, secrets.ts), exemptions and the evaluator.
export { evaluatePolicy } from './evaluate.js';
export { EXEMPTION_PREFIX, JUSTIFICATION_MINIMUM, type Exemption } from './exemptions.js';
export { POLICY_RULES } from './rules.js';
export { describeScope, type PolicyRule, type RuleCategory } from './scope.js';
export { subchartOf } from './objects.js';
