#!/usr/bin/env node
// The main job on embedded defaults: generate a chart with `chartwright new --yes` and verify it
// (helm lint --strict and helm template with every values file). Uses helm from $HELM_BIN or
// PATH, else the copy `npm run provision` extracted from the devDependencies.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = fileURLToPath(new URL('../', import.meta.url));
const target = `${root}.tmp/demo/my-service`;
await rm(target, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [`${root}bin/chartwright.js`, 'new', '--yes', target], { stdio: 'inherit' });
} catch (error) {
  process.exit(typeof error.status === 'number' ? error.status : 1);
}
process.stderr.write(`\nThe generated chart is in .tmp/demo/my-service\n`);
