import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SafetyClass } from '../answers/validate.js';
import { formatCommand, type RunResult } from '../process/runner.js';
import type { Finding } from '../verify/findings.js';
import type { Manifest } from '../verify/manifests.js';
import { type ClusterCommands, why } from './commands.js';
import { collectDiagnostics, tail } from './diagnostics.js';
import type { HelmFlagSet } from './helmFlags.js';
import { Ledger } from './ledger.js';
import { collectedByKubernetes, isKept, LEFTOVER_KINDS, listedObjects, readinessChecks, type ReleaseObject, releaseObjects, retainedClaimOwner } from './objects.js';
import type { ClusterProvider } from './providers/provider.js';
import { watchForFastFailures } from './watch.js';

/** One release under test: a chart with one values set in its own namespace. */
export interface ReleaseTarget {
  chartDir: string;
  valuesFiles: string[];
  release: string;
  namespace: string;
  safetyClass: SafetyClass;
  /** The objects the chart renders (from the template stage), for the provider's preparation. */
  manifests: readonly Manifest[];
}

export interface ReleaseSettings {
  commands: ClusterCommands;
  provider: ClusterProvider;
  flags: Readonly<HelmFlagSet>;
  helmMajor: 3 | 4;
  timeout: string;
  timeoutMs: number;
  imageOverride?: { repository: string; tag: string };
  upgradeFrom?: string;
  keep: boolean;
  runId: string;
  workDir: string;
  /**
   * Deletes the namespace without waiting: a throwaway cluster goes as a whole at the end, and on
   * a cluster that stays, the session waits for every namespace of the run at once (with the
   * forced fallback). Waiting for each here would cost seconds per release.
   */
  releaseNamespace: (namespace: string) => Promise<string | undefined>;
}

/** Everything the steps of one release share. */
export interface ReleaseRun extends ReleaseSettings, ReleaseTarget {
  findings: Finding[];
  /** Every object the release's manifests declared, at any revision (for the leftovers check). */
  seen: Map<string, ReleaseObject>;
  /** What this release created, removed newest first at the end. */
  ledger: Ledger;
  namespaceCreated: boolean;
  /** Digests of the data of the release's Secrets after install, to compare after upgrade and rollback. */
  secrets?: Map<string, string>;
  /** Drop a ledger entry once its step removed the thing itself. */
  forget: { release?: () => void; namespace?: () => void };
}

