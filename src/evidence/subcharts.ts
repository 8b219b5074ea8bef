import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import { chartArchiveEntries } from '../chart/archive.js';
import { catalogueEntry, subchartInCatalogue } from './catalogue.js';
import type { SubchartEvidence } from './model.js';

interface ChartMeta {
  name?: unknown;
  version?: unknown;
  appVersion?: unknown;
  description?: unknown;
  home?: unknown;
  sources?: unknown;
  maintainers?: unknown;
  annotations?: unknown;
  dependencies?: unknown;
}

interface Declared {
  name: string;
  version: string;
  repository: string;
  alias?: string;
  condition?: string;
}

/** A chart found in a charts/ directory: packaged (.tgz) or unpacked, at any depth. */
interface FoundChart {
  path: string;
  meta: ChartMeta;
  sha256?: string;
  /** Its own charts/, read on demand. */
  children: () => FoundChart[];
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : typeof value === 'number' ? String(value) : undefined);
const record = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

function parseMeta(source: string): ChartMeta {
  try {
    return record(parseYaml(source)) as ChartMeta;
  } catch {
    return {};
  }
}

export function declaredDependencies(meta: ChartMeta): Declared[] {
  if (!Array.isArray(meta.dependencies)) return [];
  return meta.dependencies.map((raw) => {
    const dep = record(raw);
    return {
      name: String(dep.name ?? ''),
      version: String(dep.version ?? ''),
      repository: String(dep.repository ?? ''),
      ...(text(dep.alias) ? { alias: text(dep.alias) as string } : {}),
      ...(text(dep.condition) ? { condition: text(dep.condition) as string } : {}),
    };
  });
}

