import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Helm } from '../tools/helm.js';
import type { StageResult } from '../verify/findings.js';
import { kindRuntime, type KubeVersion, locateKubectl, namespaceFor, parseKubectlVersion, skewWarnings } from './cluster.js';
import { Exec, Interrupted, reasonOf } from './exec.js';
import { helmFlags } from './helmFlags.js';
import { K3sUnavailable, type StartK3s, startK3sContainer } from './k3s.js';
import { Ledger, type Owned } from './ledger.js';
import { durationMs, type InstallOptions, parseImageOverride, resolveInstallOptions } from './options.js';
import { EXIT_NOT_FOUND, execaRunner, formatCommand, type ProcessRunner, type RunResult } from './runner.js';
import { runStage, type StageContext } from './stage.js';

/** Where SIGINT/SIGTERM come from; `process` by default, a fake in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface InstallDeps {
  /** From detectHelm: its path runs every helm command, its major picks the flags. */
  helm: Helm;
  /** Runs every kind/helm/kubectl/docker command; default: execa. */
  runner?: ProcessRunner;
  /** The --dry-run plan, --keep's delete commands and interrupt notices; default: stderr. */
  print?: (line: string) => void;
  /** Signals to clean up on; default `process`; null when the caller handles them itself. */
  signals?: SignalSource | null;
  /** Called once cleanup after a signal is done; default: re-raise it so the process ends as killed. */
  onInterrupted?: (signal: NodeJS.Signals) => void;
  /** Starts K3s; default: @testcontainers/k3s, imported only when --cluster k3s is used. */
  startK3s?: StartK3s;
  /** Names namespaces and clusters; default: 6 random hex digits. */
  runId?: string;
  /** Parent of the session's temporary directory; default: os.tmpdir(). */
  tmpRoot?: string;
  /** Extra time past --timeout before a command is stopped; default 30 s. */
  graceMs?: number;
  /** Environment for KUBECTL_BIN, KIND_BIN, KIND_EXPERIMENTAL_PROVIDER and PATH; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export type SessionStatus = 'ready' | 'skipped' | 'failed';

export interface InstallSession {
  /** ready: stages run; skipped: no runtime or cluster (stages skip, or fail with --require-install); failed: setup broke. */
  readonly status: SessionStatus;
  /** Why it is skipped or failed. */
  readonly reason: string | undefined;
  /** One line for progress output, e.g. `kind cluster chartwright-1a2b3c (created), Kubernetes v1.35.0`. */
  readonly description: string;
  /** Version-skew warnings; also added to every stage result. */
  readonly warnings: readonly string[];
  /** The session's temporary directory (kubeconfig, helm home); undefined before it exists. */
  readonly workDir: string | undefined;
  /** Steps 1–7 for one chart × values files in a fresh namespace; never throws. */
  runInstallStage(chartDir: string, valuesFiles: string[], releaseName: string): Promise<StageResult>;
  /** Waits for running stages, then removes what the session created (or lists it under --keep). Idempotent. */
  cleanup(): Promise<void>;
}

/** Bounds how many releases are on the cluster at once. */
class Limiter {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
/** Docker's short form of a 64-digit container ID. */
const shortId = (id: string) => (/^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id);
const QUICK_MS = 60_000;

class Session implements InstallSession {
  status: SessionStatus = 'ready';
  reason: string | undefined;
  description = '';
  warnings: string[] = [];
  workDir: string | undefined;

  private readonly ledger = new Ledger();
  /** Kept on purpose (--keep, --keep-cluster), in creation order: printed newest first at cleanup. */
  private readonly kept: Owned[] = [];
  private readonly interrupt = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly limiter: Limiter;
  private readonly exec: Exec;
  private readonly print: (line: string) => void;
  private readonly runId: string;
  private readonly kubectl: string;
  private readonly kind: string;
  private readonly timeoutMs: number;
  private readonly graceMs: number;
  private readonly processEnv: Record<string, string> = { NO_COLOR: '1' };
  private kubeconfig = '';
  private clientVersion: KubeVersion | undefined;
  private counter = 0;
  private signalled: NodeJS.Signals | undefined;
  private cleaning: Promise<void> | undefined;
  private preparing: Promise<void> | undefined;

