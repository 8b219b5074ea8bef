import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chartArchiveEntries } from '../chart/archive.js';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';

/**
 * What in a chart can make `helm template --kube-version` output differ between minors: a
 * template reading the Kubernetes version (`.Capabilities.KubeVersion`, or the whole
 * `.Capabilities` object, which a helper can then read), or a `kubeVersion` constraint that some
 * target minor does not meet. `.Capabilities.APIVersions` and `.HelmVersion` do not depend on
 * --kube-version.
 */
const READS_KUBE_VERSION = /\.Capabilities(?!\s*\.\s*(APIVersions|HelmVersion)\b)|\bKubeVersion\b/;

interface ChartFiles {
  /** Text of every file of the chart and its subcharts (but Chart.yaml). */
  templates: string[];
  /** Every Chart.yaml's kubeVersion constraint. */
  kubeVersions: string[];
}

const cache = new Map<string, { stamp: string; perMinor: Map<string, boolean> }>();

/** Whether the chart must be rendered once per target minor (see READS_KUBE_VERSION). */
export function needsPerMinorRender(chartDir: string, minors: readonly string[]): boolean {
  const stamp = chartStamp(chartDir);
  let entry = cache.get(chartDir);
  if (!entry || entry.stamp !== stamp) cache.set(chartDir, (entry = { stamp, perMinor: new Map() }));
  const key = minors.join(',');
  let answer = entry.perMinor.get(key);
  if (answer === undefined) {
    const files = collect(chartDir);
    answer =
      files.templates.some((text) => READS_KUBE_VERSION.test(text)) ||
      files.kubeVersions.some((constraint) => minors.some((minor) => !admits(constraint, minor)));
    entry.perMinor.set(key, answer);
  }
  return answer;
}

function admits(constraint: string, minor: string): boolean {
  // helm compares the version with pre-releases included (kind reports v1.35.0-...).
  try {
    return semver.satisfies(`${minor}.0`, constraint, { includePrerelease: true });
  } catch {
    return false;
  }
}

/** Changes when a file under templates/ or charts/ changes, so a long-lived process re-reads. */
function chartStamp(chartDir: string): string {
  const parts: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.git' && entry.name !== 'node_modules') walk(full);
      } else if (entry.isFile()) parts.push(`${full}:${statSync(full).mtimeMs}`);
    }
  };
  walk(chartDir);
  return parts.join('\n');
}

function collect(chartDir: string): ChartFiles {
  const files: ChartFiles = { templates: [], kubeVersions: [] };
  const addChartYaml = (text: string) => {
    try {
      const constraint = (parseYaml(text) as { kubeVersion?: unknown } | null)?.kubeVersion;
      if (typeof constraint === 'string' && constraint.trim()) files.kubeVersions.push(constraint);
    } catch {
      // lint reports a Chart.yaml that does not load
    }
  };
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    if (existsSync(join(dir, 'Chart.yaml'))) addChartYaml(readFileSync(join(dir, 'Chart.yaml'), 'utf8'));
    // Every file, not only templates/: `tpl` can render a values string or a file from files/.
    const read = (path: string) => {
      for (const entry of readdirSync(path, { withFileTypes: true })) {
        if (entry.isDirectory()) {
          if (!(path === dir && (entry.name === 'charts' || entry.name === '.git'))) read(join(path, entry.name));
        } else if (entry.isFile() && entry.name !== 'Chart.yaml') files.templates.push(readFileSync(join(path, entry.name), 'utf8'));
      }
    };
    read(dir);
    const charts = join(dir, 'charts');
    if (!existsSync(charts)) return;
    for (const entry of readdirSync(charts, { withFileTypes: true })) {
      const full = join(charts, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.tgz')) readArchive(full, files, addChartYaml);
    }
  };
  walk(chartDir);
  return files;
}

/** The files of a packaged subchart; one it cannot read makes the chart render per minor (the safe answer). */
function readArchive(path: string, files: ChartFiles, addChartYaml: (text: string) => void): void {
  let entries: { name: string; data: Buffer }[];
  try {
    entries = chartArchiveEntries(readFileSync(path));
  } catch {
    files.templates.push('.Capabilities'); // unreadable: render per minor
    return;
  }
  for (const { name, data } of entries) {
    if (/(^|\/)Chart\.yaml$/.test(name)) addChartYaml(data.toString('utf8'));
    else files.templates.push(data.toString('utf8'));
  }
}
