// One helm lint for all the values sets of a chart (src/stages/lintBatch.ts), held to real helm:
// 1. the values a view gives helm are the values helm makes of values.yaml under --values, for
//    every case the merge accepts, in each helm (rendered with `toJson .Values`); every case it
//    cannot be sure of is refused (the set is then linted alone);
// 2. the shared call's findings for each values set are those of a call for that set alone, on the
//    example charts and on charts with lint findings.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectChart } from '../src/stages/chart.js';
import { flowYaml, lintOutput, mergedValues } from '../src/stages/lintBatch.js';
import type { RunContext } from '../src/stages/model.js';
import { detectHelm, HelmRunner } from '../src/tools/helm.js';
import { parseLintOutput } from '../src/verify/lintOutput.js';
import { copyExampleChart, type ExampleChart } from './support/broken-charts.js';
import { configMap, writeChart } from './support/charts.js';
import { everyProvisionedHelm, isolatedHelmEnv } from './support/tools.js';

const helms = everyProvisionedHelm();

let work = '';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chartwright-lint-batch-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function helm(path: string, args: string[], cwd: string) {
  return execa(path, args, { cwd, env: isolatedHelmEnv(join(work, 'helm-home')), stdin: 'ignore', reject: false });
}

// Defaults with what go-yaml v2 reads its own way: YAML 1.1 booleans and octals, a big integer,
// a timestamp, keys that are not identifiers, default nulls, non-ASCII and control characters.
const DEFAULTS = `
image:
  repository: registry.example.com/app
  tag: "1.0"
  pullPolicy: IfNotPresent
replicaCount: 2
flags: { legacy: yes, mode: 0755, big: 12345678901234567890, ratio: 1e3, when: 2001-12-14, switch: on }
"dotted.key": { "a/b": 1, "": empty-key }
unset: ~
nested: { keep: 1, drop: 2, list: [1, 2, { x: y }], deeper: { a: 1, b: null } }
text: "caf\\u00e9 \\U0001F600 tab\\there \\x7f del"
block: |
  line one
    indented
sub: { enabled: true, replicas: 1 }
global: { region: eu }
`;

/** Values files over DEFAULTS: what the merge accepts (certain) and what it refuses. */
const ACCEPTED: Record<string, string[]> = {
  'tables merge key by key, scalars and lists replace': ['image: { tag: "2.0" }\nnested: { list: [3] }\nreplicaCount: 3\n'],
  'a new table, a table over a scalar, a scalar over a table': ['extra: { a: 1 }\nreplicaCount: { odd: true }\nflags: plain\n'],
  'null deletes a default that is set, at the top and nested': ['replicaCount: null\nnested: { drop: null }\n'],
  'YAML 1.1 scalars in an override': ['image: { pullPolicy: off, tag: 010 }\nnested: { keep: 0x1F }\n'],
  'an empty file, a file of comments': ['', '# nothing here\n'],
  'later files win, and a later null deletes what an earlier file set over a default': ['image: { tag: a }\nnested: { keep: 5 }\n', 'image: { tag: b }\nnested: { keep: null }\n'],
  'non-ASCII and control characters in keys and values': ['"clé\\u0001": "valeur \\u0085 \\u2028 \\x1b"\ntext: "\\U0001F680"\n'],
};
const REFUSED: Record<string, string> = {
  'null for a key values.yaml does not have': 'absent: null\n',
  'null over a default null': 'unset: null\n',
  'null under a default null, nested': 'nested: { deeper: { b: null } }\n',
  'null inside a table that replaces a scalar': 'replicaCount: { a: null }\n',
  'null in a subchart section': 'sub: { replicas: null }\n',
  'null in the global section': 'global: { region: null }\n',
  'a repeated key': 'replicaCount: 1\nreplicaCount: 2\n',
  'two documents': 'replicaCount: 1\n---\nreplicaCount: 2\n',
  'a list at the root': '- 1\n',
  'a value JSON cannot hold': 'replicaCount: .inf\n',
  'a file that does not parse': 'image: [\n',
  'a __proto__ key': '__proto__: { polluted: true }\n',
};

// Base64, because helm parses what it rendered and JSON leaves DEL and C1 characters raw.
const DUMP_TEMPLATE = 'values: {{ toJson .Values | b64enc }}\n';

async function valuesChart(dir: string): Promise<string> {
  return writeChart(dir, {
    name: 'values-dump',
    chartYaml: 'dependencies:\n  - name: sub\n    version: 1.0.0',
    files: {
      'values.yaml': DEFAULTS,
      'templates/values.yaml': DUMP_TEMPLATE,
      'charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 1.0.0\n',
      'charts/sub/values.yaml': 'enabled: false\nreplicas: 3\n',
    },
  });
}

/** `toJson .Values` as helm renders it for the chart with these values files. */
async function renderedValues(helmPath: string, chartDir: string, valuesFiles: string[]): Promise<unknown> {
  const result = await helm(helmPath, ['template', 'r', '.', '--show-only', 'templates/values.yaml', ...valuesFiles.map((file) => `--values=${file}`)], chartDir);
  expect(result.exitCode, result.stderr).toBe(0);
  const encoded = /^values: (\S+)$/m.exec(result.stdout)?.[1] ?? '';
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
}

describe.each(helms)('views of the values with $label ($version)', (binary) => {
  it.each(Object.entries(ACCEPTED))('%s: a view renders the values --values gives', async (name, files) => {
    const dir = await valuesChart(join(work, binary.label, 'accepted', name.replace(/\W+/g, '-')));
    const names = files.map((_, index) => `values-${index}.yaml`);
    for (const [index, content] of files.entries()) await writeFile(join(dir, names[index] as string), content);
    const merged = mergedValues(dir, names);
    expect(merged, 'the merge accepts these files').toBeDefined();

    const view = join(work, binary.label, 'views', name.replace(/\W+/g, '-'));
    await cp(dir, view, { recursive: true });
    await writeFile(join(view, 'values.yaml'), `${flowYaml(merged)}\n`);
    expect(await renderedValues(binary.path, view, [])).toEqual(await renderedValues(binary.path, dir, names));
  });
});

