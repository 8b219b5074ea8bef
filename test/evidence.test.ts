// `chartwright test --evidence DIR` (issue 11) on real charts with the real helm binaries: the
// example charts against reviewed golden files, a chart with exemptions, a chart chartwright did
// not generate (helm create output with subcharts), two runs byte for byte, the JSON against
// docs/evidence.schema.json, the package digest against coreutils, and the usage errors.
//
// Update the golden files after a reviewed change with:
//   UPDATE_EVIDENCE=1 npx vitest run test/evidence.test.ts
// and read the diff of test/fixtures/evidence/ line by line before committing it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Ajv } from 'ajv';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readSavedAnswers } from '../src/answers/saved.js';
import { archiveContentDigest } from '../src/evidence/package.js';
import type { Evidence } from '../src/evidence/model.js';
import { normaliseRepository } from '../src/evidence/catalogue.js';
import { soupOf } from '../src/parts/soup.js';
import { POLICY_RULES } from '../src/policy/rules.js';
import { runCli } from './support/cli.js';
import { packageFixtureChart, pushReproducibleFixtureCharts, runWithEvidence } from './support/evidence.js';
import { registryAvailable, startRegistry, type Registry } from './support/registry.js';
import { helmBinaries, isolatedHelmEnv, repoRoot } from './support/tools.js';

const UPDATE = process.env.UPDATE_EVIDENCE === '1';
const GOLDEN_DIR = join(repoRoot, 'test', 'fixtures', 'evidence');
const EXAMPLES = readdirSync(join(repoRoot, 'charts'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const helm3 = helmBinaries().find((helm) => helm.label === 'helm3')!;
const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;

const registry = registryAvailable();
if (!registry.ok) console.log(`skipping the evidence tests that need subcharts: ${registry.reason}`);

const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(repoRoot, 'docs', 'evidence.schema.json'), 'utf8')) as object);
function expectValid(evidence: Evidence): void {
  const ok = validate(evidence);
  expect(validate.errors ?? [], 'evidence.json against docs/evidence.schema.json').toEqual([]);
  expect(ok).toBe(true);
}

/** The golden file, or with UPDATE_EVIDENCE=1 the new content written for review. */
async function expectGolden(name: string, content: string): Promise<void> {
  const path = join(GOLDEN_DIR, name);
  if (UPDATE) {
    await mkdir(GOLDEN_DIR, { recursive: true });
    await writeFile(path, content);
    return;
  }
  expect(existsSync(path), `${path} is missing: run UPDATE_EVIDENCE=1 npx vitest run test/evidence.test.ts and review it`).toBe(true);
  expect(content, `${name} differs from the reviewed golden file`).toBe(await readFile(path, 'utf8'));
}

let work = '';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chartwright-evidence-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A copy of the example charts in a fresh directory: the dependencies stage fills their charts/. */
async function exampleCopy(name: string): Promise<string> {
  const dir = await mkdtemp(join(work, `${name}-`));
  await cp(join(repoRoot, 'charts'), join(dir, 'charts'), { recursive: true });
  return dir;
}

describe('the package digest', () => {
  it('is the same for archives helm packs differently, and is what tar and sha256sum compute', async () => {
    const dir = await mkdtemp(join(work, 'package-'));
    const chart = join(repoRoot, 'charts', 'telemetry-viewer');
    const archives: Buffer[] = [];
    for (const [index, helm] of [helm3, helm3, helm4].entries()) {
      // helm 3 stamps the packaging time in seconds: a second apart, the same chart gives other bytes.
      if (index === 1) await delay(1_100);
      const out = join(dir, String(index));
      await execa(helm.path, ['package', chart, '--destination', out], { env: isolatedHelmEnv(join(dir, 'home')) });
      archives.push(await readFile(join(out, 'telemetry-viewer-0.1.0.tgz')));
    }
    const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
    expect(sha(archives[0]!), 'helm 3 package is not byte-for-byte repeatable (why the digest is over the contents)').not.toBe(sha(archives[1]!));
    const digests = archives.map((archive) => archiveContentDigest(archive).digest);
    expect(new Set(digests).size).toBe(1);

    // The recipe the evidence gives, run with the real tools.
    const extracted = join(dir, 'x');
    await mkdir(extracted);
    await writeFile(join(dir, 'chart.tgz'), archives[0]!);
    await execa('tar', ['-xzf', join(dir, 'chart.tgz'), '-C', extracted]);
    const listing = await execa('sh', ['-c', 'find . -type f | sed "s|^\\./||" | LC_ALL=C sort | xargs -d "\\n" sha256sum | sha256sum'], { cwd: extracted });
    expect(`sha256:${String(listing.stdout).split(' ')[0]}`).toBe(digests[0]);
    expect(archiveContentDigest(archives[0]!).files.map((file) => file.path)).toContain('telemetry-viewer/templates/deployment.yaml');
  });
});

