// Unit tests of the answer rules (validate.ts) and of how collectAnswers combines flags, an
// answers file, defaults and a missing terminal. Prompts, flags and files all share these rules.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectAnswers, loadAnswersFile, normaliseAnswersData } from '../src/answers/collect.js';
import { FIELDS } from '../src/answers/fields.js';
import { readSavedAnswers } from '../src/answers/saved.js';
import {
  type Checked,
  checkBoolean,
  checkDependencies,
  checkDescription,
  checkEmail,
  checkHost,
  checkImage,
  checkIngressClass,
  checkMaintainerName,
  checkName,
  checkNamespace,
  checkObjectName,
  checkPort,
  checkProvider,
  checkSafetyClass,
  checkYesNo,
} from '../src/answers/validate.js';
import { UsageError, ValidationError } from '../src/errors.js';
import { tempDir } from './support/cli.js';

const DIGEST = `sha256:${'a1'.repeat(32)}`;

function accepted<T>(result: Checked<T>): T {
  if (!result.ok) throw new Error(`expected the value to be accepted, got rule: ${result.rule}`);
  return result.value;
}

function rule<T>(result: Checked<T>): string {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
  return result.rule;
}

describe('checkName', () => {
  it.each(['a', 'my-service', 'a1', 'a--b', 'x'.repeat(53)])('accepts %s', (name) => {
    expect(accepted(checkName(name))).toBe(name);
  });

  it('refuses more than 53 characters, naming the Helm limit', () => {
    expect(rule(checkName('x'.repeat(54)))).toMatch(/at most 53 characters.*Helm/);
  });

  it.each([
    ['Bad_Name', 'uppercase and underscore'],
    ['1app', 'starts with a digit'],
    ['-app', 'starts with a dash'],
    ['app-', 'ends with a dash'],
    ['my.app', 'dot'],
    ['my app', 'space'],
    ['MyApp', 'uppercase'],
  ])('refuses %j (%s) with the DNS-1123 rule', (name) => {
    expect(rule(checkName(name))).toMatch(/DNS-1123 label.*starting with a letter/);
  });

  it.each([['', 'empty'], [undefined, 'missing'], [{}, 'not a string']])('refuses %j (%s)', (raw, _why) => {
    expect(rule(checkName(raw))).toMatch(/empty|DNS-1123/);
  });
});

describe('checkDescription', () => {
  it.each([
    'A plain description',
    'x: y # {{ .Values }} "q" \'s\' | > & * ! % @ `',
    'emoji 🚀 RTL שלום combining é',
    'yes',
    'null',
  ])('accepts %j unchanged', (text) => {
    expect(accepted(checkDescription(text))).toBe(text);
  });

  it('accepts exactly 1000 characters, counted as code points (an emoji is one)', () => {
    expect(accepted(checkDescription('🚀'.repeat(1000)))).toHaveLength(2000);
  });

  it('refuses 1001 characters with the length rule', () => {
    expect(rule(checkDescription('x'.repeat(1001)))).toBe('must be at most 1000 characters');
  });

  // Helm turns these into plain spaces or drops them when it loads Chart.yaml, so the chart
  // would not say what was typed: refused, naming the code point.
  it.each([
    ['\u0000', 'U+0000'],
    ['\u0007', 'U+0007'],
    ['\u001b[31m', 'U+001B'],
    ['\u007f', 'U+007F'],
    ['\u0085', 'U+0085'],
    ['\u00a0', 'U+00A0'],
    ['\u00ad', 'U+00AD'],
    ['\u200b', 'U+200B'],
    ['\u200d', 'U+200D'],
    ['\u202e', 'U+202E'],
    ['\u2028', 'U+2028'],
    ['\u3000', 'U+3000'],
    ['\ufeff', 'U+FEFF'],
    ['\ue000', 'U+E000'],
  ])('refuses the invisible or special-space character %j, naming %s', (character, code) => {
    expect(rule(checkDescription(`a${character}b`))).toBe(
      `must contain only visible characters and plain spaces; ${code} is invisible or a special space, which Helm drops or rewrites`,
    );
  });

  it.each(['first line\nsecond line', 'a\r\nb', 'a\rb'])('refuses the line break in %j', (text) => {
    expect(rule(checkDescription(text))).toBe('must be a single line (Helm turns line breaks into spaces)');
  });

  it('refuses a tab', () => {
    expect(rule(checkDescription('tab\tinside'))).toBe('must not contain tabs (Helm turns them into spaces)');
  });

  it.each([['\ud800', 'lone high'], ['\udc00', 'lone low'], ['a\ud83d', 'truncated emoji']])(
    'refuses a %s surrogate',
    (text) => {
      expect(rule(checkDescription(text))).toBe('must be valid Unicode text');
    },
  );

  it.each(['', '   ', '\n\t'])('refuses blank %j', (text) => {
    expect(rule(checkDescription(text))).toBe('must not be empty');
  });

  it('refuses a non-string (a YAML mapping from an answers file)', () => {
    expect(rule(checkDescription({ a: 1 }))).toBe('must be a string');
  });
});

