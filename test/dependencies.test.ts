// The dependencies stage with real helm 3/4, through the static stages `chartwright new` and
// `test` share (verifyChart): offline without a mirror (one actionable finding, lint still runs),
// from a loopback OCI mirror (both subcharts fetched, lint passes), and from a wrong mirror path
// (one finding per dependency naming the ref it tried). A failed stage leaves no charts/ behind.
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { collectAnswers } from '../src/answers/collect.js';
import { loadChartTemplates, planChart, type PlannedFile } from '../src/chart/plan.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../src/paths.js';
import { detectHelm, HelmRunner } from '../src/tools/helm.js';
import type { Report } from '../src/report/model.js';
import { verifyChart } from '../src/stages/verify.js';
import type { StageResult } from '../src/verify/findings.js';
import { writeChartAtomically } from '../src/write/atomic.js';
import { pushFixtureCharts, registryAvailable, startRegistry, type Registry } from './support/registry.js';
import { helmBinaries, isolatedHelmEnv } from './support/tools.js';

const POSTGRESQL = { name: 'postgresql', version: '16.7.27', repository: 'oci://registry-1.docker.io/bitnamicharts' };
const VALKEY = { name: 'valkey', version: '0.9.4', repository: 'https://valkey.io/valkey-helm/' };
const TARBALLS = [`${POSTGRESQL.name}-${POSTGRESQL.version}.tgz`, `${VALKEY.name}-${VALKEY.version}.tgz`];
// Generous but finite: offline failures take well under a second; this only stops a hang.
const OFFLINE_TIMEOUT_MS = 60_000;

const describeStage = (results: StageResult[]) =>
  results.map((r) => `${r.stage} [${r.valuesFiles.join(',')}] ${r.status}: ${r.findings.map((f) => f.message).join(' | ')}`).join('\n');
const stagesOf = (report: Report) => report.charts[0]!.stages;
const dependenciesOf = (results: StageResult[]) => results.find((r) => r.stage === 'dependencies')!;
const tarballsIn = (chartDir: string) =>
  existsSync(join(chartDir, 'charts')) ? readdirSync(join(chartDir, 'charts')).filter((f) => f.endsWith('.tgz')).sort() : [];

const availability = registryAvailable();
if (!availability.ok) console.warn(`skipping dependency fetching tests: ${availability.reason}`);

