import { mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir, tmpdir, totalmem } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import semver from 'semver';
import { ToolError } from '../errors.js';
import { Limiter } from '../process/limiter.js';
import { type ProcessRunner, type RunResult, spawnRunner, stopAllProcesses } from '../process/runner.js';
import { CleanupPhase, type SignalGuard } from '../process/signals.js';
import { locateTool } from './locate.js';

export const MIN_HELM_VERSION = '3.17.0';

export interface Helm {
  path: string;
  version: string;
  major: 3 | 4;
  /** Where the binary was found, for messages: flag, HELM_BIN, PATH or provisioned copy. */
  source: string;
}

export type HelmResult = RunResult;

const INSTALL_HINT = 'install Helm 3.17+ or 4.x (https://helm.sh/docs/intro/install/), or pass --helm PATH or set HELM_BIN';

/** Time limit of a static helm call (lint, template, pull) unless the caller gives one. */
export const DEFAULT_HELM_TIMEOUT_MS = 120_000;

/** The helm binary to use: --helm, then HELM_BIN, then PATH, then the copy `npm run provision` made. */
export function locateHelm(explicit?: string, env: NodeJS.ProcessEnv = process.env): { path: string; source: string } {
  const found = locateTool({ name: 'helm', flag: '--helm', explicit, envVar: 'HELM_BIN', provisionedRole: 'helm', env });
  if (!found) throw new ToolError(`helm was not found: ${INSTALL_HINT}`);
  return found;
}

/** Finds helm and checks its version once; every later call uses flags that version has. */
export async function detectHelm(explicit?: string, runner: ProcessRunner = spawnRunner): Promise<Helm> {
  const { path, source } = locateHelm(explicit);
  let output = cachedVersion(path);
  if (output === undefined) {
    const result = await runner({ command: path, args: ['version', '--template', '{{.Version}}'], env: { NO_COLOR: '1' }, timeoutMs: 30_000 });
    if (result.exitCode !== 0) {
      const reason = result.notFound ? 'no such file or not executable' : (result.stderr.trim().split('\n')[0] ?? `exit ${result.exitCode}`);
      throw new ToolError(`helm from ${source} (${path}) is not usable: ${reason}; ${INSTALL_HINT}`);
    }
    output = result.stdout.trim();
    rememberVersion(path, output);
  }
  const version = semver.coerce(output)?.version;
  if (!version) throw new ToolError(`could not read the version of helm at ${path} (printed ${JSON.stringify(output)})`);
  if (semver.lt(version, MIN_HELM_VERSION) || semver.major(version) > 4) {
    throw new ToolError(`helm ${version} at ${path} is not supported; chartwright needs 3.17+ or 4.x: ${INSTALL_HINT}`);
  }
  return { path, version, major: semver.major(version) === 3 ? 3 : 4, source };
}

// A relative XDG_CACHE_HOME is to be ignored (XDG base directory specification).
const xdgCache = process.env.XDG_CACHE_HOME;

/**
 * `helm version` of a binary, remembered in the user cache under the binary's identity (real path,
 * device, inode, size, modification time): a replaced or rebuilt binary is asked again. Saves a
 * process start on every run; any problem with the cache only means asking helm.
 */
const VERSION_CACHE = join(xdgCache && isAbsolute(xdgCache) ? xdgCache : join(homedir(), '.cache'), 'chartwright', 'helm-versions.json');

function binaryIdentity(path: string): string | undefined {
  try {
    const real = realpathSync(path);
    const info = statSync(real);
    return `${real}\0${info.dev}\0${info.ino}\0${info.size}\0${info.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function readVersionCache(): Record<string, string> {
  try {
    const data = JSON.parse(readFileSync(VERSION_CACHE, 'utf8')) as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, string>) : {};
  } catch {
    return {};
  }
}

function cachedVersion(path: string): string | undefined {
  const identity = binaryIdentity(path);
  const value = identity ? readVersionCache()[identity] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function rememberVersion(path: string, output: string): void {
  const identity = binaryIdentity(path);
  if (!identity) return;
  try {
    const cache = { ...readVersionCache(), [identity]: output };
    mkdirSync(dirname(VERSION_CACHE), { recursive: true });
    // Written beside and renamed: a concurrent run never reads half a file.
    const tmp = `${VERSION_CACHE}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(cache));
    renameSync(tmp, VERSION_CACHE);
  } catch {
    // A read-only home: ask helm next time too.
  }
}

/**
 * Go's garbage collection for static helm calls: they end within a second having allocated tens
 * of megabytes, so collecting only near a memory limit saves about a quarter of their CPU
 * (lint and template of the generated charts, helm 3 and 4). The limit keeps the helm
 * processes alive at once within half the memory. A GOGC or GOMEMLIMIT of the user's own stays.
 */
export function staticCallGc(concurrency: number, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.GOGC !== undefined || env.GOMEMLIMIT !== undefined) return {};
  const limitMiB = Math.min(1024, Math.floor(availableMemory() / 2 / concurrency / 2 ** 20));
  return { GOGC: 'off', GOMEMLIMIT: `${limitMiB}MiB` };
}

