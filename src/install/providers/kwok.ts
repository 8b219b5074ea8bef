import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { formatCommand } from '../../process/runner.js';
import { isExecutable, locateTool } from '../../tools/locate.js';
import type { Manifest } from '../../verify/manifests.js';
import { why } from '../commands.js';
import { kwokConfigYaml } from './kwokStages.js';
import { type ClusterProvider, type ProviderContext, ProviderError } from './provider.js';

/** The processes kwokctl's binary runtime runs, with kwok's own variable and flag for each. */
const COMPONENTS = [
  { name: 'kube-apiserver', env: 'KWOK_KUBE_APISERVER_BINARY', flag: '--kube-apiserver-binary' },
  { name: 'kube-controller-manager', env: 'KWOK_KUBE_CONTROLLER_MANAGER_BINARY', flag: '--kube-controller-manager-binary' },
  { name: 'kube-scheduler', env: 'KWOK_KUBE_SCHEDULER_BINARY', flag: '--kube-scheduler-binary' },
  { name: 'etcd', env: 'KWOK_ETCD_BINARY', flag: '--etcd-binary' },
  { name: 'kwok', env: 'KWOK_CONTROLLER_BINARY', flag: '--kwok-controller-binary' },
] as const;

const QUICK_MS = 60_000;
const INSTALL_HINT = 'run `npm run provision` in a clone of chartwright (it builds them with Go), or install kwokctl and the Kubernetes binaries and pass --kwokctl and --kwok-binaries';

export interface KwokBinaries {
  kwokctl: string;
  components: Record<(typeof COMPONENTS)[number]['name'], string>;
}

/**
 * kwokctl and the component binaries: --kwokctl / --kwok-binaries, then kwok's own variables
 * (KWOKCTL_BIN, KWOK_*_BINARY), then PATH, then the copies `npm run provision` built. Local files
 * only: with every binary given, kwokctl downloads nothing.
 */
export function locateKwok(options: { kwokctl?: string; kwokBinaries?: string }, env: NodeJS.ProcessEnv): { found?: KwokBinaries; missing: string[] } {
  const missing: string[] = [];
  const kwokctl = locateTool({ name: 'kwokctl', flag: '--kwokctl', explicit: options.kwokctl, envVar: 'KWOKCTL_BIN', provisionedRole: 'kwokctl', env });
  if (!kwokctl || !isExecutable(kwokctl.path)) missing.push('kwokctl');
  const components = {} as KwokBinaries['components'];
  for (const component of COMPONENTS) {
    const fromDir = options.kwokBinaries ? join(options.kwokBinaries, component.name) : undefined;
    const located = fromDir
      ? { path: fromDir }
      : locateTool({ name: component.name, flag: '--kwok-binaries', explicit: undefined, envVar: component.env, provisionedRole: component.name, env });
    if (!located || !isExecutable(located.path)) missing.push(component.name);
    else components[component.name] = located.path;
  }
  if (missing.length || !kwokctl) return { missing };
  return { found: { kwokctl: kwokctl.path, components }, missing };
}

/**
 * A throwaway cluster on a real kube-apiserver (with etcd, controller manager and scheduler) whose
 * nodes kwok simulates: API validation, admission, controllers, scheduling and helm's whole release
 * lifecycle are real; nothing runs in a container. Creation takes seconds.
 */
export class KwokProvider implements ClusterProvider {
  readonly name = 'kwok' as const;
  readonly cannotVerify: readonly string[] = [
    'image pull: no image is pulled, so a missing or placeholder image passes here',
    'container start and the runtime security context against the image',
    'liveness, readiness and startup probes (pods are made Ready by the simulator)',
    'Service traffic, DNS and NetworkPolicy enforcement (policies are stored, not enforced)',
    'storage (claims bind to placeholder volumes) and ConfigMap/Secret keys the kubelet would read',
    'helm test: the test pod is completed by the simulator, not run',
  ];
  readonly hasLogs = false;
  readonly pullsImages = false;
  created = false;
  private readonly clusterName: string;
  private binaries: KwokBinaries | undefined;
  private version = '';

  constructor(private readonly context: ProviderContext) {
    this.clusterName = `chartwright-${context.runId}`;
  }

  private get workDir() {
    return join(this.context.workDir, 'kwok');
  }

