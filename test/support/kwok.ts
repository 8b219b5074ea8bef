// The KWOK toolchain `npm run provision` builds into .tools (kwokctl, kwok, Kubernetes 1.35
// control plane, etcd) and every helm of the project's matrix: what the install tests run on.
import { join } from 'node:path';
import { newestTool } from '../../scripts/toolchain/manifest.mjs';
import { repoRoot, toolchainManifest as manifest } from './tools.js';

const KWOK_ROLES = ['kwokctl', 'kwok', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'];

/** The reason the KWOK install tests cannot run here, or undefined when they can. */
export function kwokMissing(): string | undefined {
  const found = manifest();
  if (!found) return '.tools/toolchain.json is missing: run `npm run provision` (it builds the KWOK toolchain with Go)';
  if (found.skipped) return `the KWOK toolchain was not provisioned: ${found.skipped}`;
  const missing = KWOK_ROLES.filter((role) => !found.tools.some((tool) => tool.role === role));
  return missing.length ? `not provisioned: ${missing.join(', ')} (run \`npm run provision\`)` : undefined;
}

/** A provisioned tool's absolute path, newest version first. */
export function provisioned(role: string): string {
  const newest = newestTool(manifest(), role);
  if (!newest) throw new Error(`${role} is not provisioned (run \`npm run provision\`)`);
  return join(repoRoot, newest.path);
}

export interface MatrixHelm {
  version: string;
  path: string;
  /** oldest (npm layer packages) or newest (built from Go modules) of its major. */
  kind: 'oldest' | 'newest';
}

/** helm 3.17.2 and 4.1.4 (the oldest supported) and the newest 3.x and 4.x, when provisioned. */
export function matrixHelms(): MatrixHelm[] {
  return (manifest()?.tools ?? [])
    .filter((tool) => tool.role === 'helm')
    .map((tool) => ({ version: tool.version, path: join(repoRoot, tool.path), kind: tool.source.startsWith('npm') ? ('oldest' as const) : ('newest' as const) }))
    .sort((a, b) => a.version.localeCompare(b.version, undefined, { numeric: true }));
}

/** Environment that points chartwright at the provisioned kubectl 1.35 (within one minor of the cluster). */
export function kwokEnv(helmPath: string): Record<string, string> {
  return { HELM_BIN: helmPath, KUBECTL_BIN: provisioned('kubectl') };
}

/** Processes whose command line contains `text` (the process table read with ps). */
export async function processesMentioning(text: string): Promise<string[]> {
  const { execa } = await import('execa');
  const listed = await execa('ps', ['-eo', 'pid=,args='], { reject: false });
  return String(listed.stdout)
    .split('\n')
    .filter((line) => line.includes(text) && !/\bps -eo\b/.test(line));
}

export interface KwokCluster {
  kubeconfig: string;
  kubectl: (args: string[]) => Promise<{ exitCode: number; stdout: string; stderr: string }>;
  stop: () => Promise<void>;
}

/**
 * A KWOK cluster made by the test itself (for --cluster context), with chartwright's own kwok
 * configuration; `stop` deletes it and its directory.
 */
export async function startKwokCluster(dir: string, name: string): Promise<KwokCluster> {
  const { execa } = await import('execa');
  const { mkdir, rm, writeFile } = await import('node:fs/promises');
  const { kwokConfigYaml } = await import('../../src/install/providers/kwokStages.js');
  await mkdir(dir, { recursive: true });
  const config = join(dir, 'kwok-config.yaml');
  await writeFile(config, kwokConfigYaml());
  const kubeconfig = join(dir, 'kubeconfig');
  const env = { ...process.env, KWOK_WORKDIR: join(dir, 'work'), KWOK_KUBECTL_BINARY: provisioned('kubectl') };
  const kwokctl = provisioned('kwokctl');
  const stop = async () => {
    await execa(kwokctl, ['--name', name, 'delete', 'cluster'], { env, reject: false });
    await rm(dir, { recursive: true, force: true });
  };
  const created = await execa(
    kwokctl,
    [
      '--name', name, '--config', config, 'create', 'cluster', '--runtime', 'binary',
      '--kube-apiserver-binary', provisioned('kube-apiserver'),
      '--kube-controller-manager-binary', provisioned('kube-controller-manager'),
      '--kube-scheduler-binary', provisioned('kube-scheduler'),
      '--etcd-binary', provisioned('etcd'),
      '--kwok-controller-binary', provisioned('kwok'),
      '--kubeconfig', kubeconfig, '--wait', '120s',
    ],
    { env, reject: false },
  );
  if (created.exitCode !== 0) {
    await stop();
    throw new Error(`kwokctl create cluster failed: ${created.stderr.slice(-2000)}`);
  }
  await execa(kwokctl, ['--name', name, 'scale', 'node', '--replicas', '1'], { env });
  const kubectl = async (args: string[]) => {
    const result = await execa(provisioned('kubectl'), [...args, '--kubeconfig', kubeconfig], { reject: false });
    return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
  };
  await kubectl(['wait', '--for=condition=Ready', 'node', '--all', '--timeout=120s']);
  return { kubeconfig, kubectl, stop };
}
