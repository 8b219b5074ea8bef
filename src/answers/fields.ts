import {
  type Checked,
  type DependencyName,
  type ImageRef,
  type Provider,
  type SafetyClass,
  checkBoolean,
  checkDependencies,
  checkDescription,
  checkEmail,
  checkHost,
  checkImage,
  checkMaintainerName,
  checkName,
  checkPort,
  checkProvider,
  checkSafetyClass,
} from './validate.js';

/** Everything the scaffolder needs to know; filled by prompts, flags or an answers file. */
export interface Answers {
  name: string;
  description: string;
  safetyClass: SafetyClass;
  image: ImageRef;
  port: number;
  dependencies: DependencyName[];
  postgresqlProvider: Provider;
  redisProvider: Provider;
  ingress: boolean;
  ingressHost: string;
  ingressTls: boolean;
  persistence: boolean;
  serviceMonitor: boolean;
  backup: boolean;
  maintainerName: string;
  maintainerEmail: string;
}

export type AnswerKey = keyof Answers;

export interface Choice<T> {
  value: T;
  name: string;
  description?: string;
}

/** How a field is asked interactively; the collector turns this into an inquirer prompt. */
export type PromptSpec =
  | { type: 'input'; message: string }
  | { type: 'confirm'; message: string }
  | { type: 'select'; message: string; choices: Choice<string>[] }
  | { type: 'checkbox'; message: string; choices: Choice<string>[] };

export interface Field<K extends AnswerKey = AnswerKey> {
  key: K;
  /** Long flag without the dashes; booleans also get `--no-<flag>`. */
  flag: string;
  /** Placeholder in --help, absent for booleans. */
  argName?: string;
  help: string;
  prompt: PromptSpec;
  check: (raw: unknown) => Checked<Answers[K]>;
  defaultValue: (sofar: Partial<Answers>) => Answers[K];
  /** Whether the question makes sense given earlier answers (e.g. a host only with an Ingress). */
  applies?: (sofar: Partial<Answers>) => boolean;
  /** What `applies` asks for, in flag terms, for the error when the flag is given without it. */
  requires?: string;
  /** Turns a value back into the text a prompt shows as its default. */
  show?: (value: Answers[K]) => string;
}

const hasDependency = (sofar: Partial<Answers>, name: DependencyName) => sofar.dependencies?.includes(name) === true;

const PROVIDER_CHOICES = (service: string, inCluster: string): Choice<string>[] => [
  { value: 'in-cluster', name: 'in-cluster', description: `${inCluster}, installed as a subchart` },
  { value: 'external', name: 'external', description: `a managed ${service} service; the chart only connects to it` },
];

// Keeps each entry's value type checked while the list holds fields of every key.
const field = <K extends AnswerKey>(definition: Field<K>): Field => definition as unknown as Field;