describe('checkMaintainerName', () => {
  it('accepts unicode and YAML metacharacters', () => {
    expect(accepted(checkMaintainerName('Zoë O\'Brien: {{ x }} #1'))).toBe('Zoë O\'Brien: {{ x }} #1');
  });

  it.each([
    ['a\nb', 'must be a single line (Helm turns line breaks into spaces)'],
    ['a\tb', 'must not contain tabs (Helm turns them into spaces)'],
    ['Zo\u200bë', 'must contain only visible characters and plain spaces; U+200B is invisible or a special space, which Helm drops or rewrites'],
  ])('refuses %j', (text, expected) => {
    expect(rule(checkMaintainerName(text))).toBe(expected);
  });

  it('refuses more than 100 characters', () => {
    expect(accepted(checkMaintainerName('x'.repeat(100)))).toHaveLength(100);
    expect(rule(checkMaintainerName('x'.repeat(101)))).toBe('must be at most 100 characters');
  });
});

describe('names YAML 1.1 reads as booleans or null', () => {
  const words = ['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null'];
  it.each(words)('refuses %j as chart name, namespace and object name', (word) => {
    const expected = 'must not be a word YAML reads as a boolean or null (y, n, yes, no, true, false, on, off, null)';
    expect(rule(checkName(word))).toBe(expected);
    expect(rule(checkNamespace(word))).toBe(expected);
    expect(rule(checkObjectName(word))).toBe(expected);
    expect(rule(checkIngressClass(word))).toBe(expected);
  });

  it.each(['yes-service', 'on-call', 'nope', 'nulls'])('accepts %j, which only starts like one', (name) => {
    expect(accepted(checkName(name))).toBe(name);
    expect(accepted(checkNamespace(name))).toBe(name);
  });
});

describe('checkNamespace, checkObjectName and checkIngressClass', () => {
  it('take Kubernetes names and refuse others with the rule', () => {
    expect(accepted(checkNamespace('ingress-nginx'))).toBe('ingress-nginx');
    expect(rule(checkNamespace('Ingress'))).toMatch(/namespace name/);
    expect(rule(checkNamespace('a.b'))).toMatch(/namespace name/);
    expect(rule(checkNamespace(''))).toBe('must not be empty');
    expect(accepted(checkObjectName('letsencrypt.prod'))).toBe('letsencrypt.prod');
    expect(rule(checkObjectName('Lets_Encrypt'))).toMatch(/Kubernetes name/);
  });

  it('lets the IngressClass be empty: the cluster default class', () => {
    expect(accepted(checkIngressClass(''))).toBe('');
    expect(accepted(checkIngressClass('traefik'))).toBe('traefik');
  });
});

describe('checkYesNo (what a yes/no prompt accepts)', () => {
  it.each([['y', true], ['YES', true], [' n ', false], ['No', false]])('reads %j as %s', (text, expected) => {
    expect(accepted(checkYesNo(text))).toBe(expected);
  });

  it.each(['maybe', 'yep', 'true', '1', ''])('refuses %j, so the prompt asks again', (text) => {
    expect(rule(checkYesNo(text))).toBe('answer y (yes) or n (no)');
  });
});

describe('checkSafetyClass', () => {
  it.each([
    ['a', 'A'],
    ['b', 'B'],
    ['c', 'C'],
    ['A', 'A'],
    [' b ', 'B'],
  ])('normalises %j to %s', (raw, expected) => {
    expect(accepted(checkSafetyClass(raw))).toBe(expected);
  });

  it.each(['D', '', 'AB', 'class A', undefined])('refuses %j naming IEC 62304 and the choices', (raw) => {
    expect(rule(checkSafetyClass(raw))).toMatch(/one of A, B, C.*IEC 62304/);
  });
});