export class StepFailure extends Error {
  constructor(
    message: string,
    readonly object?: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A step of the release lifecycle: declared, so the order, the diagnostics and --dry-run come from one list. */
export interface ReleaseStep {
  name: string;
  title: string;
  /** Runs only when this holds (e.g. the uninstall steps without --keep). */
  when?: (run: ReleaseRun) => boolean;
  /** On failure, events, pods, claims, nodes and logs of the namespace go into the report. */
  diagnose: boolean;
  run: (run: ReleaseRun) => Promise<void>;
}

const QUICK_MS = 60_000;
const limits = (run: ReleaseRun) => ({ quick: Math.max(QUICK_MS, run.timeoutMs), wait: run.timeoutMs + 30_000, helm: 2 * run.timeoutMs + 30_000 });

const must = (result: RunResult, what: string, object?: string): RunResult => {
  if (result.exitCode !== 0) throw new StepFailure(`${what}: ${why(result)}`, object);
  return result;
};

const valuesArgs = (run: ReleaseRun) => run.valuesFiles.flatMap((file) => ['--values', resolve(run.chartDir, file)]);
// --set-string: a tag like 1.10 must stay a string, which --set would turn into a number.
const overrideArgs = (run: ReleaseRun) =>
  run.imageOverride ? ['--set-string', `image.repository=${run.imageOverride.repository}`, '--set-string', `image.tag=${run.imageOverride.tag}`] : [];
const waitArgs = (run: ReleaseRun) => [run.flags.wait, run.flags.waitForJobs, '--timeout', run.timeout];

/** Pod Security Admission by class: restricted enforced for B and C, warned (and audited) for A. */
export function podSecurityLabels(safetyClass: SafetyClass): Record<string, string> {
  const labels: Record<string, string> = {
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/audit': 'restricted',
  };
  if (safetyClass !== 'A') labels['pod-security.kubernetes.io/enforce'] = 'restricted';
  return labels;
}

/** helm install/upgrade/rollback with the fast-failure watch: a pull error or a claim that can never bind stops it at once. */
async function helmWatched(run: ReleaseRun, args: string[], what: string): Promise<void> {
  const { commands } = run;
  if (commands.dryRun) {
    await commands.helmCall(args, limits(run).helm);
    return;
  }
  const stop = new AbortController();
  const watch = watchForFastFailures(commands, run.namespace, run.provider, () => stop.abort());
  const result = await commands.helmCall(args, limits(run).helm, { signal: stop.signal });
  const problem = await watch.finish();
  if (problem) throw new StepFailure(`${what} stopped early: ${problem.message}`, problem.object, problem.hint);
  if (result.exitCode !== 0 && /no matches for kind|resource mapping not found|ensure CRDs are installed first/i.test(`${result.stderr}${result.stdout}`)) {
    throw new StepFailure(`${what} failed: ${why(result)}`, undefined, 'the chart creates a custom resource whose CRD is not on the cluster: install the operator that defines it first, or pass --apply FILE with its CRD (clusters chartwright creates)');
  }
  must(result, `${what} failed`);
}

async function waitReady(run: ReleaseRun): Promise<void> {
  const { commands } = run;
  const manifest = must(await commands.helmCall(['get', 'manifest', run.release, '--namespace', run.namespace], limits(run).quick), 'helm get manifest failed');
  if (commands.dryRun) {
    commands.note('for each Deployment, StatefulSet and DaemonSet of the manifest (not paused, not OnDelete):');
    await commands.kubectl(['rollout', 'status', 'KIND/NAME', '--namespace', run.namespace, `--timeout=${run.timeout}`], limits(run).wait);
    commands.note('for each Job of the manifest, until Complete or Failed (a Job its TTL removed passed helm --wait-for-jobs):');
    await commands.kubectl(['get', 'job/NAME', '--namespace', run.namespace, '--ignore-not-found', '--output', 'json'], limits(run).quick);
    return;
  }
  const objects = releaseObjects(manifest.stdout);
  for (const object of objects) run.seen.set(`${object.namespace ?? run.namespace} ${object.ref}`, object);
  for (const check of readinessChecks(objects)) {
    const { object } = check;
    const where = object.namespace ?? run.namespace;
    const id = `${object.kind}/${object.name}`;
    if (check.kind === 'rollout') {
      must(await commands.kubectl(['rollout', 'status', `${object.kind.toLowerCase()}/${object.name}`, '--namespace', where, `--timeout=${run.timeout}`], limits(run).wait), `${id} did not become ready`, id);
    } else {
      await waitForJob(run, object.name, where);
    }
  }
}

/** A Job ends Complete or Failed; one its TTL already removed has passed helm's --wait-for-jobs. */
async function waitForJob(run: ReleaseRun, name: string, namespace: string): Promise<void> {
  const deadline = Date.now() + run.timeoutMs;
  for (;;) {
    const result = must(await run.commands.kubectl(['get', `job/${name}`, '--namespace', namespace, '--ignore-not-found', '--output', 'json'], limits(run).quick), `reading Job/${name} failed`, `Job/${name}`);
    const [job] = listedObjects(result.stdout) as { status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] } }[];
    if (!job) return; // removed by ttlSecondsAfterFinished after helm saw it complete
    const conditions = job.status?.conditions ?? [];
    if (conditions.some((condition) => condition.type === 'Complete' && condition.status === 'True')) return;
    const failed = conditions.find((condition) => condition.type === 'Failed' && condition.status === 'True');
    if (failed) throw new StepFailure(`Job/${name} failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim(), `Job/${name}`);
    if (Date.now() > deadline) throw new StepFailure(`Job/${name} did not complete within ${run.timeout}`, `Job/${name}`);
    await new Promise((done) => setTimeout(done, 1000));
  }
}

async function helmTest(run: ReleaseRun, step: string): Promise<void> {
  const { commands, provider } = run;
  // helm 3 deletes a passed test pod before --logs reads it (helm#9098), and simulated pods have
  // no logs: there, logs of a failed test pod are read with kubectl instead.
  const logs = run.helmMajor === 4 && provider.hasLogs;
  const result = await commands.helmCall(['test', run.release, '--namespace', run.namespace, ...(logs ? ['--logs'] : []), '--timeout', run.timeout], limits(run).helm);
  const output = tail(`${result.stdout}\n${result.stderr}`.trim());
  if (result.exitCode !== 0) {
    const podLogs = !logs && provider.hasLogs ? await testPodLogs(run) : '';
    throw new StepFailure(`helm test failed: ${why(result)}\n${output}${podLogs ? `\n\n${podLogs}` : ''}`);
  }
  if (!commands.dryRun) run.findings.push({ severity: 'info', rule: `install/${step}`, message: `helm test passed\n${output}` });
}

async function testPodLogs(run: ReleaseRun): Promise<string> {
  const pods = await run.commands.kubectl(['get', 'pods', '--namespace', run.namespace, '--output', 'json'], QUICK_MS, { uninterruptible: true });
  const sections: string[] = [];
  for (const pod of listedObjects(pods.exitCode === 0 ? pods.stdout : '')) {
    const annotations = (pod.metadata?.annotations ?? {}) as Record<string, unknown>;
    if (!String(annotations['helm.sh/hook'] ?? '').includes('test')) continue;
    const name = pod.metadata?.name ?? '';
    const logs = await run.commands.kubectl(['logs', name, '--namespace', run.namespace, '--all-containers', '--tail=200'], QUICK_MS, { uninterruptible: true });
    sections.push(`--- logs of test pod ${name} ---\n${tail(`${logs.stdout}${logs.stderr}`.trim() || '(no output)')}`);
  }
  return sections.join('\n\n');
}

/** The data of the release's Secrets, digested: generated values must survive upgrade and rollback. */
async function secretDigests(run: ReleaseRun): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  const names = [...run.seen.values()].filter((object) => object.kind === 'Secret' && !object.namespace).map((object) => object.name);
  if (names.length === 0 || run.commands.dryRun) return digests;
  const result = await run.commands.kubectl(['get', ...names.map((name) => `secret/${name}`), '--namespace', run.namespace, '--ignore-not-found', '--output', 'json'], QUICK_MS);
  for (const secret of listedObjects(result.exitCode === 0 ? result.stdout : '')) {
    const data = ((secret as { data?: Record<string, string> }).data ?? {}) as Record<string, string>;
    for (const [key, value] of Object.entries(data)) digests.set(`${secret.metadata?.name}/${key}`, createHash('sha256').update(value).digest('hex'));
  }
  return digests;
}

async function compareSecrets(run: ReleaseRun, after: string): Promise<void> {
  if (!run.secrets) return;
  const now = await secretDigests(run);
  const changed = [...run.secrets].filter(([key, digest]) => now.has(key) && now.get(key) !== digest).map(([key]) => key);
  const kept = [...run.secrets].filter(([key, digest]) => now.get(key) === digest).map(([key]) => key);
  if (kept.length && after === 'rollback' && !changed.length) {
    run.findings.push({ severity: 'info', rule: 'install/secrets-kept', message: `Secret values the same after install, upgrade and rollback: ${kept.sort().join(', ')}` });
  }
  if (changed.length) {
    run.findings.push({
      severity: 'warning',
      rule: 'install/secret-rotated',
      message: `Secret value(s) changed by the ${after}: ${changed.join(', ')}. A value generated at render time (randAlphaNum) without \`lookup\` of the existing Secret is replaced on every upgrade, locking the app out of what it protects.`,
    });
  }
}

