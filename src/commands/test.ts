import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { checkSafetyClass, type SafetyClass } from '../answers/validate.js';
import { ExitCode, UsageError } from '../errors.js';
import { GENERATOR_VERSION } from '../paths.js';
import type { HumanReporter } from '../report/human.js';
import { toJunit } from '../report/junit.js';
import type { ChartReport, Report } from '../report/model.js';
import { detectHelm, HelmRunner } from '../tools/helm.js';
import type { StageResult } from '../verify/findings.js';
import { chartCrds } from '../kube/crds.js';
import { minorNumber, schemaMinorFor, SCHEMA_MINORS, validateManifests } from '../verify/kubeSchema.js';
import type { Manifest } from '../verify/manifests.js';
import { evaluatePolicy, type Exemption } from '../verify/policy.js';
import { dependencyStage, lintStage, type Mirror, templateStage, timed, valuesFileSets } from '../verify/stages.js';
import { versionBumpStages } from '../verify/versionBump.js';
import { createInstallSession, type InstallOptions, type InstallSession, resolveInstallOptions } from '../install/index.js';
import { resolveMirror } from '../verify/mirror.js';
import { DEFAULT_KUBE_VERSIONS } from '../verify/kubeVersions.js';

export { DEFAULT_KUBE_VERSIONS };

export interface TestOptions {
  charts: string[];
  all: boolean;
  values?: string[];
  kubeVersions?: string[];
  safetyClass?: string;
  format: 'text' | 'json';
  junit?: string;
  helm?: string;
  mirror?: string;
  plainHttp: boolean;
  /** Git ref: flag charts whose templates or values changed since it without a version bump. */
  since?: string;
  /** Raw install-stage options (see src/install/options.ts); validated before anything runs. */
  install?: Partial<Record<keyof InstallOptions, unknown>>;
  /** Report the install stage as skipped without looking for a cluster. */
  skipInstall?: boolean;
}

export interface TestIo {
  stdout: NodeJS.WritableStream;
  reporter: HumanReporter;
}

/** `chartwright test`: every stage for every chart × values file × Kubernetes minor. */
export async function runTest(options: TestOptions, io: TestIo): Promise<number> {
  const kubeVersions = (options.kubeVersions?.length ? options.kubeVersions : DEFAULT_KUBE_VERSIONS).map(checkKubeVersion);
  const forcedClass = options.safetyClass === undefined ? undefined : checkClassFlag(options.safetyClass);
  if (options.format !== 'text' && options.format !== 'json') {
    throw new UsageError(`invalid --format ${JSON.stringify(options.format)}: must be text or json`);
  }
  const charts = findCharts(options.charts.length ? options.charts : ['.'], options.all);
  if (options.junit) checkWritable(options.junit);
  const mirror = resolveMirror(options.mirror, options.plainHttp);
  // Before helm: a chart outside git or an unknown ref is a usage error whatever else is wrong.
  const versionChecks = options.since === undefined ? undefined : await versionBumpStages(charts, options.since);
  const installOptions = options.skipInstall ? undefined : resolveInstallOptions(options.install ?? {});
  const helm = await detectHelm(options.helm);
  io.reporter.step(`testing ${charts.length} chart(s) with helm ${helm.version} (${helm.source}) for Kubernetes ${kubeVersions.join(', ')}`);
  const runner = new HelmRunner(helm);
  const started = performance.now();
  let session: InstallSession | undefined;
  try {
    if (installOptions) {
      session = await createInstallSession(installOptions, { helm, print: (line) => io.reporter.line(line) });
      io.reporter.step(session.status === 'ready' ? `install stage on ${session.description}` : `install stage ${session.status}: ${session.reason ?? 'no cluster'}`);
      for (const warning of session.warnings) io.reporter.warn(warning);
    }
    const install = session;
    const reports = await Promise.all(
      charts.map((chartDir) =>
        testChart(runner, chartDir, { ...(options.values ? { values: options.values } : {}), kubeVersions, forcedClass, mirror, install }, io.reporter),
      ),
    );
    if (versionChecks) {
      const checks = await versionChecks();
      reports.forEach((chart, index) => {
        const check = checks[index] as StageResult;
        io.reporter.stage(check, chart.name);
        chart.stages.splice(1, 0, check);
      });
    }
    const report: Report = {
      tool: { name: 'chartwright', version: GENERATOR_VERSION },
      helm: { version: helm.version },
      kubeVersions,
      schemaMinors: Object.fromEntries(kubeVersions.map((version) => [version, schemaMinorFor(version)])),
      durationMs: Math.round(performance.now() - started),
      charts: reports,
      summary: summarise(reports),
    };
    for (const chart of reports) {
      if (chart.stages.some((stage) => stage.findings.some((finding) => finding.severity !== 'info'))) io.reporter.line(`\n${chart.name} (${chart.path}):`);
      io.reporter.findings(chart.stages);
      for (const exemption of chart.exemptions) io.reporter.line(`  exempt ${exemption.rule} on ${exemption.object}: ${exemption.justification}`);
    }
    io.reporter.summary(reports.flatMap((chart) => chart.stages));
    if (options.format === 'json') io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (options.junit) await writeFile(options.junit, toJunit(report));
    return report.summary.failed > 0 ? ExitCode.checksFailed : ExitCode.ok;
  } finally {
    await session?.cleanup();
    await runner.dispose();
  }
}

