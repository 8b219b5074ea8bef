import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';

/** `auto`: kind when Docker and kind work, else kwok when its binaries are found. */
export type ClusterChoice = 'auto' | 'kind' | 'k3s' | 'kwok' | 'context';
export type ClusterProviderName = Exclude<ClusterChoice, 'auto'>;

/** Every option of the install stage, after validation (see resolveInstallOptions). */
export interface InstallOptions {
  cluster: ClusterChoice;
  /** kind config file for a cluster chartwright creates. */
  kindConfig: string;
  /** kind cluster name; default `chartwright` with --reuse, else `chartwright-<run id>`. */
  clusterName?: string;
  /** Use a running kind cluster of that name (created if absent). */
  reuse: boolean;
  /** Leave a cluster chartwright created running. */
  keepCluster: boolean;
  kubeContext?: string;
  /** Kubeconfig to read the context from (read only; never written). */
  kubeconfig?: string;
  loadImage: string[];
  /** REPO:TAG set as image.repository and image.tag. */
  imageOverride?: string;
  upgradeFrom?: string;
  /** Go duration for every helm and kubectl wait, e.g. 5m. */
  timeout: string;
  keep: boolean;
  dryRun: boolean;
  /** Releases tested at once on the cluster. */
  installConcurrency: number;
  k3sImage: string;
  /** kubectl binary; default $KUBECTL_BIN, PATH, then the provisioned copy. */
  kubectl?: string;
  /** kwokctl binary; default $KWOKCTL_BIN, PATH, then the provisioned copy. */
  kwokctl?: string;
  /** Directory holding kube-apiserver, kube-controller-manager, kube-scheduler, etcd and kwok. */
  kwokBinaries?: string;
  /** Manifests applied to a cluster chartwright creates before any release (operators' CRDs). */
  apply: string[];
}

/** One CLI option, declared so the command line can be built from it (commander: `${name} ${argument}`). */
export interface InstallFlag {
  name: string;
  /** `<value>`; absent for a boolean switch. */
  argument?: string;
  /** Property of InstallOptions it sets (commander's camel-cased name for `name`). */
  key: keyof InstallOptions;
  description: string;
  default?: string | number | boolean | string[];
  choices?: readonly string[];
  /** Each use appends to a list (commander: a collector `(value, list) => [...list, value]`). */
  repeatable?: boolean;
}

export const DEFAULT_KIND_CONFIG = join(PACKAGE_ROOT, 'kind-config.yaml');
/** K3s 1.35, like kind-config.yaml's node image and the kwok toolchain. */
export const DEFAULT_K3S_IMAGE = 'rancher/k3s:v1.35.5-k3s1';
export const DEFAULT_TIMEOUT = '5m';
export const DEFAULT_INSTALL_CONCURRENCY = 3;
export const CLUSTER_CHOICES: readonly ClusterChoice[] = ['auto', 'kind', 'k3s', 'kwok', 'context'];

