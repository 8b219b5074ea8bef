import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import type { Finding } from '../verify/findings.js';
import { parseLintOutput, refineLocation } from '../verify/lintOutput.js';
import { type Manifest, parseManifests } from '../verify/manifests.js';
import { needsPerMinorRender } from './capabilities.js';
import { chartDependencies } from './chart.js';
import { lintAloneArgs, lintFlags, templateArgs, valuesArgs } from './helmArgs.js';
import { lintOutput } from './lintBatch.js';
import { nextTurn } from './run.js';
import type { RunContext, StageOutcome, Unit } from './model.js';

export { GATED_API_VERSIONS, valuesArgs } from './helmArgs.js';

/** Versions of a dependency present in charts/, as .tgz or unpacked directories. */
function presentVersions(chartDir: string, name: string): string[] {
  const chartsDir = join(chartDir, 'charts');
  if (!existsSync(chartsDir)) return [];
  const versions: string[] = [];
  const prefix = `${name}-`;
  for (const entry of readdirSync(chartsDir)) {
    if (entry.startsWith(prefix) && entry.endsWith('.tgz')) {
      const version = entry.slice(prefix.length, -'.tgz'.length);
      if (semver.valid(version)) versions.push(version);
    }
  }
  const unpacked = join(chartsDir, name, 'Chart.yaml');
  if (existsSync(unpacked)) {
    try {
      const meta = parseYaml(readFileSync(unpacked, 'utf8')) as { version?: unknown } | null;
      if (meta?.version !== undefined) versions.push(String(meta.version));
    } catch {
      // lint reports a subchart that does not load
    }
  }
  return versions;
}

/** Charts not made by chartwright use ranges; an exact pin is a range of one version. */
const fits = (version: string, constraint: string) =>
  version === constraint || (semver.validRange(constraint) !== null && semver.satisfies(version, constraint, { includePrerelease: true }));

// The line that says why a fetch failed is often not helm's final `Error:` line (that one may just
// say the repository index is missing); prefer a network or registry cause when helm printed one.
const CAUSE = /dial tcp|no such host|connection refused|i\/o timeout|timeout|unauthorized|forbidden|not found|certificate|HTTP response to HTTPS/i;

/** A failure to reach or read a repository or registry: the case where --mirror helps. */
const FETCH_FAILURE = new RegExp(`${CAUSE.source}|could not download|failed to fetch|no cached repository|unable to get an update|repository name .* not found`, 'i');

/** helm could not load the chart itself (Chart.yaml): lint reports the detail. */
const CHART_DOES_NOT_LOAD = /^(Error: )?(validation: |chart\.metadata|Chart\.ya?ml file is missing|cannot load Chart\.yaml|error converting YAML to JSON)/m;

/**
 * A message without chartwright's private helm home and helm's hashed cache names
 * (`helm-manager-7065…`, `/tmp/chartwright-helm-…`): they mean nothing to the user.
 */
export function withoutHelmPaths(text: string, privateDirs: readonly (string | undefined)[] = []): string {
  let scrubbed = text;
  for (const dir of privateDirs) if (dir) scrubbed = scrubbed.split(dir).join('<helm cache>');
  return scrubbed
    .replace(/(\S*\/)?helm-manager-[0-9a-f]+[^\s:]*/g, '<helm cache>')
    .replace(/\S*chartwright-helm-[^\s:]*/g, '<helm cache>')
    .replace(/(<helm cache>[/\w.-]*)+/g, '<helm cache>');
}

/** The cause of a failed helm call, without helm's advice to run its own commands or our private paths. */
export function helmCause(text: string, privateDirs: readonly (string | undefined)[] = []): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const cause = lines.find((line) => CAUSE.test(line)) ?? lines.find((line) => line.startsWith('Error:')) ?? lines.at(-1) ?? 'no output';
  return withoutHelmPaths(cause.replace(/^Error:\s*/, '').replace(/\s*\(try 'helm repo update'\)/, ''), privateDirs);
}

