/**
 * Custom resource definitions a chart ships: the files under `crds/` of the chart and of every
 * subchart in `charts/` (a directory or a packaged .tgz), which helm installs before the
 * templates, plus CustomResourceDefinition objects among the rendered templates.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { chartArchiveEntries } from '../chart/archive.js';
import type { Finding } from '../verify/findings.js';
import type { SchemaNode } from './openapi.js';
import { loadKubernetesYaml } from './yaml11.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const CRD_FILE = /\.(ya?ml|json)$/;

export interface ChartCrds {
  /** CustomResourceDefinition objects, each with the chart file it came from. */
  crds: { file: string; object: Json }[];
  findings: Finding[];
}

const cache = new Map<string, ChartCrds>();

/** The CRDs under crds/ of a chart and its subcharts, read once per chart directory. */
export function chartCrds(chartDir: string): ChartCrds {
  let result = cache.get(chartDir);
  if (!result) {
    result = { crds: [], findings: [] };
    const root = realpathSync(chartDir);
    readChart(root, root, result);
    cache.set(chartDir, result);
  }
  return result;
}

function addDocuments(text: string, file: string, out: ChartCrds): void {
  try {
    for (const { value } of loadKubernetesYaml(text).documents) {
      if (isObject(value) && value.kind === 'CustomResourceDefinition') out.crds.push({ file, object: value });
    }
  } catch (error) {
    out.findings.push({ severity: 'error', rule: 'yaml-syntax', file, message: `CRD file does not parse: ${(error as Error).message.split('\n')[0]}` });
  }
}

/** Files of a directory tree, never through a link that leaves the chart. */
function* filesBelow(root: string, dir: string, out: ChartCrds): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (lstatSync(path).isSymbolicLink()) {
      const target = realpathSync(path);
      if (target !== root && !target.startsWith(root + sep)) {
        out.findings.push({ severity: 'error', rule: 'symlink', file: relative(root, path), message: 'is a symbolic link out of the chart: not read' });
        continue;
      }
    }
    if (entry.isDirectory() || (entry.isSymbolicLink() && lstatSync(realpathSync(path)).isDirectory())) yield* filesBelow(root, path, out);
    else yield path;
  }
}

function readChart(root: string, chartDir: string, out: ChartCrds): void {
  const crdsDir = join(chartDir, 'crds');
  if (existsSync(crdsDir)) {
    for (const file of filesBelow(root, crdsDir, out)) {
      if (CRD_FILE.test(file)) addDocuments(readFileSync(file, 'utf8'), relative(root, file), out);
    }
  }
  const chartsDir = join(chartDir, 'charts');
  if (!existsSync(chartsDir)) return;
  for (const entry of readdirSync(chartsDir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(chartsDir, entry.name);
    if (entry.isSymbolicLink()) continue; // dependencies are fetched files, never links
    if (entry.isDirectory() && existsSync(join(path, 'Chart.yaml'))) readChart(root, path, out);
    else if (entry.isFile() && entry.name.endsWith('.tgz')) readPackagedChart(path, relative(root, path), out);
  }
}

/**
 * CRD files of a packaged subchart (and of the charts packaged inside it). Hand-written: a chart
 * archive is a gzipped ustar/PAX tar (Go's archive/tar, as `helm package` writes it), and only its
 * regular files' names and contents are needed, synchronously and in memory; a tar library would
 * be a runtime dependency for the 30 lines below.
 */
function readPackagedChart(archive: string, label: string, out: ChartCrds): void {
  let entries: { name: string; data: Buffer }[];
  try {
    entries = chartArchiveEntries(readFileSync(archive));
  } catch (error) {
    out.findings.push({ severity: 'warning', file: label, message: `subchart archive does not read (${(error as Error).message}): its CRDs are not known` });
    return;
  }
  readArchiveEntries(entries, label, out);
}

function readArchiveEntries(entries: { name: string; data: Buffer }[], label: string, out: ChartCrds): void {
  // <chart>/crds/... of the top chart in the archive, and <chart>/charts/<sub>/crds/... of its own subcharts.
  for (const { name, data } of entries) {
    const parts = name.split('/');
    const crdsIndex = parts.indexOf('crds');
    const nestedCharts = parts.slice(1, crdsIndex).every((part, index) => (index % 2 === 0 ? part === 'charts' : true));
    if (crdsIndex >= 1 && crdsIndex % 2 === 1 && nestedCharts && CRD_FILE.test(name)) addDocuments(data.toString('utf8'), `${label}:${name}`, out);
    else if (name.endsWith('.tgz') && parts[parts.length - 2] === 'charts') {
      try {
        readArchiveEntries(chartArchiveEntries(data), `${label}:${name}`, out);
      } catch {
        // An unreadable nested archive leaves its CRDs unknown; its custom resources are reported as not validated.
      }
    }
  }
}

export interface CrdVersion {
  /** The CRD's metadata.name and the file it came from. */
  crd: string;
  file: string;
  served: boolean;
  /** openAPIV3Schema, undefined when the CRD gives none (apiextensions.k8s.io/v1beta1 allowed that). */
  schema?: SchemaNode;
}

/** `group/kind` → version → what the CRD says about it. */
export type CrdIndex = Map<string, Map<string, CrdVersion>>;

export function indexCrds(crds: readonly { file: string; object: Json }[]): CrdIndex {
  const index: CrdIndex = new Map();
  for (const { file, object } of crds) {
    const spec = isObject(object.spec) ? object.spec : {};
    const names = isObject(spec.names) ? spec.names : {};
    if (typeof spec.group !== 'string' || typeof names.kind !== 'string') continue;
    const key = `${spec.group}/${names.kind}`;
    const versions = index.get(key) ?? new Map<string, CrdVersion>();
    index.set(key, versions);
    const crd = String((isObject(object.metadata) ? object.metadata.name : undefined) ?? key);
    // v1beta1 could give one schema for all versions (spec.validation) and a single spec.version.
    const shared = isObject(spec.validation) && isObject(spec.validation.openAPIV3Schema) ? (spec.validation.openAPIV3Schema as SchemaNode) : undefined;
    const listed = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : typeof spec.version === 'string' ? [{ name: spec.version, served: true }] : [];
    for (const version of listed) {
      if (typeof version.name !== 'string') continue;
      const own = isObject(version.schema) && isObject(version.schema.openAPIV3Schema) ? (version.schema.openAPIV3Schema as SchemaNode) : undefined;
      const schema = own ?? shared;
      versions.set(version.name, { crd, file, served: version.served !== false, ...(schema ? { schema } : {}) });
    }
  }
  return index;
}
