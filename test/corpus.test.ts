// `chartwright test` against a corpus of broken charts (one deliberate fault each, see
// support/broken-charts.ts): the built CLI must exit 1, the one stage responsible for the fault
// must report it with the expected rule, and no other stage may report an error for it. Every
// JSON report is validated against docs/report.schema.json. Then the example charts in charts/
// must pass at their own class, and the JUnit XML must agree with the JSON report.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN_CHARTS, buildBrokenCharts, exampleChartsDir, type BrokenChart } from './support/broken-charts.js';
import { runCli, type CliResult } from './support/cli.js';
import { pushFixtureCharts, registryAvailable, startRegistry, type Registry } from './support/registry.js';
import { junitSchemaErrors, parseJsonReport, parseJunit, reportSchemaErrors, validateReport, type JunitCase, type JunitSuite, type Report } from './support/reports.js';
import { helmBinaries, isolatedHelmEnv } from './support/tools.js';

type Stage = Report['charts'][number]['stages'][number];
type Finding = Stage['findings'][number];

/** Parses stdout as the JSON report and checks it against docs/report.schema.json. */
function parseReport(result: CliResult): Report {
  const report = parseJsonReport(result);
  expect(reportSchemaErrors(report), 'report must validate against docs/report.schema.json').toEqual([]);
  return report;
}

/** One line per stage with its non-info findings: the assertion messages show what happened. */
const describeStages = (stages: Stage[]) =>
  stages
    .map((stage) => {
      const findings = stage.findings.filter((finding) => finding.severity !== 'info');
      const head = `${stage.stage}${stage.kubeVersion ? `@${stage.kubeVersion}` : ''} [${stage.valuesFiles.join(',') || 'values.yaml'}] ${stage.status}${stage.reason ? ` (${stage.reason})` : ''}`;
      return [head, ...findings.map((f) => `    ${f.severity} ${f.rule ?? '-'} ${f.file ?? ''} ${f.object ?? ''}: ${f.message.split('\n')[0]}`)].join('\n');
    })
    .join('\n');

const errorsOf = (stage: Stage): Finding[] => stage.findings.filter((finding) => finding.severity === 'error');

/**
 * The JUnit file is valid against the Jenkins JUnit schema, and agrees with the JSON report:
 * a testsuite per chart with tests/failures/errors/skipped/time, a testcase per check in
 * report order, a <failure> carrying every error of a failed check, <skipped> with the reason.
 */
async function expectJunitMatchesReport(xml: string, report: Report) {
  expect(await junitSchemaErrors(xml), 'JUnit XML against the Jenkins JUnit schema').toEqual([]);
  const junit = parseJunit(xml);
  const stages = report.charts.flatMap((chart) => chart.stages);
  expect(junit.suites.map((suite) => suite.attributes.name)).toEqual(report.charts.map((chart) => chart.name));
  expect(Number(junit.attributes.tests)).toBe(stages.length);
  expect(Number(junit.attributes.failures)).toBe(report.summary.stages.failed);
  expect(Number(junit.attributes.errors)).toBe(0);
  report.charts.forEach((chart, index) => {
    const suite = junit.suites[index] as JunitSuite;
    for (const attribute of ['tests', 'failures', 'errors', 'skipped', 'time']) expect(suite.attributes[attribute], `${chart.name} testsuite ${attribute}`).toMatch(/^\d+(\.\d+)?$/);
    expect(suite.cases, chart.name).toHaveLength(chart.stages.length);
    expect(Number(suite.attributes.tests), chart.name).toBe(chart.stages.length);
    expect(Number(suite.attributes.failures), chart.name).toBe(chart.stages.filter((stage) => stage.status === 'failed').length);
    expect(Number(suite.attributes.skipped), chart.name).toBe(chart.stages.filter((stage) => stage.status === 'skipped' || stage.status === 'planned').length);
    expect(suite.properties['iec62304-class']).toBe(chart.safetyClass);
    chart.stages.forEach((stage, i) => {
      const testcase = suite.cases[i] as JunitCase;
      const where = `${chart.name} ${stage.stage} ${stage.kubeVersion ?? ''}`;
      expect(testcase.name, where).toContain(stage.stage);
      expect(testcase.classname, where).toBe(`${chart.name}.${stage.stage}`);
      expect({ failure: testcase.failure !== undefined, skipped: testcase.skipped !== undefined }, where).toEqual({ failure: stage.status === 'failed', skipped: stage.status === 'skipped' });
      // The failure text carries every error finding's message (decoded back from the escapes).
      for (const finding of stage.status === 'failed' ? errorsOf(stage) : []) expect(testcase.failure?.text, where).toContain(finding.message);
      if (stage.status === 'skipped') expect(testcase.skipped?.message, where).toBe(stage.reason);
    });
  });
}

// ---------------------------------------------------------------------------------------------

const helms = helmBinaries();
const helm4 = helms.find((helm) => helm.label === 'helm4');
if (!helm4) throw new Error('helm 4 is not provisioned');

