import { createRequire } from 'node:module';
import { join } from 'node:path';
import { formatCommand, spawnRunner } from '../../process/runner.js';
import { why } from '../commands.js';
import { runtimeReason } from './kind.js';
import { type ClusterProvider, type ProviderContext, ProviderError } from './provider.js';

/** A running K3s cluster in a container. */
export interface K3sHandle {
  /** Kubeconfig pointing at the container's mapped API port on this machine. */
  kubeconfig: string;
  containerId: string;
  stop: () => Promise<void>;
}

export type StartK3s = (image: string, options: { keep: boolean }) => Promise<K3sHandle>;

interface K3sModule {
  K3sContainer: new (image: string) => {
    start(): Promise<{ getKubeConfig(): string; getId(): string; stop(): Promise<unknown> }>;
  };
}

// Not a dependency of chartwright: its 160 packages (and a native build) serve --cluster k3s only.
const K3S_MODULE = '@testcontainers/k3s';

/**
 * @testcontainers/k3s from chartwright's own node_modules, the project's, or npm's global root.
 * Loaded with require (it is CommonJS; Node 20.19+ requires ES modules too) rather than import():
 * the bundle runs as a vm script with a code cache, where a dynamic import has no loader.
 */
async function loadK3sModule(): Promise<K3sModule> {
  const attempts: string[] = [];
  try {
    return createRequire(import.meta.url)(K3S_MODULE) as K3sModule;
  } catch (error) {
    attempts.push((error as Error).message.split('\n')[0] ?? '');
  }
  const roots = [process.cwd()];
  const npmRoot = await spawnRunner({ command: 'npm', args: ['root', '--global'], timeoutMs: 30_000 });
  if (npmRoot.exitCode === 0 && npmRoot.stdout.trim()) roots.push(npmRoot.stdout.trim().replace(/\/node_modules$/, ''));
  for (const root of roots) {
    try {
      return createRequire(join(root, 'node_modules', 'package.json'))(K3S_MODULE) as K3sModule;
    } catch {
      // next root
    }
  }
  throw new ProviderError(
    `--cluster k3s needs the package ${K3S_MODULE}, which is not installed (${attempts[0]}); ` +
      `install it next to chartwright (\`npm install --global ${K3S_MODULE}\`, or \`npm install --save-dev ${K3S_MODULE}\` in your project), or use --cluster kind, kwok or context`,
  );
}

/**
 * Starts K3s through testcontainers. Its reaper container removes the K3s container when this
 * process dies, even by SIGKILL; --keep turns the reaper off so the cluster outlives the run.
 */
export const startK3sContainer: StartK3s = async (image, { keep }) => {
  // Read by testcontainers when it first starts the reaper, so it must be set before the import.
  if (keep) process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  const module = await loadK3sModule();
  const container = await new module.K3sContainer(image).start();
  return {
    kubeconfig: container.getKubeConfig(),
    containerId: container.getId(),
    stop: async () => {
      await container.stop();
    },
  };
};

/** Docker's short form of a 64-digit container ID. */
const shortId = (id: string) => (/^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id);

/** A throwaway K3s container (testcontainers), for machines with Docker but no kind. */
export class K3sProvider implements ClusterProvider {
  readonly name = 'k3s' as const;
  readonly cannotVerify: readonly string[] = [];
  readonly hasLogs = true;
  readonly pullsImages = true;
  created = false;
  private handle: K3sHandle | undefined;

  constructor(
    private readonly context: ProviderContext,
    private readonly start: StartK3s = startK3sContainer,
  ) {}

  async preflight(): Promise<string | undefined> {
    return runtimeReason(this.context, 'docker');
  }

  async create(): Promise<void> {
    const { commands, options } = this.context;
    if (commands.dryRun) {
      commands.note(`start ${options.k3sImage} through testcontainers (a privileged container its reaper removes even if chartwright is killed); its kubeconfig goes to ${this.context.kubeconfig}`);
      return;
    }
    try {
      this.handle = await this.start(options.k3sImage, { keep: options.keep || options.keepCluster });
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      throw new ProviderError(`could not start K3s (${options.k3sImage}): ${error instanceof Error ? error.message : String(error)}`);
    }
    this.created = true;
    for (const [index, image] of options.loadImage.entries()) {
      // K3s has no `kind load`: export the image and import it into the node's containerd.
      const archive = join(this.context.workDir, `image-${index + 1}.tar`);
      const inside = `/tmp/chartwright-image-${index + 1}.tar`;
      const limit = 2 * this.context.timeoutMs;
      for (const [command, args] of [
        ['docker', ['save', '--output', archive, image]],
        ['docker', ['cp', archive, `${this.handle.containerId}:${inside}`]],
        ['docker', ['exec', this.handle.containerId, 'ctr', '--namespace', 'k8s.io', 'images', 'import', inside]],
      ] as const) {
        const result = await commands.run(command, [...args], limit);
        if (result.exitCode !== 0) throw new ProviderError(`could not load image ${image} into K3s: ${formatCommand(command, args)} failed: ${why(result)}`);
      }
    }
  }

  async kubeconfig(): Promise<void> {
    if (this.handle) await this.context.writeKubeconfig(this.handle.kubeconfig);
  }

  describe(): string {
    return `K3s container ${this.handle ? shortId(this.handle.containerId) : ''} (${this.context.options.k3sImage})`.replace('  ', ' ');
  }

  deleteCommand(): string | undefined {
    return this.handle ? formatCommand('docker', ['rm', '--force', '--volumes', this.handle.containerId]) : undefined;
  }

  async delete(): Promise<string | undefined> {
    if (!this.handle) return undefined;
    await this.handle.stop();
    return undefined;
  }
}
