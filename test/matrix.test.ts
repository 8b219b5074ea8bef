// Generates a pairwise-covering set of charts (class x dependencies x optional parts), runs the
// real verify pipeline on each with helm 3 and helm 4 against a loopback OCI mirror, and checks
// the rendered manifests against the IEC 62304 class table. No mocks: real helm, real registry.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { collectAnswers } from '../src/answers/collect.js';
import type { Answers } from '../src/answers/fields.js';
import { loadChartTemplates, planChart } from '../src/chart/plan.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../src/paths.js';
import { detectHelm, HelmRunner } from '../src/tools/helm.js';
import { verifyChart } from '../src/stages/verify.js';
import type { StageResult } from '../src/verify/findings.js';
import { writeChartAtomically } from '../src/write/atomic.js';
import { pushFixtureCharts, registryAvailable, startRegistry, type Registry } from './support/registry.js';
import { helmBinaries, isolatedHelmEnv, type HelmBinary } from './support/tools.js';

type Cls = 'A' | 'B' | 'C';
type Provider = 'none' | 'in' | 'ext';
interface Case {
  cls: Cls;
  pg: Provider;
  redis: Provider;
  all: boolean;
}

// Pairwise over class x postgresql provider x redis provider x optional parts, restricted to the
// six dependency combinations in scope (none, pg-in, pg-ext, redis-in, both in, both ext). Every
// class meets every provider of each dependency and both option sets; every dependency
// combination appears; every provider meets both option sets. The first two rows are the
// mandatory class A minimal and class C with everything.
const CASES: Case[] = [
  { cls: 'A', pg: 'none', redis: 'none', all: false },
  { cls: 'C', pg: 'in', redis: 'in', all: true },
  { cls: 'A', pg: 'in', redis: 'in', all: true },
  { cls: 'A', pg: 'ext', redis: 'ext', all: true },
  { cls: 'A', pg: 'ext', redis: 'none', all: false },
  { cls: 'B', pg: 'none', redis: 'in', all: true },
  { cls: 'B', pg: 'in', redis: 'none', all: false },
  { cls: 'B', pg: 'ext', redis: 'ext', all: false },
  { cls: 'B', pg: 'none', redis: 'none', all: true },
  { cls: 'B', pg: 'in', redis: 'in', all: false },
  { cls: 'C', pg: 'ext', redis: 'ext', all: false },
  { cls: 'C', pg: 'none', redis: 'in', all: false },
  { cls: 'C', pg: 'in', redis: 'none', all: true },
  { cls: 'C', pg: 'ext', redis: 'none', all: true },
];

const caseName = (c: Case) => `m-${c.cls.toLowerCase()}-pg-${c.pg}-redis-${c.redis}-${c.all ? 'all' : 'min'}`;
// What verifyChart finds in a generated chart: the ci/ copies have the same content and are not tested again.
const VALUES_SETS = [[], ['values-dev.yaml'], ['values-prod.yaml']];
const RELEASE = 'rel';

// The class table, written out here independently of src/chart/availability.ts.
const CLASS_TABLE: Record<Cls, { replicas: { dev: number; prod: number }; prodHpa: boolean; devPdb: boolean; spread: string; defaultDeny: boolean }> = {
  A: { replicas: { dev: 1, prod: 2 }, prodHpa: false, devPdb: false, spread: 'ScheduleAnyway', defaultDeny: false },
  B: { replicas: { dev: 1, prod: 2 }, prodHpa: true, devPdb: true, spread: 'ScheduleAnyway', defaultDeny: false },
  C: { replicas: { dev: 1, prod: 3 }, prodHpa: true, devPdb: true, spread: 'DoNotSchedule', defaultDeny: true },
};

// Keys Helm knows in a v2 Chart.yaml (and in its dependency and maintainer entries).
const CHART_KEYS = [
  'apiVersion', 'name', 'version', 'kubeVersion', 'description', 'type', 'keywords', 'home', 'sources',
  'dependencies', 'maintainers', 'icon', 'appVersion', 'deprecated', 'annotations',
];
const DEPENDENCY_KEYS = ['name', 'version', 'repository', 'condition', 'tags', 'import-values', 'alias'];
const MAINTAINER_KEYS = ['name', 'email', 'url'];
const PINNED = { postgresql: { chart: 'postgresql', version: '16.7.27' }, redis: { chart: 'valkey', version: '0.9.4' } } as const;

