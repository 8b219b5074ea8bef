import { parseManifests } from '../verify/manifests.js';

/** An object a release manifest declares. */
export interface ReleaseObject {
  kind: string;
  name: string;
  /** From the manifest, else undefined (the release namespace). */
  namespace?: string;
  /** `kind.group/name`, how kubectl addresses it unambiguously. */
  ref: string;
  /** Annotated helm.sh/resource-policy: keep, so helm leaves it on uninstall by design. */
  keep: boolean;
  updateStrategy?: string;
  /** A Deployment with spec.paused: rollout status would wait for ever. */
  paused?: boolean;
  /** StatefulSet claim templates, and whether the claims outlive the set (whenDeleted is not Delete). */
  claimTemplates?: { names: string[]; retained: boolean };
}

const KEEP = 'helm.sh/resource-policy';

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

const annotationsOf = (object: Record<string, unknown>) =>
  ((object.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations ?? {}) as Record<string, unknown>;

export const isKept = (object: Record<string, unknown>) => annotationsOf(object)[KEEP] === 'keep';

/** Objects of `helm get manifest` output. */
export function releaseObjects(manifest: string): ReleaseObject[] {
  return parseManifests(manifest).manifests.map((item) => {
    const metadata = (item.object.metadata ?? {}) as { namespace?: unknown };
    const spec = (item.object.spec ?? {}) as {
      strategy?: { type?: unknown };
      updateStrategy?: { type?: unknown };
      paused?: unknown;
      volumeClaimTemplates?: { metadata?: { name?: unknown } }[];
      persistentVolumeClaimRetentionPolicy?: { whenDeleted?: unknown };
    };
    const group = groupOf(item.apiVersion);
    const strategy = spec.updateStrategy?.type ?? spec.strategy?.type;
    return {
      kind: item.kind,
      name: item.name,
      ...(typeof metadata.namespace === 'string' && metadata.namespace ? { namespace: metadata.namespace } : {}),
      ref: `${item.kind.toLowerCase()}${group ? `.${group}` : ''}/${item.name}`,
      keep: isKept(item.object),
      ...(typeof strategy === 'string' ? { updateStrategy: strategy } : {}),
      ...(item.kind === 'Deployment' && spec.paused === true ? { paused: true } : {}),
      ...(item.kind === 'StatefulSet' && Array.isArray(spec.volumeClaimTemplates) && spec.volumeClaimTemplates.length
        ? {
            claimTemplates: {
              names: spec.volumeClaimTemplates.map((template) => String(template.metadata?.name ?? '')).filter(Boolean),
              // Retain is the default: the claims outlive the StatefulSet unless told otherwise.
              retained: spec.persistentVolumeClaimRetentionPolicy?.whenDeleted !== 'Delete',
            },
          }
        : {}),
    };
  });
}

export type Readiness = { kind: 'rollout' | 'job'; object: ReleaseObject };

/**
 * What must be ready after install, upgrade and rollback. `rollout status` cannot follow an
 * OnDelete update strategy, and waits for ever on a paused Deployment: those are left to helm's
 * own wait.
 */
export function readinessChecks(objects: ReleaseObject[]): Readiness[] {
  const checks: Readiness[] = [];
  for (const object of objects) {
    if (['Deployment', 'StatefulSet', 'DaemonSet'].includes(object.kind) && object.updateStrategy !== 'OnDelete' && !object.paused) checks.push({ kind: 'rollout', object });
    else if (object.kind === 'Job') checks.push({ kind: 'job', object });
  }
  return checks;
}

/** `<template>-<statefulset>-<ordinal>`: a claim a StatefulSet of the release made, kept after uninstall by design. */
export function retainedClaimOwner(claimName: string, objects: Iterable<ReleaseObject>): ReleaseObject | undefined {
  for (const object of objects) {
    if (!object.claimTemplates?.retained) continue;
    for (const template of object.claimTemplates.names) {
      if (new RegExp(`^${escapeRegExp(`${template}-${object.name}-`)}\\d+$`).test(claimName)) return object;
    }
  }
  return undefined;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Namespaced kinds a chart's release can leave behind, looked up by the instance label after
 * uninstall; `all` would miss config, storage, RBAC and policy objects.
 */
export const LEFTOVER_KINDS = [
  'deployments.apps',
  'statefulsets.apps',
  'daemonsets.apps',
  'replicasets.apps',
  'jobs.batch',
  'cronjobs.batch',
  'pods',
  'services',
  'configmaps',
  'secrets',
  'serviceaccounts',
  'persistentvolumeclaims',
  'ingresses.networking.k8s.io',
  'networkpolicies.networking.k8s.io',
  'poddisruptionbudgets.policy',
  'horizontalpodautoscalers.autoscaling',
  'roles.rbac.authorization.k8s.io',
  'rolebindings.rbac.authorization.k8s.io',
];

export interface ListedObject {
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    annotations?: Record<string, unknown>;
    deletionTimestamp?: string;
    ownerReferences?: { uid?: string }[];
  };
  status?: Record<string, unknown>;
  spec?: Record<string, unknown>;
}

/** Items of `kubectl get -o json`: a List, one object, or nothing (--ignore-not-found). */
export function listedObjects(output: string): ListedObject[] {
  const text = output.trim();
  if (!text) return [];
  const parsed = JSON.parse(text) as ListedObject & { items?: ListedObject[] };
  if (Array.isArray(parsed.items)) return parsed.items;
  return parsed.kind ? [parsed] : [];
}

export interface PodProblem {
  name: string;
  containers: { name: string; started: boolean; restarted: boolean }[];
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: Record<string, unknown>;
  lastState?: { terminated?: unknown };
}

/** Pods that are neither done nor fully ready, with which containers have logs to read. */
export function unreadyPods(podsJson: string): PodProblem[] {
  const problems: PodProblem[] = [];
  for (const pod of listedObjects(podsJson)) {
    const status = (pod.status ?? {}) as { phase?: string; containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
    if (status.phase === 'Succeeded') continue;
    const statuses = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
    const ready = status.phase === 'Running' && (status.containerStatuses ?? []).every((container) => container.ready);
    if (ready) continue;
    problems.push({
      name: pod.metadata?.name ?? '?',
      containers: statuses.map((container) => ({
        name: container.name ?? '?',
        // A container still waiting (image pull, config error) has no log yet.
        started: Boolean(container.state?.running ?? container.state?.terminated ?? container.lastState?.terminated),
        restarted: (container.restartCount ?? 0) > 0 || Boolean(container.lastState?.terminated),
      })),
    });
  }
  return problems;
}

/**
 * The objects Kubernetes' garbage collector is about to remove: each has owners, and every owner
 * is gone, being deleted, or itself about to be removed (a Pod of a ReplicaSet of a deleted
 * Deployment). helm uninstall deletes what the release declared and returns; their dependents go
 * a moment later, in the background.
 */
export function collectedByKubernetes(objects: readonly ListedObject[]): Set<ListedObject> {
  const byUid = new Map(objects.filter((object) => object.metadata?.uid).map((object) => [object.metadata?.uid as string, object]));
  const verdicts = new Map<ListedObject, boolean>();
  const collected = (object: ListedObject, path: Set<ListedObject>): boolean => {
    const known = verdicts.get(object);
    if (known !== undefined) return known;
    const owners = object.metadata?.ownerReferences ?? [];
    let verdict = false;
    if (owners.length > 0 && !path.has(object)) {
      path.add(object);
      verdict = owners.every(({ uid }) => {
        const owner = uid === undefined ? undefined : byUid.get(uid);
        return owner === undefined || owner.metadata?.deletionTimestamp !== undefined || collected(owner, path);
      });
      path.delete(object);
    }
    verdicts.set(object, verdict);
    return verdict;
  };
  return new Set(objects.filter((object) => collected(object, new Set())));
}
