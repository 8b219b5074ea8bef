import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolError } from '../errors.js';
import { Limiter } from '../process/limiter.js';
import { formatCommand, printingRunner, type ProcessRunner, spawnRunner } from '../process/runner.js';
import { CleanupPhase, processSignalGuard, type SignalGuard } from '../process/signals.js';
import type { InstallInfo } from '../report/model.js';
import type { InstallService } from '../stages/list.js';
import type { StageOutcome, Unit } from '../stages/model.js';
import type { HelmRunner } from '../tools/helm.js';
import { locateTool } from '../tools/locate.js';
import type { Finding } from '../verify/findings.js';
import type { Manifest } from '../verify/manifests.js';
import { type KubeVersion, parseKubectlVersion, skewWarnings } from './cluster.js';
import { ClusterCommands, why } from './commands.js';
import { helmFlags } from './helmFlags.js';
import { Ledger } from './ledger.js';
import { type InstallOptions, parseImageOverride, durationMs } from './options.js';
import type { StartK3s } from './providers/k3s.js';
import { pickProvider } from './providers/index.js';
import { applyPrerequisite } from './prerequisites.js';
import { type ClusterProvider, type ProviderContext, ProviderError } from './providers/provider.js';
import { deleteNamespace, type ReleaseRun, runRelease } from './release.js';

export interface InstallDeps {
  /** The run's helm (its binary and private home). */
  helm: HelmRunner;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** Runs every command; default the real runner (a printing one under --dry-run). */
  runner?: ProcessRunner;
  /** The --dry-run plan and notices; default stderr. */
  print?: (line: string) => void;
  /** Where the session's cleanup is registered for signals; null when the caller handles them. */
  guard?: SignalGuard | null;
  /** Names namespaces, releases and clusters; default 6 random hex digits. */
  runId?: string;
  /** Parent of the session's temporary directory. */
  tmpRoot?: string;
  env?: NodeJS.ProcessEnv;
  startK3s?: StartK3s;
}

export interface OpenInstall {
  /** runId and the kubectl client version are for the evidence record (src/evidence), which leaves run names out. */
  service: InstallService & { info: () => InstallInfo; runId: string; kubectlVersion?: string };
  /** Removes what the session made (or lists it under --keep). Idempotent. */
  close: () => Promise<void>;
}

const PLACEHOLDER_IMAGE = /(^|[./])(example\.(com|org|net)|invalid|localhost\.localdomain)(:\d+)?\//i;

/** `cw-<run>-<n>-<chart>`: unique per run and release, readable in `kubectl get ns`, a DNS label. */
export function namespaceFor(runId: string, index: number, chartName: string): string {
  const slug = chartName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return `cw-${runId}-${index}${slug ? `-${slug}` : ''}`.slice(0, 63).replace(/-+$/, '');
}

