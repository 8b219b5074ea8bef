import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { POLICY_RULES } from '../src/verify/policy.js';
import { withRulesTable } from '../src/verify/policyDocs.js';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Long flags named in `text`, with `--[no-]x` read as `--x`. */
function longFlags(text: string): Set<string> {
  const flags = new Set<string>();
  for (const match of text.matchAll(/--(\[no-\])?([a-z][a-z-]*)/g)) flags.add(`--${match[2]}`);
  return flags;
}

describe('README', () => {
  const readme = readFileSync(`${root}README.md`, 'utf8');

  // The flag tables, in README order: `new`, `test`, `regenerate`, then `bump`.
  const tables = readme.split('| Flag |').slice(1).map((part) => part.slice(0, part.search(/\n\n/)));
  it.each([
    ['new', 0],
    ['test', 1],
    ['regenerate', 2],
    ['bump', 3],
  ] as const)('documents exactly the flags `%s --help` shows', (command, index) => {
    const help = execFileSync(process.execPath, [`${root}bin/chartwright.js`, command, '--help'], { encoding: 'utf8' });
    const optionsPart = help.slice(help.indexOf('Options:'), help.indexOf('Exit codes:'));
    const fromHelp = longFlags(optionsPart.split('\n').map((line) => line.trim().split(/\s{2,}/)[0] ?? '').join('\n'));
    fromHelp.delete('--help');
    const fromReadme = longFlags((tables[index] ?? '').split('\n').map((line) => line.split('|')[1] ?? '').join('\n'));
    expect([...fromReadme].sort()).toEqual([...fromHelp].sort());
  });

  it('carries the policy rule table generated from the rules (run `npm run docs`)', () => {
    expect(withRulesTable(readme)).toBe(readme);
    for (const rule of POLICY_RULES) expect(readme).toContain(`| \`${rule.id}\` |`);
  });

  it('documents the exit codes `--help` lists', () => {
    const help = execFileSync(process.execPath, [`${root}bin/chartwright.js`, '--help'], { encoding: 'utf8' });
    const codes = [...help.slice(help.indexOf('Exit codes:')).matchAll(/^\s+(\d+)\s/gm)].map((match) => match[1]);
    expect(codes.length).toBeGreaterThan(3);
    for (const code of codes) expect(readme).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
  });

  it('names the test command .ci/run calls', () => {
    const ci = readFileSync(`${root}.ci/run`, 'utf8');
    expect(readme).toContain('npm test');
    expect(ci).toMatch(/^npm test\b/m);
  });
});
