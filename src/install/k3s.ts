/** A running K3s cluster in a container. */
export interface K3sHandle {
  /** Kubeconfig pointing at the container's mapped API port on this machine. */
  kubeconfig: string;
  containerId: string;
  stop: () => Promise<void>;
}

export type StartK3s = (image: string, options: { keep: boolean }) => Promise<K3sHandle>;

/** The optional K3s dependency is not installed. */
export class K3sUnavailable extends Error {
  override readonly name = 'K3sUnavailable';
}

interface K3sModule {
  K3sContainer: new (image: string) => {
    start(): Promise<{ getKubeConfig(): string; getId(): string; stop(): Promise<unknown> }>;
  };
}

// A variable specifier keeps tsc and the CLI's start-up from loading (or needing) the package:
// it is an optionalDependency used only by `--cluster k3s`.
const K3S_MODULE = '@testcontainers/k3s';

/**
 * Starts K3s through testcontainers. Its reaper container removes the K3s container when this
 * process dies, even by SIGKILL; --keep turns the reaper off so the cluster outlives the run.
 */
export const startK3sContainer: StartK3s = async (image, { keep }) => {
  // Read by testcontainers when it first starts the reaper, so it must be set before the import.
  if (keep) process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  let module: K3sModule;
  try {
    module = (await import(K3S_MODULE)) as K3sModule;
  } catch (error) {
    throw new K3sUnavailable(
      `the k3s provider needs the optional dependency ${K3S_MODULE}, which is not installed (${(error as Error).message.split('\n')[0]}); ` +
        `install it with \`npm install ${K3S_MODULE}\`, or use --cluster kind or context`,
    );
  }
  const container = await new module.K3sContainer(image).start();
  return {
    kubeconfig: container.getKubeConfig(),
    containerId: container.getId(),
    stop: async () => {
      await container.stop();
    },
  };
};