/** `<chart>-<run>-<n>`: a release name no other release of the run shares (cluster-scoped objects are named after it). */
export function releaseNameFor(runId: string, index: number, chartName: string): string {
  const suffix = `-${runId}-${index}`;
  const slug = chartName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'release';
  return `${slug.slice(0, 53 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/**
 * Opens the cluster of the install stage: picks the provider (auto: kind when Docker and kind
 * work, else kwok), runs its preflight, creates the cluster with a private kubeconfig, and returns
 * the stage service. Usage problems throw UsageError (exit 2), a missing tool ToolError (exit 3);
 * a cluster that cannot be made fails every install stage with the reason.
 */
export async function openInstall(options: InstallOptions, deps: InstallDeps): Promise<OpenInstall> {
  const env = deps.env ?? process.env;
  const print = deps.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runId = deps.runId ?? randomBytes(3).toString('hex');
  const runner = options.dryRun ? printingRunner(print) : (deps.runner ?? spawnRunner);
  const timeoutMs = durationMs(options.timeout);
  const workDir = options.dryRun ? join(deps.tmpRoot ?? tmpdir(), `chartwright-install-${runId}`) : mkdtempSync(join(deps.tmpRoot ?? tmpdir(), 'chartwright-install-'));
  const kubeconfig = join(workDir, 'kubeconfig');
  const ledger = new Ledger();
  ledger.own({
    what: `temporary directory ${workDir} (kubeconfig, kwok work directory)`,
    deleteCommand: formatCommand('rm', ['-rf', workDir]),
    remove: async () => {
      if (!options.dryRun) rmSync(workDir, { recursive: true, force: true });
      return undefined;
    },
  });
  const kubectl = locateTool({ name: 'kubectl', flag: '--kubectl', explicit: options.kubectl, envVar: 'KUBECTL_BIN', provisionedRole: 'kubectl', env });
  const commands = new ClusterCommands(runner, deps.helm, kubectl?.path ?? 'kubectl', kubeconfig, deps.signal, options.dryRun, print, deps.runner ?? spawnRunner);
  const providerContext: ProviderContext = {
    commands,
    options,
    workDir,
    kubeconfig,
    runId,
    env,
    timeoutMs,
    writeKubeconfig: async (content) => {
      if (options.dryRun) return;
      writeFileSync(kubeconfig, content, { mode: 0o600 });
      chmodSync(kubeconfig, 0o600); // the mode given to writeFile is masked by umask
    },
  };
  const discard = async () => {
    await ledger.unwind();
  };
  let provider: ClusterProvider;
  let clientVersion: KubeVersion | undefined;
  try {
    const client = await commands.probe(commands.kubectlPath, ['version', '--client', '--output=json'], 30_000);
    if (client.exitCode !== 0) {
      throw new ToolError(client.notFound ? 'kubectl was not found: install kubectl 1.34+ (https://kubernetes.io/docs/tasks/tools/), or pass --kubectl PATH or set KUBECTL_BIN' : `kubectl is not usable: ${why(client)}`);
    }
    clientVersion = parseKubectlVersion(client.stdout).client;
    provider = await pickProvider(providerContext, deps.startK3s);
  } catch (error) {
    await discard();
    throw error;
  }
  const chosen = provider;
  const kept: string[] = [];
  const clusterItem = {
    what: 'the cluster',
    deleteCommand: '',
    remove: () => chosen.delete(),
  };
  let forgetCluster = () => {};
  const state: { failure?: string; server?: KubeVersion; warnings: string[] } = { warnings: [] };
  const guard = deps.guard === undefined ? processSignalGuard() : deps.guard;
  let closing: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();
  const released: string[] = [];
  const releaseNamespace = async (namespace: string): Promise<string | undefined> => {
    const result = await commands.kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false'], 60_000, { uninterruptible: true });
    if (result.exitCode !== 0) return `kubectl delete namespace ${namespace} failed: ${why(result)}`;
    released.push(namespace);
    return undefined;
  };
  const close = () => {
    closing ??= (async () => {
      await Promise.allSettled([...inFlight]);
      // A cluster that stays (an existing context, a reused or kept kind cluster) must be left clean.
      const clusterGoes = chosen.created && !options.keep && !options.keepCluster;
      if (!clusterGoes && !options.keep && released.length) {
        const problems = await Promise.all(released.map((namespace) => deleteNamespace(commands, namespace, options.timeout, timeoutMs, workDir)));
        for (const problem of problems) if (problem) print(`chartwright: ${problem}`);
      }
      const command = chosen.deleteCommand();
      if (options.keep || options.keepCluster) {
        if (chosen.created && command) kept.push(command);
        forgetCluster();
      }
      if (options.keep) {
        for (const item of ledger.retained()) kept.push(item.deleteCommand);
      } else {
        for (const problem of await ledger.unwind()) print(`chartwright: ${problem}`);
      }
      if (kept.length) {
        print(`chartwright kept ${options.keep ? 'everything for debugging (--keep)' : 'the cluster (--keep-cluster)'}; delete it afterwards with:`);
        for (const line of kept) print(`  ${line}`);
      }
      unregister();
    })();
    return closing;
  };
  const unregister = guard
    ? guard.register('the install stage', async () => void (await close()), {
        phase: CleanupPhase.undo,
        leftovers: () => [chosen.deleteCommand(), ...ledger.retained().map((item) => item.deleteCommand)].filter((line): line is string => Boolean(line)),
      })
    : () => {};
  try {
    forgetCluster = ledger.own({ ...clusterItem, deleteCommand: chosen.deleteCommand() ?? '' });
    commands.note(`chartwright install stage, run ${runId}: helm ${deps.helm.helm.version}, --cluster ${chosen.name}, kubeconfig ${kubeconfig}`);
    await chosen.create();
    await chosen.kubeconfig();
    const version = await commands.kubectl(['version', '--output=json'], 60_000);
    if (!options.dryRun && version.exitCode !== 0) throw new ProviderError(`${chosen.describe()} does not answer: ${why(version)}`);
    state.server = parseKubectlVersion(version.stdout).server;
    if (state.server) state.warnings = skewWarnings(state.server, clientVersion, deps.helm.helm);
    for (const file of options.apply) await applyPrerequisite(commands, file, timeoutMs);
  } catch (error) {
    if (!(error instanceof ProviderError) && !deps.signal.aborted) {
      await close();
      throw error;
    }
    state.failure = deps.signal.aborted ? 'interrupted while the cluster was being made' : (error as Error).message;
  }

  const limiter = new Limiter(options.dryRun ? 1 : options.installConcurrency);
  const imageOverride = options.imageOverride ? parseImageOverride(options.imageOverride) : undefined;
  let counter = 0;
  const run = (unit: Unit, manifests: readonly Manifest[], signal: AbortSignal): Promise<StageOutcome> => {
    const index = ++counter; // numbered at call time, so names follow the report's order
    if (state.failure) return Promise.resolve({ findings: [{ severity: 'error', rule: 'install/cluster', message: `install stage: ${state.failure}` }] });
    if (closing) return Promise.resolve({ findings: [{ severity: 'error', rule: 'install/cluster', message: 'install stage: the session was already closed' }] });
    const work = limiter.run(async (): Promise<StageOutcome> => {
      if (signal.aborted) return { findings: [], skipped: 'interrupted' };
      const namespace = namespaceFor(runId, index, unit.chart.name);
      const release = releaseNameFor(runId, index, unit.chart.name);
      commands.note(`${unit.chart.name} [${['values.yaml', ...unit.valuesFiles].join(' + ')}]: release ${release} in namespace ${namespace}`);
      const findings: Finding[] = state.warnings.map((message) => ({ severity: 'warning', rule: 'install/version-skew', message }));
      if (chosen.pullsImages && !imageOverride) findings.push(...placeholderImages(manifests));
      const releaseRun: ReleaseRun = {
        commands,
        provider: chosen,
        flags: helmFlags(deps.helm.helm.major),
        helmMajor: deps.helm.helm.major,
        timeout: options.timeout,
        timeoutMs,
        ...(imageOverride ? { imageOverride } : {}),
        ...(options.upgradeFrom ? { upgradeFrom: options.upgradeFrom } : {}),
        keep: options.keep,
        runId,
        workDir,
        releaseNamespace,
        chartDir: unit.chart.dir,
        valuesFiles: unit.valuesFiles,
        release,
        namespace,
        safetyClass: unit.chart.safetyClass,
        manifests,
        findings,
        seen: new Map(),
        ledger: new Ledger(),
        namespaceCreated: false,
        forget: {},
      };
      const outcome = await runRelease(releaseRun);
      if (options.keep) {
        for (const item of releaseRun.ledger.retained()) kept.push(item.deleteCommand);
      } else {
        for (const problem of await releaseRun.ledger.unwind()) findings.push({ severity: 'error', rule: 'install/cleanup', message: problem });
      }
      if (signal.aborted) return { findings: [], skipped: 'interrupted' };
      if (options.dryRun) return { findings: [], planned: 'commands printed (--dry-run); nothing was installed', steps: outcome.steps };
      if (options.keep) findings.push({ severity: 'info', rule: 'install/keep', message: `--keep: release ${release} and namespace ${namespace} are kept; uninstall was not tested` });
      return { findings, steps: outcome.steps, ...(outcome.failed ? { note: `failed at: ${outcome.failed.step.title}` } : {}) };
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    return work;
  };
  const info = (): InstallInfo => ({
    provider: chosen.name,
    description: `${chosen.describe()}${state.server ? `, Kubernetes ${state.server.gitVersion}` : ''}`,
    ...(state.server ? { kubernetesVersion: state.server.gitVersion } : {}),
    cannotVerify: [...chosen.cannotVerify],
    warnings: [...state.warnings, ...(state.failure ? [`the cluster could not be made: ${state.failure}`] : [])],
  });
  return { service: { run, info, runId, ...(clientVersion ? { kubectlVersion: clientVersion.gitVersion } : {}) }, close };
}

/** An image a placeholder registry or domain names will not pull: said before the install waits on it. */
function placeholderImages(manifests: readonly Manifest[]): Finding[] {
  const images = new Set<string>();
  for (const manifest of manifests) {
    const text = JSON.stringify(manifest.object);
    for (const match of text.matchAll(/"image":"([^"]+)"/g)) if (PLACEHOLDER_IMAGE.test(match[1] as string)) images.add(match[1] as string);
  }
  return [...images].sort().map((image) => ({
    severity: 'warning' as const,
    rule: 'install/placeholder-image',
    message: `image ${image} names a placeholder registry and cannot be pulled: pass --image-override REPOSITORY:TAG (a stand-in for the chart's own image) or set the real image in the values`,
  }));
}