/** The machine's memory, or the container's limit when one is set (a CI job's cgroup). */
export function availableMemory(): number {
  // 0 or undefined when there is no limit (Node 20 and 22 differ); a limit may exceed the machine.
  const limit = process.constrainedMemory?.();
  return limit ? Math.min(limit, totalmem()) : totalmem();
}

const callKey = (args: readonly string[], options: HelmRunOptions) => JSON.stringify([options.cwd ?? '', ...args]);

export interface HelmRunOptions {
  cwd?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra environment (e.g. KUBECONFIG is never used: callers pass --kubeconfig). */
  env?: Record<string, string>;
  /** Ahead of the calls waiting for a process slot: its output is more work for this process. */
  first?: boolean;
}

/**
 * Runs helm through the process runner with an argument array and one private helm home per run
 * (config, cache, data, registry logins, plugins), so chartwright never reads or changes the
 * user's repositories, logins or plugins. The static stages and the install stage share it.
 */
export class HelmRunner {
  private home: string | undefined;
  private readonly limiter: Limiter;
  /** See staticCallGc. */
  private readonly gc: Record<string, string>;
  /** Calls started ahead of being asked for, by directory and arguments. */
  private readonly prefetched = new Map<string, { result: Promise<HelmResult>; stop: AbortController }>();

  /**
   * `concurrency` bounds the helm processes alive at once: by default one more than the CPUs,
   * since this thread's own checks of helm's output would otherwise leave a CPU idle between calls.
   */
  constructor(
    readonly helm: Helm,
    private readonly runner: ProcessRunner = spawnRunner,
    concurrency = availableParallelism() + 1,
  ) {
    this.limiter = new Limiter(concurrency);
    this.gc = staticCallGc(concurrency);
  }

  /** The environment that points helm at the private home. */
  get env(): Record<string, string> {
    const home = this.privateHome();
    return {
      NO_COLOR: '1',
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_DATA_HOME: join(home, 'data'),
      HELM_REGISTRY_CONFIG: join(home, 'config', 'registry.json'),
      HELM_REPOSITORY_CONFIG: join(home, 'config', 'repositories.yaml'),
      HELM_REPOSITORY_CACHE: join(home, 'cache', 'repository'),
      HELM_PLUGINS: join(home, 'data', 'plugins'),
    };
  }

  /** The directory holding the private home, for messages that must not name it. */
  get homeDir(): string | undefined {
    return this.home;
  }

  /** Static calls (lint, template, pull) share the CPU bound (cluster calls go through ClusterCommands). */
  run(args: readonly string[], options: HelmRunOptions = {}): Promise<HelmResult> {
    const key = callKey(args, options);
    const started = this.prefetched.get(key);
    if (started) {
      // The same call, started earlier (see prefetch): taken once, stopped with the caller's signal.
      this.prefetched.delete(key);
      const { signal } = options;
      if (signal?.aborted) started.stop.abort();
      if (!signal || signal.aborted) return started.result;
      const stop = () => started.stop.abort();
      signal.addEventListener('abort', stop, { once: true });
      // The caller's signal outlives this call (a whole run's): let go of the call once it ends.
      return started.result.finally(() => signal.removeEventListener('abort', stop));
    }
    return this.start(args, options);
  }

  /**
   * Starts a call now whose result the next `run` with the same arguments and directory takes
   * (`new` starts its checks' calls as soon as the chart is written). One never taken is stopped
   * by dispose.
   */
  prefetch(args: readonly string[], options: Omit<HelmRunOptions, 'signal'> = {}): void {
    const key = callKey(args, options);
    if (this.prefetched.has(key)) return;
    const stop = new AbortController();
    this.prefetched.set(key, { result: this.start(args, { ...options, signal: stop.signal }), stop });
  }

  private start(args: readonly string[], options: HelmRunOptions): Promise<HelmResult> {
    const call = (release: () => void) =>
      this.runner({
        command: this.helm.path,
        args,
        ...(options.cwd ? { cwd: options.cwd } : {}),
        env: { ...this.env, ...this.gc, ...options.env },
        timeoutMs: options.timeoutMs ?? DEFAULT_HELM_TIMEOUT_MS,
        ...(options.signal ? { signal: options.signal } : {}),
        onExit: release,
      });
    return this.limiter.run(call, { first: options.first === true });
  }

  /** A new directory inside the private home, removed with it (on exit and on Ctrl-C). */
  scratchDir(prefix: string): string {
    return mkdtempSync(join(this.privateHome(), prefix));
  }

  /**
   * Until the returned function is called, an interrupt stops every process the runner started
   * (each runs in its own process group, so it would outlive chartwright) and removes the home.
   */
  stopOnInterrupt(guard: SignalGuard): () => void {
    return guard.register(
      'helm processes',
      () => {
        stopAllProcesses('SIGKILL');
        this.dispose();
      },
      { phase: CleanupPhase.undo },
    );
  }

  /** Removes the private helm home. Synchronous so exit and signal paths can call it. */
  dispose(): void {
    for (const { stop } of this.prefetched.values()) stop.abort();
    this.prefetched.clear();
    const home = this.home;
    this.home = undefined;
    if (home) rmSync(home, { recursive: true, force: true });
  }

  private privateHome(): string {
    this.home ??= mkdtempSync(join(tmpdir(), 'chartwright-helm-'));
    return this.home;
  }
}
