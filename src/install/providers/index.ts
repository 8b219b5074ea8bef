import { ToolError, UsageError } from '../../errors.js';
import type { InstallOptions } from '../options.js';
import { ContextProvider } from './context.js';
import { K3sProvider, type StartK3s } from './k3s.js';
import { KindProvider } from './kind.js';
import { KwokProvider } from './kwok.js';
import type { ClusterProvider, ProviderContext } from './provider.js';

export type { ClusterProvider, ProviderContext } from './provider.js';
export { ProviderError } from './provider.js';

function providerFor(name: Exclude<InstallOptions['cluster'], 'auto'>, context: ProviderContext, startK3s?: StartK3s): ClusterProvider {
  switch (name) {
    case 'kind':
      return new KindProvider(context);
    case 'k3s':
      return new K3sProvider(context, startK3s);
    case 'kwok':
      return new KwokProvider(context);
    case 'context':
      return new ContextProvider(context);
  }
}

/**
 * The provider of this run, its preflight passed: `auto` takes kind when Docker and kind work,
 * else kwok when its binaries are found, else exit 2 naming what to install. A named provider that
 * cannot run here is a missing tool (exit 3); under --dry-run its plan is printed all the same.
 */
export async function pickProvider(context: ProviderContext, startK3s?: StartK3s): Promise<ClusterProvider> {
  const { options, commands } = context;
  if (options.cluster !== 'auto') {
    const provider = providerFor(options.cluster, context, startK3s);
    const reason = await provider.preflight();
    if (reason && options.dryRun) commands.note(`preflight: ${reason} (a real run stops here)`);
    else if (reason) throw new ToolError(`--cluster ${options.cluster}: ${reason}`);
    return provider;
  }
  const kind = providerFor('kind', context);
  const kindReason = await kind.preflight();
  if (!kindReason) return kind;
  const kwok = providerFor('kwok', context);
  const kwokReason = await kwok.preflight();
  if (!kwokReason) return kwok;
  throw new UsageError(
    `no cluster for the install stage: ${kindReason}; and ${kwokReason}. Install Docker and kind v0.31.0 for --cluster kind, ` +
      'or kwokctl with kube-apiserver, kube-controller-manager, kube-scheduler, etcd and kwok for --cluster kwok, or pass --cluster context to use an existing cluster',
  );
}