const chartwrightTest = (args: string[], helmPath: string) => runCli(['test', ...args], { env: { HELM_BIN: helmPath } });

describe('the broken-chart corpus', () => {
  let root: string;
  let corpus: BrokenChart[];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'chartwright-corpus-'));
    corpus = await buildBrokenCharts(root);
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('builds one broken chart per fault', () => {
    // Each edit throws unless its target text is there exactly once, so every copy really differs
    // from its example chart; the examples themselves pass (see the last test of this file), so
    // a finding below can only come from the fault.
    expect(corpus.map((chart) => chart.id)).toEqual(BROKEN_CHARTS.map((spec) => spec.id));
    expect(new Set(corpus.map((chart) => chart.id)).size).toBe(corpus.length);
  });

  describe.each(helms)('with $label ($version)', (helm) => {
    it.each(BROKEN_CHARTS.map((spec) => [spec.id, spec.fault] as const))('%s: %s', async (id) => {
      const chart = corpus.find((candidate) => candidate.id === id) as BrokenChart;
      const args = [chart.dir, '--format', 'json', '--values', chart.values, '--kube-version', chart.kubeVersion, ...(chart.extraArgs ?? [])];
      const result = await chartwrightTest(args, helm.path);
      const report = parseReport(result);
      expect(report.helm.version).toBe(helm.version.replace(/^v/, ''));
      expect(report.charts).toHaveLength(1);
      const stages = (report.charts[0] as Report['charts'][number]).stages;
      const story = `${chart.fault}\n${describeStages(stages)}\nstderr:\n${result.stderr}`;
      expect(result.exitCode, story).toBe(1);

      // Exactly one stage fails, the expected one; no other stage reports an error.
      const { expected } = chart;
      expect(
        stages.filter((stage) => stage.status === 'failed' || errorsOf(stage).length > 0).map((stage) => stage.stage),
        story,
      ).toEqual([expected.stage]);
      const culprit = stages.find((stage) => stage.stage === expected.stage) as Stage;
      expect(culprit.status, story).toBe('failed');

      // The finding carries the expected rule (lint findings come from helm and carry none) and names what is wrong.
      const errors = errorsOf(culprit);
      expect(errors.length, story).toBeGreaterThan(0);
      if (expected.rule) {
        expect(new Set(errors.map((finding) => finding.rule)), story).toEqual(new Set([expected.rule, ...(expected.alsoErrors ?? [])]));
      } else {
        for (const finding of errors) expect(finding.rule, story).toBeUndefined();
      }
      // Among them, one finding that says what and where.
      const pointed = errors.filter((finding) => finding.rule === expected.rule);
      expect(
        pointed.map(({ file, object, message }) => ({ file, object, names: message.includes(expected.messageIncludes ?? '') })),
        story,
      ).toContainEqual({ file: expected.file, object: expected.object, names: true });

      // Stages the fault makes impossible are skipped, saying why.
      for (const skip of expected.skipped ?? []) {
        const stage = stages.find((candidate) => candidate.stage === skip.stage) as Stage;
        expect({ status: stage.status, reason: stage.reason }, story).toEqual({ status: 'skipped', reason: skip.reason });
      }
      expect(report.summary.failedCharts).toEqual([report.charts[0]?.name]);
      // Distinct findings: one values set and one minor, so each error of the stage is one.
      expect(report.summary.findings.errors).toBe(errors.length);
    });
  });

  it('writes JUnit XML for the whole corpus that the Jenkins schema accepts and that agrees with the JSON report', async () => {
    const junit = join(root, 'corpus.junit.xml');
    const result = await chartwrightTest(['--all', root, '--format', 'json', '--values', 'values.yaml', '--kube-version', '1.35', '--junit', junit], helm4.path);
    const report = parseReport(result);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(report.charts).toHaveLength(BROKEN_CHARTS.length);
    // Most faults show with values.yaml alone; the failures carry messages full of quotes and <>.
    expect(report.summary.failedCharts.length).toBeGreaterThanOrEqual(BROKEN_CHARTS.length - 2);
    await expectJunitMatchesReport(await readFile(junit, 'utf8'), report);

    // The schema check can fail: a report with an unknown severity or an extra key is rejected.
    const tampered = structuredClone(report) as unknown as { charts: { stages: { findings: { severity: string }[] }[] }[]; extra?: number };
    const finding = tampered.charts.flatMap((chart) => chart.stages).flatMap((stage) => stage.findings)[0] as { severity: string };
    finding.severity = 'fatal';
    expect(validateReport(tampered)).toBe(false);
    expect(validateReport({ ...report, extra: 1 })).toBe(false);
    expect(validateReport({ ...report, reportVersion: 1 })).toBe(false);
  });
});

