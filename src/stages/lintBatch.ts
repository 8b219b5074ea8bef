import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadKubernetesYaml } from '../kube/yaml11.js';
import { DEFAULT_HELM_TIMEOUT_MS, type HelmResult, type HelmRunner } from '../tools/helm.js';
import { chartDependencies } from './chart.js';
import { lintAloneArgs } from './helmArgs.js';
import type { ChartUnderTest, RunContext, Unit } from './model.js';

/*
 * helm lint takes several charts in one call but one set of values for all of them, and most of
 * a lint call is helm starting up (about 60 ms of Go package initialisation, against 10 to 40 ms
 * of linting). So the values sets of a chart are linted by one process: the chart itself for
 * values.yaml alone, and for each other set a view of the chart (a directory of links to its
 * files) whose values.yaml holds what helm makes of values.yaml under `--values` of the set.
 * A set is viewed only when that merge is certain (`mergedValues`); any other set, and any set
 * whose section helm did not print, is linted by a call of its own, as it always was.
 * test/lint-batch.test.ts holds both to real helm: the values each helm renders from a view
 * and from --values, and the findings of the shared call and of separate calls.
 */

/** A values set's share of a lint call: helm's output as if linted alone. */
type Section = HelmResult;

type Values = Record<string, unknown>;

interface Batch {
  /** The values sets the shared call covers. */
  covers: Set<string>;
  sections: Promise<Map<string, Section>>;
}

const batches = new WeakMap<RunContext, Map<string, Batch>>();

const setKey = (valuesFiles: readonly string[]) => valuesFiles.join('\0');

/** The lint output for the unit's values set, from the chart's shared call when it is in one. */
export async function lintOutput(unit: Unit, context: RunContext, args: readonly string[], runAlone: () => Promise<HelmResult>): Promise<HelmResult> {
  let byChart = batches.get(context);
  if (!byChart) batches.set(context, (byChart = new Map()));
  let batch = byChart.get(unit.chart.dir);
  if (!batch) byChart.set(unit.chart.dir, (batch = startBatch(unit, context, args)));
  // A set the shared call does not cover starts now, beside it.
  if (!batch.covers.has(setKey(unit.valuesFiles))) return runAlone();
  return (await batch.sections).get(setKey(unit.valuesFiles)) ?? runAlone();
}

interface View {
  key: string;
  /** "." for the chart itself (values.yaml alone), else the view's directory. */
  path: string;
  values?: Values;
}

/** Starts one helm lint for every values set of the chart that can be viewed (none when fewer than two). */
function startBatch(unit: Unit, context: RunContext, args: readonly string[]): Batch {
  const views = chartViews(context.helm, unit.chart);
  if (!views) return { covers: new Set(), sections: Promise.resolve(new Map()) };
  return { covers: new Set(views.map((view) => view.key)), sections: runBatch(unit.chart.dir, views, context, args) };
}

/**
 * Starts the lint calls of a chart just written, ahead of the lint stage (`new` does, beside the
 * template calls): the shared one is a run's longest helm call, then each set it does not cover.
 * The stage then takes these very calls.
 */
export function startLints(helm: HelmRunner, chart: Pick<ChartUnderTest, 'dir' | 'valuesSets'>, args: readonly string[]): void {
  const views = chartViews(helm, chart);
  const options = { cwd: chart.dir, timeoutMs: DEFAULT_HELM_TIMEOUT_MS, first: true };
  if (views) helm.prefetch(sharedLintArgs(views, args), options);
  const covered = new Set(views?.map((view) => view.key));
  for (const valuesFiles of chart.valuesSets) {
    const alone = covered.has(setKey(valuesFiles)) ? undefined : lintAloneArgs(valuesFiles, args);
    if (alone) helm.prefetch(alone, options);
  }
}

// Planned and written once per helm runner, so a call started ahead names the same views.
const viewsByRunner = new WeakMap<HelmRunner, Map<string, View[] | undefined>>();