async function answersFor(c: Case): Promise<Answers> {
  const dependencies = [c.pg !== 'none' ? 'postgresql' : '', c.redis !== 'none' ? 'redis' : ''].filter(Boolean).join(',') || 'none';
  const flags: Record<string, unknown> = {
    name: caseName(c),
    safetyClass: c.cls,
    dependencies,
    ingress: c.all,
    persistence: c.all,
    serviceMonitor: c.all,
  };
  if (c.pg !== 'none') flags.postgresqlProvider = c.pg === 'in' ? 'in-cluster' : 'external';
  if (c.redis !== 'none') flags.redisProvider = c.redis === 'in' ? 'in-cluster' : 'external';
  if (c.all) Object.assign(flags, { ingressTls: true, ingressControllerNamespace: 'ingress-nginx' });
  // The backup CronJob is only allowed with in-cluster PostgreSQL.
  if (c.all && c.pg === 'in') flags.backup = true;
  return collectAnswers({ flags, yes: true });
}

interface Manifest {
  source: string;
  kind: string;
  apiVersion: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  [key: string]: any;
}

function parseManifests(stdout: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const doc of parseAllDocuments(stdout)) {
    expect(doc.errors, 'rendered YAML parses').toEqual([]);
    const value = doc.toJS() as Manifest | null;
    if (!value) continue;
    // After `---`, the yaml parser attaches helm's `# Source:` comment to the contents.
    const comment = `${doc.commentBefore ?? ''}\n${(doc.contents as { commentBefore?: string } | null)?.commentBefore ?? ''}`;
    const source = /Source: (\S+)/.exec(comment)?.[1] ?? '';
    manifests.push({ ...value, source });
  }
  return manifests;
}

const isSubset = (small: Record<string, string>, big: Record<string, string> | undefined) =>
  Object.entries(small).every(([key, value]) => big?.[key] === value);

function imageTag(image: string): string {
  const withoutDigest = image.split('@')[0] ?? '';
  const last = withoutDigest.split('/').pop() ?? '';
  return last.includes(':') ? last.slice(last.lastIndexOf(':') + 1) : '';
}

function formatFindings(results: StageResult[]): string {
  return results
    .filter((result) => result.status !== 'passed')
    .map((result) => {
      const findings = result.findings.map((f) => `    ${f.severity} ${f.file ?? ''}${f.line ? `:${f.line}` : ''} ${f.message}`).join('\n');
      return `  ${result.stage} [${result.valuesFiles.join(', ') || 'values.yaml'}] ${result.status}${result.reason ? ` (${result.reason})` : ''}\n${findings}`;
    })
    .join('\n');
}

const availability = registryAvailable();
if (!availability.ok) console.warn(`skipping the chart matrix: ${availability.reason}`);