describe('usage errors: exit 2, nothing written', () => {
  const chart = join(repoRoot, 'charts', 'telemetry-viewer');
  it.each([
    ['--evidence names a file', (dir: string) => ['--evidence', join(dir, 'a-file')], /--evidence .*is a file/],
    ['--evidence has a missing parent', (dir: string) => ['--evidence', join(dir, 'missing', 'evidence')], /--evidence .*parent directory .* does not exist/],
    ['--evidence is inside the chart under test', () => ['--evidence', join(chart, 'evidence')], /--evidence .*inside the chart under test/],
    ['--date is not a date', (dir: string) => ['--evidence', join(dir, 'out'), '--date', '2025-02-30'], /invalid --date "2025-02-30": must be a calendar date YYYY-MM-DD/],
    ['--date has another format', (dir: string) => ['--evidence', join(dir, 'out'), '--date', '1 May 2025'], /invalid --date "1 May 2025"/],
    ['--date without --evidence', () => ['--date', '2025-05-01'], /--date .*goes with --evidence/],
  ])('%s', async (_name, args, message) => {
    const dir = await mkdtemp(join(work, 'usage-'));
    await writeFile(join(dir, 'a-file'), 'kept\n');
    const before = readdirSync(dir).sort();
    const result = await runCli(['test', chart, '--helm', helm4.path, ...args(dir)]);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(await readFile(join(dir, 'a-file'), 'utf8')).toBe('kept\n');
    expect(existsSync(join(chart, 'evidence'))).toBe(false);
  });
});

describe('reproducible', () => {
  it('two runs of the same chart in different directories, a second apart with helm 3, give the same bytes', async () => {
    const runs = [];
    for (const index of [0, 1]) {
      if (index === 1) await delay(1_100);
      const dir = await exampleCopy(`repro-${index}`);
      runs.push(await runWithEvidence(dir, ['charts/telemetry-viewer', '--helm', helm3.path, '--date', '2025-06-30'], 'out'));
    }
    const [first, second] = runs as [Awaited<ReturnType<typeof runWithEvidence>>, Awaited<ReturnType<typeof runWithEvidence>>];
    expect(first.exitCode).toBe(0);
    expect(second.json).toBe(first.json);
    expect(second.markdown).toBe(first.markdown);
    expectValid(first.evidence);
    expect(first.evidence.date).toBe('2025-06-30');
    expect(first.markdown).toContain('on 2025-06-30');
    // No absolute path, temporary directory or time of day in either file.
    for (const text of [first.json, first.markdown]) {
      expect(text).not.toContain(work);
      expect(text).not.toContain(tmpdir());
      expect(text).not.toMatch(/\d{2}:\d{2}:\d{2}|durationMs/);
    }
  });

  it('without --date the record is undated and says so', async () => {
    const dir = await exampleCopy('undated');
    const run = await runWithEvidence(dir, ['charts/telemetry-viewer', '--helm', helm4.path, '--values', 'values.yaml', '--kube-version', '1.35'], 'out');
    expect(run.evidence.date).toBeUndefined();
    expect(run.markdown).toContain('undated: no --date was given');
    expect(run.evidence.settings.valuesFilter).toEqual(['values.yaml']);
    expect(run.evidence.settings.kubeVersions).toEqual(['1.35']);
    expect(run.evidence.charts[0]!.verification.valuesSets).toEqual([[]]);
    expectValid(run.evidence);
  });
});

