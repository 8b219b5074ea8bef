/**
 * The one place where Helm 3 and Helm 4 differ for the install stage, chosen by the detected
 * major version (Helm.major). Optional-value flags are always written with `=`: Helm 4's
 * `--wait` has a default value, so `--wait watcher` would make `watcher` a positional argument.
 */
export interface HelmFlagSet {
  /** Wait for chart resources to be ready: v3's readiness checker, v4's kstatus watcher. */
  wait: string;
  /** Helm 3's readiness rules on either major (v4 keeps them as the `legacy` strategy). */
  waitLegacy: string;
  /** Also wait for Jobs to complete (same spelling in both). */
  waitForJobs: string;
  /** Undo a failed install/upgrade. Not used by the stage: it would delete what diagnostics need. */
  rollbackOnFailure: string;
  /** Replace resources instead of patching them. */
  forceReplace: string;
  /** Render without a cluster, and validate against one. */
  dryRunClient: string;
  dryRunServer: string;
  /** `helm uninstall` waits for deletion (a bool in v3, a strategy in v4). */
  uninstallWait: string;
}

export const HELM_FLAGS: Readonly<Record<3 | 4, Readonly<HelmFlagSet>>> = {
  3: {
    wait: '--wait',
    waitLegacy: '--wait',
    waitForJobs: '--wait-for-jobs',
    rollbackOnFailure: '--atomic',
    forceReplace: '--force',
    dryRunClient: '--dry-run=client',
    dryRunServer: '--dry-run=server',
    uninstallWait: '--wait',
  },
  4: {
    // Spelled out rather than bare, so a change of v4's bare default cannot change what we test.
    wait: '--wait=watcher',
    waitLegacy: '--wait=legacy',
    waitForJobs: '--wait-for-jobs',
    // `--atomic` is only a deprecated alias, and missing on install before 4.1.2.
    rollbackOnFailure: '--rollback-on-failure',
    forceReplace: '--force-replace',
    dryRunClient: '--dry-run=client',
    dryRunServer: '--dry-run=server',
    uninstallWait: '--wait=watcher',
  },
};

export const helmFlags = (major: 3 | 4): Readonly<HelmFlagSet> => HELM_FLAGS[major];
