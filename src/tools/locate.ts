import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';

export interface ToolLookup {
  /** The binary's file name on PATH. */
  name: string;
  /** The command-line flag, e.g. --helm. */
  flag: string;
  /** Value of that flag, if given. */
  explicit: string | undefined;
  /** Environment variable naming the binary, e.g. HELM_BIN. */
  envVar: string;
  /** Role in .tools/toolchain.json (`npm run provision` in a clone of chartwright); newest wins. */
  provisionedRole?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Located {
  path: string;
  /** Where it was found, for messages: the flag, the variable, PATH or the provisioned copy. */
  source: string;
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

interface ProvisionedTool {
  role: string;
  version: string;
  path: string;
}

let manifest: ProvisionedTool[] | null | undefined;

/** What `npm run provision` built or extracted into .tools/, newest version first per role. */
export function provisionedTools(role: string): ProvisionedTool[] {
  if (manifest === undefined) {
    try {
      const parsed = JSON.parse(readFileSync(join(PACKAGE_ROOT, '.tools', 'toolchain.json'), 'utf8')) as { tools?: ProvisionedTool[] };
      manifest = Array.isArray(parsed.tools) ? parsed.tools : null;
    } catch {
      manifest = null; // an installed chartwright has no .tools: only the flag, env and PATH count
    }
  }
  const byVersion = (a: ProvisionedTool, b: ProvisionedTool) => compareVersions(b.version, a.version);
  return (manifest ?? [])
    .filter((tool) => tool.role === role)
    .map((tool) => ({ ...tool, path: isAbsolute(tool.path) ? tool.path : join(PACKAGE_ROOT, tool.path) }))
    .filter((tool) => isExecutable(tool.path))
    .sort(byVersion);
}

function compareVersions(a: string, b: string): number {
  const parts = (version: string) => version.split(/[.-]/).map((part) => (/^\d+$/.test(part) ? Number(part) : 0));
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The directories on PATH holding an executable `name`, first one first. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * One lookup order for every external tool: the flag, the environment variable, PATH, then the
 * copy `npm run provision` made in a clone of chartwright. Undefined when none exists.
 */
export function locateTool(lookup: ToolLookup): Located | undefined {
  const env = lookup.env ?? process.env;
  if (lookup.explicit) return { path: lookup.explicit, source: lookup.flag };
  const fromEnv = env[lookup.envVar];
  if (fromEnv) return { path: fromEnv, source: lookup.envVar };
  const fromPath = onPath(lookup.name, env);
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const provisioned = lookup.provisionedRole ? provisionedTools(lookup.provisionedRole)[0] : undefined;
  return provisioned ? { path: provisioned.path, source: `provisioned copy (${provisioned.version})` } : undefined;
}
