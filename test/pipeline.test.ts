// Regression tests for the wrong results and output problems of issue 9, each from a small chart
// written here, run by the built CLI (a child process without a terminal) with the real helm 3
// and 4 binaries. What the user reads (stdout text, the JSON report, stderr, the exit code, the
// files left behind, the process table) is what is checked.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctFindings } from '../src/report/model.js';
import { helmCause } from '../src/stages/helmStages.js';
import { copyExampleChart } from './support/broken-charts.js';
import { configMap, helmThroughLink, processesOf, writeChart } from './support/charts.js';
import { runCli, tempDir, type CliResult } from './support/cli.js';
import { registryAvailable, startRegistry, type Registry } from './support/registry.js';
import { parseJsonReport, reportSchemaErrors, type Report } from './support/reports.js';
import { helmBinaries, isolatedHelmEnv, repoRoot } from './support/tools.js';

const helms = helmBinaries();
const helm4 = helms.find((helm) => helm.label === 'helm4')!;
const BIN = join(repoRoot, 'bin', 'chartwright.js');
const NO_STACK = /^\s+at /m;

const test = (args: string[], helmPath = helm4.path, env: Record<string, string> = {}) => runCli(['test', ...args], { env: { HELM_BIN: helmPath, ...env } });

function reportOf(result: CliResult): Report {
  const report = parseJsonReport(result);
  expect(reportSchemaErrors(report)).toEqual([]);
  return report;
}
const stagesOf = (report: Report) => report.charts[0]!.stages;
const only = (report: Report, name: string) => stagesOf(report).filter((stage) => stage.stage === name);
const story = (result: CliResult) => `exit ${result.exitCode}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;

/** Nothing but findings on stdout, nothing at all on a non-terminal stderr, for a run that got to a report. */
function expectQuietStderr(result: CliResult) {
  expect(result.stderr, story(result)).toBe('');
}

describe.each(helms)('with $label ($version)', (helm) => {
  it('a template that renders a plain string fails the run (exit 1) in the template stage, once', async () => {
    const dir = await writeChart(join(await tempDir(), 'plain'), { name: 'plain', files: { 'values.yaml': 'a: 1\n', 'templates/note.yaml': 'just a string\n' } });
    const text = await test([dir, '--kube-version', '1.35'], helm.path);
    expect(text.exitCode, story(text)).toBe(1);
    expect(text.stdout).toMatch(/templates\/note\.yaml\n\s+error\s+\[yaml-syntax\] rendered document is not a Kubernetes object/);
    expectQuietStderr(text);
    const report = reportOf(await test([dir, '--kube-version', '1.35', '--format', 'json'], helm.path));
    expect(only(report, 'template').map((stage) => stage.status)).toEqual(['failed']);
    // helm lint fails on it too; the finding is the template stage's, not repeated by lint.
    expect(only(report, 'lint').map((stage) => [stage.status, stage.findings.filter((f) => f.severity !== 'info')])).toEqual([['passed', []]]);
  });

  it('a dependency that cannot be fetched does not hide helm lint\'s Chart.yaml errors', async () => {
    const dir = await writeChart(join(await tempDir(), 'records'), {
      name: 'records',
      chartYaml: ['maintainers:', '  - name: Platform', '    email: not-an-email', 'dependencies:', '  - name: sub', '    version: 1.0.0', '    repository: oci://127.0.0.1:1/charts'].join('\n'),
      files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': configMap('records') },
    });
    const result = await test([dir, '--kube-version', '1.35', '--format', 'json'], helm.path);
    expect(result.exitCode, story(result)).toBe(1);
    const report = reportOf(result);
    const [dependencies] = only(report, 'dependencies');
    expect(dependencies?.status).toBe('failed');
    expect(dependencies?.findings.map((f) => f.rule)).toEqual(['dependency-fetch']);
    const [lint] = only(report, 'lint');
    expect(lint?.status).toBe('failed');
    expect(lint?.findings.filter((f) => f.severity === 'error').map((f) => [f.file, f.message])).toEqual([['Chart.yaml', "invalid email 'not-an-email' for maintainer 'Platform'"]]);
    // helm lint's "missing these dependencies" warning says again what the dependencies stage said.
    expect(lint?.findings.filter((f) => /dependenc/.test(f.message))).toEqual([]);
    expect(existsSync(join(dir, 'charts')), 'a failed dependency stage leaves no charts/').toBe(false);
  });

  it('a Chart.yaml helm cannot load is reported once, by lint; the dependencies stage does not guess a network cause', async () => {
    const dir = await writeChart(join(await tempDir(), 'unloadable'), {
      name: 'unloadable',
      version: 'not-semver',
      chartYaml: ['dependencies:', '  - name: sub', '    version: 1.0.0', '    repository: oci://127.0.0.1:1/charts'].join('\n'),
      files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': configMap('unloadable') },
    });
    const result = await test([dir, '--kube-version', '1.35', '--format', 'json'], helm.path);
    expect(result.exitCode, story(result)).toBe(1);
    const report = reportOf(result);
    expect(only(report, 'dependencies').map((stage) => [stage.status, stage.reason])).toEqual([['skipped', 'helm cannot load the chart (see lint)']]);
    const errors = only(report, 'lint').flatMap((stage) => stage.findings.filter((f) => f.severity === 'error'));
    expect(errors.filter((f) => f.message.startsWith('helm cannot load the chart: validation: chart.metadata.version'))).toHaveLength(1);
    expect(errors.every((f) => f.file === 'Chart.yaml')).toBe(true);
    expect(result.stdout).not.toContain('--mirror');
  });

  it('a template that includes itself gives one short finding, not helm\'s thousand nested calls', async () => {
    const recursive = ['{{- define "self.loop" -}}{{ include "self.loop" . }}{{- end -}}', configMap('self').trimEnd(), '  again: {{ include "self.loop" . | quote }}', ''].join('\n');
    const dir = await writeChart(join(await tempDir(), 'self'), { name: 'self', files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': recursive } });
    const result = await test([dir, '--kube-version', '1.35', '--format', 'json'], helm.path);
    expect(result.exitCode, story(result)).toBe(1);
    const [finding, ...more] = only(reportOf(result), 'template').flatMap((stage) => stage.findings);
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ severity: 'error', rule: 'render', file: 'templates/cm.yaml' });
    expect(finding!.message.length).toBeLessThan(4500);
    expect(finding!.message).toMatch(/\[the same call \d{2,} more times\]/);
  });

  it('a subchart at another version than Chart.yaml asks for says so, and does not send the user to --mirror', async () => {
    const work = await tempDir();
    const sub = await writeChart(join(work, 'sub'), { name: 'sub', version: '0.9.0', files: { 'values.yaml': 'x: 1\n', 'templates/cm.yaml': configMap('sub') } });
    const dir = await writeChart(join(work, 'app'), {
      name: 'app',
      chartYaml: ['dependencies:', '  - name: sub', '    version: 1.0.0', '    repository: oci://127.0.0.1:1/charts'].join('\n'),
      files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': configMap('app') },
    });
    await mkdir(join(dir, 'charts'));
    await execa(helm.path, ['package', sub, '--destination', join(dir, 'charts')], { env: isolatedHelmEnv(join(work, 'home')), stdin: 'ignore' });
    // With and without a mirror: there is nothing to fetch, the archive present is the wrong one.
    for (const extra of [[], ['--mirror', 'oci://127.0.0.1:1/charts']]) {
      const result = await test([dir, '--kube-version', '1.35', '--format', 'json', ...extra], helm.path);
      expect(result.exitCode, story(result)).toBe(1);
      const [dependencies] = only(reportOf(result), 'dependencies');
      expect(dependencies?.findings).toEqual([
        {
          severity: 'error',
          rule: 'dependency-version',
          file: 'Chart.yaml',
          message: 'dependency sub: charts/ holds version 0.9.0, but Chart.yaml asks for 1.0.0; run `helm dependency update` (or fix the version in Chart.yaml)',
        },
      ]);
    }
    expect(readdirSync(join(dir, 'charts'))).toEqual(['sub-0.9.0.tgz']);
  });

  it("no message names helm's cache or chartwright's private helm home", async () => {
    // An https repository that cannot be reached: helm's own error names its hashed cache file.
    const dir = await writeChart(join(await tempDir(), 'cached'), {
      name: 'cached',
      chartYaml: ['dependencies:', '  - name: sub', '    version: 1.0.0', '    repository: https://127.0.0.1:1/charts'].join('\n'),
      files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': configMap('cached') },
    });
    const raw = await execa(helm.path, ['dependency', 'build', dir], { env: isolatedHelmEnv(join(await tempDir(), 'home')), reject: false, stdin: 'ignore' });
    expect(raw.stderr, 'helm itself names its cache').toMatch(/helm-manager-[0-9a-f]{16,}/);
    expect(helmCause(`${raw.stderr}\n${raw.stdout}`)).not.toMatch(/helm-manager-|<helm cache>/);
    for (const format of ['text', 'json', 'sarif', 'junit']) {
      const result = await test([dir, '--kube-version', '1.35', '--format', format], helm.path);
      expect(result.exitCode, story(result)).toBe(1);
      expect(result.stdout).toContain('dial tcp 127.0.0.1:1');
      expect(result.stdout + result.stderr).not.toMatch(/helm-manager-|chartwright-helm-|<helm cache>/);
    }
    expect(existsSync(join(dir, 'charts'))).toBe(false);
  });

  it('a typo in values-prod.yaml is attributed to values-prod.yaml, not values.yaml', async () => {
    const dir = await copyExampleChart('telemetry-viewer', join(await tempDir(), 'telemetry-viewer'));
    await writeFile(join(dir, 'values-prod.yaml'), `${await readFile(join(dir, 'values-prod.yaml'), 'utf8')}replicaCont: 3\n`);
    const result = await test([dir, '--kube-version', '1.35', '--format', 'json'], helm.path);
    expect(result.exitCode, story(result)).toBe(1);
    const lint = only(reportOf(result), 'lint');
    const errors = lint.flatMap((stage) => stage.findings.filter((f) => f.severity === 'error').map((f) => ({ set: stage.valuesFiles.join(','), file: f.file, typo: f.message.includes('replicaCont') })));
    expect(errors).toEqual([{ set: 'values-prod.yaml', file: 'values-prod.yaml', typo: true }]);
    // The values do not load for that set: template says so once, lint carries the detail.
    const template = only(reportOf(result), 'template').filter((stage) => stage.valuesFiles.join(',') === 'values-prod.yaml');
    expect(template.map((stage) => [stage.status, stage.reason])).toEqual([['skipped', 'the values do not load (see lint)']]);
    const text = await test([dir, '--kube-version', '1.35'], helm.path);
    expect(text.stdout).toMatch(/\n {2}values-prod\.yaml\n\s+error\s+.*replicaCont/);
    expect(text.stdout).not.toMatch(/\n {2}values\.yaml\n/);
  });
});

describe('symlinks out of the chart', () => {
  const SECRET = 'root:x:0:0:SECRET-LINE-5f1c9e:/root:/bin/bash';

  async function chartWithOutsideLinks(): Promise<{ dir: string; outside: string }> {
    const work = await tempDir();
    const outside = join(work, 'outside');
    await mkdir(join(outside, 'templates'), { recursive: true });
    await writeFile(join(outside, 'shadow'), `${SECRET}\nsecond: SECRET-LINE-2b7d\n`);
    await writeFile(join(outside, 'templates', 'leak.yaml'), configMap('SECRET-LINE-TEMPLATE'));
    const dir = await writeChart(join(work, 'linked'), { name: 'linked', files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': configMap('linked') } });
    return { dir, outside };
  }

  it.each([
    ['a values file linked to a file outside', async (dir: string, outside: string) => symlink(join(outside, 'shadow'), join(dir, 'values-x.yaml')), 'values-x.yaml'],
    ['a values file linked to /etc/passwd', async (dir: string) => symlink('/etc/passwd', join(dir, 'values-x.yaml')), 'values-x.yaml'],
    ['a template directory linked outside', async (dir: string, outside: string) => symlink(join(outside, 'templates'), join(dir, 'templates', 'shared')), 'templates/shared'],
  ])('%s is a clear error, and no line of the target reaches any output', async (_label, link, file) => {
    const { dir, outside } = await chartWithOutsideLinks();
    await link(dir, outside);
    const passwd = existsSync('/etc/passwd') ? (await readFile('/etc/passwd', 'utf8')).split('\n').filter((line) => line.length > 8) : [];
    for (const args of [[], ['--format', 'json'], ['--format', 'sarif'], ['--format', 'junit'], ['--values', 'values.yaml'], ['--verbose', '--include-subcharts']]) {
      const result = await test([dir, '--kube-version', '1.35', ...args]);
      expect(result.exitCode, story(result)).toBe(1);
      const output = result.stdout + result.stderr;
      expect(output).toContain(file);
      expect(output).toMatch(/outside the chart/);
      expect(output).not.toMatch(/SECRET-LINE/);
      for (const line of passwd) expect(output, 'a line of /etc/passwd').not.toContain(line);
      expect(result.stderr).toBe('');
    }
    const report = reportOf(await test([dir, '--kube-version', '1.35', '--format', 'json']));
    const [files] = only(report, 'files');
    expect(files?.findings.map((f) => [f.rule, f.file])).toEqual([['symlink', file]]);
    // Nothing reads the chart after that: every other check is skipped, saying why.
    for (const stage of stagesOf(report).filter((candidate) => candidate.stage !== 'files')) expect(stage.status).toBe('skipped');
  });

  it('--values naming a file outside the chart is a usage error', async () => {
    const { dir, outside } = await chartWithOutsideLinks();
    for (const values of [join(outside, 'shadow'), '../outside/shadow']) {
      const result = await test([dir, '--values', values]);
      expect(result.exitCode, story(result)).toBe(2);
      expect(result.stderr).toMatch(/invalid --values .*: must be a file inside the chart/);
      expect(result.stdout + result.stderr).not.toMatch(/SECRET-LINE/);
      expect(result.stderr).not.toMatch(NO_STACK);
    }
  });
});

describe('paths with a comma, a space, a quote and a line break', () => {
  // values.yaml alone fails `required`: the set passes only if helm read the file with the odd name.
  const requiring = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: odd', 'data:', '  from: {{ required "no values file was read" .Values.fromFile | quote }}', ''].join('\n');

  it.each(helms)('work as the chart directory and as values file names, with $label', async (helm) => {
    const dir = await writeChart(join(await tempDir(), 'my,chart dir\nsecond line'), {
      name: 'odd',
      files: { 'values.yaml': 'fromFile: ""\n', 'templates/cm.yaml': requiring, 'values-a,b.yaml': 'fromFile: comma\n', 'values-say "hi".yaml': 'fromFile: quote\n', 'values-with space.yaml': 'fromFile: space\n' },
    });
    const result = await test([dir, '--kube-version', '1.35', '--format', 'json', '--values', 'values-a,b.yaml', '--values', 'values-say "hi".yaml', '--values', 'values-with space.yaml'], helm.path);
    const report = reportOf(result);
    const failing = stagesOf(report).filter((stage) => stage.status !== 'passed' && stage.stage !== 'policy');
    expect(failing, story(result)).toEqual([]);
    expect(only(report, 'template').map((stage) => stage.valuesFiles)).toEqual([['values-a,b.yaml'], ['values-say "hi".yaml'], ['values-with space.yaml']]);
    // The text report keeps the chart on one line.
    const text = await test([dir, '--kube-version', '1.35', '--values', 'values-a,b.yaml'], helm.path);
    expect(text.stdout.split('\n')[0]).toContain(JSON.stringify(report.charts[0]!.path));
  });

  it('a values file whose name holds a line break gets one clear finding; the other sets are tested', async () => {
    const dir = await writeChart(join(await tempDir(), 'newline'), {
      name: 'newline',
      files: { 'values.yaml': 'fromFile: base\n', 'templates/cm.yaml': requiring, 'values-two\nlines.yaml': 'fromFile: base\n' },
    });
    const result = await test([dir, '--kube-version', '1.35', '--format', 'json']);
    expect(result.exitCode, story(result)).toBe(1);
    const report = reportOf(result);
    // Same content as values.yaml, but a name helm cannot be given is never what copies are measured against.
    expect(report.charts[0]!.duplicates).toEqual([]);
    const findings = stagesOf(report).flatMap((stage) => stage.findings.filter((f) => f.severity === 'error').map((f) => ({ stage: stage.stage, rule: f.rule, file: f.file })));
    expect(findings).toEqual([{ stage: 'lint', rule: 'values-file-name', file: 'values-two\nlines.yaml' }]);
    expect(only(report, 'template').filter((stage) => stage.valuesFiles.length === 0).map((stage) => stage.status)).toEqual(['passed']);
    const text = await test([dir, '--kube-version', '1.35']);
    expect(text.stdout).toContain('"values-two\\nlines.yaml"');
    expect(text.stdout.match(/values-file-name/g)).toHaveLength(1);
  });
});

describe('a looping template', () => {
  // 10^10 iterations of nothing: helm neither finishes nor exits on SIGTERM while in it.
  const looping = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: loop', 'data:', '  a: "{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}"', ''].join('\n');

  it.each(helms)('is stopped by --helm-timeout 5s with a clear finding, and no helm process is left ($label)', async (helm) => {
    const work = await tempDir();
    const dir = await writeChart(join(work, 'loop'), { name: 'loop', files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': looping } });
    const link = await helmThroughLink(join(work, 'bin'), helm.path);
    const result = await test([dir, '--kube-version', '1.35', '--helm-timeout', '5s', '--format', 'json'], link);
    expect(result.exitCode, story(result)).toBe(1);
    const report = reportOf(result);
    for (const name of ['lint', 'template']) {
      const [stage] = only(report, name);
      expect(stage?.findings.map((f) => [f.rule, f.message]), name).toEqual([
        ['time-limit', `helm ${name} did not finish within 5 s and was stopped (a template that loops?); raise the limit with --helm-timeout`],
      ]);
    }
    expect(processesOf(link)).toEqual([]);
  });
});

describe('list flags', () => {
  it.each([
    [['--kube-version', '1.35'], ['1.35']],
    [['--kube-version', '1.35,1.36'], ['1.35', '1.36']],
    [['--kube-version', '1.35', '--kube-version', '1.37'], ['1.35', '1.37']],
    [['--values', 'values.yaml', '--kube-version', '1.36'], ['1.36']],
  ])('%j before the chart directory do not swallow it', async (flags, minors) => {
    const cwd = await tempDir();
    await copyExampleChart('telemetry-viewer', join(cwd, 'mychart'));
    const result = await runCli(['test', ...flags, 'mychart', '--format', 'json'], { cwd, env: { HELM_BIN: helm4.path } });
    expect(result.exitCode, story(result)).toBe(0);
    const report = reportOf(result);
    expect(report.charts.map((chart) => chart.path)).toEqual(['mychart']);
    expect(report.kubeVersions).toEqual(minors);
    if (flags.includes('--values')) expect(new Set(only(report, 'lint').map((stage) => stage.valuesFiles.join(',')))).toEqual(new Set(['']));
  });
});

describe('the text report', () => {
  it('a chart without a class annotation says it is judged as class C; --class says where the class came from', async () => {
    const dir = await writeChart(join(await tempDir(), 'plain-cm'), { name: 'plain-cm', files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': configMap('plain-cm') } });
    const unclassified = await test([dir, '--kube-version', '1.35']);
    expect(unclassified.stdout).toContain('IEC 62304 class C, unclassified: judged as class C, as IEC 62304 requires');
    const report = reportOf(await test([dir, '--kube-version', '1.35', '--format', 'json']));
    expect([report.charts[0]!.safetyClass, report.charts[0]!.classSource]).toEqual(['C', 'unclassified']);
    const flagged = await test([dir, '--kube-version', '1.35', '--class', 'A']);
    expect(flagged.stdout).toContain('IEC 62304 class A, from --class');
    const annotated = await writeChart(join(await tempDir(), 'annotated'), { name: 'annotated', safetyClass: 'B', files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': configMap('annotated') } });
    expect((await test([annotated, '--kube-version', '1.35'])).stdout).toContain('IEC 62304 class B, from its chartwright.io/iec62304-class annotation');
  });

  it('prints each distinct finding once, with where it holds; the JSON keeps every occurrence', async () => {
    const dir = await writeChart(join(await tempDir(), 'repeated'), {
      name: 'repeated',
      safetyClass: 'A',
      files: { 'values.yaml': 'a: 1\n', 'values-dev.yaml': 'a: 2\n', 'values-prod.yaml': 'a: 3\n', 'templates/cm.yaml': configMap('repeated', 'bogusField: x') },
    });
    const text = await test([dir]);
    expect(text.exitCode, story(text)).toBe(1);
    expectQuietStderr(text);
    const report = reportOf(await test([dir, '--format', 'json']));
    // The unknown field is found for 3 values sets x 3 minors: 9 results, one line.
    const results = only(report, 'schema').filter((stage) => stage.findings.some((f) => f.message.includes('bogusField')));
    expect(results).toHaveLength(9);
    const lines = text.stdout.split('\n').filter((line) => line.includes('bogusField'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\(all 3 values sets; all 3 minors\)$/);
    // Grouped by file, then object.
    expect(text.stdout).toMatch(/\n {2}templates\/cm\.yaml\n {4}ConfigMap\/repeated\n {6}error/);
    // The minor a message names is folded in: one line for all three.
    expect(lines[0]).toContain('of Kubernetes 1.35, 1.36 and 1.37');
    // Every distinct finding of the report is printed exactly once (infos only with --verbose).
    const verbose = await test([dir, '--verbose']);
    const distinct = distinctFindings(report.charts[0]!);
    expect(distinct.length).toBeGreaterThan(1);
    for (const finding of distinct) expect(verbose.stdout.split(finding.message.split('\n')[0] as string).length - 1, finding.message).toBe(1);
  });

  it('counts subchart findings apart and shows them with --include-subcharts', async () => {
    const dir = await writeChart(join(await tempDir(), 'parent'), {
      name: 'parent',
      safetyClass: 'A',
      chartYaml: ['dependencies:', '  - name: vendored', '    version: 0.1.0'].join('\n'),
      files: {
        'values.yaml': 'a: 1\n',
        'templates/cm.yaml': configMap('parent'),
        'charts/vendored/Chart.yaml': 'apiVersion: v2\nname: vendored\nversion: 0.1.0\n',
        'charts/vendored/values.yaml': 'b: 1\n',
        'charts/vendored/templates/cm.yaml': configMap('vendored', 'vendorBogus: y'),
      },
    });
    const result = await test([dir, '--kube-version', '1.35', '--format', 'json']);
    const report = reportOf(result);
    expect(report.summary.subchartFindings.errors).toBe(1);
    expect(report.summary.findings.errors).toBe(0);
    const plain = await test([dir, '--kube-version', '1.35']);
    expect(plain.stdout).not.toContain('vendorBogus');
    expect(plain.stdout).toMatch(/subcharts \(not yours to edit; --include-subcharts shows them\): vendored: 1 error/);
    expect(plain.stdout).toMatch(/in subcharts 1 error/);
    const shown = await test([dir, '--kube-version', '1.35', '--include-subcharts']);
    expect(shown.stdout).toMatch(/\n {2}charts\/vendored\/templates\/cm\.yaml\n {4}ConfigMap\/vendored\n {6}error .*vendorBogus/);
  });

  it('the summary names the failing charts and counts errors, warnings and infos; --quiet shows only failing charts and errors', async () => {
    const root = await tempDir();
    await copyExampleChart('telemetry-viewer', join(root, 'good'));
    await writeChart(join(root, 'bad'), { name: 'bad-chart', safetyClass: 'A', files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': configMap('bad', 'bogusField: x') } });
    const result = await test(['--all', root, '--kube-version', '1.35']);
    expect(result.exitCode, story(result)).toBe(1);
    expectQuietStderr(result);
    const report = reportOf(await test(['--all', root, '--kube-version', '1.35', '--format', 'json']));
    const { findings } = report.summary;
    const summary = result.stdout.trimEnd().split('\n').at(-1) as string;
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    expect(summary).toContain(`2 charts tested, 1 failed (bad-chart): ${plural(findings.errors, 'error')}, ${plural(findings.warnings, 'warning')}, ${plural(findings.infos, 'info')}`);
    expect(report.summary.failedCharts).toEqual(['bad-chart']);
    expect(findings.errors).toBeGreaterThan(0);
    const quiet = await test(['--all', root, '--kube-version', '1.35', '--quiet']);
    expect(quiet.stdout).toContain('bad-chart');
    expect(quiet.stdout).not.toContain('telemetry-viewer 0.1.0');
    expect(quiet.stdout).not.toMatch(/^\s+warning /m);
    expect((await test(['--all', root, '--quiet', '--verbose'])).exitCode).toBe(2);
  });
});

describe('pipes and signals', () => {
  it('`chartwright test ... | head -1` prints no EPIPE stack trace', async () => {
    const root = await tempDir();
    for (const name of ['telemetry-viewer', 'alarm-gateway'] as const) await copyExampleChart(name, join(root, name));
    for (const reader of ['head -1', 'head -c 0', 'true']) {
      for (const format of ['text', 'json']) {
        const shell = await execa('bash', ['-c', `"${process.execPath}" "${BIN}" test --all "${root}" --format ${format} --verbose | ${reader} >/dev/null; echo "status=\${PIPESTATUS[0]}" >&2`], {
          env: { HELM_BIN: helm4.path, NO_COLOR: '1' },
          stdin: 'ignore',
          reject: false,
        });
        expect(shell.stderr, `${format} | ${reader}`).toMatch(/^status=0$/m);
        expect(shell.stderr.replace(/^status=0$/m, '').trim(), `${format} | ${reader}`).toBe('');
      }
    }
  });

  it('SIGINT during a run prints no FAIL line, exits 130, and leaves no temporary directory and no helm process', async () => {
    const work = await tempDir();
    const scratch = join(work, 'tmp');
    await mkdir(scratch);
    const looping = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: loop', 'data:', '  a: "{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}"', ''].join('\n');
    const dir = await writeChart(join(work, 'slow'), { name: 'slow', files: { 'values.yaml': 'a: 1\n', 'templates/cm.yaml': looping } });
    const link = await helmThroughLink(join(work, 'bin'), helm4.path);
    const child = spawn(process.execPath, [BIN, 'test', dir, '--kube-version', '1.35'], { env: { ...process.env, HELM_BIN: link, TMPDIR: scratch, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Interrupt once helm runs (lint and template, looping).
    for (let waited = 0; processesOf(link).length < 2 && waited < 30_000; waited += 100) await delay(100);
    expect(processesOf(link).length, 'helm started').toBeGreaterThan(0);
    expect(readdirSync(scratch).some((name) => name.startsWith('chartwright-helm-')), 'the private helm home exists while running').toBe(true);
    child.kill('SIGINT');
    const code = await exited;
    expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(130);
    expect(stdout + stderr).not.toMatch(/FAIL/);
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(NO_STACK);
    expect(readdirSync(scratch)).toEqual([]);
    expect(processesOf(link)).toEqual([]);
  });
});

const availability = registryAvailable();
if (!availability.ok) console.warn(`skipping lint-after-fetch test: ${availability.reason}`);

describe.skipIf(!availability.ok)('with a mirror', () => {
  let registry: Registry | undefined;
  let work = '';
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chartwright-pipeline-'));
    registry = await startRegistry();
    // A subchart whose values schema wants an integer: only a lint that sees the fetched
    // subchart can find the parent's string for it.
    const sub = await writeChart(join(work, 'strict-sub'), {
      name: 'strict-sub',
      version: '2.0.0',
      files: {
        'values.yaml': 'replicas: 1\n',
        'values.schema.json': JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { replicas: { type: 'integer' } } }),
        'templates/cm.yaml': configMap('strict-sub'),
      },
    });
    const env = isolatedHelmEnv(join(work, 'push-home'));
    await execa(helm4.path, ['package', sub, '--destination', work], { env, stdin: 'ignore' });
    await execa(helm4.path, ['push', join(work, 'strict-sub-2.0.0.tgz'), registry.url, '--plain-http'], { env, stdin: 'ignore' });
  });
  afterAll(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.each(helms)('lint runs after the fetch and checks the values against the subchart it fetched ($label)', async (helm) => {
    const dir = await writeChart(join(await tempDir(), 'uses-sub'), {
      name: 'uses-sub',
      chartYaml: ['dependencies:', '  - name: strict-sub', '    version: 2.0.0', `    repository: ${registry!.url}`].join('\n'),
      files: { 'values.yaml': 'strict-sub:\n  replicas: many\n', 'templates/cm.yaml': configMap('uses-sub') },
    });
    const result = await test([dir, '--kube-version', '1.35', '--format', 'json', '--mirror', registry!.url], helm.path);
    const report = reportOf(result);
    expect(only(report, 'dependencies').map((stage) => stage.status)).toEqual(['passed']);
    const [lint] = only(report, 'lint');
    expect(lint?.status, story(result)).toBe('failed');
    expect(lint?.findings.some((f) => f.severity === 'error' && /replicas/.test(f.message))).toBe(true);
    expect(readdirSync(join(dir, 'charts'))).toEqual(['strict-sub-2.0.0.tgz']);
  });
});