  constructor(
    private readonly options: InstallOptions,
    private readonly deps: InstallDeps,
  ) {
    const env = deps.env ?? process.env;
    this.print = deps.print ?? ((line) => process.stderr.write(`${line}\n`));
    this.runId = deps.runId ?? randomBytes(3).toString('hex');
    this.kubectl = locateKubectl(options.kubectl, env);
    this.kind = env.KIND_BIN || 'kind';
    this.timeoutMs = durationMs(options.timeout);
    this.graceMs = deps.graceMs ?? 30_000;
    // One at a time under --dry-run, so the printed plan reads in order.
    this.limiter = new Limiter(options.dryRun ? 1 : options.installConcurrency);
    this.exec = new Exec({ runner: deps.runner ?? execaRunner, dryRun: options.dryRun, print: this.print, interrupt: this.interrupt.signal, env: this.processEnv });
  }

  // ---- signals -------------------------------------------------------------------------------

  private readonly onSignal = (signal: NodeJS.Signals) => {
    if (this.signalled) {
      // Second signal: stop waiting, but say how to remove what may be left.
      this.print(`chartwright: ${signal} again; exiting before cleanup finished. To remove what may be left:`);
      for (const line of this.leftoverCommands()) this.print(`  ${line}`);
      this.removeSignalHandlers();
      this.interrupted(signal);
      return;
    }
    this.signalled = signal;
    this.print(`chartwright: ${signal} received; removing what the install stage created (press again to exit at once)`);
    this.interrupt.abort(signal);
    void (async () => {
      await this.preparing?.catch(() => undefined);
      await this.cleanup();
      this.interrupted(signal);
    })();
  };

  private interrupted(signal: NodeJS.Signals): void {
    (this.deps.onInterrupted ?? ((name: NodeJS.Signals) => process.kill(process.pid, name)))(signal);
  }

  addSignalHandlers(): void {
    const source = this.deps.signals === undefined ? process : this.deps.signals;
    if (!source || this.options.dryRun) return;
    for (const signal of SIGNALS) source.on(signal, this.onSignal);
  }

  private removeSignalHandlers(): void {
    const source = this.deps.signals === undefined ? process : this.deps.signals;
    if (!source || this.options.dryRun) return;
    for (const signal of SIGNALS) source.off(signal, this.onSignal);
  }

  private leftoverCommands(): string[] {
    const namespaces = formatCommand(this.kubectl, ['delete', 'namespace', '--selector', `chartwright.io/run=${this.runId}`, '--kubeconfig', this.kubeconfig]);
    return [...(this.kubeconfig ? [namespaces] : []), ...this.retainedNewestFirst().map((item) => item.deleteCommand)];
  }

  private retainedNewestFirst(): Owned[] {
    return [...[...this.kept].reverse(), ...this.ledger.retained()];
  }

  // ---- setup ---------------------------------------------------------------------------------

  prepare(): Promise<void> {
    this.preparing = this.setUp().catch((error: unknown) => {
      if (error instanceof Interrupted) this.fail(`interrupted by ${error.message} while preparing the cluster`);
      else this.fail(error instanceof Error ? error.message : String(error));
    });
    return this.preparing;
  }

  private skip(reason: string): void {
    this.status = 'skipped';
    this.reason = reason;
  }

  private fail(reason: string): void {
    this.status = 'failed';
    this.reason = reason;
  }

  private run(command: string, args: string[], timeoutMs = QUICK_MS): Promise<RunResult> {
    return this.exec.run(command, args, { timeoutMs });
  }