describe.skipIf(!availability.ok)('dependencies stage (postgresql + redis in-cluster)', () => {
  let registry: Registry | undefined;
  let work = '';
  let files: PlannedFile[] = [];
  let counter = 0;
  const freshChart = async (label: string) => {
    const dir = join(work, `${label}-${++counter}`, 'deps-app');
    await writeChartAtomically(dir, files, { force: false });
    return dir;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chartwright-deps-'));
    registry = await startRegistry();
    const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;
    await pushFixtureCharts(helm4.path, registry.url, isolatedHelmEnv(join(work, 'push-home')));
    const answers = await collectAnswers({
      flags: { name: 'deps-app', safetyClass: 'C', dependencies: 'postgresql,redis', postgresqlProvider: 'in-cluster', redisProvider: 'in-cluster' },
      yes: true,
    });
    files = planChart(answers, { generatorVersion: GENERATOR_VERSION, templates: loadChartTemplates(CHART_TEMPLATES_DIR) });
  });
  afterAll(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the chart declares both dependencies at their real repositories', () => {
    const chart = parseYaml(files.find((f) => f.path === 'Chart.yaml')!.content) as { dependencies?: Record<string, unknown>[] };
    expect(chart.dependencies?.map(({ name, version, repository }) => ({ name, version, repository }))).toEqual([POSTGRESQL, VALKEY]);
  });

  for (const binary of helmBinaries()) {
    describe(binary.label, () => {
      let runner: HelmRunner | undefined;
      beforeAll(async () => {
        runner = new HelmRunner(await detectHelm(binary.path));
      });
      afterAll(async () => {
        await runner?.dispose();
      });

      describe('offline, without a mirror', () => {
        // HelmRunner gives helm private config/cache/data homes, but an inherited
        // HELM_REPOSITORY_CONFIG, HELM_REPOSITORY_CACHE or HELM_PLUGINS would still win, and a
        // repository cache could make "offline" succeed: pin every HELM_* path to a temp dir.
        // A dead proxy makes "no network" hold on any host: requests to registry-1.docker.io
        // and valkey.io are refused at once instead of leaving the machine or hanging.
        const saved = new Map<string, string | undefined>();
        const setEnv = (name: string, value: string | undefined) => {
          if (!saved.has(name)) saved.set(name, process.env[name]);
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        };
        beforeEach(() => {
          const isolated = isolatedHelmEnv(join(work, `${binary.label}-offline-home`));
          for (const [name, value] of Object.entries(isolated)) if (name.startsWith('HELM_')) setEnv(name, value);
          for (const name of ['NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']) setEnv(name, undefined);
          for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) setEnv(name, 'http://127.0.0.1:1');
        });
        afterEach(() => {
          for (const [name, value] of saved) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
          }
          saved.clear();
        });

        it(
          'fails with exactly one finding that names the missing dependencies and suggests --mirror',
          async () => {
            const chartDir = await freshChart(`${binary.label}-offline`);
            const results = stagesOf(await verifyChart({ helm: runner!, chartDir }));
            const dependencies = dependenciesOf(results);
            expect(dependencies.status, describeStage(results)).toBe('failed');
            expect(dependencies.findings, describeStage(results)).toHaveLength(1);
            const finding = dependencies.findings[0]!;
            expect(finding.severity).toBe('error');
            expect(finding.file).toBe('Chart.yaml');
            for (const dep of [POSTGRESQL, VALKEY]) {
              expect(finding.message).toContain(`${dep.name} ${dep.version}`);
              expect(finding.message).toContain(dep.repository);
            }
            expect(finding.message).toMatch(/--mirror oci:\/\//);
            // Nothing of helm's private home or repository cache in what the user reads.
            expect(finding.message).not.toMatch(/helm-manager-|chartwright-helm-|<helm cache>/);
            // lint does not need the subcharts: it runs for every values set, and does not say
            // again what the dependencies stage said.
            const lint = results.filter((r) => r.stage === 'lint');
            expect(lint.map((r) => r.valuesFiles.join(','))).toEqual(['', 'values-dev.yaml', 'values-prod.yaml']);
            for (const result of lint) {
              expect(result.status, describeStage(results)).toBe('passed');
              expect(result.findings.filter((f) => /dependenc/.test(f.message))).toEqual([]);
            }
            // What needs the subcharts does not run, and says why.
            const rendering = results.filter((r) => ['template', 'schema', 'policy'].includes(r.stage));
            expect(rendering.length).toBe(3 * 3 * 3);
            for (const result of rendering) {
              expect(result.status, `${result.stage} after a failed dependencies stage`).toBe('skipped');
              expect(result.reason).toBe(result.stage === 'template' ? 'dependencies failed' : 'template skipped');
            }
            // helm dependency build makes charts/ before it fails: nothing is left of it.
            expect(existsSync(join(chartDir, 'charts'))).toBe(false);
          },
          OFFLINE_TIMEOUT_MS,
        );
      });

      describe('from the loopback mirror', () => {
        it('fetches both subcharts, after which helm sees them and lint passes', async () => {
          const chartDir = await freshChart(`${binary.label}-mirror`);
          const results = stagesOf(await verifyChart({ helm: runner!, chartDir, mirror: { url: registry!.url, plainHttp: true } }));
          // Everything up to the rendered objects passes; what policy says of the stand-in
          // subcharts' objects is not this test's subject (see the matrix and corpus tests).
          expect(results.filter((r) => r.status !== 'passed' && r.stage !== 'policy'), describeStage(results)).toEqual([]);
          expect(dependenciesOf(results).findings).toEqual([]);
          expect(tarballsIn(chartDir)).toEqual(TARBALLS);
          const env = isolatedHelmEnv(join(work, `${binary.label}-home`));
          // helm itself must agree the dependencies are satisfied, not only our file check.
          const list = await execa(binary.path, ['dependency', 'list', chartDir], { env, reject: false, stdin: 'ignore' });
          expect(list.exitCode, list.stderr).toBe(0);
          for (const dep of [POSTGRESQL, VALKEY]) {
            expect(list.stdout).toMatch(new RegExp(`^${dep.name}\\s+${dep.version.replace(/\./g, '\\.')}\\s+\\S+\\s+ok\\s*$`, 'm'));
          }
          for (const tarball of TARBALLS) {
            const shown = await execa(binary.path, ['show', 'chart', join(chartDir, 'charts', tarball)], { env, stdin: 'ignore' });
            expect(shown.stdout).toMatch(new RegExp(`^version: ${tarball.replace(/^.*-([\d.]+)\.tgz$/, '$1').replace(/\./g, '\\.')}$`, 'm'));
          }
          const lint = await execa(binary.path, ['lint', chartDir, '--strict', '--values', join(chartDir, 'values-prod.yaml')], {
            env,
            reject: false,
            stdin: 'ignore',
          });
          expect(lint.exitCode, `${lint.stdout}\n${lint.stderr}`).toBe(0);
        });

        it('does not consult the mirror again once the subcharts are present', async () => {
          const chartDir = await freshChart(`${binary.label}-present`);
          const first = stagesOf(await verifyChart({ helm: runner!, chartDir, mirror: { url: registry!.url, plainHttp: true } }));
          expect(dependenciesOf(first).status, describeStage(first)).toBe('passed');
          // A mirror that cannot serve anything: the stage must pass without touching it.
          const again = stagesOf(await verifyChart({ helm: runner!, chartDir, mirror: { url: `oci://${registry!.host}/no-such-path`, plainHttp: true } }));
          expect(dependenciesOf(again).findings).toEqual([]);
          expect(again.filter((r) => r.status === 'failed' && r.stage !== 'policy'), describeStage(again)).toEqual([]);
          expect(again.filter((r) => r.stage === 'lint').map((r) => r.status)).toEqual(['passed', 'passed', 'passed']);
        });
      });

      describe('from a wrong mirror path', () => {
        it('reports one finding per dependency, naming the ref it tried', async () => {
          const chartDir = await freshChart(`${binary.label}-wrong`);
          const mirrorUrl = `oci://${registry!.host}/no-such-path`;
          const results = stagesOf(await verifyChart({ helm: runner!, chartDir, mirror: { url: mirrorUrl, plainHttp: true } }));
          const dependencies = dependenciesOf(results);
          expect(dependencies.status, describeStage(results)).toBe('failed');
          expect(dependencies.findings, describeStage(results)).toHaveLength(2);
          const [first, second] = dependencies.findings;
          for (const [finding, dep] of [
            [first!, POSTGRESQL],
            [second!, VALKEY],
          ] as const) {
            expect(finding.severity).toBe('error');
            expect(finding.message).toContain(`${dep.name} ${dep.version}`);
            expect(finding.message).toContain(`${mirrorUrl}/${dep.name}`);
            // One line of helm's error, not its whole output.
            expect(finding.message).not.toContain('\n');
          }
          // Everything that renders is skipped; lint runs (and passes) without the subcharts.
          for (const result of results.filter((r) => ['template', 'schema', 'policy'].includes(r.stage))) expect(result.status, result.stage).toBe('skipped');
          expect(results.filter((r) => r.stage === 'lint').map((r) => r.status)).toEqual(['passed', 'passed', 'passed']);
          expect(existsSync(join(chartDir, 'charts'))).toBe(false);
          // The fetch was staged in the private helm home, never in the chart.
          expect(readdirSync(chartDir).filter((name) => /fetch|tmpcharts/.test(name))).toEqual([]);
        });
      });
    });
  }
});