describe('what the merge refuses', () => {
  it.each(Object.entries(REFUSED))('%s', async (name, content) => {
    const dir = await valuesChart(join(work, 'refused', name.replace(/\W+/g, '-')));
    await writeFile(join(dir, 'values-x.yaml'), content);
    expect(mergedValues(dir, ['values-x.yaml'])).toBeUndefined();
  });

  it('a chart whose values.yaml repeats a key is never viewed', async () => {
    const dir = await writeChart(join(work, 'refused', 'defaults-repeat'), { name: 'r', files: { 'values.yaml': 'a: 1\na: 2\n', 'values-x.yaml': 'b: 1\n' } });
    expect(mergedValues(dir, ['values-x.yaml'])).toBeUndefined();
  });
});

// Charts with findings in every lint rule the values reach: the values schema, --strict's missing
// keys, an invalid object name, a values file that does not parse (linted alone), ci/ files.
async function chartsWithFindings(root: string): Promise<string[]> {
  const schema = JSON.stringify({ type: 'object', properties: { replicaCount: { type: 'integer' }, name: { type: 'string' } } });
  const strict = await writeChart(join(root, 'strict'), {
    name: 'strict',
    files: {
      'values.yaml': 'replicaCount: 1\nname: ok\nfeature: { on: false }\n',
      'values.schema.json': schema,
      'values-dev.yaml': 'replicaCount: "two"\n',
      'values-prod.yaml': 'name: Not_A_DNS_Name\nfeature: { on: true }\n',
      'values-broken.yaml': 'name: [\n',
      'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\ndata:\n  replicas: "{{ .Values.replicaCount }}"\n{{- if .Values.feature.on }}\n  missing: {{ .Values.feature.missing.deeper }}\n{{- end }}\n',
    },
  });
  const ci = await writeChart(join(root, 'with-ci'), {
    name: 'with-ci',
    files: { 'values.yaml': 'a: 1\n', 'ci/one-values.yaml': 'a: 2\n', 'ci/two-values.yaml': 'a: { b: 1 }\n', 'templates/cm.yaml': configMap('with-ci') },
  });
  return [strict, ci];
}

describe.each(helms)('one lint call for all values sets with $label ($version)', (binary) => {
  let context: RunContext;
  beforeAll(async () => {
    const runner = new HelmRunner(await detectHelm(binary.path));
    context = { helm: runner, kubeVersions: ['1.37'], newestMinor: '1.37', helmTimeoutMs: 120_000, signal: new AbortController().signal, services: {} };
    return () => runner.dispose();
  });

  const examples: ExampleChart[] = ['telemetry-viewer', 'patient-records', 'dose-calculator', 'alarm-gateway'];
  it('finds for each values set what a lint of that set alone finds', { timeout: 120_000 }, async () => {
    const root = join(work, binary.label, 'charts');
    await mkdir(root, { recursive: true });
    const dirs = [...(await Promise.all(examples.map((name) => copyExampleChart(name, join(root, name), { withDependencies: true })))), ...(await chartsWithFindings(root))];
    const flags = ['--strict', '--kube-version', '1.37'];
    const lintedAlone: string[] = [];
    for (const dir of dirs) {
      const { chart } = inspectChart(dir);
      for (const valuesFiles of chart.valuesSets) {
        const single = await helm(binary.path, ['lint', '.', ...valuesFiles.map((file) => `--values=${file}`), ...flags], dir);
        let ranAlone = false;
        const output = await lintOutput({ chart, valuesFiles }, context, flags, async () => {
          ranAlone = true;
          return { exitCode: single.exitCode ?? 1, stdout: single.stdout, stderr: single.stderr };
        });
        const what = `${dir.split('/').pop()} ${valuesFiles.join(' ') || 'values.yaml'}`;
        if (ranAlone) lintedAlone.push(what);
        expect(sorted(parseLintOutput(output.stdout)), what).toEqual(sorted(parseLintOutput(single.stdout)));
        expect(output.exitCode === 0, `${what}: passes alone as it does in the shared call`).toBe(single.exitCode === 0);
      }
    }
    // Class C's values-prod.yaml repeats values.yaml's null minAvailable (a null over a null,
    // which helm versions treat differently); a values file that does not parse.
    expect(lintedAlone).toEqual(['dose-calculator values-prod.yaml', 'alarm-gateway values-prod.yaml', 'strict values-broken.yaml']);
  });

  it('a set that is not viewable is linted alone', async () => {
    const [strict] = await chartsWithFindings(join(work, binary.label, 'alone'));
    const { chart } = inspectChart(strict as string);
    const alone: string[][] = [];
    for (const valuesFiles of chart.valuesSets) {
      await lintOutput({ chart, valuesFiles }, context, ['--strict'], async () => {
        alone.push(valuesFiles);
        const result = await helm(binary.path, ['lint', '.', ...valuesFiles.map((file) => `--values=${file}`), '--strict'], strict as string);
        return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
      });
    }
    expect(alone).toEqual([['values-broken.yaml']]);
  });
});

/** Findings in a fixed order (helm's schema errors come in Go's map order). */
function sorted(findings: ReturnType<typeof parseLintOutput>) {
  return findings.map((finding) => ({ ...finding, message: finding.message.split('\n').sort().join('\n') })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
