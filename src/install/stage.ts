import { resolve } from 'node:path';
import type { Helm } from '../tools/helm.js';
import type { Finding, StageResult } from '../verify/findings.js';
import { Exec, Interrupted, reasonOf } from './exec.js';
import type { HelmFlagSet } from './helmFlags.js';
import { Ledger, type Owned } from './ledger.js';
import { LEFTOVER_KINDS, readinessChecks, type ReleaseObject, releaseObjects, remaining, unreadyPods } from './objects.js';
import { formatCommand, type RunResult } from './runner.js';

/** Steps of the stage, in order; a failure names one of them (also as the finding's rule). */
export const STEPS = {
  'create-namespace': 'create namespace',
  'install-previous': 'install --upgrade-from chart',
  install: 'helm install',
  'ready-install': 'workloads ready after install',
  'test-install': 'helm test after install',
  upgrade: 'helm upgrade',
  'ready-upgrade': 'workloads ready after upgrade',
  'test-upgrade': 'helm test after upgrade',
  rollback: 'helm rollback to revision 1',
  'ready-rollback': 'workloads ready after rollback',
  history: 'helm history',
  uninstall: 'helm uninstall',
  leftovers: 'nothing left after uninstall',
  'delete-namespace': 'delete namespace',
} as const;

export type StepName = keyof typeof STEPS;

/** Steps after which events, pod descriptions and logs explain the failure. */
const DIAGNOSED: ReadonlySet<StepName> = new Set<StepName>([
  'install-previous', 'install', 'ready-install', 'test-install', 'upgrade', 'ready-upgrade', 'test-upgrade', 'rollback', 'ready-rollback', 'uninstall',
]);

export interface StageContext {
  exec: Exec;
  helm: Helm;
  flags: Readonly<HelmFlagSet>;
  kubectl: string;
  kubeconfig: string;
  timeout: string;
  timeoutMs: number;
  /** Slack on top of --timeout before chartwright itself stops a command. */
  graceMs: number;
  imageOverride?: { repository: string; tag: string };
  upgradeFrom?: string;
  keep: boolean;
  runId: string;
  /** Warnings found once for the whole run (version skew), repeated in each stage's report. */
  warnings: string[];
  /** Under --keep: what the stage leaves behind, for the session to list with delete commands. */
  retain: (items: Owned[]) => void;
}

export interface StageTarget {
  chartDir: string;
  valuesFiles: string[];
  releaseName: string;
  namespace: string;
}

class StepFailure extends Error {
  constructor(
    readonly step: StepName,
    message: string,
    readonly object?: string,
  ) {
    super(message);
  }
}

const MAX_SECTION = 12_000;
const tail = (text: string, max = MAX_SECTION) => (text.length > max ? `[... ${text.length - max} characters cut]\n${text.slice(-max)}` : text);