// Order matters: prompts are asked in this order and later fields may depend on earlier ones.
export const FIELDS: Field[] = [
  field({
    key: 'name',
    flag: 'name',
    argName: 'name',
    help: 'chart and app name (DNS-1123 label, at most 53 characters)',
    prompt: { type: 'input', message: 'App name' },
    check: checkName,
    defaultValue: () => 'my-service',
  }),
  field({
    key: 'description',
    flag: 'description',
    argName: 'text',
    help: 'description of the service (Chart.yaml)',
    prompt: { type: 'input', message: 'Description' },
    check: checkDescription,
    defaultValue: (sofar) => `A Helm chart for ${sofar.name ?? 'my-service'}`,
  }),
  field({
    key: 'safetyClass',
    flag: 'class',
    argName: 'A|B|C',
    help: 'IEC 62304 software safety class; unclassified software is treated as C (default)',
    prompt: {
      type: 'select',
      message: 'IEC 62304 software safety class',
      choices: [
        { value: 'A', name: 'A', description: 'no injury or damage to health is possible' },
        { value: 'B', name: 'B', description: 'non-serious injury is possible' },
        { value: 'C', name: 'C', description: 'death or serious injury is possible' },
      ],
    },
    check: checkSafetyClass,
    // IEC 62304 4.3: software is class C until it has been classified otherwise.
    defaultValue: () => 'C',
  }),
  field({
    key: 'image',
    flag: 'image',
    argName: 'repository:tag',
    help: 'container image with a pinned tag (optionally @sha256 digest); never latest',
    prompt: { type: 'input', message: 'Container image (repository:tag)' },
    check: checkImage,
    defaultValue: (sofar) => ({
      repository: `registry.example.com/${sofar.name ?? 'my-service'}`,
      tag: '0.1.0',
      digest: '',
    }),
    show: (image) => `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`,
  }),
  field({
    key: 'port',
    flag: 'port',
    argName: 'number',
    help: 'container port the app listens on (1024-65535)',
    prompt: { type: 'input', message: 'Container port' },
    check: checkPort,
    defaultValue: () => 8080,
    show: String,
  }),
  field({
    key: 'dependencies',
    flag: 'dependencies',
    argName: 'list',
    help: 'comma-separated dependencies: postgresql, redis, or none',
    prompt: {
      type: 'checkbox',
      message: 'Dependencies',
      choices: [
        { value: 'postgresql', name: 'PostgreSQL', description: 'relational database' },
        { value: 'redis', name: 'Redis', description: 'in-memory cache (Valkey, Redis-compatible, when in-cluster)' },
      ],
    },
    check: checkDependencies,
    defaultValue: () => [],
    show: (list) => (list.length ? list.join(',') : 'none'),
  }),
  field({
    key: 'postgresqlProvider',
    flag: 'postgresql-provider',
    argName: 'in-cluster|external',
    help: 'where PostgreSQL runs',
    prompt: {
      type: 'select',
      message: 'PostgreSQL provider',
      choices: PROVIDER_CHOICES('PostgreSQL', 'Bitnami PostgreSQL chart (frozen legacy catalogue)'),
    },
    check: checkProvider,
    defaultValue: () => 'in-cluster',
    applies: (sofar) => hasDependency(sofar, 'postgresql'),
    requires: '--dependencies postgresql',
  }),
  field({
    key: 'redisProvider',
    flag: 'redis-provider',
    argName: 'in-cluster|external',
    help: 'where Redis runs',
    prompt: {
      type: 'select',
      message: 'Redis provider',
      choices: PROVIDER_CHOICES('Redis', 'the official Valkey chart (Redis-compatible)'),
    },
    check: checkProvider,
    defaultValue: () => 'in-cluster',
    applies: (sofar) => hasDependency(sofar, 'redis'),
    requires: '--dependencies redis',
  }),
  field({
    key: 'ingress',
    flag: 'ingress',
    help: 'expose the service through an Ingress',
    prompt: { type: 'confirm', message: 'Expose through an Ingress?' },
    check: checkBoolean,
    defaultValue: () => false,
  }),
  field({
    key: 'ingressHost',
    flag: 'ingress-host',
    argName: 'host',
    help: 'host name of the Ingress',
    prompt: { type: 'input', message: 'Ingress host' },
    check: checkHost,
    defaultValue: (sofar) => `${sofar.name ?? 'my-service'}.example.com`,
    applies: (sofar) => sofar.ingress === true,
    requires: '--ingress',
  }),
  field({
    key: 'ingressTls',
    flag: 'ingress-tls',
    help: 'terminate TLS at the Ingress',
    prompt: { type: 'confirm', message: 'Terminate TLS at the Ingress?' },
    check: checkBoolean,
    defaultValue: () => true,
    applies: (sofar) => sofar.ingress === true,
    requires: '--ingress',
  }),
  field({
    key: 'persistence',
    flag: 'persistence',
    help: 'mount a persistent volume',
    prompt: { type: 'confirm', message: 'Mount a persistent volume?' },
    check: checkBoolean,
    defaultValue: () => false,
  }),
  field({
    key: 'serviceMonitor',
    flag: 'service-monitor',
    help: 'add a Prometheus Operator ServiceMonitor',
    prompt: { type: 'confirm', message: 'Add a Prometheus ServiceMonitor?' },
    check: checkBoolean,
    defaultValue: () => false,
  }),
  field({
    key: 'backup',
    flag: 'backup',
    help: 'add a database backup CronJob (in-cluster PostgreSQL only)',
    prompt: { type: 'confirm', message: 'Add a database backup CronJob?' },
    check: checkBoolean,
    defaultValue: () => false,
    applies: (sofar) => hasDependency(sofar, 'postgresql') && sofar.postgresqlProvider === 'in-cluster',
  }),
  field({
    key: 'maintainerName',
    flag: 'maintainer-name',
    argName: 'name',
    help: 'maintainer name for Chart.yaml',
    prompt: { type: 'input', message: 'Maintainer name' },
    check: checkMaintainerName,
    defaultValue: () => 'Platform Team',
  }),
  field({
    key: 'maintainerEmail',
    flag: 'maintainer-email',
    argName: 'email',
    help: 'maintainer email for Chart.yaml',
    prompt: { type: 'input', message: 'Maintainer email' },
    check: checkEmail,
    defaultValue: () => 'platform@example.com',
  }),
];

export function fieldByKey(key: string): Field | undefined {
  return FIELDS.find((field) => field.key === key);
}