describe('checkImage', () => {
  it('splits repository and tag', () => {
    expect(accepted(checkImage('registry.example.com/team/app:1.2.3'))).toEqual({
      repository: 'registry.example.com/team/app',
      tag: '1.2.3',
      digest: '',
    });
  });

  it('accepts a registry with a port', () => {
    expect(accepted(checkImage('localhost:5000/app:v1'))).toEqual({ repository: 'localhost:5000/app', tag: 'v1', digest: '' });
  });

  it('keeps a sha256 digest next to the tag', () => {
    expect(accepted(checkImage(`ghcr.io/org/app:2.0@${DIGEST}`))).toEqual({ repository: 'ghcr.io/org/app', tag: '2.0', digest: DIGEST });
  });

  it.each(['app', 'registry.example.com/app', `app@${DIGEST}`])('refuses %j without a tag', (image) => {
    expect(rule(checkImage(image))).toMatch(/explicit tag/);
  });

  it.each(['app:latest', 'registry.example.com/app:latest', `app:latest@${DIGEST}`])('refuses latest in %j', (image) => {
    expect(rule(checkImage(image))).toMatch(/must not use the tag "latest"/);
  });

  it.each(['App:1.0', 'registry.example.com/Team/app:1.0', 'app:1.0@sha256:short', 'app:', ':1.0', 'app:1.0 extra'])(
    'refuses malformed %j (uppercase repository, bad digest, empty parts)',
    (image) => {
      expect(rule(checkImage(image))).toMatch(/image reference like/);
    },
  );

  it('refuses empty', () => {
    expect(rule(checkImage(''))).toBe('must not be empty');
  });
});

describe('checkPort', () => {
  it.each([
    ['8080', 8080],
    [' 1024 ', 1024],
    ['65535', 65535],
    [3000, 3000],
  ])('accepts %j as %d', (raw, port) => {
    expect(accepted(checkPort(raw))).toBe(port);
  });

  it.each(['1023', '80', '0'])('refuses privileged port %s with the non-root rule', (raw) => {
    expect(rule(checkPort(raw))).toMatch(/between 1024 and 65535.*below 1024 need root/);
  });

  it('refuses 65536', () => {
    expect(rule(checkPort('65536'))).toMatch(/between 1024 and 65535/);
  });

  it.each(['abc', '80.5', '-8080', '', '8080abc', '0x1F90'])('refuses non-number %j', (raw) => {
    expect(rule(checkPort(raw))).toBe('must be a whole number between 1024 and 65535');
  });
});

describe('checkDependencies', () => {
  it.each([
    ['postgresql', ['postgresql']],
    ['redis,postgresql', ['postgresql', 'redis']],
    [' Redis , postgresql ,', ['postgresql', 'redis']],
    ['redis,redis', ['redis']],
    ['none', []],
    [['redis', 'postgresql'], ['postgresql', 'redis']],
    [[], []],
  ])('accepts %j as %j (catalogue order, no duplicates)', (raw, expected) => {
    expect(accepted(checkDependencies(raw))).toEqual(expected);
  });

  it.each(['mysql', 'postgresql,mongodb', 'none,redis', 'postgres'])('refuses %j naming the known dependencies', (raw) => {
    expect(rule(checkDependencies(raw))).toMatch(/each must be one of: postgresql, redis, nats \(or "none"\)/);
  });

  it('refuses a non-list', () => {
    expect(rule(checkDependencies(42))).toMatch(/must be a list of: postgresql, redis, nats/);
  });
});

describe('checkProvider and checkBoolean', () => {
  it('normalise case and refuse other words', () => {
    expect(accepted(checkProvider(' External '))).toBe('external');
    expect(rule(checkProvider('cloud'))).toBe('must be one of: in-cluster, external');
    expect(accepted(checkBoolean('Yes'))).toBe(true);
    expect(accepted(checkBoolean('n'))).toBe(false);
    expect(accepted(checkBoolean(false))).toBe(false);
    expect(rule(checkBoolean('maybe'))).toBe('must be true or false');
  });
});

