// Cleanup removes exactly what chartwright created — after each step fails in turn, on timeout and
// on SIGINT/SIGTERM mid-stage — and a failure carries events, pod descriptions and logs.
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Exec, Interrupted } from '../src/install/exec.js';
import { blockUntilAborted, type FakeAnswer, fakeRunner } from '../src/install/fakeRunner.js';
import { createInstallSession, execaRunner, type InstallOptions, type InstallSession, type SignalSource } from '../src/install/index.js';
import type { Helm } from '../src/tools/helm.js';
import { repoRoot } from './support/tools.js';

const HELM4: Helm = { path: 'helm', version: '4.1.4', major: 4, source: 'test' };

const MANIFEST = `---
# Source: demo/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: demo
---
# Source: demo/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
`;
const version = (minor: number) => ({ major: '1', minor: String(minor), gitVersion: `v1.${minor}.0` });
const HEALTHY: [RegExp, FakeAnswer][] = [
  [/^kind get clusters/, { stdout: 'chartwright\n' }],
  [/^kind get kubeconfig/, { stdout: 'apiVersion: v1\nkind: Config\n' }],
  [/^kubectl version --client/, { stdout: JSON.stringify({ clientVersion: version(34) }) }],
  [/^kubectl version --output=json/, { stdout: JSON.stringify({ clientVersion: version(34), serverVersion: version(35) }) }],
  [/^kubectl config view/, { stdout: 'apiVersion: v1\nkind: Config\ncurrent-context: staging\n' }],
  [/^helm get manifest/, { stdout: MANIFEST }],
  [/^helm history/, { stdout: JSON.stringify([{ revision: 1, status: 'superseded' }, { revision: 2, status: 'superseded' }, { revision: 3, status: 'deployed' }]) }],
];

/** What HEALTHY answers for a command line. */
const healthy = (line: string) => {
  const answer = HEALTHY.find(([pattern]) => pattern.test(line))?.[1];
  return typeof answer === 'object' ? answer : {};
};

const tmpRoots: string[] = [];
afterEach(() => {
  for (const dir of tmpRoots.splice(0)) rmSync(dir, { recursive: true, force: true });
});

class FakeSignals extends EventEmitter implements SignalSource {
  send(signal: NodeJS.Signals) {
    this.emit(signal, signal);
  }
}

interface Scenario {
  rules?: [RegExp, FakeAnswer][];
  options?: Partial<InstallOptions>;
  /** How many stages to start at once. */
  stages?: number;
  signals?: FakeSignals;
  graceMs?: number;
}

async function scenario({ rules = [], options = {}, stages = 1, signals, graceMs }: Scenario) {
  const runner = fakeRunner([...rules, ...HEALTHY]);
  const printed: string[] = [];
  const interrupted: string[] = [];
  const tmpRoot = mkdtempSync(join(tmpdir(), 'cw-cleanup-'));
  tmpRoots.push(tmpRoot);
  const session: InstallSession = await createInstallSession(
    { cluster: 'kind', kindConfig: join(repoRoot, 'kind-config.yaml'), kubectl: 'kubectl', ...options },
    {
      helm: HELM4,
      runner,
      runId: 'r1',
      tmpRoot,
      signals: signals ?? null,
      onInterrupted: (signal) => void interrupted.push(`${signal} after ${runner.calls.length} calls`),
      print: (line) => printed.push(line),
      env: { PATH: '' },
      ...(graceMs !== undefined ? { graceMs } : {}),
    },
  );
  const results = await Promise.all(Array.from({ length: stages }, (_, i) => session.runInstallStage(`/charts/demo${i || ''}`, [], 'demo')));
  await session.cleanup();
  const workDir = session.workDir as string;
  const calls = runner.calls.map((line) => line.replaceAll(workDir, '$TMP'));
  return { session, results, result: results[0], calls, printed, interrupted, workDirGone: !existsSync(workDir) };
}

