// The part modules (src/parts/) and what they promise, checked against the chart real helm
// renders: every file and fragment a part names exists and is used; the environment variables a
// part documents are the ones the Deployment gets; every image the chart can run is in the SOUP
// list; every pod is selected by a NetworkPolicy, the backup job's allowing only DNS and the
// database; the CloudNativePG cluster follows the class; the class texts match the policy rules.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { collectAnswers } from '../src/answers/collect.js';
import type { Answers } from '../src/answers/fields.js';
import { FIELDS } from '../src/answers/fields.js';
import { loadChartTemplates, planChart, type PlannedFile } from '../src/chart/plan.js';
import { CLASS_INFO, SAFETY_CLASSES } from '../src/domain/classes.js';
import { DEPENDENCIES } from '../src/domain/dependencies.js';
import { includedParts, PARTS } from '../src/parts/index.js';
import { soupOf } from '../src/parts/soup.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../src/paths.js';
import { POLICY_RULES } from '../src/verify/policy.js';
import { writeChartAtomically } from '../src/write/atomic.js';
import { helmBinaries, isolatedHelmEnv } from './support/tools.js';

type Json = Record<string, any>;
const templates = loadChartTemplates(CHART_TEMPLATES_DIR);
const plan = (answers: Answers) => planChart(answers, { generatorVersion: GENERATOR_VERSION, templates });
const contentOf = (files: PlannedFile[], path: string) => files.find((file) => file.path === path)?.content ?? '';

describe('the part registry', () => {
  it('names only files and fragments that exist, and every one of them is some part’s', () => {
    const owned = PARTS.flatMap((part) => part.ownedFiles ?? []);
    expect(new Set(owned).size, 'no file is owned twice').toBe(owned.length);
    const chartTargets = [...templates.keys()].filter((source) => source.startsWith('chart/')).map((source) => source.slice(6).replace(/\.hbs$/, ''));
    for (const file of owned) expect(chartTargets, file).toContain(file);
    const fragments = PARTS.flatMap((part) => Object.values(part.slots ?? {}).map((fragment) => `parts/${fragment}`));
    const fragmentSources = [...templates.keys()].filter((source) => source.startsWith('parts/')).sort();
    expect([...fragments].sort()).toEqual(fragmentSources);
  });

  it('has a part for every dependency of the domain module, and no other dependency part', () => {
    expect(PARTS.filter((part) => part.dependency).map((part) => part.dependency)).toEqual(DEPENDENCIES.map((dependency) => dependency.name));
  });

  it('gives every answer one key and one flag', () => {
    expect(new Set(FIELDS.map((field) => field.key)).size).toBe(FIELDS.length);
    expect(new Set(FIELDS.map((field) => field.flag)).size).toBe(FIELDS.length);
  });
});

// Answer sets without subcharts, so real helm renders them without fetching anything.
const RENDERED = {
  operator: { name: 'ha-db', safetyClass: 'C', dependencies: 'postgresql,redis,nats', postgresqlProvider: 'cloudnative-pg', redisProvider: 'external', natsProvider: 'external', backup: true, persistence: true, serviceMonitor: true, ingress: true, ingressControllerNamespace: 'traefik' },
  managed: { name: 'managed', safetyClass: 'B', dependencies: 'postgresql,redis,nats', postgresqlProvider: 'external', redisProvider: 'external', natsProvider: 'external' },
  bare: { name: 'bare', safetyClass: 'A', dependencies: 'none' },
} as const;
type SetName = keyof typeof RENDERED;
const VALUES_SETS = [[], ['values-dev.yaml'], ['values-prod.yaml']];