describe('checkHost', () => {
  it.each(['app.example.com', '*.example.com', 'a-b.c1.example.org', 'x.io'])('accepts %s', (host) => {
    expect(accepted(checkHost(host))).toBe(host);
  });

  it.each(['10.0.0.1', '192.168.1.10', '*.1.2.3'])('refuses IP address %s', (host) => {
    expect(rule(checkHost(host))).toBe('must be a DNS name, not an IP address');
  });

  it.each(['App.Example.com', 'app.EXAMPLE.com', 'localhost', 'app_1.example.com', 'app.example.com.', '*.com', '**.example.com', 'a..b', `${'a'.repeat(64)}.com`])(
    'refuses %j with the lowercase DNS rule',
    (host) => {
      expect(rule(checkHost(host))).toMatch(/lowercase DNS name/);
    },
  );

  it('refuses empty and over-long hosts', () => {
    expect(rule(checkHost(''))).toBe('must not be empty');
    expect(rule(checkHost(`${'a.'.repeat(127)}com`))).toBe('must be at most 253 characters');
  });
});

describe('checkEmail', () => {
  it.each(['team@example.com', 'first.last+tag@sub.example.co.uk', "o'brien@example.com"])('accepts %s', (email) => {
    expect(accepted(checkEmail(email))).toBe(email);
  });

  it.each(['nope', 'a@b', '@example.com', 'a@-example.com', 'a b@example.com', 'a..b@example.com', 'a@example..com', '"q"@example.com', 'zoë@example.com'])(
    'refuses %j',
    (email) => {
      expect(rule(checkEmail(email))).toMatch(/email address like|must not be empty/);
    },
  );

  it('refuses empty and over-long', () => {
    expect(rule(checkEmail(''))).toBe('must not be empty');
    expect(rule(checkEmail(`${'a'.repeat(250)}@example.com`))).toBe('must be at most 254 characters');
  });
});

