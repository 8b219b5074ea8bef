import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import type { SoupItem } from '../parts/part.js';
import { soupOf } from '../parts/soup.js';
import { ANSWERS_FILE, readSavedAnswers } from '../records/index.js';
import { toYaml } from '../render/yaml.js';

/**
 * The SOUP inventory as last released: every bump writes it and the next one lists what changed
 * against it (added, removed, upgraded). Helmignored with the rest of .chartwright/.
 */
export const SOUP_RECORD = '.chartwright/soup.yaml';

export interface RecordedSoup {
  kind: SoupItem['kind'];
  name: string;
  version: string;
  source: string;
}

export interface SoupChange {
  kind: 'added' | 'changed' | 'removed';
  description: string;
}

const key = (item: Pick<RecordedSoup, 'kind' | 'name'>) => `${item.kind}\0${item.name}`;

/**
 * What bump can know of the SOUP without rendering: the subcharts Chart.yaml declares (any
 * chart), and for a chart chartwright generated the images and operators its parts bring. The
 * images a render shows (those a subchart picks itself) are in `chartwright test --evidence`.
 */
export async function currentSoup(chartDir: string, chartYaml: { dependencies?: unknown }): Promise<RecordedSoup[]> {
  const items = new Map<string, RecordedSoup>();
  if (existsSync(join(chartDir, ANSWERS_FILE))) {
    try {
      const { answers } = await readSavedAnswers(chartDir);
      for (const item of soupOf(answers)) if (item.kind !== 'subchart') items.set(key(item), { kind: item.kind, name: item.name, version: item.version, source: item.source });
    } catch {
      // Answers that no longer load leave the catalogue items out; the subcharts below still count.
    }
  }
  for (const raw of Array.isArray(chartYaml.dependencies) ? chartYaml.dependencies : []) {
    const dependency = (raw ?? {}) as Record<string, unknown>;
    const item: RecordedSoup = { kind: 'subchart', name: String(dependency.alias ?? dependency.name ?? ''), version: String(dependency.version ?? ''), source: String(dependency.repository ?? '') };
    items.set(key(item), item);
  }
  return [...items.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The inventory recorded at the last bump; undefined before the first one (or when it is damaged). */
export async function recordedSoup(chartDir: string): Promise<RecordedSoup[] | undefined> {
  const path = join(chartDir, SOUP_RECORD);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = parseYaml(await readFile(path, 'utf8')) as { items?: unknown } | null;
    if (!Array.isArray(parsed?.items)) return undefined;
    return parsed.items.map((raw) => {
      const item = (raw ?? {}) as Record<string, unknown>;
      return { kind: String(item.kind) as RecordedSoup['kind'], name: String(item.name ?? ''), version: String(item.version ?? ''), source: String(item.source ?? '') };
    });
  } catch {
    return undefined;
  }
}

export function serialiseSoup(items: readonly RecordedSoup[]): string {
  return `# The SOUP inventory as last released; chartwright bump lists what changed against it (do not edit).\n${toYaml({ items })}`;
}

const describeItem = (item: RecordedSoup) => `SOUP ${item.kind} ${item.name} ${item.version}${item.source ? ` (${item.source})` : ''}`;

/** Added, removed and upgraded (or otherwise changed) items, in a stable order. */
export function compareSoup(previous: readonly RecordedSoup[], current: readonly RecordedSoup[]): SoupChange[] {
  const before = new Map(previous.map((item) => [key(item), item]));
  const now = new Map(current.map((item) => [key(item), item]));
  const changes: SoupChange[] = [];
  for (const item of current) {
    const old = before.get(key(item));
    if (!old) changes.push({ kind: 'added', description: describeItem(item) });
    else if (old.version !== item.version || old.source !== item.source) {
      const upgraded = semver.valid(old.version) && semver.valid(item.version) ? (semver.gt(item.version, old.version) ? 'upgraded' : 'downgraded') : 'changed';
      const moved = old.source !== item.source ? `, from ${old.source || '(none)'} to ${item.source || '(none)'}` : '';
      changes.push({ kind: 'changed', description: `SOUP ${item.kind} ${item.name} ${upgraded} ${old.version} → ${item.version}${moved}` });
    }
  }
  for (const item of previous) if (!now.has(key(item))) changes.push({ kind: 'removed', description: describeItem(item) });
  return changes;
}

/** The SOUP lines of a bump's changelog entry, and the record to write for the next bump. */
export async function soupOfBump(chartDir: string, chartYaml: { dependencies?: unknown }): Promise<{ changes: SoupChange[]; record: string }> {
  const current = await currentSoup(chartDir, chartYaml);
  const previous = await recordedSoup(chartDir);
  // Before the first bump there is no released inventory to compare with: this one starts the record.
  return { changes: previous ? compareSoup(previous, current) : [], record: serialiseSoup(current) };
}
