import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
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
  /** Path below the package root where `npm run provision` puts its copy. */
  provisioned: string;
  env?: NodeJS.ProcessEnv;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * One lookup order for every external tool: the flag, the environment variable, PATH, then the
 * copy `npm run provision` extracted from the devDependencies. Undefined when none exists.
 */
export function locateTool(lookup: ToolLookup): { path: string; source: string } | undefined {
  const env = lookup.env ?? process.env;
  if (lookup.explicit) return { path: lookup.explicit, source: lookup.flag };
  const fromEnv = env[lookup.envVar];
  if (fromEnv) return { path: fromEnv, source: lookup.envVar };
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, lookup.name))) return { path: join(dir, lookup.name), source: 'PATH' };
  }
  const provisioned = join(PACKAGE_ROOT, lookup.provisioned);
  return executable(provisioned) ? { path: provisioned, source: `provisioned copy (${lookup.provisioned})` } : undefined;
}
