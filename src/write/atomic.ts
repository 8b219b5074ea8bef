import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
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
 * Writes a whole chart so that the target is either untouched or complete: the files go to a
 * staging directory beside the target (same filesystem, so rename is atomic), which then takes
 * the target's place. An interrupt while staging leaves the target as it was.
 */
export async function writeChartAtomically(target: string, files: readonly FileToWrite[], options: WriteOptions): Promise<void> {
  const destination = resolve(target);
  const existing = await directoryState(destination);
  if (existing === 'non-empty' && !options.force) {
    throw new UsageError(`${target} exists and is not empty; choose another directory or pass --force`);
  }
  if (existing === 'file') throw new UsageError(`${target} exists and is not a directory`);

  const parent = dirname(destination);
  await mkdir(parent, { recursive: true });
  const staging = join(parent, `${STAGING_MARKER}${basename(destination)}-${randomBytes(4).toString('hex')}`);
  const removeStaging = () => rm(staging, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    void removeStaging().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (existing === 'non-empty') await cp(destination, staging, { recursive: true, preserveTimestamps: true });
    else await mkdir(staging);
    for (const path of options.remove ?? []) await rm(join(staging, path), { force: true });
    // Directories first, then every file at once: sequential awaits left the process idle.
    const directories = [...new Set(files.map((file) => dirname(join(staging, file.path))))].sort();
    for (const directory of directories) await mkdir(directory, { recursive: true });
    await Promise.all(files.map((file) => writeFile(join(staging, file.path), file.content)));
    await swapInto(staging, destination, existing);
  } catch (error) {
    await removeStaging();
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

type DirectoryState = 'absent' | 'empty' | 'non-empty' | 'file';

async function directoryState(path: string): Promise<DirectoryState> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return 'file';
    return (await readdir(path)).length === 0 ? 'empty' : 'non-empty';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
}

async function swapInto(staging: string, destination: string, existing: DirectoryState): Promise<void> {
  if (existing === 'empty') await rmdir(destination);
  if (existing !== 'non-empty') {
    await rename(staging, destination);
    return;
  }
  // Two renames: the old tree steps aside, the new one takes its place, then the old one goes.
  // Between the renames the old tree is still complete under a recognisable name.
  const previous = `${staging}-previous`;
  await rename(destination, previous);
  try {
    await rename(staging, destination);
  } catch (error) {
    await rename(previous, destination);
    throw error;
  }
  await rm(previous, { recursive: true, force: true });
}