describe('charts real helm renders', () => {
  const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;
  let work = '';
  const answers = {} as Record<SetName, Answers>;
  const rendered = {} as Record<SetName, Json[][]>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chartwright-parts-'));
    for (const set of Object.keys(RENDERED) as SetName[]) {
      answers[set] = await collectAnswers({ flags: RENDERED[set], yes: true });
      const dir = join(work, set);
      await writeChartAtomically(dir, plan(answers[set]), { force: false });
      rendered[set] = await Promise.all(
        VALUES_SETS.map(async (files) => {
          const result = await execa(
            helm4.path,
            ['template', 'rel', dir, '--api-versions', 'monitoring.coreos.com/v1', ...files.flatMap((file) => ['-f', join(dir, file)])],
            { env: isolatedHelmEnv(join(work, 'home')), stdin: 'ignore' },
          );
          return parseAllDocuments(result.stdout).map((doc) => doc.toJS() as Json).filter(Boolean);
        }),
      );
    }
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const podsOf = (objects: Json[]) =>
    objects.flatMap((object) => {
      const spec = object.kind === 'CronJob' ? object.spec.jobTemplate.spec.template : object.kind === 'Pod' ? object : object.spec?.template;
      return spec?.spec?.containers ? [{ object, labels: (spec.metadata?.labels ?? {}) as Record<string, string>, spec: spec.spec as Json }] : [];
    });

  it.each(Object.keys(RENDERED) as SetName[])('%s: the Deployment gets exactly the environment variables the parts document', (set) => {
    const documented = includedParts(answers[set]).flatMap((part) => part.env?.(answers[set]) ?? []).map((variable) => variable.name);
    for (const objects of rendered[set]) {
      const deployment = objects.find((object) => object.kind === 'Deployment')!;
      const env = ((deployment.spec.template.spec.containers[0].env ?? []) as { name: string }[]).map((variable) => variable.name);
      // REDIS_PASSWORD and NATS_TOKEN come only with a Secret named in the values.
      expect(env.sort()).toEqual(documented.filter((name) => !['REDIS_PASSWORD', 'NATS_TOKEN'].includes(name)).sort());
    }
  });

  it.each(Object.keys(RENDERED) as SetName[])('%s: every image the chart can run is the app image or in the SOUP list', (set) => {
    const app = `${answers[set].image.repository}:${answers[set].image.tag}`;
    const soup = soupOf(answers[set]).filter((item) => item.kind === 'image').map((item) => `${item.name}:${item.version}`);
    const seen = new Set<string>();
    for (const objects of rendered[set]) {
      const images = [
        ...podsOf(objects).flatMap(({ spec }) => [...(spec.initContainers ?? []), ...spec.containers].map((container: Json) => String(container.image))),
        ...objects.filter((object) => object.kind === 'Cluster').map((object) => String(object.spec.imageName)),
      ];
      for (const image of images) {
        seen.add(image);
        expect([app, ...soup], `${set}: ${image}`).toContain(image);
      }
    }
    // And the list names nothing the chart does not run.
    for (const item of soup) expect(seen, `${set}: SOUP item ${item}`).toContain(item);
  });

  it.each(Object.keys(RENDERED) as SetName[])('%s: every pod the chart runs is selected by a NetworkPolicy', (set) => {
    for (const objects of rendered[set]) {
      const policies = objects.filter((object) => object.kind === 'NetworkPolicy').map((policy) => policy.spec.podSelector.matchLabels as Record<string, string>);
      for (const { object, labels } of podsOf(objects)) {
        const selected = policies.some((selector) => Object.entries(selector).every(([key, value]) => labels[key] === value));
        expect(selected, `${set}: ${object.kind}/${object.metadata.name}`).toBe(true);
      }
    }
  });

  it('the backup job may reach DNS and the database port of the CloudNativePG cluster, nothing else, and accepts nothing', () => {
    for (const objects of rendered.operator) {
      const policy = objects.find((object) => object.kind === 'NetworkPolicy' && object.metadata.name === 'rel-ha-db-backup')!;
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(policy.spec.ingress).toBeUndefined();
      expect(policy.spec.egress).toEqual([
        expect.objectContaining({ to: [expect.objectContaining({ podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } })] }),
        { to: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'rel-ha-db-db' } } }], ports: [{ port: 5432, protocol: 'TCP' }] },
      ]);
      const job = objects.find((object) => object.kind === 'CronJob')!.spec.jobTemplate.spec.template.spec.containers[0];
      expect(job.env.find((variable: Json) => variable.name === 'PGHOST').value).toBe('rel-ha-db-db-r');
      expect(job.env.find((variable: Json) => variable.name === 'PGPASSWORD').valueFrom.secretKeyRef.name).toBe('rel-ha-db-db-app');
    }
  });

  it('the CloudNativePG cluster follows class C: 3 instances on different nodes with a synchronous replica in prod, 1 in dev', () => {
    const [defaults, dev, prod] = rendered.operator.map((objects) => objects.find((object) => object.kind === 'Cluster')!);
    for (const cluster of [defaults!, dev!]) {
      expect(cluster.spec.instances).toBe(1);
      expect(cluster.spec.postgresql).toBeUndefined();
    }
    expect(prod!.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(prod!.spec).toMatchObject({
      instances: 3,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:17.6-standard-trixie',
      affinity: { enablePodAntiAffinity: true, podAntiAffinityType: 'required' },
      postgresql: { synchronous: { method: 'any', number: 1 } },
      bootstrap: { initdb: { database: 'ha_db', owner: 'ha_db' } },
      storage: { size: '20Gi' },
    });
    const app = rendered.operator[2]!.find((object) => object.kind === 'Deployment')!.spec.template.spec.containers[0].env as Json[];
    expect(app.find((variable) => variable.name === 'DATABASE_HOST')!.value).toBe('rel-ha-db-db-rw');
    expect(app.find((variable) => variable.name === 'DATABASE_PASSWORD')!.valueFrom.secretKeyRef).toEqual({ name: 'rel-ha-db-db-app', key: 'password' });
    const egress = rendered.operator[2]!.find((object) => object.kind === 'NetworkPolicy' && object.metadata.name === 'rel-ha-db')!.spec.egress as Json[];
    expect(egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'rel-ha-db-db' } } }], ports: [{ port: 5432, protocol: 'TCP' }] });
  });

  it('admits the ingress controller only from the namespace that was answered, and only with the Ingress on', () => {
    const from = (objects: Json[]) => objects.find((object) => object.kind === 'NetworkPolicy' && !object.metadata.name.endsWith('-test') && object.spec.podSelector.matchLabels['app.kubernetes.io/component'] === 'server' && object.spec.ingress)!.spec.ingress[0].from as Json[];
    expect(from(rendered.operator[0]!)).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } } });
    expect(from(rendered.managed[0]!).some((peer) => peer.namespaceSelector)).toBe(false);
  });

  it('class B and C charts with the CloudNativePG or managed database lint clean with helm 3 and 4', async () => {
    for (const helm of helmBinaries()) {
      for (const set of ['operator', 'managed'] as const) {
        for (const files of VALUES_SETS) {
          const dir = join(work, set);
          const lint = await execa(helm.path, ['lint', '--strict', dir, ...files.flatMap((file) => ['-f', join(dir, file)])], {
            env: isolatedHelmEnv(join(work, `home-${helm.label}`)),
            reject: false,
            stdin: 'ignore',
          });
          expect(lint.exitCode, `${helm.label} ${set} ${files.join(',')}: ${lint.stdout}`).toBe(0);
        }
      }
    }
  });
});