describe.skipIf(!availability.ok)('chart matrix', () => {
  const helms = helmBinaries();
  const templates = loadChartTemplates(CHART_TEMPLATES_DIR);
  let registry: Registry | undefined;
  let work = '';

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chartwright-matrix-'));
    registry = await startRegistry();
    const helm4 = helms.find((helm) => helm.label === 'helm4')!;
    await pushFixtureCharts(helm4.path, registry.url, isolatedHelmEnv(join(work, 'push-home')));
  });
  afterAll(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the case list is pairwise-covering', () => {
    const seen = (f: (c: Case) => string) => new Set(CASES.map(f));
    for (const cls of ['A', 'B', 'C']) {
      for (const p of ['none', 'in', 'ext']) {
        expect(seen((c) => `${c.cls}/${c.pg}`).has(`${cls}/${p}`), `class ${cls} with postgresql ${p}`).toBe(true);
        expect(seen((c) => `${c.cls}/${c.redis}`).has(`${cls}/${p}`), `class ${cls} with redis ${p}`).toBe(true);
      }
      for (const all of [true, false]) expect(seen((c) => `${c.cls}/${c.all}`).has(`${cls}/${all}`)).toBe(true);
    }
    for (const combo of ['none/none', 'in/none', 'ext/none', 'none/in', 'in/in', 'ext/ext']) {
      expect(seen((c) => `${c.pg}/${c.redis}`).has(combo), combo).toBe(true);
    }
    for (const p of ['none', 'in', 'ext']) {
      for (const all of [true, false]) {
        expect(seen((c) => `${c.pg}/${c.all}`).has(`${p}/${all}`)).toBe(true);
        expect(seen((c) => `${c.redis}/${c.all}`).has(`${p}/${all}`)).toBe(true);
      }
    }
  });

  for (const binary of helms) {
    describe(`${binary.label}`, () => {
      let runner: HelmRunner | undefined;
      beforeAll(async () => {
        runner = new HelmRunner(await detectHelm(binary.path));
      });
      afterAll(async () => {
        await runner?.dispose();
      });

      for (const c of CASES) {
        describe(caseName(c), () => {
          let chartDir = '';
          let answers: Answers;
          let results: StageResult[] = [];
          beforeAll(async () => {
            answers = await answersFor(c);
            const files = planChart(answers, { generatorVersion: GENERATOR_VERSION, templates });
            // One directory per helm, so each helm fetches the dependencies itself.
            chartDir = join(work, binary.label, caseName(c));
            await writeChartAtomically(chartDir, files, { force: false });
            const report = await verifyChart({ helm: runner!, chartDir, mirror: { url: registry!.url, plainHttp: true } });
            results = report.charts[0]!.stages;
            expect(report.charts[0]!.duplicates.map((duplicate) => duplicate.file).sort()).toEqual(['ci/dev-values.yaml', 'ci/prod-values.yaml']);
          });

          it('passes every verify stage', () => {
            const key = (r: StageResult) => `${r.stage}:${r.valuesFiles.join(',')}`;
            const required = ['files:', 'dependencies:', 'placeholders:', ...VALUES_SETS.flatMap((set) => ['lint', 'template', 'schema', 'policy'].map((stage) => `${stage}:${set.join(',')}`))];
            expect(new Set(results.map(key))).toEqual(new Set(required));
            // Every static stage passes for every values set and every default minor, but for
            // policy errors on objects of the stand-in subcharts (SOUP, counted apart).
            const bad = results.filter((r) => r.status !== 'passed' && !(r.stage === 'policy' && r.findings.every((f) => f.severity !== 'error' || f.file?.startsWith('charts/'))));
            expect(bad.map(key), `stages did not pass:\n${formatFindings(results)}`).toEqual([]);
          });

          it('Chart.yaml pins dependencies and records class and generator version', () => {
            const chart = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, any>;
            expect(Object.keys(chart).filter((key) => !CHART_KEYS.includes(key))).toEqual([]);
            expect(chart.apiVersion).toBe('v2');
            expect(chart.annotations).toEqual({
              'chartwright.io/iec62304-class': c.cls,
              'chartwright.io/generator-version': GENERATOR_VERSION,
            });
            for (const maintainer of chart.maintainers ?? []) {
              expect(Object.keys(maintainer).filter((key) => !MAINTAINER_KEYS.includes(key))).toEqual([]);
            }
            const expected = [
              ...(c.pg === 'in' ? [PINNED.postgresql] : []),
              ...(c.redis === 'in' ? [PINNED.redis] : []),
            ];
            const deps = (chart.dependencies ?? []) as Record<string, unknown>[];
            expect(deps.map((dep) => dep.name)).toEqual(expected.map((dep) => dep.chart));
            for (const dep of deps) {
              expect(Object.keys(dep).filter((key) => !DEPENDENCY_KEYS.includes(key))).toEqual([]);
              const pinned = expected.find((e) => e.chart === dep.name)!;
              // An exact version, not a range: semver.valid rejects "^1.2.3" or "16.x".
              expect(semver.valid(String(dep.version)), `${String(dep.name)} version ${String(dep.version)}`).toBe(pinned.version);
              expect(dep.condition).toBe(`${String(dep.name)}.enabled`);
              expect(String(dep.repository)).toMatch(/^(oci|https):\/\//);
            }
          });

          it('renders the class table and the hardening in dev and prod', async () => {
            expect(results.find((r) => r.stage === 'dependencies')?.status, 'dependencies must be present to render').toBe('passed');
            const render = async (valuesFile: string, withMonitoring: boolean) => {
              const args = ['template', RELEASE, chartDir, '--values', join(chartDir, valuesFile)];
              if (withMonitoring) args.push('--api-versions', 'monitoring.coreos.com/v1');
              const res = await execa(binary.path, args, { env: isolatedHelmEnv(join(work, `${binary.label}-home`)), reject: false, stdin: 'ignore' });
              expect(res.exitCode, `helm template -f ${valuesFile}:\n${res.stderr}`).toBe(0);
              return parseManifests(res.stdout);
            };
            const dev = await render('values-dev.yaml', true);
            const prod = await render('values-prod.yaml', true);
            const prodWithoutMonitoring = await render('values-prod.yaml', false);
            checkClassTable(c, answers, binary, { dev, prod, prodWithoutMonitoring });
          });
        });
      }
    });
  }
});

