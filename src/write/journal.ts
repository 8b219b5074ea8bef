import { createHash } from 'node:crypto';
import { lstat, mkdir, open, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoOf } from './fsErrors.js';

/**
 * The write-ahead journal of one chart write. A write works in a directory beside the chart,
 * named after it (`.chartwright-write-<name>`, see workPaths), holding
 *   staging/       the new files, written in full before anything in the chart changes,
 *   previous/      the chart's files that are replaced or removed, set aside,
 *   journal.json   written (atomically) once staging is complete: the commit point,
 *   finished.json / undone.json  the journal renamed once the moves are done or undone.
 * Without journal.json nothing in the chart was touched, so leftovers are simply removed. With
 * it, the moves are replayed: forward (finish the write) or, when the run had begun undoing
 * after an error, back. Both directions are idempotent, so a run killed at any point (even
 * SIGKILL, even during recovery) leaves a state the next run completes the same way.
 */
export interface Journal {
  format: 1;
  /** The chart directory (real path). */
  target: string;
  command: string;
  pid: number;
  /** new-directory: staging/ is renamed to the target, which does not exist. into: file by file. */
  mode: 'new-directory' | 'into';
  direction: 'forward' | 'back';
  /** Paths (in the chart) to move from staging/ into the chart. */
  place: string[];
  /** Paths in the chart to set aside and drop. */
  remove: string[];
  /** The chart's files at the commit point that the write replaces or removes, with what they were. */
  existing: Record<string, { size: number; mtimeMs: number }>;
  /** Directories placing creates in the chart, parents first (removed again when undoing). */
  newDirs: string[];
}

export interface WorkPaths {
  work: string;
  staging: string;
  previous: string;
  journal: string;
  finished: string;
  undone: string;
  lock: string;
}

export const WORK_PREFIX = '.chartwright-write-';

/** Names beside the chart; long names are shortened with a hash so every name stays under 255 bytes. */
export function workPaths(parent: string, name: string): WorkPaths {
  const key = Buffer.byteLength(name) <= 200 ? name : `${Buffer.from(name).subarray(0, 160).toString('utf8').replace(/\uFFFD+$/, '')}~${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
  const work = join(parent, `${WORK_PREFIX}${key}`);
  return {
    work,
    staging: join(work, 'staging'),
    previous: join(work, 'previous'),
    journal: join(work, 'journal.json'),
    finished: join(work, 'finished.json'),
    undone: join(work, 'undone.json'),
    lock: `${work}.lock`,
  };
}

/** Hook called after each step of a replay (the test pause seam). */
export type StepHook = (step: string) => Promise<void>;

export const exists = async (path: string) => (await lstat(path).catch(() => undefined)) !== undefined;

/** Writes the journal durably and atomically: a reader sees the old one, the new one, or none. */
export async function writeJournal(paths: WorkPaths, journal: Journal): Promise<void> {
  const temporary = `${paths.journal}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(journal, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, paths.journal);
  await syncDirectory(paths.work);
}

export async function readJournal(path: string): Promise<Journal | undefined> {
  try {
    const journal = JSON.parse(await readFile(path, 'utf8')) as Journal;
    return journal.format === 1 && Array.isArray(journal.place) ? journal : undefined;
  } catch {
    return undefined;
  }
}

/** Makes the write complete. */
export async function replayForward(paths: WorkPaths, journal: Journal, hook: StepHook): Promise<void> {
  const target = journal.target;
  if (journal.mode === 'new-directory') {
    if (await exists(paths.staging)) {
      if (await exists(target)) {
        // Only an empty directory may be in the way (made by someone else since the commit).
        await rmdir(target);
      }
      await rename(paths.staging, target);
    }
    await hook('moved');
    return;
  }
  const removing = new Set(journal.remove);
  let index = 0;
  for (const path of Object.keys(journal.existing)) {
    const current = join(target, path);
    const aside = join(paths.previous, path);
    if ((await exists(current)) && !(await exists(aside)) && (removing.has(path) || (await exists(join(paths.staging, path))))) {
      await mkdir(dirname(aside), { recursive: true });
      await rename(current, aside);
    }
    await hook(`set-aside:${++index}`);
  }
  index = 0;
  for (const path of journal.place) {
    const staged = join(paths.staging, path);
    if (await exists(staged)) {
      await mkdir(dirname(join(target, path)), { recursive: true });
      await rename(staged, join(target, path));
    }
    await hook(`placed:${++index}`);
  }
  await hook('moved');
}

/** Puts the chart back as it was at the commit point. */
export async function replayBack(paths: WorkPaths, journal: Journal): Promise<void> {
  const target = journal.target;
  if (journal.mode === 'new-directory') {
    if (!(await exists(paths.staging)) && (await exists(target))) await rename(target, paths.staging);
    return;
  }
  for (const path of [...journal.place].reverse()) {
    const current = join(target, path);
    const aside = join(paths.previous, path);
    const staged = join(paths.staging, path);
    if (journal.existing[path]) {
      if (await exists(aside)) await rename(aside, current);
    } else if (!(await exists(staged)) && (await exists(current))) {
      await mkdir(dirname(staged), { recursive: true });
      await rename(current, staged);
    }
  }
  for (const path of journal.remove) {
    const aside = join(paths.previous, path);
    if (await exists(aside)) {
      await mkdir(dirname(join(target, path)), { recursive: true });
      await rename(aside, join(target, path));
    }
  }
  for (const dir of [...journal.newDirs].reverse()) await rmdir(join(target, dir)).catch(() => undefined);
}

/**
 * Files of the chart the journal set aside (or is about to) that changed since the commit point:
 * replaying over them would lose the change, so recovery stops and asks.
 */
export async function changedSinceCommit(paths: WorkPaths, journal: Journal): Promise<string[]> {
  const changed: string[] = [];
  for (const [path, was] of Object.entries(journal.existing)) {
    const aside = await lstat(join(paths.previous, path)).catch(() => undefined);
    const info = aside ?? (await lstat(join(journal.target, path)).catch(() => undefined));
    if (info && (info.size !== was.size || info.mtimeMs !== was.mtimeMs)) changed.push(path);
  }
  return changed;
}

/** Ends a replayed journal: renamed first, so a run killed while removing the rest knows it was done. */
export async function closeJournal(paths: WorkPaths, how: 'finished' | 'undone'): Promise<void> {
  if (await exists(paths.journal)) await rename(paths.journal, how === 'finished' ? paths.finished : paths.undone);
  await rm(paths.work, { recursive: true, force: true });
}

/** Directories below `root` that placing `files` creates, parents first. */
export async function directoriesToCreate(root: string, files: readonly string[]): Promise<string[]> {
  const needed = new Set<string>();
  for (const file of files) {
    const parts = file.split('/').slice(0, -1);
    for (let depth = 1; depth <= parts.length; depth++) needed.add(parts.slice(0, depth).join('/'));
  }
  const missing: string[] = [];
  for (const dir of [...needed].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1))) {
    if (!(await exists(join(root, dir)))) missing.push(dir);
  }
  return missing;
}

/** fsync of a directory, so a rename in it survives a power loss; skipped where unsupported. */
export async function syncDirectory(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF', 'ENOTSUP'].includes(errnoOf(error) ?? '')) throw error;
  }
}
