// The policy stage moved to src/policy/; this keeps the stage code's imports working.
export { EXEMPTION_PREFIX, POLICY_RULES, evaluatePolicy, subchartOf, type Exemption, type PolicyRule, type RuleCategory } from '../policy/index.js';
