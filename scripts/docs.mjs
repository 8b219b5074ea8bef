#!/usr/bin/env node
// Regenerates the policy rule table in README.md from the rule data (run after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { withRulesTable } from '../dist/policy/docs.js';

const path = new URL('../README.md', import.meta.url);
writeFileSync(path, withRulesTable(readFileSync(path, 'utf8')));
process.stderr.write('README.md policy rule table regenerated\n');