export const INSTALL_FLAGS: readonly InstallFlag[] = [
  {
    name: '--cluster',
    argument: '<provider>',
    key: 'cluster',
    choices: CLUSTER_CHOICES,
    default: 'auto',
    description:
      'cluster for the install stage (implies --install): kind (created from --kind-config), k3s (a throwaway K3s container), kwok (a real API server with simulated nodes, no container runtime), context (an existing cluster); auto: kind when Docker and kind work, else kwok',
  },
  { name: '--kind-config', argument: '<file>', key: 'kindConfig', default: DEFAULT_KIND_CONFIG, description: "kind config for a cluster chartwright creates (default: chartwright's kind-config.yaml, Kubernetes 1.35 pinned by digest)" },
  { name: '--cluster-name', argument: '<name>', key: 'clusterName', description: 'kind cluster name (default: chartwright with --reuse, else chartwright-<run id>)' },
  { name: '--reuse', key: 'reuse', default: false, description: 'use the running kind cluster --cluster-name (created if absent); a cluster chartwright did not create is never deleted' },
  { name: '--keep-cluster', key: 'keepCluster', default: false, description: 'leave a cluster chartwright created running (releases and namespaces are still removed)' },
  { name: '--kube-context', argument: '<name>', key: 'kubeContext', description: 'with --cluster context: the context to use (default: the current one); your kubeconfig is only read' },
  { name: '--kubeconfig', argument: '<file>', key: 'kubeconfig', description: 'with --cluster context: kubeconfig to read (default: $KUBECONFIG or ~/.kube/config)' },
  { name: '--load-image', argument: '<image>', key: 'loadImage', repeatable: true, default: [], description: 'load a local image into the kind or k3s cluster before installing (repeatable)' },
  { name: '--image-override', argument: '<repo:tag>', key: 'imageOverride', description: "install with image.repository and image.tag set to this image (a stand-in for the chart's own, unpublished image)" },
  { name: '--upgrade-from', argument: '<chart-ref>', key: 'upgradeFrom', description: 'install this chart (directory, .tgz or oci:// reference) first, then upgrade to the chart under test' },
  { name: '--timeout', argument: '<duration>', key: 'timeout', default: DEFAULT_TIMEOUT, description: 'limit for each helm and kubectl wait (Go duration: 90s, 5m, 1h)' },
  { name: '--install-concurrency', argument: '<n>', key: 'installConcurrency', default: DEFAULT_INSTALL_CONCURRENCY, description: 'releases installed on the cluster at once' },
  { name: '--k3s-image', argument: '<image>', key: 'k3sImage', default: DEFAULT_K3S_IMAGE, description: 'K3s image for --cluster k3s' },
  { name: '--kubectl', argument: '<path>', key: 'kubectl', description: 'kubectl binary (default: $KUBECTL_BIN, then PATH, then the copy `npm run provision` made)' },
  { name: '--kwokctl', argument: '<path>', key: 'kwokctl', description: 'kwokctl binary for --cluster kwok (default: $KWOKCTL_BIN, then PATH, then the copy `npm run provision` made)' },
  {
    name: '--kwok-binaries',
    argument: '<dir>',
    key: 'kwokBinaries',
    description: "directory holding kube-apiserver, kube-controller-manager, kube-scheduler, etcd and kwok for --cluster kwok (default: kwok's KWOK_*_BINARY variables, then PATH, then the provisioned copies)",
  },
  {
    name: '--apply',
    argument: '<file>',
    key: 'apply',
    repeatable: true,
    default: [],
    description: "manifests applied to a cluster chartwright creates before any release, e.g. the CRDs of an operator the chart expects (CloudNativePG's Cluster); repeatable",
  },
  { name: '--keep', key: 'keep', default: false, description: 'keep every release, namespace, cluster and temporary file for debugging, and print the commands that delete them' },
  { name: '--dry-run', key: 'dryRun', default: false, description: 'print every command of the install stage in order and run none (the stage is reported as planned, never passed)' },
];

const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a Go duration (helm and kubectl take the same syntax). */
export function durationMs(text: string, flag = '--timeout'): number {
  if (!GO_DURATION.test(text)) throw new UsageError(`invalid ${flag} ${JSON.stringify(text)}: must be a duration like 90s, 5m or 1h30m`);
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(amount) * (UNIT_MS[unit as string] as number);
  if (total <= 0) throw new UsageError(`invalid ${flag} ${JSON.stringify(text)}: must be longer than zero`);
  return Math.ceil(total);
}

/** REPO:TAG, where REPO may hold a registry port (host:5000/app:1.2). */
export function parseImageOverride(text: string): { repository: string; tag: string } {
  const slash = text.lastIndexOf('/');
  const colon = text.lastIndexOf(':');
  if (text.includes('@') || colon <= slash || colon === text.length - 1 || colon === 0) {
    throw new UsageError(`invalid --image-override ${JSON.stringify(text)}: must be REPOSITORY:TAG, e.g. docker.io/jmalloc/echo-server:0.3.1`);
  }
  return { repository: text.slice(0, colon), tag: text.slice(colon + 1) };
}

const KIND_NAME = /^[a-z0-9]([a-z0-9.-]{0,48}[a-z0-9])?$/;

const str = (value: unknown) => (value === undefined || value === null || value === '' ? undefined : String(value));

/**
 * Validates options as commander hands them over (keys as in INSTALL_FLAGS) and fills defaults.
 * Throws UsageError naming the flag.
 */
