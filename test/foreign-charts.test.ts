// `chartwright test` on charts chartwright did not generate: the `helm create` scaffold of each
// helm major, a hand-written chart with an OCI dependency, exemption annotations written by hand,
// and the usage errors of the command. Real helm, real files, the loopback registry; the built CLI.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExampleChart, editChartFile } from './support/broken-charts.js';
import { runCli, tempDir, type CliResult } from './support/cli.js';
import { pushFixtureCharts, registryAvailable, startRegistry, type Registry } from './support/registry.js';
import { parseJsonReport, reportSchemaErrors, type Report } from './support/reports.js';
import { helmBinaries, isolatedHelmEnv } from './support/tools.js';

type Stage = Report['charts'][number]['stages'][number];
type Finding = Stage['findings'][number];

const helms = helmBinaries();
const helm4 = helms.find((helm) => helm.label === 'helm4');
if (!helm4) throw new Error('helm 4 is not provisioned');

const chartwrightTest = (args: string[], helmPath = helm4.path, cwd?: string) =>
  runCli(['test', ...args], { env: { HELM_BIN: helmPath }, ...(cwd ? { cwd } : {}) });

function reportOf(result: CliResult): Report {
  const report = parseJsonReport(result);
  expect(reportSchemaErrors(report)).toEqual([]);
  return report;
}

const stagesOf = (report: Report) => (report.charts[0] as Report['charts'][number]).stages;
const stage = (report: Report, name: string) => stagesOf(report).find((candidate) => candidate.stage === name) as Stage;
const story = (report: Report) =>
  stagesOf(report)
    .map((s) => [`${s.stage} ${s.status}${s.reason ? ` (${s.reason})` : ''}`, ...s.findings.filter((f) => f.severity !== 'info').map((f) => `  ${f.severity} ${f.rule ?? '-'} ${f.object ?? f.file ?? ''}: ${f.message.split('\n')[0]}`)].join('\n'))
    .join('\n');

/** Rule id -> the severities the policy stage gave it (over every object). */
function policySeverities(report: Report): Map<string, Set<string>> {
  const bySeverity = new Map<string, Set<string>>();
  for (const finding of stage(report, 'policy').findings) {
    const rule = finding.rule as string;
    bySeverity.set(rule, (bySeverity.get(rule) ?? new Set()).add(finding.severity));
  }
  return bySeverity;
}

const rulesWith = (report: Report, severity: Finding['severity']) =>
  [...new Set(stage(report, 'policy').findings.filter((f) => f.severity === severity).map((f) => f.rule))].sort();

