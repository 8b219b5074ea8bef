import type { SafetyClass } from '../answers/validate.js';
import type { Finding, Severity } from './findings.js';
import type { Manifest } from './manifests.js';

export type RuleCategory = 'security' | 'reliability' | 'efficiency' | 'consistency';

export interface PolicyRule {
  /** Stable ID; also the suffix of the exemption annotation. */
  id: string;
  category: RuleCategory;
  rationale: string;
  fix: string;
  /** What a violation is, per IEC 62304 class. Security basics are errors at every class. */
  severity: Record<SafetyClass, Severity>;
  check: (context: PolicyContext) => Violation[];
}

export interface Violation {
  manifest: Manifest;
  message: string;
}

/** Prefix of the annotation that exempts an object from a rule; its value is the justification. */
export const EXEMPTION_PREFIX = 'chartwright.io/exempt.';

type Json = Record<string, unknown>;

interface Container {
  name: string;
  image?: string;
  securityContext?: Json;
  resources?: { requests?: Json; limits?: Json };
  env?: { name: string; value?: unknown; valueFrom?: unknown }[];
  livenessProbe?: Json;
  readinessProbe?: Json;
}

/** A pod template found in a workload (or a bare Pod). */
export interface PodTemplate {
  manifest: Manifest;
  labels: Record<string, string>;
  spec: Json;
  containers: Container[];
  /** Deployments, StatefulSets, DaemonSets and ReplicaSets: long-running, served traffic. */
  longRunning: boolean;
  /** Desired replicas (1 when unset), for scalable workloads. */
  replicas?: number;
  selector?: Record<string, string>;
}

const asRecord = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});
const asArray = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
const stringMap = (value: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(asRecord(value)).map(([key, item]) => [key, String(item)]));

function podTemplateOf(manifest: Manifest): PodTemplate | undefined {
  const spec = asRecord(manifest.object.spec);
  const build = (template: Json, longRunning: boolean, extra: Partial<PodTemplate> = {}): PodTemplate => {
    const podSpec = asRecord(template.spec);
    return {
      manifest,
      labels: stringMap(asRecord(template.metadata).labels),
      spec: podSpec,
      containers: [...asArray<Container>(podSpec.initContainers), ...asArray<Container>(podSpec.containers)],
      longRunning,
      ...extra,
    };
  };
  switch (manifest.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      return build(asRecord(spec.template), true, {
        replicas: typeof spec.replicas === 'number' ? spec.replicas : 1,
        selector: stringMap(asRecord(spec.selector).matchLabels),
      });
    case 'DaemonSet':
      return build(asRecord(spec.template), true, { selector: stringMap(asRecord(spec.selector).matchLabels) });
    case 'Job':
      return build(asRecord(spec.template), false);
    case 'CronJob':
      return build(asRecord(asRecord(asRecord(spec.jobTemplate).spec).template), false);
    case 'Pod':
      return build({ metadata: manifest.object.metadata, spec }, false);
    default:
      return undefined;
  }
}

export class PolicyContext {
  readonly pods: PodTemplate[];

  constructor(readonly manifests: readonly Manifest[]) {
    this.pods = manifests.map(podTemplateOf).filter((pod): pod is PodTemplate => pod !== undefined);
  }

  ofKind(kind: string): Manifest[] {
    return this.manifests.filter((manifest) => manifest.kind === kind);
  }

  /** The HPA scaling a workload, if any. */
  hpaFor(manifest: Manifest): Manifest | undefined {
    return this.ofKind('HorizontalPodAutoscaler').find((hpa) => {
      const target = asRecord(asRecord(hpa.object.spec).scaleTargetRef);
      return target.kind === manifest.kind && target.name === manifest.name;
    });
  }