const K = '--kubeconfig $TMP/kubeconfig';
const NS = 'cw-r1-1-demo';
const CLEANUP_UNINSTALL = `helm uninstall demo --namespace ${NS} --ignore-not-found --wait=watcher --cascade=foreground --timeout 5m ${K}`;
const CLEANUP_NAMESPACE = `kubectl delete namespace ${NS} --ignore-not-found --wait=true --timeout=5m ${K}`;
const DIAGNOSTICS = [`kubectl get events --namespace ${NS} --sort-by=.lastTimestamp ${K}`, `kubectl get pods --namespace ${NS} --output json ${K}`];
const DELETE_CLUSTER = `kind delete cluster --name chartwright-r1 ${K}`;

describe('cleanup when each step fails in turn', async () => {
  const happy = (await scenario({})).calls;
  const at = (prefix: string) => {
    const index = happy.findIndex((line) => line.startsWith(prefix));
    if (index < 0) throw new Error(`no ${prefix} in the happy path`);
    return index;
  };
  const createCluster = at('kind create cluster');
  const createNamespace = at('kubectl create namespace');
  const install = at('helm install');
  const history = at('helm history');
  const uninstall = at('helm uninstall');
  const deleteNamespace = at('kubectl delete namespace');
  const deleteCluster = at('kind delete cluster');
  const nth = (prefix: string, n: number) => happy.map((line, index) => [line, index] as const).filter(([line]) => line.startsWith(prefix))[n - 1]?.[1] as number;
  // Where each step begins on the happy path; a failure at index i belongs to the last step begun.
  const STEP_OF: [number, string][] = [
    [createNamespace, 'install/create-namespace'],
    [install, 'install/install'],
    [nth('helm get manifest', 1), 'install/ready-install'],
    [nth('helm test', 1), 'install/test-install'],
    [at('helm upgrade'), 'install/upgrade'],
    [nth('helm get manifest', 2), 'install/ready-upgrade'],
    [nth('helm test', 2), 'install/test-upgrade'],
    [at('helm rollback'), 'install/rollback'],
    [nth('helm get manifest', 3), 'install/ready-rollback'],
    [history, 'install/history'],
    [uninstall, 'install/uninstall'],
    [at('kubectl get deployments.apps'), 'install/leftovers'],
    [deleteNamespace, 'install/delete-namespace'],
  ];

  it('has a complete happy path to fail in', () => {
    expect(happy.at(-1)).toBe(DELETE_CLUSTER);
    expect(happy).toHaveLength(deleteCluster + 1);
  });

  for (let failing = 0; failing < happy.length; failing++) {
    it(`command ${failing + 1}: ${happy[failing]?.split(' --')[0]}`, async () => {
      const { calls, result, printed, workDirGone, session } = await scenario({
        rules: [[/./, (call) => (call.index === failing ? { exitCode: 1, stderr: `Error: boom at ${failing}` } : healthy(call.line))]],
      });
      // Everything up to the failure ran as on the happy path.
      expect(calls.slice(0, failing + 1)).toEqual(happy.slice(0, failing + 1));
      const after = calls.slice(failing + 1);
      if (failing === deleteCluster) {
        // The cluster's own delete failed: reported with the command to finish by hand.
        expect(after).toEqual([]);
        expect(printed).toEqual([`chartwright: could not remove kind cluster chartwright-r1: Error: boom at ${failing} (delete it with: ${DELETE_CLUSTER.replace('$TMP', session.workDir as string)})`]);
      } else if (failing < createNamespace) {
        // Setup: the stage never starts; only a cluster this run began to create is deleted.
        expect(after).toEqual(failing >= createCluster ? [DELETE_CLUSTER] : []);
        expect(result?.status).toBe(failing < createCluster ? 'skipped' : 'failed');
      } else {
        const diagnosed = (failing >= install && failing < history) || failing === uninstall;
        const releaseOwned = failing >= install && failing <= uninstall;
        const namespaceOwned = failing <= deleteNamespace;
        expect(after).toEqual([
          ...(diagnosed ? DIAGNOSTICS : []),
          ...(releaseOwned ? [CLEANUP_UNINSTALL] : []),
          ...(namespaceOwned ? [CLEANUP_NAMESPACE] : []),
          DELETE_CLUSTER,
        ]);
        expect(result?.status).toBe('failed');
        const step = [...STEP_OF].reverse().find(([index]) => index <= failing)?.[1];
        const error = result?.findings.find((finding) => finding.severity === 'error');
        expect(error?.rule).toBe(step);
        expect(error?.message).toContain(`boom at ${failing}`);
      }
      expect(workDirGone).toBe(true);
    });
  }
});