  private async setUp(): Promise<void> {
    const tmpRoot = this.deps.tmpRoot ?? tmpdir();
    const workDir = this.options.dryRun ? join(tmpRoot, `chartwright-install-${this.runId}`) : await mkdtemp(join(tmpRoot, 'chartwright-install-'));
    this.workDir = workDir;
    this.kubeconfig = join(workDir, 'kubeconfig');
    const helmHome = join(workDir, 'helm');
    // helm reads and writes only here: never the user's repositories, registry logins or plugins.
    Object.assign(this.processEnv, {
      HELM_CONFIG_HOME: join(helmHome, 'config'),
      HELM_CACHE_HOME: join(helmHome, 'cache'),
      HELM_DATA_HOME: join(helmHome, 'data'),
      HELM_REGISTRY_CONFIG: join(helmHome, 'registry.json'),
      HELM_REPOSITORY_CONFIG: join(helmHome, 'repositories.yaml'),
      HELM_REPOSITORY_CACHE: join(helmHome, 'cache', 'repository'),
      HELM_PLUGINS: join(helmHome, 'data', 'plugins'),
    });
    const workDirItem: Owned = {
      what: `temporary directory ${workDir} (kubeconfig, helm home)`,
      deleteCommand: formatCommand('rm', ['-rf', workDir]),
      remove: async () => {
        if (this.options.dryRun) this.exec.note(`remove ${workDir}`);
        else await rm(workDir, { recursive: true, force: true });
        return undefined;
      },
    };
    // --keep-cluster keeps the kubeconfig with the cluster, so the cluster stays usable.
    if (this.options.keepCluster && this.options.cluster !== 'context') this.kept.push(workDirItem);
    else this.ledger.own(workDirItem);
    this.exec.note(`chartwright install stage, run ${this.runId}: helm ${this.deps.helm.major} (${this.deps.helm.version}), --cluster ${this.options.cluster}, kubeconfig ${this.kubeconfig}`);

    if (this.options.cluster === 'kind') await this.setUpKind();
    else if (this.options.cluster === 'k3s') await this.setUpK3s();
    else await this.setUpContext();
  }

  /** Runtime reachable and kubectl present; a missing one skips the stage. Returns false when skipped. */
  private async preflight(runtime: string | undefined): Promise<boolean> {
    if (runtime) {
      const info = await this.run(runtime, ['info', '--format', '{{.ServerVersion}}']);
      if (info.exitCode !== 0) {
        this.skip(info.exitCode === EXIT_NOT_FOUND ? `no container runtime: ${runtime} is not installed` : `no container runtime: \`${runtime} info\` failed: ${reasonOf(info)}`);
        return false;
      }
    }
    if (this.options.cluster === 'kind') {
      const kind = await this.run(this.kind, ['version']);
      if (kind.exitCode !== 0) {
        this.skip(
          kind.exitCode === EXIT_NOT_FOUND
            ? `no kind binary: \`${this.kind}\` is not on PATH (install kind v0.31.0 or set KIND_BIN; with Docker alone use --cluster k3s)`
            : `kind is not usable: \`${this.kind} version\` failed: ${reasonOf(kind)}`,
        );
        return false;
      }
    }
    const client = await this.run(this.kubectl, ['version', '--client', '--output=json']);
    if (client.exitCode !== 0) {
      this.skip(client.exitCode === EXIT_NOT_FOUND ? `no kubectl: \`${this.kubectl}\` not found (set --kubectl or KUBECTL_BIN, or run \`npm run provision\`)` : `kubectl is not usable: ${reasonOf(client)}`);
      return false;
    }
    this.clientVersion = parseKubectlVersion(client.stdout).client;
    return true;
  }

  /** Asks the cluster for its version and warns about skew; false when it does not answer. */
  private async reachCluster(onFailure: (reason: string) => void): Promise<boolean> {
    const version = await this.run(this.kubectl, ['version', '--output=json', '--kubeconfig', this.kubeconfig]);
    const server = parseKubectlVersion(version.stdout).server;
    if (version.exitCode !== 0 && !this.options.dryRun) {
      onFailure(reasonOf(version));
      return false;
    }
    if (server) {
      this.description += `, Kubernetes ${server.gitVersion}`;
      this.warnings = skewWarnings(server, this.clientVersion, this.deps.helm);
    }
    return true;
  }

