/**
 * The install stage of `chartwright test`: each chart x values set installed on a real cluster,
 * made ready, tested, upgraded, rolled back and uninstalled, with nothing left behind.
 *
 * - `INSTALL_FLAGS`: every CLI option of the stage, as data (src/cli.ts builds them).
 * - `resolveInstallOptions(raw)`: validates and fills defaults; throws UsageError naming the flag.
 * - `openInstall(options, deps)`: one cluster per run through its ClusterProvider (kind, k3s,
 *   kwok, context; src/install/providers/), returning the stage service and `close()`.
 * - The steps of a release are the declared list RELEASE_STEPS (src/install/release.ts).
 * Every process goes through the injected runner (a printing one under --dry-run).
 */
export { INSTALL_FLAGS, resolveInstallOptions, DEFAULT_KIND_CONFIG, DEFAULT_K3S_IMAGE, DEFAULT_TIMEOUT } from './options.js';
export type { ClusterChoice, ClusterProviderName, InstallFlag, InstallOptions } from './options.js';
export { openInstall, namespaceFor, releaseNameFor } from './session.js';
export type { InstallDeps, OpenInstall } from './session.js';
export { HELM_FLAGS, helmFlags } from './helmFlags.js';
export type { HelmFlagSet } from './helmFlags.js';
export { RELEASE_STEPS, podSecurityLabels } from './release.js';
export { helmKubeWindow, skewWarnings } from './cluster.js';
