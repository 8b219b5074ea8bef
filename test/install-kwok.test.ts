// The install stage on a real Kubernetes API server: KWOK clusters (kube-apiserver, controller
// manager, scheduler and etcd 1.35 as real processes, simulated nodes) created by `chartwright
// test --cluster kwok` itself, with the four helms of the matrix. No mocks: real helm, real
// admission, real controllers, a real loopback OCI registry for the dependencies.
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Report } from '../src/report/model.js';
import { runCli } from './support/cli.js';
import { kwokEnv, kwokMissing, matrixHelms, processesMentioning, provisioned, startKwokCluster } from './support/kwok.js';
import { pushFixtureCharts, registryAvailable, startRegistry, type Registry } from './support/registry.js';
import { isolatedHelmEnv, repoRoot } from './support/tools.js';

const missing = kwokMissing() ?? (registryAvailable().ok ? undefined : (registryAvailable() as { reason: string }).reason);
if (missing) console.log(`skipping the KWOK install tests: ${missing}`);

const helms = missing ? [] : matrixHelms();
const newest4 = helms.filter((helm) => helm.version.startsWith('4.')).at(-1);
const MINUTES = 60_000;

let registry: Registry | undefined;
let work = '';

/** `chartwright test ... --cluster kwok --format json`, parsed. */
async function kwokTest(args: string[], helmPath: string, timeoutMs = 15 * MINUTES): Promise<{ exitCode: number; report: Report | undefined; stderr: string; stdout: string }> {
  const result = await runCli(['test', ...args, '--cluster', 'kwok', '--mirror', registry!.url, '--kube-version', '1.35', '--timeout', '2m', '--format', 'json'], {
    env: kwokEnv(helmPath),
    timeoutMs,
  });
  let report: Report | undefined;
  try {
    report = JSON.parse(result.stdout) as Report;
  } catch {
    report = undefined;
  }
  return { ...result, report };
}

const installStages = (report: Report) => report.charts.flatMap((chart) => chart.stages.filter((stage) => stage.stage === 'install').map((stage) => ({ chart: chart.name, ...stage })));

/** helm 3.17 supports Kubernetes 1.29-1.32 (helm's skew policy): on 1.35 the report must say so. */
const outsideHelmWindow = (helmVersion: string) => helmVersion === '3.17.2';

function expectLifecycle(report: Report): void {
  expect(report.install?.provider).toBe('kwok');
  expect(report.install?.kubernetesVersion, `the cluster: ${JSON.stringify(report.install?.warnings)}`).toBe('v1.35.4');
  expect(report.install?.cannotVerify.join('\n')).toMatch(/image pull/);
  const stages = installStages(report);
  expect(stages.length).toBeGreaterThan(0);
  for (const stage of stages) {
    const skew = stage.findings.filter((finding) => finding.rule === 'install/version-skew');
    expect(skew.length > 0).toBe(outsideHelmWindow(report.helm.version));
    const problems = stage.findings.filter((finding) => finding.severity !== 'info' && finding.rule !== 'install/version-skew').map((finding) => `${finding.rule}: ${finding.message.slice(0, 400)}`);
    expect({ chart: stage.chart, values: stage.valuesFiles, status: stage.status, problems }).toEqual({ chart: stage.chart, values: stage.valuesFiles, status: 'passed', problems: [] });
    expect(stage.steps?.map((step) => step.name)).toEqual([
      'create-namespace', 'prepare', 'install', 'ready-install', 'test-install', 'upgrade', 'ready-upgrade', 'test-upgrade', 'rollback', 'ready-rollback', 'history', 'uninstall', 'leftovers', 'delete-namespace',
    ]);
    expect(stage.steps?.every((step) => step.status === 'passed')).toBe(true);
  }
}

