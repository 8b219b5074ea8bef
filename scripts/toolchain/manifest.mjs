// Reads .tools/toolchain.json, which `npm run provision` writes: the scripts (bench, demo) and the
// test helpers (test/support/tools.ts) all find the provisioned tools through this one reader.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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
