import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import semver from 'semver';
import { ToolError } from '../errors.js';
import { locateTool } from './locate.js';

export const MIN_HELM_VERSION = '3.17.0';

export interface Helm {
  path: string;
  version: string;
  major: 3 | 4;
  /** Where the binary was found, for messages: flag, HELM_BIN, PATH or provisioned copy. */
  source: string;
}

export interface HelmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const INSTALL_HINT = 'install Helm 3.17+ or 4.x (https://helm.sh/docs/intro/install/), or pass --helm PATH or set HELM_BIN';

/** The helm binary to use: --helm, then HELM_BIN, then PATH, then the copy `npm run provision` made. */
export function locateHelm(explicit?: string): { path: string; source: string } {
  const found = locateTool({ name: 'helm', flag: '--helm', explicit, envVar: 'HELM_BIN', provisioned: '.tools/helm-v4/helm' });
  if (!found) throw new ToolError(`helm was not found: ${INSTALL_HINT}`);
  return found;
}

/**
 * Runs a binary with an argument array (never a shell); a non-zero exit is a result, not a throw.
 * node:child_process rather than execa: this runs a dozen times per chart, and execa's module
 * graph was a measurable part of `chartwright test`'s own time.
 */
function runFile(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env: Record<string, string>; timeoutMs: number },
): Promise<HelmResult & { spawnError?: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: options.timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const failure = error as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
        const exitCode = !failure ? 0 : typeof failure.code === 'number' ? failure.code : 1;
        const spawnError = typeof failure?.code === 'string' ? failure.code : undefined;
        const timedOut = failure?.killed ? `\nkilled after ${options.timeoutMs} ms` : '';
        resolve({ exitCode, stdout, stderr: `${stderr}${spawnError ? `${spawnError}: ${file}` : ''}${timedOut}`, ...(spawnError ? { spawnError } : {}) });
      },
    );
  });
}

/** Finds helm and checks its version once; every later call uses flags that version has. */
export async function detectHelm(explicit?: string): Promise<Helm> {
  const { path, source } = locateHelm(explicit);
  const result = await runFile(path, ['version', '--template', '{{.Version}}'], { env: { NO_COLOR: '1' }, timeoutMs: 30_000 });
  if (result.exitCode !== 0) {
    const reason = result.spawnError === 'ENOENT' ? 'no such file' : (result.stderr.trim().split('\n')[0] ?? `exit ${result.exitCode}`);
    throw new ToolError(`helm from ${source} (${path}) is not usable: ${reason}; ${INSTALL_HINT}`);
  }
  const output = result.stdout.trim();
  const version = semver.coerce(output)?.version;
  if (!version) throw new ToolError(`could not read the version of helm at ${path} (printed ${JSON.stringify(output)})`);
  if (semver.lt(version, MIN_HELM_VERSION) || semver.major(version) > 4) {
    throw new ToolError(`helm ${version} at ${path} is not supported; chartwright needs 3.17+ or 4.x: ${INSTALL_HINT}`);
  }
  return { path, version, major: semver.major(version) === 3 ? 3 : 4, source };
}

/**
 * Runs helm with an argument array and its own config, cache and data directories, so it never
 * reads or changes the user's repositories, registry logins or plugins.
 */
export class HelmRunner {
  private home: Promise<string> | undefined;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  /** `concurrency` bounds the helm processes this runner has alive at once. */
  constructor(
    readonly helm: Helm,
    private readonly concurrency = availableParallelism(),
  ) {}

  async run(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<HelmResult> {
    await this.acquire();
    try {
      return await this.spawn(args, options);
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  private async spawn(args: readonly string[], options: { cwd?: string; timeoutMs?: number }): Promise<HelmResult> {
    const home = await this.isolatedHome();
    return runFile(this.helm.path, args, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      timeoutMs: options.timeoutMs ?? 300_000,
      env: {
        NO_COLOR: '1',
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_DATA_HOME: join(home, 'data'),
        HELM_REGISTRY_CONFIG: join(home, 'registry.json'),
        HELM_REPOSITORY_CONFIG: join(home, 'repositories.yaml'),
        HELM_REPOSITORY_CACHE: join(home, 'cache', 'repository'),
        HELM_PLUGINS: join(home, 'plugins'),
      },
    });
  }

  /** Removes the private helm home. */
  async dispose(): Promise<void> {
    const home = this.home;
    this.home = undefined;
    if (home) await rm(await home, { recursive: true, force: true });
  }

  // One promise, so concurrent first calls share a single directory.
  private isolatedHome(): Promise<string> {
    this.home ??= mkdtemp(join(tmpdir(), 'chartwright-helm-'));
    return this.home;
  }
}
