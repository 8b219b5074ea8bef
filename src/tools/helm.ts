import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
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

/** Finds helm and checks its version once; every later call uses flags that version has. */
export async function detectHelm(explicit?: string): Promise<Helm> {
  const { path, source } = locateHelm(explicit);
  let output: string;
  try {
    const result = await execa(path, ['version', '--template', '{{.Version}}'], { env: { NO_COLOR: '1' }, timeout: 30_000 });
    output = result.stdout.trim();
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ENOENT' ? 'no such file' : (error as Error).message.split('\n')[0];
    throw new ToolError(`helm from ${source} (${path}) is not usable: ${reason}; ${INSTALL_HINT}`);
  }
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
    const result = await execa(this.helm.path, args, {
      cwd: options.cwd,
      reject: false,
      timeout: options.timeoutMs ?? 300_000,
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
    return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
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