function checkClassTable(
  c: Case,
  answers: Answers,
  binary: HelmBinary,
  rendered: { dev: Manifest[]; prod: Manifest[]; prodWithoutMonitoring: Manifest[] },
) {
  const row = CLASS_TABLE[c.cls];
  const chart = answers.name;
  const fullname = `${RELEASE}-${chart}`;
  const own = (manifests: Manifest[]) => manifests.filter((m) => m.source.startsWith(`${chart}/templates/`));
  const one = (manifests: Manifest[], kind: string, name = fullname) => {
    const found = own(manifests).filter((m) => m.kind === kind && m.metadata.name === name);
    expect(found, `${binary.label}: exactly one ${kind} ${name}`).toHaveLength(1);
    return found[0]!;
  };
  const none = (manifests: Manifest[], kind: string, env: string) =>
    expect(own(manifests).filter((m) => m.kind === kind).map((m) => m.metadata.name), `${kind} in ${env}`).toEqual([]);

  for (const env of ['dev', 'prod'] as const) {
    const manifests = rendered[env];
    const where = `${chart} ${env} (${binary.label})`;
    const deployment = one(manifests, 'Deployment');
    const podSpec = deployment.spec.template.spec;
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    const hpaOn = env === 'prod' && row.prodHpa;

    // Replicas, or the HPA in their place.
    if (hpaOn) {
      expect(deployment.spec.replicas, `${where}: replicas absent under HPA`).toBeUndefined();
      const hpa = one(manifests, 'HorizontalPodAutoscaler');
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.minReplicas, where).toBe(row.replicas.prod);
      expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: fullname });
      expect(hpa.spec.behavior?.scaleUp, `${where}: HPA behavior.scaleUp`).toBeTruthy();
      expect(hpa.spec.behavior?.scaleDown, `${where}: HPA behavior.scaleDown`).toBeTruthy();
    } else {
      expect(deployment.spec.replicas, `${where}: replicas`).toBe(row.replicas[env]);
      none(manifests, 'HorizontalPodAutoscaler', where);
    }

    // PodDisruptionBudget.
    const pdbWanted = env === 'prod' || row.devPdb;
    if (pdbWanted) {
      const pdb = one(manifests, 'PodDisruptionBudget');
      expect(pdb.apiVersion).toBe('policy/v1');
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      const set = ['minAvailable', 'maxUnavailable'].filter((key) => pdb.spec[key] !== undefined);
      expect(set, `${where}: exactly one of minAvailable/maxUnavailable`).toHaveLength(1);
      if (c.cls === 'C') {
        expect(pdb.spec.maxUnavailable, where).toBe(1);
        expect(pdb.spec.minAvailable).toBeUndefined();
      }
    } else {
      none(manifests, 'PodDisruptionBudget', where);
    }

    // Spreading: prod only, preferred for A/B, required for C.
    const spread = podSpec.topologySpreadConstraints as { whenUnsatisfiable: string; labelSelector: { matchLabels: Record<string, string> } }[] | undefined;
    if (env === 'prod') {
      expect(spread?.map((s) => s.whenUnsatisfiable), where).toEqual([row.spread]);
      expect(spread?.[0]?.labelSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    } else {
      expect(spread, `${where}: no spreading in dev`).toBeUndefined();
    }

    // NetworkPolicies: the allow policy always, the deny-all one only for class C.
    const policies = own(manifests).filter((m) => m.kind === 'NetworkPolicy');
    // Plus one for the helm test pod and one for the backup job.
    const expectedPolicies = [fullname, `${fullname}-test`, ...(row.defaultDeny ? [`${fullname}-default-deny`] : []), ...(answers.backup ? [`${fullname}-backup`] : [])];
    expect(policies.map((p) => p.metadata.name).sort(), where).toEqual(expectedPolicies.sort());
    for (const policy of policies) expect(policy.apiVersion).toBe('networking.k8s.io/v1');
    const allow = policies.find((p) => p.metadata.name === fullname)!;
    if (answers.backup) {
      // The backup pods: DNS and the database port, nothing else.
      const backup = policies.find((p) => p.metadata.name === `${fullname}-backup`)!;
      const ports = (backup.spec.egress as { ports?: { port: number }[] }[]).flatMap((rule) => (rule.ports ?? []).map((p) => Number(p.port)));
      expect([...new Set(ports)].sort(), where).toEqual([53, 5432]);
    }
    expect(allow.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const egressPorts = new Set<number>(
      (allow.spec.egress as { ports?: { port: number | string }[] }[]).flatMap((rule) => (rule.ports ?? []).map((p) => Number(p.port))),
    );
    expect(egressPorts.has(53), `${where}: DNS egress`).toBe(true);
    expect(egressPorts.has(5432), `${where}: egress to PostgreSQL`).toBe(c.pg !== 'none');
    expect(egressPorts.has(6379), `${where}: egress to Redis`).toBe(c.redis !== 'none');
    if (row.defaultDeny) {
      const deny = policies.find((p) => p.metadata.name === `${fullname}-default-deny`)!;
      expect(deny.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(deny.spec.ingress).toBeUndefined();
      expect(deny.spec.egress).toBeUndefined();
    }

    // Hardening of every pod and container of this chart (subcharts are SOUP, checked elsewhere).
    const workloads: { name: string; podSpec: any; podMeta: any }[] = [
      { name: 'Deployment', podSpec, podMeta: deployment.spec.template.metadata },
      ...own(manifests)
        .filter((m) => m.kind === 'CronJob')
        .map((m) => ({ name: `CronJob ${m.metadata.name}`, podSpec: m.spec.jobTemplate.spec.template.spec, podMeta: m.spec.jobTemplate.spec.template.metadata })),
      ...own(manifests)
        .filter((m) => m.kind === 'Pod')
        .map((m) => ({ name: `Pod ${m.metadata.name}`, podSpec: m.spec, podMeta: m.metadata })),
    ];
    for (const workload of workloads) {
      const w = `${where} ${workload.name}`;
      const pod = workload.podSpec.securityContext ?? {};
      expect(pod.runAsNonRoot, `${w}: pod runAsNonRoot`).toBe(true);
      expect(pod.runAsUser, `${w}: pod runAsUser`).toBeGreaterThan(0);
      expect(pod.runAsGroup, `${w}: pod runAsGroup`).toBeGreaterThan(0);
      expect(pod.seccompProfile?.type, `${w}: pod seccomp`).toBe('RuntimeDefault');
      expect(workload.podSpec.automountServiceAccountToken, `${w}: no API token`).toBe(false);
      const containers = [...(workload.podSpec.initContainers ?? []), ...workload.podSpec.containers];
      expect(containers.length).toBeGreaterThan(0);
      for (const container of containers) {
        const cw = `${w} container ${container.name}`;
        const sc = container.securityContext ?? {};
        expect(sc.runAsNonRoot ?? pod.runAsNonRoot, `${cw}: runAsNonRoot`).toBe(true);
        expect(sc.runAsUser ?? pod.runAsUser, `${cw}: runAsUser`).toBeGreaterThan(0);
        expect(sc.runAsGroup ?? pod.runAsGroup, `${cw}: runAsGroup`).toBeGreaterThan(0);
        expect(sc.readOnlyRootFilesystem, `${cw}: readOnlyRootFilesystem`).toBe(true);
        expect(sc.allowPrivilegeEscalation, `${cw}: allowPrivilegeEscalation`).toBe(false);
        expect(sc.privileged ?? false, `${cw}: privileged`).toBe(false);
        expect(sc.capabilities?.drop, `${cw}: capabilities.drop`).toContain('ALL');
        expect(sc.capabilities?.add ?? [], `${cw}: capabilities.add`).toEqual([]);
        expect((sc.seccompProfile ?? pod.seccompProfile)?.type, `${cw}: seccomp`).toBe('RuntimeDefault');
        for (const kind of ['requests', 'limits']) {
          expect(container.resources?.[kind]?.cpu, `${cw}: ${kind}.cpu`).toBeDefined();
          expect(container.resources?.[kind]?.memory, `${cw}: ${kind}.memory`).toBeDefined();
        }
        const tag = imageTag(String(container.image));
        expect(tag, `${cw}: image ${String(container.image)} has a tag`).not.toBe('');
        expect(tag, `${cw}: image tag`).not.toBe('latest');
      }
    }

    // The app container: three probes on distinct paths, a writable /tmp, scrape annotations.
    const app = podSpec.containers.find((container: { name: string }) => container.name === chart);
    expect(app, `${where}: app container named ${chart}`).toBeDefined();
    const probePaths = ['livenessProbe', 'readinessProbe', 'startupProbe'].map((probe) => app[probe]?.httpGet?.path);
    expect(probePaths.every((path) => typeof path === 'string' && path.startsWith('/')), `${where}: probes ${probePaths}`).toBe(true);
    expect(new Set(probePaths).size, `${where}: probe paths distinct`).toBe(3);
    expect(deployment.spec.template.metadata.annotations?.['prometheus.io/scrape'], where).toBe('true');
    const tmpMount = (app.volumeMounts ?? []).find((mount: { mountPath: string }) => mount.mountPath === '/tmp');
    expect(tmpMount, `${where}: /tmp mounted`).toBeDefined();
    const tmpVolume = (podSpec.volumes ?? []).find((volume: { name: string }) => volume.name === tmpMount.name);
    expect(tmpVolume?.emptyDir, `${where}: /tmp is an emptyDir`).toBeDefined();

    // ServiceAccount without an API token.
    const serviceAccount = one(manifests, 'ServiceAccount');
    expect(serviceAccount.automountServiceAccountToken, where).toBe(false);
    expect(podSpec.serviceAccountName).toBe(serviceAccount.metadata.name);

    // The Service routes to the app pods only: never to the helm test or backup pods.
    const service = one(manifests, 'Service');
    const selector = service.spec.selector as Record<string, string>;
    expect(Object.keys(selector).length, `${where}: Service selector not empty`).toBeGreaterThan(0);
    expect(isSubset(selector, podLabels), `${where}: Service selects the app pods`).toBe(true);
    const testPods = own(manifests).filter((m) => m.kind === 'Pod');
    expect(testPods.length, `${where}: helm test pod rendered`).toBe(1);
    for (const testPod of testPods) {
      expect(isSubset(selector, testPod.metadata.labels), `${where}: Service must not select ${testPod.metadata.name}`).toBe(false);
    }
    const cronJobs = own(manifests).filter((m) => m.kind === 'CronJob');
    expect(cronJobs.length, `${where}: backup CronJob only when asked`).toBe(answers.backup ? 1 : 0);
    for (const cronJob of cronJobs) {
      const labels = cronJob.spec.jobTemplate.spec.template.metadata.labels;
      expect(isSubset(selector, labels), `${where}: Service must not select the backup pods`).toBe(false);
    }

    // The optional parts appear exactly when asked for.
    const ingresses = own(manifests).filter((m) => m.kind === 'Ingress');
    expect(ingresses.length, `${where}: Ingress`).toBe(c.all ? 1 : 0);
    if (c.all) expect(ingresses[0]!.spec.tls?.[0]?.hosts, `${where}: Ingress TLS`).toEqual([answers.ingressHost]);
    const claims = own(manifests).filter((m) => m.kind === 'PersistentVolumeClaim').map((m) => m.metadata.name).sort();
    expect(claims, `${where}: claims`).toEqual([...(answers.backup ? [`${fullname}-backup`] : []), ...(c.all ? [`${fullname}-data`] : [])].sort());
    const monitors = own(manifests).filter((m) => m.kind === 'ServiceMonitor');
    expect(monitors.length, `${where}: ServiceMonitor with monitoring.coreos.com/v1`).toBe(c.all ? 1 : 0);
    for (const monitor of monitors) expect(isSubset(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
  }
  // Without the Prometheus Operator API the ServiceMonitor must not render at all.
  expect(
    rendered.prodWithoutMonitoring.filter((m) => m.kind === 'ServiceMonitor').map((m) => m.metadata.name),
    `${chart}: ServiceMonitor without monitoring.coreos.com/v1 (${binary.label})`,
  ).toEqual([]);
  // Sanity: the render without the API is otherwise the same set of objects.
  const kinds = (manifests: Manifest[]) => manifests.filter((m) => m.kind !== 'ServiceMonitor').map((m) => `${m.kind}/${m.metadata.name}`).sort();
  expect(kinds(rendered.prodWithoutMonitoring)).toEqual(kinds(rendered.prod));
}