describe('the JUnit schema check', () => {
  // It must be able to fail, or the JUnit assertions above prove nothing.
  const valid = '<testsuites name="x" tests="1" failures="0" errors="0" time="0.010"><testsuite name="a" tests="1" failures="0" errors="0" skipped="0" time="0.010"><testcase name="lint" classname="a.lint" time="0.010"/></testsuite></testsuites>';
  it('accepts a minimal report', async () => {
    expect(await junitSchemaErrors(valid)).toEqual([]);
  });
  it.each([
    ['a testsuite without errors', valid.replace('<testsuite name="a" tests="1" failures="0" errors="0"', '<testsuite name="a" tests="1" failures="0"'), /errors/],
    ['skipped on testsuites', valid.replace('<testsuites name="x"', '<testsuites name="x" skipped="0"'), /skipped/],
    ['a testcase without a name', valid.replace('<testcase name="lint"', '<testcase'), /name/],
    ['a time that is not a number', valid.replace('time="0.010"><testcase', 'time="soon"><testcase'), /time/],
    ['XML that is not well-formed', valid.replace('</testsuite>', ''), /./],
  ])('rejects %s', async (_label, xml, message) => {
    const errors = await junitSchemaErrors(xml);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(message);
  });
});

const availability = registryAvailable();
if (!availability.ok) console.warn(`skipping the example-chart run over charts/ with a mirror: ${availability.reason}`);

describe.skipIf(!availability.ok)('the example charts', () => {
  let registry: Registry | undefined;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chartwright-examples-'));
    registry = await startRegistry();
    await pushFixtureCharts(helm4.path, registry.url, isolatedHelmEnv(join(work, 'push-home')));
  });
  afterAll(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.each(helms)('all pass at their own class with $label, dependencies fetched from the mirror; JUnit agrees', async (helm) => {
    // A fresh copy per helm, without charts/*/charts: the dependencies must come from the mirror,
    // and fetched archives land in the copy, never in the repository.
    const copy = join(work, `charts-${helm.label}`);
    await cp(exampleChartsDir, copy, { recursive: true, filter: (path) => !/[\\/]charts[\\/][^\\/]+[\\/]charts$/.test(path) });
    const junit = join(work, `${helm.label}.junit.xml`);
    const result = await chartwrightTest(['--all', copy, '--format', 'json', '--mirror', (registry as Registry).url, '--junit', junit], helm.path);
    const report = parseReport(result);
    const story = report.charts.map((chart) => `${chart.name} (${chart.safetyClass}):\n${describeStages(chart.stages)}`).join('\n') + `\nstderr:\n${result.stderr}`;
    expect(report.charts.map((chart) => [chart.name, chart.safetyClass, chart.classSource])).toEqual([
      ['alarm-gateway', 'C', 'annotation'],
      ['dose-calculator', 'C', 'annotation'],
      ['infusion-events', 'C', 'annotation'],
      ['patient-records', 'B', 'annotation'],
      ['telemetry-viewer', 'A', 'annotation'],
    ]);
    // The charts' own files have no error. The policy stage judges the objects of the stand-in
    // subcharts (test/fixtures/dependency-charts: no NetworkPolicies) too, at the chart's class:
    // those errors are the only failures, and they are counted apart as subchart findings.
    expect(report.summary.findings.errors, story).toBe(0);
    const failedOnSubcharts = report.charts.filter((chart) => chart.stages.some((stage) => stage.status === 'failed')).map((chart) => chart.name);
    expect(report.summary.failedCharts, story).toEqual(failedOnSubcharts);
    expect(result.exitCode, story).toBe(failedOnSubcharts.length ? 1 : 0);
    // install runs only when asked, and says so once rather than as a skipped check per values set.
    expect(report.stagesOff.map((off) => off.stage)).toEqual(['version-bump', 'install']);
    for (const chart of report.charts) {
      const dependencies = chart.stages.find((stage) => stage.stage === 'dependencies') as Stage;
      expect(dependencies.status, `${chart.name}\n${story}`).toBe('passed');
      // Every values set (values.yaml, values-*.yaml; the ci/ copies are the same content and
      // listed as duplicates) x every default minor reached the schema and policy stages.
      const ran = chart.stages.filter((stage) => stage.stage === 'schema' && stage.status === 'passed');
      expect(new Set(ran.map((stage) => stage.kubeVersion)), chart.name).toEqual(new Set(report.kubeVersions));
      expect(new Set(ran.map((stage) => stage.valuesFiles.join(','))), chart.name).toEqual(new Set(['', 'values-dev.yaml', 'values-prod.yaml']));
      expect(chart.duplicates.map((duplicate) => duplicate.file).sort(), chart.name).toEqual(['ci/dev-values.yaml', 'ci/prod-values.yaml']);
      for (const stage of chart.stages.filter((candidate) => candidate.status !== 'passed')) {
        expect({ stage: stage.stage, status: stage.status }, `${chart.name}\n${story}`).toEqual({ stage: 'policy', status: 'failed' });
        expect(errorsOf(stage).filter((finding) => !finding.file?.startsWith('charts/')), `${chart.name}\n${story}`).toEqual([]);
      }
    }
    await expectJunitMatchesReport(await readFile(junit, 'utf8'), report);
  });
});
