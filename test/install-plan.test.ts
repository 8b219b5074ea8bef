// What the install stage would run, read from `chartwright test --dry-run` (the real CLI with the
// real helm binaries; every cluster command printed instead of run), and when it runs at all.
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { collectedByKubernetes } from '../src/install/objects.js';
import { stillTerminating } from '../src/install/release.js';
import type { Report } from '../src/report/model.js';
import { runCli, tempDir } from './support/cli.js';
import { kwokMissing, matrixHelms, provisioned } from './support/kwok.js';
import { helmBinaries, repoRoot } from './support/tools.js';

const helm3 = helmBinaries().find((helm) => helm.label === 'helm3')!;
const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;
const chart = (name: string) => join(repoRoot, 'charts', name);
const kubectl = () => (kwokMissing() ? join(repoRoot, '.tools', 'kubectl', 'kubectl') : provisioned('kubectl'));

async function plan(args: string[], helmPath: string, env: Record<string, string> = {}) {
  const result = await runCli(['test', ...args, '--dry-run', '--kube-version', '1.35', '--format', 'json'], { env: { HELM_BIN: helmPath, KUBECTL_BIN: kubectl(), ...env } });
  const lines = result.stderr.split('\n').filter(Boolean);
  return { ...result, lines, report: JSON.parse(result.stdout) as Report };
}

const dockerAnswers = (await execa('docker', ['info'], { reject: false, timeout: 30_000 })).exitCode === 0;
if (dockerAnswers) console.log('install-plan: Docker answers here; the test of --cluster kind without Docker is skipped');

const tempInstallDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('chartwright-install-'));

