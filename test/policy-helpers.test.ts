// The shared helpers the policy rules are written with: secret detection, label selectors,
// NetworkPolicy defaults, container kinds and subchart paths.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { egressRuleAllowsAll, policyTypesOf } from '../src/policy/context.js';
import { podOf, selectorMatches, subchartOf } from '../src/policy/objects.js';
import { describeScope } from '../src/policy/scope.js';
import { POLICY_RULES } from '../src/policy/rules.js';
import { entropy, ENTROPY_MIN_BITS, looksRandom, nameHoldsSecret, notASecret, secretIn, secretShape, secretsInFile } from '../src/policy/secrets.js';
import { manifestsOf } from './support/policy.js';

describe('secrets', () => {
  it.each([
    ['DB_PASSWORD', true],
    ['PGPASSWORD', true],
    ['MYSQL_ROOT_PASSWORD', true],
    ['clientSecret', true],
    ['client_secret', true],
    ['AWS_SECRET_ACCESS_KEY', true],
    ['stripeApiKey', true],
    ['spring.datasource.password', true],
    ['GITHUB_TOKEN', true],
    ['PRIVATE_KEY', true],
    ['REDIS_PASSWORD_FILE', false],
    ['POSTGRES_PASSWORD_PATH', false],
    ['ALLOW_EMPTY_PASSWORD', true],
    ['SECRET_NAME', false],
    ['EXISTING_SECRET', false],
    ['IMAGE_PULL_SECRET', false],
    ['TOKEN_TTL', false],
    ['tokenUrl', false],
    ['PUBLIC_KEY', false],
    ['KEY', false],
    ['LOG_LEVEL', false],
  ])('the name %s holds a secret: %s', (name, expected) => {
    expect(nameHoldsSecret(name)).toBe(expected);
  });

  // ALLOW_EMPTY_PASSWORD is named like a secret: its value ("no", a flag) is what clears it.
  it.each([
    ['ALLOW_EMPTY_PASSWORD', 'no'],
    ['ALLOW_EMPTY_PASSWORD', 'yes'],
    ['DB_PASSWORD', 'true'],
    ['DB_PASSWORD', '/run/secrets/db'],
    ['DB_PASSWORD', 'file:///run/secrets/db'],
    ['DB_PASSWORD', '$(DB_PASSWORD_FROM_SECRET)'],
    ['DB_PASSWORD', '{{ .Values.password }}'],
    ['DB_PASSWORD', '<set me>'],
    ['API_TOKEN', '3600'],
    ['API_TOKEN', 'https://id.example.com/token'],
    ['DB_PASSWORD', '   '],
  ])('%s=%j is not a secret', (name, value) => {
    expect(secretIn(name, value)).toBeUndefined();
  });

  it.each([
    ['DB_PASSWORD', 'hunter2', 'its name says it holds a secret'],
    ['ALLOW_EMPTY_PASSWORD', 'hunter2', 'its name says it holds a secret'],
    ['SMTP_PASSWORD', '12345678', 'its name says it holds a secret'],
    ['API_TOKEN', '123abc', 'its name says it holds a secret'],
    ['DB_URL', 'mysql://root:toor@db/app', 'credentials inside a URL'],
    ['DB_URL', 'redis://:s3cret@cache:6379/0', 'credentials inside a URL'],
  ])('%s=%j is a secret (%s)', (name, value, reason) => {
    expect(secretIn(name, value)).toBe(reason);
  });

  it('recognises PEM private keys of every common kind, also base64-encoded', () => {
    const keys = [
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }).toString(),
    ];
    expect(keys.map((key) => key.split('\n')[0])).toEqual([
      '-----BEGIN PRIVATE KEY-----',
      '-----BEGIN RSA PRIVATE KEY-----',
      '-----BEGIN EC PRIVATE KEY-----',
      '-----BEGIN ENCRYPTED PRIVATE KEY-----',
    ]);
    for (const key of keys) {
      expect(secretShape(key)).toBe('a PEM private key');
      expect(secretShape(Buffer.from(key).toString('base64'))).toBe('a PEM private key (base64-encoded)');
    }
    const publicKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(secretShape(publicKey)).toBeUndefined();
    expect(secretShape(Buffer.from(publicKey).toString('base64'))).toBeUndefined();
  });

  it('takes random key material for a secret and identifiers, digests and names not', () => {
    // Fixed random-looking strings (not generated) so the test cannot flake.
    for (const token of ['Zq8Lr3VxT6mK1pWn9GdYb4HsJ2cFe7Ua', 'c2NaQkpoeVJYTFlvRmtSZ0JuclZoRmg4Tm9rS053blI=', 'k3J9_xQ2-vB7mN4pL8sR1tW6yZ0aC5dE']) {
      expect(looksRandom(token), token).toBe(true);
      expect(entropy(token)).toBeGreaterThanOrEqual(ENTROPY_MIN_BITS);
    }
    for (const value of [
      '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881',
      'A28B3BCF-2340-4D93-8294-CFF1ECA9D885',
      'release-name-dose-calculator-default-deny',
      'ThisIsAVeryLongCamelCaseIdentifierName2',
      'registry.example.com/medtech/dose-calculator:3.2.0',
      'Abc1Abc1Abc1Abc1Abc1Abc1Abc1Abc1',
      'Short1Random2',
    ]) {
      expect(secretShape(value), value).toBeUndefined();
    }
  });

  it('detects most random 32-character base64 keys (a documented trade-off, not all)', () => {
    // The character-class test (upper, lower and two digits) trades a few misses for no hits on
    // long CamelCase names; over 500 keys the hit rate stays above 90%.
    const keys = Array.from({ length: 500 }, () => randomBytes(48).toString('base64').replace(/[+/=]/g, '').slice(0, 32));
    expect(keys.filter(looksRandom).length / keys.length).toBeGreaterThan(0.9);
  });

  it.each(['', 'no', 'TRUE', '42', '1.5', '30s', '86400', '512Mi', '50%', '/etc/app', './x', '~/x', 'C:\\app', '$(X)', '${X}', 'http://a.example'])('%j is never a secret by name alone', (value) => {
    expect(notASecret(value)).toBeDefined();
  });

  it('finds assignments to secret names in configuration files, never their file references', () => {
    const file = [
      '# comment',
      'export API_TOKEN=abc123def',
      'db:',
      '  password: "hunter2"',
      '  passwordFile: /run/secrets/db',
      '  - token: t0ken',
      '"client_secret": "xyz",',
      'secret_name: app-db',
      'password: |',
    ].join('\n');
    expect(secretsInFile(file)).toEqual([
      { key: 'API_TOKEN', reason: 'its name says it holds a secret' },
      { key: 'password', reason: 'its name says it holds a secret' },
      { key: 'token', reason: 'its name says it holds a secret' },
      { key: 'client_secret', reason: 'its name says it holds a secret' },
    ]);
  });
});

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front' };
  it.each([
    [{}, true],
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'db' } }, false],
    [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['1'] }] }, false],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, false],
  ])('%j selects {app: web, tier: front}: %s', (selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});

