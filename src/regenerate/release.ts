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

export function recordOf(version: string, valuesText: string, paths: readonly string[]): ReleaseRecord {
  return {
    version,
    values: shapeOf(parseYaml(valuesText, { version: '1.1' }) ?? {}),
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

export type ChangeKind = 'removed-key' | 'retyped-key' | 'added-key' | 'removed-template' | 'added-template';

export interface ShapeChange {
  kind: ChangeKind;
  /** Dotted values key or template path. */
  what: string;
  detail?: string;
}

/** What changed between two release shapes, in a fixed order (by kind, then name). */
export function compareRecords(previous: ReleaseRecord, current: ReleaseRecord): ShapeChange[] {
  const changes: ShapeChange[] = [];
  compareShapes(previous.values, current.values, [], changes);
  for (const path of previous.templates) if (!current.templates.includes(path)) changes.push({ kind: 'removed-template', what: path });
  for (const path of current.templates) if (!previous.templates.includes(path)) changes.push({ kind: 'added-template', what: path });
  const order: ChangeKind[] = ['removed-key', 'retyped-key', 'removed-template', 'added-key', 'added-template'];
  return changes.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || (a.what < b.what ? -1 : a.what > b.what ? 1 : 0));
}

function compareShapes(before: Shape, after: Shape, path: string[], changes: ShapeChange[]): void {
  const name = path.join('.');
  if (typeof before === 'string' || typeof after === 'string') {
    if (typeof before === 'string' && typeof after === 'string') {
      // null is how an unset optional value is written (e.g. PDB minAvailable): no type to break.
      if (before !== after && before !== 'null' && after !== 'null') changes.push({ kind: 'retyped-key', what: name, detail: `${before} → ${after}` });
      return;
    }
    // An empty map gaining keys (or losing all of them) changes keys, not the type.
    if (before === 'object' && typeof after !== 'string') return compareShapes({}, after, path, changes);
    if (after === 'object' && typeof before !== 'string') return compareShapes(before, {}, path, changes);
    if (before === 'null' || after === 'null') return;
    const describe = (shape: Shape) => (typeof shape === 'string' ? shape : 'object');
    changes.push({ kind: 'retyped-key', what: name, detail: `${describe(before)} → ${describe(after)}` });
    return;
  }
  for (const key of Object.keys(before)) {
    if (!(key in after)) changes.push({ kind: 'removed-key', what: [...path, key].join('.') });
  }
  for (const [key, child] of Object.entries(after)) {
    const old = before[key];
    if (old === undefined) changes.push({ kind: 'added-key', what: [...path, key].join('.') });
    else compareShapes(old, child, [...path, key], changes);
  }
}