describe('cleanup touches only what this run created', () => {
  it('leaves a namespace that already existed alone', async () => {
    const { calls, result } = await scenario({ rules: [[/^kubectl create namespace/, { exitCode: 1, stderr: `Error from server (AlreadyExists): namespaces "${NS}" already exists` }]] });
    expect(calls.filter((line) => line.includes(NS))).toEqual([`kubectl create namespace ${NS} ${K}`]);
    expect(calls.at(-1)).toBe(DELETE_CLUSTER);
    expect(result?.findings.at(-1)?.message).toBe(`step "create namespace" failed: namespace ${NS} already exists and was not created by this run; it was left untouched`);
  });

  it('never deletes a reused cluster', async () => {
    const { calls, result } = await scenario({ options: { reuse: true }, rules: [[/^helm install/, { exitCode: 1, stderr: 'Error: INSTALLATION FAILED: context deadline exceeded' }]] });
    expect(result?.status).toBe('failed');
    expect(calls.filter((line) => line.startsWith('kind '))).toEqual(['kind version', 'kind get clusters', 'kind get kubeconfig --name chartwright']);
    expect(calls.slice(-2)).toEqual([CLEANUP_UNINSTALL, CLEANUP_NAMESPACE]);
  });

  it('never deletes a kind cluster of the same name that it did not create', async () => {
    const { calls, session } = await scenario({
      options: { clusterName: 'theirs' },
      rules: [[/^kind create cluster/, { exitCode: 1, stderr: 'ERROR: failed to create cluster: node(s) already exist for a cluster with the name "theirs"' }]],
    });
    expect(session.status).toBe('failed');
    expect(session.reason).toBe('a kind cluster named theirs already exists and this run did not create it; pass --reuse to use it, or choose another --cluster-name');
    expect(calls.filter((line) => line.startsWith('kind delete'))).toEqual([]);
  });

  it('on an existing context, removes only its own release and namespace', async () => {
    const { calls } = await scenario({ options: { cluster: 'context', kindConfig: undefined }, rules: [[/^helm upgrade/, { exitCode: 1, stderr: 'Error: UPGRADE FAILED: boom' }]] });
    const deletions = calls.filter((line) => /\b(delete|uninstall)\b/.test(line));
    expect(deletions).toEqual([CLEANUP_UNINSTALL, CLEANUP_NAMESPACE]);
  });

  it('--keep removes nothing and prints the commands that delete everything it kept', async () => {
    const { calls, printed, result, session } = await scenario({ options: { keep: true } });
    expect(calls.filter((line) => /\b(delete|uninstall)\b/.test(line))).toEqual([]);
    expect(result?.findings.map((f) => f.message)).toContain(`--keep: release demo and namespace ${NS} are kept; uninstall was not tested`);
    const dir = session.workDir as string;
    expect(printed).toEqual([
      'chartwright kept everything for debugging (--keep); delete it afterwards with:',
      `  helm uninstall demo --namespace ${NS} --kubeconfig ${dir}/kubeconfig`,
      `  kubectl delete namespace ${NS} --ignore-not-found --kubeconfig ${dir}/kubeconfig`,
      `  kind delete cluster --name chartwright-r1 --kubeconfig ${dir}/kubeconfig`,
      `  rm -rf ${dir}`,
    ]);
    expect(existsSync(dir)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a cleanup step that fails and still runs the rest', async () => {
    const { calls, result, session } = await scenario({
      rules: [
        [/^helm test/, { exitCode: 1, stderr: 'Error: 1 test(s) failed' }],
        [/^helm uninstall .*--ignore-not-found/, { exitCode: 1, stderr: 'Error: uninstall: timed out waiting for the condition' }],
      ],
    });
    expect(calls.slice(-3)).toEqual([CLEANUP_UNINSTALL, CLEANUP_NAMESPACE, DELETE_CLUSTER]);
    expect(result?.findings.filter((f) => f.rule === 'install/cleanup').map((f) => f.message)).toEqual([
      `could not remove release demo in namespace ${NS}: Error: uninstall: timed out waiting for the condition (delete it with: helm uninstall demo --namespace ${NS} --kubeconfig ${session.workDir}/kubeconfig)`,
    ]);
  });
});

describe('timeout', () => {
  it('stops a wait that outlives --timeout, collects diagnostics and cleans up', async () => {
    let killed = false;
    const { calls, result } = await scenario({
      options: { timeout: '200ms' },
      graceMs: 0,
      rules: [
        [
          /^kubectl rollout status/,
          async ({ options }) => {
            const answer = await blockUntilAborted(options);
            killed = true;
            return answer;
          },
        ],
      ],
    });
    expect(killed).toBe(true);
    expect(result?.status).toBe('failed');
    expect(result?.findings.find((f) => f.severity === 'error')).toMatchObject({
      rule: 'install/ready-install',
      object: 'Deployment/demo',
      message: expect.stringContaining('step "workloads ready after install" failed: Deployment/demo did not become ready: timed out after 200ms'),
    });
    const rollout = calls.findIndex((line) => line.startsWith('kubectl rollout status'));
    expect(calls.slice(rollout + 1).map((line) => line.replaceAll('200ms', '5m'))).toEqual([...DIAGNOSTICS, CLEANUP_UNINSTALL, CLEANUP_NAMESPACE, DELETE_CLUSTER]);
  });
});

describe('SIGINT/SIGTERM', () => {
  it('mid-stage: stops the running command, removes what was created, then re-raises', async () => {
    const signals = new FakeSignals();
    let aborted = false;
    const { calls, results, interrupted, workDirGone } = await scenario({
      signals,
      stages: 2,
      options: { installConcurrency: 1 },
      rules: [
        [
          /^helm test/,
          async ({ options }) => {
            setImmediate(() => signals.send('SIGINT'));
            const answer = await blockUntilAborted(options);
            aborted = true;
            return answer;
          },
        ],
      ],
    });
    expect(aborted).toBe(true);
    const test = calls.findIndex((line) => line.startsWith('helm test'));
    // No diagnostics: the user asked to stop. Release, namespace and cluster go, in that order.
    expect(calls.slice(test + 1)).toEqual([CLEANUP_UNINSTALL, CLEANUP_NAMESPACE, DELETE_CLUSTER]);
    expect(results[0]).toMatchObject({ status: 'failed', reason: 'interrupted by SIGINT' });
    expect(results[0]?.findings.at(-1)?.message).toBe('interrupted by SIGINT during step "helm test after install"');
    // The second stage was waiting for its turn and never touched the cluster.
    expect(results[1]).toMatchObject({ status: 'failed', reason: 'interrupted by SIGINT' });
    expect(calls.filter((line) => line.includes('cw-r1-2-'))).toEqual([]);
    // Re-raised only once everything was removed.
    expect(interrupted).toEqual([`SIGINT after ${calls.length} calls`]);
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
    expect(workDirGone).toBe(true);
  });

  it('during cluster creation: the half-made cluster is deleted', async () => {
    const signals = new FakeSignals();
    const { calls, session, interrupted } = await scenario({
      signals,
      rules: [
        [
          /^kind create cluster/,
          ({ options }) => {
            setImmediate(() => signals.send('SIGTERM'));
            return blockUntilAborted(options);
          },
        ],
      ],
    });
    expect(session.status).toBe('failed');
    expect(session.reason).toBe('interrupted by SIGTERM while preparing the cluster');
    expect(calls.slice(-2)).toEqual([`kind create cluster --name chartwright-r1 --config ${repoRoot}/kind-config.yaml ${K} --wait 5m`, DELETE_CLUSTER]);
    expect(interrupted).toEqual([`SIGTERM after ${calls.length} calls`]);
  });

  it('a second signal exits at once and says how to remove what may be left', async () => {
    const signals = new FakeSignals();
    const { printed, interrupted } = await scenario({
      signals,
      rules: [
        [/^helm test/, ({ options }) => (setImmediate(() => signals.send('SIGINT')), blockUntilAborted(options))],
        // Cleanup hangs on the namespace; the user presses Ctrl-C again.
        [/^kubectl delete namespace/, () => (setImmediate(() => signals.send('SIGINT')), new Promise((resolve) => setTimeout(() => resolve({}), 50)))],
      ],
    });
    expect(interrupted[0]).toMatch(/^SIGINT after/);
    expect(printed[1]).toBe('chartwright: SIGINT again; exiting before cleanup finished. To remove what may be left:');
    expect(printed.slice(2, 4)).toEqual([
      expect.stringMatching(/^ {2}kubectl delete namespace --selector chartwright.io\/run=r1 --kubeconfig \S+\/kubeconfig$/),
      expect.stringMatching(/^ {2}kind delete cluster --name chartwright-r1 --kubeconfig /),
    ]);
  });
});

describe('diagnostics on a failed rollout', () => {
  const PODS = JSON.stringify({
    kind: 'List',
    items: [
      {
        kind: 'Pod',
        metadata: { name: 'demo-7d9f-abcde' },
        status: {
          phase: 'Running',
          containerStatuses: [
            { name: 'app', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } },
          ],
        },
      },
      {
        kind: 'Pod',
        metadata: { name: 'demo-7d9f-fghij' },
        status: { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }] },
      },
      { kind: 'Pod', metadata: { name: 'demo-migrate-xyz' }, status: { phase: 'Succeeded' } },
      { kind: 'Pod', metadata: { name: 'demo-ok' }, status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, state: { running: {} } }] } },
    ],
  });

  it('puts events, describe output and current and previous logs in the finding, naming the step', async () => {
    const { calls, result } = await scenario({
      rules: [
        [/^kubectl rollout status/, { exitCode: 1, stderr: 'error: deployment "demo" exceeded its progress deadline' }],
        [/^kubectl get events/, { stdout: 'LAST SEEN   TYPE      REASON    OBJECT                MESSAGE\n12s         Warning   BackOff   pod/demo-7d9f-abcde   Back-off restarting failed container app' }],
        [/^kubectl get pods/, { stdout: PODS }],
        [/^kubectl describe pod demo-7d9f-abcde/, { stdout: 'Name: demo-7d9f-abcde\nState: Waiting\n  Reason: CrashLoopBackOff' }],
        [/^kubectl describe pod demo-7d9f-fghij/, { stdout: 'Name: demo-7d9f-fghij\n  Reason: ImagePullBackOff' }],
        [/^kubectl logs demo-7d9f-abcde .*--previous/, { stdout: 'panic: cannot open /data/db: read-only file system' }],
        [/^kubectl logs demo-7d9f-abcde/, { stdout: 'starting alarm-gateway 1.0.0' }],
      ],
    });
    const rollout = calls.findIndex((line) => line.startsWith('kubectl rollout status'));
    expect(calls.slice(rollout + 1)).toEqual([
      ...DIAGNOSTICS,
      `kubectl describe pod demo-7d9f-abcde --namespace ${NS} ${K}`,
      `kubectl logs demo-7d9f-abcde --container app --namespace ${NS} --tail=200 ${K}`,
      `kubectl logs demo-7d9f-abcde --container app --namespace ${NS} --previous --tail=200 ${K}`,
      // Never started: no logs to read.
      `kubectl describe pod demo-7d9f-fghij --namespace ${NS} ${K}`,
      CLEANUP_UNINSTALL,
      CLEANUP_NAMESPACE,
      DELETE_CLUSTER,
    ]);
    const errors = result?.findings.filter((f) => f.severity === 'error') ?? [];
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error).toMatchObject({ rule: 'install/ready-install', object: 'Deployment/demo' });
    const message = error?.message ?? '';
    expect(message.split('\n')[0]).toBe('step "workloads ready after install" failed: Deployment/demo did not become ready: error: deployment "demo" exceeded its progress deadline');
    for (const expected of [
      `--- events in ${NS} ---`,
      'Back-off restarting failed container app',
      '--- kubectl describe pod demo-7d9f-abcde ---',
      'Reason: CrashLoopBackOff',
      '--- logs of demo-7d9f-abcde/app ---\nstarting alarm-gateway 1.0.0',
      '--- previous logs of demo-7d9f-abcde/app ---\npanic: cannot open /data/db: read-only file system',
      '--- kubectl describe pod demo-7d9f-fghij ---',
    ]) {
      expect(message).toContain(expected);
    }
    expect(result?.reason).toBe('failed at: workloads ready after install');
  });

  it('names a failed helm test and keeps its pod logs', async () => {
    const { result } = await scenario({
      rules: [[/^helm test/, { exitCode: 1, stdout: 'TEST SUITE:     demo-test-connection\nPhase:          Failed\n\nPOD LOGS: demo-test-connection\nwget: server returned error: HTTP/1.1 503', stderr: 'Error: 1 error occurred:\n\t* pod demo-test-connection failed' }]],
    });
    const error = result?.findings.find((f) => f.severity === 'error');
    expect(error?.rule).toBe('install/test-install');
    expect(error?.message).toContain('step "helm test after install" failed: Error: 1 error occurred:');
    expect(error?.message).toContain('POD LOGS: demo-test-connection\nwget: server returned error: HTTP/1.1 503');
  });

  it('checks helm history for three revisions with the last deployed', async () => {
    const { result } = await scenario({ rules: [[/^helm history/, { stdout: JSON.stringify([{ revision: 1, status: 'superseded' }, { revision: 2, status: 'deployed' }]) }]] });
    expect(result?.findings.find((f) => f.severity === 'error')?.message).toBe(
      'step "helm history" failed: expected revisions 1 superseded, 2 superseded, 3 deployed (install, upgrade, rollback to 1); helm history shows 1 superseded, 2 deployed',
    );
  });

  it('reports what the release left behind, except what helm was told to keep', async () => {
    const leftovers = JSON.stringify({
      kind: 'List',
      items: [
        { kind: 'PersistentVolumeClaim', metadata: { name: 'data-demo-0' } },
        { kind: 'PersistentVolumeClaim', metadata: { name: 'kept', annotations: { 'helm.sh/resource-policy': 'keep' } } },
      ],
    });
    const { result, calls } = await scenario({
      rules: [
        [/^kubectl get deployments\.apps/, { stdout: leftovers }],
        [/^kubectl get configmap\/demo/, { stdout: JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'demo' } }) }],
      ],
    });
    const error = result?.findings.find((f) => f.severity === 'error');
    expect(error?.rule).toBe('install/leftovers');
    expect(error?.message).toContain('2 object(s) the release created remain after helm uninstall: ConfigMap/demo, PersistentVolumeClaim/data-demo-0.');
    // The namespace, and with it the leftovers, still goes.
    expect(calls.slice(-2)).toEqual([CLEANUP_NAMESPACE, DELETE_CLUSTER]);
  });
});