  private async writeKubeconfig(content: string): Promise<void> {
    if (this.options.dryRun) return;
    await writeFile(this.kubeconfig, content, { mode: 0o600 });
    await chmod(this.kubeconfig, 0o600); // the mode given to writeFile is masked by umask
  }

  private async setUpKind(): Promise<void> {
    const env = this.deps.env ?? process.env;
    if (!(await this.preflight(kindRuntime(env)))) return;
    const name = this.options.clusterName ?? (this.options.reuse ? 'chartwright' : `chartwright-${this.runId}`);
    if (this.options.reuse) {
      const list = await this.run(this.kind, ['get', 'clusters']);
      if (list.exitCode !== 0) return this.fail(`kind get clusters failed: ${reasonOf(list)}`);
      const running = list.stdout.split('\n').map((line) => line.trim()).includes(name);
      if (this.options.dryRun) this.exec.note(`if ${name} is listed, reuse it: \`kind get kubeconfig --name ${name}\` written to ${this.kubeconfig}; otherwise create it:`);
      if (running) {
        const config = await this.run(this.kind, ['get', 'kubeconfig', '--name', name]);
        if (config.exitCode !== 0) return this.fail(`kind get kubeconfig --name ${name} failed: ${reasonOf(config)}`);
        await this.writeKubeconfig(config.stdout);
        this.description = `kind cluster ${name} (reused, not deleted)`;
        return void (await this.finishKind(name));
      }
    }
    if (!this.options.dryRun && !existsSync(this.options.kindConfig)) return this.fail(`kind config ${this.options.kindConfig} not found (--kind-config)`);
    const cluster: Owned = {
      what: `kind cluster ${name}`,
      // --kubeconfig: kind would otherwise edit the user's kubeconfig to drop the context.
      deleteCommand: formatCommand(this.kind, ['delete', 'cluster', '--name', name, '--kubeconfig', this.kubeconfig]),
      remove: async () => {
        if (this.options.reuse) this.exec.note(`only if this run created ${name}:`);
        const result = await this.exec.run(this.kind, ['delete', 'cluster', '--name', name, '--kubeconfig', this.kubeconfig], { timeoutMs: 5 * QUICK_MS, interruptible: false });
        return result.exitCode === 0 ? undefined : reasonOf(result);
      },
    };
    let forget = () => {};
    if (this.options.keepCluster) this.kept.push(cluster);
    else forget = this.ledger.own(cluster); // before create: a half-made cluster is still removed
    const created = await this.run(
      this.kind,
      ['create', 'cluster', '--name', name, '--config', this.options.kindConfig, '--kubeconfig', this.kubeconfig, '--wait', this.options.timeout],
      Math.max(10 * QUICK_MS, 2 * this.timeoutMs) + this.graceMs,
    );
    if (created.exitCode !== 0) {
      if (/already exist/i.test(created.stderr + created.stdout)) {
        // Not ours: never delete a cluster someone else made.
        forget();
        if (this.kept.includes(cluster)) this.kept.splice(this.kept.indexOf(cluster), 1);
        return this.fail(`a kind cluster named ${name} already exists and this run did not create it; pass --reuse to use it, or choose another --cluster-name`);
      }
      return this.fail(`kind create cluster --name ${name} failed: ${reasonOf(created)}`);
    }
    this.description = `kind cluster ${name} (created${this.options.keepCluster ? ', kept' : ''})`;
    await this.finishKind(name);
  }

  private async finishKind(name: string): Promise<void> {
    if (!(await this.reachCluster((reason) => this.fail(`kind cluster ${name} does not answer: ${reason}`)))) return;
    for (const image of this.options.loadImage) {
      const loaded = await this.run(this.kind, ['load', 'docker-image', image, '--name', name], 2 * this.timeoutMs + this.graceMs);
      if (loaded.exitCode !== 0) return this.fail(`could not load image ${image} into kind cluster ${name}: ${reasonOf(loaded)}`);
    }
  }