describe('YAML 1.1 words in texts', () => {
  it('a description "yes" and a maintainer "no" reach helm as strings', async () => {
    const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;
    const work = await mkdtemp(join(tmpdir(), 'chartwright-words-'));
    try {
      const answers = await collectAnswers({ flags: { name: 'words', description: 'yes', maintainerName: 'no' }, yes: true });
      await writeChartAtomically(join(work, 'words'), plan(answers), { force: false });
      const shown = await execa(helm4.path, ['show', 'chart', join(work, 'words')], { env: isolatedHelmEnv(join(work, 'home')), stdin: 'ignore' });
      const chart = parseYaml(shown.stdout, { version: '1.1' }) as Json;
      expect(chart.description).toBe('yes');
      expect(chart.maintainers[0].name).toBe('no');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe('class meanings in the domain module', () => {
  const severity = (rule: string) => POLICY_RULES.find((candidate) => candidate.id === rule)!.severity;

  // Each class's `checks` text makes claims about the policy rules; they must stay true.
  it.each([
    ['A', { 'run-as-non-root': 'error', 'image-tag-pinned': 'error', 'no-secret-in-env': 'error', 'drop-all-capabilities': 'warning', 'read-only-root-filesystem': 'warning', 'pdb-present': 'info', 'spread-across-nodes': 'info' }],
    ['B', { 'drop-all-capabilities': 'error', 'read-only-root-filesystem': 'error', 'pdb-present': 'warning', 'spread-across-nodes': 'warning' }],
    ['C', { 'pdb-present': 'error', 'spread-across-nodes': 'error', 'no-token-automount': 'error', 'min-replicas': 'warning', 'image-digest': 'warning' }],
  ] as const)('class %s: what CLASS_INFO says about the checks is what the policy rules do', (safetyClass, expected) => {
    expect(CLASS_INFO[safetyClass].checks.length).toBeGreaterThan(20);
    for (const [rule, level] of Object.entries(expected)) expect(severity(rule)[safetyClass], `${rule} at class ${safetyClass}`).toBe(level);
  });

  it('every class has a meaning the prompt and the README show', async () => {
    for (const safetyClass of SAFETY_CLASSES) {
      const readme = contentOf(plan(await collectAnswers({ flags: { safetyClass }, yes: true })), 'README.md');
      expect(readme).toContain(`Class ${safetyClass}: ${CLASS_INFO[safetyClass].meaning}.`);
      expect(readme).toContain(CLASS_INFO[safetyClass].checks);
    }
  });
});
