import { field, hasDependency } from '../answers/field.js';
import { checkProvider, type Provider } from '../answers/validate.js';
import { bool, custom, group, int, K8S_NAME, placeholder, PORT, str, type ValueNode } from '../chart/valueTree.js';
import type { Part, Subchart } from './part.js';

/** Redis-compatible cache: the official Valkey chart (Linux Foundation) in-cluster, or a managed Redis. */
export interface RedisAnswers {
  redisProvider: Provider;
}

export const VALKEY_CHART: Subchart = { chart: 'valkey', version: '0.9.4', repository: 'https://valkey.io/valkey-helm/' };

const provider = (answers: { dependencies?: string[]; redisProvider?: Provider }) =>
  answers.dependencies?.includes('redis') ? answers.redisProvider : undefined;

export const redis: Part = {
  id: 'redis',
  title: 'Redis',
  dependency: 'redis',
  section: 'dependency',
  fields: [
    field({
      key: 'redisProvider',
      flag: 'redis-provider',
      argName: 'in-cluster|external',
      label: 'Redis provider',
      help: 'where Redis runs',
      prompt: {
        type: 'select',
        message: 'Redis provider',
        choices: [
          { value: 'in-cluster', name: 'in-cluster', description: 'the official Valkey chart (Redis-compatible), installed as a subchart' },
          { value: 'external', name: 'external', description: 'a managed Redis service; the chart only connects to it' },
        ],
      },
      check: checkProvider,
      defaultValue: () => 'in-cluster',
      applies: (sofar) => hasDependency(sofar, 'redis'),
      requires: '--dependencies redis',
    }),
  ],
  included: (answers) => hasDependency(answers, 'redis'),
  slots: {
    'deployment.env': 'redis/deployment-env.yaml.hbs',
    'networkpolicy.egress': 'redis/networkpolicy-egress.yaml.hbs',
    'networkpolicy.policies': 'redis/networkpolicy-policy.yaml.hbs',
    readme: 'redis/README.md.hbs',
  },
  context: (answers) => ({
    inCluster: provider(answers) === 'in-cluster',
    external: provider(answers) === 'external',
    chart: VALKEY_CHART.chart,
  }),
  values(answers): Record<string, ValueNode> {
    if (provider(answers) === 'in-cluster') {
      return {
        valkey: group(
          'Valkey subchart values (Redis-compatible; the chart takes many more keys)',
          { enabled: bool('Install Valkey as a subchart', true) },
          {
            open: true,
            notice: [
              `Official Valkey chart ${VALKEY_CHART.version} (Valkey is the Linux Foundation fork of Redis, wire-compatible).`,
              'Pinned exactly; review the chart release notes before raising the version.',
            ],
          },
        ),
      };
    }
    return {
      externalRedis: group('Managed Redis the app connects to', {
        host: placeholder(custom('Redis host name', 'redis.example.internal', { type: 'string', minLength: 1 }), 'the host name of your managed Redis'),
        port: int('Redis port', 6379, PORT),
        existingSecret: str('Secret holding the password; empty when the service needs none', '', K8S_NAME),
        passwordKey: str('Key of the password in existingSecret', 'password', { minLength: 1 }),
        egressCidr: placeholder(
          str('CIDR the NetworkPolicy lets the app reach Redis in; narrow it to the service', '0.0.0.0/0', { minLength: 9 }),
          'the address range of the Redis service, e.g. 10.20.1.0/24',
        ),
      }),
    };
  },
  subcharts: (answers) => (provider(answers) === 'in-cluster' ? [VALKEY_CHART] : []),
  soup: (answers) =>
    provider(answers) === 'in-cluster'
      ? [
          {
            kind: 'subchart',
            name: VALKEY_CHART.chart,
            version: VALKEY_CHART.version,
            source: VALKEY_CHART.repository,
            supplier: 'Valkey project (Linux Foundation)',
            license: 'BSD-3-Clause',
            pinned: 'exact chart version',
            maintained: true,
            maintenance: 'maintained: official chart of the Valkey project',
            broughtBy: 'valkey.enabled',
          },
          {
            kind: 'image',
            name: 'docker.io/valkey/valkey',
            version: `the default of chart ${VALKEY_CHART.version}`,
            source: 'https://hub.docker.com/r/valkey/valkey',
            supplier: 'Valkey project (Linux Foundation)',
            license: 'BSD-3-Clause',
            pinned: 'by the chart version, not by digest',
            maintained: true,
            maintenance: 'maintained: official image, rebuilt for Valkey releases',
            broughtBy: 'valkey.enabled',
          },
        ]
      : [],
  env: (answers) => [
    { name: 'REDIS_HOST', meaning: 'Redis (Valkey) host name' },
    { name: 'REDIS_PORT', meaning: 'Redis port' },
    ...(provider(answers) === 'external' ? [{ name: 'REDIS_PASSWORD', meaning: 'its password, only when externalRedis.existingSecret is set' }] : []),
  ],
  prerequisites: (answers) =>
    provider(answers) === 'external'
      ? ['The managed Redis, reachable from the cluster; for a password, a Secret named in `externalRedis.existingSecret` (key `externalRedis.passwordKey`).']
      : [],
};