  /** Replicas a workload runs with at least: the HPA minimum when scaled, else spec.replicas. */
  minReplicas(pod: PodTemplate): number | undefined {
    const hpa = this.hpaFor(pod.manifest);
    if (hpa) return Number(asRecord(hpa.object.spec).minReplicas ?? 1);
    return pod.replicas;
  }
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

/** Container security context with the pod's as fallback, as the kubelet applies them. */
function effective(pod: PodTemplate, container: Container, field: string): unknown {
  const own = asRecord(container.securityContext)[field];
  return own !== undefined ? own : asRecord(pod.spec.securityContext)[field];
}

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

function perContainer(context: PolicyContext, test: (pod: PodTemplate, container: Container) => string | undefined, longRunningOnly = false): Violation[] {
  const violations: Violation[] = [];
  for (const pod of context.pods) {
    if (longRunningOnly && !pod.longRunning) continue;
    for (const container of pod.containers) {
      const message = test(pod, container);
      if (message) violations.push({ manifest: pod.manifest, message: `container ${container.name}: ${message}` });
    }
  }
  return violations;
}

const every = (severity: Severity): Record<SafetyClass, Severity> => ({ A: severity, B: severity, C: severity });
const byClass = (A: Severity, B: Severity, C: Severity): Record<SafetyClass, Severity> => ({ A, B, C });

export const POLICY_RULES: PolicyRule[] = [
  {
    id: 'run-as-non-root',
    category: 'security',
    rationale: 'A process running as root owns the container and is one kernel bug from the node.',
    fix: 'Set securityContext.runAsNonRoot: true and a non-zero runAsUser.',
    severity: every('error'),
    check: (context) =>
      perContainer(context, (pod, container) => {
        const user = effective(pod, container, 'runAsUser');
        if (user === 0) return 'runs as UID 0 (root)';
        if (effective(pod, container, 'runAsNonRoot') !== true && (typeof user !== 'number' || user === 0)) {
          return 'may run as root: set runAsNonRoot: true';
        }
        return undefined;
      }),
  },
  {
    id: 'no-privilege-escalation',
    category: 'security',
    rationale: 'setuid binaries can regain privileges unless escalation is blocked (it is allowed by default).',
    fix: 'Set securityContext.allowPrivilegeEscalation: false.',
    severity: every('error'),
    check: (context) =>
      perContainer(context, (_pod, container) =>
        asRecord(container.securityContext).allowPrivilegeEscalation !== false ? 'allowPrivilegeEscalation is not false' : undefined,
      ),
  },
  {
    id: 'no-privileged',
    category: 'security',
    rationale: 'A privileged container has every capability and the host devices.',
    fix: 'Remove securityContext.privileged or set it to false.',
    severity: every('error'),
    check: (context) => perContainer(context, (_pod, container) => (asRecord(container.securityContext).privileged === true ? 'runs privileged' : undefined)),
  },
  {
    id: 'drop-all-capabilities',
    category: 'security',
    rationale: 'Default capabilities (e.g. NET_RAW) are rarely needed and widen the attack surface.',
    fix: 'Set securityContext.capabilities.drop: [ALL] and add back only what is needed.',
    severity: byClass('warning', 'error', 'error'),
    check: (context) =>
      perContainer(context, (_pod, container) => {
        const drop = asArray<string>(asRecord(asRecord(container.securityContext).capabilities).drop);
        return drop.includes('ALL') ? undefined : 'does not drop ALL capabilities';
      }),
  },
  {
    id: 'seccomp-profile',
    category: 'security',
    rationale: 'Without a seccomp profile every system call is open to the container.',
    fix: 'Set securityContext.seccompProfile.type: RuntimeDefault on the pod or container.',
    severity: byClass('warning', 'error', 'error'),
    check: (context) =>
      perContainer(context, (pod, container) => {
        const type = asRecord(effective(pod, container, 'seccompProfile')).type;
        return type === 'RuntimeDefault' || type === 'Localhost' ? undefined : 'has no RuntimeDefault or Localhost seccomp profile';
      }),
  },
  {
    id: 'read-only-root-filesystem',
    category: 'security',
    rationale: 'A writable root filesystem lets an intruder change binaries and hide tools.',
    fix: 'Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the app writes.',
    severity: byClass('warning', 'error', 'error'),
    check: (context) =>
      perContainer(context, (_pod, container) =>
        asRecord(container.securityContext).readOnlyRootFilesystem === true ? undefined : 'root filesystem is writable',
      ),
  },
  {
    id: 'no-host-namespaces',
    category: 'security',
    rationale: 'Sharing the host network, PID or IPC namespace breaks container isolation.',
    fix: 'Remove hostNetwork, hostPID and hostIPC from the pod spec.',
    severity: every('error'),
    check: (context) =>
      context.pods.flatMap((pod) =>
        ['hostNetwork', 'hostPID', 'hostIPC']
          .filter((field) => pod.spec[field] === true)
          .map((field) => ({ manifest: pod.manifest, message: `pod uses ${field}` })),
      ),
  },
  {
    id: 'no-host-path',
    category: 'security',
    rationale: 'hostPath volumes expose the node filesystem to the pod.',
    fix: 'Use a PersistentVolumeClaim, emptyDir, ConfigMap or Secret volume instead.',
    severity: byClass('warning', 'error', 'error'),
    check: (context) =>
      context.pods.flatMap((pod) =>
        asArray<Json>(pod.spec.volumes)
          .filter((volume) => volume.hostPath !== undefined)
          .map((volume) => ({ manifest: pod.manifest, message: `volume ${String(volume.name)} mounts a hostPath` })),
      ),
  },
  {
    id: 'no-token-automount',
    category: 'security',
    rationale: 'A mounted service account token lets anyone in the pod call the Kubernetes API.',
    fix: 'Set automountServiceAccountToken: false on the pod (and the ServiceAccount) unless the app calls the API.',
    severity: byClass('warning', 'warning', 'error'),
    check: (context) =>
      context.pods
        .filter((pod) => pod.spec.automountServiceAccountToken !== false)
        .map((pod) => ({ manifest: pod.manifest, message: 'pod mounts a service account token (automountServiceAccountToken is not false)' })),
  },
  {
    id: 'no-secret-in-env',
    category: 'security',
    rationale: 'A secret written into the pod spec is readable by everyone who can read the workload.',
    fix: 'Move the value into a Secret and use valueFrom.secretKeyRef or envFrom.secretRef.',
    severity: every('error'),
    check: (context) =>
      perContainer(context, (_pod, container) => {
        const leaked = asArray<{ name: string; value?: unknown }>(container.env).filter(
          (variable) => SECRET_NAME.test(variable.name) && typeof variable.value === 'string' && variable.value !== '',
        );
        return leaked.length ? `secret-looking value in plain env: ${leaked.map((variable) => variable.name).join(', ')}` : undefined;
      }),
  },
  {
    id: 'no-secret-in-configmap',
    category: 'security',
    rationale: 'ConfigMaps are not access-controlled or encrypted like Secrets.',
    fix: 'Move the key into a Secret.',
    severity: byClass('warning', 'error', 'error'),
    check: (context) =>
      context.ofKind('ConfigMap').flatMap((manifest) => {
        const keys = Object.keys(asRecord(manifest.object.data)).filter((key) => SECRET_NAME.test(key));
        return keys.length ? [{ manifest, message: `secret-looking keys in a ConfigMap: ${keys.join(', ')}` }] : [];
      }),
  },
  {
    id: 'liveness-probe',
    category: 'reliability',
    rationale: 'Without a liveness probe a hung process is never restarted.',
    fix: 'Add a livenessProbe on an endpoint that only fails when the process must be restarted.',
    severity: byClass('warning', 'error', 'error'),
    check: (context) => perContainer(context, (_pod, container) => (container.livenessProbe ? undefined : 'has no livenessProbe'), true),
  },
  {
    id: 'readiness-probe',
    category: 'reliability',
    rationale: 'Without a readiness probe traffic reaches pods that cannot serve it yet.',
    fix: 'Add a readinessProbe on an endpoint that checks the app can serve.',
    severity: byClass('warning', 'error', 'error'),
    check: (context) => perContainer(context, (_pod, container) => (container.readinessProbe ? undefined : 'has no readinessProbe'), true),
  },
  {
    id: 'image-tag-pinned',
    category: 'reliability',
    rationale: 'An untagged or latest image changes under you: the same chart installs different software.',
    fix: 'Pin the image to a version tag (and preferably a digest).',
    severity: every('error'),
    check: (context) =>
      perContainer(context, (_pod, container) => {
        const image = container.image ?? '';
        if (image.includes('@sha256:')) return undefined;
        const tag = /:([^/:]+)$/.exec(image)?.[1];
        if (!tag) return `image ${image || '(none)'} has no tag`;
        return tag === 'latest' ? `image ${image} uses the latest tag` : undefined;
      }),
  },
  {
    id: 'image-digest',
    category: 'reliability',
    rationale: 'Tags can be moved; only a digest names exactly the image that was verified.',
    fix: 'Reference the image by digest (repository:tag@sha256:...).',
    severity: byClass('info', 'info', 'warning'),
    check: (context) =>
      perContainer(context, (_pod, container) => ((container.image ?? '').includes('@sha256:') ? undefined : `image ${container.image ?? ''} is not pinned by digest`)),
  },
  {
    id: 'min-replicas',
    category: 'reliability',
    rationale: 'A single replica means downtime on every rollout, drain or crash.',
    fix: 'Run at least 2 replicas (3 for class C), or an HPA with minReplicas >= 2.',
    severity: byClass('info', 'info', 'warning'),
    check: (context) =>
      context.pods
        .filter((pod) => pod.replicas !== undefined && (context.minReplicas(pod) ?? 1) < 2)
        .map((pod) => ({ manifest: pod.manifest, message: `runs ${context.minReplicas(pod)} replica(s)` })),
  },
  {
    id: 'pdb-allows-disruption',
    category: 'reliability',
    rationale: 'A PodDisruptionBudget that can never be satisfied blocks node drains and cluster upgrades.',
    fix: 'Keep PDB minAvailable below the HPA minReplicas (or replicas), or use maxUnavailable: 1.',
    severity: every('error'),
    check: (context) =>
      context.ofKind('PodDisruptionBudget').flatMap((pdb) => {
        const spec = asRecord(pdb.object.spec);
        const selector = stringMap(asRecord(spec.selector).matchLabels);
        const violations: Violation[] = [];
        if (spec.maxUnavailable === 0 || spec.maxUnavailable === '0%') violations.push({ manifest: pdb, message: 'maxUnavailable is 0: no pod may ever be evicted' });
        if (typeof spec.minAvailable === 'number') {
          for (const pod of context.pods.filter((candidate) => matches(selector, candidate.labels))) {
            const minimum = context.minReplicas(pod);
            const hpa = context.hpaFor(pod.manifest);
            if (minimum !== undefined && spec.minAvailable >= minimum) {
              violations.push({
                manifest: pdb,
                message: `minAvailable ${spec.minAvailable} >= ${hpa ? `HPA ${hpa.name} minReplicas` : `${pod.manifest.id} replicas`} ${minimum}: evictions are never allowed`,
              });
            }
          }
        }
        return violations;
      }),
  },
  {
    id: 'pdb-present',
    category: 'reliability',
    rationale: 'Without a PodDisruptionBudget a drain can take every replica down at once.',
    fix: 'Add a PodDisruptionBudget (maxUnavailable: 1) selecting the pods.',
    severity: byClass('info', 'warning', 'error'),
    check: (context) => {
      const selectors = context.ofKind('PodDisruptionBudget').map((pdb) => stringMap(asRecord(asRecord(pdb.object.spec).selector).matchLabels));
      return context.pods
        .filter((pod) => pod.replicas !== undefined && (context.minReplicas(pod) ?? 1) >= 2)
        .filter((pod) => !selectors.some((selector) => matches(selector, pod.labels)))
        .map((pod) => ({ manifest: pod.manifest, message: 'no PodDisruptionBudget selects these pods' }));
    },
  },
  {
    id: 'spread-across-nodes',
    category: 'reliability',
    rationale: 'Replicas on one node all fail with that node.',
    fix: 'Add topologySpreadConstraints on kubernetes.io/hostname (DoNotSchedule for class C) or pod anti-affinity.',
    severity: byClass('info', 'warning', 'error'),
    check: (context) =>
      context.pods
        .filter((pod) => pod.replicas !== undefined && (context.minReplicas(pod) ?? 1) >= 2)
        .filter((pod) => asArray(pod.spec.topologySpreadConstraints).length === 0 && !asRecord(pod.spec.affinity).podAntiAffinity)
        .map((pod) => ({ manifest: pod.manifest, message: 'replicas are not spread across nodes' })),
  },
  {
    id: 'resource-requests',
    category: 'efficiency',
    rationale: 'Without requests the scheduler cannot place pods sensibly and they are evicted first.',
    fix: 'Set resources.requests.cpu and resources.requests.memory.',
    severity: byClass('warning', 'error', 'error'),
    check: (context) =>
      perContainer(context, (_pod, container) => {
        const requests = asRecord(asRecord(container.resources).requests);
        const missing = ['cpu', 'memory'].filter((resource) => requests[resource] === undefined);
        return missing.length ? `no ${missing.join(' or ')} request` : undefined;
      }),
  },
  {
    id: 'resource-limits',
    category: 'efficiency',
    rationale: 'Without a memory limit one leaking pod can starve the node.',
    fix: 'Set resources.limits.memory (and cpu where bursts must be bounded).',
    severity: byClass('warning', 'error', 'error'),
    check: (context) =>
      perContainer(context, (_pod, container) =>
        asRecord(asRecord(container.resources).limits).memory === undefined ? 'no memory limit' : undefined,
      ),
  },
  {
    id: 'selector-matches-pod-labels',
    category: 'consistency',
    rationale: 'A workload whose selector does not match its pod labels is rejected or orphans its pods.',
    fix: 'Make spec.selector.matchLabels a subset of spec.template.metadata.labels.',
    severity: every('error'),
    check: (context) =>
      context.pods
        .filter((pod) => pod.selector !== undefined && !matches(pod.selector, pod.labels))
        .map((pod) => ({ manifest: pod.manifest, message: 'spec.selector.matchLabels does not match the pod template labels' })),
  },
  {
    id: 'service-selects-pods',
    category: 'consistency',
    rationale: 'A Service that selects no pod sends its traffic nowhere.',
    fix: 'Make the Service selector match the labels of the pods it fronts.',
    severity: every('error'),
    check: (context) =>
      context.ofKind('Service').flatMap((service) => {
        const selector = stringMap(asRecord(service.object.spec).selector);
        if (Object.keys(selector).length === 0) return [];
        return context.pods.some((pod) => pod.longRunning && matches(selector, pod.labels))
          ? []
          : [{ manifest: service, message: `selector ${JSON.stringify(selector)} matches no pod of the release` }];
      }),
  },
  {
    id: 'network-policy-selects-pods',
    category: 'consistency',
    rationale: 'A NetworkPolicy that selects no pod protects nothing.',
    fix: 'Make spec.podSelector match the labels of the pods it should isolate.',
    severity: every('warning'),
    check: (context) =>
      context.ofKind('NetworkPolicy').flatMap((policy) => {
        const selector = stringMap(asRecord(asRecord(policy.object.spec).podSelector).matchLabels);
        if (Object.keys(selector).length === 0) return [];
        return context.pods.some((pod) => matches(selector, pod.labels))
          ? []
          : [{ manifest: policy, message: `podSelector ${JSON.stringify(selector)} matches no pod of the release` }];
      }),
  },
  {
    id: 'standard-labels',
    category: 'consistency',
    rationale: 'app.kubernetes.io/name and /instance let tools and people find what belongs together.',
    fix: 'Add the app.kubernetes.io/name and app.kubernetes.io/instance labels.',
    severity: byClass('info', 'warning', 'warning'),
    check: (context) =>
      context.manifests.flatMap((manifest) => {
        const labels = stringMap(asRecord(manifest.object.metadata).labels);
        const missing = ['app.kubernetes.io/name', 'app.kubernetes.io/instance'].filter((key) => !labels[key]);
        return missing.length ? [{ manifest, message: `missing labels: ${missing.join(', ')}` }] : [];
      }),
  },
];

export interface Exemption {
  rule: string;
  object: string;
  justification: string;
}

function exemptionOf(manifest: Manifest, rule: string): string | undefined {
  const pod = podTemplateOf(manifest);
  const annotations = { ...stringMap(asRecord(manifest.object.metadata).annotations) };
  if (pod) Object.assign(annotations, stringMap(asRecord(asRecord(asRecord(asRecord(manifest.object.spec).template).metadata).annotations)));
  return annotations[`${EXEMPTION_PREFIX}${rule}`];
}

/** Runs every rule at the chart's class; an exemption needs a written justification. */
export function evaluatePolicy(manifests: readonly Manifest[], safetyClass: SafetyClass): { findings: Finding[]; exemptions: Exemption[] } {
  const context = new PolicyContext(manifests);
  const findings: Finding[] = [];
  const exemptions: Exemption[] = [];
  for (const rule of POLICY_RULES) {
    for (const violation of rule.check(context)) {
      const justification = exemptionOf(violation.manifest, rule.id);
      const where = { file: violation.manifest.source, object: violation.manifest.id, rule: rule.id };
      if (justification !== undefined && justification.trim().length >= 10) {
        if (!exemptions.some((e) => e.rule === rule.id && e.object === violation.manifest.id)) {
          exemptions.push({ rule: rule.id, object: violation.manifest.id, justification: justification.trim() });
        }
        continue;
      }
      if (justification !== undefined) {
        findings.push({ severity: 'error', ...where, message: `exemption from ${rule.id} needs a written justification (at least 10 characters) in ${EXEMPTION_PREFIX}${rule.id}` });
      }
      findings.push({ severity: rule.severity[safetyClass], ...where, message: `${violation.message}. Fix: ${rule.fix}` });
    }
  }
  return { findings, exemptions };
}