/** Fails before any stage runs, rather than after all of them, when the report cannot be written. */
function checkWritable(file: string): void {
  const dir = dirname(resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`invalid --junit ${JSON.stringify(file)}: directory ${dir} does not exist`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`invalid --junit ${JSON.stringify(file)}: is a directory`);
}

function checkKubeVersion(raw: string): string {
  const match = /^v?(1\.\d+)(\.\d+)?$/.exec(raw.trim());
  if (!match?.[1]) throw new UsageError(`invalid --kube-version ${JSON.stringify(raw)}: must be a Kubernetes version like 1.35`);
  if (minorNumber(match[1]) < 20) throw new UsageError(`invalid --kube-version ${JSON.stringify(raw)}: Kubernetes before 1.20 is not supported`);
  return match[1];
}

function checkClassFlag(raw: string): SafetyClass {
  const checked = checkSafetyClass(raw);
  if (!checked.ok) throw new UsageError(`invalid --class ${JSON.stringify(raw)}: ${checked.rule}`);
  return checked.value;
}

// Never charts to test on their own: dependencies, build output, version control.
const SKIP_DIRS = new Set(['node_modules', '.git', '.tmp']);

/** Chart directories to test: each argument, or with --all every chart below it. */
export function findCharts(paths: string[], all: boolean): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    const isChart = existsSync(join(dir, 'Chart.yaml'));
    if (isChart) found.push(dir);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || SKIP_DIRS.has(entry.name) || entry.name.startsWith('.chartwright')) continue;
      // Inside a chart, charts/ holds its dependencies and templates/ its templates; elsewhere a
      // charts/ directory is where a repository keeps its charts (chart-testing's layout).
      if (isChart && (entry.name === 'charts' || entry.name === 'templates')) continue;
      walk(join(dir, entry.name));
    }
  };
  for (const path of paths) {
    const dir = resolve(path);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${path} is not a directory`);
    if (all) walk(dir);
    else if (existsSync(join(dir, 'Chart.yaml'))) found.push(dir);
    else throw new UsageError(`${path} is not a chart (no Chart.yaml); pass a chart directory, or --all to test every chart below it`);
  }
  if (found.length === 0) throw new UsageError(`no charts (directories with a Chart.yaml) below ${paths.join(', ')}`);
  return [...new Set(found)].sort();
}

interface ChartTestOptions {
  values?: string[];
  kubeVersions: string[];
  forcedClass: SafetyClass | undefined;
  mirror: Mirror | undefined;
  /** The cluster session, or undefined with --skip-install. */
  install: InstallSession | undefined;
}

function chartIdentity(chartDir: string, forced: SafetyClass | undefined) {
  let meta: { name?: unknown; version?: unknown; annotations?: Record<string, unknown> } = {};
  try {
    meta = (parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as typeof meta) ?? {};
  } catch {
    // An unreadable Chart.yaml is lint's finding to report; test it under its directory name.
  }
  const recorded = meta.annotations?.['chartwright.io/iec62304-class'];
  const fromChart = recorded === undefined ? undefined : checkSafetyClass(recorded);
  const safetyClass = forced ?? (fromChart?.ok ? fromChart.value : 'C');
  const classSource = forced ? 'flag' : fromChart?.ok ? 'chart' : 'default';
  return { name: String(meta.name ?? basename(chartDir)), version: String(meta.version ?? ''), safetyClass, classSource } as const;
}

/** Values sets to test; a ci/ copy identical to a root values file is skipped, not run twice. */
function selectValuesSets(chartDir: string, only: string[] | undefined): { sets: string[][]; duplicates: Map<string, string> } {
  const all = valuesFileSets(chartDir);
  if (only?.length) {
    for (const file of only) {
      if (!existsSync(join(chartDir, file))) throw new UsageError(`--values ${file}: no such file in ${chartDir}`);
    }
    return { sets: only.map((file) => (file === 'values.yaml' ? [] : [file])), duplicates: new Map() };
  }
  const seen = new Map<string, string>();
  const duplicates = new Map<string, string>();
  for (const [file] of all.filter((set) => set.length === 1) as [string][]) {
    const content = readFileSync(join(chartDir, file), 'utf8');
    const original = seen.get(content);
    if (original) duplicates.set(file, original);
    else seen.set(content, file);
  }
  return { sets: all, duplicates };
}

async function testChart(runner: HelmRunner, chartDir: string, options: ChartTestOptions, reporter: HumanReporter): Promise<ChartReport> {
  const identity = chartIdentity(chartDir, options.forcedClass);
  const label = identity.name;
  const show = (result: StageResult) => {
    reporter.stage(result, label);
    return result;
  };
  const { sets, duplicates } = selectValuesSets(chartDir, options.values);
  const stages: StageResult[] = [show(await dependencyStage(runner, chartDir, options.mirror))];
  const exemptions: Exemption[] = [];
  const notValidated = new Set<string>();
  const newest = [...options.kubeVersions].sort((a, b) => minorNumber(a) - minorNumber(b)).at(-1) as string;

  const perValues = await Promise.all(
    sets.map(async (valuesFiles): Promise<StageResult[]> => {
      const skipAll = (reason: string) =>
        [
          { stage: 'lint' as const },
          ...options.kubeVersions.flatMap((kubeVersion) => [
            { stage: 'template' as const, kubeVersion },
            { stage: 'schema' as const, kubeVersion },
          ]),
          { stage: 'policy' as const, kubeVersion: newest },
          { stage: 'install' as const },
        ].map((entry) => show({ ...entry, valuesFiles, status: 'skipped', durationMs: 0, findings: [], reason }));
      const duplicateOf = valuesFiles.length === 1 ? duplicates.get(valuesFiles[0] as string) : undefined;
      if (duplicateOf) return skipAll(`same content as ${duplicateOf}`);
      if (stages[0]?.status === 'failed') return skipAll('dependencies are missing (see the dependencies stage)');

      const lint = lintStage(runner, chartDir, valuesFiles, newest).then(show);
      const perMinor = options.kubeVersions.map(async (kubeVersion) => {
        const { result: template, manifests } = await templateStage(runner, chartDir, valuesFiles, { kubeVersion });
        show(template);
        const schema = await schemaStage(template, manifests, valuesFiles, kubeVersion, chartDir);
        return { template, schema: show(schema.result), manifests, notValidated: schema.notValidated };
      });
      const minors = await Promise.all(perMinor);
      for (const minor of minors) minor.notValidated.forEach((id) => notValidated.add(id));
      const newestRender = minors[options.kubeVersions.indexOf(newest)] as (typeof minors)[number];
      const policy = await timed('policy', valuesFiles, async () => {
          if (newestRender.template.status !== 'passed') return { findings: [], skipped: true, reason: 'the chart did not render' };
          const outcome = evaluatePolicy(newestRender.manifests, identity.safetyClass);
          for (const exemption of outcome.exemptions) {
            if (!exemptions.some((e) => e.rule === exemption.rule && e.object === exemption.object)) exemptions.push(exemption);
          }
          return { findings: outcome.findings };
      });
      policy.kubeVersion = newest;
      show(policy);
      const skipInstall = (reason: string): StageResult => ({ stage: 'install', valuesFiles, status: 'skipped', durationMs: 0, findings: [], reason });
      const install = show(
        !options.install
          ? skipInstall('--skip-install')
          : newestRender.template.status !== 'passed'
            ? skipInstall('the chart did not render')
            : await options.install.runInstallStage(chartDir, valuesFiles, identity.name.slice(0, 53).replace(/-+$/, '')),
      );
      return [await lint, ...minors.flatMap((minor) => [minor.template, minor.schema]), policy, install];
    }),
  );
  stages.push(...perValues.flat());
  return {
    path: relative(process.cwd(), chartDir) || '.',
    name: identity.name,
    version: identity.version,
    safetyClass: identity.safetyClass,
    classSource: identity.classSource,
    stages,
    exemptions,
    notValidated: [...notValidated].sort(),
  };
}

async function schemaStage(template: StageResult, manifests: Manifest[], valuesFiles: string[], kubeVersion: string, chartDir: string) {
  let notValidated: string[] = [];
  const result = await timed('schema', valuesFiles, async () => {
    if (template.status !== 'passed') return { findings: [], skipped: true, reason: 'the chart did not render' };
    const chart = chartCrds(chartDir);
    const outcome = validateManifests(manifests, kubeVersion, { crds: chart.crds });
    notValidated = outcome.notValidated;
    const reason = outcome.schemaMinor === kubeVersion ? undefined : `validated against the Kubernetes ${outcome.schemaMinor} schema (the nearest bundled)`;
    return { findings: [...chart.findings, ...outcome.findings], ...(reason ? { reason } : {}) };
  });
  result.kubeVersion = kubeVersion;
  return { result, notValidated };
}

function summarise(charts: ChartReport[]): Report['summary'] {
  const stages = charts.flatMap((chart) => chart.stages);
  const findings = stages.flatMap((stage) => stage.findings);
  return {
    charts: charts.length,
    passed: stages.filter((stage) => stage.status === 'passed').length,
    failed: stages.filter((stage) => stage.status === 'failed').length,
    skipped: stages.filter((stage) => stage.status === 'skipped').length,
    errors: findings.filter((finding) => finding.severity === 'error').length,
    warnings: findings.filter((finding) => finding.severity === 'warning').length,
    exemptions: charts.reduce((total, chart) => total + chart.exemptions.length, 0),
  };
}

export { SCHEMA_MINORS };