describe('a chart with exemptions', () => {
  // A small class C test chart of this test's own: one exemption with a justification long
  // enough for class C, one too short, and one rule broken without an exemption.
  const deployment = (name: string, justification: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': '{{ .Release.Name }}' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': '{{ .Release.Name }}' }, annotations: { 'chartwright.io/exempt.read-only-root-filesystem': justification } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name,
              image: 'registry.example.com/vendor/legacy@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: { drop: ['ALL'] } },
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
              livenessProbe: { httpGet: { path: '/live', port: 8080 } },
              readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
            },
          ],
        },
      },
    },
  });

  it('lists each exemption with rule, object, file and justification, and a short one as a finding', async () => {
    const dir = await mkdtemp(join(work, 'exempt-'));
    const chart = join(dir, 'legacy-bridge');
    await mkdir(join(chart, 'templates'), { recursive: true });
    await writeFile(join(chart, 'Chart.yaml'), stringify({ apiVersion: 'v2', name: 'legacy-bridge', version: '1.2.3', appVersion: '4.5.6', annotations: { 'chartwright.io/iec62304-class': 'C' } }));
    await writeFile(join(chart, 'values.yaml'), '{}\n');
    await writeFile(join(chart, 'templates', 'bridge.yaml'), stringify(deployment('bridge', 'the vendor binary unpacks its plugins under /opt at start')));
    await writeFile(join(chart, 'templates', 'relay.yaml'), stringify(deployment('relay', 'vendor needs')));
    const run = await runWithEvidence(dir, ['legacy-bridge', '--helm', helm4.path, '--kube-version', '1.35'], 'out');
    expectValid(run.evidence);
    const evidence = run.evidence.charts[0]!;
    expect(evidence.safetyClass.source).toBe('annotation');
    expect(evidence.exemptions).toEqual([
      {
        rule: 'read-only-root-filesystem',
        object: 'Deployment/bridge',
        file: 'templates/bridge.yaml',
        justification: 'the vendor binary unpacks its plugins under /opt at start',
        severity: 'error',
        hazard: POLICY_RULES.find((rule) => rule.id === 'read-only-root-filesystem')!.hazard,
      },
    ]);
    const control = evidence.riskControls.find((candidate) => candidate.rule === 'read-only-root-filesystem')!;
    // The short justification does not exempt relay at class C: findings, not a quiet pass.
    expect(control.outcome).toBe('findings');
    expect(control.exempted).toEqual(['Deployment/bridge']);
    const relay = evidence.verification.findings.filter((finding) => finding.object === 'Deployment/relay' && finding.rule === 'read-only-root-filesystem');
    expect(relay.map((finding) => finding.message).join('\n')).toMatch(/needs a written justification \(at class C at least 5 words/);
    expect(evidence.safetyClass.effect.justificationMinimum).toEqual({ words: 5, characters: 20 });
    expect(run.markdown).toContain('| `read-only-root-filesystem` | `Deployment/bridge` | `templates/bridge.yaml` | error |');
    expect(run.markdown).toContain('the vendor binary unpacks its plugins under /opt at start');
    const image = evidence.soup.images.find((candidate) => candidate.repository === 'registry.example.com/vendor/legacy')!;
    expect(image.digest).toBe('sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef');
    expect(image.tag).toBeUndefined();
    expect(run.exitCode).toBe(1);
    expect(run.evidence.result).toEqual({ charts: 1, failedCharts: ['legacy-bridge'], passed: false });
  });
});

