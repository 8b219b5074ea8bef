import { type Answers, field, hasDependency } from '../answers/field.js';
import { checkOneOf } from '../answers/validate.js';
import { bool, custom, group, image, IMAGE_TAG, int, K8S_NAME, oneOf, placeholder, PORT, QUANTITY, resources, str, type ValueNode } from '../chart/valueTree.js';
import { CLASS_PROFILES, type SafetyClass } from '../domain/classes.js';
import type { Part, SoupItem } from './part.js';

/**
 * PostgreSQL, three ways:
 * - `external`: a managed service the chart only connects to (the default for class B and C);
 * - `cloudnative-pg`: a highly available cluster (primary and streaming replicas, automatic
 *   failover) declared as a CloudNativePG `Cluster` and run by its operator, which the cluster
 *   admin installs once (it brings the CRD); CloudNativePG is a CNCF project with supported
 *   releases and weekly rebuilt images;
 * - `in-cluster`: the Bitnami subchart, one pod of the frozen `bitnamilegacy` image. Kept for
 *   quick class A set-ups and existing charts, never a default where injury is possible.
 */
export const POSTGRESQL_PROVIDERS = ['in-cluster', 'cloudnative-pg', 'external'] as const;
export type PostgresqlProvider = (typeof POSTGRESQL_PROVIDERS)[number];

export interface PostgresqlAnswers {
  postgresqlProvider: PostgresqlProvider;
}

/** The pinned PostgreSQL image of the Bitnami subchart, shared with the backup CronJob. */
export const BITNAMI_POSTGRES_IMAGE = { registry: 'docker.io', repository: 'bitnamilegacy/postgresql', tag: '17.6.0-debian-12-r4' };
/** The CloudNativePG operand image (PostgreSQL 17.6 on Debian trixie, the project's "standard" flavour). */
export const CNPG_POSTGRES_IMAGE = { repository: 'ghcr.io/cloudnative-pg/postgresql', tag: '17.6-standard-trixie' };
export const BITNAMI_POSTGRES_CHART = { chart: 'postgresql', version: '16.7.27', repository: 'oci://registry-1.docker.io/bitnamicharts' };
/** The first CloudNativePG release with `.spec.postgresql.synchronous` and the fields the chart sets. */
export const CNPG_MIN_OPERATOR = '1.25';

const providerOf = (answers: Partial<Answers>) => (hasDependency(answers, 'postgresql') ? answers.postgresqlProvider : undefined);
export const postgresInCluster = (answers: Partial<Answers>) => providerOf(answers) === 'in-cluster';
export const postgresCnpg = (answers: Partial<Answers>) => providerOf(answers) === 'cloudnative-pg';
const postgresExternal = (answers: Partial<Answers>) => providerOf(answers) === 'external';
const dbName = (answers: Answers) => answers.name.replace(/-/g, '_');

// IEC 62304 4.3: where injury is possible, the database must not be an unmaintained single pod.
const defaultProvider = (safetyClass: SafetyClass | undefined): PostgresqlProvider => (safetyClass === 'A' ? 'in-cluster' : 'external');

const BITNAMI_NOTICE = [
  `Bitnami PostgreSQL chart ${BITNAMI_POSTGRES_CHART.version}, the last release built from public source (2025-08-26).`,
  'Bitnami froze its public catalogue on 2025-08-28: versioned images moved to docker.io/bitnamilegacy',
  'and receive no security updates. This is an unmaintained SOUP item and a single pod; for IEC 62304',
  'class B or C use postgresqlProvider cloudnative-pg or external, or record the risk assessment.',
];