  private env(): Record<string, string> {
    // Everything kwokctl keeps (pki, etcd data, logs, pids) stays in the session's directory.
    return { KWOK_WORKDIR: this.workDir, KWOK_KUBECTL_BINARY: this.context.commands.kubectlPath };
  }

  async preflight(): Promise<string | undefined> {
    const { found, missing } = locateKwok(this.context.options, this.context.env);
    if (!found) return `no KWOK toolchain: ${missing.join(', ')} not found; ${INSTALL_HINT}`;
    this.binaries = found;
    const version = await this.context.commands.probe(found.kwokctl, ['--version'], QUICK_MS);
    if (version.exitCode !== 0) return `kwokctl is not usable: \`${found.kwokctl} --version\` failed: ${why(version)}`;
    this.version = /\d+\.\d+\.\d+\S*/.exec(version.stdout)?.[0] ?? '';
    return undefined;
  }

  async create(): Promise<void> {
    const { commands, timeoutMs } = this.context;
    // Under --dry-run on a machine without the binaries, the plan names them as a person would type them.
    const binaries = this.binaries ?? { kwokctl: 'kwokctl', components: Object.fromEntries(COMPONENTS.map((component) => [component.name, component.name])) as KwokBinaries['components'] };
    this.binaries = binaries;
    const config = join(this.context.workDir, 'kwok-config.yaml');
    if (!commands.dryRun) {
      await mkdir(this.workDir, { recursive: true });
      await writeFile(config, kwokConfigYaml());
    } else {
      commands.note(`write chartwright's kwok Stage config (nodes Ready; pods Running and Ready; Job pods and helm test pods completed) to ${config}`);
    }
    this.created = true; // before the command: a half-made cluster is still removed
    const args = [
      '--name', this.clusterName,
      '--config', config,
      'create', 'cluster',
      '--runtime', 'binary',
      ...COMPONENTS.flatMap((component) => [component.flag, binaries.components[component.name]]),
      '--kubeconfig', this.context.kubeconfig,
      '--wait', `${Math.max(60, Math.round(timeoutMs / 1000))}s`,
    ];
    let created = await commands.run(binaries.kwokctl, args, 2 * timeoutMs + QUICK_MS, { env: this.env() });
    if (created.exitCode !== 0 && !created.aborted && !commands.dryRun) {
      // kwokctl picks free ports by probing: another cluster starting at the same moment can take
      // one first. Remove the half-made cluster and try once more.
      await commands.run(binaries.kwokctl, ['--name', this.clusterName, 'delete', 'cluster'], 2 * QUICK_MS, { uninterruptible: true, env: this.env() });
      created = await commands.run(binaries.kwokctl, args, 2 * timeoutMs + QUICK_MS, { env: this.env() });
    }
    if (created.exitCode !== 0) throw new ProviderError(`kwokctl create cluster ${this.clusterName} failed: ${lastLog(created.stderr) || why(created)}`);
    // One simulated node with room for any chart (the Stage config sets its capacity).
    const node = await commands.run(binaries.kwokctl, ['--name', this.clusterName, 'scale', 'node', '--replicas', '1'], QUICK_MS, { env: this.env() });
    if (node.exitCode !== 0) throw new ProviderError(`kwokctl scale node failed: ${lastLog(node.stderr) || why(node)}`);
    const ready = await commands.kubectl(['wait', '--for=condition=Ready', 'node', '--all', `--timeout=${Math.round(timeoutMs / 1000)}s`], timeoutMs + QUICK_MS);
    if (ready.exitCode !== 0) throw new ProviderError(`the simulated node did not become Ready: ${why(ready)}`);
  }

  async kubeconfig(): Promise<void> {
    // kwokctl create wrote it (--kubeconfig).
  }

  describe(): string {
    return `kwok cluster ${this.clusterName} (kwokctl ${this.version || '(version unknown)'}, simulated nodes, no container runtime)`;
  }

  deleteCommand(): string | undefined {
    if (!this.created || !this.binaries) return undefined;
    return `KWOK_WORKDIR=${formatCommand(this.workDir, [])} ${formatCommand(this.binaries.kwokctl, ['--name', this.clusterName, 'delete', 'cluster'])}`;
  }

