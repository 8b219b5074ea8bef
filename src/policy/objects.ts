// Typed views over rendered objects: the pod template of each workload, its containers by kind,
// label selectors and security contexts as the API server and kubelet read them. Rules read
// objects only through these helpers, so the Kubernetes semantics live in one tested place.
import type { Manifest } from '../verify/manifests.js';

export type Json = Record<string, unknown>;

export const asRecord = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});
export const asArray = <T = unknown>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
export const stringMap = (value: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(asRecord(value)).map(([key, item]) => [key, String(item)]));

/** Kinds that carry a pod template (or are a pod). */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'ReplicationController' | 'Job' | 'CronJob' | 'Pod';

/**
 * Where a container sits in the pod: `app` (spec.containers), `init` (spec.initContainers, run to
 * completion before the app starts), `sidecar` (an init container with restartPolicy: Always, which
 * runs beside the app for the pod's life) and `ephemeral` (spec.ephemeralContainers, debug containers).
 */
export type ContainerKind = 'app' | 'init' | 'sidecar' | 'ephemeral';

export interface ContainerView {
  name: string;
  kind: ContainerKind;
  /** The container as rendered. */
  spec: Json;
  securityContext: Json;
}

export interface PodView {
  manifest: Manifest;
  kind: WorkloadKind;
  namespace: string;
  labels: Record<string, string>;
  /** Annotations of the pod (template) metadata. */
  annotations: Record<string, string>;
  spec: Json;
  containers: ContainerView[];
  /** Desired replicas (1 when unset) for kinds that scale by replicas. */
  replicas?: number;
  /** The workload's own selector, when it has one. */
  selector?: Json;
  /** A helm hook (test pod, pre-install job, ...): runs around a release, not in it. */
  hook: boolean;
}

/** Kinds whose pods run for the life of the release and serve. */
export const LONG_RUNNING_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController'];
/** Kinds that scale by spec.replicas (and can be scaled by an HPA). */
export const REPLICATED_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'];
export const WORKLOAD_KINDS: readonly WorkloadKind[] = [...LONG_RUNNING_KINDS, 'Job', 'CronJob', 'Pod'];
export const ALL_CONTAINERS: readonly ContainerKind[] = ['app', 'init', 'sidecar', 'ephemeral'];

const isWorkloadKind = (kind: string): kind is WorkloadKind => (WORKLOAD_KINDS as readonly string[]).includes(kind);

export const namespaceOf = (manifest: Manifest): string => String(asRecord(manifest.object.metadata).namespace ?? '');

export const annotationsOf = (manifest: Manifest): Record<string, string> => stringMap(asRecord(manifest.object.metadata).annotations);

function containersOf(podSpec: Json): ContainerView[] {
  const view = (kind: ContainerKind) => (raw: unknown) => {
    const spec = asRecord(raw);
    return { name: String(spec.name ?? ''), kind, spec, securityContext: asRecord(spec.securityContext) };
  };
  const init = asArray(podSpec.initContainers).map((raw) => view(asRecord(raw).restartPolicy === 'Always' ? 'sidecar' : 'init')(raw));
  return [...init, ...asArray(podSpec.containers).map(view('app')), ...asArray(podSpec.ephemeralContainers).map(view('ephemeral'))];
}

/** The pod template metadata and spec of a workload (the Pod itself for a bare Pod). */
export function podTemplateOf(manifest: Manifest): { metadata: Json; spec: Json } | undefined {
  const spec = asRecord(manifest.object.spec);
  switch (manifest.kind) {
    case 'Pod':
      return { metadata: asRecord(manifest.object.metadata), spec };
    case 'CronJob': {
      const template = asRecord(asRecord(asRecord(spec.jobTemplate).spec).template);
      return { metadata: asRecord(template.metadata), spec: asRecord(template.spec) };
    }
    default: {
      if (!isWorkloadKind(manifest.kind)) return undefined;
      const template = asRecord(spec.template);
      return { metadata: asRecord(template.metadata), spec: asRecord(template.spec) };
    }
  }
}

