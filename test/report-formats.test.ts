// The machine formats of one run, checked by the tools their readers use: SARIF 2.1.0 by
// Microsoft's SARIF validator (Sarif.Multitool validate), JUnit XML against the Jenkins JUnit
// schema (xmllint), the JSON report against docs/report.schema.json (ajv). One run over charts
// that cover what the formats must carry: file and line, objects, subcharts, skipped checks,
// a passing chart; the text report on stdout at the same time (--output FORMAT=FILE).
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctFindings } from '../src/report/model.js';
import { copyExampleChart } from './support/broken-charts.js';
import { configMap, writeChart } from './support/charts.js';
import { runCli, tempDir, type CliResult } from './support/cli.js';
import { junitSchemaErrors, parseJsonReport, parseJunit, reportSchemaErrors, sarifMultitool, sarifSchemaErrors, validateSarif, type Report } from './support/reports.js';
import { helmBinaries } from './support/tools.js';

const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;
const story = (result: CliResult) => `exit ${result.exitCode}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;

interface Sarif {
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string }[] } };
    results: { ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[]; properties: Record<string, string> }[];
  }[];
}

/** Charts in `root` whose findings exercise every part of the formats. */
async function buildCharts(root: string): Promise<void> {
  await copyExampleChart('telemetry-viewer', join(root, 'passing'));
  // A render error with a file and a line; schema findings on an object in the chart and in a subchart.
  await writeChart(join(root, 'objects'), {
    name: 'objects',
    safetyClass: 'B',
    chartYaml: ['dependencies:', '  - name: vendored', '    version: 0.1.0'].join('\n'),
    files: {
      'values.yaml': 'a: 1\n',
      'values-prod.yaml': 'a: 2\nbroken: true\n',
      'templates/cm.yaml': configMap('objects', 'bogusField: "<&\'quoted\'>"'),
      'templates/fails.yaml': '{{- if .Values.broken }}\n{{ .Values.nope.deeper }}\n{{- end }}\n',
      'charts/vendored/Chart.yaml': 'apiVersion: v2\nname: vendored\nversion: 0.1.0\n',
      'charts/vendored/values.yaml': 'b: 1\n',
      'charts/vendored/templates/cm.yaml': configMap('vendored', 'vendorBogus: y'),
    },
  });
  // A chart-level failure whose later checks are skipped.
  await writeChart(join(root, 'unfetchable'), {
    name: 'unfetchable',
    chartYaml: ['dependencies:', '  - name: sub', '    version: 1.0.0', '    repository: oci://127.0.0.1:1/charts'].join('\n'),
    files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': configMap('unfetchable') },
  });
}

describe('one run, four formats', () => {
  let root: string;
  let out: string;
  let run: CliResult;
  let report: Report;
  const files = { json: '', sarif: '', junit: '' };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'chartwright-formats-'));
    out = join(root, '.reports');
    await mkdir(out);
    await buildCharts(root);
    run = await runCli(['test', '--all', root, '--kube-version', '1.35,1.36', '--output', `json=${join(out, 'report.json')}`, '--output', `sarif=${join(out, 'report.sarif')}`, '--output', `junit=${join(out, 'report.xml')}`], {
      env: { HELM_BIN: helm4.path },
    });
    files.json = await readFile(join(out, 'report.json'), 'utf8');
    files.sarif = await readFile(join(out, 'report.sarif'), 'utf8');
    files.junit = await readFile(join(out, 'report.xml'), 'utf8');
    report = parseJsonReport({ ...run, stdout: files.json });
  }, 300_000);
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('prints the text report on stdout and nothing on stderr; exit 1 for the failing charts', () => {
    expect(run.exitCode, story(run)).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^3 charts tested, 2 failed \(objects, unfetchable\): /m);
    expect(report.summary.failedCharts).toEqual(['objects', 'unfetchable']);
  });

  it('the JSON report matches docs/report.schema.json and counts subchart findings apart', () => {
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.reportVersion).toBe(2);
    expect(report.kubeVersions).toEqual(['1.35', '1.36']);
    expect(report.summary.subchartFindings.errors).toBeGreaterThan(0);
  });

  it.skipIf(!('path' in sarifMultitool))('SARIF 2.1.0 that Microsoft\'s SARIF validator accepts with no error', async () => {
    const validation = await validateSarif(files.sarif);
    expect(validation.errors).toEqual([]);
    if (validation.warnings.length) console.log(`SARIF validator: ${validation.warnings.length} warnings, e.g. ${validation.warnings[0]}`);
    // And the SARIF JSON Schema the validator ships, which also holds each value to its enum.
    expect(sarifSchemaErrors(JSON.parse(files.sarif))).toEqual([]);
    // The checks can fail: a log without its version, a result with a level SARIF does not have.
    const tampered = JSON.parse(files.sarif) as { version?: string; runs: { results: { level: string }[] }[] };
    delete tampered.version;
    expect((await validateSarif(JSON.stringify(tampered))).errors.join('\n')).toMatch(/JSON1002.*version/);
    tampered.version = '2.1.0';
    tampered.runs[0]!.results[0]!.level = 'fatal';
    expect(sarifSchemaErrors(tampered).join('\n')).toMatch(/level.*allowed values/);
  });
  if (!('path' in sarifMultitool)) console.warn(`skipping the SARIF validator check: ${sarifMultitool.reason}`);

  it('SARIF has one result per distinct finding, located in the repository, with its rule', () => {
    const sarif = JSON.parse(files.sarif) as Sarif;
    expect(sarif.version).toBe('2.1.0');
    const [sarifRun] = sarif.runs;
    const distinct = report.charts.flatMap((chart) => distinctFindings(chart).map((finding) => ({ chart, finding })));
    expect(sarifRun?.results).toHaveLength(distinct.length);
    const rules = sarifRun!.tool.driver.rules.map((rule) => rule.id);
    expect(rules).toEqual([...rules].sort());
    for (const [index, result] of sarifRun!.results.entries()) {
      const { chart, finding } = distinct[index]!;
      expect(result.message.text).toBe(finding.message);
      expect(result.level).toBe({ error: 'error', warning: 'warning', info: 'note' }[finding.severity]);
      expect(rules[result.ruleIndex]).toBe(result.ruleId);
      const location = result.locations[0]!.physicalLocation;
      expect(decodeURI(location.artifactLocation.uri)).toBe(`${chart.path}/${finding.file ?? 'Chart.yaml'}`);
      if (finding.line) expect(location.region?.startLine).toBe(finding.line);
      if (finding.subchart) expect(result.properties.subchart).toBe(finding.subchart);
    }
    // The render error carries its line; the subchart finding says which subchart.
    expect(sarifRun!.results.some((result) => result.ruleId === 'render' && result.locations[0]!.physicalLocation.region?.startLine === 2)).toBe(true);
    expect(sarifRun!.results.some((result) => result.properties.subchart === 'vendored')).toBe(true);
  });

  it('JUnit XML the Jenkins JUnit schema accepts: counts on every testsuite, a testcase per check', async () => {
    expect(await junitSchemaErrors(files.junit)).toEqual([]);
    const junit = parseJunit(files.junit);
    expect(junit.suites.map((suite) => suite.attributes.name)).toEqual(report.charts.map((chart) => chart.name));
    for (const [index, suite] of junit.suites.entries()) {
      const chart = report.charts[index]!;
      for (const attribute of ['tests', 'failures', 'errors', 'skipped', 'time']) expect(suite.attributes[attribute], `${chart.name} ${attribute}`).toBeDefined();
      expect(suite.cases.map((testcase) => testcase.classname)).toEqual(chart.stages.map((stage) => `${chart.name}.${stage.stage}`));
      expect(new Set(suite.cases.map((testcase) => testcase.name)).size, `${chart.name}: each testcase names its check`).toBe(suite.cases.length);
    }
    const unfetchable = junit.suites.find((suite) => suite.attributes.name === 'unfetchable')!;
    expect(Number(unfetchable.attributes.skipped)).toBeGreaterThan(0);
    expect(unfetchable.cases.find((testcase) => testcase.name === 'template [values.yaml] [Kubernetes 1.35]')?.skipped?.message).toBe('dependencies failed');
    // Escaped and decoded back: the quotes and markup of the message survive.
    const objects = junit.suites.find((suite) => suite.attributes.name === 'objects')!;
    expect(objects.cases.some((testcase) => testcase.failure?.text.includes(`bogusField`))).toBe(true);
  });

  it('SARIF is byte-identical for the same run (deterministic, no timestamps)', async () => {
    const again = await runCli(['test', '--all', root, '--kube-version', '1.35,1.36', '--format', 'sarif'], { env: { HELM_BIN: helm4.path } });
    expect(again.stdout).toBe(files.sarif);
  });
});

describe('--output', () => {
  it.each([
    [['--output', 'pdf=report.pdf'], /invalid --output "pdf": must be one of text, json, sarif, junit/],
    [['--output', 'sarif'], /invalid --output "sarif": must be FORMAT=FILE/],
    [['--output', 'sarif=/nonexistent/dir/report.sarif'], /directory \/nonexistent\/dir does not exist/],
  ])('%j is a usage error before anything runs', async (flags, message) => {
    const cwd = await tempDir();
    const chart = await writeChart(join(cwd, 'c'), { name: 'c', files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': configMap('c') } });
    const result = await runCli(['test', chart, ...flags], { cwd, env: { HELM_BIN: helm4.path } });
    expect(result.exitCode, story(result)).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