  private async setUpK3s(): Promise<void> {
    if (!(await this.preflight('docker'))) return;
    const image = this.options.k3sImage;
    let containerId = 'K3S_CONTAINER';
    if (this.options.dryRun) {
      this.exec.note(`start ${image} through testcontainers (a privileged container its reaper removes even if chartwright is killed); its kubeconfig goes to ${this.kubeconfig}`);
      const planned: Owned = {
        what: 'K3s container',
        deleteCommand: formatCommand('docker', ['rm', '--force', '--volumes', containerId]),
        remove: async () => {
          this.exec.note('stop and remove the K3s container (testcontainers)');
          return undefined;
        },
      };
      if (this.options.keepCluster) this.kept.push(planned);
      else this.ledger.own(planned);
    } else {
      let handle;
      try {
        handle = await (this.deps.startK3s ?? startK3sContainer)(image, { keep: this.options.keep || this.options.keepCluster });
      } catch (error) {
        if (error instanceof K3sUnavailable) return this.skip(error.message);
        return this.fail(`could not start K3s (${image}): ${error instanceof Error ? error.message : String(error)}`);
      }
      containerId = handle.containerId;
      const container: Owned = {
        what: `K3s container ${shortId(containerId)}`,
        deleteCommand: formatCommand('docker', ['rm', '--force', '--volumes', containerId]),
        remove: async () => {
          await handle.stop();
          return undefined;
        },
      };
      if (this.options.keepCluster) this.kept.push(container);
      else this.ledger.own(container);
      await this.writeKubeconfig(handle.kubeconfig);
    }
    this.description = `K3s container ${shortId(containerId)} (${image})`;
    if (!(await this.reachCluster((reason) => this.fail(`K3s (${image}) does not answer: ${reason}`)))) return;
    for (const [index, image] of this.options.loadImage.entries()) {
      // K3s has no `kind load`: export the image and import it into the node's containerd.
      const archive = join(this.workDir as string, `image-${index + 1}.tar`);
      const inside = `/tmp/chartwright-image-${index + 1}.tar`;
      const limit = 2 * this.timeoutMs + this.graceMs;
      for (const [command, args] of [
        ['docker', ['save', '--output', archive, image]],
        ['docker', ['cp', archive, `${containerId}:${inside}`]],
        ['docker', ['exec', containerId, 'ctr', '--namespace', 'k8s.io', 'images', 'import', inside]],
      ] as const) {
        const result = await this.run(command, [...args], limit);
        if (result.exitCode !== 0) return this.fail(`could not load image ${image} into K3s: ${formatCommand(command, args)} failed: ${reasonOf(result)}`);
      }
    }
  }

  private async setUpContext(): Promise<void> {
    if (!(await this.preflight(undefined))) return;
    const { kubeContext, kubeconfig } = this.options;
    // A flattened one-context copy: every later call uses it, so the user's file and current context are never written.
    const view = await this.run(this.kubectl, [
      'config', 'view', '--raw', '--minify', '--flatten',
      ...(kubeContext ? ['--context', kubeContext] : []),
      ...(kubeconfig ? ['--kubeconfig', kubeconfig] : []),
    ]);
    const source = `${kubeContext ? `context ${kubeContext}` : 'the current context'} of ${kubeconfig ?? '$KUBECONFIG or ~/.kube/config'}`;
    if (view.exitCode !== 0) return this.skip(`no reachable cluster: cannot read ${source}: ${reasonOf(view)}`);
    if (this.options.dryRun) this.exec.note(`write its output to ${this.kubeconfig} (mode 0600)`);
    await this.writeKubeconfig(view.stdout);
    let name = kubeContext;
    try {
      name ??= String((parseYaml(view.stdout) as { 'current-context'?: unknown } | null)?.['current-context'] ?? '') || undefined;
    } catch {
      // The name is only for messages.
    }
    this.description = `context ${name ?? '(current)'} (existing cluster; only chartwright's namespaces are touched)`;
    await this.reachCluster((reason) => this.skip(`no reachable cluster: ${source} does not answer: ${reason}`));
  }

