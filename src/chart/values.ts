import type { Answers } from '../answers/field.js';
import { CLASS_PROFILES, type Availability } from '../domain/classes.js';
import { includedParts } from '../parts/index.js';
import { type CoreGroup, type Part, VALUES_SECTIONS, type ValuesSection } from '../parts/part.js';
import { isExampleValue } from '../parts/placeholders.js';
import {
  type JsonSchema,
  type ValueNode,
  bool,
  custom,
  group,
  image,
  int,
  K8S_NAME,
  oneOf,
  placeholder,
  QUANTITY,
  resources,
  str,
  stringMap,
} from './valueTree.js';

/** UID/GID the container runs as: fixed and non-zero so volume ownership is predictable. */
export const APP_UID = 10001;

/** The connection test's image (helm test): pinned, and run hardened like the app. */
export const TEST_IMAGE = { repository: 'docker.io/library/busybox', tag: '1.37.0' };

const INT_OR_PERCENT_OR_NULL: JsonSchema = {
  type: ['integer', 'string', 'null'],
  pattern: '^[0-9]+%$',
  minimum: 0,
};

function probe(description: string, path: string, periodSeconds: number, failureThreshold: number): ValueNode {
  return group(description, {
    path: str('HTTP path probed on the container port', path, { pattern: '^/' }),
    initialDelaySeconds: int('Seconds before the first probe', 0, { minimum: 0 }),
    periodSeconds: int('Seconds between probes', periodSeconds, { minimum: 1 }),
    timeoutSeconds: int('Seconds before a probe times out', 2, { minimum: 1 }),
    failureThreshold: int('Failed probes before action is taken', failureThreshold, { minimum: 1 }),
  });
}

const containerSecurityContext = () =>
  group('Container security context; the defaults hold for every safety class', {
    runAsNonRoot: custom('Refuse to start as root', true, { const: true }),
    runAsUser: int('UID the container runs as (never 0)', APP_UID, { minimum: 1 }),
    runAsGroup: int('GID the container runs as (never 0)', APP_UID, { minimum: 1 }),
    readOnlyRootFilesystem: bool('Mount the root filesystem read-only; /tmp is a writable emptyDir', true),
    allowPrivilegeEscalation: custom('Block setuid privilege escalation', false, { const: false }),
    privileged: custom('Run privileged (never)', false, { const: false }),
    capabilities: group('Linux capabilities', {
      drop: custom('Capabilities dropped', ['ALL'], { type: 'array', items: { type: 'string' }, contains: { const: 'ALL' } }),
      add: custom('Capabilities added back (avoid)', [], { type: 'array', items: { type: 'string' } }),
    }),
    seccompProfile: group('Seccomp profile', {
      type: oneOf('Seccomp profile type', 'RuntimeDefault', ['RuntimeDefault', 'Localhost']),
    }),
  });

