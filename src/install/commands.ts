import type { HelmRunner } from '../tools/helm.js';
import { type ProcessRunner, type RunResult, reasonOf } from '../process/runner.js';

/**
 * The install stage's way to run helm and kubectl against one cluster: every command through the
 * injected runner (a printing one under --dry-run), with the private kubeconfig, a time limit and
 * the run's interrupt signal; cleanup commands pass `uninterruptible` so they still run after one.
 */
export class ClusterCommands {
  constructor(
    private readonly runner: ProcessRunner,
    readonly helm: HelmRunner,
    readonly kubectlPath: string,
    readonly kubeconfig: string,
    private readonly interrupt: AbortSignal,
    readonly dryRun: boolean,
    private readonly printNote: (line: string) => void,
    /** Runs read-only checks (versions, `docker info`) for real, even under --dry-run. */
    private readonly probeRunner: ProcessRunner = runner,
  ) {}

  /** A read-only check that runs even under --dry-run, so the plan reflects this machine. */
  probe(command: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
    return this.probeRunner({ command, args, timeoutMs, env: { NO_COLOR: '1' }, signal: this.interrupt });
  }

  /** A line of the --dry-run plan that is not a command (a step depending on earlier output). */
  note(text: string): void {
    if (this.dryRun) this.printNote(`# ${text}`);
  }

  kubectl(args: readonly string[], timeoutMs: number, options: { uninterruptible?: boolean; signal?: AbortSignal } = {}): Promise<RunResult> {
    return this.runner({
      command: this.kubectlPath,
      args: [...args, '--kubeconfig', this.kubeconfig],
      env: { NO_COLOR: '1' },
      timeoutMs,
      ...this.signalFor(options),
    });
  }

  helmCall(args: readonly string[], timeoutMs: number, options: { uninterruptible?: boolean; signal?: AbortSignal } = {}): Promise<RunResult> {
    // Through the runner (not HelmRunner.run): cluster calls wait on the cluster, not the CPUs,
    // and --dry-run must print them; the private helm home comes from the HelmRunner.
    return this.runner({
      command: this.helm.helm.path,
      args: [...args, '--kubeconfig', this.kubeconfig],
      env: this.helm.env,
      timeoutMs,
      ...this.signalFor(options),
    });
  }

  /** Raw command (kind, kwokctl, docker) through the same runner. */
  run(command: string, args: readonly string[], timeoutMs: number, options: { uninterruptible?: boolean; env?: Record<string, string> } = {}): Promise<RunResult> {
    return this.runner({ command, args, timeoutMs, ...(options.env ? { env: options.env } : {}), ...this.signalFor(options) });
  }

  private signalFor(options: { uninterruptible?: boolean; signal?: AbortSignal }): { signal?: AbortSignal } {
    if (options.uninterruptible) return options.signal ? { signal: options.signal } : {};
    if (!options.signal) return { signal: this.interrupt };
    return { signal: AbortSignal.any([this.interrupt, options.signal]) };
  }
}

/** A failed command as the one line that says why. */
export const why = (result: RunResult) => (result.timedOut || result.aborted ? result.stderr.split('\n').at(-1) ?? 'stopped' : reasonOf(result));
