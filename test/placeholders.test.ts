// The placeholder check over real chart directories: a generated chart whose production values
// still hold the stand-ins gets one warning per placeholder, naming the key, the value and what to
// put; setting them in values-prod.yaml silences exactly those; a part switched off ships nothing;
// a chart chartwright did not generate is judged by the example names it uses.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { collectAnswers } from '../src/answers/collect.js';
import { loadChartTemplates, planChart } from '../src/chart/plan.js';
import { buildValueTree } from '../src/chart/values.js';
import { isExampleValue, placeholdersOf } from '../src/parts/placeholders.js';
import { placeholderFindings } from '../src/stages/placeholders.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../src/paths.js';
import { writeChartAtomically } from '../src/write/atomic.js';
import { tempDir } from './support/cli.js';

const templates = loadChartTemplates(CHART_TEMPLATES_DIR);

async function generated(flags: Record<string, unknown>) {
  const answers = await collectAnswers({ flags, yes: true });
  const dir = join(await tempDir(), String(answers.name));
  await writeChartAtomically(dir, planChart(answers, { generatorVersion: GENERATOR_VERSION, templates }), { force: false });
  return { answers, dir };
}

const keysOf = (findings: { message: string }[]) => findings.map((finding) => finding.message.split(' ')[0]);

describe('isExampleValue', () => {
  it.each(['registry.example.com/app', 'dose.example.com', 'platform@example.com', 'db.example.internal', 'x.example.org:5432', 'svc.example', 'a.invalid'])(
    'sees %s as an example name',
    (value) => expect(isExampleValue(value)).toBe(true),
  );

  it.each(['registry.internal/team/app', 'myexample.com', 'example.com.au', 'examples.org', 'svc.cluster.local', 'Patient example text'])(
    'does not see %s as one',
    (value) => expect(isExampleValue(value)).toBe(false),
  );
});

describe('placeholderFindings', () => {
  it('warns for every placeholder production would ship, in values-prod.yaml and its ci/ copy only once', async () => {
    const { dir } = await generated({
      name: 'relay',
      safetyClass: 'C',
      dependencies: 'postgresql,nats',
      postgresqlProvider: 'external',
      natsProvider: 'external',
      ingress: true,
      ingressControllerNamespace: 'traefik',
    });
    const findings = await placeholderFindings(dir);
    expect(findings.every((finding) => finding.severity === 'warning' && finding.rule === 'placeholder-value')).toBe(true);
    // ci/prod-values.yaml is identical to values-prod.yaml: judged once.
    expect([...new Set(findings.map((finding) => finding.file))].sort()).toEqual(['Chart.yaml', 'values-prod.yaml']);
    expect(keysOf(findings.filter((finding) => finding.file === 'values-prod.yaml')).sort()).toEqual([
      'externalDatabase.egressCidr',
      'externalDatabase.host',
      'externalNats.egressCidr',
      'externalNats.host',
      'image.repository',
      'ingress.host',
    ]);
    const host = findings.find((finding) => finding.message.startsWith('externalDatabase.host'))!;
    expect(host.message).toBe(
      'externalDatabase.host is still the placeholder "postgresql.example.internal" from values.yaml; set the host name of your managed PostgreSQL in values-prod.yaml',
    );
    expect(findings.find((finding) => finding.file === 'Chart.yaml')!.message).toMatch(/^maintainers\[0\]\.email is the placeholder "platform@example\.com"/);
  });

  it('stops warning for a placeholder once production sets it', async () => {
    const { dir } = await generated({ name: 'relay', dependencies: 'postgresql', postgresqlProvider: 'external', maintainerEmail: 'team@hospital.org' });
    const prodPath = join(dir, 'values-prod.yaml');
    const prod = parseYaml(await readFile(prodPath, 'utf8')) as Record<string, unknown>;
    prod.image = { repository: 'registry.hospital.org/relay' };
    prod.externalDatabase = { host: 'pg.hospital.org', egressCidr: '10.20.0.0/24' };
    await writeFile(prodPath, stringify(prod));
    // The ci/ copy now differs from values-prod.yaml, so it is judged on its own.
    const findings = await placeholderFindings(dir);
    expect(findings.filter((finding) => finding.file === 'values-prod.yaml')).toEqual([]);
    expect(keysOf(findings.filter((finding) => finding.file === 'ci/prod-values.yaml')).sort()).toEqual(['externalDatabase.egressCidr', 'externalDatabase.host', 'image.repository']);
  });

  it('ignores placeholders of a part switched off in production', async () => {
    const { dir } = await generated({ name: 'relay', image: 'registry.hospital.org/relay:1.0.0', maintainerEmail: 'team@hospital.org', ingress: true, ingressControllerNamespace: 'traefik' });
    expect(keysOf(await placeholderFindings(dir))).toEqual(['ingress.host']);
    const prodPath = join(dir, 'values-prod.yaml');
    await writeFile(prodPath, `${await readFile(prodPath, 'utf8')}\ningress:\n  enabled: false\n`);
    expect(keysOf((await placeholderFindings(dir)).filter((finding) => finding.file === 'values-prod.yaml'))).toEqual([]);
  });

  it('judges a chart chartwright did not generate by the example names in its production values', async () => {
    const dir = join(await tempDir(), 'foreign');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: foreign\nversion: 1.0.0\n');
    await writeFile(join(dir, 'values.yaml'), 'ingress:\n  enabled: true\n  hosts:\n    - host: chart-example.local\nimage:\n  repository: nginx\n');
    await writeFile(join(dir, 'values-production.yaml'), 'ingress:\n  hosts:\n    - host: shop.example.com\n');
    const findings = await placeholderFindings(dir);
    expect(findings).toEqual([
      {
        severity: 'warning',
        rule: 'placeholder-value',
        file: 'values-production.yaml',
        message: 'ingress.hosts.0.host is "shop.example.com", an example name (reserved for documentation); set the real value in values-production.yaml',
      },
    ]);
  });

  it('finds nothing in a chart without production values or placeholders', async () => {
    const dir = join(await tempDir(), 'plain');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: plain\nversion: 1.0.0\nmaintainers:\n  - name: A\n    email: a@hospital.org\n');
    await writeFile(join(dir, 'values.yaml'), 'host: app.example.com\n');
    expect(await placeholderFindings(dir)).toEqual([]);
  });
});

describe('placeholdersOf (the list in the README and at the end of new)', () => {
  it('lists the marked values and an example maintainer email, and nothing for real answers', async () => {
    const defaults = await collectAnswers({ flags: { name: 'relay', ingress: true, ingressControllerNamespace: 'traefik' }, yes: true });
    expect(placeholdersOf(buildValueTree(defaults), defaults.maintainerEmail).map((item) => `${item.file} ${item.key}`)).toEqual([
      'values.yaml image.repository',
      'values.yaml ingress.host',
      'Chart.yaml maintainers[0].email',
    ]);
    const real = await collectAnswers({
      flags: { name: 'relay', image: 'registry.hospital.org/relay:1.0.0', ingress: true, ingressHost: 'relay.hospital.org', ingressControllerNamespace: 'traefik', maintainerEmail: 'team@hospital.org' },
      yes: true,
    });
    expect(placeholdersOf(buildValueTree(real), real.maintainerEmail)).toEqual([]);
  });
});