export function podOf(manifest: Manifest): PodView | undefined {
  if (!isWorkloadKind(manifest.kind)) return undefined;
  const template = podTemplateOf(manifest);
  if (!template) return undefined;
  const spec = asRecord(manifest.object.spec);
  const replicated = (REPLICATED_KINDS as readonly string[]).includes(manifest.kind);
  return {
    manifest,
    kind: manifest.kind,
    namespace: namespaceOf(manifest),
    labels: stringMap(template.metadata.labels),
    annotations: stringMap(template.metadata.annotations),
    spec: template.spec,
    containers: containersOf(template.spec),
    ...(replicated ? { replicas: typeof spec.replicas === 'number' ? spec.replicas : 1 } : {}),
    // A ReplicationController's selector is a plain label map; the others are LabelSelectors.
    ...(spec.selector !== undefined && manifest.kind !== 'Pod'
      ? { selector: manifest.kind === 'ReplicationController' ? { matchLabels: asRecord(spec.selector) } : asRecord(spec.selector) }
      : {}),
    hook: annotationsOf(manifest)['helm.sh/hook'] !== undefined,
  };
}

/**
 * Whether a metav1.LabelSelector (matchLabels and matchExpressions) selects these labels. An empty
 * selector selects everything, as in NetworkPolicy.podSelector and PodDisruptionBudget.selector.
 */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  const record = asRecord(selector);
  const equal = Object.entries(stringMap(record.matchLabels)).every(([key, value]) => labels[key] === value);
  return (
    equal &&
    asArray<Json>(record.matchExpressions).every((expression) => {
      const key = String(expression.key ?? '');
      const values = asArray(expression.values).map(String);
      const has = Object.hasOwn(labels, key);
      switch (expression.operator) {
        case 'In':
          return has && values.includes(labels[key] as string);
        case 'NotIn':
          return !has || !values.includes(labels[key] as string);
        case 'Exists':
          return has;
        case 'DoesNotExist':
          return !has;
        default:
          return false;
      }
    })
  );
}

/** Whether a selector has no terms at all (selects everything). */
export const selectorIsEmpty = (selector: unknown): boolean =>
  Object.keys(asRecord(asRecord(selector).matchLabels)).length === 0 && asArray(asRecord(selector).matchExpressions).length === 0;

/** A Service's equality selector; an empty one selects nothing (the Service has manual endpoints). */
export const serviceSelectorMatches = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

/** A container's security-context field, falling back to the pod's as the kubelet does. */
export function effectiveSecurity(pod: PodView, container: ContainerView, field: string): unknown {
  const own = container.securityContext[field];
  return own !== undefined ? own : asRecord(pod.spec.securityContext)[field];
}

/** windowsOptions merge field by field (a container's hostProcess overrides the pod's). */
export function effectiveWindowsOption(pod: PodView, container: ContainerView, field: string): unknown {
  const own = asRecord(container.securityContext.windowsOptions)[field];
  return own !== undefined ? own : asRecord(asRecord(pod.spec.securityContext).windowsOptions)[field];
}

/** Capability names as the runtime reads them: upper case, without a CAP_ prefix. */
export const capabilityName = (name: unknown): string => String(name).toUpperCase().replace(/^CAP_/, '');

export const capabilities = (container: ContainerView, list: 'add' | 'drop'): string[] =>
  asArray(asRecord(container.securityContext.capabilities)[list]).map(capabilityName);

/** How a container is named in a finding: "container web", "init container migrate", ... */
export const containerLabel = (container: ContainerView): string =>
  `${container.kind === 'app' ? '' : `${container.kind} `}container ${container.name}`;

/** The subchart an object was rendered from (`charts/<sub>/...`), or undefined for the chart's own. */
export function subchartOf(file: string | undefined): string | undefined {
  const parts = (file ?? '').split('/');
  const names: string[] = [];
  for (let index = 0; parts[index] === 'charts' && parts[index + 1]; index += 2) names.push(parts[index + 1] as string);
  return names.length ? names.join('/') : undefined;
}
