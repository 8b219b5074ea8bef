// Reads .tools/toolchain.json, which `npm run provision` writes: the scripts (bench, demo) and the
// test helpers (test/support/tools.ts) all find the provisioned tools through this one reader.
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * @typedef {{ role: string; version: string; path: string; source: string }} ProvisionedTool
 * @typedef {{ tools: ProvisionedTool[]; skipped?: string }} Toolchain
 */

/** @returns {Toolchain | undefined} the manifest under `root`, or undefined when it is missing or unreadable */
export function readToolchain(root) {
  try {
    return JSON.parse(readFileSync(join(root, '.tools', 'toolchain.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** @returns {ProvisionedTool | undefined} the newest tool of `role` whose version starts with `versionPrefix` */
export function newestTool(toolchain, role, versionPrefix = '') {
  return (toolchain?.tools ?? [])
    .filter((tool) => tool.role === role && tool.version.startsWith(versionPrefix))
    .sort((a, b) => b.version.localeCompare(a.version, undefined, { numeric: true }))[0];
}

// `node scripts/toolchain/manifest.mjs ROLE [VERSION_PREFIX]` prints the newest provisioned tool's
// path (the GitHub workflow uses it), or exits 1 saying none is provisioned.
const invokedDirectly = () => {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? '')).href;
  } catch {
    return false;
  }
};
if (invokedDirectly()) {
  const [role, prefix = ''] = process.argv.slice(2);
  const tool = role ? newestTool(readToolchain(fileURLToPath(new URL('../../', import.meta.url))), role, prefix) : undefined;
  if (!tool) {
    process.stderr.write(`no provisioned ${role ?? 'tool'}${prefix ? ` ${prefix}*` : ''} (run \`npm run provision\`)\n`);
    process.exit(1);
  }
  process.stdout.write(`${tool.path}\n`);
}
