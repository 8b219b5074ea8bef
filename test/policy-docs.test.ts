// The README's policy rule table is generated from the rule data (`npm run docs`): it must be
// current, and each row must say what the data says (scope, severity per class, hazard).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES_BEGIN, RULES_END, withRulesTable } from '../src/policy/docs.js';
import { describeScope, POLICY_RULES } from '../src/policy/index.js';
import { repoRoot } from './support/tools.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf(RULES_BEGIN), readme.indexOf(RULES_END));

/** Table rows as cells, keyed by rule ID (escaped pipes restored). */
const rows = new Map(
  section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line.slice(2, -2).split(/ (?<!\\)\| /).map((cell) => cell.replace(/\\\|/g, '|'));
      return [cells[0]?.replace(/`/g, '') ?? '', cells] as const;
    }),
);

describe('README policy rule table', () => {
  it('is the table generated from the current rules (run `npm run docs` after changing them)', () => {
    expect(withRulesTable(readme)).toBe(readme);
  });

  it('has one row per rule, in the order of the rule data', () => {
    expect([...rows.keys()]).toEqual(POLICY_RULES.map((rule) => rule.id));
  });

  it.each(POLICY_RULES.map((rule) => [rule.id, rule] as const))('row %s states its scope, severities per class and hazard', (_id, rule) => {
    expect(rows.get(rule.id)).toEqual([`\`${rule.id}\``, rule.category, describeScope(rule), rule.severity.A, rule.severity.B, rule.severity.C, rule.hazard, rule.rationale, rule.fix]);
  });

  it('states the exemption annotation and the justification each class needs', () => {
    expect(section).toContain('`chartwright.io/exempt.<rule>: "<justification>"`');
    expect(section).toMatch(/5 words and 20 characters at class C/);
  });
});
