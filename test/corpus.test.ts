// `chartwright test` against a corpus of broken charts (one deliberate fault each, see
// support/broken-charts.ts): the built CLI must exit 1, the one stage responsible for the fault
// must report it with the expected rule, and no other stage may report an error for it. Every
// JSON report is validated against docs/report.schema.json. Then the example charts in charts/
// must pass at their own class, and the JUnit XML must agree with the JSON report.
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN_CHARTS, buildBrokenCharts, exampleChartsDir, type BrokenChart, type StageName } from './support/broken-charts.js';
import { runCli, type CliResult } from './support/cli.js';
import { pushFixtureCharts, registryAvailable, startRegistry, type Registry } from './support/registry.js';
import { helmBinaries, isolatedHelmEnv, repoRoot } from './support/tools.js';

// ---------------------------------------------------------------------------------------------
// The report as docs/report.schema.json describes it (only what these tests read).

interface Finding {
  severity: 'error' | 'warning' | 'info';
  message: string;
  file?: string;
  line?: number;
  object?: string;
  rule?: string;
}
interface Stage {
  stage: StageName;
  valuesFiles: string[];
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  findings: Finding[];
  kubeVersion?: string;
  reason?: string;
}
interface ChartReport {
  path: string;
  name: string;
  safetyClass: 'A' | 'B' | 'C';
  classSource: 'chart' | 'flag' | 'default';
  stages: Stage[];
  exemptions: { rule: string; object: string; justification: string }[];
  notValidated: string[];
}
interface Report {
  helm: { version: string };
  kubeVersions: string[];
  charts: ChartReport[];
  summary: { charts: number; passed: number; failed: number; skipped: number; errors: number; warnings: number; exemptions: number };
}

const reportSchema = JSON.parse(readFileSync(join(repoRoot, 'docs', 'report.schema.json'), 'utf8')) as object;
// ajv is CommonJS: at runtime the default import is the Ajv class (draft-07 by default); the cast
// tells TypeScript (NodeNext sees the module namespace) the same.
const AjvClass = Ajv as unknown as typeof Ajv.default;
const validateReport = new AjvClass({ allErrors: true }).compile(reportSchema);