/** Runs steps 1–7 of the install stage for one chart × values file in its own namespace. */
export async function runStage(ctx: StageContext, target: StageTarget): Promise<StageResult> {
  const started = performance.now();
  const { exec, flags, timeout } = ctx;
  const { namespace: ns, releaseName: release } = target;
  const kubeconfig = ['--kubeconfig', ctx.kubeconfig];
  const limits = { quick: Math.max(60_000, ctx.timeoutMs) + ctx.graceMs, wait: ctx.timeoutMs + ctx.graceMs, helm: 2 * ctx.timeoutMs + ctx.graceMs };
  const findings: Finding[] = ctx.warnings.map((message) => ({ severity: 'warning', message }));
  const ledger = new Ledger();
  const seen = new Map<string, ReleaseObject>();
  let step: StepName = 'create-namespace';
  let namespaceExists = false;

  const helmRun = (args: string[], timeoutMs = limits.helm, interruptible = true) =>
    exec.run(ctx.helm.path, [...args, ...kubeconfig], { timeoutMs, interruptible });
  const kubectl = (args: string[], timeoutMs = limits.quick, interruptible = true) =>
    exec.run(ctx.kubectl, [...args, ...kubeconfig], { timeoutMs, interruptible });
  const must = (result: RunResult, what: string, object?: string) => {
    if (result.exitCode !== 0) throw new StepFailure(step, `${what}: ${result.timedOut ? result.stderr : reasonOf(result)}`, object);
    return result;
  };

  // resolve, not join: relative to the chart as in the other stages, and an absolute path stays as given.
  const values = target.valuesFiles.flatMap((file) => ['--values', resolve(target.chartDir, file)]);
  // --set-string: a tag like 1.10 must stay a string, which --set would turn into a number.
  const override = ctx.imageOverride
    ? ['--set-string', `image.repository=${ctx.imageOverride.repository}`, '--set-string', `image.tag=${ctx.imageOverride.tag}`]
    : [];
  const waitFlags = [flags.wait, flags.waitForJobs, '--timeout', timeout];

  const waitReady = async (name: StepName) => {
    step = name;
    const manifest = must(await helmRun(['get', 'manifest', release, '--namespace', ns], limits.quick), 'helm get manifest failed');
    if (exec.dryRun) {
      exec.note('for each Deployment, StatefulSet and DaemonSet in the manifest:');
      await kubectl(['rollout', 'status', 'KIND/NAME', '--namespace', ns, `--timeout=${timeout}`]);
      exec.note('for each Job in the manifest:');
      await kubectl(['wait', '--for=condition=complete', 'job/NAME', '--namespace', ns, `--timeout=${timeout}`]);
      return;
    }
    const objects = releaseObjects(manifest.stdout);
    for (const object of objects) seen.set(`${object.namespace ?? ns} ${object.ref}`, object);
    for (const check of readinessChecks(objects)) {
      const { object } = check;
      const where = object.namespace ?? ns;
      const args =
        check.kind === 'rollout'
          ? ['rollout', 'status', `${object.kind.toLowerCase()}/${object.name}`, '--namespace', where, `--timeout=${timeout}`]
          : ['wait', '--for=condition=complete', `job/${object.name}`, '--namespace', where, `--timeout=${timeout}`];
      must(await kubectl(args, limits.wait), `${object.kind}/${object.name} did not become ${check.kind === 'job' ? 'complete' : 'ready'}`, `${object.kind}/${object.name}`);
    }
  };

  const helmTest = async (name: StepName) => {
    step = name;
    const result = await helmRun(['test', release, '--namespace', ns, '--logs', '--timeout', timeout]);
    const output = tail(`${result.stdout}\n${result.stderr}`.trim());
    if (result.exitCode !== 0) throw new StepFailure(step, `${result.timedOut ? result.stderr : reasonOf(result)}\n${output}`);
    if (!exec.dryRun) findings.push({ severity: 'info', rule: `install/${name}`, message: `${STEPS[name]} passed\n${output}` });
  };

  let forgetNamespace: (() => void) | undefined;
  let forgetRelease: (() => void) | undefined;
  let failure: StepFailure | undefined;
  let interrupted: string | undefined;
  try {
    // Owned before it exists: a create that fails half-way still gets an (idempotent) delete.
    forgetNamespace = ledger.own({
      what: `namespace ${ns}`,
      deleteCommand: formatCommand(ctx.kubectl, ['delete', 'namespace', ns, '--ignore-not-found', ...kubeconfig]),
      remove: async () => {
        const result = await kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=true', `--timeout=${timeout}`], limits.wait, false);
        return result.exitCode === 0 ? undefined : reasonOf(result);
      },
    });
    const created = await kubectl(['create', 'namespace', ns]);
    if (created.exitCode !== 0 && /already ?exists/i.test(`${created.stderr}${created.stdout}`)) {
      // Someone else's namespace: never label, use or delete it.
      forgetNamespace();
      forgetNamespace = undefined;
      throw new StepFailure(step, `namespace ${ns} already exists and was not created by this run; it was left untouched`);
    }
    must(created, `kubectl create namespace ${ns} failed`);
    namespaceExists = true;
    must(await kubectl(['label', 'namespace', ns, 'app.kubernetes.io/managed-by=chartwright', `chartwright.io/run=${ctx.runId}`]), `labelling namespace ${ns} failed`);

    step = ctx.upgradeFrom ? 'install-previous' : 'install';
    forgetRelease = ledger.own({
      what: `release ${release} in namespace ${ns}`,
      deleteCommand: formatCommand(ctx.helm.path, ['uninstall', release, '--namespace', ns, ...kubeconfig]),
      remove: async () => {
        const result = await helmRun(['uninstall', release, '--namespace', ns, '--ignore-not-found', flags.uninstallWait, '--cascade=foreground', '--timeout', timeout], limits.helm, false);
        return result.exitCode === 0 ? undefined : reasonOf(result);
      },
    });
    must(await helmRun(['install', release, ctx.upgradeFrom ?? target.chartDir, '--namespace', ns, ...values, ...override, ...waitFlags]), 'helm install failed');
    await waitReady('ready-install');
    await helmTest('test-install');

    step = 'upgrade';
    // --reset-values: the upgrade renders from this chart's defaults, not the previous release's values.
    must(await helmRun(['upgrade', release, target.chartDir, '--namespace', ns, '--reset-values', ...values, ...override, ...waitFlags]), 'helm upgrade failed');
    await waitReady('ready-upgrade');
    await helmTest('test-upgrade');

    step = 'rollback';
    must(await helmRun(['rollback', release, '1', '--namespace', ns, ...waitFlags]), 'helm rollback failed');
    await waitReady('ready-rollback');

    step = 'history';
    const history = must(await helmRun(['history', release, '--namespace', ns, '--output', 'json'], limits.quick), 'helm history failed');
    if (!exec.dryRun) checkHistory(history.stdout);

    if (ctx.keep) {
      findings.push({ severity: 'info', message: `--keep: release ${release} and namespace ${ns} are kept; uninstall was not tested` });
    } else {
      step = 'uninstall';
      must(await helmRun(['uninstall', release, '--namespace', ns, flags.uninstallWait, '--cascade=foreground', '--timeout', timeout]), 'helm uninstall failed');
      forgetRelease();
      forgetRelease = undefined;

      step = 'leftovers';
      await checkLeftovers();

      step = 'delete-namespace';
      must(await kubectl(['delete', 'namespace', ns, '--wait=true', `--timeout=${timeout}`], limits.wait), `kubectl delete namespace ${ns} failed`);
      forgetNamespace?.();
      forgetNamespace = undefined;
    }
  } catch (error) {
    if (error instanceof Interrupted) interrupted = error.message;
    else if (error instanceof StepFailure) failure = error;
    else failure = new StepFailure(step, error instanceof Error ? error.message : String(error));
  }

  if (failure) {
    const diagnostics = namespaceExists && DIAGNOSED.has(failure.step) ? await collectDiagnostics() : '';
    findings.push({
      severity: 'error',
      rule: `install/${failure.step}`,
      ...(failure.object ? { object: failure.object } : {}),
      message: `step "${STEPS[failure.step]}" failed: ${failure.message}${diagnostics ? `\n\n${diagnostics}` : ''}`,
    });
  }
  if (interrupted) {
    findings.push({ severity: 'error', rule: `install/${step}`, message: `interrupted by ${interrupted} during step "${STEPS[step]}"` });
  }

  if (ctx.keep) {
    ctx.retain(ledger.retained());
  } else {
    for (const problem of await ledger.unwind()) findings.push({ severity: 'error', rule: 'install/cleanup', message: problem });
  }

  const failed = findings.some((finding) => finding.severity === 'error');
  return {
    stage: 'install',
    valuesFiles: target.valuesFiles,
    status: failed ? 'failed' : 'passed',
    durationMs: Math.round(performance.now() - started),
    findings,
    ...(interrupted ? { reason: `interrupted by ${interrupted}` } : failure ? { reason: `failed at: ${STEPS[failure.step]}` } : {}),
  };

  function checkHistory(output: string) {
    let entries: { revision?: unknown; status?: unknown }[];
    try {
      entries = JSON.parse(output) as typeof entries;
    } catch {
      throw new StepFailure('history', `helm history printed no JSON: ${output.slice(0, 200)}`);
    }
    const shown = entries.map((entry) => `${String(entry.revision)} ${String(entry.status)}`).join(', ');
    const revisions = entries.map((entry) => Number(entry.revision));
    const expected = [1, 2, 3];
    const statusesOk = entries.every((entry, index) => entry.status === (index === entries.length - 1 ? 'deployed' : 'superseded'));
    if (revisions.join() !== expected.join() || !statusesOk) {
      throw new StepFailure('history', `expected revisions 1 superseded, 2 superseded, 3 deployed (install, upgrade, rollback to 1); helm history shows ${shown || 'nothing'}`);
    }
  }

  async function checkLeftovers() {
    const selector = `app.kubernetes.io/instance=${release}`;
    const labelled = must(await kubectl(['get', LEFTOVER_KINDS.join(','), '--namespace', ns, '--selector', selector, '--output', 'json']), 'listing what remains failed');
    const left = new Set(exec.dryRun ? [] : remaining(labelled.stdout));
    const byNamespace = new Map<string, string[]>();
    for (const object of seen.values()) {
      if (object.keep) continue;
      const where = object.namespace ?? ns;
      byNamespace.set(where, [...(byNamespace.get(where) ?? []), object.ref]);
    }
    if (exec.dryRun) {
      exec.note("then every object of the release's manifests, by namespace:");
      await kubectl(['get', 'KIND/NAME...', '--namespace', ns, '--ignore-not-found', '--output', 'json']);
    }
    for (const [where, refs] of [...byNamespace].sort(([a], [b]) => a.localeCompare(b))) {
      const found = must(await kubectl(['get', ...refs, '--namespace', where, '--ignore-not-found', '--output', 'json']), 'listing what remains failed');
      for (const name of remaining(found.stdout)) left.add(name);
    }
    if (left.size > 0) {
      throw new StepFailure(
        'leftovers',
        `${left.size} object(s) the release created remain after helm uninstall: ${[...left].sort().join(', ')}. ` +
          'Remove them with a hook-delete-policy or a pre-delete hook; annotate helm.sh/resource-policy: keep what must outlive the release; ' +
          'for StatefulSet volume claims set persistentVolumeClaimRetentionPolicy.whenDeleted: Delete.',
      );
    }
  }

  async function collectDiagnostics(): Promise<string> {
    const sections: string[] = [];
    const section = async (title: string, args: string[]) => {
      const result = await kubectl(args, 60_000, false);
      const body = `${result.stdout}${result.stderr ? `\n${result.stderr}` : ''}`.trim();
      sections.push(`--- ${title} ---\n${tail(body || '(no output)')}`);
      return result;
    };
    await section(`events in ${ns}`, ['get', 'events', '--namespace', ns, '--sort-by=.lastTimestamp']);
    const pods = await kubectl(['get', 'pods', '--namespace', ns, '--output', 'json'], 60_000, false);
    let problems: ReturnType<typeof unreadyPods> = [];
    try {
      problems = pods.exitCode === 0 ? unreadyPods(pods.stdout) : [];
    } catch {
      sections.push(`--- pods in ${ns} ---\n(unreadable: ${pods.stdout.slice(0, 200)})`);
    }
    // A handful of pods tells the story; a crash-looping ReplicaSet should not flood the report.
    for (const pod of problems.slice(0, 5)) {
      await section(`kubectl describe pod ${pod.name}`, ['describe', 'pod', pod.name, '--namespace', ns]);
      for (const container of pod.containers) {
        if (container.started) await section(`logs of ${pod.name}/${container.name}`, ['logs', pod.name, '--container', container.name, '--namespace', ns, '--tail=200']);
        if (container.restarted) await section(`previous logs of ${pod.name}/${container.name}`, ['logs', pod.name, '--container', container.name, '--namespace', ns, '--previous', '--tail=200']);
      }
    }
    return sections.join('\n\n');
  }
}
