// Locates the helm binaries that scripts/provision.mjs extracts into
// .tools/, so every test runs against both helm major versions.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readToolchain } from '../../scripts/toolchain/manifest.mjs';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export type HelmLabel = 'helm3' | 'helm4';

export interface HelmBinary {
  label: HelmLabel;
  path: string;
  /** e.g. "v4.1.4", as printed by `helm version --template '{{.Version}}'`. */
  version: string;
}

const HELM_PATHS: Record<HelmLabel, string> = {
  helm3: join(repoRoot, '.tools', 'helm-v3', 'helm'),
  helm4: join(repoRoot, '.tools', 'helm-v4', 'helm'),
};

// Cached because test files call this at collection time (describe.each).
let cached: HelmBinary[] | undefined;

export function helmBinaries(): HelmBinary[] {
  if (cached) return cached;
  cached = (Object.keys(HELM_PATHS) as HelmLabel[]).map((label) => {
    const path = HELM_PATHS[label];
    try {
      accessSync(path, constants.X_OK);
    } catch {
      throw new Error(
        `${label} not found at ${path}. Run \`npm run provision\` first.`,
      );
    }
    // `helm version` is a local, stateless call (~20 ms); no network or cluster.
    const version = execFileSync(path, ['version', '--template', '{{.Version}}'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    }).trim();
    return { label, path, version };
  });
  return cached;
}

/**
 * process.env plus HELM_* pointing inside `dir`, so a test never reads or
 * writes the developer's helm repos, registry logins or cache.
 */
export function isolatedHelmEnv(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HELM_CONFIG_HOME: join(dir, 'config'),
    HELM_CACHE_HOME: join(dir, 'cache'),
    HELM_DATA_HOME: join(dir, 'data'),
    HELM_REGISTRY_CONFIG: join(dir, 'config', 'registry', 'config.json'),
    // These default to paths under the homes above, but an inherited explicit
    // value would win over that, so pin them too.
    HELM_REPOSITORY_CONFIG: join(dir, 'config', 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: join(dir, 'cache', 'repository'),
    HELM_PLUGINS: join(dir, 'data', 'plugins'),
    NO_COLOR: '1',
  };
}

export interface ProvisionedTool {
  role: string;
  version: string;
  path: string;
  source: string;
}

/** .tools/toolchain.json, which `npm run provision` writes; undefined when it is missing. */
export function toolchainManifest(): { tools: ProvisionedTool[]; skipped?: string } | undefined {
  return readToolchain(repoRoot);
}

/**
 * Every helm in .tools/toolchain.json (the npm layers' and the ones built from Go modules), for
 * behaviour that changed between helm releases; the two of `helmBinaries()` when the manifest is
 * missing.
 */
export function everyProvisionedHelm(): HelmBinary[] {
  const manifest = toolchainManifest();
  if (!manifest) return helmBinaries();
  return manifest.tools
    .filter((tool) => tool.role === 'helm')
    .map((tool) => ({ label: tool.version.startsWith('3.') ? 'helm3' : 'helm4', path: join(repoRoot, tool.path), version: `v${tool.version}` }));
}
