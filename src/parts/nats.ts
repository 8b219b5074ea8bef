import { field, hasDependency } from '../answers/field.js';
import { checkProvider, type Provider } from '../answers/validate.js';
import { bool, custom, group, int, K8S_NAME, placeholder, PORT, str, type ValueNode } from '../chart/valueTree.js';
import { CLASS_PROFILES } from '../domain/classes.js';
import type { Part, Subchart } from './part.js';

/**
 * A message broker: NATS, through its official chart. Why NATS: a CNCF project under Apache-2.0
 * whose maintainers publish the chart in step with every server release (chart 2.14.x with
 * server 2.14.x in 2026) and an official Docker image; JetStream gives durable, replayed
 * streams, so a device alarm is not lost when a consumer restarts; a cluster of three keeps
 * working through the loss of a node. The alternative considered, RabbitMQ through its Cluster
 * Operator, needs a cluster-wide operator like CloudNativePG, and the Bitnami RabbitMQ chart is
 * frozen like Bitnami PostgreSQL.
 */
export interface NatsAnswers {
  natsProvider: Provider;
}

export const NATS_CHART: Subchart = { chart: 'nats', version: '2.14.2', repository: 'https://nats-io.github.io/k8s/helm/charts/' };
/** The server image, pinned in values.yaml rather than left to the chart. */
export const NATS_IMAGE = { repository: 'nats', tag: '2.14.2-alpine' };
/** The NATS chart's pods run as this UID; the chart's merge hooks carry the hardening below. */
const NATS_UID = 1000;

const provider = (answers: { dependencies?: string[]; natsProvider?: Provider }) =>
  answers.dependencies?.includes('nats') ? answers.natsProvider : undefined;

const hardenedContainer = (cpu: string, memory: string) => ({
  securityContext: {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  },
  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu, memory } },
});

