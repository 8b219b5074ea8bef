import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { checkSafetyClass, type SafetyClass } from '../answers/validate.js';
import { UsageError } from '../errors.js';
import type { Finding } from '../verify/findings.js';
import type { ChartUnderTest, ClassSource } from './model.js';

/** The annotation that records a chart's IEC 62304 software safety class. */
export const CLASS_ANNOTATION = 'chartwright.io/iec62304-class';

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

/**
 * Symlinks that leave the chart (or lead nowhere). helm follows symlinks, so a chart holding
 * `values-x.yaml -> /etc/shadow` would put that file's lines into findings: such a chart is
 * refused before anything reads it.
 */
export function escapingSymlinks(chartDir: string): Finding[] {
  const root = realpathSync(chartDir);
  const findings: Finding[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const inChart = relative(chartDir, full).split(sep).join('/');
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(full);
        } catch {
          findings.push({ severity: 'error', rule: 'symlink', file: inChart, message: 'is a symlink to nothing (a broken link); replace it with the file itself' });
          continue;
        }
        if (target !== root && !target.startsWith(`${root}${sep}`)) {
          findings.push({
            severity: 'error',
            rule: 'symlink',
            file: inChart,
            message: `is a symlink to ${target}, outside the chart; chartwright reads nothing outside the chart under test (helm would follow it): replace the link with the file itself`,
          });
        }
        continue;
      }
      if (entry.isDirectory() && !(dir === chartDir && entry.name === '.git')) walk(full);
    }
  };
  walk(chartDir);
  return findings;
}

/** values.yaml alone, then with each values-*.yaml and ci/*-values.yaml, in a stable order. */
export function valuesFileSets(chartDir: string): string[][] {
  const rootFiles = readdirSync(chartDir)
    // Any name, line breaks included: a values file helm cannot be given still gets its finding.
    .filter((name) => /^values-.+\.ya?ml$/s.test(name))
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

export interface Dependency {
  name: string;
  version: string;
  repository: string;
  alias?: string;
}

/** Chart.yaml's dependencies; undefined when Chart.yaml does not load (lint reports why). */
export function chartDependencies(chartDir: string): Dependency[] | undefined {
  let chart: { dependencies?: unknown } | null;
  try {
    chart = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as typeof chart;
  } catch {
    return undefined;
  }
  if (!Array.isArray(chart?.dependencies)) return [];
  return (chart.dependencies as Record<string, unknown>[]).map((dep) => ({
    name: String(dep?.name),
    version: String(dep?.version),
    repository: String(dep?.repository ?? ''),
    ...(typeof dep?.alias === 'string' ? { alias: dep.alias } : {}),
  }));
}

interface ChartMeta {
  name?: unknown;
  version?: unknown;
  appVersion?: unknown;
  annotations?: Record<string, unknown>;
}

function readMeta(chartDir: string): ChartMeta {
  try {
    return (parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as ChartMeta | null) ?? {};
  } catch {
    // An unreadable Chart.yaml is lint's finding to report; test the chart under its directory name.
    return {};
  }
}

/**
 * The files --values names, relative to the chart. Each value is a file name, or a
 * comma-separated list of them; a value that names an existing file is taken whole, so a file
 * whose name holds a comma can be given. Nothing outside the chart is accepted.
 */
function valuesFlag(chartDir: string, raw: readonly string[]): string[] {
  const files: string[] = [];
  for (const value of raw) {
    const whole = isFileIn(chartDir, value);
    const parts = whole ? [value] : value.split(',').map((part) => part.trim()).filter(Boolean);
    for (const file of parts) {
      const inChart = relative(chartDir, resolve(chartDir, file));
      if (inChart === '' || inChart.startsWith('..') || isAbsolute(inChart)) {
        throw new UsageError(`invalid --values ${JSON.stringify(file)}: must be a file inside the chart ${chartDir} (chartwright reads nothing outside the chart under test)`);
      }
      if (!isFileIn(chartDir, file)) throw new UsageError(`invalid --values ${JSON.stringify(file)}: no such file in ${chartDir}`);
      files.push(inChart.split(sep).join('/'));
    }
  }
  return [...new Set(files)];
}

/** --values checked against every chart before anything runs (usage errors come first). */
export function checkValuesFlag(chartDirs: readonly string[], raw: readonly string[]): void {
  for (const dir of chartDirs) if (escapingSymlinks(resolve(dir)).length === 0) valuesFlag(resolve(dir), raw);
}

const isFileIn = (chartDir: string, file: string) => existsSync(join(chartDir, file)) && lstatSync(join(chartDir, file)).isFile();

export interface InspectOptions {
  /** --values: only these files (paths relative to the chart; values.yaml for the defaults alone). */
  values?: readonly string[];
  /** --class: judge every chart by this class. */
  forcedClass?: SafetyClass;
}

/**
 * Identity, class and values sets of one chart, plus the file problems that stop every stage
 * (the `files` stage reports them). Nothing under the chart is read before the symlink check.
 */
export function inspectChart(chartDir: string, options: InspectOptions = {}): { chart: ChartUnderTest; fileProblems: Finding[] } {
  const dir = resolve(chartDir);
  const fileProblems = escapingSymlinks(dir);
  const meta = fileProblems.length ? {} : readMeta(dir);
  const recorded = meta.annotations?.[CLASS_ANNOTATION];
  const fromChart = recorded === undefined ? undefined : checkSafetyClass(recorded);
  const safetyClass: SafetyClass = options.forcedClass ?? (fromChart?.ok ? fromChart.value : 'C');
  const classSource: ClassSource = options.forcedClass ? 'flag' : fromChart?.ok ? 'annotation' : 'unclassified';
  let valuesSets: string[][] = [];
  const duplicates: ChartUnderTest['duplicates'] = [];
  if (fileProblems.length === 0) {
    if (options.values?.length) {
      valuesSets = valuesFlag(dir, options.values).map((file) => (file === 'values.yaml' ? [] : [file]));
    } else {
      const seen = new Map<string, string>();
      for (const set of valuesFileSets(dir)) {
        if (set.length === 1) {
          const file = set[0] as string;
          const content = readFileSync(join(dir, file), 'utf8');
          const original = seen.get(content);
          if (original) {
            duplicates.push({ file, sameAs: original });
            continue;
          }
          // A name helm cannot be given is never the one copies are measured against.
          if (!/[\n\r]/.test(file)) seen.set(content, file);
        }
        valuesSets.push(set);
      }
    }
  }
  const chart: ChartUnderTest = {
    dir,
    name: typeof meta.name === 'string' && meta.name ? meta.name : basename(dir),
    version: meta.version === undefined ? '' : String(meta.version),
    ...(meta.appVersion !== undefined ? { appVersion: String(meta.appVersion) } : {}),
    safetyClass,
    classSource,
    valuesSets,
    duplicates,
  };
  return { chart, fileProblems };
}