/** Parses stdout as the JSON report and checks it against docs/report.schema.json. */
function parseReport(result: CliResult): Report {
  let report: unknown;
  try {
    report = JSON.parse(result.stdout);
  } catch (error) {
    throw new Error(`stdout is not JSON (${(error as Error).message}); exit ${result.exitCode}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  const valid = validateReport(report);
  expect(validateReport.errors ?? [], 'report must validate against docs/report.schema.json').toEqual([]);
  expect(valid).toBe(true);
  return report as Report;
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

const errorsOf = (stage: Stage) => stage.findings.filter((finding) => finding.severity === 'error');

// ---------------------------------------------------------------------------------------------
// A minimal XML 1.0 well-formedness parser (no dependency for it in node_modules): elements,
// attributes, text, comments, CDATA, the XML declaration, and the five predefined plus numeric
// character references. Anything else throws with the offset.

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /[A-Za-z_:][\w.:-]*/y;

function decodeEntities(raw: string, at: number): string {
  return raw.replace(/&([^;]*);|&/g, (match, body: string | undefined) => {
    if (body === undefined) throw new Error(`XML: bare & near offset ${at}`);
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[body]) return named[body];
    const numeric = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(body);
    if (numeric?.[1]) return String.fromCodePoint(numeric[1].startsWith('x') ? parseInt(numeric[1].slice(1), 16) : Number(numeric[1]));
    throw new Error(`XML: unknown entity ${match} near offset ${at}`);
  });
}

function parseXml(xml: string): XmlElement {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`XML: ${what} at offset ${pos}: ${JSON.stringify(xml.slice(pos, pos + 40))}`);
  };
  // Characters XML 1.0 does not allow at all, even as references.
  const illegal = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.exec(xml);
  if (illegal) {
    pos = illegal.index;
    fail('illegal character');
  }
  const skipSpace = () => {
    while (pos < xml.length && /\s/.test(xml[pos] as string)) pos++;
  };
  const readName = () => {
    NAME.lastIndex = pos;
    const match = NAME.exec(xml);
    if (!match) fail('expected a name');
    pos += (match as RegExpExecArray)[0].length;
    return (match as RegExpExecArray)[0];
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (xml.startsWith('<!--', pos)) {
        const end = xml.indexOf('-->', pos + 4);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else if (xml.startsWith('<?', pos) && !xml.startsWith('<?xml ', pos)) {
        const end = xml.indexOf('?>', pos);
        if (end < 0) fail('unterminated processing instruction');
        pos = end + 2;
      } else return;
    }
  };
  const readElement = (): XmlElement => {
    if (xml[pos] !== '<') fail('expected <');
    pos++;
    const element: XmlElement = { name: readName(), attributes: {}, children: [], text: '' };
    for (;;) {
      const before = pos;
      skipSpace();
      if (xml.startsWith('/>', pos)) {
        pos += 2;
        return element;
      }
      if (xml[pos] === '>') {
        pos++;
        break;
      }
      if (pos === before) fail('expected whitespace before an attribute');
      const name = readName();
      skipSpace();
      if (xml[pos] !== '=') fail('expected =');
      pos++;
      skipSpace();
      const quote = xml[pos];
      if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value');
      const end = xml.indexOf(quote as string, pos + 1);
      if (end < 0) fail('unterminated attribute value');
      const raw = xml.slice(pos + 1, end);
      if (raw.includes('<')) fail('< in an attribute value');
      if (name in element.attributes) fail(`duplicate attribute ${name}`);
      element.attributes[name] = decodeEntities(raw, pos);
      pos = end + 1;
    }
    for (;;) {
      const next = xml.indexOf('<', pos);
      if (next < 0) fail(`unclosed <${element.name}>`);
      const text = xml.slice(pos, next);
      if (text.includes(']]>')) fail(']]> in text');
      element.text += decodeEntities(text, pos);
      pos = next;
      if (xml.startsWith('</', pos)) {
        pos += 2;
        const name = readName();
        if (name !== element.name) fail(`</${name}> closes <${element.name}>`);
        skipSpace();
        if (xml[pos] !== '>') fail('expected >');
        pos++;
        return element;
      }
      if (xml.startsWith('<!--', pos)) {
        const end = xml.indexOf('-->', pos + 4);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else if (xml.startsWith('<![CDATA[', pos)) {
        const end = xml.indexOf(']]>', pos);
        if (end < 0) fail('unterminated CDATA');
        element.text += xml.slice(pos + 9, end);
        pos = end + 3;
      } else if (xml.startsWith('<?', pos)) {
        const end = xml.indexOf('?>', pos);
        if (end < 0) fail('unterminated processing instruction');
        pos = end + 2;
      } else {
        element.children.push(readElement());
      }
    }
  };
  if (xml.charCodeAt(0) === 0xfeff) pos = 1;
  if (xml.startsWith('<?xml', pos)) {
    const end = xml.indexOf('?>', pos);
    if (end < 0) fail('unterminated XML declaration');
    if (!/^<\?xml\s+version="1\.[0-9]"/.test(xml.slice(pos, end))) fail('bad XML declaration');
    pos = end + 2;
  }
  skipMisc();
  const root = readElement();
  skipMisc();
  if (pos !== xml.length) fail('content after the root element');
  return root;
}

const descendants = (element: XmlElement, name: string): XmlElement[] =>
  element.children.flatMap((child) => [...(child.name === name ? [child] : []), ...descendants(child, name)]);

/** Every count in the JUnit file equals the JSON report's, suite by suite and in total. */
function expectJunitMatchesReport(xml: string, report: Report) {
  const root = parseXml(xml);
  expect(root.name).toBe('testsuites');
  const suites = root.children.filter((child) => child.name === 'testsuite');
  expect(suites.map((suite) => suite.attributes.name)).toEqual(report.charts.map((chart) => chart.name));
  const stages = report.charts.flatMap((chart) => chart.stages);
  expect(descendants(root, 'testcase')).toHaveLength(stages.length);
  expect(descendants(root, 'failure')).toHaveLength(report.summary.failed);
  expect(descendants(root, 'skipped')).toHaveLength(report.summary.skipped);
  expect(Number(root.attributes.tests)).toBe(stages.length);
  expect(Number(root.attributes.failures)).toBe(report.summary.failed);
  expect(Number(root.attributes.skipped)).toBe(report.summary.skipped);
  report.charts.forEach((chart, index) => {
    const suite = suites[index] as XmlElement;
    const cases = suite.children.filter((child) => child.name === 'testcase');
    const failed = chart.stages.filter((stage) => stage.status === 'failed').length;
    const skipped = chart.stages.filter((stage) => stage.status === 'skipped').length;
    expect(cases, chart.name).toHaveLength(chart.stages.length);
    expect(Number(suite.attributes.tests), chart.name).toBe(chart.stages.length);
    expect(Number(suite.attributes.failures), chart.name).toBe(failed);
    expect(Number(suite.attributes.skipped), chart.name).toBe(skipped);
    // Case by case, in report order: a failed stage carries a <failure>, a skipped one <skipped>.
    chart.stages.forEach((stage, i) => {
      const testcase = cases[i] as XmlElement;
      const kinds = testcase.children.map((child) => child.name).filter((name) => name === 'failure' || name === 'skipped');
      expect(kinds, `${chart.name} ${stage.stage} ${stage.kubeVersion ?? ''}`).toEqual(
        stage.status === 'failed' ? ['failure'] : stage.status === 'skipped' ? ['skipped'] : [],
      );
      expect(testcase.attributes.name).toContain(stage.stage);
      if (stage.status === 'failed') {
        // The failure text carries every error finding's message (decoded back from the escapes).
        const failure = testcase.children.find((child) => child.name === 'failure') as XmlElement;
        for (const finding of errorsOf(stage)) expect(failure.text).toContain(finding.message);
      }
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
      const stages = (report.charts[0] as ChartReport).stages;
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
      expect(report.summary.failed).toBe(1);
      expect(report.summary.errors).toBe(errors.length);
    });
  });

  it('writes JUnit XML for the whole corpus that parses and agrees with the JSON report', async () => {
    const junit = join(root, 'corpus.junit.xml');
    const result = await chartwrightTest(['--all', root, '--format', 'json', '--values', 'values.yaml', '--kube-version', '1.35', '--junit', junit], helm4.path);
    const report = parseReport(result);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(report.charts).toHaveLength(BROKEN_CHARTS.length);
    // Most faults show with values.yaml alone; the failures carry messages full of quotes and <>.
    expect(report.summary.failed).toBeGreaterThanOrEqual(BROKEN_CHARTS.length - 2);
    expectJunitMatchesReport(await readFile(junit, 'utf8'), report);

    // The schema check can fail: a report with an unknown severity or an extra key is rejected.
    const tampered = structuredClone(report) as unknown as { charts: { stages: { findings: { severity: string }[] }[] }[]; extra?: number };
    const finding = tampered.charts.flatMap((chart) => chart.stages).flatMap((stage) => stage.findings)[0] as { severity: string };
    finding.severity = 'fatal';
    expect(validateReport(tampered)).toBe(false);
    expect(validateReport({ ...report, extra: 1 })).toBe(false);
  });
});

describe('the XML well-formedness check', () => {
  // It must be able to fail, or the JUnit assertions above prove nothing.
  it.each([
    ['<a><b></a></b>', '</a> closes <b>'],
    ['<a x="1" x="2"/>', 'duplicate attribute'],
    ['<a>AT&T</a>', 'bare &'],
    ['<a>&nbsp;</a>', 'unknown entity'],
    ['<a x="<"/>', '< in an attribute value'],
    ['<a/><b/>', 'content after the root element'],
    ['<a>\u0001</a>', 'illegal character'],
    ['<a><b/>', 'unclosed <a>'],
  ])('rejects %j', (xml, message) => {
    expect(() => parseXml(xml)).toThrow(message);
  });

  it('reads attributes, escapes and nesting', () => {
    const root = parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<r a="&quot;x&lt;y&quot;"><c>1 &amp; 2</c><c/><!-- note --></r>\n');
    expect(root.attributes.a).toBe('"x<y"');
    expect(root.children.map((child) => child.text)).toEqual(['1 & 2', '']);
  });
});

const availability = registryAvailable();
if (!availability.ok) console.warn(`skipping the example-chart run over charts/ with a mirror: ${availability.reason}`);

describe.skipIf(!availability.ok)('the example charts', () => {
  let registry: Registry | undefined;
  let work: string;
  let copy: string;

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
    copy = join(work, `charts-${helm.label}`);
    await cp(exampleChartsDir, copy, { recursive: true, filter: (path) => !/[\\/]charts[\\/][^\\/]+[\\/]charts$/.test(path) });
    const junit = join(work, `${helm.label}.junit.xml`);
    const result = await chartwrightTest(['--all', copy, '--format', 'json', '--mirror', (registry as Registry).url, '--junit', junit], helm.path);
    const report = parseReport(result);
    const story = report.charts.map((chart) => `${chart.name} (${chart.safetyClass}):\n${describeStages(chart.stages)}`).join('\n') + `\nstderr:\n${result.stderr}`;
    expect(result.exitCode, story).toBe(0);
    expect(report.charts.map((chart) => [chart.name, chart.safetyClass, chart.classSource])).toEqual([
      ['alarm-gateway', 'C', 'chart'],
      ['dose-calculator', 'C', 'chart'],
      ['infusion-events', 'C', 'chart'],
      ['patient-records', 'B', 'chart'],
      ['telemetry-viewer', 'A', 'chart'],
    ]);
    expect(report.summary.failed, story).toBe(0);
    expect(report.summary.errors, story).toBe(0);
    for (const chart of report.charts) {
      const dependencies = chart.stages.find((stage) => stage.stage === 'dependencies') as Stage;
      expect(dependencies.status, `${chart.name}\n${story}`).toBe('passed');
      // Every values set (values.yaml, values-*.yaml, ci/*-values.yaml) x every default minor
      // reached the schema and policy stages; only duplicates and install are skipped.
      const ran = chart.stages.filter((stage) => stage.stage === 'schema' && stage.status === 'passed');
      expect(new Set(ran.map((stage) => stage.kubeVersion)), chart.name).toEqual(new Set(report.kubeVersions));
      for (const stage of chart.stages.filter((candidate) => candidate.status === 'skipped')) {
        expect(stage.stage === 'install' || /^same content as /.test(stage.reason ?? ''), `${chart.name} ${stage.stage}: ${stage.reason}`).toBe(true);
      }
    }
    expectJunitMatchesReport(await readFile(junit, 'utf8'), report);
  });
});