describe('a `helm create` scaffold', () => {
  // What the stock scaffold (nginx Deployment and a busybox test pod, no security context, no
  // resources, token mounted) breaks at class C, the class of a chart without the annotation.
  // Discovered once with helm 3.17.2 and 4.1.4 and pinned: both scaffolds give the same set.
  const CLASS_C_ERRORS = [
    'cpu-limit', // resources: {} (Polaris cpuLimitsMissing)
    'drop-all-capabilities',
    'egress-restricted', // no NetworkPolicy (Polaris missingNetworkPolicy, kube-score pod-networkpolicy)
    'image-tag-pinned', // the test pod's untagged busybox image
    'network-policy-present',
    'no-privilege-escalation',
    'no-token-automount',
    'read-only-root-filesystem',
    'resource-limits',
    'resource-requests',
    'run-as-non-root',
    'seccomp-profile',
  ];
  // Errors at every class (security basics and an unpinned image).
  const CLASS_A_ERRORS = ['image-tag-pinned', 'no-privilege-escalation', 'run-as-non-root'];

  describe.each(helms)('made by $label ($version)', (helm) => {
    let dir: string;
    let classC: Report;

    beforeAll(async () => {
      const work = await mkdtemp(join(tmpdir(), 'chartwright-scaffold-'));
      dir = join(work, 'demo');
      await execa(helm.path, ['create', dir], { env: isolatedHelmEnv(join(work, 'helm-home')), stdin: 'ignore' });
      const result = await chartwrightTest([dir, '--format', 'json', '--kube-version', '1.35'], helm.path);
      classC = reportOf(result);
      expect(result.exitCode, story(classC)).toBe(1);
      return async () => {
        await rm(work, { recursive: true, force: true });
      };
    });

    it('is judged at class C by default, and lint, template and schema pass', () => {
      const chart = classC.charts[0] as Report['charts'][number];
      expect([chart.name, chart.safetyClass, chart.classSource]).toEqual(['demo', 'C', 'unclassified']);
      for (const name of ['dependencies', 'lint', 'template', 'schema']) expect(stage(classC, name).status, story(classC)).toBe('passed');
      expect(stage(classC, 'policy').status).toBe('failed');
      // Only the policy stage has errors.
      expect(stagesOf(classC).filter((s) => s.findings.some((f) => f.severity === 'error')).map((s) => s.stage)).toEqual(['policy']);
    });

    it('breaks exactly the pinned set of policy rules at class C', () => {
      expect(rulesWith(classC, 'error'), story(classC)).toEqual(CLASS_C_ERRORS);
      // Both objects are judged: the Deployment and the helm test pod.
      const objects = new Set(stage(classC, 'policy').findings.filter((f) => f.rule === 'run-as-non-root').map((f) => f.object));
      expect(objects).toEqual(new Set(['Deployment/release-name-demo', 'Pod/release-name-demo-test-connection']));
    });

    it('with --class A has fewer errors: class-dependent rules become warnings, security basics stay errors', async () => {
      const result = await chartwrightTest([dir, '--format', 'json', '--kube-version', '1.35', '--class', 'A'], helm.path);
      const classA = reportOf(result);
      expect(result.exitCode, story(classA)).toBe(1);
      expect(classA.charts[0]?.safetyClass).toBe('A');
      expect(classA.charts[0]?.classSource).toBe('flag');
      expect(rulesWith(classA, 'error'), story(classA)).toEqual(CLASS_A_ERRORS);
      expect(classA.summary.findings.errors).toBeLessThan(classC.summary.findings.errors);
      const [atC, atA] = [policySeverities(classC), policySeverities(classA)];
      // seccomp-profile: error at B and C, warning at A.
      expect(atC.get('seccomp-profile')).toEqual(new Set(['error']));
      expect(atA.get('seccomp-profile')).toEqual(new Set(['warning']));
      // no-token-automount: error only at C.
      expect(atC.get('no-token-automount')).toEqual(new Set(['error']));
      expect(atA.get('no-token-automount')).toEqual(new Set(['warning']));
      // min-replicas: a warning at C, information at A.
      expect(atC.get('min-replicas')).toEqual(new Set(['warning']));
      expect(atA.get('min-replicas')).toEqual(new Set(['info']));
      // The same violations are found; only their severity differs.
      expect([...atA.keys()].sort()).toEqual([...atC.keys()].sort());
    });
  });
});

/** A chart written by hand (no chartwright annotations) that depends on postgresql 16.7.27 over OCI. */
async function writeHandChart(dir: string, repository: string): Promise<void> {
  await mkdir(join(dir, 'templates'), { recursive: true });
  await writeFile(
    join(dir, 'Chart.yaml'),
    [
      'apiVersion: v2',
      'name: records-api',
      'description: Hand-written chart with a PostgreSQL dependency',
      'type: application',
      'version: 1.2.3',
      'appVersion: "1.2.3"',
      'dependencies:',
      '  - name: postgresql',
      '    version: 16.7.27',
      `    repository: ${repository}`,
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, 'values.yaml'), 'greeting: hello\n');
  await writeFile(
    join(dir, 'templates', 'configmap.yaml'),
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: {{ .Release.Name }}-records-api',
      '  labels:',
      '    app.kubernetes.io/name: records-api',
      '    app.kubernetes.io/instance: {{ .Release.Name }}',
      'data:',
      '  GREETING: {{ .Values.greeting | quote }}',
      '',
    ].join('\n'),
  );
  // Judged at class C (no class annotation), the database pods need network isolation.
  await writeFile(
    join(dir, 'templates', 'networkpolicy.yaml'),
    [
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata:',
      '  name: {{ .Release.Name }}-postgresql',
      '  labels:',
      '    app.kubernetes.io/name: records-api',
      '    app.kubernetes.io/instance: {{ .Release.Name }}',
      'spec:',
      '  podSelector:',
      '    matchLabels:',
      '      app.kubernetes.io/name: postgresql',
      '      app.kubernetes.io/instance: {{ .Release.Name }}',
      '  policyTypes: [Ingress, Egress]',
      '  ingress:',
      '    - from:',
      '        - podSelector:',
      '            matchLabels:',
      '              app.kubernetes.io/instance: {{ .Release.Name }}',
      '      ports:',
      '        - port: 5432',
      '',
    ].join('\n'),
  );
}