export const nats: Part = {
  id: 'nats',
  title: 'NATS',
  dependency: 'nats',
  section: 'dependency',
  fields: [
    field({
      key: 'natsProvider',
      flag: 'nats-provider',
      argName: 'in-cluster|external',
      label: 'NATS provider',
      help: 'where the NATS message broker runs',
      prompt: {
        type: 'select',
        message: 'NATS provider',
        choices: [
          { value: 'in-cluster', name: 'in-cluster', description: 'the official NATS chart with JetStream, installed as a subchart (a 3-node cluster in prod for class B/C)' },
          { value: 'external', name: 'external', description: 'a NATS service run elsewhere; the chart only connects to it' },
        ],
      },
      check: checkProvider,
      defaultValue: () => 'in-cluster',
      applies: (sofar) => hasDependency(sofar, 'nats'),
      requires: '--dependencies nats',
    }),
  ],
  included: (answers) => hasDependency(answers, 'nats'),
  slots: {
    'deployment.env': 'nats/deployment-env.yaml.hbs',
    'networkpolicy.egress': 'nats/networkpolicy-egress.yaml.hbs',
    'networkpolicy.policies': 'nats/networkpolicy-policy.yaml.hbs',
    readme: 'nats/README.md.hbs',
  },
  context: (answers) => ({ inCluster: provider(answers) === 'in-cluster', external: provider(answers) === 'external' }),
  values(answers): Record<string, ValueNode> {
    if (provider(answers) === 'in-cluster') {
      return {
        nats: group(
          'NATS subchart values (the chart takes many more keys; see its README)',
          {
            enabled: bool('Install NATS as a subchart', true),
            config: group('NATS server configuration', {
              cluster: group('Clustering (needs 3 or more replicas with JetStream)', {
                enabled: bool('Run a NATS cluster', false),
                replicas: int('NATS servers in the cluster', 3, { minimum: 1 }),
              }),
              jetstream: group('JetStream: durable streams on a volume', {
                enabled: bool('Enable JetStream', true),
                fileStore: group('JetStream file storage', {
                  pvc: group('Volume of each server', { size: custom('Size of the JetStream volume', '1Gi', { type: 'string', minLength: 1 }) }),
                }),
              }),
            }),
            container: group('NATS server container', {
              image: group('NATS server image, pinned', {
                repository: str('Image repository', NATS_IMAGE.repository),
                tag: str('Image tag', NATS_IMAGE.tag, { minLength: 1, not: { const: 'latest' } }),
              }),
              merge: custom('Merged into the container by the chart: hardening and resources', hardenedContainer('500m', '256Mi'), { type: 'object' }),
            }),
            reloader: group('Config reloader sidecar', {
              enabled: bool('Run the reloader (it has no health probes); off: a config change rolls the pods instead', false),
            }),
            natsBox: group('nats-box debugging deployment', { enabled: bool('Run nats-box (a toolbox with a shell; off: not needed to serve)', false) }),
            podTemplate: group('NATS pod template', {
              configChecksumAnnotation: bool('Roll the pods, one at a time, when the NATS config changes', true),
              topologySpreadConstraints: custom('Spreading of the servers, by topology key (the chart adds its pod selector); class B and C prod spread by node', {}, { type: 'object' }),
              merge: custom(
                'Merged into the pods by the chart: non-root, fixed UID, seccomp',
                {
                  spec: {
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, runAsUser: NATS_UID, runAsGroup: NATS_UID, fsGroup: NATS_UID, seccompProfile: { type: 'RuntimeDefault' } },
                  },
                },
                { type: 'object' },
              ),
            }),
          },
          {
            open: true,
            notice: [
              `Official NATS chart ${NATS_CHART.version} from the NATS maintainers, pinned exactly, its server image pinned here.`,
              'The config reloader sidecar (no health probes) and the nats-box toolbox are off; the server runs hardened.',
              'In-cluster NATS has no client authentication by default: only this NetworkPolicy limits who',
              'connects from this app. Configure nats.config.merge.authorization (or accounts) for production.',
            ],
          },
        ),
      };
    }
    return {
      externalNats: group('NATS service the app connects to', {
        host: placeholder(custom('NATS host name', 'nats.example.internal', { type: 'string', minLength: 1 }), 'the host name of your NATS service'),
        port: int('NATS client port', 4222, PORT),
        existingSecret: str('Secret holding a client token; empty when the service needs none', '', K8S_NAME),
        tokenKey: str('Key of the token in existingSecret', 'token', { minLength: 1 }),
        egressCidr: placeholder(
          str('CIDR the NetworkPolicy lets the app reach NATS in; narrow it to the service', '0.0.0.0/0', { minLength: 9 }),
          'the address range of the NATS service, e.g. 10.20.2.0/24',
        ),
      }),
    };
  },
  prodValues(answers) {
    if (provider(answers) !== 'in-cluster') return {};
    const profile = CLASS_PROFILES[answers.safetyClass];
    const clustered = profile.prodDataReplicas >= 3;
    return {
      nats: {
        config: {
          ...(clustered ? { cluster: { enabled: true, replicas: 3 } } : {}),
          jetstream: { fileStore: { pvc: { size: '10Gi' } } },
        },
        // The chart turns this map into topologySpreadConstraints selecting its own pods.
        ...(clustered
          ? { podTemplate: { topologySpreadConstraints: { 'kubernetes.io/hostname': { maxSkew: 1, whenUnsatisfiable: profile.prod.topologySpread.whenUnsatisfiable } } } }
          : {}),
      },
    };
  },
  subcharts: (answers) => (provider(answers) === 'in-cluster' ? [NATS_CHART] : []),
  soup: (answers) =>
    provider(answers) === 'in-cluster'
      ? [
          {
            kind: 'subchart',
            name: NATS_CHART.chart,
            version: NATS_CHART.version,
            source: NATS_CHART.repository,
            supplier: 'NATS authors (Synadia, CNCF project)',
            license: 'Apache-2.0',
            pinned: 'exact chart version',
            maintained: true,
            maintenance: 'maintained: released with every NATS server release',
            broughtBy: 'nats.enabled',
          },
          {
            kind: 'image',
            name: `docker.io/library/${NATS_IMAGE.repository}`,
            version: NATS_IMAGE.tag,
            source: 'https://hub.docker.com/_/nats',
            supplier: 'NATS authors (Docker Official Image)',
            license: 'Apache-2.0',
            pinned: 'tag, not by digest',
            maintained: true,
            maintenance: 'maintained: official image, rebuilt for server and Alpine releases',
            broughtBy: 'nats.container.image',
          },
        ]
      : [],
  env: (answers) => [
    { name: 'NATS_URL', meaning: 'NATS client URL (nats://host:port)' },
    ...(provider(answers) === 'external' ? [{ name: 'NATS_TOKEN', meaning: 'client token, only when externalNats.existingSecret is set' }] : []),
  ],
  prerequisites: (answers) =>
    provider(answers) === 'in-cluster'
      ? ['A StorageClass for the JetStream volumes (the cluster default).']
      : ['The NATS service, reachable from the cluster; for a token, a Secret named in `externalNats.existingSecret` (key `externalNats.tokenKey`).'],
};