describe('collectAnswers', () => {
  const valid = { name: 'svc', description: 'd', safetyClass: 'B', image: 'app:1.0', port: '8080', dependencies: 'none' };

  it('lets flags win over the answers file', async () => {
    const answers = await collectAnswers({
      flags: { name: 'from-flag', port: '9000' },
      file: { name: 'from-file', port: 7000, description: 'from file' },
      yes: true,
    });
    expect(answers.name).toBe('from-flag');
    expect(answers.port).toBe(9000);
    expect(answers.description).toBe('from file');
  });

  it('uses field defaults with --yes, deriving dependent ones from earlier answers', async () => {
    const answers = await collectAnswers({ flags: { name: 'abc', ingress: true, ingressControllerNamespace: 'traefik' }, yes: true });
    expect(answers).toMatchObject({ safetyClass: 'C', port: 8080, ingressHost: 'abc.example.com', description: 'A Helm chart for abc' });
    expect(answers.image).toEqual({ repository: 'registry.example.com/abc', tag: '0.1.0', digest: '' });
  });

  it('lets invocation defaults (the directory name) replace field defaults', async () => {
    const answers = await collectAnswers({ flags: {}, yes: true, defaults: { name: 'from-dir' } });
    expect(answers.name).toBe('from-dir');
    // Later defaults see the overridden name.
    expect(answers.description).toBe('A Helm chart for from-dir');
  });

  it('still prefers a flag over an invocation default', async () => {
    const answers = await collectAnswers({ flags: { name: 'flagged' }, yes: true, defaults: { name: 'from-dir' } });
    expect(answers.name).toBe('flagged');
  });

  it('names the flag, the value and the rule when a flag is invalid', async () => {
    const error = await collectAnswers({ flags: { port: '80' }, yes: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('--port');
    expect((error as Error).message).toMatch(/--port "80".*below 1024 need root/);
  });

  it('names the answers file key when a file value is invalid', async () => {
    const error = await collectAnswers({ flags: {}, file: { safetyClass: 'D' }, fileName: 'a.yaml', yes: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/safetyClass \(in a\.yaml\) "D": must be one of A, B, C/);
  });

  it('without an asker, lists every missing answer in one UsageError', async () => {
    const error = await collectAnswers({ flags: { name: 'given' }, yes: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error).not.toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    for (const flag of ['--description', '--class', '--image', '--port', '--dependencies', '--ingress', '--persistence', '--service-monitor', '--maintainer-name', '--maintainer-email']) {
      expect(message).toContain(flag);
    }
    // Answered, or not applicable given the defaults (no Ingress, no PostgreSQL).
    expect(message).not.toMatch(/--name\b/);
    expect(message).not.toContain('--ingress-host');
    expect(message).not.toContain('--backup');
  });

  it('lists --name first when nothing is given', async () => {
    const error = await collectAnswers({ flags: {}, yes: false }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/missing:\n {2}--name <name>/);
  });

  it('asks only the missing, applicable questions, in FIELDS order', async () => {
    const asked: string[] = [];
    const answers = await collectAnswers({
      flags: { ...valid, ingress: 'yes' },
      yes: false,
      ask: async (field, defaultValue) => {
        asked.push(field.key);
        if (field.key === 'ingressControllerNamespace') return 'traefik';
        return field.key === 'ingressHost' ? 'svc.example.org' : defaultValue;
      },
    });
    expect(asked).toEqual([
      'ingressHost',
      'ingressClass',
      'ingressControllerNamespace',
      'ingressTls',
      'ingressCertificate',
      'serviceMonitor',
      'persistence',
      'maintainerName',
      'maintainerEmail',
    ]);
    expect(answers).toMatchObject({ ingressHost: 'svc.example.org', ingressClass: '', ingressControllerNamespace: 'traefik', ingressCertificate: 'secret' });
  });

  it('offers no default for the ingress controller namespace: the asker gets undefined, --yes cannot answer it', async () => {
    const defaults = new Map<string, unknown>();
    await collectAnswers({
      flags: { ...valid, ingress: true },
      yes: false,
      ask: async (field, defaultValue) => {
        defaults.set(field.key, defaultValue);
        return field.key === 'ingressControllerNamespace' ? 'kube-system' : defaultValue;
      },
    });
    expect(defaults.get('ingressControllerNamespace')).toBeUndefined();
    expect(defaults.get('ingressClass')).toBe('');

    const error = await collectAnswers({ flags: { ingress: true }, yes: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/have no default, so --yes cannot answer them:\n {2}--ingress-controller-namespace <namespace> /);
    expect((error as Error).message).toContain('Pass them as flags or in --answers FILE.');
  });

  it('asks a question without a default even with --yes when there is a terminal', async () => {
    const asked: string[] = [];
    const answers = await collectAnswers({
      flags: { ingress: true, ingressCertificate: 'cert-manager' },
      yes: true,
      ask: async (field) => {
        asked.push(field.key);
        return field.key === 'ingressControllerNamespace' ? 'traefik' : 'letsencrypt';
      },
    });
    expect(asked).toEqual(['ingressControllerNamespace', 'certManagerIssuer']);
    expect(answers.certManagerIssuer).toBe('letsencrypt');
  });

  it.each([
    ['A', 'in-cluster'],
    ['B', 'external'],
    ['C', 'external'],
  ])('defaults PostgreSQL for class %s to %s: the frozen Bitnami image is never the default where injury is possible', async (safetyClass, provider) => {
    const answers = await collectAnswers({ flags: { safetyClass, dependencies: 'postgresql' }, yes: true });
    expect(answers.postgresqlProvider).toBe(provider);
  });

  it('refuses an explicit --backup without a database in the chart', async () => {
    for (const flags of [{ backup: true }, { backup: true, dependencies: 'postgresql', postgresqlProvider: 'external' }]) {
      const error = await collectAnswers({ flags, yes: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/--backup true: needs --dependencies postgresql with --postgresql-provider in-cluster or cloudnative-pg/);
    }
  });

  it('refuses backup: true from an answers file without a database in the chart', async () => {
    const error = await collectAnswers({ flags: {}, file: { backup: true }, fileName: 'a.yaml', yes: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/backup \(in a\.yaml\) true: needs --dependencies postgresql/);
  });

  it.each(['in-cluster', 'cloudnative-pg'])('accepts --backup with PostgreSQL %s', async (postgresqlProvider) => {
    const answers = await collectAnswers({ flags: { backup: true, dependencies: 'postgresql', postgresqlProvider }, yes: true });
    expect(answers.backup).toBe(true);
  });
});

describe('answers files', () => {
  it('accept both the flag name `class` and the key `safetyClass`', () => {
    expect(normaliseAnswersData({ class: 'a' }, 'f')).toEqual({ safetyClass: 'a' });
    expect(normaliseAnswersData({ safetyClass: 'b', 'maintainer-email': 'x@example.com' }, 'f')).toEqual({
      safetyClass: 'b',
      maintainerEmail: 'x@example.com',
    });
  });

  it('refuse an unknown key, naming it', () => {
    expect(() => normaliseAnswersData({ name: 'x', colour: 'blue' }, 'answers.yaml')).toThrow(UsageError);
    expect(() => normaliseAnswersData({ colour: 'blue' }, 'answers.yaml')).toThrow(/answers\.yaml: unknown answer "colour"/);
  });

  it('refuse a YAML list or scalar instead of a mapping', () => {
    expect(() => normaliseAnswersData(['name'], 'f')).toThrow(/must be a YAML mapping/);
    expect(() => normaliseAnswersData('name', 'f')).toThrow(/must be a YAML mapping/);
  });

  it('accept an image written as a mapping, as .chartwright.yaml records it', async () => {
    const file = normaliseAnswersData({ image: { repository: 'r.example.com/app', tag: '1.0', digest: DIGEST } }, 'f');
    const answers = await collectAnswers({ flags: {}, file, yes: true });
    expect(answers.image).toEqual({ repository: 'r.example.com/app', tag: '1.0', digest: DIGEST });
  });

  it('are read from disk with both key styles, and flags still win', async () => {
    const dir = await tempDir();
    const path = join(dir, 'answers.yaml');
    await writeFile(path, 'name: from-file\nclass: a\nport: 9000\nmaintainer-email: file@example.com\n');
    const file = await loadAnswersFile(path);
    const answers = await collectAnswers({ flags: { port: '9001' }, file, fileName: path, yes: true });
    expect(answers).toMatchObject({ name: 'from-file', safetyClass: 'A', port: 9001, maintainerEmail: 'file@example.com' });
  });

  it('that are missing or not YAML give a UsageError', async () => {
    const dir = await tempDir();
    await expect(loadAnswersFile(join(dir, 'absent.yaml'))).rejects.toThrow(/cannot read --answers .*ENOENT/);
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'name: [unclosed\n');
    await expect(loadAnswersFile(bad)).rejects.toThrow(UsageError);
    await expect(loadAnswersFile(bad)).rejects.toThrow(/is not valid YAML/);
  });

  it('cover every field by key and by flag name', () => {
    for (const field of FIELDS) {
      expect(Object.keys(normaliseAnswersData({ [field.key]: 'x' }, 'f'))).toEqual([field.key]);
      expect(Object.keys(normaliseAnswersData({ [field.flag]: 'x' }, 'f'))).toEqual([field.key]);
    }
  });
});

describe('flags that other answers make meaningless', () => {
  it.each([
    [{ ingressHost: 'app.example.com' }, '--ingress-host', 'applies only with --ingress'],
    [{ ingressTls: false }, '--ingress-tls', 'applies only with --ingress'],
    [{ postgresqlProvider: 'external' }, '--postgresql-provider', 'applies only with --dependencies postgresql'],
    [{ redisProvider: 'external', dependencies: 'postgresql' }, '--redis-provider', 'applies only with --dependencies redis'],
    [{ natsProvider: 'external' }, '--nats-provider', 'applies only with --dependencies nats'],
    [{ ingressClass: 'traefik' }, '--ingress-class', 'applies only with --ingress'],
    [{ ingressControllerNamespace: 'traefik' }, '--ingress-controller-namespace', 'applies only with --ingress'],
    [{ ingress: true, ingressControllerNamespace: 'x', ingressTls: false, ingressCertificate: 'cert-manager' }, '--ingress-certificate', 'applies only with --ingress-tls'],
    [{ ingress: true, ingressControllerNamespace: 'x', certManagerIssuer: 'le' }, '--cert-manager-issuer', 'applies only with --ingress-certificate cert-manager'],
  ])('%j is refused, naming the flag and what it needs', async (flags, flag, rule) => {
    const error = await collectAnswers({ flags, yes: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(flag);
    expect((error as ValidationError).message).toContain(rule);
  });

  it('are accepted from a file, which may record every answer', async () => {
    const answers = await collectAnswers({ flags: {}, file: { ingressHost: 'app.example.com', postgresqlProvider: 'external' }, yes: true });
    expect(answers.ingress).toBe(false);
  });
});

describe('answers saved by an earlier chartwright', () => {
  it('keep the Ingress class and controller namespace such charts were generated with', async () => {
    const dir = await tempDir();
    const saved = (ingress: boolean) =>
      ['generator: chartwright', 'generatorVersion: 0.1.0', 'answers:', '  name: old', `  ingress: ${ingress}`, '  ingressHost: old.example.org', ''].join('\n');
    await writeFile(join(dir, '.chartwright.yaml'), saved(true));
    expect((await readSavedAnswers(dir)).answers).toMatchObject({ ingress: true, ingressClass: 'nginx', ingressControllerNamespace: 'ingress-nginx' });
    await writeFile(join(dir, '.chartwright.yaml'), saved(false));
    expect((await readSavedAnswers(dir)).answers).toMatchObject({ ingress: false, ingressClass: '', ingressControllerNamespace: '' });
  });
});