  // ---- stages --------------------------------------------------------------------------------

  private unavailable(valuesFiles: string[], reason: string, failed: boolean): StageResult {
    return {
      stage: 'install',
      valuesFiles,
      status: failed ? 'failed' : 'skipped',
      durationMs: 0,
      findings: failed ? [{ severity: 'error', message: `install stage: ${reason}` }] : [],
      reason,
    };
  }

  runInstallStage(chartDir: string, valuesFiles: string[], releaseName: string): Promise<StageResult> {
    const index = ++this.counter; // numbered at call time, so names follow the caller's order
    if (this.status === 'skipped') {
      const reason = this.reason ?? 'no cluster';
      return Promise.resolve(this.unavailable(valuesFiles, this.options.requireInstall ? `${reason} (--require-install)` : reason, this.options.requireInstall));
    }
    if (this.status === 'failed') return Promise.resolve(this.unavailable(valuesFiles, this.reason ?? 'cluster setup failed', true));
    if (this.cleaning) return Promise.resolve(this.unavailable(valuesFiles, 'the install session was already cleaned up', true));
    const context: StageContext = {
      exec: this.exec,
      helm: this.deps.helm,
      flags: helmFlags(this.deps.helm.major),
      kubectl: this.kubectl,
      kubeconfig: this.kubeconfig,
      timeout: this.options.timeout,
      timeoutMs: this.timeoutMs,
      graceMs: this.graceMs,
      ...(this.options.imageOverride ? { imageOverride: parseImageOverride(this.options.imageOverride) } : {}),
      ...(this.options.upgradeFrom ? { upgradeFrom: this.options.upgradeFrom } : {}),
      keep: this.options.keep,
      runId: this.runId,
      warnings: this.warnings,
      retain: (items) => this.kept.push(...[...items].reverse()),
    };
    const namespace = namespaceFor(this.runId, index, basename(chartDir));
    const stage = this.limiter.run(async () => {
      if (this.interrupt.signal.aborted) return this.unavailable(valuesFiles, `interrupted by ${String(this.interrupt.signal.reason)}`, true);
      this.exec.note(`${basename(chartDir)} [${['values.yaml', ...valuesFiles].join(' + ')}]: release ${releaseName} in namespace ${namespace}`);
      return runStage(context, { chartDir, valuesFiles, releaseName, namespace });
    });
    this.inFlight.add(stage);
    void stage.finally(() => this.inFlight.delete(stage));
    return stage;
  }

  // ---- cleanup -------------------------------------------------------------------------------

  cleanup(): Promise<void> {
    this.cleaning ??= this.tearDown();
    return this.cleaning;
  }

  private async tearDown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    if (this.options.keep) {
      const items = this.retainedNewestFirst();
      if (items.length > 0) {
        this.print('chartwright kept everything for debugging (--keep); delete it afterwards with:');
        for (const item of items) this.print(`  ${item.deleteCommand}`);
      }
    } else {
      for (const problem of await this.ledger.unwind()) this.print(`chartwright: ${problem}`);
      if (this.kept.length > 0) {
        this.print('chartwright kept the cluster (--keep-cluster); delete it afterwards with:');
        for (const item of [...this.kept].reverse()) this.print(`  ${item.deleteCommand}`);
      }
    }
    this.removeSignalHandlers();
  }
}

/**
 * Prepares the cluster once per `chartwright test` run. Never throws for a missing runtime or
 * cluster (the session is then skipped) nor a failed setup (failed); throws UsageError for bad options.
 */
export async function createInstallSession(options: Partial<InstallOptions>, deps: InstallDeps): Promise<InstallSession> {
  const session = new Session(resolveInstallOptions(options), deps);
  // Before any command runs, so an interrupt during cluster creation still cleans up.
  session.addSignalHandlers();
  await session.prepare();
  return session;
}