describe('a hand-written chart with an OCI dependency', () => {
  it('without a mirror and with an unreachable repository: one dependencies finding; lint runs, what renders is skipped', async () => {
    const dir = join(await tempDir(), 'records-api');
    // Port 1 on loopback: refused at once, never leaves the machine.
    await writeHandChart(dir, 'oci://127.0.0.1:1/charts');
    const result = await chartwrightTest([dir, '--format', 'json', '--kube-version', '1.35']);
    const report = reportOf(result);
    expect(result.exitCode, story(report)).toBe(1);
    const dependencies = stage(report, 'dependencies');
    expect(dependencies.status).toBe('failed');
    expect(dependencies.findings, story(report)).toHaveLength(1);
    expect(dependencies.findings[0]).toMatchObject({ severity: 'error', file: 'Chart.yaml' });
    expect(dependencies.findings[0]?.message).toContain('postgresql 16.7.27');
    expect(dependencies.findings[0]?.message).toContain('--mirror');
    const later = stagesOf(report).filter((s) => !['files', 'dependencies', 'placeholders'].includes(s.stage));
    expect(later.map((s) => s.stage)).toEqual(['lint', 'template', 'schema', 'policy']);
    // helm's own checks of the chart do not need the subchart; they pass and do not repeat the dependency finding.
    expect({ status: stage(report, 'lint').status, findings: stage(report, 'lint').findings.filter((f) => f.severity !== 'info') }).toEqual({ status: 'passed', findings: [] });
    for (const s of later.filter((candidate) => candidate.stage !== 'lint')) {
      expect({ stage: s.stage, status: s.status, reason: s.reason, findings: s.findings }).toEqual({
        stage: s.stage,
        status: 'skipped',
        reason: s.stage === 'template' ? 'dependencies failed' : 'template skipped',
        findings: [],
      });
    }
    expect(report.stagesOff.map((off) => off.stage)).toContain('install');
    expect(report.summary.failedCharts).toEqual(['records-api']);
    expect(existsSync(join(dir, 'charts'))).toBe(false);
  });

  const availability = registryAvailable();
  if (!availability.ok) console.warn(`skipping the mirror test of a hand-written chart: ${availability.reason}`);

  describe.skipIf(!availability.ok)('from the loopback registry', () => {
    let registry: Registry | undefined;
    let work: string;

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'chartwright-foreign-'));
      registry = await startRegistry();
      await pushFixtureCharts(helm4.path, registry.url, isolatedHelmEnv(join(work, 'push-home')));
    });
    afterAll(async () => {
      await registry?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it.each(helms)('with --mirror, $label fetches the dependency and every stage passes', async (helm) => {
      const dir = join(work, `records-api-${helm.label}`);
      await writeHandChart(dir, (registry as Registry).url);
      const result = await chartwrightTest([dir, '--format', 'json', '--kube-version', '1.35', '--mirror', (registry as Registry).url], helm.path);
      const report = reportOf(result);
      expect(result.exitCode, story(report)).toBe(0);
      expect(stage(report, 'dependencies').status).toBe('passed');
      expect(stage(report, 'dependencies').findings).toEqual([]);
      expect(await readdir(join(dir, 'charts'))).toEqual(['postgresql-16.7.27.tgz']);
      for (const name of ['lint', 'template', 'schema', 'policy']) expect(stage(report, name).status, story(report)).toBe('passed');
      // The subchart was rendered and judged too (its StatefulSet has policy findings of lower severity).
      expect(stage(report, 'policy').findings.some((f) => f.object === 'StatefulSet/release-name-postgresql')).toBe(true);
      expect(report.charts[0]?.classSource).toBe('unclassified');
    });
  });
});