/** The value tree with the base (dev-sized) defaults for these answers. */
export function buildValueTree(answers: Answers): ValueNode {
  const profile = CLASS_PROFILES[answers.safetyClass];
  const dev = profile.dev;
  const parts = includedParts(answers);
  const section = (name: ValuesSection) => partValues(parts, answers, name);
  const into = (name: CoreGroup) => Object.assign({}, ...parts.map((part) => part.groupValues?.(answers)[name] ?? {})) as Record<string, ValueNode>;
  const appImage = image('Application image', answers.image.repository, answers.image.tag, answers.image.digest);
  if (isExampleValue(answers.image.repository) && appImage.children?.repository) {
    appImage.children.repository = placeholder(appImage.children.repository, 'the repository your CI pushes the app image to');
  }

  const children: Record<string, ValueNode> = {
    nameOverride: str('Replaces the chart name in resource names', '', K8S_NAME),
    fullnameOverride: str('Replaces the full resource name prefix', '', K8S_NAME),
    replicaCount: int('Pod replicas when autoscaling is off', dev.replicas, { minimum: 0 }),
    image: appImage,
    imagePullSecrets: custom('Secrets for pulling from private registries', [], {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false },
    }),
    serviceAccount: group('Service account the pods run as', {
      create: bool('Create a dedicated service account', true),
      name: str('Name of the service account; generated from the full name when empty', '', K8S_NAME),
      annotations: stringMap('Annotations on the service account (e.g. workload identity)'),
      automountServiceAccountToken: bool('Mount the API token into pods; off unless the app calls the Kubernetes API', false),
    }),
    podAnnotations: stringMap('Extra annotations on the pods'),
    podLabels: stringMap('Extra labels on the pods'),
    podSecurityContext: group('Pod security context', {
      runAsNonRoot: custom('Refuse to start containers as root', true, { const: true }),
      runAsUser: int('UID for all containers (never 0)', APP_UID, { minimum: 1 }),
      runAsGroup: int('GID for all containers (never 0)', APP_UID, { minimum: 1 }),
      fsGroup: int('Group owning mounted volumes', APP_UID, { minimum: 1 }),
      seccompProfile: group('Seccomp profile for the pod', {
        type: oneOf('Seccomp profile type', 'RuntimeDefault', ['RuntimeDefault', 'Localhost']),
      }),
    }),
    securityContext: containerSecurityContext(),
    containerPort: int('Port the application listens on (unprivileged: the container is non-root)', answers.port, {
      minimum: 1024,
      maximum: 65535,
    }),
    service: group('Service in front of the pods', {
      type: oneOf('Service type', 'ClusterIP', ['ClusterIP', 'NodePort', 'LoadBalancer']),
      port: int('Service port', 80, { minimum: 1, maximum: 65535 }),
      annotations: stringMap('Annotations on the Service'),
    }),
    probes: group('Health probes; each on its own endpoint so a slow start is not mistaken for a hang', {
      liveness: probe('Liveness probe: restart the container when it fails', '/livez', 10, 3),
      readiness: probe('Readiness probe: take the pod out of the Service when it fails', '/readyz', 5, 3),
      startup: probe('Startup probe: holds the other probes back until the app has started', '/startupz', 5, 30),
    }),
    resources: resources(
      'Resource requests and limits of the app container',
      { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '64Mi' },
      { cpu: '250m', memory: '128Mi', 'ephemeral-storage': '256Mi' },
    ),
    tmpVolume: group('Writable emptyDir mounted at /tmp (the root filesystem is read-only)', {
      sizeLimit: custom('Size limit of the /tmp volume', '64Mi', QUANTITY),
    }),
    autoscaling: group('HorizontalPodAutoscaler (autoscaling/v2)', {
      enabled: bool('Scale on CPU utilisation; replicaCount is then ignored', dev.autoscaling.enabled),
      minReplicas: int('Lowest replica count', dev.autoscaling.minReplicas, { minimum: 1 }),
      maxReplicas: int('Highest replica count', dev.autoscaling.maxReplicas, { minimum: 1 }),
      targetCPUUtilizationPercentage: int('Average CPU utilisation to aim for', 70, { minimum: 1, maximum: 100 }),
      scaleUpStabilizationSeconds: int('Window before scaling up again', 0, { minimum: 0, maximum: 3600 }),
      scaleDownStabilizationSeconds: int('Window before scaling down, to avoid flapping', 300, { minimum: 0, maximum: 3600 }),
    }),
    podDisruptionBudget: group('PodDisruptionBudget (policy/v1); set exactly one of minAvailable and maxUnavailable', {
      enabled: bool('Create a PodDisruptionBudget', dev.podDisruptionBudget.enabled),
      minAvailable: custom('Pods that must stay up during voluntary disruptions', dev.podDisruptionBudget.minAvailable, INT_OR_PERCENT_OR_NULL),
      maxUnavailable: custom('Pods that may be down during voluntary disruptions', dev.podDisruptionBudget.maxUnavailable, INT_OR_PERCENT_OR_NULL),
    }),
    topologySpread: group('Spread pods across nodes', {
      enabled: bool('Add a topologySpreadConstraint', dev.topologySpread.enabled),
      topologyKey: str('Node label that defines a domain', 'kubernetes.io/hostname', { minLength: 1 }),
      maxSkew: int('Largest allowed difference in pods between domains', 1, { minimum: 1 }),
      whenUnsatisfiable: oneOf(
        'DoNotSchedule makes spreading required, ScheduleAnyway preferred',
        dev.topologySpread.whenUnsatisfiable,
        ['DoNotSchedule', 'ScheduleAnyway'],
      ),
    }),
    networkPolicy: group('NetworkPolicy: ingress only from the ingress controller and this app; egress only to DNS and dependencies', {
      enabled: bool('Create the NetworkPolicies', true),
      defaultDeny: bool('Also create an explicit deny-all policy for the app pods (class C)', profile.networkPolicyDefaultDeny),
      ...into('networkPolicy'),
      monitoringNamespace: str('Namespace of Prometheus, allowed to scrape metrics', 'monitoring', { minLength: 1 }),
      extraEgress: custom('Extra egress rules (NetworkPolicyEgressRule objects)', [], { type: 'array', items: { type: 'object' } }),
    }),
    ...section('exposure'),
    config: stringMap('Non-secret environment variables, stored in a ConfigMap', { LOG_LEVEL: 'info' }),
    extraEnv: custom('Extra environment variables (EnvVar objects); put secrets in a Secret, not here', [], {
      type: 'array',
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
    }),
    secret: group('Secret with generated credentials, kept across upgrades', {
      existingSecret: str('Use this Secret instead of generating one; it must hold every key in generatedKeys', '', K8S_NAME),
      generatedKeys: custom('Keys generated once (32 random characters) and then kept', ['SESSION_SECRET'], {
        type: 'array',
        items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
        uniqueItems: true,
      }),
    }),
    metrics: group('Prometheus metrics', {
      enabled: bool('Add prometheus.io scrape annotations to the pods', true),
      path: str('Metrics path on the container port', '/metrics', { pattern: '^/' }),
    }),
  };

  Object.assign(children, section('workload'), section('dependency'), section('operations'));
  children.nodeSelector = stringMap('Node labels the pods must match');
  children.tolerations = custom('Tolerations of the pods', [], { type: 'array', items: { type: 'object' } });
  children.affinity = custom('Affinity rules of the pods', {}, { type: 'object' });
  children.priorityClassName = str('PriorityClass of the pods', '');
  children.terminationGracePeriodSeconds = int('Seconds a pod gets to shut down', 30, { minimum: 0 });
  children.tests = group('helm test pod', {
    image: image('Image of the connection test; pinned, and run hardened like the app', TEST_IMAGE.repository, TEST_IMAGE.tag, ''),
  });
  if (!children.global) {
    // Helm adds `global` to the values of any chart; a closed root schema must allow it.
    children.global = { ...custom('Values shared with subcharts', {}, { type: 'object' }), schemaOnly: true };
  }
  return group(`Values of the ${answers.name} chart`, children);
}

