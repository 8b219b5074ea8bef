// Everything one policy run knows about the rendered release: its objects, its pods, and the
// relations rules need between them (HPA to workload, ServiceAccount to pod, NetworkPolicy to pod).
import type { Manifest } from '../verify/manifests.js';
import { asArray, asRecord, namespaceOf, podOf, selectorMatches, type Json, type PodView } from './objects.js';

export class PolicyContext {
  readonly pods: PodView[];

  constructor(readonly manifests: readonly Manifest[]) {
    this.pods = manifests.map(podOf).filter((pod): pod is PodView => pod !== undefined);
  }

  ofKind(kind: string): Manifest[] {
    return this.manifests.filter((manifest) => manifest.kind === kind);
  }

  /** The HPA scaling a workload, if any. */
  hpaFor(manifest: Manifest): Manifest | undefined {
    return this.ofKind('HorizontalPodAutoscaler').find((hpa) => {
      const target = asRecord(asRecord(hpa.object.spec).scaleTargetRef);
      return target.kind === manifest.kind && target.name === manifest.name && namespaceOf(hpa) === namespaceOf(manifest);
    });
  }

  /** Replicas a workload runs with at least: the HPA minimum when scaled, else spec.replicas. */
  minReplicas(pod: PodView): number | undefined {
    const hpa = this.hpaFor(pod.manifest);
    if (hpa) return Number(asRecord(hpa.object.spec).minReplicas ?? 1);
    return pod.replicas;
  }

  /** The ServiceAccount a pod runs as, when the chart renders it. */
  serviceAccountOf(pod: PodView): { name: string; manifest?: Manifest } {
    // serviceAccount is the deprecated alias the API server still copies into serviceAccountName.
    const name = String(pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? 'default');
    const manifest = this.ofKind('ServiceAccount').find((account) => account.name === name && namespaceOf(account) === pod.namespace);
    return manifest ? { name, manifest } : { name };
  }

  /** NetworkPolicies in the pod's namespace whose podSelector selects it. */
  networkPoliciesFor(pod: PodView): Manifest[] {
    return this.ofKind('NetworkPolicy').filter(
      (policy) => namespaceOf(policy) === pod.namespace && selectorMatches(asRecord(policy.object.spec).podSelector, pod.labels),
    );
  }
}

/**
 * The policy types a NetworkPolicy has, as the API server defaults them: Ingress always, Egress
 * when it has egress rules, unless policyTypes says otherwise.
 */
export function policyTypesOf(policy: Manifest): Set<'Ingress' | 'Egress'> {
  const spec = asRecord(policy.object.spec);
  const declared = asArray(spec.policyTypes).map(String);
  if (declared.length) return new Set(declared.filter((type): type is 'Ingress' | 'Egress' => type === 'Ingress' || type === 'Egress'));
  return new Set(spec.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress']);
}

const EVERYWHERE = new Set(['0.0.0.0/0', '::/0']);

/** Whether one egress rule lets traffic out to any destination on any port. */
export function egressRuleAllowsAll(rule: unknown): boolean {
  const record = asRecord(rule);
  const ports = asArray(record.ports);
  if (ports.length) return false;
  const peers = asArray<Json>(record.to);
  if (peers.length === 0) return true;
  return peers.some((peer) => {
    const block = asRecord(peer.ipBlock);
    return EVERYWHERE.has(String(block.cidr ?? '')) && asArray(block.except).length === 0;
  });
}
