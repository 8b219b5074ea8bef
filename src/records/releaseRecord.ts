import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { toYaml } from '../render/yaml.js';

/**
 * The shape of a chart as last released: its version, the type of every values.yaml key and its
 * template files. `chartwright bump` compares the chart against it to derive the semver level;
 * `new` writes the first one and every bump the next.
 */
export const RELEASE_RECORD = '.chartwright/release.yaml';

/** A values tree with every leaf replaced by its type name. */
export type Shape = string | { [key: string]: Shape };

export interface ReleaseRecord {
  version: string;
  values: Shape;
  templates: string[];
}

export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

/** Maps stay maps (an empty one is the leaf `object`); everything else becomes its type name. */
export function shapeOf(value: unknown): Shape {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, shapeOf(child)]));
  }
  return typeName(value);
}

/** `values`: the text of values.yaml, or its data. */
export function recordOf(version: string, values: string | unknown, paths: readonly string[]): ReleaseRecord {
  return {
    version,
    values: shapeOf((typeof values === 'string' ? parseYaml(values, { version: '1.1' }) : values) ?? {}),
    templates: paths.filter((path) => path.startsWith('templates/')).sort(),
  };
}

/** Every file below the chart's templates/, as paths in the chart, sorted. */
export async function templateFiles(chartDir: string): Promise<string[]> {
  const root = join(chartDir, 'templates');
  if (!existsSync(root) || !statSync(root).isDirectory()) return [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(chartDir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

export function serialiseRecord(record: ReleaseRecord): string {
  return `# The chart as last released; chartwright bump compares against it (do not edit).\n${toYaml(record)}`;
}

export function parseRecord(text: string): ReleaseRecord | undefined {
  const data = parseYaml(text, { version: '1.1' }) as Partial<ReleaseRecord> | null;
  if (!data || typeof data.version !== 'string' || !Array.isArray(data.templates) || data.values === undefined) return undefined;
  return { version: data.version, values: data.values, templates: data.templates.map(String) };
}