/** The views of a chart's values sets for a shared call; undefined when fewer than two can be linted together. */
function chartViews(helm: HelmRunner, chart: Pick<ChartUnderTest, 'dir' | 'valuesSets'>): View[] | undefined {
  let byChart = viewsByRunner.get(helm);
  if (!byChart) viewsByRunner.set(helm, (byChart = new Map()));
  if (!byChart.has(chart.dir)) {
    const views = plannedViews(chart.dir, chart.valuesSets);
    byChart.set(chart.dir, views.length >= 2 && writeViews(chart.dir, views, helm) ? views : undefined);
  }
  return byChart.get(chart.dir);
}

const sharedLintArgs = (views: readonly View[], args: readonly string[]) => ['lint', ...views.map((view) => view.path), ...args];

function plannedViews(chartDir: string, valuesSets: readonly string[][]): View[] {
  const defaults = chartDefaults(chartDir);
  const views: View[] = [];
  for (const valuesFiles of valuesSets) {
    if (valuesFiles.length === 0) {
      views.push({ key: '', path: '.' });
      continue;
    }
    const values = mergedValues(chartDir, valuesFiles, defaults);
    if (values) views.push({ key: setKey(valuesFiles), path: '', values });
  }
  return views;
}

/**
 * What helm makes of values.yaml under `--values` of each file, when that is certain (see
 * `overlay` and `readValues`); undefined otherwise.
 */
export function mergedValues(chartDir: string, valuesFiles: readonly string[], defaults = chartDefaults(chartDir)): Values | undefined {
  if (!defaults) return undefined;
  const { base, subchartKeys } = defaults;
  let merged: Values | undefined = base;
  for (const file of valuesFiles) {
    const values = readValues(join(chartDir, file));
    merged = values && merged && overlay(merged, values, base, subchartKeys);
  }
  return merged;
}

/** The chart's values.yaml and the sections of it helm hands to subcharts, when both load. */
function chartDefaults(chartDir: string): { base: Values; subchartKeys: Set<string> } | undefined {
  const base = readValues(join(chartDir, 'values.yaml'));
  const subchartKeys = dependencyKeys(chartDir);
  return base && subchartKeys ? { base, subchartKeys } : undefined;
}

/** Each view as links to the chart's files beside its own values.yaml; false when links cannot be made here. */
function writeViews(chartDir: string, views: View[], helm: HelmRunner): boolean {
  try {
    const scratch = helm.scratchDir('lint-');
    for (const [index, view] of views.entries()) {
      if (!view.values) continue;
      // The chart directory's own name, in case helm names it in a message.
      view.path = join(scratch, String(index), basename(chartDir));
      mkdirSync(view.path, { recursive: true });
      for (const entry of readdirSync(chartDir)) {
        if (entry !== 'values.yaml') symlinkSync(join(chartDir, entry), join(view.path, entry));
      }
      writeFileSync(join(view.path, 'values.yaml'), `${flowYaml(view.values)}\n`);
    }
    return true;
  } catch {
    return false;
  }
}

async function runBatch(chartDir: string, views: readonly View[], context: RunContext, args: readonly string[]): Promise<Map<string, Section>> {
  const sections = new Map<string, Section>();
  const result = await context.helm.run(sharedLintArgs(views, args), { cwd: chartDir, timeoutMs: context.helmTimeoutMs, signal: context.signal });
  if (result.aborted) {
    for (const view of views) sections.set(view.key, result);
    return sections;
  }
  // Several charts in one call may pass the limit that one of them alone keeps: each set then
  // runs alone, and a time-out is reported for the call that had it.
  if (result.timedOut) return sections;
  const texts = splitSections(result.stdout);
  for (const view of views) {
    const text = texts.get(view.path);
    // helm stopped before this chart: it runs alone and says why.
    if (text === undefined) continue;
    const own = view.values ? text.split(view.path).join('.') : text;
    sections.set(view.key, { exitCode: /^\[(ERROR|WARNING|UNKNOWN)\]|^Error /m.test(own) ? 1 : 0, stdout: own, stderr: '' });
  }
  return sections;
}

