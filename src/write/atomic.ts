import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

export interface FileToWrite {
  path: string;
  content: string;
}

export interface WriteOptions {
  /** Write into a non-empty directory: files not in the plan are kept, planned ones replaced. */
  force: boolean;
  /** Paths (inside the chart) to delete as part of the same swap, e.g. files no longer generated. */
  remove?: readonly string[];
}

/** Marks our staging directories, so a crash leaves something recognisable and removable. */
export const STAGING_MARKER = '.chartwright-staging-';

/**
 * Writes a whole chart so that the target is either untouched or complete. The files are written
 * to a staging directory beside the target first (same filesystem, so renames are atomic). A new
 * chart's staging directory is then renamed into place. In an existing chart the files are moved
 * in one by one, the replaced ones set aside and put back if any move fails: the directory itself
 * stays, so a shell or editor inside it keeps working. An interrupt while staging leaves the
 * target as it was; one during the moves is held until they finish.
 */
export async function writeChartAtomically(target: string, files: readonly FileToWrite[], options: WriteOptions): Promise<void> {
  const destination = resolve(target);
  const existing = await directoryState(destination, target);
  if (existing === 'non-empty' && !options.force) {
    throw new UsageError(`${target} exists and is not empty; choose another directory or pass --force`);
  }
  if (existing === 'file') throw new UsageError(`${target} exists and is not a directory`);
  if (existing === 'non-empty') await checkPathsFree(destination, target, files);

  const parent = dirname(destination);
  await mkdir(parent, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot create ${target}: ${error.code === 'ENOTDIR' || error.code === 'EEXIST' ? 'a parent is not a directory' : error.code}`);
  });
  const staging = join(parent, `${STAGING_MARKER}${basename(destination)}-${randomBytes(4).toString('hex')}`);
  const removeStaging = () => rm(staging, { recursive: true, force: true });
  let swapping = false;
  let heldSignal: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (swapping) heldSignal = signal;
    else void removeStaging().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await mkdir(staging);
    // Directories first, then every file at once: sequential awaits left the process idle.
    const directories = [...new Set(files.map((file) => dirname(join(staging, file.path))))].sort();
    for (const directory of directories) await mkdir(directory, { recursive: true });
    await Promise.all(files.map((file) => writeFile(join(staging, file.path), file.content)));
    swapping = true;
    if (existing === 'non-empty') await moveInto(staging, destination, files, options.remove ?? []);
    else {
      if (existing === 'empty') await rmdir(destination);
      await rename(staging, destination);
    }
  } finally {
    await removeStaging();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (heldSignal) process.kill(process.pid, heldSignal);
  }
}

/** A planned file cannot go where a directory (or a file standing for a directory) is. */
async function checkPathsFree(destination: string, target: string, files: readonly FileToWrite[]): Promise<void> {
  for (const file of files) {
    const parts = file.path.split('/');
    for (let depth = 1; depth <= parts.length; depth++) {
      const path = join(destination, ...parts.slice(0, depth));
      const info = await lstat(path).catch(() => undefined);
      if (!info) break;
      const isLast = depth === parts.length;
      if (isLast ? info.isDirectory() : !info.isDirectory()) {
        throw new UsageError(`${target}/${parts.slice(0, depth).join('/')} is in the way of ${file.path}; move it and try again`);
      }
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

/** Moves the staged files into an existing chart; on any failure every change is undone. */
async function moveInto(staging: string, destination: string, files: readonly FileToWrite[], remove: readonly string[]): Promise<void> {
  const previous = `${staging}-previous`;
  const setAside: string[] = [];
  const placed: string[] = [];
  try {
    for (const path of [...new Set([...files.map((file) => file.path), ...remove])]) {
      if (!(await exists(join(destination, path)))) continue;
      await mkdir(dirname(join(previous, path)), { recursive: true });
      await rename(join(destination, path), join(previous, path));
      setAside.push(path);
    }
    for (const file of files) {
      await mkdir(dirname(join(destination, file.path)), { recursive: true });
      await rename(join(staging, file.path), join(destination, file.path));
      placed.push(file.path);
    }
  } catch (error) {
    // If undoing fails too, the set-aside originals stay under the recognisable -previous name.
    for (const path of placed) await rm(join(destination, path), { force: true });
    for (const path of setAside) await rename(join(previous, path), join(destination, path));
    await rm(previous, { recursive: true, force: true });
    throw error;
  }
  await rm(previous, { recursive: true, force: true });
}

type DirectoryState = 'absent' | 'empty' | 'non-empty' | 'file';

async function directoryState(path: string, shown: string): Promise<DirectoryState> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return 'file';
    return (await readdir(path)).length === 0 ? 'empty' : 'non-empty';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'absent';
    if (code === 'ENOTDIR') throw new UsageError(`cannot write ${shown}: a parent is not a directory`);
    if (code === 'EACCES' || code === 'EPERM') throw new UsageError(`cannot write ${shown}: permission denied`);
    throw error;
  }
}
