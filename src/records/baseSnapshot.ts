import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ANSWERS_FILE } from './answersFile.js';
import { recordOf, RELEASE_RECORD, serialiseRecord } from './releaseRecord.js';

/** Where a chart keeps what the generator produced last time: the merge base of `regenerate`. */
export const BASE_DIR = '.chartwright/base';

/** chartwright's own records inside a chart (helmignored as `.chartwright/`), never merged. */
export const RECORDS_DIR = '.chartwright/';

interface File {
  path: string;
  content: string;
}

/** The answers file is chartwright's record, rewritten on every generation, not a merge input. */
const NOT_IN_BASE = new Set([ANSWERS_FILE]);

/**
 * The generated files plus chartwright's records (`known`: the chart version and the values
 * data, which the planner has at hand): a copy of each under .chartwright/base/ (what
 * `regenerate` merges against) and the first release record (what `bump` compares against).
 * `new`, `npm run examples` and `regenerate` all get their files through planChart, which applies
 * this, so the three agree.
 */
export function withBaseSnapshot(files: readonly File[], known: { version: string; values: unknown }): File[] {
  const generated = files.filter((file) => !file.path.startsWith(RECORDS_DIR));
  const base = generated.filter((file) => !NOT_IN_BASE.has(file.path)).map((file) => ({ path: `${BASE_DIR}/${file.path}`, content: file.content }));
  const record = { path: RELEASE_RECORD, content: serialiseRecord(recordOf(known.version, known.values, generated.map((file) => file.path))) };
  return [...generated, ...base, record].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The generated files of a plan, without chartwright's records. */
export function generatedPart<T extends File>(files: readonly T[]): T[] {
  return files.filter((file) => !file.path.startsWith(RECORDS_DIR));
}

/** The files of a plan's base snapshot, keyed by their path in the chart. */
export function baseOfPlan(files: readonly File[]): Map<string, string> {
  const prefix = `${BASE_DIR}/`;
  return new Map(files.filter((file) => file.path.startsWith(prefix)).map((file) => [file.path.slice(prefix.length), file.content]));
}

/** The base snapshot stored in a chart, keyed by path in the chart; undefined when there is none. */
export async function readBaseSnapshot(chartDir: string): Promise<Map<string, string> | undefined> {
  const root = join(chartDir, BASE_DIR);
  if (!existsSync(root)) return undefined;
  const files = new Map<string, string>();
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.set(relative(root, full).split(sep).join('/'), await readFile(full, 'utf8'));
    }
  };
  await walk(root);
  return files;
}
