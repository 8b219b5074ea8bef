// Golden command lists of the install stage: every kind/helm/kubectl/docker call, in order, for
// each cluster provider and helm major, through a table-driven fake runner; and --dry-run.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { fakeRunner } from '../src/install/fakeRunner.js';
import {
  createInstallSession,
  HELM_FLAGS,
  INSTALL_FLAGS,
  type InstallOptions,
  type InstallSession,
  resolveInstallOptions,
  skewWarnings,
} from '../src/install/index.js';
import type { Helm } from '../src/tools/helm.js';
import { repoRoot } from './support/tools.js';

const HELM: Record<3 | 4, Helm> = {
  3: { path: 'helm', version: '3.17.2', major: 3, source: 'test' },
  4: { path: 'helm', version: '4.1.4', major: 4, source: 'test' },
};

const MANIFEST = `---
# Source: demo/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: demo
---
# Source: demo/templates/pvc.yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: demo-data
  annotations:
    helm.sh/resource-policy: keep
---
# Source: demo/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
---
# Source: demo/templates/job.yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: demo-migrate
`;

const version = (minor: number) => ({ major: '1', minor: String(minor), gitVersion: `v1.${minor}.0` });
const HISTORY = JSON.stringify([
  { revision: 1, status: 'superseded', description: 'Install complete' },
  { revision: 2, status: 'superseded', description: 'Upgrade complete' },
  { revision: 3, status: 'deployed', description: 'Rollback to 1' },
]);

/** Outputs a healthy cluster gives; tests put their own rules in front. */
const HEALTHY = [
  [/^kind get clusters/, { stdout: 'chartwright\nsomeone-elses\n' }],
  [/^kind get kubeconfig/, { stdout: 'apiVersion: v1\nkind: Config\ncurrent-context: kind-chartwright\n' }],
  [/^kubectl version --client/, { stdout: JSON.stringify({ clientVersion: version(34) }) }],
  [/^kubectl version --output=json/, { stdout: JSON.stringify({ clientVersion: version(34), serverVersion: version(35) }) }],
  [/^kubectl config view/, { stdout: 'apiVersion: v1\nkind: Config\ncurrent-context: staging\n' }],
  [/^helm get manifest/, { stdout: MANIFEST }],
  [/^helm history/, { stdout: HISTORY }],
  [/^helm test/, { stdout: 'TEST SUITE:     demo-test-connection\nPhase:          Succeeded\n\nPOD LOGS: demo-test-connection\nready' }],
] as const;

type Provider = 'kind' | 'kind-reuse' | 'context' | 'k3s';