export const postgresql: Part = {
  id: 'postgresql',
  title: 'PostgreSQL',
  dependency: 'postgresql',
  section: 'dependency',
  fields: [
    field({
      key: 'postgresqlProvider',
      flag: 'postgresql-provider',
      argName: POSTGRESQL_PROVIDERS.join('|'),
      label: 'PostgreSQL provider',
      help: 'where PostgreSQL runs (default: in-cluster for class A, external for B and C)',
      prompt: (sofar) => ({
        type: 'select',
        message: 'PostgreSQL provider',
        choices: [
          {
            value: 'in-cluster',
            name: 'in-cluster',
            description: `Bitnami subchart: one pod of the frozen bitnamilegacy image, no security updates${sofar.safetyClass === 'A' ? '' : ' (not for class B/C production)'}`,
          },
          {
            value: 'cloudnative-pg',
            name: 'cloudnative-pg',
            description: `highly available cluster (${CLASS_PROFILES[sofar.safetyClass ?? 'C'].prodDataReplicas} instances in prod) run by the CloudNativePG operator, which must be installed in the cluster`,
          },
          { value: 'external', name: 'external', description: 'a managed PostgreSQL service; the chart only connects to it' },
        ],
      }),
      check: checkOneOf(POSTGRESQL_PROVIDERS),
      defaultValue: (sofar) => defaultProvider(sofar.safetyClass),
      applies: (sofar) => hasDependency(sofar, 'postgresql'),
      requires: '--dependencies postgresql',
    }),
  ],
  included: (answers) => hasDependency(answers, 'postgresql'),
  ownedFiles: ['templates/postgres-cluster.yaml'],
  files: (answers) => (postgresCnpg(answers) ? ['templates/postgres-cluster.yaml'] : []),
  slots: {
    'deployment.env': 'postgresql/deployment-env.yaml.hbs',
    'networkpolicy.egress': 'postgresql/networkpolicy-egress.yaml.hbs',
    'networkpolicy.policies': 'postgresql/networkpolicy-policy.yaml.hbs',
    readme: 'postgresql/README.md.hbs',
  },
  context: (answers) => ({
    inCluster: postgresInCluster(answers),
    cnpg: postgresCnpg(answers),
    external: postgresExternal(answers),
    cnpgMinOperator: CNPG_MIN_OPERATOR,
  }),
  values(answers): Record<string, ValueNode> {
    if (postgresInCluster(answers)) {
      return {
        postgresql: group(
          'Bitnami PostgreSQL subchart values (the chart takes many more keys)',
          {
            enabled: bool('Install PostgreSQL as a subchart', true),
            auth: group('Database credentials; the subchart generates the password and keeps it across upgrades', {
              username: str('Database user of the app', dbName(answers)),
              database: str('Database of the app', dbName(answers)),
              existingSecret: str('Use this Secret (keys password, postgres-password) instead of a generated one', ''),
            }),
            image: group('Image override: the frozen bitnamilegacy copy, pinned', {
              registry: str('Image registry', BITNAMI_POSTGRES_IMAGE.registry),
              repository: str('Image repository', BITNAMI_POSTGRES_IMAGE.repository),
              tag: str('Image tag', BITNAMI_POSTGRES_IMAGE.tag, IMAGE_TAG),
            }),
            primary: group('Primary server', {
              persistence: group('Data volume', { size: custom('Size of the data volume', '8Gi', QUANTITY) }),
            }),
          },
          { open: true, notice: BITNAMI_NOTICE },
        ),
        global: group(
          'Values shared with subcharts',
          {
            security: group('Bitnami image checks', {
              allowInsecureImages: bool('Allow the bitnamilegacy image override (older Bitnami charts refuse it otherwise)', true),
            }),
          },
          { open: true },
        ),
      };
    }
    if (postgresCnpg(answers)) {
      return {
        postgresCluster: group('PostgreSQL cluster run by the CloudNativePG operator (postgresql.cnpg.io/v1 Cluster)', {
          instances: int('PostgreSQL instances: one primary, the rest streaming replicas that take over on failure', 1, { minimum: 1 }),
          image: image('PostgreSQL image the operator runs; pinned', CNPG_POSTGRES_IMAGE.repository, CNPG_POSTGRES_IMAGE.tag, '', false),
          database: str('Database created for the app', dbName(answers), { minLength: 1 }),
          owner: str('Database user of the app; the operator keeps its password in the Secret <cluster>-app', dbName(answers), { minLength: 1 }),
          storage: group('Data volume of each instance', {
            size: custom('Size of each data volume', '8Gi', QUANTITY),
            storageClass: str('StorageClass; the cluster default when empty', ''),
          }),
          podAntiAffinityType: oneOf('Keep instances on different nodes: required, or preferred where nodes are few', 'preferred', ['preferred', 'required']),
          synchronousReplicas: int('Replicas that must confirm each commit (0: asynchronous); class C prod uses 1 so a failover loses no committed write', 0, { minimum: 0 }),
          resources: resources(
            'Resources of each PostgreSQL instance',
            { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '64Mi' },
            { cpu: '1', memory: '512Mi', 'ephemeral-storage': '256Mi' },
          ),
        }),
      };
    }
    return {
      externalDatabase: group('Managed PostgreSQL the app connects to', {
        host: placeholder(custom('Database host name', 'postgresql.example.internal', { type: 'string', minLength: 1 }), 'the host name of your managed PostgreSQL'),
        port: int('Database port', 5432, PORT),
        database: str('Database name', dbName(answers), { minLength: 1 }),
        username: str('Database user', dbName(answers), { minLength: 1 }),
        existingSecret: str('Secret holding the password (create it before installing)', `${answers.name}-database`, { ...K8S_NAME, minLength: 1 }),
        passwordKey: str('Key of the password in existingSecret', 'password', { minLength: 1 }),
        egressCidr: placeholder(
          str('CIDR the NetworkPolicy lets the app reach the database in; narrow it to the service', '0.0.0.0/0', { minLength: 9 }),
          'the address range of the database service, e.g. 10.20.0.0/24',
        ),
      }),
    };
  },
  prodValues(answers) {
    if (postgresInCluster(answers)) return { postgresql: { primary: { persistence: { size: '20Gi' } } } };
    if (postgresCnpg(answers)) {
      const profile = CLASS_PROFILES[answers.safetyClass];
      return {
        postgresCluster: {
          instances: profile.prodDataReplicas,
          storage: { size: '20Gi' },
          podAntiAffinityType: profile.prod.topologySpread.whenUnsatisfiable === 'DoNotSchedule' ? 'required' : 'preferred',
          synchronousReplicas: profile.synchronousReplication ? 1 : 0,
        },
      };
    }
    return {};
  },
  subcharts: (answers) => (postgresInCluster(answers) ? [BITNAMI_POSTGRES_CHART] : []),
  soup(answers): SoupItem[] {
    if (postgresInCluster(answers)) {
      return [
        {
          kind: 'subchart',
          name: BITNAMI_POSTGRES_CHART.chart,
          version: BITNAMI_POSTGRES_CHART.version,
          source: BITNAMI_POSTGRES_CHART.repository,
          supplier: 'Bitnami (Broadcom)',
          license: 'Apache-2.0',
          pinned: 'exact chart version',
          maintained: false,
          maintenance: 'frozen: Bitnami stopped updating its public charts and images on 2025-08-28',
          broughtBy: 'postgresql.enabled',
        },
        {
          kind: 'image',
          name: `${BITNAMI_POSTGRES_IMAGE.registry}/${BITNAMI_POSTGRES_IMAGE.repository}`,
          version: BITNAMI_POSTGRES_IMAGE.tag,
          source: 'https://hub.docker.com/r/bitnamilegacy/postgresql',
          supplier: 'Bitnami (Broadcom)',
          license: 'Apache-2.0 AND PostgreSQL',
          pinned: 'tag, not by digest',
          maintained: false,
          maintenance: 'frozen legacy copy: no security updates since 2025-08-28',
          broughtBy: 'postgresql.image',
        },
      ];
    }
    if (postgresCnpg(answers)) {
      return [
        {
          kind: 'operator',
          name: 'CloudNativePG operator',
          version: `${CNPG_MIN_OPERATOR} or later (installed by the cluster admin)`,
          source: 'https://cloudnative-pg.io',
          supplier: 'CloudNativePG project (CNCF)',
          license: 'Apache-2.0',
          pinned: 'not by this chart: a cluster prerequisite',
          maintained: true,
          maintenance: 'maintained: minor releases about every three months, the last ones supported with patches',
          broughtBy: 'prerequisite (postgresCluster)',
        },
        {
          kind: 'image',
          name: CNPG_POSTGRES_IMAGE.repository,
          version: CNPG_POSTGRES_IMAGE.tag,
          source: 'https://github.com/cloudnative-pg/postgres-containers',
          supplier: 'CloudNativePG project (CNCF)',
          license: 'PostgreSQL',
          pinned: 'tag, not by digest (set postgresCluster.image.digest to pin it)',
          maintained: true,
          maintenance: 'maintained: rebuilt by the project for PostgreSQL minor releases and OS security fixes',
          broughtBy: 'postgresCluster.image',
        },
      ];
    }
    return [];
  },
  env: () => [
    { name: 'DATABASE_HOST', meaning: 'PostgreSQL host name' },
    { name: 'DATABASE_PORT', meaning: 'PostgreSQL port' },
    { name: 'DATABASE_NAME', meaning: 'database of the app' },
    { name: 'DATABASE_USER', meaning: 'database user' },
    { name: 'DATABASE_PASSWORD', meaning: 'its password, from a Secret' },
  ],
  prerequisites(answers) {
    if (postgresInCluster(answers)) return ['A default StorageClass for the PostgreSQL data volume (or set `postgresql.primary.persistence.storageClass`).'];
    if (postgresCnpg(answers)) {
      return [
        `The CloudNativePG operator ${CNPG_MIN_OPERATOR} or later, installed once per cluster by its admin: it brings the \`postgresql.cnpg.io/v1\` \`Cluster\` CRD this chart uses, and without it \`helm install\` fails with "no matches for kind Cluster".`,
        'A StorageClass for the database volumes (the cluster default, or `postgresCluster.storage.storageClass`).',
      ];
    }
    return [
      'The managed PostgreSQL database, reachable from the cluster, and a Secret with its password (`externalDatabase.existingSecret`, key `externalDatabase.passwordKey`) in the release namespace.',
    ];
  },
  warnings(answers) {
    if (!postgresInCluster(answers)) return [];
    const where = answers.safetyClass === 'A' ? '' : ` and a single point of failure, not fit for IEC 62304 class ${answers.safetyClass} production`;
    return [
      `PostgreSQL in-cluster runs the frozen Bitnami legacy image (no security updates since 2025-08-28) as one pod: an unmaintained SOUP item${where}. Use --postgresql-provider cloudnative-pg or external, or record the risk.`,
    ];
  },
};
