import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import type { HelmRunner } from '../tools/helm.js';
import type { Finding, StageName, StageResult } from './findings.js';
import { parseLintOutput, refineLocation } from './lintOutput.js';
import { type Manifest, parseManifests } from './manifests.js';

/** API groups the generated charts gate optional parts on; passed so those parts render too. */
export const GATED_API_VERSIONS = ['monitoring.coreos.com/v1'];

export interface Mirror {
  /** oci://host:port/path holding every dependency chart under its own name. */
  url: string;
  plainHttp: boolean;
}

interface Dependency {
  name: string;
  version: string;
  repository: string;
}

export async function timed(
  stage: StageName,
  valuesFiles: string[],
  work: () => Promise<{ findings: Finding[]; failed?: boolean; reason?: string; skipped?: boolean }>,
): Promise<StageResult> {
  const started = performance.now();
  const outcome = await work();
  const failed = outcome.failed ?? outcome.findings.some((finding) => finding.severity === 'error');
  return {
    stage,
    valuesFiles,
    status: outcome.skipped ? 'skipped' : failed ? 'failed' : 'passed',
    durationMs: Math.round(performance.now() - started),
    findings: outcome.findings,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
  };
}

/** Chart.yaml's dependencies; undefined when Chart.yaml does not load (lint reports why). */
function readDependencies(chartDir: string): Dependency[] | undefined {
  let chart: { dependencies?: unknown } | null;
  try {
    chart = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as typeof chart;
  } catch {
    return undefined;
  }
  if (!Array.isArray(chart?.dependencies)) return [];
  return (chart.dependencies as Dependency[]).map((dep) => ({
    name: String(dep.name),
    version: String(dep.version),
    repository: String(dep.repository ?? ''),
  }));
}

/**
 * A dependency is present as charts/<name>-<version>.tgz or an unpacked charts/<name>/ whose
 * version satisfies the constraint in Chart.yaml (charts not made by chartwright use ranges).
 */
function isPresent(chartDir: string, dep: Dependency): boolean {
  const chartsDir = join(chartDir, 'charts');
  if (!existsSync(chartsDir)) return false;
  const fits = (version: string) => version === dep.version || semver.satisfies(version, dep.version, { includePrerelease: true });
  const prefix = `${dep.name}-`;
  for (const entry of readdirSync(chartsDir)) {
    if (entry.startsWith(prefix) && entry.endsWith('.tgz') && fits(entry.slice(prefix.length, -'.tgz'.length))) return true;
  }
  const unpacked = join(chartsDir, dep.name, 'Chart.yaml');
  if (!existsSync(unpacked)) return false;
  try {
    const meta = parseYaml(readFileSync(unpacked, 'utf8')) as { version?: unknown } | null;
    return fits(String(meta?.version));
  } catch {
    return false;
  }
}

// The line that says why a fetch failed is often not helm's final `Error:` line (that one may just
// say the repository index is missing); prefer a network or registry cause when helm printed one.
const CAUSE = /dial tcp|no such host|connection refused|i\/o timeout|timeout|unauthorized|forbidden|not found|certificate|HTTP response to HTTPS/i;

function firstErrorLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const cause = lines.find((line) => CAUSE.test(line)) ?? lines.find((line) => line.startsWith('Error:')) ?? lines.at(-1) ?? 'no output';
  // Drop helm's advice to run its own commands, and paths inside chartwright's private helm home.
  return cause
    .replace(/^Error:\s*/, '')
    .replace(/\s*\(try 'helm repo update'\)/, '')
    .replace(/:?\s*open \/\S*chartwright-helm-\S*/g, '');
}

/**
 * Makes every dependency present in charts/: fetched from the mirror when one is given,
 * otherwise with `helm dependency build` from the repositories in Chart.yaml. A dependency
 * that cannot be had is one finding, not helm's whole output.
 */
export function dependencyStage(helm: HelmRunner, chartDir: string, mirror?: Mirror): Promise<StageResult> {
  return timed('dependencies', [], async () => {
    const dependencies = readDependencies(chartDir);
    if (!dependencies) return { findings: [], skipped: true, reason: 'Chart.yaml does not load (see lint)' };
    const missing = dependencies.filter((dep) => !isPresent(chartDir, dep));
    if (missing.length === 0) return { findings: [] };
    const findings: Finding[] = [];
    if (mirror) {
      await mkdir(join(chartDir, 'charts'), { recursive: true });
      for (const dep of missing) {
        const ref = `${mirror.url.replace(/\/+$/, '')}/${dep.name}`;
        const args = ['pull', ref, '--version', dep.version, '--destination', join(chartDir, 'charts')];
        if (mirror.plainHttp) args.push('--plain-http');
        const result = await helm.run(args);
        if (result.exitCode !== 0) {
          findings.push({
            severity: 'error',
            file: 'Chart.yaml',
            message: `dependency ${dep.name} ${dep.version} could not be fetched from the mirror ${ref}: ${firstErrorLine(result.stderr)}`,
          });
        }
      }
      return { findings };
    }
    const result = await helm.run(['dependency', 'build', chartDir]);
    if (result.exitCode !== 0) {
      const names = missing.map((dep) => `${dep.name} ${dep.version} (${dep.repository})`).join(', ');
      findings.push({
        severity: 'error',
        file: 'Chart.yaml',
        message:
          `dependencies missing from charts/ could not be fetched: ${names}: ${firstErrorLine(result.stderr)}. ` +
          'Without network access, pass --mirror oci://HOST[:PORT]/PATH (or set CHARTWRIGHT_MIRROR) to fetch them from a registry you run.',
      });
    }
    return { findings };
  });
}