describe('a finding that holds at several minors', () => {
  // A chart of this test's own: a ConfigMap with a field no schema has, reported "of Kubernetes
  // 1.35" and "of Kubernetes 1.36" by the schema stage and merged into one finding.
  it('is one finding, and every stage that found it names its id', async () => {
    const dir = await mkdtemp(join(work, 'minors-'));
    const chart = join(dir, 'settings');
    await mkdir(join(chart, 'templates'), { recursive: true });
    await writeFile(join(chart, 'Chart.yaml'), stringify({ apiVersion: 'v2', name: 'settings', version: '0.1.0', annotations: { 'chartwright.io/iec62304-class': 'A' } }));
    await writeFile(join(chart, 'values.yaml'), '{}\n');
    await writeFile(join(chart, 'templates', 'settings.yaml'), stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'on' }, colour: 'blue' }));
    const run = await runWithEvidence(dir, ['settings', '--helm', helm4.path, '--kube-version', '1.35,1.36'], 'out');
    expectValid(run.evidence);
    const { verification } = run.evidence.charts[0]!;
    const unknown = verification.findings.filter((finding) => finding.stage === 'schema' && finding.message.includes('colour'));
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.message).toContain('of Kubernetes 1.35 and 1.36');
    const ids = new Set(verification.findings.map((finding) => finding.id));
    const schemaStages = verification.stages.filter((stage) => stage.stage === 'schema');
    expect(schemaStages.map((stage) => stage.kubeVersion)).toEqual(['1.35', '1.36']);
    for (const stage of verification.stages) for (const id of stage.findings) expect(ids.has(id), `${stage.stage} ${stage.kubeVersion ?? ''}: ${String(id)}`).toBe(true);
    for (const stage of schemaStages) expect(stage.findings).toContain(unknown[0]!.id);
  });
});

