#!/usr/bin/env node
// The main job on embedded defaults: generate a chart with `chartwright new --yes` (which verifies
// it with the static stages), then run every `chartwright test` stage over it, the install stage
// included, on a throwaway KWOK cluster (a real API server with simulated nodes, from the toolchain
// `npm run provision` built). Uses helm from $HELM_BIN or PATH, else the provisioned newest helm 4.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { newestTool, readToolchain } from './toolchain/manifest.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const target = `${root}.tmp/demo/my-service`;
const cli = `${root}bin/chartwright.js`;
// The provisioned kubectl 1.35 matches the KWOK cluster's minor; a kubectl on PATH may not.
const kubectl = newestTool(readToolchain(root), 'kubectl');
const env = { ...process.env, ...(kubectl && !process.env.KUBECTL_BIN ? { KUBECTL_BIN: `${root}${kubectl.path}` } : {}) };
await rm(`${root}.tmp/demo`, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [cli, 'new', '--yes', target], { stdio: 'inherit', env });
  execFileSync(process.execPath, [cli, 'test', target, '--cluster', 'kwok', '--output', `junit=${target}.junit.xml`, '--output', `sarif=${target}.sarif`], { stdio: 'inherit', env });
} catch (error) {
  process.exit(typeof error.status === 'number' ? error.status : 1);
}
process.stderr.write(`\nThe generated chart is in .tmp/demo/my-service; the JUnit and SARIF reports beside it\n`);