const valuesArgs = (chartDir: string, valuesFiles: string[]) => valuesFiles.flatMap((file) => ['--values', join(chartDir, file)]);

// Rendering failures and deprecated APIs are the template and schema stages' to report (per
// Kubernetes minor); lint keeps what only it checks: Chart.yaml, values against the values
// schema, names, dependencies.
const RENDER_OR_DEPRECATION = /(^|\n)\s*(template: |executing "|.*nil pointer)|unable to parse YAML|error converting YAML to JSON|is deprecated in v\d|^[\w.-]+\/templates\/[^:]+:\d+/;

/** `helm lint --strict`: warnings fail too, as they would in chart-testing. */
export function lintStage(helm: HelmRunner, chartDir: string, valuesFiles: string[], kubeVersion?: string): Promise<StageResult> {
  return timed('lint', valuesFiles, async () => {
    const args = ['lint', chartDir, '--strict', ...valuesArgs(chartDir, valuesFiles)];
    if (kubeVersion) args.push('--kube-version', kubeVersion);
    const result = await helm.run(args);
    const all = parseLintOutput(result.stdout);
    const valuesFinding = all.some((finding) => finding.file && /values.*\.ya?ml$/.test(finding.file) && finding.severity === 'error');
    const findings = all.filter(
      (finding) =>
        !(finding.file?.startsWith('templates') && RENDER_OR_DEPRECATION.test(finding.message)) &&
        // Helm repeats a values-schema failure under templates/; the values file finding says it already.
        !(valuesFinding && finding.file === 'templates/' && /values don't meet the specifications/.test(finding.message)),
    );
    if (result.exitCode !== 0 && all.length === 0) findings.push({ severity: 'error', message: firstErrorLine(result.stderr) });
    // Under --strict a warning fails the lint, as it does for helm itself.
    return { findings, failed: findings.some((finding) => finding.severity !== 'info') };
  });
}

// helm template refuses values that break values.schema.json, or a values file that does not
// parse: both are lint findings, so the template stage is skipped rather than reporting them again.
const VALUES_PROBLEM = /values don't meet the specifications|failed to parse .*values|cannot unmarshal|error parsing|unable to parse values/i;

/** `helm template` for one Kubernetes minor; every document must parse into an object. */
export async function templateStage(
  helm: HelmRunner,
  chartDir: string,
  valuesFiles: string[],
  options: { kubeVersion?: string; apiVersions?: string[] } = {},
): Promise<{ result: StageResult; manifests: Manifest[] }> {
  let manifests: Manifest[] = [];
  const result = await timed('template', valuesFiles, async () => {
    const args = ['template', 'release-name', chartDir, ...valuesArgs(chartDir, valuesFiles)];
    for (const api of options.apiVersions ?? GATED_API_VERSIONS) args.push('--api-versions', api);
    if (options.kubeVersion) args.push('--kube-version', options.kubeVersion);
    const output = await helm.run(args);
    if (output.exitCode !== 0) {
      const message = output.stderr
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('Use --debug') && !line.startsWith('level='))
        .join('\n')
        .replace(/^Error:\s*/, '');
      if (VALUES_PROBLEM.test(message)) return { findings: [], skipped: true, reason: 'the values do not load (see lint)' };
      // Helm parses what it rendered and names the template whose output is not YAML.
      const yamlError = /YAML parse error on [^/\s]+\/(\S+?):\s*(.*)/s.exec(message);
      if (yamlError) return { findings: [{ severity: 'error', rule: 'yaml-syntax', file: yamlError[1], message: `rendered YAML does not parse: ${yamlError[2]}` }] };
      return { findings: [refineLocation({ severity: 'error', rule: 'render', message })] };
    }
    const parsed = parseManifests(output.stdout);
    manifests = parsed.manifests;
    return { findings: parsed.findings.map((finding) => ({ ...finding, rule: 'yaml-syntax' })) };
  });
  if (options.kubeVersion) result.kubeVersion = options.kubeVersion;
  return { result, manifests };
}

/** values.yaml alone, then with each values-*.yaml and ci/*-values.yaml, in a stable order. */
export function valuesFileSets(chartDir: string): string[][] {
  const rootFiles = readdirSync(chartDir)
    .filter((name) => /^values-.+\.ya?ml$/.test(name))
    .sort();
  const ciDir = join(chartDir, 'ci');
  const ciFiles = existsSync(ciDir)
    ? readdirSync(ciDir)
        .filter((name) => /-values\.ya?ml$/.test(name))
        .sort()
        .map((name) => `ci/${name}`)
    : [];
  return [[], ...[...rootFiles, ...ciFiles].map((file) => [file])];
}