describe('exemptions written by hand', () => {
  const DEPLOYMENT = 'Deployment/release-name-telemetry-viewer';

  /** telemetry-viewer without its liveness probe, with the exemption annotation when given. */
  async function chartWithoutLivenessProbe(justification?: string): Promise<string> {
    const dir = await copyExampleChart('telemetry-viewer', join(await tempDir(), 'telemetry-viewer'));
    await editChartFile(dir, 'templates/deployment.yaml', /^ {10}livenessProbe:\n {12}\{\{- include "telemetry-viewer\.probe" \.Values\.probes\.liveness \| nindent 12 \}\}\n/m, '');
    if (justification !== undefined) {
      await editChartFile(
        dir,
        'templates/deployment.yaml',
        /^( {4})\{\{- include "telemetry-viewer\.regulatoryAnnotations" \. \| nindent 4 \}\}$/m,
        `$&\n$1chartwright.io/exempt.liveness-probe: ${JSON.stringify(justification)}`,
      );
    }
    return dir;
  }

  // telemetry-viewer is class A, where a missing liveness probe is a warning: judge it at class B.
  const run = (dir: string) => chartwrightTest([dir, '--format', 'json', '--values', 'values.yaml', '--kube-version', '1.35', '--class', 'B']);

  it('without the annotation, the missing probe is an error at class B', async () => {
    const result = await run(await chartWithoutLivenessProbe());
    const report = reportOf(result);
    expect(result.exitCode, story(report)).toBe(1);
    expect(stage(report, 'policy').findings.filter((f) => f.severity === 'error').map((f) => [f.rule, f.object])).toEqual([['liveness-probe', DEPLOYMENT]]);
    expect(report.charts[0]?.exemptions).toEqual([]);
  });

  it('with a justification, passes and the report lists the exemption', async () => {
    const result = await run(await chartWithoutLivenessProbe('probe served by sidecar, see RISK-12'));
    const report = reportOf(result);
    expect(result.exitCode, story(report)).toBe(0);
    expect(report.charts[0]?.exemptions).toEqual([{ rule: 'liveness-probe', object: DEPLOYMENT, file: 'templates/deployment.yaml', justification: 'probe served by sidecar, see RISK-12' }]);
    expect(report.summary.exemptions).toBe(1);
    expect(stage(report, 'policy').findings.filter((f) => f.rule === 'liveness-probe')).toEqual([]);
    // The text report (stdout) names it too.
    const dir = await chartWithoutLivenessProbe('probe served by sidecar, see RISK-12');
    const text = await chartwrightTest([dir, '--values', 'values.yaml', '--kube-version', '1.35', '--class', 'B']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('exempt [liveness-probe] Deployment/release-name-telemetry-viewer: probe served by sidecar, see RISK-12');
    expect(text.stderr).toBe('');
  });

  it.each([
    ['an empty', ''],
    ['a too short', 'sidecar'],
    ['a blank', '          '],
  ])('with %s justification, is an error and no exemption is listed', async (_label, justification) => {
    const result = await run(await chartWithoutLivenessProbe(justification));
    const report = reportOf(result);
    expect(result.exitCode, story(report)).toBe(1);
    const errors = stage(report, 'policy').findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => f.rule)).toEqual(['liveness-probe', 'liveness-probe']);
    expect(errors.some((f) => f.message.includes('needs a written justification') && f.message.includes('chartwright.io/exempt.liveness-probe'))).toBe(true);
    expect(errors.some((f) => f.message.includes('has no livenessProbe'))).toBe(true);
    expect(report.charts[0]?.exemptions).toEqual([]);
    expect(report.summary.exemptions).toBe(0);
  });
});

describe('usage errors', () => {
  const NO_STACK = /^\s+at /m;
  let chart: string;

  beforeAll(async () => {
    const work = await mkdtemp(join(tmpdir(), 'chartwright-usage-'));
    chart = await copyExampleChart('telemetry-viewer', join(work, 'telemetry-viewer'));
    return async () => {
      await rm(work, { recursive: true, force: true });
    };
  });

  it('a directory without a Chart.yaml exits 2 and says so', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'values.yaml'), 'a: 1\n');
    const result = await chartwrightTest([dir, '--format', 'json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/is not a chart \(no Chart\.yaml\)/);
    expect(result.stderr).not.toMatch(NO_STACK);
    expect(result.stdout).toBe('');
  });

  it.each([
    [['--kube-version', 'banana'], /invalid --kube-version "banana"/],
    [['--class', 'D'], /invalid --class "D"/],
  ])('%j exits 2 with the reason', async (flags, message) => {
    const result = await chartwrightTest([chart, '--format', 'json', ...flags]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(NO_STACK);
    expect(result.stdout).toBe('');
  });

  it('--helm /nonexistent exits 3 with an install hint', async () => {
    const result = await chartwrightTest([chart, '--format', 'json', '--helm', '/nonexistent']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('/nonexistent');
    expect(result.stderr).toMatch(/install Helm/i);
    expect(result.stderr).toContain('https://helm.sh/docs/intro/install/');
    expect(result.stderr).not.toMatch(NO_STACK);
    expect(result.stdout).toBe('');
    // Nothing was fetched or written into the chart.
    expect(existsSync(join(chart, 'charts'))).toBe(false);
  });
});
