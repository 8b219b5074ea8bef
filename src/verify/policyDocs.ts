// Moved to src/policy/docs.ts; kept for existing imports.
export { RULES_BEGIN, RULES_END, rulesTable, withRulesTable } from '../policy/docs.js';