describe('NetworkPolicy semantics', () => {
  const policy = (spec: string) => manifestsOf(`apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p }\nspec:\n${spec}`)[0]!;
  it('defaults policyTypes as the API server does', () => {
    expect([...policyTypesOf(policy('  podSelector: {}\n'))]).toEqual(['Ingress']);
    expect([...policyTypesOf(policy('  podSelector: {}\n  egress: []\n'))]).toEqual(['Ingress', 'Egress']);
    expect([...policyTypesOf(policy('  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n'))]).toEqual(['Egress']);
  });

  it.each([
    [{}, true],
    [{ to: [] }, true],
    [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }, true],
    [{ to: [{ ipBlock: { cidr: '::/0' } }] }, true],
    [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }, false],
    [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443 }] }, false],
    [{ ports: [{ port: 53, protocol: 'UDP' }] }, false],
    [{ to: [{ podSelector: {} }] }, false],
  ])('egress rule %j allows all: %s', (rule, expected) => {
    expect(egressRuleAllowsAll(rule)).toBe(expected);
  });
});

describe('pods and containers', () => {
  it('sorts containers into app, init, sidecar and ephemeral, and finds the CronJob pod template', () => {
    const [cronJob] = manifestsOf(`apiVersion: batch/v1
kind: CronJob
metadata: { name: job }
spec:
  jobTemplate:
    spec:
      template:
        metadata: { labels: { app: job }, annotations: { a: b } }
        spec:
          initContainers:
            - { name: setup }
            - { name: proxy, restartPolicy: Always }
          containers:
            - { name: main }
          ephemeralContainers:
            - { name: debug }
`);
    const pod = podOf(cronJob!);
    expect(pod?.containers.map((container) => [container.name, container.kind])).toEqual([
      ['setup', 'init'],
      ['proxy', 'sidecar'],
      ['main', 'app'],
      ['debug', 'ephemeral'],
    ]);
    expect(pod?.labels).toEqual({ app: 'job' });
    expect(pod?.annotations).toEqual({ a: 'b' });
    expect(pod?.replicas).toBeUndefined();
  });

  it('reads a ReplicationController selector (a plain map) as matchLabels', () => {
    const [rc] = manifestsOf('apiVersion: v1\nkind: ReplicationController\nmetadata: { name: rc }\nspec:\n  replicas: 2\n  selector: { app: rc }\n  template:\n    metadata: { labels: { app: rc } }\n    spec: { containers: [{ name: c }] }\n');
    const pod = podOf(rc!);
    expect(pod?.replicas).toBe(2);
    expect(selectorMatches(pod?.selector, pod?.labels ?? {})).toBe(true);
  });

  it.each([
    ['templates/deployment.yaml', undefined],
    ['charts/postgresql/templates/statefulset.yaml', 'postgresql'],
    ['charts/a/charts/b/templates/x.yaml', 'a/b'],
    [undefined, undefined],
  ])('the subchart of %s is %s', (file, expected) => {
    expect(subchartOf(file)).toBe(expected);
  });
});

describe('scopes', () => {
  it('describes each rule\'s scope in words for the docs', () => {
    const scope = (id: string) => describeScope(POLICY_RULES.find((rule) => rule.id === id)!);
    expect(scope('liveness-probe')).toBe('long-running workloads; app containers');
    expect(scope('run-as-non-root')).toBe('workloads; all containers');
    expect(scope('cpu-limit')).toBe('workloads; app, init, sidecar containers');
    expect(scope('egress-restricted')).toBe('workloads; not helm hooks');
    expect(scope('no-rbac-wildcards')).toBe('Role, ClusterRole');
    expect(scope('standard-labels')).toBe('every object');
  });

  it('declares for every rule an ID, a hazard, a rationale and a fix, and IDs are unique', () => {
    const ids = POLICY_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of POLICY_RULES) {
      expect(rule.id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      for (const text of [rule.hazard, rule.rationale, rule.fix]) expect(text.trim().length, rule.id).toBeGreaterThan(15);
    }
  });
});