/**
 * helm 4's delete wait can stop watching before the objects are gone: it then removes the release
 * and fails with "uninstallation completed with 1 error(s): resource Deployment/ns/name still
 * exists. status: Terminating" (seen on KWOK under load; helm 4.1 returns success instead). When
 * that is its only complaint, the objects it names (kind/name) are returned; anything else, none.
 */
export function stillTerminating(output: string): string[] {
  const complaint = /uninstallation completed with 1 error\(s\): ([\s\S]*)$/.exec(output.trim())?.[1];
  if (!complaint) return [];
  const lines = complaint.split('\n').map((line) => line.trim()).filter(Boolean);
  const objects = lines.map((line) => /^resource ([\w.-]+)\/[^/\s]*\/(\S+) still exists\. status: Terminating\b/.exec(line));
  return objects.every(Boolean) ? objects.map((match) => `${match![1]}/${match![2]}`) : [];
}

/** Deletes the namespace; a namespace stuck terminating gets chart-testing's forced cleanup. */
export async function deleteNamespace(commands: ClusterCommands, namespace: string, timeout: string, timeoutMs: number, workDir: string): Promise<string | undefined> {
  const deleted = await commands.kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=true', `--timeout=${timeout}`], timeoutMs + 30_000, { uninterruptible: true });
  if (deleted.exitCode === 0) return undefined;
  commands.note(`if the namespace is still terminating: force-delete its pods, then clear its finalizers`);
  await commands.kubectl(['delete', 'pods', '--all', '--namespace', namespace, '--grace-period=0', '--force', '--ignore-not-found'], QUICK_MS, { uninterruptible: true });
  const current = await commands.kubectl(['get', 'namespace', namespace, '--ignore-not-found', '--output', 'json'], QUICK_MS, { uninterruptible: true });
  const [object] = listedObjects(current.stdout) as ({ spec?: { finalizers?: unknown[] } } & Record<string, unknown>)[];
  if (!object && !commands.dryRun) return undefined;
  const file = join(workDir, `finalize-${namespace}.json`);
  if (object) {
    object.spec = { ...(object.spec ?? {}), finalizers: [] };
    await writeFile(file, JSON.stringify(object));
  }
  const finalized = await commands.kubectl(['replace', '--raw', `/api/v1/namespaces/${namespace}/finalize`, '--filename', file], QUICK_MS, { uninterruptible: true });
  if (finalized.exitCode !== 0) return `namespace ${namespace} could not be deleted (${why(deleted)}), and clearing its finalizers failed: ${why(finalized)}`;
  const gone = await commands.kubectl(['wait', '--for=delete', `namespace/${namespace}`, '--timeout=60s'], 90_000, { uninterruptible: true });
  return gone.exitCode === 0 || /not found/i.test(gone.stderr) ? undefined : `namespace ${namespace} is still there after its finalizers were cleared: ${why(gone)}`;
}