describe.skipIf(Boolean(missing))('install stage on a KWOK cluster', () => {
  beforeAll(async () => {
    work = join(tmpdir(), `chartwright-kwok-tests-${process.pid}`);
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    registry = await startRegistry();
    const helm = helms.at(-1)!;
    await pushFixtureCharts(helm.path, registry.url, isolatedHelmEnv(join(work, 'helm-home')));
  }, 5 * MINUTES);

  afterAll(async () => {
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  describe.each(helms.map((helm) => [helm.version, helm] as const))('helm %s', (_version, helm) => {
    it('installs, tests, upgrades, rolls back and uninstalls every example chart with each values set, leaving nothing', async () => {
      const charts = join(work, `examples-${helm.version}`);
      await cp(join(repoRoot, 'charts'), charts, { recursive: true });
      // infusion-events renders a CloudNativePG Cluster: its CRD (a stand-in) goes on the cluster first.
      const { exitCode, report, stderr } = await kwokTest(['--all', charts, '--apply', join(repoRoot, 'test', 'fixtures', 'crds', 'cloudnative-pg-cluster.stand-in.yaml')], helm.path);
      expect(report, stderr).toBeDefined();
      expectLifecycle(report!);
      // Every values set of every example, each its own release.
      expect(installStages(report!).length).toBe(report!.charts.reduce((total, chart) => total + chart.stages.filter((stage) => stage.stage === 'lint').length, 0));
      expect(exitCode, stderr).toBe(0);
      // Generated credentials are read back with `lookup`: never rotated by an upgrade or rollback,
      // the chart's own and the database password the (stand-in) PostgreSQL subchart generates.
      for (const stage of installStages(report!)) {
        expect(stage.findings.map((finding) => finding.rule)).not.toContain('install/secret-rotated');
        const kept = stage.findings.find((finding) => finding.rule === 'install/secrets-kept')?.message ?? '';
        expect(kept, stage.chart).toMatch(/\/SESSION_SECRET\b/);
        if (['dose-calculator', 'patient-records'].includes(stage.chart)) expect(kept, stage.chart).toMatch(/-postgresql\/password\b/);
      }
    }, 20 * MINUTES);

    it('installs one chart per dependency combination the examples do not cover, with each values set', async () => {
      const combos = [
        { name: 'combo-redis-in', dependencies: 'redis', redisProvider: 'in-cluster' },
        { name: 'combo-redis-ext', dependencies: 'redis', redisProvider: 'external' },
        { name: 'combo-pg-ext', dependencies: 'postgresql', postgresqlProvider: 'external' },
        { name: 'combo-pg-in-redis-ext', dependencies: 'postgresql,redis', postgresqlProvider: 'in-cluster', redisProvider: 'external' },
        { name: 'combo-pg-ext-redis-in', dependencies: 'postgresql,redis', postgresqlProvider: 'external', redisProvider: 'in-cluster' },
      ];
      const dir = join(work, `combos-${helm.version}`);
      await mkdir(dir, { recursive: true });
      for (const combo of combos) {
        const flags = Object.entries(combo).flatMap(([key, value]) => [`--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`, value]);
        const created = await runCli(['new', '--yes', '--no-verify', join(dir, combo.name), ...flags]);
        expect(created.exitCode, created.stderr).toBe(0);
      }
      const { exitCode, report, stderr } = await kwokTest(['--all', dir], helm.path);
      expectLifecycle(report!);
      expect(report!.charts.map((chart) => chart.name)).toEqual(combos.map((combo) => combo.name).sort());
      expect(exitCode, stderr).toBe(0);
    }, 15 * MINUTES);
  });

  describe.skipIf(!newest4)('with the newest helm 4', () => {
    const helm = () => newest4!.path;

    it('enforces Pod Security "restricted" for class B: the API server refuses a root pod, and the stage says why at once', async () => {
      const chart = await handMadeChart('root-b', 'B', rootDeployment);
      const started = Date.now();
      const { exitCode, report } = await kwokTest([chart], helm());
      expect(exitCode).toBe(1);
      const stage = installStages(report!)[0]!;
      const failure = stage.findings.find((finding) => finding.rule === 'install/install');
      expect(failure?.message).toMatch(/refused to create pods for ReplicaSet\/.*violates PodSecurity "restricted:latest"/);
      expect(failure?.message).toMatch(/runAsNonRoot/);
      // Diagnostics: events, claims and node conditions of the namespace.
      expect(failure?.message).toMatch(/--- events in cw-/);
      expect(failure?.message).toMatch(/--- nodes and their conditions ---/);
      // Failed fast, not after the 2-minute --timeout.
      expect(Date.now() - started).toBeLessThan(100_000);
    }, 5 * MINUTES);

    it('only warns for class A: the same root pod installs', async () => {
      const chart = await handMadeChart('root-a', 'A', rootDeployment);
      const { report } = await kwokTest([chart], helm());
      expect(installStages(report!)[0]?.status).toBe('passed');
    }, 5 * MINUTES);

    it('fails fast on a claim that can never bind (WaitForFirstConsumer and no pod uses it), with the claim in the diagnostics', async () => {
      const chart = await handMadeChart('unbound', 'A', unboundClaim);
      const started = Date.now();
      const { report } = await kwokTest([chart], helm());
      const failure = installStages(report!)[0]!.findings.find((finding) => finding.rule === 'install/install');
      expect(failure?.message).toMatch(/PersistentVolumeClaim unbound-data stays Pending: its StorageClass binds a claim only when a pod uses it/);
      expect(failure?.message).toMatch(/--- persistent volume claims in cw-[\s\S]*unbound-data\s+Pending/);
      expect(Date.now() - started).toBeLessThan(100_000);
    }, 5 * MINUTES);

    it('reports a Secret that an upgrade regenerates (no lookup of the existing one)', async () => {
      const chart = await handMadeChart('rotating', 'A', rotatingSecret);
      const { report } = await kwokTest([chart], helm());
      const rotated = installStages(report!)[0]!.findings.find((finding) => finding.rule === 'install/secret-rotated');
      expect(rotated?.message).toMatch(/rotating-credentials\/password/);
    }, 5 * MINUTES);

    it('gives three concurrent releases of one chart distinct names: a cluster-scoped object named after the release never collides', async () => {
      const chart = await handMadeChart('clusterwide', 'A', clusterScoped);
      for (const [index, name] of ['values-one.yaml', 'values-two.yaml'].entries()) await writeFile(join(chart, name), `replicas: ${index + 2}\n`);
      const { exitCode, report, stderr } = await kwokTest([chart, '--install-concurrency', '3'], helm());
      expect(installStages(report!).map((stage) => stage.status)).toEqual(['passed', 'passed', 'passed']);
      expect(exitCode, stderr).toBe(0);
    }, 5 * MINUTES);

    it('upgrades from a previous chart version (--upgrade-from a packaged chart)', async () => {
      const previous = join(work, 'previous');
      await cp(join(repoRoot, 'charts', 'telemetry-viewer'), previous, { recursive: true });
      const home = isolatedHelmEnv(join(work, 'helm-home'));
      const { execa } = await import('execa');
      await execa(helm(), ['package', previous, '--destination', work], { env: home });
      const next = join(work, 'next');
      await cp(join(repoRoot, 'charts', 'telemetry-viewer'), next, { recursive: true });
      const chartYaml = join(next, 'Chart.yaml');
      await writeFile(chartYaml, (await readFile(chartYaml, 'utf8')).replace(/^version: .*$/m, 'version: 0.2.0'));
      const { exitCode, report, stderr } = await kwokTest([next, '--values', 'values-prod.yaml', '--upgrade-from', join(work, 'telemetry-viewer-0.1.0.tgz')], helm());
      expectLifecycle(report!);
      expect(exitCode, stderr).toBe(0);
    }, 5 * MINUTES);

    it('fails the upgrade with the API server\'s message when it changes an immutable field', async () => {
      const before = await handMadeChart('immutable', 'A', selectorDeployment('v1'));
      const home = isolatedHelmEnv(join(work, 'helm-home'));
      const { execa } = await import('execa');
      await execa(helm(), ['package', before, '--destination', join(work, 'immutable-pkg')], { env: home });
      const after = await handMadeChart('immutable-next', 'A', selectorDeployment('v2'), 'immutable');
      const { exitCode, report } = await kwokTest([after, '--upgrade-from', join(work, 'immutable-pkg', 'immutable-0.1.0.tgz')], helm());
      expect(exitCode).toBe(1);
      const failure = installStages(report!)[0]!.findings.find((finding) => finding.rule === 'install/upgrade');
      expect(failure?.message).toMatch(/field is immutable/);
    }, 5 * MINUTES);

    it.each(['SIGINT', 'SIGTERM'] as const)('%s in the middle of helm install leaves no cluster, process, namespace or temporary directory', async (signal) => {
      const chart = await handMadeChart(`stuck-${signal.toLowerCase()}`, 'A', unschedulable);
      const { execa } = await import('execa');
      const child = execa(process.execPath, [join(repoRoot, 'bin', 'chartwright.js'), 'test', chart, '--cluster', 'kwok', '--kube-version', '1.35', '--timeout', '3m'], {
        env: { ...process.env, ...kwokEnv(helm()), NO_COLOR: '1' },
        stdin: 'ignore',
        reject: false,
      });
      // Wait until helm is waiting for the pod that can never be scheduled.
      let workDir: string | undefined;
      for (let tries = 0; tries < 120 && !workDir; tries++) {
        await new Promise((done) => setTimeout(done, 500));
        const helmInstall = (await processesMentioning(`install stuck-${signal.toLowerCase()}`)).find((line) => /helm/.test(line));
        workDir = helmInstall ? /--kubeconfig (\S+)\/kubeconfig/.exec(helmInstall)?.[1] : undefined;
      }
      expect(workDir, 'helm install never started').toBeDefined();
      child.kill(signal);
      const result = await child;
      expect(result.exitCode).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(String(result.stderr)).toMatch(new RegExp(`${signal} received`));
      expect(String(result.stdout)).not.toMatch(/FAIL/);
      expect(await processesMentioning(workDir!)).toEqual([]);
      expect(existsSync(workDir!)).toBe(false);
    }, 5 * MINUTES);

    it('passes a Job its TTL removes at once and a paused Deployment, waiting on neither', async () => {
      const chart = await handMadeChart('ttl-paused', 'A', ttlJobAndPausedDeployment);
      const started = Date.now();
      // The install stage only: this hand-made chart breaks policy rules on purpose of brevity.
      const { report, stderr } = await kwokTest([chart], helm());
      expect(installStages(report!)[0]?.status, stderr).toBe('passed');
      expect(Date.now() - started).toBeLessThan(100_000);
    }, 5 * MINUTES);

    it('stops helm at once when an image cannot be pulled, and says how to stand in for it', async () => {
      const cluster = await startKwokCluster(join(work, 'pull-cluster'), `cw-pull-${process.pid}`);
      try {
        const chart = await handMadeChart('unpullable', 'A', pendingPod);
        const { execa } = await import('execa');
        const run = execa(process.execPath, [join(repoRoot, 'bin', 'chartwright.js'), 'test', chart, '--cluster', 'context', '--kubeconfig', cluster.kubeconfig, '--kube-version', '1.35', '--timeout', '3m', '--format', 'json'], {
          env: { ...process.env, ...kwokEnv(helm()), NO_COLOR: '1' },
          stdin: 'ignore',
          reject: false,
        });
        // No kubelet here pulls anything: the test reports the pull failure a kubelet would.
        let patched = false;
        for (let tries = 0; tries < 120 && !patched; tries++) {
          await new Promise((done) => setTimeout(done, 500));
          const pods = await cluster.kubectl(['get', 'pods', '--all-namespaces', '--selector', 'app=unpullable', '--output', 'jsonpath={range .items[*]}{.metadata.namespace} {.metadata.name}{"\\n"}{end}']);
          const [namespace, name] = pods.stdout.trim().split('\n')[0]?.split(' ') ?? [];
          if (!namespace || !name) continue;
          const status = { status: { containerStatuses: [{ name: 'app', image: 'registry.invalid/app:1.0.0', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.invalid/app:1.0.0"' } } }] } };
          patched = (await cluster.kubectl(['patch', 'pod', name, '--namespace', namespace, '--subresource=status', '--type=merge', '--patch', JSON.stringify(status)])).exitCode === 0;
        }
        expect(patched).toBe(true);
        const patchedAt = Date.now();
        const result = await run;
        expect(Date.now() - patchedAt).toBeLessThan(60_000);
        const report = JSON.parse(String(result.stdout)) as Report;
        const failure = installStages(report)[0]!.findings.find((finding) => finding.rule === 'install/install');
        expect(failure?.message).toMatch(/image registry\.invalid\/app:1\.0\.0 of pod unpullable-\S+ \(container app\) cannot be pulled: ImagePullBackOff/);
        expect(failure?.message).toMatch(/Hint: pass --image-override REPOSITORY:TAG/);
        // Said before the install too: the registry is a placeholder one.
        expect(installStages(report)[0]!.findings.some((finding) => finding.rule === 'install/placeholder-image')).toBe(true);
      } finally {
        await cluster.stop();
      }
    }, 5 * MINUTES);

    it('a cluster whose creation fails fails the stage with the reason and leaves no process running', async () => {
      // The control plane from a directory of our own, with a kube-scheduler that cannot start.
      const binaries = join(work, 'broken-binaries');
      await rm(binaries, { recursive: true, force: true });
      await mkdir(binaries, { recursive: true });
      const { link, chmod } = await import('node:fs/promises');
      for (const name of ['kube-apiserver', 'kube-controller-manager', 'etcd', 'kwok']) await link(provisioned(name), join(binaries, name));
      await writeFile(join(binaries, 'kube-scheduler'), '#!/bin/sh\necho "kube-scheduler: deliberately broken" >&2\nexit 1\n');
      await chmod(join(binaries, 'kube-scheduler'), 0o755);
      const chart = await handMadeChart('no-cluster', 'A', clusterScoped);
      const { report } = await kwokTest([chart, '--kwok-binaries', binaries], helm());
      const stage = installStages(report!)[0]!;
      expect(stage.status).toBe('failed');
      expect(stage.findings.find((finding) => finding.rule === 'install/cluster')?.message).toMatch(/kwokctl create cluster chartwright-\w+ failed/);
      // Nothing started from those binaries runs on: /proc/<pid>/exe names the file a process runs.
      const { readdir, readlink } = await import('node:fs/promises');
      const running: string[] = [];
      for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
        const exe = await readlink(`/proc/${pid}/exe`).catch(() => '');
        if (exe.startsWith(binaries)) running.push(`${pid} ${exe}`);
      }
      expect(running).toEqual([]);
    }, 5 * MINUTES);

    it('an existing cluster (--cluster context): only its own namespaces are touched, and a namespace stuck on a finalizer is cleaned up by force', async () => {
      const cluster = await startKwokCluster(join(work, 'context-cluster'), `cw-test-${process.pid}`);
      try {
        await cluster.kubectl(['create', 'namespace', 'someone-elses']);
        const chart = await handMadeChart('finalized', 'A', stuckHook);
        const result = await runCli(
          ['test', chart, '--cluster', 'context', '--kubeconfig', cluster.kubeconfig, '--kube-version', '1.35', '--timeout', '20s', '--format', 'json'],
          { env: kwokEnv(helm()), timeoutMs: 5 * MINUTES },
        );
        const report = JSON.parse(result.stdout) as Report;
        expect(report.install?.provider).toBe('context');
        expect(installStages(report)[0]?.status, result.stderr).toBe('passed');
        const namespaces = await cluster.kubectl(['get', 'namespaces', '--output', 'jsonpath={.items[*].metadata.name}']);
        expect(namespaces.stdout.split(' ').filter((name) => name.startsWith('cw-'))).toEqual([]);
        expect(namespaces.stdout.split(' ')).toContain('someone-elses');
      } finally {
        await cluster.stop();
      }
    }, 8 * MINUTES);
  });
});

/** A chart written for one test (not generated): Chart.yaml with a class annotation, and templates. */
async function handMadeChart(dirName: string, safetyClass: 'A' | 'B' | 'C', templates: Record<string, string>, chartName = dirName): Promise<string> {
  const dir = join(work, 'hand-made', dirName);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'templates'), { recursive: true });
  await writeFile(
    join(dir, 'Chart.yaml'),
    stringify({ apiVersion: 'v2', name: chartName, version: '0.1.0', appVersion: '1.0.0', annotations: { 'chartwright.io/iec62304-class': safetyClass } }),
  );
  await writeFile(join(dir, 'values.yaml'), 'replicas: 1\n');
  for (const [name, text] of Object.entries(templates)) await writeFile(join(dir, 'templates', name), text);
  return dir;
}

const rootDeployment = {
  'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: root}
  template:
    metadata:
      labels: {app: root}
    spec:
      containers:
        - name: app
          image: docker.io/library/busybox:1.37.0
          securityContext:
            runAsUser: 0
`,
};

const unboundClaim = {
  'storageclass.yaml': `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: {{ .Release.Name }}-on-first-use
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
`,
  'claim.yaml': `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: unbound-data
spec:
  storageClassName: {{ .Release.Name }}-on-first-use
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
`,
};

const rotatingSecret = {
  'secret.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: rotating-credentials
stringData:
  password: {{ randAlphaNum 24 | quote }}
`,
};

const clusterScoped = {
  'clusterrole.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ .Release.Name }}-reader
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get]
`,
};

const ttlJobAndPausedDeployment = {
  'job.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-once
spec:
  ttlSecondsAfterFinished: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: once
          image: docker.io/library/busybox:1.37.0
`,
  'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  paused: true
  replicas: 1
  selector:
    matchLabels: {app: paused}
  template:
    metadata:
      labels: {app: paused}
    spec:
      containers:
        - name: app
          image: docker.io/library/busybox:1.37.0
`,
};

const pendingPod = {
  'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  selector:
    matchLabels: {app: unpullable}
  template:
    metadata:
      labels: {app: unpullable}
    spec:
      # Never scheduled, so the simulated node leaves its status to the test.
      nodeSelector: {chartwright.test/no-such-node: "true"}
      containers:
        - name: app
          image: registry.invalid/app:1.0.0
`,
};

const unschedulable = {
  'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  selector:
    matchLabels: {app: stuck}
  template:
    metadata:
      labels: {app: stuck}
    spec:
      nodeSelector: {chartwright.test/no-such-node: "true"}
      containers:
        - name: app
          image: docker.io/library/busybox:1.37.0
`,
};

// A hook object outside the release that a finalizer holds: the namespace cannot go until it does.
const stuckHook = {
  'hook.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-held
  annotations:
    helm.sh/hook: pre-install
    helm.sh/hook-delete-policy: before-hook-creation
  finalizers: [chartwright.test/held]
data: {}
`,
  'configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data: {level: info}
`,
};

const selectorDeployment = (track: string) => ({
  'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  selector:
    matchLabels: {app: immutable, track: ${track}}
  template:
    metadata:
      labels: {app: immutable, track: ${track}}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: app
          image: docker.io/library/busybox:1.37.0
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`,
});
