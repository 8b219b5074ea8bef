// "Render once when nothing reads the Kubernetes version" (src/stages/capabilities.ts), proven:
// for the example charts in charts/, the render chartwright shares across the target minors is
// byte for byte what real `helm template --kube-version` prints for each minor; for charts that
// read the version (in a template, in a packaged subchart, through a kubeVersion constraint) the
// detection says "per minor", and their renders do differ, so sharing would have been wrong.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsPerMinorRender } from '../src/stages/capabilities.js';
import { GATED_API_VERSIONS, valuesArgs } from '../src/stages/helmStages.js';
import { DEFAULT_KUBE_VERSIONS } from '../src/verify/kubeVersions.js';
import { copyExampleChart, type ExampleChart } from './support/broken-charts.js';
import { configMap, writeChart } from './support/charts.js';
import { runCli } from './support/cli.js';
import { parseJsonReport } from './support/reports.js';
import { helmBinaries, isolatedHelmEnv } from './support/tools.js';

const EXAMPLES: ExampleChart[] = ['telemetry-viewer', 'patient-records', 'dose-calculator', 'alarm-gateway'];
const VALUES_SETS = [[], ['values-dev.yaml'], ['values-prod.yaml']];
const helms = helmBinaries();
const helm4 = helms.find((helm) => helm.label === 'helm4')!;

