import { existsSync } from 'node:fs';
import { formatCommand } from '../../process/runner.js';
import { why } from '../commands.js';
import { type ClusterProvider, type ProviderContext, ProviderError } from './provider.js';

const KIND_RUNTIMES = new Set(['docker', 'podman', 'nerdctl', 'finch']);
const QUICK_MS = 60_000;

/** The container runtime kind will use: KIND_EXPERIMENTAL_PROVIDER when it names one, else docker. */
export function kindRuntime(env: NodeJS.ProcessEnv): string {
  const forced = env.KIND_EXPERIMENTAL_PROVIDER ?? '';
  return KIND_RUNTIMES.has(forced) ? forced : 'docker';
}

/**
 * A container runtime that answers. `<runtime> info` with no format: its exit status is the
 * answer, whichever runtime (a Go template field such as ServerVersion exists in docker only).
 */
export async function runtimeReason(context: ProviderContext, runtime: string): Promise<string | undefined> {
  const info = await context.commands.probe(runtime, ['info'], QUICK_MS);
  if (info.notFound) return `no container runtime: ${runtime} is not installed`;
  if (info.exitCode !== 0) return `no container runtime: \`${runtime} info\` failed: ${why(info)}`;
  return undefined;
}

/** A kind cluster created from --kind-config (or reused with --reuse), with a private kubeconfig. */
export class KindProvider implements ClusterProvider {
  readonly name = 'kind' as const;
  readonly cannotVerify: readonly string[] = [];
  readonly hasLogs = true;
  readonly pullsImages = true;
  created = false;
  private readonly kind: string;
  private readonly clusterName: string;
  private reused = false;

  constructor(private readonly context: ProviderContext) {
    this.kind = context.env.KIND_BIN || 'kind';
    const { options, runId } = context;
    this.clusterName = options.clusterName ?? (options.reuse ? 'chartwright' : `chartwright-${runId}`);
  }

  async preflight(): Promise<string | undefined> {
    const runtime = await runtimeReason(this.context, kindRuntime(this.context.env));
    if (runtime) return runtime;
    const kind = await this.context.commands.probe(this.kind, ['version'], QUICK_MS);
    if (kind.notFound) return `no kind binary: \`${this.kind}\` is not on PATH (install kind v0.31.0, or set KIND_BIN)`;
    if (kind.exitCode !== 0) return `kind is not usable: \`${this.kind} version\` failed: ${why(kind)}`;
    return undefined;
  }

  async create(): Promise<void> {
    const { commands, options, kubeconfig, timeoutMs } = this.context;
    if (options.reuse) {
      const list = await commands.run(this.kind, ['get', 'clusters'], QUICK_MS);
      if (list.exitCode !== 0) throw new ProviderError(`kind get clusters failed: ${why(list)}`);
      commands.note(`if ${this.clusterName} is listed, reuse it (its kubeconfig goes to ${kubeconfig}); otherwise create it:`);
      if (list.stdout.split('\n').map((line) => line.trim()).includes(this.clusterName)) {
        this.reused = true;
        return;
      }
    }
    if (!commands.dryRun && !existsSync(options.kindConfig)) throw new ProviderError(`kind config ${options.kindConfig} not found (--kind-config)`);
    // Marked created before the command: a half-made cluster is still removed.
    this.created = true;
    const result = await commands.run(
      this.kind,
      ['create', 'cluster', '--name', this.clusterName, '--config', options.kindConfig, '--kubeconfig', kubeconfig, '--wait', options.timeout],
      Math.max(10 * QUICK_MS, 2 * timeoutMs),
    );
    if (result.exitCode !== 0) {
      if (/already exist/i.test(`${result.stderr}${result.stdout}`)) {
        this.created = false; // not ours: never delete a cluster someone else made
        throw new ProviderError(`a kind cluster named ${this.clusterName} already exists and this run did not create it; pass --reuse to use it, or choose another --cluster-name`);
      }
      throw new ProviderError(`kind create cluster --name ${this.clusterName} failed: ${why(result)}`);
    }
    for (const image of options.loadImage) {
      const loaded = await commands.run(this.kind, ['load', 'docker-image', image, '--name', this.clusterName], 2 * timeoutMs);
      if (loaded.exitCode !== 0) throw new ProviderError(`could not load image ${image} into kind cluster ${this.clusterName}: ${why(loaded)}`);
    }
  }

  async kubeconfig(): Promise<void> {
    // kind create wrote it already; a reused cluster's comes from kind.
    if (!this.reused) return;
    const config = await this.context.commands.run(this.kind, ['get', 'kubeconfig', '--name', this.clusterName], QUICK_MS);
    if (config.exitCode !== 0) throw new ProviderError(`kind get kubeconfig --name ${this.clusterName} failed: ${why(config)}`);
    await this.context.writeKubeconfig(config.stdout);
  }

  describe(): string {
    return `kind cluster ${this.clusterName} (${this.reused ? 'reused, not deleted' : this.context.options.keepCluster ? 'created, kept' : 'created'})`;
  }

  deleteCommand(): string | undefined {
    // --kubeconfig: kind would otherwise edit the user's kubeconfig to drop the context.
    return this.created ? formatCommand(this.kind, ['delete', 'cluster', '--name', this.clusterName, '--kubeconfig', this.context.kubeconfig]) : undefined;
  }

  async delete(): Promise<string | undefined> {
    if (!this.created) return undefined;
    const result = await this.context.commands.run(this.kind, ['delete', 'cluster', '--name', this.clusterName, '--kubeconfig', this.context.kubeconfig], 5 * QUICK_MS, { uninterruptible: true });
    return result.exitCode === 0 ? undefined : why(result);
  }
}