async function checkLeftovers(run: ReleaseRun): Promise<void> {
  const { commands, namespace } = run;
  const selector = `app.kubernetes.io/instance=${run.release}`;
  const labelled = must(await commands.kubectl(['get', LEFTOVER_KINDS.join(','), '--namespace', namespace, '--selector', selector, '--output', 'json'], limits(run).quick), 'listing what remains failed');
  const remaining = listedObjects(commands.dryRun ? '' : labelled.stdout);
  const byNamespace = new Map<string, string[]>();
  for (const object of run.seen.values()) {
    if (object.keep) continue;
    const where = object.namespace ?? namespace;
    byNamespace.set(where, [...(byNamespace.get(where) ?? []), object.ref]);
  }
  if (commands.dryRun) {
    commands.note("then every object of the release's manifests, by namespace:");
    await commands.kubectl(['get', 'KIND/NAME...', '--namespace', namespace, '--ignore-not-found', '--output', 'json'], limits(run).quick);
  }
  for (const [where, refs] of [...byNamespace].sort(([a], [b]) => a.localeCompare(b))) {
    const found = must(await commands.kubectl(['get', ...refs, '--namespace', where, '--ignore-not-found', '--output', 'json'], limits(run).quick), 'listing what remains failed');
    remaining.push(...listedObjects(found.stdout));
  }
  const left = new Set<string>();
  const retained: string[] = [];
  const terminating: { id: string; namespace: string; state: string }[] = [];
  const collected = collectedByKubernetes(remaining);
  for (const object of remaining) {
    if (isKept(object as Record<string, unknown>)) continue;
    const id = `${object.kind ?? '?'}/${object.metadata?.name ?? '?'}`;
    const owner = object.kind === 'PersistentVolumeClaim' ? retainedClaimOwner(object.metadata?.name ?? '', run.seen.values()) : undefined;
    if (owner) retained.push(`${id} (of StatefulSet/${owner.name})`);
    else if (object.metadata?.deletionTimestamp) terminating.push({ id, namespace: object.metadata.namespace ?? namespace, state: 'still terminating' });
    else if (collected.has(object)) terminating.push({ id, namespace: object.metadata?.namespace ?? namespace, state: 'its owners are gone, but Kubernetes did not remove it' });
    else left.add(id);
  }
  // Being deleted is not left behind: helm 4's delete wait can return before the objects are gone
  // (see stillTerminating), and the garbage collector removes the dependents of what helm deleted
  // after helm returns. What is still there after the release's timeout is a leftover.
  for (const { id, namespace: where, state } of terminating) {
    const gone = await commands.kubectl(['wait', '--for=delete', id, '--namespace', where, `--timeout=${run.timeout}`], limits(run).helm);
    if (gone.exitCode !== 0) left.add(`${id} (${state} after ${run.timeout})`);
  }
  if (retained.length) {
    run.findings.push({
      severity: 'info',
      rule: 'install/retained-claims',
      message: `kept after uninstall by design and removed with the namespace: ${[...new Set(retained)].sort().join(', ')}; a StatefulSet keeps the claims of its volumeClaimTemplates unless persistentVolumeClaimRetentionPolicy.whenDeleted is Delete`,
    });
  }
  if (left.size > 0) {
    throw new StepFailure(
      `${left.size} object(s) the release created remain after helm uninstall: ${[...left].sort().join(', ')}`,
      undefined,
      'Remove them with a hook-delete-policy or a pre-delete hook; annotate helm.sh/resource-policy: keep what must outlive the release.',
    );
  }
}

