import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { checkDate } from '../answers/validate.js';
import { UsageError, ValidationError } from '../errors.js';

export const EVIDENCE_JSON = 'evidence.json';
export const EVIDENCE_MARKDOWN = 'evidence.md';

export interface EvidenceTarget {
  /** Absolute directory; created when missing (its parent must exist). */
  dir: string;
  date?: string;
}

const inside = (dir: string, parent: string) => {
  const path = relative(parent, dir);
  return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
};

/**
 * --evidence DIR and --date, checked before any stage runs, so a bad path costs no run and
 * nothing is written. The directory may not lie inside a chart under test: the record would
 * become part of the chart it describes (and change its digest on the next run).
 */
export function checkEvidenceOptions(rawDir: string | undefined, rawDate: string | undefined, chartDirs: readonly string[]): EvidenceTarget | undefined {
  if (rawDir === undefined) {
    if (rawDate !== undefined) throw new UsageError(`invalid --date ${JSON.stringify(rawDate)}: --date dates the evidence record and goes with --evidence DIR`);
    return undefined;
  }
  if (rawDir.trim() === '') throw new ValidationError('--evidence', rawDir, 'must be a directory path');
  const date = rawDate === undefined ? undefined : checkDate(rawDate);
  const dir = resolve(rawDir);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new ValidationError('--evidence', rawDir, 'is a file; give a directory (created if missing) for evidence.json and evidence.md');
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new ValidationError('--evidence', rawDir, 'is a directory this user cannot write to');
    }
  } else {
    const parent = dirname(dir);
    if (!existsSync(parent) || !statSync(parent).isDirectory()) throw new ValidationError('--evidence', rawDir, `its parent directory ${parent} does not exist`);
  }
  for (const chartDir of chartDirs) {
    if (inside(dir, resolve(chartDir))) throw new ValidationError('--evidence', rawDir, `is inside the chart under test ${chartDir}: the record would become part of the chart it describes`);
  }
  return { dir, ...(date ? { date } : {}) };
}

/** Writes both files, each through a temporary file renamed into place, so a reader never sees half a record. */
export async function writeEvidenceFiles(target: EvidenceTarget, files: { json: string; markdown: string }): Promise<void> {
  await mkdir(target.dir, { recursive: false }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw new UsageError(`cannot create --evidence directory ${target.dir}: ${error.message}`);
  });
  for (const [name, content] of [
    [EVIDENCE_JSON, files.json],
    [EVIDENCE_MARKDOWN, files.markdown],
  ] as const) {
    const temporary = join(target.dir, `.${name}.${process.pid}.tmp`);
    try {
      await writeFile(temporary, content);
      await rename(temporary, join(target.dir, name));
    } catch (error) {
      await rm(temporary, { force: true });
      throw new UsageError(`cannot write ${join(target.dir, name)}: ${(error as Error).message}`);
    }
  }
}
