import type { Answers } from '../answers/fields.js';
import { CLASS_PROFILES, type Availability } from './availability.js';
import { POSTGRES_IMAGE, SUBCHARTS } from './catalogue.js';
import { type JsonSchema, type ValueNode, bool, custom, group, int, oneOf, str, stringMap } from './valueTree.js';

/** UID/GID the container runs as: fixed and non-zero so volume ownership is predictable. */
export const APP_UID = 10001;

const QUANTITY: JsonSchema = {
  type: ['string', 'number'],
  pattern: '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$',
};
const INT_OR_PERCENT_OR_NULL: JsonSchema = {
  type: ['integer', 'string', 'null'],
  pattern: '^[0-9]+%$',
  minimum: 0,
};
const DIGEST: JsonSchema = { pattern: '^(sha256:[a-f0-9]{64})?$' };
const IMAGE_TAG: JsonSchema = { minLength: 1, pattern: '^[\\w][\\w.-]{0,127}$', not: { const: 'latest' } };
const K8S_NAME: JsonSchema = { pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$', maxLength: 253 };

function resources(description: string, requests: Record<string, string>, limits: Record<string, string>): ValueNode {
  const amounts = (what: string, value: Record<string, string>) =>
    group(`${what} for this container`, {
      cpu: custom(`CPU ${what.toLowerCase()}`, value.cpu, QUANTITY),
      memory: custom(`Memory ${what.toLowerCase()}`, value.memory, QUANTITY),
      'ephemeral-storage': custom(`Ephemeral storage ${what.toLowerCase()}`, value['ephemeral-storage'], QUANTITY),
    });
  return group(description, { requests: amounts('Requests', requests), limits: amounts('Limits', limits) });
}

function image(description: string, repository: string, tag: string, digest: string, pullPolicy = true): ValueNode {
  return group(description, {
    repository: str('Image repository', repository, { minLength: 1 }),
    tag: str('Image tag; pinned, never latest', tag, IMAGE_TAG),
    digest: str('Image digest (sha256:...); when set, the image is pulled by digest', digest, DIGEST),
    ...(pullPolicy ? { pullPolicy: oneOf('Image pull policy', 'IfNotPresent', ['Always', 'IfNotPresent', 'Never']) } : {}),
  });
}

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
  const hasPostgres = answers.dependencies.includes('postgresql');
  const hasRedis = answers.dependencies.includes('redis');
  const postgresInCluster = hasPostgres && answers.postgresqlProvider === 'in-cluster';
  const redisInCluster = hasRedis && answers.redisProvider === 'in-cluster';

  const children: Record<string, ValueNode> = {
    nameOverride: str('Replaces the chart name in resource names', '', K8S_NAME),
    fullnameOverride: str('Replaces the full resource name prefix', '', K8S_NAME),
    replicaCount: int('Pod replicas when autoscaling is off', dev.replicas, { minimum: 0 }),
    image: image('Application image', answers.image.repository, answers.image.tag, answers.image.digest),
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
      ingressControllerNamespace: str('Namespace of the ingress controller allowed to reach the app', 'ingress-nginx', { minLength: 1 }),
      monitoringNamespace: str('Namespace of Prometheus, allowed to scrape metrics', 'monitoring', { minLength: 1 }),
      extraEgress: custom('Extra egress rules (NetworkPolicyEgressRule objects)', [], { type: 'array', items: { type: 'object' } }),
    }),
    ingress: group('Ingress (networking.k8s.io/v1)', {
      enabled: bool('Create an Ingress', answers.ingress),
      className: str('IngressClass name', 'nginx'),
      annotations: stringMap('Annotations on the Ingress'),
      host: custom('Host name served', answers.ingressHost, { type: 'string', pattern: '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$' }),
      path: str('Path served', '/', { pattern: '^/' }),
      pathType: oneOf('Path matching', 'Prefix', ['Prefix', 'Exact', 'ImplementationSpecific']),
      tls: group('TLS at the Ingress', {
        enabled: bool('Terminate TLS', answers.ingressTls),
        secretName: str('Secret holding the certificate; generated from the full name when empty', '', K8S_NAME),
      }),
    }),
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

  if (answers.serviceMonitor) {
    children.serviceMonitor = group('Prometheus Operator ServiceMonitor; rendered only where monitoring.coreos.com/v1 exists', {
      enabled: bool('Create the ServiceMonitor', true),
      interval: str('Scrape interval', '30s', { pattern: '^[0-9]+(ms|s|m|h)$' }),
      scrapeTimeout: str('Scrape timeout', '10s', { pattern: '^[0-9]+(ms|s|m|h)$' }),
      labels: stringMap('Labels Prometheus selects ServiceMonitors by'),
    });
  }
  if (answers.persistence) {
    children.persistence = group('Persistent volume for the app', {
      enabled: bool('Mount a PersistentVolumeClaim', true),
      mountPath: str('Where the volume is mounted', '/data', { pattern: '^/' }),
      size: custom('Requested size', '1Gi', QUANTITY),
      storageClass: str('StorageClass; the cluster default when empty', ''),
      accessMode: oneOf('Access mode', 'ReadWriteOnce', ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany']),
      existingClaim: str('Use this claim instead of creating one', '', K8S_NAME),
      retainOnUninstall: bool('Keep the claim when the release is uninstalled (helm.sh/resource-policy: keep)', false),
    });
  }
  if (postgresInCluster) {
    const entry = SUBCHARTS.postgresql;
    children.postgresql = group(
      'Bitnami PostgreSQL subchart values (the chart takes many more keys)',
      {
        enabled: bool('Install PostgreSQL as a subchart', true),
        auth: group('Database credentials; the subchart generates the password and keeps it across upgrades', {
          username: str('Database user of the app', answers.name.replace(/-/g, '_')),
          database: str('Database of the app', answers.name.replace(/-/g, '_')),
          existingSecret: str('Use this Secret (keys password, postgres-password) instead of a generated one', ''),
        }),
        image: group('Image override: the frozen bitnamilegacy copy, pinned', {
          registry: str('Image registry', POSTGRES_IMAGE.registry),
          repository: str('Image repository', POSTGRES_IMAGE.repository),
          tag: str('Image tag', POSTGRES_IMAGE.tag, IMAGE_TAG),
        }),
        primary: group('Primary server', {
          persistence: group('Data volume', { size: custom('Size of the data volume', '8Gi', QUANTITY) }),
        }),
      },
      { open: true, notice: entry.notice },
    );
    children.global = group(
      'Values shared with subcharts',
      {
        security: group('Bitnami image checks', {
          allowInsecureImages: bool('Allow the bitnamilegacy image override (older Bitnami charts refuse it otherwise)', true),
        }),
      },
      { open: true },
    );
  }
  if (hasPostgres && !postgresInCluster) {
    children.externalDatabase = group('Managed PostgreSQL the app connects to', {
      host: custom('Database host name', 'postgresql.example.internal', { type: 'string', minLength: 1 }),
      port: int('Database port', 5432, { minimum: 1, maximum: 65535 }),
      database: str('Database name', answers.name.replace(/-/g, '_'), { minLength: 1 }),
      username: str('Database user', answers.name.replace(/-/g, '_'), { minLength: 1 }),
      existingSecret: str('Secret holding the password (create it before installing)', `${answers.name}-database`, { ...K8S_NAME, minLength: 1 }),
      passwordKey: str('Key of the password in existingSecret', 'password', { minLength: 1 }),
      egressCidr: str('CIDR the NetworkPolicy lets the app reach the database in; narrow it to the service', '0.0.0.0/0', { minLength: 9 }),
    });
  }
  if (redisInCluster) {
    const entry = SUBCHARTS.redis;
    children.valkey = group(
      'Valkey subchart values (Redis-compatible; the chart takes many more keys)',
      { enabled: bool('Install Valkey as a subchart', true) },
      { open: true, notice: entry.notice },
    );
  }
  if (hasRedis && !redisInCluster) {
    children.externalRedis = group('Managed Redis the app connects to', {
      host: custom('Redis host name', 'redis.example.internal', { type: 'string', minLength: 1 }),
      port: int('Redis port', 6379, { minimum: 1, maximum: 65535 }),
      existingSecret: str('Secret holding the password; empty when the service needs none', '', K8S_NAME),
      passwordKey: str('Key of the password in existingSecret', 'password', { minLength: 1 }),
      egressCidr: str('CIDR the NetworkPolicy lets the app reach Redis in; narrow it to the service', '0.0.0.0/0', { minLength: 9 }),
    });
  }
  if (answers.backup && postgresInCluster) {
    children.backup = group('Nightly pg_dump of the in-cluster database to its own volume', {
      enabled: bool('Create the backup CronJob', true),
      schedule: str('Cron schedule (UTC)', '0 2 * * *', { minLength: 9 }),
      image: image('pg_dump image; matches the database version', `${POSTGRES_IMAGE.registry}/${POSTGRES_IMAGE.repository}`, POSTGRES_IMAGE.tag, '', false),
      size: custom('Size of the backup volume', '5Gi', QUANTITY),
      storageClass: str('StorageClass of the backup volume; the cluster default when empty', ''),
      retainOnUninstall: bool('Keep the backup volume when the release is uninstalled', true),
      successfulJobsHistoryLimit: int('Finished jobs to keep', 3, { minimum: 0 }),
      failedJobsHistoryLimit: int('Failed jobs to keep', 3, { minimum: 0 }),
      resources: resources('Resources of the backup container', { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '64Mi' }, { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '256Mi' }),
    });
  }
  children.nodeSelector = stringMap('Node labels the pods must match');
  children.tolerations = custom('Tolerations of the pods', [], { type: 'array', items: { type: 'object' } });
  children.affinity = custom('Affinity rules of the pods', {}, { type: 'object' });
  children.priorityClassName = str('PriorityClass of the pods', '');
  children.terminationGracePeriodSeconds = int('Seconds a pod gets to shut down', 30, { minimum: 0 });
  children.tests = group('helm test pod', {
    image: image('Image of the connection test; pinned, and run hardened like the app', 'docker.io/library/busybox', '1.37.0', ''),
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

/** values-prod.yaml: class-driven availability and production sizing. */
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
  if (answers.persistence) overrides.persistence = { retainOnUninstall: true };
  const postgresInCluster = answers.dependencies.includes('postgresql') && answers.postgresqlProvider === 'in-cluster';
  if (postgresInCluster) overrides.postgresql = { primary: { persistence: { size: '20Gi' } } };
  return overrides;
}