  async delete(): Promise<string | undefined> {
    if (!this.created || !this.binaries) return undefined;
    const result = await this.context.commands.run(this.binaries.kwokctl, ['--name', this.clusterName, 'delete', 'cluster'], 2 * QUICK_MS, { uninterruptible: true, env: this.env() });
    // A cluster whose creation failed half-way may have components kwokctl no longer knows of:
    // every process started from this cluster's directory goes too.
    const stray = await this.stopStrayProcesses();
    if (result.exitCode !== 0) return `${lastLog(result.stderr) || why(result)}${stray ? ` (stopped ${stray} process(es) it left)` : ''}`;
    return undefined;
  }

  private async stopStrayProcesses(): Promise<number> {
    if (this.context.commands.dryRun) return 0;
    const listed = await this.context.commands.probe('ps', ['-eo', 'pid=,args='], QUICK_MS);
    const pids = listed.stdout
      .split('\n')
      .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null && match[2]!.includes(`${this.workDir}/`))
      .map((match) => Number(match[1]));
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    return pids.length;
  }

  /**
   * No storage provisioner runs here: each claim of the release (PersistentVolumeClaims and
   * StatefulSet claim templates, twice over for upgrades) gets a class-matching placeholder
   * volume. Released volumes are not reused; the session deletes them with the namespace.
   */
  async prepareRelease(manifests: readonly Manifest[], namespace: string): Promise<void> {
    const claims = claimsOf(manifests);
    if (claims.length === 0) return;
    const volumes = claims.flatMap((claim, index) =>
      [0, 1].map((copy) => ({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `${namespace}-${index}-${copy}`.slice(0, 253), labels: { 'app.kubernetes.io/managed-by': 'chartwright', 'chartwright.io/namespace': namespace } },
        spec: {
          capacity: { storage: claim.size },
          accessModes: claim.accessModes,
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: claim.storageClassName,
          ...(claim.volumeMode ? { volumeMode: claim.volumeMode } : {}),
          hostPath: { path: `/chartwright/${namespace}/${index}-${copy}` },
        },
      })),
    );
    const file = join(this.context.workDir, `volumes-${namespace}.yaml`);
    if (!this.context.commands.dryRun) await writeFile(file, volumes.map((volume) => stringify(volume)).join('---\n'));
    const applied = await this.context.commands.kubectl(['apply', '--filename', file], QUICK_MS);
    if (applied.exitCode !== 0) throw new ProviderError(`creating placeholder PersistentVolumes failed: ${why(applied)}`);
  }
}

interface Claim {
  size: string;
  accessModes: string[];
  storageClassName: string;
  volumeMode?: string;
}

/** The claims a release will make, from its rendered objects. */
export function claimsOf(manifests: readonly Manifest[]): Claim[] {
  const claims: Claim[] = [];
  const add = (spec: Record<string, unknown> | undefined, times: number) => {
    if (!spec) return;
    const resources = (spec.resources ?? {}) as { requests?: { storage?: unknown } };
    const modes = Array.isArray(spec.accessModes) && spec.accessModes.length ? spec.accessModes.map(String) : ['ReadWriteOnce'];
    for (let i = 0; i < times; i++) {
      claims.push({
        size: String(resources.requests?.storage ?? '1Gi'),
        accessModes: modes,
        storageClassName: typeof spec.storageClassName === 'string' ? spec.storageClassName : '',
        ...(typeof spec.volumeMode === 'string' ? { volumeMode: spec.volumeMode } : {}),
      });
    }
  };
  for (const manifest of manifests) {
    const spec = (manifest.object.spec ?? {}) as Record<string, unknown>;
    if (manifest.kind === 'PersistentVolumeClaim') add(spec, 1);
    if (manifest.kind === 'StatefulSet' && Array.isArray(spec.volumeClaimTemplates)) {
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      for (const template of spec.volumeClaimTemplates as { spec?: Record<string, unknown> }[]) add(template.spec, Math.max(1, replicas));
    }
  }
  return claims;
}

/** kwokctl logs JSON lines; the last error's message (and `err`) says why it failed. */
function lastLog(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.trim().startsWith('{'));
  for (const line of lines.reverse()) {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string; err?: string };
      if (entry.level === 'ERROR') return [entry.msg, entry.err].filter(Boolean).join(': ');
    } catch {
      // not a log line
    }
  }
  return '';
}