describe('install stage plan (--dry-run)', () => {
  it.skipIf(Boolean(kwokMissing()))('kwok: creates a cluster from local binaries, prepares volumes for the claims, installs each values set in its own namespace, and deletes it; nothing is started', async () => {
    const before = tempInstallDirs();
    const { exitCode, lines, report } = await plan([chart('alarm-gateway'), '--cluster', 'kwok', '--values', 'values-dev.yaml,values-prod.yaml'], helm4.path);
    expect(exitCode).toBe(0);
    const create = lines.find((line) => /kwokctl .*create cluster/.test(line))!;
    expect(create).toMatch(/^KWOK_WORKDIR=\S+ (KWOK_\w+=\S+ )*\S+kwokctl --name chartwright-[0-9a-f]{6} --config \S+kwok-config\.yaml create cluster --runtime binary /);
    for (const binary of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'kwok-controller']) expect(create).toMatch(new RegExp(`--${binary}-binary /\\S+`));
    expect(lines.some((line) => /kwokctl --name chartwright-\w+ scale node --replicas 1/.test(line))).toBe(true);
    // Two values sets: two releases, each with its own name and namespace.
    const installs = lines.filter((line) => /helm install /.test(line));
    expect(installs).toHaveLength(2);
    const names = installs.map((line) => /helm install (\S+)/.exec(line)![1]);
    const namespaces = installs.map((line) => /--namespace (\S+)/.exec(line)![1]);
    expect(new Set(names).size).toBe(2);
    expect(new Set(namespaces).size).toBe(2);
    expect(names[0]).toMatch(/^alarm-gateway-[0-9a-f]{6}-1$/);
    // No provisioner runs on a KWOK cluster: the chart's claim gets a placeholder volume first.
    expect(lines.filter((line) => /kubectl apply --filename \S+volumes-cw-\S+\.yaml/.test(line))).toHaveLength(2);
    // Class C: Pod Security "restricted" enforced in every namespace.
    const labels = lines.filter((line) => /kubectl label namespace/.test(line));
    expect(labels.every((line) => line.includes('pod-security.kubernetes.io/enforce=restricted'))).toBe(true);
    // Simulated pods have no logs: helm test never asks for them.
    expect(lines.filter((line) => / test /.test(line) && /helm/.test(line)).every((line) => !line.includes('--logs'))).toBe(true);
    expect(lines.at(-1)).toMatch(/kwokctl --name chartwright-\w+ delete cluster$/);
    // Planned, never passed; and nothing was made.
    const install = report.charts[0]!.stages.filter((stage) => stage.stage === 'install');
    expect(install.map((stage) => stage.status)).toEqual(['planned', 'planned']);
    expect(report.summary.stages.planned).toBe(2);
    expect(tempInstallDirs()).toEqual(before);
  });

  it('helm 3: --wait without a strategy, and no helm test --logs (helm 3 deletes a passed test pod before reading its logs)', async () => {
    const { lines } = await plan([chart('telemetry-viewer'), '--cluster', 'kind', '--values', 'values.yaml'], helm3.path);
    const install = lines.find((line) => /helm install /.test(line))!;
    expect(install).toMatch(/ --wait --wait-for-jobs --timeout 5m /);
    expect(lines.filter((line) => / test \S+-1 /.test(line)).every((line) => !line.includes('--logs'))).toBe(true);
    expect(lines.find((line) => / uninstall /.test(line))).toMatch(/ --wait --cascade=foreground/);
  });

  it('helm 4 on kind: the watcher wait, test logs, and a private kubeconfig for create and delete', async () => {
    const { lines } = await plan([chart('telemetry-viewer'), '--cluster', 'kind', '--values', 'values.yaml'], helm4.path);
    const create = lines.find((line) => /kind create cluster/.test(line))!;
    const kubeconfig = /--kubeconfig (\S+)/.exec(create)![1]!;
    expect(kubeconfig).toMatch(/chartwright-install-\w+\/kubeconfig$/);
    expect(create).toContain(`--config ${join(repoRoot, 'kind-config.yaml')}`);
    expect(lines.find((line) => /helm install /.test(line))).toMatch(/ --wait=watcher --wait-for-jobs /);
    expect(lines.find((line) => / test \S+-1 /.test(line))).toContain('--logs');
    expect(lines.find((line) => /kind delete cluster/.test(line))).toContain(`--kubeconfig ${kubeconfig}`);
    // Every cluster command carries the private kubeconfig: the user's is never read or written.
    for (const line of lines.filter((text) => /(kubectl|helm) /.test(text) && !text.startsWith('#'))) expect(line).toContain(`--kubeconfig ${kubeconfig}`);
  });

  it('class A: Pod Security "restricted" is warned and audited, not enforced', async () => {
    const { lines } = await plan([chart('telemetry-viewer'), '--cluster', 'kind', '--values', 'values.yaml'], helm4.path);
    const label = lines.find((line) => /kubectl label namespace/.test(line))!;
    expect(label).toContain('pod-security.kubernetes.io/warn=restricted');
    expect(label).not.toContain('pod-security.kubernetes.io/enforce');
  });

  it('an existing context: a flattened copy of the chosen context, no cluster made or deleted, every namespace waited for at the end', async () => {
    const dir = await tempDir();
    const kubeconfig = join(dir, 'config');
    await import('node:fs/promises').then((fs) => fs.writeFile(kubeconfig, 'apiVersion: v1\nkind: Config\n'));
    const { lines } = await plan([chart('telemetry-viewer'), '--cluster', 'context', '--kube-context', 'ci', '--kubeconfig', kubeconfig, '--values', 'values.yaml'], helm4.path);
    expect(lines.some((line) => line.endsWith(`config view --raw --minify --flatten --context ci --kubeconfig ${kubeconfig}`))).toBe(true);
    expect(lines.some((line) => /kind |kwokctl /.test(line))).toBe(false);
    expect(lines.some((line) => /kubectl delete namespace cw-\S+ --ignore-not-found --wait=true/.test(line))).toBe(true);
  });

  it('without --install or --cluster there is no install stage, and the report says how to get one', async () => {
    const result = await runCli(['test', chart('telemetry-viewer'), '--values', 'values.yaml', '--kube-version', '1.35', '--format', 'json'], { env: { HELM_BIN: helm4.path } });
    const report = JSON.parse(result.stdout) as Report;
    expect(report.charts[0]!.stages.some((stage) => stage.stage === 'install')).toBe(false);
    expect(report.stagesOff).toContainEqual({ stage: 'install', reason: 'runs with --install or --cluster' });
    expect(report.install).toBeUndefined();
  });

  it('--install picks kind when Docker and kind work, else kwok', async () => {
    const docker = await execa('docker', ['info'], { reject: false, timeout: 30_000 });
    const kind = await execa(process.env.KIND_BIN || 'kind', ['version'], { reject: false, timeout: 30_000 });
    const expected = docker.exitCode === 0 && kind.exitCode === 0 ? 'kind' : kwokMissing() ? undefined : 'kwok';
    const { exitCode, report, stderr } = await plan([chart('telemetry-viewer'), '--install', '--values', 'values.yaml'], helm4.path);
    if (expected) {
      expect(exitCode, stderr).toBe(0);
      expect(report.install?.provider).toBe(expected);
    } else {
      expect(exitCode).toBe(2);
    }
  });

  it('--install with neither kind nor the kwok binaries: exit 2, naming what to install', async () => {
    const result = await runCli(['test', chart('telemetry-viewer'), '--install', '--kube-version', '1.35'], {
      env: { HELM_BIN: helm4.path, KUBECTL_BIN: kubectl(), KIND_BIN: '/nonexistent/kind', KWOKCTL_BIN: '/nonexistent/kwokctl' },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/no cluster for the install stage: .*kind.*kwokctl/);
    expect(result.stderr).toMatch(/Install Docker and kind v0\.31\.0 for --cluster kind, or kwokctl with kube-apiserver/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it.skipIf(dockerAnswers)('--cluster kind where Docker does not answer: exit 3 with the reason, before any chart is rendered', async () => {
    const result = await runCli(['test', chart('telemetry-viewer'), '--cluster', 'kind', '--kube-version', '1.35'], { env: { HELM_BIN: helm4.path, KUBECTL_BIN: kubectl() } });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/--cluster kind: no container runtime/);
  });

  it('chartwright new has no install flags: it never installs', async () => {
    const { stdout } = await runCli(['new', '--help']);
    expect(stdout).not.toMatch(/--cluster|--install\b/);
  });

  it.skipIf(Boolean(kwokMissing()))('the provisioned matrix has the oldest supported and the newest helm of each major, each reporting its own version', async () => {
    const helms = matrixHelms();
    expect(helms.map((helm) => `${helm.version.split('.')[0]}:${helm.kind}`)).toEqual(['3:oldest', '3:newest', '4:oldest', '4:newest']);
    for (const helm of helms) {
      expect(existsSync(helm.path)).toBe(true);
      const printed = await execa(helm.path, ['version', '--template', '{{.Version}}']);
      expect(printed.stdout).toBe(`v${helm.version}`);
    }
  });
});

describe("helm 4's uninstall that stops waiting early", () => {
  // helm 4.3.2's output, as one run of the KWOK install tests printed it (names shortened).
  const early = 'Error: uninstallation completed with 1 error(s): resource Deployment/cw-1-viewer/viewer-1 still exists. status: Terminating, message: Resource scheduled for deletion';

  it('names the objects still terminating, to be waited for', () => {
    expect(stillTerminating(early)).toEqual(['Deployment/viewer-1']);
    const two = `${early}\nresource StatefulSet/cw-1-viewer/db-1 still exists. status: Terminating, message: Resource scheduled for deletion`;
    expect(stillTerminating(two)).toEqual(['Deployment/viewer-1', 'StatefulSet/db-1']);
  });

  it('names none when helm complains of anything else too', () => {
    expect(stillTerminating(`${early}\ncontext deadline exceeded`)).toEqual([]);
    expect(stillTerminating(early.replace('status: Terminating', 'status: InProgress'))).toEqual([]);
    expect(stillTerminating('Error: uninstallation completed with 2 error(s): resource Deployment/a/b still exists. status: Terminating; failed to delete Secret')).toEqual([]);
    expect(stillTerminating('Error: release: not found')).toEqual([]);
  });
});

describe('what the garbage collector removes after helm uninstall', () => {
  // Stand-in objects shaped as `kubectl get -o json` lists them (only the fields the check reads).
  const object = (kind: string, uid: string, owners: string[] = [], deleting = false) => ({
    kind,
    metadata: { name: uid, uid, ownerReferences: owners.map((owner) => ({ uid: owner })), ...(deleting ? { deletionTimestamp: '2026-12-01T00:00:00Z' } : {}) },
  });

  it('the ReplicaSet and Pods of a Deployment helm deleted, through the chain', () => {
    const replicaSet = object('ReplicaSet', 'rs', ['deployment-gone']);
    const pod = object('Pod', 'pod', ['rs']);
    expect(collectedByKubernetes([replicaSet, pod])).toEqual(new Set([replicaSet, pod]));
  });

  it('the dependents of an owner being deleted', () => {
    const job = object('Job', 'job', [], true);
    const pod = object('Pod', 'pod', ['job']);
    expect(collectedByKubernetes([job, pod])).toEqual(new Set([pod]));
  });

  it('not an object without owners, nor the dependents of an owner still there', () => {
    const deployment = object('Deployment', 'deployment');
    const replicaSet = object('ReplicaSet', 'rs', ['deployment']);
    const pod = object('Pod', 'pod', ['rs']);
    expect(collectedByKubernetes([deployment, replicaSet, pod])).toEqual(new Set());
  });

  it('not an object with one owner gone and another still there', () => {
    const kept = object('StatefulSet', 'kept');
    const pod = object('Pod', 'pod', ['gone', 'kept']);
    expect(collectedByKubernetes([kept, pod])).toEqual(new Set());
  });

  it('ends on owners that own each other', () => {
    const a = object('ReplicaSet', 'a', ['b']);
    const b = object('ReplicaSet', 'b', ['a']);
    expect(collectedByKubernetes([a, b])).toEqual(new Set());
  });
});