function availabilityOverrides(availability: Availability) {
  return {
    replicaCount: availability.replicas,
    autoscaling: { ...availability.autoscaling },
    podDisruptionBudget: { ...availability.podDisruptionBudget },
    topologySpread: { ...availability.topologySpread },
  };
}

/** values-dev.yaml: the dev environment, on top of values.yaml. */
export function devOverrides(_answers: Answers): Record<string, unknown> {
  return { config: { LOG_LEVEL: 'debug' } };
}

/** values-prod.yaml: class-driven availability and production sizing, then each part's. */
export function prodOverrides(answers: Answers): Record<string, unknown> {
  const profile = CLASS_PROFILES[answers.safetyClass];
  const memory = '256Mi';
  const overrides: Record<string, unknown> = {
    ...availabilityOverrides(profile.prod),
    resources: {
      requests: { cpu: '100m', memory, 'ephemeral-storage': '128Mi' },
      limits: { cpu: '1', memory: profile.prodMemoryLimitEqualsRequest ? memory : '512Mi', 'ephemeral-storage': '512Mi' },
    },
  };
  for (const name of VALUES_SECTIONS) {
    for (const part of includedParts(answers).filter((candidate) => candidate.section === name)) Object.assign(overrides, part.prodValues?.(answers));
  }
  return overrides;
}

/** The top-level values the parts of one section add, in part order. */
function partValues(parts: Part[], answers: Answers, name: ValuesSection): Record<string, ValueNode> {
  return Object.assign({}, ...parts.filter((part) => part.section === name).map((part) => part.values?.(answers) ?? {})) as Record<string, ValueNode>;
}