/** The lifecycle of a release on the cluster, in order. */
export const RELEASE_STEPS: readonly ReleaseStep[] = [
  {
    name: 'create-namespace',
    title: 'create the namespace (Pod Security Admission labels by class)',
    diagnose: false,
    run: async (run) => {
      const { commands, namespace } = run;
      // Owned before it exists: a create that fails half-way still gets an (idempotent) delete.
      const forget = (run.forget.namespace = run.ledger.own({
        what: `namespace ${namespace}`,
        deleteCommand: formatCommand(commands.kubectlPath, ['delete', 'namespace', namespace, '--ignore-not-found', '--kubeconfig', commands.kubeconfig]),
        remove: () => run.releaseNamespace(namespace),
      }));
      const created = await commands.kubectl(['create', 'namespace', namespace], QUICK_MS);
      if (created.exitCode !== 0 && /already ?exists/i.test(`${created.stderr}${created.stdout}`)) {
        forget(); // someone else's: never label, use or delete it
        throw new StepFailure(`namespace ${namespace} already exists and was not created by this run; it was left untouched`);
      }
      must(created, `kubectl create namespace ${namespace} failed`);
      run.namespaceCreated = true;
      const labels = { 'app.kubernetes.io/managed-by': 'chartwright', 'chartwright.io/run': run.runId, ...podSecurityLabels(run.safetyClass) };
      must(await commands.kubectl(['label', 'namespace', namespace, ...Object.entries(labels).map(([key, value]) => `${key}=${value}`)], QUICK_MS), `labelling namespace ${namespace} failed`);
    },
  },
  {
    name: 'prepare',
    title: 'prepare the cluster for the release',
    when: (run) => run.provider.prepareRelease !== undefined,
    diagnose: false,
    run: async (run) => {
      const { commands, namespace } = run;
      run.ledger.own({
        what: `placeholder volumes of ${namespace}`,
        deleteCommand: formatCommand(commands.kubectlPath, ['delete', 'persistentvolumes', '--selector', `chartwright.io/namespace=${namespace}`, '--kubeconfig', commands.kubeconfig]),
        remove: async () => {
          const result = await commands.kubectl(['delete', 'persistentvolumes', '--selector', `chartwright.io/namespace=${namespace}`, '--ignore-not-found', '--wait=false'], QUICK_MS, { uninterruptible: true });
          return result.exitCode === 0 ? undefined : why(result);
        },
      });
      await run.provider.prepareRelease?.(run.manifests, namespace);
    },
  },
  {
    name: 'install',
    title: 'helm install (--upgrade-from: the previous chart)',
    diagnose: true,
    run: async (run) => {
      const { commands } = run;
      run.forget.release = run.ledger.own({
        what: `release ${run.release} in namespace ${run.namespace}`,
        deleteCommand: formatCommand(commands.helm.helm.path, ['uninstall', run.release, '--namespace', run.namespace, '--kubeconfig', commands.kubeconfig]),
        remove: async () => {
          const result = await commands.helmCall(['uninstall', run.release, '--namespace', run.namespace, '--ignore-not-found', run.flags.uninstallWait, '--cascade=foreground', '--timeout', run.timeout], limits(run).helm, { uninterruptible: true });
          return result.exitCode === 0 ? undefined : why(result);
        },
      });
      const chart = run.upgradeFrom ?? run.chartDir;
      await helmWatched(run, ['install', run.release, chart, '--namespace', run.namespace, ...valuesArgs(run), ...overrideArgs(run), ...waitArgs(run)], 'helm install');
    },
  },
  { name: 'ready-install', title: 'workloads ready after install', diagnose: true, run: waitReady },
  {
    name: 'test-install',
    title: 'helm test after install',
    diagnose: true,
    run: async (run) => {
      await helmTest(run, 'test-install');
      run.secrets = await secretDigests(run);
    },
  },
  {
    name: 'upgrade',
    title: 'helm upgrade (to the chart under test)',
    diagnose: true,
    // --reset-values: the upgrade renders from this chart's defaults, not the previous release's values.
    run: (run) => helmWatched(run, ['upgrade', run.release, run.chartDir, '--namespace', run.namespace, '--reset-values', ...valuesArgs(run), ...overrideArgs(run), ...waitArgs(run)], 'helm upgrade'),
  },
  { name: 'ready-upgrade', title: 'workloads ready after upgrade', diagnose: true, run: waitReady },
  {
    name: 'test-upgrade',
    title: 'helm test after upgrade',
    diagnose: true,
    run: async (run) => {
      await helmTest(run, 'test-upgrade');
      await compareSecrets(run, 'upgrade');
    },
  },
  {
    name: 'rollback',
    title: 'helm rollback to revision 1',
    diagnose: true,
    run: (run) => helmWatched(run, ['rollback', run.release, '1', '--namespace', run.namespace, ...waitArgs(run)], 'helm rollback'),
  },
  {
    name: 'ready-rollback',
    title: 'workloads ready after rollback',
    diagnose: true,
    run: async (run) => {
      await waitReady(run);
      await compareSecrets(run, 'rollback');
    },
  },
  {
    name: 'history',
    title: 'helm history shows install, upgrade and rollback',
    diagnose: false,
    run: async (run) => {
      const history = must(await run.commands.helmCall(['history', run.release, '--namespace', run.namespace, '--output', 'json'], limits(run).quick), 'helm history failed');
      if (run.commands.dryRun) return;
      let entries: { revision?: unknown; status?: unknown }[];
      try {
        entries = JSON.parse(history.stdout) as typeof entries;
      } catch {
        throw new StepFailure(`helm history printed no JSON: ${history.stdout.slice(0, 200)}`);
      }
      const shown = entries.map((entry) => `${String(entry.revision)} ${String(entry.status)}`).join(', ');
      const statusesOk = entries.every((entry, index) => entry.status === (index === entries.length - 1 ? 'deployed' : 'superseded'));
      if (entries.map((entry) => Number(entry.revision)).join() !== '1,2,3' || !statusesOk) {
        throw new StepFailure(`expected revisions 1 superseded, 2 superseded, 3 deployed (install, upgrade, rollback to 1); helm history shows ${shown || 'nothing'}`);
      }
    },
  },
  {
    name: 'uninstall',
    title: 'helm uninstall',
    when: (run) => !run.keep,
    diagnose: true,
    run: async (run) => {
      const result = await run.commands.helmCall(['uninstall', run.release, '--namespace', run.namespace, run.flags.uninstallWait, '--cascade=foreground', '--timeout', run.timeout], limits(run).helm);
      // The release is gone and only helm's wait ended early: the leftovers step waits for those objects.
      if (result.exitCode !== 0 && stillTerminating(`${result.stdout}\n${result.stderr}`).length === 0) must(result, 'helm uninstall failed');
      run.forget.release?.();
    },
  },
  { name: 'leftovers', title: 'nothing left after uninstall', when: (run) => !run.keep, diagnose: false, run: checkLeftovers },
  {
    name: 'delete-namespace',
    title: 'delete the namespace',
    when: (run) => !run.keep,
    diagnose: false,
    run: async (run) => {
      run.namespaceCreated = false; // from here on it is the session's to confirm gone
      const problem = await run.releaseNamespace(run.namespace);
      if (problem) throw new StepFailure(problem);
      run.forget.namespace?.();
    },
  },
];