export function resolveInstallOptions(raw: Partial<Record<keyof InstallOptions, unknown>>): InstallOptions {
  const cluster = (str(raw.cluster) ?? 'auto') as ClusterChoice;
  if (!CLUSTER_CHOICES.includes(cluster)) throw new UsageError(`invalid --cluster ${JSON.stringify(raw.cluster)}: must be one of ${CLUSTER_CHOICES.join(', ')}`);
  const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : str(value) ? [String(value)] : []);
  const loadImage = list(raw.loadImage);
  const apply = list(raw.apply);
  const options: InstallOptions = {
    cluster,
    kindConfig: str(raw.kindConfig) ?? DEFAULT_KIND_CONFIG,
    reuse: Boolean(raw.reuse),
    keepCluster: Boolean(raw.keepCluster),
    loadImage,
    timeout: str(raw.timeout) ?? DEFAULT_TIMEOUT,
    keep: Boolean(raw.keep),
    dryRun: Boolean(raw.dryRun),
    installConcurrency: raw.installConcurrency === undefined ? DEFAULT_INSTALL_CONCURRENCY : Number(raw.installConcurrency),
    k3sImage: str(raw.k3sImage) ?? DEFAULT_K3S_IMAGE,
    apply,
  };
  for (const key of ['clusterName', 'kubeContext', 'kubeconfig', 'imageOverride', 'upgradeFrom', 'kubectl', 'kwokctl', 'kwokBinaries'] as const) {
    const value = str(raw[key]);
    if (value !== undefined) options[key] = value;
  }
  durationMs(options.timeout);
  if (options.imageOverride) parseImageOverride(options.imageOverride);
  if (!Number.isInteger(options.installConcurrency) || options.installConcurrency < 1) {
    throw new UsageError(`invalid --install-concurrency ${JSON.stringify(raw.installConcurrency)}: must be a whole number of at least 1`);
  }
  if (options.clusterName !== undefined && !KIND_NAME.test(options.clusterName)) {
    throw new UsageError(`invalid --cluster-name ${JSON.stringify(options.clusterName)}: lower-case letters, digits, '.' and '-', at most 50 characters`);
  }
  const kindOnly = cluster !== 'kind' && cluster !== 'auto';
  if (kindOnly && (options.reuse || options.clusterName !== undefined)) throw new UsageError('--reuse and --cluster-name apply to --cluster kind only');
  if (cluster !== 'context' && (options.kubeContext !== undefined || options.kubeconfig !== undefined)) {
    throw new UsageError('--kube-context and --kubeconfig apply to --cluster context only');
  }
  if ((cluster === 'context' || cluster === 'kwok') && options.loadImage.length > 0) {
    throw new UsageError(
      cluster === 'kwok'
        ? '--load-image does not apply to --cluster kwok: its nodes are simulated and never pull or run an image'
        : '--load-image needs a cluster chartwright runs (--cluster kind or k3s); for an existing cluster push the image to a registry it can pull from',
    );
  }
  if (cluster === 'context' && options.keepCluster) throw new UsageError('--keep-cluster applies to clusters chartwright creates (--cluster kind, k3s or kwok)');
  if ((options.kwokctl !== undefined || options.kwokBinaries !== undefined) && cluster !== 'kwok' && cluster !== 'auto') {
    throw new UsageError('--kwokctl and --kwok-binaries apply to --cluster kwok only');
  }
  if (cluster === 'context' && apply.length > 0) {
    throw new UsageError('--apply changes the cluster for good: on an existing cluster (--cluster context) install what the chart needs yourself');
  }
  for (const file of apply) if (!existsSync(file)) throw new UsageError(`invalid --apply ${JSON.stringify(file)}: no such file`);
  // A file named explicitly must exist: a typo is bad input, not a missing cluster.
  for (const [flag, file] of [
    ['--kubeconfig', options.kubeconfig],
    ['--kind-config', raw.kindConfig === undefined ? undefined : options.kindConfig],
    ['--kwokctl', options.kwokctl],
    ['--kwok-binaries', options.kwokBinaries],
    ['--kubectl', options.kubectl],
  ] as const) {
    if (file !== undefined && !existsSync(file)) throw new UsageError(`invalid ${flag} ${JSON.stringify(file)}: no such file or directory`);
  }
  return options;
}