describe('a chart whose dependency cannot be fetched', () => {
  it('says there is no digest and why, lists the dependency as missing, and fails', async () => {
    const dir = await mkdtemp(join(work, 'missing-'));
    const chart = join(dir, 'orphan');
    await mkdir(join(chart, 'templates'), { recursive: true });
    // Nothing listens on port 1 of loopback: the fetch fails at once, with no network involved.
    await writeFile(
      join(chart, 'Chart.yaml'),
      stringify({ apiVersion: 'v2', name: 'orphan', version: '0.0.1', dependencies: [{ name: 'valkey', version: '0.9.4', repository: 'oci://127.0.0.1:1/charts' }] }),
    );
    await writeFile(join(chart, 'values.yaml'), '{}\n');
    const run = await runWithEvidence(dir, ['orphan', '--helm', helm4.path, '--kube-version', '1.35'], 'out');
    expectValid(run.evidence);
    expect(run.exitCode).toBe(1);
    const evidence = run.evidence.charts[0]!;
    expect(evidence.package.digest).toBeUndefined();
    expect(evidence.package.error).toMatch(/^helm package failed: .*valkey/);
    expect(evidence.package.error).not.toContain(dir);
    expect(evidence.soup.subcharts).toEqual([
      expect.objectContaining({ name: 'valkey', version: '0.9.4', present: false, pinnedExactly: true, declared: { repository: 'oci://127.0.0.1:1/charts', version: '0.9.4' } }),
    ]);
    expect(evidence.soup.notes.join('\n')).toMatch(/missing from charts\//);
    // The stages that needed the subchart say they were skipped; every rule says it was not run.
    expect(evidence.verification.stages.filter((stage) => stage.stage === 'policy').map((stage) => stage.status)).toEqual(['skipped']);
    expect(new Set(evidence.riskControls.map((control) => control.outcome))).toEqual(new Set(['not-run']));
    expect(evidence.riskControls[0]!.notRunFor).toEqual([{ valuesFiles: [], kubeVersion: '1.35' }]);
    expect(run.markdown).toContain('| Package digest | none: helm package failed');
    expect(run.markdown).toContain('**not run**');
  });
});

describe.skipIf(!registry.ok)('with subcharts from a loopback registry', () => {
  let server: Registry | undefined;
  const evidenceOf = new Map<string, Evidence>();

  beforeAll(async () => {
    server = await startRegistry();
    await pushReproducibleFixtureCharts(helm4.path, server.url, isolatedHelmEnv(join(work, 'push-home')));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each(EXAMPLES)('example chart %s: the evidence is the reviewed golden file', async (name) => {
    const dir = await exampleCopy(name);
    const run = await runWithEvidence(dir, [`charts/${name}`, '--helm', helm4.path, '--mirror', server!.url], 'out');
    expectValid(run.evidence);
    expect(run.exitCode, run.stderr).toBe(run.evidence.result.passed ? 0 : 1);
    evidenceOf.set(name, run.evidence);
    await expectGolden(`${name}.evidence.json`, run.json);
    await expectGolden(`${name}.evidence.md`, run.markdown);
  });

  it('one run over every example chart holds each chart exactly as its own run does', async () => {
    const dir = await exampleCopy('all');
    const run = await runWithEvidence(dir, ['--all', 'charts', '--helm', helm4.path, '--mirror', server!.url], 'out');
    expectValid(run.evidence);
    expect(run.evidence.charts.map((chart) => chart.name)).toEqual(EXAMPLES);
    for (const chart of run.evidence.charts) {
      const alone = JSON.parse(await readFile(join(GOLDEN_DIR, `${chart.name}.evidence.json`), 'utf8')) as Evidence;
      expect(chart).toEqual(alone.charts[0]);
    }
    expect(run.markdown.match(/^## Chart /gm)).toHaveLength(EXAMPLES.length);
  });

  it.each(EXAMPLES)('example chart %s: the chart README holds the SOUP the evidence finds', async (name) => {
    const evidence = evidenceOf.get(name);
    expect(evidence, 'the golden test of this chart ran first').toBeDefined();
    const chart = evidence!.charts[0]!;
    const { answers } = await readSavedAnswers(join(repoRoot, 'charts', name));
    const readme = await readFile(join(repoRoot, 'charts', name, 'README.md'), 'utf8');
    const catalogue = soupOf(answers);
    // Every subchart and third-party image the renders show is in the README's SOUP table...
    for (const subchart of chart.soup.subcharts.filter((item) => !item.parent)) {
      expect(catalogue.some((item) => item.kind === 'subchart' && item.name === subchart.name && item.version === subchart.version), `subchart ${subchart.name}`).toBe(true);
      expect(readme).toContain(`| \`${subchart.name}\` | subchart | ${subchart.version} |`);
    }
    for (const image of chart.soup.images) {
      if (image.role === 'software-item') {
        expect(image.reference).toBe(`${answers.image.repository}:${answers.image.tag}`);
        continue;
      }
      const item = catalogue.find((candidate) => candidate.kind === 'image' && normaliseRepository(candidate.name) === image.repository);
      expect(item, `image ${image.reference} of ${name} is in the README's SOUP table`).toBeDefined();
      expect(image.catalogue?.maintenance).toBe(item!.maintenance);
      expect(readme).toContain(`| \`${item!.name}\` | image |`);
    }
    // ...and the README names nothing the chart does not run or need.
    for (const item of catalogue) {
      const found =
        item.kind === 'subchart'
          ? chart.soup.subcharts.some((subchart) => subchart.name === item.name)
          : item.kind === 'image'
            ? chart.soup.images.some((image) => image.repository === normaliseRepository(item.name))
            : chart.soup.prerequisites.some((prerequisite) => prerequisite.name === item.name);
      expect(found, `README SOUP item ${item.kind} ${item.name} of ${name}`).toBe(true);
    }
    // The class rationale of the README is the evidence's.
    expect(readme).toContain(`Class ${chart.safetyClass.class}: ${chart.safetyClass.meaning}.`);
  });

  it('a chart chartwright did not generate: helm create output with a packaged and an unpacked subchart, one nested', async () => {
    const dir = await mkdtemp(join(work, 'foreign-'));
    const env = isolatedHelmEnv(join(dir, 'home'));
    await execa(helm4.path, ['create', 'acme-api'], { cwd: dir, env });
    const chart = join(dir, 'acme-api');
    await mkdir(join(chart, 'charts'), { recursive: true });
    await packageFixtureChart(helm4.path, 'valkey', join(chart, 'charts'), env);
    // An unpacked subchart of the chart's own, with the PostgreSQL stand-in packaged inside it.
    const audit = join(chart, 'charts', 'audit-log');
    await mkdir(join(audit, 'charts'), { recursive: true });
    await writeFile(
      join(audit, 'Chart.yaml'),
      stringify({
        apiVersion: 'v2',
        name: 'audit-log',
        version: '1.0.0',
        description: 'Test stand-in: an unpacked subchart with a packaged subchart of its own',
        maintainers: [{ name: 'Acme Audit Team', email: 'audit@acme.example' }],
        dependencies: [{ name: 'postgresql', version: '16.7.27', repository: 'oci://registry-1.docker.io/bitnamicharts' }],
      }),
    );
    await writeFile(join(audit, 'values.yaml'), '{}\n');
    await packageFixtureChart(helm4.path, 'postgresql', join(audit, 'charts'), env);
    const chartYaml = await readFile(join(chart, 'Chart.yaml'), 'utf8');
    await writeFile(
      join(chart, 'Chart.yaml'),
      `${chartYaml}dependencies:\n  - name: valkey\n    version: "~0.9.0"\n    repository: https://valkey.io/valkey-helm/\n  - name: audit-log\n    version: "1.0.0"\n    repository: file://charts/audit-log\n`,
    );
    const run = await runWithEvidence(dir, ['acme-api', '--helm', helm4.path], 'out');
    expectValid(run.evidence);
    const evidence = run.evidence.charts[0]!;
    expect(evidence.generatorVersion).toBeUndefined();
    expect(evidence.safetyClass.source).toBe('unclassified');
    expect(evidence.safetyClass.statement).toMatch(/^unclassified: treated as C/);
    expect(evidence.soup.notes.join('\n')).toMatch(/cannot tell the chart's own image from third-party ones/);
    expect(evidence.soup.subcharts.map((subchart) => [subchart.path, subchart.name, subchart.pinnedExactly, subchart.parent ?? ''])).toEqual([
      ['charts/audit-log', 'audit-log', true, ''],
      ['charts/audit-log/charts/postgresql-16.7.27.tgz', 'postgresql', true, 'audit-log'],
      ['charts/valkey-0.9.4.tgz', 'valkey', false, ''],
    ]);
    const valkey = evidence.soup.subcharts.find((subchart) => subchart.name === 'valkey')!;
    expect(valkey.sha256).toBe(createHash('sha256').update(await readFile(join(chart, 'charts', 'valkey-0.9.4.tgz'))).digest('hex'));
    expect(valkey.catalogue?.supplier).toBe('Valkey project (Linux Foundation)');
    const postgresql = evidence.soup.subcharts.find((subchart) => subchart.name === 'postgresql')!;
    expect(postgresql.catalogue?.maintained).toBe(false);
    expect(evidence.soup.subcharts.find((subchart) => subchart.name === 'audit-log')!.maintainers).toEqual([{ name: 'Acme Audit Team', email: 'audit@acme.example' }]);
    const references = evidence.soup.images.map((image) => image.reference);
    expect(references).toContain('busybox'); // helm create's test hook, untagged
    const busybox = evidence.soup.images.find((image) => image.reference === 'busybox')!;
    expect(busybox).toMatchObject({ repository: 'docker.io/library/busybox', role: 'soup' });
    expect(busybox.tag).toBeUndefined();
    expect(busybox.usedBy.every((use) => use.hook === 'test')).toBe(true);
    const legacy = evidence.soup.images.find((image) => image.repository === 'docker.io/bitnamilegacy/postgresql')!;
    expect(legacy.catalogue?.maintenance).toMatch(/frozen legacy copy/);
    expect(legacy.usedBy[0]!.file).toMatch(/^charts\/audit-log\/charts\/postgresql\//);
    expect(run.markdown).toContain('Unclassified: treated as C');
    await expectGolden('acme-api.evidence.json', run.json);
    await expectGolden('acme-api.evidence.md', run.markdown);
  });
});
