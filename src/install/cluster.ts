import type { Helm } from '../tools/helm.js';

/** major.minor of a Kubernetes version as kubectl prints it (`v1.35.0`, or minor `"32+"`). */
export interface KubeVersion {
  gitVersion: string;
  minor: number;
}

function toVersion(value: unknown): KubeVersion | undefined {
  const info = value as { gitVersion?: unknown; minor?: unknown } | undefined;
  if (!info) return undefined;
  const gitVersion = String(info.gitVersion ?? '');
  const minor = Number(/^v?\d+\.(\d+)/.exec(gitVersion)?.[1] ?? Number.parseInt(String(info.minor ?? ''), 10));
  return Number.isFinite(minor) ? { gitVersion, minor } : undefined;
}

/** Client and server versions from `kubectl version --output=json`. */
export function parseKubectlVersion(output: string): { client?: KubeVersion; server?: KubeVersion } {
  try {
    const parsed = JSON.parse(output) as { clientVersion?: unknown; serverVersion?: unknown };
    const client = toVersion(parsed.clientVersion);
    const server = toVersion(parsed.serverVersion);
    return { ...(client ? { client } : {}), ...(server ? { server } : {}) };
  } catch {
    return {};
  }
}

/**
 * Kubernetes minors a helm release supports: helm 3.x (x ≥ 17) covers 1.(x+15) back three
 * minors (3.17 → 1.29–1.32), helm 4.y covers 1.(y+34) back three (4.1 → 1.32–1.35); helm's
 * version skew policy, reference/helm-kind-facts.md §1.10.
 */
export function helmKubeWindow(helm: Pick<Helm, 'version' | 'major'>): { min: number; max: number } {
  const minor = Number(helm.version.split('.')[1] ?? 0);
  const max = helm.major === 3 ? minor + 15 : minor + 34;
  return { min: max - 3, max };
}

/** Warnings when the cluster is outside kubectl's ±1 minor or helm's supported window. */
export function skewWarnings(server: KubeVersion, kubectl: KubeVersion | undefined, helm: Pick<Helm, 'version' | 'major'>): string[] {
  const warnings: string[] = [];
  if (kubectl && Math.abs(server.minor - kubectl.minor) > 1) {
    warnings.push(
      `version skew: the cluster runs Kubernetes 1.${server.minor} (${server.gitVersion}) but kubectl ${kubectl.gitVersion} supports 1.${kubectl.minor - 1}–1.${kubectl.minor + 1} only; use a kubectl within one minor of the cluster (--kubectl or KUBECTL_BIN)`,
    );
  }
  const window = helmKubeWindow(helm);
  if (server.minor < window.min || server.minor > window.max) {
    warnings.push(
      `version skew: the cluster runs Kubernetes 1.${server.minor} but helm ${helm.version} supports 1.${window.min}–1.${window.max}; results may not hold for a supported pairing`,
    );
  }
  return warnings;
}