describe('the real runner (execa)', () => {
  const node = process.execPath;
  const exec = (interrupt: AbortSignal = new AbortController().signal) =>
    new Exec({ runner: execaRunner, dryRun: false, print: () => {}, interrupt, env: { CW_PROBE: 'set' } });

  it('returns exit code, stdout and stderr without a shell, with the extra environment', async () => {
    const result = await exec().run(node, ['-e', 'process.stdout.write(process.env.CW_PROBE + " $HOME"); process.stderr.write("warn"); process.exit(3)'], { timeoutMs: 30_000 });
    expect(result).toEqual({ exitCode: 3, stdout: 'set $HOME', stderr: 'warn' });
  });

  it('reports a missing program as exit 127', async () => {
    const result = await exec().run('chartwright-no-such-binary', ['version'], { timeoutMs: 30_000 });
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toContain('ENOENT');
  });

  it('kills a process that outlives its time limit', async () => {
    const started = Date.now();
    const result = await exec().run(node, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 300 });
    expect(result).toMatchObject({ exitCode: 124, timedOut: true, stderr: 'timed out after 300ms' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('kills a running process on interrupt, but lets cleanup commands run afterwards', async () => {
    const interrupt = new AbortController();
    const runner = exec(interrupt.signal);
    const running = runner.run(node, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 60_000 });
    setTimeout(() => interrupt.abort('SIGINT'), 100);
    await expect(running).rejects.toThrow(Interrupted);
    await expect(runner.run(node, ['-e', ''], { timeoutMs: 30_000 })).rejects.toThrow(Interrupted);
    expect((await runner.run(node, ['-e', 'process.exit(0)'], { timeoutMs: 30_000, interruptible: false })).exitCode).toBe(0);
  });
});
