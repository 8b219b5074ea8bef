import type { ClusterCommands } from '../commands.js';
import type { Manifest } from '../../verify/manifests.js';
import type { ClusterProviderName, InstallOptions } from '../options.js';

/** Everything a provider may use: the commands (private kubeconfig), its temp directory, the options. */
export interface ProviderContext {
  commands: ClusterCommands;
  options: InstallOptions;
  /** The session's private directory (kubeconfig, helm home, kwok work directory). */
  workDir: string;
  kubeconfig: string;
  runId: string;
  env: NodeJS.ProcessEnv;
  /** --timeout in milliseconds. */
  timeoutMs: number;
  /** Writes the private kubeconfig (mode 0600; nothing under --dry-run). */
  writeKubeconfig(content: string): Promise<void>;
}

/** Setup failed: the install stage fails for every release with this reason. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
}

/**
 * One kind of cluster. The session calls preflight, then create, then kubeconfig, then describe;
 * delete when it is done (unless the cluster is kept or was not made by chartwright).
 */
export interface ClusterProvider {
  readonly name: ClusterProviderName;
  /** Tools present and usable; the reason (naming what to install) when not. */
  preflight(): Promise<string | undefined>;
  /** Creates, reuses or connects to the cluster. Throws ProviderError. */
  create(): Promise<void>;
  /** Writes the private kubeconfig every later command uses. */
  kubeconfig(): Promise<void>;
  /** One line: which cluster, how it was made. */
  describe(): string;
  /** Removes what create made; a problem to report, or undefined. */
  delete(): Promise<string | undefined>;
  /** The command that deletes it by hand (for --keep and interrupted runs), if chartwright made it. */
  deleteCommand(): string | undefined;
  /** Whether chartwright made the cluster (only then is it deleted). */
  readonly created: boolean;
  /** What a release on this cluster cannot show (KWOK: image pull, container start, ...). */
  readonly cannotVerify: readonly string[];
  /** Containers produce logs (helm test --logs, kubectl logs). */
  readonly hasLogs: boolean;
  /** Pulls images: a placeholder or missing image fails a release here. */
  readonly pullsImages: boolean;
  /** Before a release is installed, with the objects it will create (KWOK: volumes for its claims). */
  prepareRelease?(manifests: readonly Manifest[], namespace: string): Promise<void>;
}