const tmpRoots: string[] = [];
afterEach(() => {
  for (const dir of tmpRoots.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function optionsFor(provider: Provider, extra: Partial<InstallOptions> = {}): Partial<InstallOptions> {
  return {
    cluster: provider === 'kind-reuse' ? 'kind' : provider,
    reuse: provider === 'kind-reuse',
    kindConfig: join(repoRoot, 'kind-config.yaml'),
    kubectl: 'kubectl',
    loadImage: provider === 'context' ? [] : ['registry.example.com/medtech/demo:1.0.0'],
    imageOverride: 'docker.io/jmalloc/echo-server:0.3.1',
    ...(provider === 'context' ? { kubeContext: 'staging' } : {}),
    ...extra,
  };
}

async function run(provider: Provider, major: 3 | 4, extra: Partial<InstallOptions> = {}) {
  const runner = fakeRunner([...HEALTHY] as never);
  const printed: string[] = [];
  const tmpRoot = mkdtempSync(join(tmpdir(), 'cw-plan-'));
  tmpRoots.push(tmpRoot);
  let kubeconfigMode = 0;
  let session: InstallSession | undefined;
  session = await createInstallSession(optionsFor(provider, extra), {
    helm: HELM[major],
    runner,
    runId: 'r1',
    tmpRoot,
    signals: null,
    print: (line) => printed.push(line),
    env: { PATH: '' },
    startK3s: async (image) => {
      runner.calls.push(`<testcontainers: start ${image}>`);
      return { kubeconfig: 'apiVersion: v1\nkind: Config\n', containerId: 'k3s0123', stop: async () => void runner.calls.push('<testcontainers: stop k3s0123>') };
    },
  });
  const result = await session.runInstallStage('/charts/demo', ['ci/prod-values.yaml'], 'demo');
  const kubeconfig = join(session.workDir ?? '', 'kubeconfig');
  if (existsSync(kubeconfig)) kubeconfigMode = statSync(kubeconfig).mode & 0o777;
  const workDir = session.workDir ?? '';
  await session.cleanup();
  const normalise = (line: string) => line.replaceAll(workDir, '$TMP').replaceAll(repoRoot, '$REPO/').replaceAll('$REPO//', '$REPO/');
  return { session, result, calls: runner.calls.map(normalise), printed: printed.map(normalise), workDir, kubeconfigMode };
}

const K = '--kubeconfig $TMP/kubeconfig';
const NS = 'cw-r1-1-demo';
const LEFTOVER_KINDS =
  'deployments.apps,statefulsets.apps,daemonsets.apps,replicasets.apps,jobs.batch,cronjobs.batch,pods,services,configmaps,secrets,serviceaccounts,persistentvolumeclaims,ingresses.networking.k8s.io,networkpolicies.networking.k8s.io,poddisruptionbudgets.policy,horizontalpodautoscalers.autoscaling,roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io';
const VALUES = '--values /charts/demo/ci/prod-values.yaml --set-string image.repository=docker.io/jmalloc/echo-server --set-string image.tag=0.3.1';

const SETUP: Record<Provider, string[]> = {
  kind: [
    "docker info --format '{{.ServerVersion}}'",
    'kind version',
    'kubectl version --client --output=json',
    `kind create cluster --name chartwright-r1 --config $REPO/kind-config.yaml ${K} --wait 5m`,
    `kubectl version --output=json ${K}`,
    'kind load docker-image registry.example.com/medtech/demo:1.0.0 --name chartwright-r1',
  ],
  'kind-reuse': [
    "docker info --format '{{.ServerVersion}}'",
    'kind version',
    'kubectl version --client --output=json',
    'kind get clusters',
    'kind get kubeconfig --name chartwright',
    `kubectl version --output=json ${K}`,
    'kind load docker-image registry.example.com/medtech/demo:1.0.0 --name chartwright',
  ],
  context: [
    'kubectl version --client --output=json',
    'kubectl config view --raw --minify --flatten --context staging',
    `kubectl version --output=json ${K}`,
  ],
  k3s: [
    "docker info --format '{{.ServerVersion}}'",
    'kubectl version --client --output=json',
    '<testcontainers: start rancher/k3s:v1.35.5-k3s1>',
    `kubectl version --output=json ${K}`,
    'docker save --output $TMP/image-1.tar registry.example.com/medtech/demo:1.0.0',
    'docker cp $TMP/image-1.tar k3s0123:/tmp/chartwright-image-1.tar',
    'docker exec k3s0123 ctr --namespace k8s.io images import /tmp/chartwright-image-1.tar',
  ],
};

const TEARDOWN: Record<Provider, string[]> = {
  kind: [`kind delete cluster --name chartwright-r1 ${K}`],
  'kind-reuse': [], // reused, so never deleted
  context: [],
  k3s: ['<testcontainers: stop k3s0123>'],
};

const STAGE: Record<3 | 4, string[]> = {
  3: [
    `kubectl create namespace ${NS} ${K}`,
    `kubectl label namespace ${NS} app.kubernetes.io/managed-by=chartwright chartwright.io/run=r1 ${K}`,
    `helm install demo /charts/demo --namespace ${NS} ${VALUES} --wait --wait-for-jobs --timeout 5m ${K}`,
    `helm get manifest demo --namespace ${NS} ${K}`,
    `kubectl rollout status deployment/demo --namespace ${NS} --timeout=5m ${K}`,
    `kubectl wait --for=condition=complete job/demo-migrate --namespace ${NS} --timeout=5m ${K}`,
    `helm test demo --namespace ${NS} --logs --timeout 5m ${K}`,
    `helm upgrade demo /charts/demo --namespace ${NS} --reset-values ${VALUES} --wait --wait-for-jobs --timeout 5m ${K}`,
    `helm get manifest demo --namespace ${NS} ${K}`,
    `kubectl rollout status deployment/demo --namespace ${NS} --timeout=5m ${K}`,
    `kubectl wait --for=condition=complete job/demo-migrate --namespace ${NS} --timeout=5m ${K}`,
    `helm test demo --namespace ${NS} --logs --timeout 5m ${K}`,
    `helm rollback demo 1 --namespace ${NS} --wait --wait-for-jobs --timeout 5m ${K}`,
    `helm get manifest demo --namespace ${NS} ${K}`,
    `kubectl rollout status deployment/demo --namespace ${NS} --timeout=5m ${K}`,
    `kubectl wait --for=condition=complete job/demo-migrate --namespace ${NS} --timeout=5m ${K}`,
    `helm history demo --namespace ${NS} --output json ${K}`,
    `helm uninstall demo --namespace ${NS} --wait --cascade=foreground --timeout 5m ${K}`,
    `kubectl get ${LEFTOVER_KINDS} --namespace ${NS} --selector app.kubernetes.io/instance=demo --output json ${K}`,
    // The PVC annotated helm.sh/resource-policy: keep is not expected to go.
    `kubectl get configmap/demo deployment.apps/demo job.batch/demo-migrate --namespace ${NS} --ignore-not-found --output json ${K}`,
    `kubectl delete namespace ${NS} --wait=true --timeout=5m ${K}`,
  ],
  4: [
    `kubectl create namespace ${NS} ${K}`,
    `kubectl label namespace ${NS} app.kubernetes.io/managed-by=chartwright chartwright.io/run=r1 ${K}`,
    `helm install demo /charts/demo --namespace ${NS} ${VALUES} --wait=watcher --wait-for-jobs --timeout 5m ${K}`,
    `helm get manifest demo --namespace ${NS} ${K}`,
    `kubectl rollout status deployment/demo --namespace ${NS} --timeout=5m ${K}`,
    `kubectl wait --for=condition=complete job/demo-migrate --namespace ${NS} --timeout=5m ${K}`,
    `helm test demo --namespace ${NS} --logs --timeout 5m ${K}`,
    `helm upgrade demo /charts/demo --namespace ${NS} --reset-values ${VALUES} --wait=watcher --wait-for-jobs --timeout 5m ${K}`,
    `helm get manifest demo --namespace ${NS} ${K}`,
    `kubectl rollout status deployment/demo --namespace ${NS} --timeout=5m ${K}`,
    `kubectl wait --for=condition=complete job/demo-migrate --namespace ${NS} --timeout=5m ${K}`,
    `helm test demo --namespace ${NS} --logs --timeout 5m ${K}`,
    `helm rollback demo 1 --namespace ${NS} --wait=watcher --wait-for-jobs --timeout 5m ${K}`,
    `helm get manifest demo --namespace ${NS} ${K}`,
    `kubectl rollout status deployment/demo --namespace ${NS} --timeout=5m ${K}`,
    `kubectl wait --for=condition=complete job/demo-migrate --namespace ${NS} --timeout=5m ${K}`,
    `helm history demo --namespace ${NS} --output json ${K}`,
    `helm uninstall demo --namespace ${NS} --wait=watcher --cascade=foreground --timeout 5m ${K}`,
    `kubectl get ${LEFTOVER_KINDS} --namespace ${NS} --selector app.kubernetes.io/instance=demo --output json ${K}`,
    `kubectl get configmap/demo deployment.apps/demo job.batch/demo-migrate --namespace ${NS} --ignore-not-found --output json ${K}`,
    `kubectl delete namespace ${NS} --wait=true --timeout=5m ${K}`,
  ],
};

const PROVIDERS: Provider[] = ['kind', 'kind-reuse', 'context', 'k3s'];

describe('command plan: golden lists per provider and helm major', () => {
  for (const provider of PROVIDERS) {
    for (const major of [3, 4] as const) {
      it(`${provider}, helm ${major}`, async () => {
        const { session, result, calls, workDir, kubeconfigMode } = await run(provider, major);
        expect(session.status).toBe('ready');
        expect(calls).toEqual([...SETUP[provider], ...STAGE[major], ...TEARDOWN[provider]]);
        expect(result).toMatchObject({ stage: 'install', status: 'passed', valuesFiles: ['ci/prod-values.yaml'] });
        // Test pod logs are kept in the report.
        expect(result.findings.filter((f) => f.rule === 'install/test-install' || f.rule === 'install/test-upgrade').map((f) => f.message)).toEqual([
          expect.stringContaining('POD LOGS: demo-test-connection\nready'),
          expect.stringContaining('POD LOGS: demo-test-connection\nready'),
        ]);
        // The kubeconfig is a private temporary file (kind writes its own), gone after cleanup.
        if (provider !== 'kind') expect(kubeconfigMode).toBe(0o600);
        expect(existsSync(workDir)).toBe(false);
      });
    }
  }

  it('passes --kubeconfig with the temporary file to every cluster call, and never changes a context', async () => {
    for (const provider of PROVIDERS) {
      const { calls } = await run(provider, 4);
      const clusterCalls = calls.filter((line) => /^(helm|kubectl) /.test(line) && !line.startsWith('kubectl version --client') && !line.startsWith('kubectl config view'));
      for (const line of clusterCalls) expect(line).toContain(K);
      expect(calls.filter((line) => /use-context|set-context|export kubeconfig|config set/.test(line))).toEqual([]);
      // kind create/delete write only the temporary kubeconfig.
      for (const line of calls.filter((l) => /^kind (create|delete) cluster/.test(l))) expect(line).toContain(K);
    }
  });

  it('reads the context from the user kubeconfig given, without writing it', async () => {
    // The file must exist: a --kubeconfig naming nothing is a usage error.
    const other = join(mkdtempSync(join(tmpdir(), 'chartwright-kubeconfig-')), 'other');
    writeFileSync(other, 'apiVersion: v1\nkind: Config\n');
    const { calls, session } = await run('context', 4, { kubeconfig: other });
    expect(calls[1]).toBe(`kubectl config view --raw --minify --flatten --context staging --kubeconfig ${other}`);
    expect(session.description).toBe("context staging (existing cluster; only chartwright's namespaces are touched), Kubernetes v1.35.0");
  });

  it('--upgrade-from installs the older chart first, then upgrades to the chart under test', async () => {
    const { calls } = await run('context', 4, { upgradeFrom: 'oci://registry.example.com/charts/demo' });
    expect(calls.find((line) => line.startsWith('helm install'))).toBe(
      `helm install demo oci://registry.example.com/charts/demo --namespace ${NS} ${VALUES} --wait=watcher --wait-for-jobs --timeout 5m ${K}`,
    );
    expect(calls.find((line) => line.startsWith('helm upgrade'))).toBe(
      `helm upgrade demo /charts/demo --namespace ${NS} --reset-values ${VALUES} --wait=watcher --wait-for-jobs --timeout 5m ${K}`,
    );
  });

  it('--timeout reaches every helm and kubectl wait', async () => {
    const { calls } = await run('context', 3, { timeout: '90s' });
    expect(calls.filter((line) => /--timeout[= ]5m/.test(line))).toEqual([]);
    expect(calls.filter((line) => /--timeout[= ]90s/.test(line))).toHaveLength(13);
  });

  it('names a kind cluster from --cluster-name, and creates a --reuse cluster that is not running', async () => {
    const named = await run('kind', 4, { clusterName: 'ci-1' });
    expect(named.calls).toContain(`kind create cluster --name ci-1 --config $REPO/kind-config.yaml ${K} --wait 5m`);
    expect(named.calls.at(-1)).toBe(`kind delete cluster --name ci-1 ${K}`);
    const absent = await run('kind-reuse', 4, { clusterName: 'not-running' });
    expect(absent.calls.slice(3, 5)).toEqual(['kind get clusters', `kind create cluster --name not-running --config $REPO/kind-config.yaml ${K} --wait 5m`]);
    // Created by this run, so removed by it.
    expect(absent.calls.at(-1)).toBe(`kind delete cluster --name not-running ${K}`);
  });

  it('--keep-cluster keeps a created cluster and its kubeconfig, and says how to delete them', async () => {
    const { calls, printed, workDir } = await run('kind', 4, { keepCluster: true });
    expect(calls.filter((line) => line.startsWith('kind delete'))).toEqual([]);
    expect(calls).toContain(`kubectl delete namespace ${NS} --wait=true --timeout=5m ${K}`);
    expect(printed).toEqual([
      'chartwright kept the cluster (--keep-cluster); delete it afterwards with:',
      `  kind delete cluster --name chartwright-r1 ${K}`,
      '  rm -rf $TMP',
    ]);
    expect(existsSync(workDir)).toBe(true);
    rmSync(workDir, { recursive: true, force: true });
  });
});

describe('helm 3 and 4 flags come from one table', () => {
  it('chooses by major', () => {
    expect(HELM_FLAGS[3]).toEqual({
      wait: '--wait',
      waitLegacy: '--wait',
      waitForJobs: '--wait-for-jobs',
      rollbackOnFailure: '--atomic',
      forceReplace: '--force',
      dryRunClient: '--dry-run=client',
      dryRunServer: '--dry-run=server',
      uninstallWait: '--wait',
    });
    expect(HELM_FLAGS[4]).toEqual({
      wait: '--wait=watcher',
      waitLegacy: '--wait=legacy',
      waitForJobs: '--wait-for-jobs',
      rollbackOnFailure: '--rollback-on-failure',
      forceReplace: '--force-replace',
      dryRunClient: '--dry-run=client',
      dryRunServer: '--dry-run=server',
      uninstallWait: '--wait=watcher',
    });
    // Optional-value flags always carry their value after '=' (helm-kind-facts §1.2).
    for (const value of [...Object.values(HELM_FLAGS[3]), ...Object.values(HELM_FLAGS[4])]) expect(value).not.toMatch(/ /);
  });
});

const DRY_SETUP: Record<Provider, string[]> = {
  kind: [
    '# chartwright install stage, run r1: helm 4 (4.1.4), --cluster kind, kubeconfig $TMP/kubeconfig',
    "docker info --format '{{.ServerVersion}}'",
    'kind version',
    'kubectl version --client --output=json',
    `kind create cluster --name chartwright-r1 --config $REPO/kind-config.yaml ${K} --wait 5m`,
    `kubectl version --output=json ${K}`,
    'kind load docker-image registry.example.com/medtech/demo:1.0.0 --name chartwright-r1',
  ],
  'kind-reuse': [
    '# chartwright install stage, run r1: helm 4 (4.1.4), --cluster kind, kubeconfig $TMP/kubeconfig',
    "docker info --format '{{.ServerVersion}}'",
    'kind version',
    'kubectl version --client --output=json',
    'kind get clusters',
    '# if chartwright is listed, reuse it: `kind get kubeconfig --name chartwright` written to $TMP/kubeconfig; otherwise create it:',
    `kind create cluster --name chartwright --config $REPO/kind-config.yaml ${K} --wait 5m`,
    `kubectl version --output=json ${K}`,
    'kind load docker-image registry.example.com/medtech/demo:1.0.0 --name chartwright',
  ],
  context: [
    '# chartwright install stage, run r1: helm 4 (4.1.4), --cluster context, kubeconfig $TMP/kubeconfig',
    'kubectl version --client --output=json',
    'kubectl config view --raw --minify --flatten --context staging',
    '# write its output to $TMP/kubeconfig (mode 0600)',
    `kubectl version --output=json ${K}`,
  ],
  k3s: [
    '# chartwright install stage, run r1: helm 4 (4.1.4), --cluster k3s, kubeconfig $TMP/kubeconfig',
    "docker info --format '{{.ServerVersion}}'",
    'kubectl version --client --output=json',
    '# start rancher/k3s:v1.35.5-k3s1 through testcontainers (a privileged container its reaper removes even if chartwright is killed); its kubeconfig goes to $TMP/kubeconfig',
    `kubectl version --output=json ${K}`,
    'docker save --output $TMP/image-1.tar registry.example.com/medtech/demo:1.0.0',
    'docker cp $TMP/image-1.tar K3S_CONTAINER:/tmp/chartwright-image-1.tar',
    'docker exec K3S_CONTAINER ctr --namespace k8s.io images import /tmp/chartwright-image-1.tar',
  ],
};

const DRY_WAIT = [
  `helm get manifest demo --namespace ${NS} ${K}`,
  '# for each Deployment, StatefulSet and DaemonSet in the manifest:',
  `kubectl rollout status KIND/NAME --namespace ${NS} --timeout=5m ${K}`,
  '# for each Job in the manifest:',
  `kubectl wait --for=condition=complete job/NAME --namespace ${NS} --timeout=5m ${K}`,
];

const DRY_STAGE = [
  `# demo [values.yaml + ci/prod-values.yaml]: release demo in namespace ${NS}`,
  `kubectl create namespace ${NS} ${K}`,
  `kubectl label namespace ${NS} app.kubernetes.io/managed-by=chartwright chartwright.io/run=r1 ${K}`,
  `helm install demo /charts/demo --namespace ${NS} ${VALUES} --wait=watcher --wait-for-jobs --timeout 5m ${K}`,
  ...DRY_WAIT,
  `helm test demo --namespace ${NS} --logs --timeout 5m ${K}`,
  `helm upgrade demo /charts/demo --namespace ${NS} --reset-values ${VALUES} --wait=watcher --wait-for-jobs --timeout 5m ${K}`,
  ...DRY_WAIT,
  `helm test demo --namespace ${NS} --logs --timeout 5m ${K}`,
  `helm rollback demo 1 --namespace ${NS} --wait=watcher --wait-for-jobs --timeout 5m ${K}`,
  ...DRY_WAIT,
  `helm history demo --namespace ${NS} --output json ${K}`,
  `helm uninstall demo --namespace ${NS} --wait=watcher --cascade=foreground --timeout 5m ${K}`,
  `kubectl get ${LEFTOVER_KINDS} --namespace ${NS} --selector app.kubernetes.io/instance=demo --output json ${K}`,
  "# then every object of the release's manifests, by namespace:",
  `kubectl get KIND/NAME... --namespace ${NS} --ignore-not-found --output json ${K}`,
  `kubectl delete namespace ${NS} --wait=true --timeout=5m ${K}`,
];

const DRY_TEARDOWN: Record<Provider, string[]> = {
  kind: [`kind delete cluster --name chartwright-r1 ${K}`, '# remove $TMP'],
  'kind-reuse': ['# only if this run created chartwright:', `kind delete cluster --name chartwright ${K}`, '# remove $TMP'],
  context: ['# remove $TMP'],
  k3s: ['# stop and remove the K3s container (testcontainers)', '# remove $TMP'],
};

describe('--dry-run', () => {
  for (const provider of PROVIDERS) {
    it(`prints every command in order and runs none (${provider})`, async () => {
      const runner = fakeRunner([[/./, () => expect.fail('--dry-run ran a command')]]);
      const printed: string[] = [];
      const tmpRoot = mkdtempSync(join(tmpdir(), 'cw-dry-'));
      tmpRoots.push(tmpRoot);
      const session = await createInstallSession(optionsFor(provider, { dryRun: true }), {
        helm: HELM[4],
        runner,
        runId: 'r1',
        tmpRoot,
        print: (line) => printed.push(line),
        env: { PATH: '' },
        startK3s: () => expect.fail('--dry-run started K3s'),
      });
      const result = await session.runInstallStage('/charts/demo', ['ci/prod-values.yaml'], 'demo');
      await session.cleanup();
      const workDir = session.workDir as string;
      const lines = printed.map((line) => line.replaceAll(workDir, '$TMP').replaceAll(`${repoRoot}/`, '$REPO/').replaceAll(repoRoot, '$REPO/'));
      expect(runner.calls).toEqual([]);
      expect(lines).toEqual([...DRY_SETUP[provider], ...DRY_STAGE, ...DRY_TEARDOWN[provider]]);
      expect(result.status).toBe('passed');
      // Nothing was created on disk either.
      expect(existsSync(workDir)).toBe(false);
    });
  }

  it('prints stages one after another when they are started together', async () => {
    const printed: string[] = [];
    const session = await createInstallSession(optionsFor('context', { dryRun: true }), {
      helm: HELM[3],
      runner: fakeRunner([[/./, () => expect.fail('--dry-run ran a command')]]),
      runId: 'r1',
      print: (line) => printed.push(line),
      env: { PATH: '' },
    });
    await Promise.all([
      session.runInstallStage('/charts/a', [], 'a'),
      session.runInstallStage('/charts/b', ['values-dev.yaml'], 'b'),
    ]);
    await session.cleanup();
    const headers = printed.map((line, index) => [line, index] as const).filter(([line]) => line.startsWith('# a [') || line.startsWith('# b ['));
    expect(headers.map(([line]) => line)).toEqual(['# a [values.yaml]: release a in namespace cw-r1-1-a', '# b [values.yaml + values-dev.yaml]: release b in namespace cw-r1-2-b']);
    const secondStart = headers[1]?.[1] as number;
    // Every command of the first stage comes before the second stage starts.
    expect(printed.slice(secondStart).some((line) => line.includes('cw-r1-1-a'))).toBe(false);
    expect(printed.filter((line) => line.startsWith('kubectl delete namespace cw-r1-1-a'))).toHaveLength(1);
  });
});

describe('preflight: skipped with the reason, or failed under --require-install', () => {
  const skipped = async (provider: Provider, rules: [RegExp, object][], extra: Partial<InstallOptions> = {}, startK3s?: () => Promise<never>) => {
    const runner = fakeRunner([...rules, ...HEALTHY] as never);
    const session = await createInstallSession(optionsFor(provider, extra), {
      helm: HELM[4],
      runner,
      runId: 'r1',
      signals: null,
      print: () => {},
      env: { PATH: '' },
      ...(startK3s ? { startK3s } : {}),
    });
    const result = await session.runInstallStage('/charts/demo', [], 'demo');
    await session.cleanup();
    return { session, result, calls: runner.calls };
  };

  it('no docker', async () => {
    const { session, result, calls } = await skipped('kind', [[/^docker info/, { exitCode: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' }]]);
    expect(session.status).toBe('skipped');
    expect(result).toMatchObject({
      status: 'skipped',
      reason: 'no container runtime: `docker info` failed: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      findings: [],
    });
    expect(calls).toEqual(["docker info --format '{{.ServerVersion}}'"]);
  });

  it('docker not installed', async () => {
    const { result } = await skipped('k3s', [[/^docker info/, { exitCode: 127, stderr: 'spawn docker ENOENT' }]]);
    expect(result.reason).toBe('no container runtime: docker is not installed');
  });

  it('no kind binary', async () => {
    const { result, calls } = await skipped('kind', [[/^kind version/, { exitCode: 127, stderr: 'spawn kind ENOENT' }]]);
    expect(result.status).toBe('skipped');
    expect(result.reason).toBe('no kind binary: `kind` is not on PATH (install kind v0.31.0 or set KIND_BIN; with Docker alone use --cluster k3s)');
    expect(calls.some((line) => line.startsWith('kind create'))).toBe(false);
  });

  it('no reachable cluster for a context', async () => {
    const { result, calls } = await skipped('context', [[/^kubectl version --output=json/, { exitCode: 1, stderr: 'Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout' }]]);
    expect(result.reason).toBe('no reachable cluster: context staging of $KUBECONFIG or ~/.kube/config does not answer: Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout');
    expect(calls.some((line) => line.includes('create namespace'))).toBe(false);
  });

  it('an unknown context', async () => {
    const { result } = await skipped('context', [[/^kubectl config view/, { exitCode: 1, stderr: 'error: context "nope" does not exist' }]], { kubeContext: 'nope' });
    expect(result.reason).toBe('no reachable cluster: cannot read context nope of $KUBECONFIG or ~/.kube/config: error: context "nope" does not exist');
  });

  it('K3s without its optional dependency', async () => {
    const { K3sUnavailable } = await import('../src/install/k3s.js');
    const { result } = await skipped('k3s', [], {}, async () => {
      throw new K3sUnavailable('the k3s provider needs the optional dependency @testcontainers/k3s, which is not installed');
    });
    expect(result).toMatchObject({ status: 'skipped', reason: expect.stringContaining('@testcontainers/k3s') });
  });

  it('--require-install turns the skip into a failure with the same reason', async () => {
    const { result } = await skipped('kind', [[/^kind version/, { exitCode: 127 }]], { requireInstall: true });
    expect(result.status).toBe('failed');
    expect(result.reason).toContain('no kind binary');
    expect(result.reason).toContain('(--require-install)');
    expect(result.findings).toEqual([{ severity: 'error', message: expect.stringContaining('no kind binary') }]);
  });

  it('a failed cluster setup fails the stage (it is not a missing prerequisite)', async () => {
    const { session, result, calls } = await skipped('kind', [[/^kind create cluster/, { exitCode: 1, stderr: 'ERROR: failed to create cluster: could not pull image' }]]);
    expect(session.status).toBe('failed');
    expect(result).toMatchObject({ status: 'failed', reason: 'kind create cluster --name chartwright-r1 failed: ERROR: failed to create cluster: could not pull image' });
    // A half-created cluster of ours is still deleted.
    expect(calls.at(-1)).toMatch(/^kind delete cluster --name chartwright-r1 --kubeconfig /);
  });
});

describe('version skew', () => {
  it('warns when the cluster is outside kubectl ±1 or the helm window, in every stage result', async () => {
    const runner = fakeRunner([[/^kubectl version --output=json/, { stdout: JSON.stringify({ serverVersion: version(37) }) }], ...HEALTHY] as never);
    const session = await createInstallSession(optionsFor('context'), { helm: HELM[4], runner, runId: 'r1', signals: null, print: () => {}, env: { PATH: '' } });
    const result = await session.runInstallStage('/charts/demo', [], 'demo');
    await session.cleanup();
    expect(session.warnings).toEqual([
      'version skew: the cluster runs Kubernetes 1.37 (v1.37.0) but kubectl v1.34.0 supports 1.33–1.35 only; use a kubectl within one minor of the cluster (--kubectl or KUBECTL_BIN)',
      'version skew: the cluster runs Kubernetes 1.37 but helm 4.1.4 supports 1.32–1.35; results may not hold for a supported pairing',
    ]);
    expect(result.findings.filter((f) => f.severity === 'warning').map((f) => f.message)).toEqual(session.warnings);
    expect(result.status).toBe('passed');
  });

  it('knows the helm windows of reference §1.10', () => {
    const server = (minor: number) => ({ gitVersion: `v1.${minor}.0`, minor });
    const ok = (helm: string, minor: number) => skewWarnings(server(minor), undefined, { version: helm, major: Number(helm[0]) as 3 | 4 }).length === 0;
    expect([28, 29, 32, 33].map((m) => ok('3.17.2', m))).toEqual([false, true, true, false]);
    expect([31, 32, 35, 36].map((m) => ok('4.1.4', m))).toEqual([false, true, true, false]);
    expect([32, 33, 36, 37].map((m) => ok('4.2.4', m))).toEqual([false, true, true, false]);
    expect([32, 33, 36, 37].map((m) => ok('3.21.4', m))).toEqual([false, true, true, false]);
  });
});

describe('options', () => {
  it('declares a flag for every option, with its property and default', () => {
    const resolved = resolveInstallOptions({});
    const keys = INSTALL_FLAGS.map((flag) => flag.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of Object.keys(resolved)) expect(keys).toContain(key);
    for (const flag of INSTALL_FLAGS) {
      // commander's camel-cased name of the flag is the option's property.
      expect(flag.name.slice(2).replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())).toBe(flag.key);
      if (flag.default !== undefined) expect(resolved[flag.key]).toEqual(flag.default);
    }
    expect(resolved.kindConfig).toBe(join(repoRoot, 'kind-config.yaml'));
  });

  it.each([
    [{ cluster: 'minikube' }, 'invalid --cluster "minikube"'],
    [{ timeout: '5 minutes' }, 'invalid --timeout "5 minutes"'],
    [{ timeout: '0s' }, 'must be longer than zero'],
    [{ imageOverride: 'echo-server' }, 'must be REPOSITORY:TAG'],
    [{ imageOverride: 'localhost:5000/echo' }, 'must be REPOSITORY:TAG'],
    [{ installConcurrency: 0 }, 'invalid --install-concurrency'],
    [{ clusterName: 'Bad_Name' }, 'invalid --cluster-name'],
    [{ cluster: 'k3s', reuse: true }, '--reuse and --cluster-name apply to --cluster kind only'],
    [{ kubeContext: 'prod' }, '--kube-context and --kubeconfig apply to --cluster context only'],
    [{ cluster: 'context', loadImage: ['app:1'] }, '--load-image needs a cluster chartwright runs'],
    [{ cluster: 'context', keepCluster: true }, '--keep-cluster applies to clusters chartwright creates'],
  ] as const)('rejects %j', (raw, message) => {
    expect(() => resolveInstallOptions(raw as never)).toThrow(UsageError);
    expect(() => resolveInstallOptions(raw as never)).toThrow(message);
  });

  it('accepts a registry port in --image-override', async () => {
    const { calls } = await run('context', 4, { imageOverride: 'localhost:5000/team/echo:1.10' });
    expect(calls.find((line) => line.startsWith('helm install'))).toContain('--set-string image.repository=localhost:5000/team/echo --set-string image.tag=1.10');
  });
});