/**
 * Every dependency present in charts/ at a version Chart.yaml allows: fetched from the mirror
 * when one is given, else with `helm dependency build`. Mirror fetches land in the private helm
 * home first, and an empty charts/ helm made for a failed build is removed, so a failed stage
 * leaves the chart's charts/ as it was.
 */
export async function dependencyStage(unit: Unit, context: RunContext): Promise<StageOutcome> {
  const chartDir = unit.chart.dir;
  const dependencies = chartDependencies(chartDir);
  if (!dependencies) return { findings: [], skipped: 'Chart.yaml does not load (see lint)' };
  const present = new Map(dependencies.map((dep) => [dep.name, presentVersions(chartDir, dep.name)]));
  const versionsOf = (dep: { name: string }) => present.get(dep.name) ?? [];
  const missing = dependencies.filter((dep) => !versionsOf(dep).some((version) => fits(version, dep.version)));
  if (missing.length === 0) return { findings: [] };
  const findings: Finding[] = [];
  const mismatched = missing.filter((dep) => versionsOf(dep).length > 0);
  for (const dep of mismatched) {
    findings.push({
      severity: 'error',
      rule: 'dependency-version',
      file: 'Chart.yaml',
      message:
        `dependency ${dep.name}: charts/ holds version ${versionsOf(dep).join(', ')}, but Chart.yaml asks for ${dep.version}; ` +
        'run `helm dependency update` (or fix the version in Chart.yaml)',
    });
  }
  const fetch = missing.filter((dep) => !mismatched.includes(dep));
  if (fetch.length === 0) return { findings };
  const { helm, mirror } = context;
  const privateDirs = [helm.homeDir];
  if (mirror) {
    // Pulled into the private helm home (removed on exit and on Ctrl-C), then moved into charts/:
    // an interrupted or failed fetch leaves nothing in the user's chart.
    const staging = helm.scratchDir('fetch-');
    try {
      for (const dep of fetch) {
        const ref = `${mirror.url.replace(/\/+$/, '')}/${dep.name}`;
        const args = ['pull', ref, '--version', dep.version, '--destination', staging];
        if (mirror.plainHttp) args.push('--plain-http');
        const result = await helm.run(args, { timeoutMs: context.helmTimeoutMs, signal: context.signal });
        if (result.timedOut) {
          findings.push(timedOutFinding(`helm pull ${ref}`, context.helmTimeoutMs));
        } else if (result.exitCode !== 0) {
          findings.push({
            severity: 'error',
            rule: 'dependency-fetch',
            file: 'Chart.yaml',
            message: `dependency ${dep.name} ${dep.version} could not be fetched from the mirror ${ref}: ${helmCause(`${result.stderr}\n${result.stdout}`, [helm.homeDir])}`,
          });
        }
      }
      const fetched = readdirSync(staging);
      if (fetched.length > 0) {
        await mkdir(join(chartDir, 'charts'), { recursive: true });
        for (const file of fetched) {
          // The private home may be on another filesystem than the chart: copy, then remove.
          copyFileSync(join(staging, file), join(chartDir, 'charts', file));
        }
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    return { findings };
  }
  const hadCharts = existsSync(join(chartDir, 'charts'));
  const result = await helm.run(['dependency', 'build', '.'], { cwd: chartDir, timeoutMs: context.helmTimeoutMs, signal: context.signal });
  if (result.exitCode !== 0) {
    // helm creates charts/ before it knows whether the fetch works.
    if (!hadCharts && existsSync(join(chartDir, 'charts')) && readdirSync(join(chartDir, 'charts')).length === 0) rmSync(join(chartDir, 'charts'), { recursive: true, force: true });
    if (result.timedOut) return { findings: [...findings, timedOutFinding('helm dependency build', context.helmTimeoutMs)] };
    // helm prints why a repository could not be reached on stdout, its final error on stderr.
    const output = `${result.stderr}\n${result.stdout}`;
    if (CHART_DOES_NOT_LOAD.test(result.stderr)) return { findings, skipped: 'helm cannot load the chart (see lint)' };
    const names = fetch.map((dep) => `${dep.name} ${dep.version} (${dep.repository})`).join(', ');
    const cause = helmCause(output, privateDirs);
    findings.push({
      severity: 'error',
      rule: 'dependency-fetch',
      file: 'Chart.yaml',
      message:
        `dependencies missing from charts/ could not be fetched: ${names}: ${cause}` +
        (FETCH_FAILURE.test(output)
          ? '. Without network access, pass --mirror oci://HOST[:PORT]/PATH (or set CHARTWRIGHT_MIRROR) to fetch them from a registry you run.'
          : ''),
    });
  }
  return { findings };
}

// Rendering failures and deprecated APIs are the template and schema stages' to report (per
// Kubernetes minor); lint keeps what only it checks: Chart.yaml, values against the values
// schema, names, dependencies.
const RENDER_OR_DEPRECATION = /(^|\n)\s*(template: |executing "|.*nil pointer)|unable to parse YAML|error converting YAML to JSON|is deprecated in v\d|^[\w.-]+\/templates\/[^:]+:\d+/;

/** The dependencies stage reports missing subcharts (once, with what to do). */
const MISSING_DEPENDENCIES = /^chart directory is missing these dependencies/;

/** `failed to parse values-prod.yaml: [cannot unmarshal yaml document: ]error converting YAML to JSON: yaml: line 51: …` */
const VALUES_PARSE = /failed to parse (.+?): (?:cannot unmarshal yaml document: )?(?:error converting YAML to JSON: )?(?:yaml: )?(?:line (\d+): )?(.*)$/m;

/** `helm lint --strict`: warnings fail too, as they would in chart-testing. */
export async function lintStage(unit: Unit, context: RunContext): Promise<StageOutcome> {
  const values = valuesArgs(unit.valuesFiles);
  if (values.unusable) return { findings: [unusableValues(values.unusable)] };
  const flags = lintFlags(context.newestMinor);
  // The template calls are asked for first (their output is more work for this thread); reading
  // the values files for a shared lint waits until they have started.
  await nextTurn();
  const result = await lintOutput(unit, context, flags, () =>
    context.helm.run(lintAloneArgs(unit.valuesFiles, flags) as string[], { cwd: unit.chart.dir, timeoutMs: context.helmTimeoutMs, signal: context.signal }),
  );
  if (result.timedOut) return { findings: [timedOutFinding('helm lint', context.helmTimeoutMs)] };
  const privateDirs = [context.helm.homeDir];
  const all = parseLintOutput(result.stdout)
    .map((finding) => inChart(finding, unit.chart.dir, privateDirs))
    .flatMap(splitSchemaErrors);
  const valuesFinding = all.some((finding) => finding.file && /values.*\.ya?ml$/.test(finding.file) && finding.severity === 'error');
  // helm says "unable to load chart" with the reason, and the same reason again under templates/.
  const unloadable = all.find((finding) => finding.file === undefined && /^unable to load chart\n/.test(finding.message));
  const loadReason = unloadable?.message.split('\n').slice(1).join('\n').trim();
  const findings = all
    .filter(
      (finding) =>
        !(finding.file?.startsWith('templates') && RENDER_OR_DEPRECATION.test(finding.message)) &&
        !MISSING_DEPENDENCIES.test(finding.message) &&
        // Helm repeats a values-schema failure under templates/; the values file finding says it already.
        !(valuesFinding && finding.file === 'templates/' && /values don't meet the specifications/.test(finding.message)) &&
        !(loadReason && finding !== unloadable && finding.message.trim() === loadReason),
    )
    .map((finding) =>
      finding === unloadable ? { ...finding, file: 'Chart.yaml', message: `helm cannot load the chart: ${loadReason}` } : finding,
    );
  if (result.exitCode !== 0 && all.length === 0) {
    const parse = VALUES_PARSE.exec(result.stderr);
    if (parse?.[1]) {
      findings.push({
        severity: 'error',
        rule: 'values',
        file: parse[1],
        ...(parse[2] ? { line: Number(parse[2]) } : {}),
        message: `does not parse as YAML: ${withoutHelmPaths(parse[3] ?? '', privateDirs)}`,
      });
    } else {
      findings.push({ severity: 'error', rule: 'lint', message: helmCause(result.stderr, privateDirs) });
    }
  }
  // Under --strict a warning fails the lint, as it does for helm itself; what was left to other
  // stages (render errors) fails there.
  return { findings, failed: findings.some((finding) => finding.severity !== 'info') };
}

/**
 * helm lists every values-schema violation of a values file in one finding, one `- …` line each
 * (helm 4: `- at '/image/tag': got number, want string`; helm 3: `- image.tag: Invalid type…`):
 * one finding each, so each is printed once and attributed to the file of the set that has it.
 */
function splitSchemaErrors(finding: Finding): Finding[] {
  if (!finding.file || !/values.*\.ya?ml$/.test(finding.file)) return [finding];
  const lines = finding.message.split('\n').filter((line) => line.trim() !== '');
  if (!lines.every((line) => line.startsWith('- '))) return [finding];
  // helm lists them in Go's map order, which changes from run to run: sorted, the report does not.
  return [...lines].sort().map((line) => {
    const text = line.slice(2).replace(/^at '([^']*)': /, (_match, path: string) => `${path || '(root)'}: `);
    return { ...finding, message: text };
  });
}

/** A lint finding's file relative to the chart (helm names the chart directory itself by its path). */
function inChart(finding: Finding, chartDir: string, privateDirs: readonly (string | undefined)[]): Finding {
  const message = withoutHelmPaths(finding.message, privateDirs);
  if (finding.file === chartDir || finding.file === '' || finding.file === '.') {
    const { file: _file, ...rest } = finding;
    return { ...rest, message };
  }
  if (finding.file?.startsWith(`${chartDir}/`)) return { ...finding, file: finding.file.slice(chartDir.length + 1), message };
  return { ...finding, message };
}

const unusableValues = (file: string): Finding => ({
  severity: 'error',
  rule: 'values-file-name',
  file,
  message: 'helm cannot be given a values file whose name holds a line break (it reads each values file name as a URL); rename the file',
});

const timedOutFinding = (what: string, ms: number): Finding => ({
  severity: 'error',
  rule: 'time-limit',
  message: `${what} did not finish within ${Math.round(ms / 1000)} s and was stopped (a template that loops?); raise the limit with --helm-timeout`,
});

/**
 * A template that includes itself fails at helm's nesting limit with the same call a thousand
 * times over, one message of 150 kB: each run of identical calls is shown once, with its count.
 */
export function condenseRenderError(message: string): string {
  const separator = ': error calling include: ';
  const kept: string[] = [];
  let repeats = 0;
  const flush = () => {
    if (repeats > 0) kept[kept.length - 1] += ` [the same call ${repeats} more time${repeats === 1 ? '' : 's'}]`;
    repeats = 0;
  };
  for (const part of message.split(separator)) {
    if (kept.length > 0 && kept[kept.length - 1] === part) {
      repeats++;
      continue;
    }
    flush();
    kept.push(part);
  }
  flush();
  const condensed = kept.join(separator);
  const limit = 4000;
  return condensed.length <= limit ? condensed : `${condensed.slice(0, limit / 2)} […] ${condensed.slice(-limit / 4)}`;
}

/** helm refused the values (schema or a file that does not parse): lint reports the detail. */
const VALUES_PROBLEM = /values don't meet the specifications|^failed to parse .*\.ya?ml:/im;

export interface Render {
  manifests: Manifest[];
}

const renders = new WeakMap<RunContext, Map<string, Promise<StageOutcome<Render>>>>();
// Per run and chart: the chart cannot change between its template units (they follow the
// dependency stage), so its files are walked once, not once per values set and minor.
const perMinorCharts = new WeakMap<RunContext, Map<string, boolean>>();

function rendersPerMinor(chartDir: string, context: RunContext): boolean {
  let byChart = perMinorCharts.get(context);
  if (!byChart) perMinorCharts.set(context, (byChart = new Map()));
  let answer = byChart.get(chartDir);
  if (answer === undefined) byChart.set(chartDir, (answer = needsPerMinorRender(chartDir, context.kubeVersions)));
  return answer;
}

/**
 * `helm template` for one Kubernetes minor; every document must parse into an object. When no
 * template of the chart or its subcharts reads `.Capabilities.KubeVersion` and every kubeVersion
 * constraint admits all target minors, the output cannot differ between minors: it is rendered
 * once (for the newest) and shared, which test/render-once.test.ts proves on real charts.
 */
export async function templateStage(unit: Unit, context: RunContext): Promise<StageOutcome<Render>> {
  const perMinor = rendersPerMinor(unit.chart.dir, context);
  const kubeVersion = perMinor ? (unit.kubeVersion ?? context.newestMinor) : context.newestMinor;
  let byKey = renders.get(context);
  if (!byKey) renders.set(context, (byKey = new Map()));
  const key = `${unit.chart.dir}\0${unit.valuesFiles.join('\0')}\0${kubeVersion}`;
  let render = byKey.get(key);
  if (!render) {
    render = renderOnce(unit, context, kubeVersion);
    byKey.set(key, render);
  }
  const outcome = await render;
  if (!outcome.output) return outcome;
  const reused = unit.kubeVersion !== undefined && unit.kubeVersion !== kubeVersion;
  return {
    ...outcome,
    ...(reused ? { note: `same render as for Kubernetes ${kubeVersion} (nothing in the chart reads the Kubernetes version)` } : {}),
  };
}

async function renderOnce(unit: Unit, context: RunContext, kubeVersion: string): Promise<StageOutcome<Render>> {
  const args = templateArgs(unit.valuesFiles, kubeVersion);
  // lint reports the file name, once.
  if (!args) return { findings: [], skipped: 'the values file name cannot be passed to helm (see lint)' };
  // First in the queue: the schema and policy checks of its output then run on this process's
  // CPU while the lint calls run.
  const output = await context.helm.run(args, { cwd: unit.chart.dir, timeoutMs: context.helmTimeoutMs, signal: context.signal, first: true });
  if (output.timedOut) return { findings: [timedOutFinding('helm template', context.helmTimeoutMs)] };
  if (output.exitCode !== 0) {
    const message = condenseRenderError(
      withoutHelmPaths(
        output.stderr
          .split('\n')
          .filter((line) => line.trim() !== '' && !line.startsWith('Use --debug') && !line.startsWith('level='))
          .join('\n')
          .replace(/^Error:\s*/, ''),
        [context.helm.homeDir],
      ),
    );
    // Helm parses what it rendered and names the template whose output is not YAML (or not an object).
    const yamlError = /YAML parse error on [^/\s]+\/(\S+?):\s*(.*)/s.exec(message);
    if (yamlError) {
      const detail = /cannot unmarshal (string|number|array|bool)/.exec(yamlError[2] ?? '')
        ? 'rendered document is not a Kubernetes object (a YAML mapping)'
        : `rendered YAML does not parse: ${yamlError[2]}`;
      return { findings: [{ severity: 'error', rule: 'yaml-syntax', file: yamlError[1], message: detail }] };
    }
    // The same values fail helm lint, which names the file and the key: reported there, once.
    if (VALUES_PROBLEM.test(message)) return { findings: [], skipped: 'the values do not load (see lint)' };
    return { findings: [refineLocation({ severity: 'error', rule: 'render', message })] };
  }
  // Parsing is this thread's work: a helm process that ended meanwhile passes its slot on first.
  await nextTurn();
  const parsed = parseManifests(output.stdout);
  return { findings: parsed.findings.map((finding) => ({ ...finding, rule: finding.rule ?? 'yaml-syntax' })), output: { manifests: parsed.manifests } };
}