/** Charts in a directory's charts/: archives and unpacked charts, by name. */
function chartsInDirectory(dir: string, label: string): FoundChart[] {
  const chartsDir = join(dir, 'charts');
  if (!existsSync(chartsDir)) return [];
  const found: FoundChart[] = [];
  for (const entry of readdirSync(chartsDir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = `${label}charts/${entry.name}`;
    const full = join(chartsDir, entry.name);
    if (entry.isFile() && entry.name.endsWith('.tgz')) found.push(...chartsInArchive(readFileSync(full), path));
    else if (entry.isDirectory() && existsSync(join(full, 'Chart.yaml'))) {
      found.push({ path, meta: parseMeta(readFileSync(join(full, 'Chart.yaml'), 'utf8')), children: () => chartsInDirectory(full, `${path}/`) });
    }
  }
  return found;
}

/** The chart packaged in an archive, with the charts packaged inside it. */
function chartsInArchive(archive: Buffer, path: string): FoundChart[] {
  const sha256 = createHash('sha256').update(archive).digest('hex');
  let entries: { name: string; data: Buffer }[];
  try {
    entries = chartArchiveEntries(archive);
  } catch {
    return [{ path, meta: {}, sha256, children: () => [] }];
  }
  const top = entries.find((entry) => /^[^/]+\/Chart\.yaml$/.test(entry.name));
  if (!top) return [{ path, meta: {}, sha256, children: () => [] }];
  return [{ path, meta: parseMeta(top.data.toString('utf8')), sha256, children: () => chartsInEntries(entries, top.name.slice(0, -'Chart.yaml'.length), `${path}!`) }];
}

/** Subcharts below `<prefix>charts/` of an archive's entries. */
function chartsInEntries(entries: { name: string; data: Buffer }[], prefix: string, label: string): FoundChart[] {
  const found: FoundChart[] = [];
  const below = `${prefix}charts/`;
  for (const entry of entries) {
    if (!entry.name.startsWith(below)) continue;
    const rest = entry.name.slice(below.length);
    if (/^[^/]+\.tgz$/.test(rest)) found.push(...chartsInArchive(entry.data, `${label}${entry.name}`));
    else if (/^[^/]+\/Chart\.yaml$/.test(rest)) {
      const sub = `${below}${rest.slice(0, -'Chart.yaml'.length)}`;
      found.push({ path: `${label}${sub.slice(0, -1)}`, meta: parseMeta(entry.data.toString('utf8')), children: () => chartsInEntries(entries, sub, label) });
    }
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Whether a dependency constraint names exactly one version (`16.7.27`, `=16.7.27`, `v16.7.27`). */
export const isExactPin = (constraint: string): boolean => semver.valid(constraint.replace(/^=\s*/, '')) !== null;

function maintainersOf(meta: ChartMeta): SubchartEvidence['maintainers'] {
  if (!Array.isArray(meta.maintainers)) return [];
  return meta.maintainers
    .map((raw) => {
      const maintainer = record(raw);
      const email = text(maintainer.email);
      const url = text(maintainer.url);
      return { name: text(maintainer.name) ?? '(no name)', ...(email ? { email } : {}), ...(url ? { url } : {}) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Every subchart of a chart, as its charts/ holds it (packaged archives are read, at any depth),
 * matched to the dependency entries that declare it; declared dependencies missing from charts/
 * are listed too, as not present.
 */
export async function subchartInventory(chartDir: string, chartYaml: ChartMeta): Promise<SubchartEvidence[]> {
  const inventory: SubchartEvidence[] = [];
  const visit = async (found: FoundChart[], declared: Declared[], parent: string | undefined) => {
    const matched = new Set<Declared>();
    for (const chart of found) {
      const name = text(chart.meta.name) ?? chart.path;
      const version = text(chart.meta.version) ?? '';
      const dependency = declared.find((dep) => dep.name === name && !matched.has(dep) && (semver.valid(version) === null || dep.version === version || semver.satisfies(version, dep.version, { includePrerelease: true })));
      if (dependency) matched.add(dependency);
      const annotations = record(chart.meta.annotations);
      const license = text(annotations['artifacthub.io/license']);
      const known = await subchartInCatalogue(name, dependency?.repository);
      inventory.push({
        path: chart.path,
        name,
        version,
        ...(text(chart.meta.appVersion) ? { appVersion: text(chart.meta.appVersion) as string } : {}),
        ...(text(chart.meta.description) ? { description: text(chart.meta.description) as string } : {}),
        ...(parent ? { parent } : {}),
        ...(dependency ? { declared: { repository: dependency.repository, version: dependency.version, ...(dependency.alias ? { alias: dependency.alias } : {}), ...(dependency.condition ? { condition: dependency.condition } : {}) } } : {}),
        pinnedExactly: dependency ? isExactPin(dependency.version) : false,
        maintainers: maintainersOf(chart.meta),
        ...(text(chart.meta.home) ? { home: text(chart.meta.home) as string } : {}),
        sources: Array.isArray(chart.meta.sources) ? chart.meta.sources.map(String).sort() : [],
        ...(license ? { license } : {}),
        ...(chart.sha256 ? { sha256: chart.sha256 } : {}),
        present: true,
        ...(known ? { catalogue: catalogueEntry(known, version) } : {}),
      });
      await visit(chart.children(), declaredDependencies(chart.meta), parent ? `${parent}/${name}` : name);
    }
    for (const dependency of declared.filter((dep) => !matched.has(dep))) {
      const known = await subchartInCatalogue(dependency.name, dependency.repository);
      inventory.push({
        path: `${parent ? `(in ${parent}) ` : ''}charts/ (missing)`,
        name: dependency.name,
        version: dependency.version,
        ...(parent ? { parent } : {}),
        declared: { repository: dependency.repository, version: dependency.version, ...(dependency.alias ? { alias: dependency.alias } : {}), ...(dependency.condition ? { condition: dependency.condition } : {}) },
        pinnedExactly: isExactPin(dependency.version),
        maintainers: [],
        sources: [],
        present: false,
        ...(known ? { catalogue: catalogueEntry(known, dependency.version) } : {}),
      });
    }
  };
  await visit(chartsInDirectory(chartDir, ''), declaredDependencies(chartYaml), undefined);
  return inventory.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.name < b.name ? -1 : 1));
}

export type { ChartMeta };
