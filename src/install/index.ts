/**
 * The install stage of `chartwright test`: each chart × values file installed on a real cluster,
 * made ready, tested, upgraded, rolled back and uninstalled, with nothing left behind.
 *
 * API for wiring into `chartwright test` and the CLI:
 *
 * - `INSTALL_FLAGS: readonly InstallFlag[]` — every CLI option of the stage, declaratively:
 *   `{ name: '--cluster', argument: '<provider>', key: 'cluster', description, default, choices?, repeatable? }`.
 *   With commander: `new Option(`${f.name}${f.argument ? ` ${f.argument}` : ''}`, f.description)`,
 *   `f.default` shown as defaultValueDescription (resolveInstallOptions applies it), `.choices(f.choices)`, and for `repeatable` an argParser
 *   `(value, previous = []) => [...previous, value]`. `key` is commander's camel-cased property.
 *
 * - `resolveInstallOptions(raw: Partial<Record<keyof InstallOptions, unknown>>): InstallOptions` —
 *   validates and fills defaults; throws UsageError naming the flag. (createInstallSession calls it too.)
 *
 * - `createInstallSession(options: Partial<InstallOptions>, deps: InstallDeps): Promise<InstallSession>` —
 *   once per run, after detectHelm: `deps = { helm }` is enough (runner, print, signals, startK3s,
 *   runId, tmpRoot, graceMs, env are for tests). Preflight (runtime, kind, kubectl, cluster version,
 *   skew warnings), then the cluster: kind (created from --kind-config or reused), K3s through
 *   testcontainers, or an existing context. Never throws for a missing runtime or cluster:
 *   `session.status` is 'skipped' (with `reason`) or 'failed' (setup broke).
 *
 * - `session.runInstallStage(chartDir: string, valuesFiles: string[], releaseName: string): Promise<StageResult>` —
 *   stage 'install' for one values set (paths relative to chartDir, as in verify/stages.ts); call it
 *   for every set at once, the session bounds concurrency (--install-concurrency). Dependencies must
 *   already be in charts/ (the dependencies stage). Never throws. Skipped sessions give status
 *   'skipped' with the reason, or 'failed' under --require-install.
 *
 * - `session.cleanup(): Promise<void>` — always call it (finally): waits for running stages, then
 *   removes the cluster it created and its temporary kubeconfig; under --keep prints delete commands.
 *   SIGINT/SIGTERM trigger the same cleanup and then re-raise the signal (deps.onInterrupted to change).
 *
 * - `session.description`, `session.warnings`, `session.status`, `session.reason` for progress output.
 *
 * Helm 3/4 differences: HELM_FLAGS / helmFlags(major). Every process goes through a ProcessRunner
 * (`execaRunner` by default); under --dry-run commands are printed via deps.print and none run.
 */
export { INSTALL_FLAGS, resolveInstallOptions, DEFAULT_KIND_CONFIG, DEFAULT_K3S_IMAGE, DEFAULT_TIMEOUT } from './options.js';
export type { ClusterProvider, InstallFlag, InstallOptions } from './options.js';
export { createInstallSession } from './session.js';
export type { InstallDeps, InstallSession, SessionStatus, SignalSource } from './session.js';
export { HELM_FLAGS, helmFlags } from './helmFlags.js';
export type { HelmFlagSet } from './helmFlags.js';
export { execaRunner, formatCommand } from './runner.js';
export type { ProcessRunner, RunOptions, RunResult } from './runner.js';
export type { K3sHandle, StartK3s } from './k3s.js';
export { STEPS } from './stage.js';
export type { StepName } from './stage.js';
export { helmKubeWindow, skewWarnings } from './cluster.js';