/** The values sections helm hands to subcharts: `global` and each dependency's name or alias; undefined when Chart.yaml does not load. */
function dependencyKeys(chartDir: string): Set<string> | undefined {
  const dependencies = chartDependencies(chartDir);
  if (!dependencies) return undefined;
  return new Set(['global', ...dependencies.flatMap((dependency) => [dependency.name, ...(dependency.alias ? [dependency.alias] : [])])]);
}

/** helm's stdout split at its `==> Linting PATH` headers, by path, each with its header. */
function splitSections(stdout: string): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = stdout.split(/^(?===> Linting )/m);
  for (const part of parts) {
    const header = /^==> Linting (.*)$/m.exec(part);
    if (header?.[1] !== undefined && part.startsWith('==> Linting ')) sections.set(header[1], part.replace(/^\d+ chart\(s\) linted.*$/m, ''));
  }
  return sections;
}

const isMap = (value: unknown): value is Values => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A values file as helm reads it, when that is certain: one document, a mapping (or nothing),
 * nothing sigs.k8s.io/yaml refuses, no repeated key. undefined otherwise (the set is linted alone).
 */
function readValues(path: string): Values | undefined {
  if (!existsSync(path)) return undefined;
  let loaded: ReturnType<typeof loadKubernetesYaml>;
  try {
    loaded = loadKubernetesYaml(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (loaded.duplicateKey || loaded.documents.length > 1) return undefined;
  const [document] = loaded.documents;
  if (!document || document.value === null) return document && document.problems.length > 0 ? undefined : {};
  if (document.problems.length > 0 || !isMap(document.value)) return undefined;
  return document.value;
}

/**
 * helm's merge of a values file over what lies below it, or undefined where helm's result is not
 * certain. Tables merge key by key and anything else replaces, as every helm does. A null deletes
 * the key, which helm does the same way in every version only for a key the chart's values.yaml
 * sets to a non-null value outside a subchart's or the global section (helm coalesces those again
 * for each subchart); any other null makes the set be linted alone.
 */
export function overlay(below: Values, file: Values, defaults: Values | undefined, subchartKeys: ReadonlySet<string>, topKey?: string): Values | undefined {
  const merged: Values = { ...below };
  for (const [key, value] of Object.entries(file)) {
    if (key === '__proto__') return undefined;
    const section = topKey ?? key;
    const fallback = defaults?.[key];
    if (value === null) {
      if (fallback === undefined || fallback === null || subchartKeys.has(section)) return undefined;
      delete merged[key];
      continue;
    }
    const under = merged[key];
    if (isMap(value) && isMap(under)) {
      const inner = overlay(under, value, isMap(fallback) ? fallback : undefined, subchartKeys, section);
      if (!inner) return undefined;
      merged[key] = inner;
    } else {
      if (!noNull(value)) return undefined;
      merged[key] = value;
    }
  }
  return merged;
}

function noNull(value: unknown): boolean {
  if (value === null) return false;
  if (Array.isArray(value)) return value.every(noNull);
  if (!isMap(value)) return true;
  return Object.entries(value).every(([key, child]) => key !== '__proto__' && noNull(child));
}

/**
 * Values as a YAML flow document that go-yaml v2 reads back to the same value: every string
 * double-quoted with escapes for anything outside printable ASCII (go-yaml refuses raw control
 * characters), numbers in JavaScript's shortest form (which helm's float64 reads back exactly).
 */
export function flowYaml(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quoted(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(flowYaml).join(', ')}]`;
  return `{${Object.entries(value as Values)
    .map(([key, child]) => `${quoted(key)}: ${flowYaml(child)}`)
    .join(', ')}}`;
}

function quoted(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (code >= 0x20 && code < 0x7f) out += char;
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}