export interface StepResult {
  name: string;
  status: 'passed' | 'failed' | 'skipped' | 'planned';
  durationMs: number;
}

/** Runs the steps of one release in order; the first failure stops it and is diagnosed. Never throws. */
export async function runRelease(run: ReleaseRun, steps: readonly ReleaseStep[] = RELEASE_STEPS): Promise<{ steps: StepResult[]; failed?: { step: ReleaseStep; error: StepFailure } }> {
  const results: StepResult[] = [];
  let failed: { step: ReleaseStep; error: StepFailure } | undefined;
  for (const step of steps) {
    if (step.when && !step.when(run)) continue;
    if (failed) {
      results.push({ name: step.name, status: 'skipped', durationMs: 0 });
      continue;
    }
    const started = performance.now();
    try {
      await step.run(run);
      results.push({ name: step.name, status: run.commands.dryRun ? 'planned' : 'passed', durationMs: Math.round(performance.now() - started) });
    } catch (error) {
      const failure = error instanceof StepFailure ? error : new StepFailure(error instanceof Error ? error.message : String(error));
      failed = { step, error: failure };
      results.push({ name: step.name, status: 'failed', durationMs: Math.round(performance.now() - started) });
    }
  }
  if (failed) {
    const diagnostics = failed.step.diagnose && run.namespaceCreated && !run.commands.dryRun ? await collectDiagnostics(run.commands, run.namespace, run.provider) : '';
    run.findings.push({
      severity: 'error',
      rule: `install/${failed.step.name}`,
      ...(failed.error.object ? { object: failed.error.object } : {}),
      message: `step "${failed.step.title}" failed: ${failed.error.message}${failed.error.hint ? `\nHint: ${failed.error.hint}` : ''}${diagnostics ? `\n\n${diagnostics}` : ''}`,
    });
  }
  return { steps: results, ...(failed ? { failed } : {}) };
}