let work = '';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chartwright-render-once-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** The call the template stage makes (src/stages/helmStages.ts), for one minor. */
async function helmTemplate(helmPath: string, chartDir: string, valuesFiles: string[], minor: string): Promise<string> {
  const args = ['template', 'release-name', '.', ...valuesArgs(valuesFiles).args, ...GATED_API_VERSIONS.flatMap((api) => ['--api-versions', api]), '--kube-version', minor];
  const result = await execa(helmPath, args, { cwd: chartDir, env: isolatedHelmEnv(join(work, 'helm-home')), stdin: 'ignore', reject: false });
  expect(result.exitCode, `helm ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

/**
 * The generated Secret holds `randAlphaNum` credentials, new on every render (kept across
 * upgrades by `lookup`): two renders at the same minor differ there and nowhere else. Those
 * lines are found by rendering the newest minor twice and blanked in every render compared.
 */
function randomLines(first: string, second: string): Set<number> {
  const [a, b] = [first.split('\n'), second.split('\n')];
  expect(b.length, 'the random values do not change the line count').toBe(a.length);
  const differing = new Set<number>();
  a.forEach((line, index) => {
    if (line !== b[index]) differing.add(index);
  });
  return differing;
}
const blank = (render: string, lines: Set<number>) => render.split('\n').map((line, index) => (lines.has(index) ? line.replace(/: .*$/, ': <random>') : line)).join('\n');

describe.each(helms)('the example charts with $label', (helm) => {
  it.each(EXAMPLES)('%s: the shared render equals helm template for every target minor, byte for byte but the random credentials', async (name) => {
    const dir = await copyExampleChart(name, join(work, helm.label, name), { withDependencies: true });
    expect(needsPerMinorRender(dir, DEFAULT_KUBE_VERSIONS), 'nothing in the chart or its subcharts reads the Kubernetes version').toBe(false);
    const newest = DEFAULT_KUBE_VERSIONS.at(-1) as string;
    for (const valuesFiles of VALUES_SETS) {
      const shared = await helmTemplate(helm.path, dir, valuesFiles, newest);
      expect(shared.length).toBeGreaterThan(1000);
      const random = randomLines(shared, await helmTemplate(helm.path, dir, valuesFiles, newest));
      // Only a few credential values (KEY: "base64"), never a structural line.
      expect(random.size).toBeLessThan(5);
      for (const index of random) expect(shared.split('\n')[index]).toMatch(/^ {2}[A-Za-z_-]+: "[A-Za-z0-9+/=]+"$/);
      for (const minor of DEFAULT_KUBE_VERSIONS) {
        const perMinor = await helmTemplate(helm.path, dir, valuesFiles, minor);
        expect(blank(perMinor, random), `${name} ${valuesFiles.join(',') || 'values.yaml'} at ${minor}`).toBe(blank(shared, random));
      }
    }
  });
});

/** A template that renders the Kubernetes minor into a ConfigMap. */
const readsMinor = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: minor', 'data:', '  minor: {{ .Capabilities.KubeVersion.Minor | quote }}', ''].join('\n');

describe('charts whose render depends on the minor', () => {
  const cases: [string, (dir: string) => Promise<void>][] = [
    ['a template reads .Capabilities.KubeVersion', async (dir) => void (await writeChart(dir, { name: 'reads', files: { 'values.yaml': 'a: 1\n', 'templates/minor.yaml': readsMinor } }))],
    [
      'a helper reads the whole .Capabilities object',
      async (dir) =>
        void (await writeChart(dir, {
          name: 'helper',
          files: {
            'values.yaml': 'a: 1\n',
            'templates/_helpers.tpl': '{{- define "helper.minor" -}}{{ .KubeVersion.Minor }}{{- end -}}\n',
            'templates/minor.yaml': ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: minor', 'data:', '  minor: {{ include "helper.minor" .Capabilities | quote }}', ''].join('\n'),
          },
        })),
    ],
    [
      'only a packaged subchart (.tgz) reads it',
      async (dir) => {
        const sub = await writeChart(join(dir, '..', `${dir.split('/').at(-1)}-sub`), { name: 'minorsub', version: '1.0.0', files: { 'values.yaml': 'b: 1\n', 'templates/minor.yaml': readsMinor } });
        await writeChart(dir, {
          name: 'packaged',
          chartYaml: ['dependencies:', '  - name: minorsub', '    version: 1.0.0'].join('\n'),
          files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': configMap('packaged') },
        });
        await mkdir(join(dir, 'charts'));
        await execa(helm4.path, ['package', sub, '--destination', join(dir, 'charts')], { env: isolatedHelmEnv(join(work, 'helm-home')), stdin: 'ignore' });
      },
    ],
  ];

  it.each(cases)('%s: detected as per minor, and the renders differ between minors', async (label, build) => {
    const dir = join(work, 'per-minor', label.replace(/\W+/g, '-'));
    await build(dir);
    expect(needsPerMinorRender(dir, DEFAULT_KUBE_VERSIONS)).toBe(true);
    const renders = await Promise.all(DEFAULT_KUBE_VERSIONS.map((minor) => helmTemplate(helm4.path, dir, [], minor)));
    expect(new Set(renders).size, 'each minor renders differently').toBe(DEFAULT_KUBE_VERSIONS.length);
    // The pipeline renders it per minor: no template result says it reused another minor's render.
    const result = await runCli(['test', dir, '--format', 'json'], { env: { HELM_BIN: helm4.path } });
    const report = parseJsonReport(result);
    const template = report.charts[0]!.stages.filter((stage) => stage.stage === 'template');
    expect(template.map((stage) => [stage.kubeVersion, stage.status, stage.reason ?? ''])).toEqual(DEFAULT_KUBE_VERSIONS.map((minor) => [minor, 'passed', '']));
  });

  it('a kubeVersion constraint that a target minor does not meet renders per minor (helm refuses that minor)', async () => {
    const dir = await writeChart(join(work, 'constrained'), { name: 'constrained', chartYaml: 'kubeVersion: ">=1.36.0-0"', files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': configMap('constrained') } });
    expect(needsPerMinorRender(dir, DEFAULT_KUBE_VERSIONS)).toBe(true);
    expect(needsPerMinorRender(dir, ['1.36', '1.37'])).toBe(false);
    const report = parseJsonReport(await runCli(['test', dir, '--format', 'json'], { env: { HELM_BIN: helm4.path } }));
    const template = report.charts[0]!.stages.filter((stage) => stage.stage === 'template');
    expect(template.map((stage) => [stage.kubeVersion, stage.status])).toEqual([
      ['1.35', 'failed'],
      ['1.36', 'passed'],
      ['1.37', 'passed'],
    ]);
  });

  it('.Capabilities.APIVersions alone does not depend on --kube-version: rendered once and shared', async () => {
    const dir = await writeChart(join(work, 'api-versions'), {
      name: 'api-versions',
      files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': ['{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}', configMap('api-versions').trimEnd(), '{{- end }}', ''].join('\n') },
    });
    expect(needsPerMinorRender(dir, DEFAULT_KUBE_VERSIONS)).toBe(false);
    const renders = await Promise.all(DEFAULT_KUBE_VERSIONS.map((minor) => helmTemplate(helm4.path, dir, [], minor)));
    expect(new Set(renders).size).toBe(1);
    const report = parseJsonReport(await runCli(['test', dir, '--format', 'json'], { env: { HELM_BIN: helm4.path } }));
    const newest = DEFAULT_KUBE_VERSIONS.at(-1) as string;
    const reasons = report.charts[0]!.stages.filter((stage) => stage.stage === 'template').map((stage) => stage.reason ?? '');
    expect(reasons).toEqual(DEFAULT_KUBE_VERSIONS.map((minor) => (minor === newest ? '' : `same render as for Kubernetes ${newest} (nothing in the chart reads the Kubernetes version)`)));
  });
});
