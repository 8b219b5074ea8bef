import { parse as parseYaml } from 'yaml';
import { why } from '../commands.js';
import { type ClusterProvider, type ProviderContext, ProviderError } from './provider.js';

/**
 * An existing cluster: a flattened one-context copy of the user's kubeconfig is what every later
 * command uses, so the user's file and current context are never written. Only chartwright's own
 * namespaces are created and removed there.
 */
export class ContextProvider implements ClusterProvider {
  readonly name = 'context' as const;
  readonly cannotVerify: readonly string[] = [];
  readonly hasLogs = true;
  readonly pullsImages = true;
  readonly created = false;
  private contextName: string | undefined;

  constructor(private readonly context: ProviderContext) {}

  async preflight(): Promise<string | undefined> {
    return undefined;
  }

  async create(): Promise<void> {
    // Nothing to create: kubeconfig() connects.
  }

  async kubeconfig(): Promise<void> {
    const { commands, options } = this.context;
    const view = await commands.run(
      commands.kubectlPath,
      ['config', 'view', '--raw', '--minify', '--flatten', ...(options.kubeContext ? ['--context', options.kubeContext] : []), ...(options.kubeconfig ? ['--kubeconfig', options.kubeconfig] : [])],
      60_000,
    );
    const source = `${options.kubeContext ? `context ${options.kubeContext}` : 'the current context'} of ${options.kubeconfig ?? '$KUBECONFIG or ~/.kube/config'}`;
    if (view.exitCode !== 0) throw new ProviderError(`cannot read ${source}: ${why(view)}`);
    commands.note(`write its output to ${this.context.kubeconfig} (mode 0600)`);
    await this.context.writeKubeconfig(view.stdout);
    this.contextName = options.kubeContext;
    try {
      this.contextName ??= String((parseYaml(view.stdout) as { 'current-context'?: unknown } | null)?.['current-context'] ?? '') || undefined;
    } catch {
      // The name is only for messages.
    }
  }

  describe(): string {
    return `context ${this.contextName ?? '(current)'} (an existing cluster; only chartwright's namespaces are touched)`;
  }

  deleteCommand(): string | undefined {
    return undefined;
  }

  async delete(): Promise<string | undefined> {
    return undefined;
  }
}
