import { lstat, mkdir, open, readdir, readlink, realpath, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { CleanupPhase, InterruptedError, processSignalGuard, type SignalGuard } from '../process/signals.js';
import { asFileSystemError, FileSystemError, fsStep, reasonOf } from './fsErrors.js';
import {
  changedSinceCommit,
  closeJournal,
  directoriesToCreate,
  exists,
  type Journal,
  readJournal,
  replayBack,
  replayForward,
  syncDirectory,
  type WorkPaths,
  workPaths,
  writeJournal,
} from './journal.js';
import { acquireLock } from './lock.js';
import { pauseAt } from './testPause.js';

export interface FileToWrite {
  path: string;
  content: string;
}

export interface WriteOptions {
  /** Write into a non-empty directory: files not in the plan are kept, planned ones replaced. */
  force: boolean;
  /** Paths (inside the chart) to delete as part of the same write, e.g. files no longer generated. */
  remove?: readonly string[];
}

export interface ChartWriteOptions {
  /** The command taking the lock, named to a second run that finds it. */
  command?: string;
  /** Default: the process's guard. */
  guard?: SignalGuard;
  /** The directory must exist already (regenerate, bump): refused, and no parent created, when it does not. */
  existing?: boolean;
}

export interface ChartWriteSession {
  /** The chart directory as the user wrote it. */
  readonly shown: string;
  /** What was done with the leftovers of an earlier, interrupted run (one line each). */
  readonly recovered: readonly string[];
  /** Writes the files: afterwards the chart is complete; on any error or signal it is untouched. */
  write(files: readonly FileToWrite[], options: WriteOptions): Promise<void>;
}

/** Beside the chart directory; kept for leftovers of chartwright versions before the journal. */
const LEGACY_STAGING = '.chartwright-staging-';

/**
 * Holds the chart directory's lock for `work`, after finishing or undoing what an interrupted
 * earlier run left (see journal.ts). Reading the chart (regenerate, bump) belongs inside `work`,
 * so no other run can change it between reading and writing. A second run on the same
 * directory fails at once with LockedError (exit 2).
 */
export async function withChartWrite<T>(target: string, options: ChartWriteOptions, work: (session: ChartWriteSession) => Promise<T>): Promise<T> {
  const guard = options.guard ?? processSignalGuard();
  const place = await locate(target);
  if (options.existing && !(await stat(place.path).then((info) => info.isDirectory(), () => false))) {
    throw new UsageError(`${target} is not a directory`);
  }
  const createdParent = await fsStep('create', dirname(target) || '.', () => mkdir(place.parent, { recursive: true }));
  const paths = workPaths(place.parent, place.name);
  const lock = await acquireLock(paths.lock, target, options.command ?? 'write').catch(async (error: unknown) => {
    await removeCreatedParents(place.parent, createdParent);
    throw error;
  });
  const state: WriteState = { kind: 'untouched', existed: await exists(place.path) };
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  // Work stopped by a signal says how it left the chart; the guard prints that, then exits.
  const unregisterDrain = guard.register(`stop writing ${target}`, async (signal) => {
    await settled;
    return interruptedMessage(signal, target, state);
  }, { phase: CleanupPhase.stopWork, leftovers: () => leftoverLines(target, paths, state) });
  const unregisterLock = guard.register(`unlock ${target}`, () => lock.release(), { phase: CleanupPhase.release });
  try {
    await pauseAt('locked', guard);
    const recovered = await recover(place.path, target, paths, lock.replaced?.command);
    state.existed = await exists(place.path);
    const session: ChartWriteSession = {
      shown: target,
      recovered,
      write: (files, writeOptions) => writeFiles({ guard, place, paths, shown: target, state, command: options.command ?? 'write' }, files, writeOptions),
    };
    return await work(session);
  } catch (error) {
    // What `work` read from the chart (regenerate, bump): a usage error naming the file, not a crash.
    throw asFileSystemError(error, 'read', target);
  } finally {
    settle();
    unregisterDrain();
    unregisterLock();
    await lock.release();
    if (state.kind === 'untouched' && !(await exists(place.path))) await removeCreatedParents(place.parent, createdParent);
  }
}

/** Locks, recovers and writes in one go, for callers that read nothing from the chart first. */
export async function writeChartAtomically(target: string, files: readonly FileToWrite[], options: WriteOptions & ChartWriteOptions): Promise<{ recovered: readonly string[] }> {
  return withChartWrite(target, options, async (session) => {
    await session.write(files, options);
    return { recovered: session.recovered };
  });
}

/**
 * Whether an interrupted write of `target` awaits recovery (for --dry-run, which must neither
 * recover nor plan against a half-moved chart).
 */
export async function pendingWrite(target: string): Promise<string | undefined> {
  const place = await locate(target).catch(() => undefined);
  if (!place) return undefined;
  const paths = workPaths(place.parent, place.name);
  if (await exists(paths.journal)) {
    return `an interrupted chartwright write of ${target} is not finished (${paths.journal}); run the command again without --dry-run to finish it first`;
  }
  return undefined;
}

interface WriteState {
  /** complete: the new files are all in place; pending: committed but neither finished nor undone (the journal stays for the next run). */
  kind: 'untouched' | 'complete' | 'pending';
  /** Whether the chart directory existed when the lock was taken. */
  existed: boolean;
}

interface Place {
  /** Where the chart is (real path when the target is a symbolic link). */
  path: string;
  parent: string;
  name: string;
}

/** Resolves the target: a symbolic link to a directory is written through; a dangling one is refused. */
async function locate(target: string): Promise<Place> {
  const absolute = resolve(target);
  for (const part of absolute.split(sep)) {
    if (Buffer.byteLength(part) > 255) {
      throw new FileSystemError(`cannot write ${target}: the name "${part.slice(0, 40)}…" is ${Buffer.byteLength(part)} bytes; file names may have at most 255`, 'ENAMETOOLONG', target);
    }
  }
  if (Buffer.byteLength(absolute) > 4000) throw new FileSystemError(`cannot write ${target}: the path is longer than the system allows (4096 bytes)`, 'ENAMETOOLONG', target);
  if (absolute === dirname(absolute)) throw new UsageError(`cannot write a chart into ${target}: choose a directory below it`);
  const info = await fsStep('write', target, () => lstat(absolute)).catch((error: unknown) => {
    if (error instanceof FileSystemError && error.code === 'ENOENT') return undefined;
    throw error;
  });
  let path = absolute;
  if (info?.isSymbolicLink()) {
    const points = await readlink(absolute).catch(() => '?');
    const real = await realpath(absolute).catch(() => undefined);
    if (!real) throw new FileSystemError(`cannot write ${target}: it is a symbolic link to ${points}, which does not exist; create that directory or remove the link`, 'ENOENT', target);
    path = real;
  }
  // The work directory must be on the chart's file system, beside the real directory.
  const parent = await realParent(dirname(path));
  return { path: join(parent, basename(path)), parent, name: basename(path) };
}

async function realParent(parent: string): Promise<string> {
  // Missing parents are created later; resolve the part that exists.
  let existing = parent;
  const missing: string[] = [];
  while (!(await exists(existing))) {
    missing.unshift(basename(existing));
    existing = dirname(existing);
  }
  const real = await realpath(existing).catch(() => existing);
  return join(real, ...missing);
}

async function removeCreatedParents(parent: string, created: string | undefined): Promise<void> {
  if (!created) return;
  for (let dir = parent; dir.length >= created.length; dir = dirname(dir)) {
    if (!(await rmdir(dir).then(() => true, () => false))) return;
    if (dir === created) return;
  }
}

interface WriteContext {
  guard: SignalGuard;
  place: Place;
  paths: WorkPaths;
  shown: string;
  state: WriteState;
  command: string;
}

async function writeFiles(context: WriteContext, files: readonly FileToWrite[], options: WriteOptions): Promise<void> {
  const { guard, place, paths, shown, state } = context;
  const checkpoint = () => {
    if (guard.abortSignal.aborted) throw new InterruptedError(guard.received ?? 'SIGINT', interruptedMessage(guard.received ?? 'SIGINT', shown, state));
  };
  checkpoint();
  const existing = await directoryState(place.path, shown);
  if (existing === 'non-empty' && !options.force) throw new UsageError(`${shown} exists and is not empty; choose another directory or pass --force`);
  if (existing === 'file') throw new UsageError(`${shown} exists and is not a directory`);
  if (existing !== 'absent') await checkPathsFree(place.path, shown, files);

  let committed = false;
  try {
    await fsStep('create the staging directory for', shown, async () => {
      await mkdir(paths.work);
      await mkdir(paths.staging);
    });
    await stage(paths.staging, shown, files, guard, checkpoint);
    await pauseAt('staged', guard);
    checkpoint();
    const journal = await journalFor(context, files, options, existing === 'absent' ? 'new-directory' : 'into');
    await guard.critical(
      `moving files into ${shown}`,
      async () => {
        await fsStep('write the journal for', shown, () => writeJournal(paths, journal));
        committed = true;
        state.kind = 'pending';
        await pauseAt('committed', guard);
        try {
          await replayForward(paths, journal, (step) => pauseAt(step, guard));
        } catch (error) {
          await undo(paths, journal, shown, error);
          state.kind = 'untouched';
          throw asFileSystemError(error, 'write', shown);
        }
        state.kind = 'complete';
        // The write is complete from here; what follows only tidies up.
        await closeJournal(paths, 'finished').catch(() => undefined);
      },
      { leftovers: () => leftoverLines(shown, paths, state) },
    );
    checkpoint();
  } catch (error) {
    if (!committed) await rm(paths.work, { recursive: true, force: true }).catch(() => undefined);
    if (error instanceof InterruptedError) throw error;
    const failure = asFileSystemError(error, 'write', shown);
    if (failure instanceof FileSystemError && state.kind === 'untouched') {
      throw new FileSystemError(`${failure.message}; nothing was written: ${state.existed ? `${shown} is untouched` : `${shown} was not created`}`, failure.code, failure.path);
    }
    throw failure;
  }
}

/** Undoes a failed forward replay; if undoing fails too, the journal stays for the next run. */
async function undo(paths: WorkPaths, journal: Journal, shown: string, cause: unknown): Promise<void> {
  try {
    journal.direction = 'back';
    await writeJournal(paths, journal);
    await replayBack(paths, journal);
    await closeJournal(paths, 'undone');
  } catch (error) {
    throw new FileSystemError(
      `cannot write ${shown}: ${reasonOf(cause)}, and undoing the partial write failed too (${reasonOf(error)}). ` +
        `${shown} is partly written; the files it had are in ${paths.previous}. The next chartwright run on it tries the undo again.`,
      (error as NodeJS.ErrnoException).code,
      shown,
    );
  }
}

/** Writes every file into staging/ (in two halves, so a test can interrupt in the middle) and syncs it. */
async function stage(staging: string, shown: string, files: readonly FileToWrite[], guard: SignalGuard, checkpoint: () => void): Promise<void> {
  const directories = [...new Set(files.map((file) => dirname(join(staging, file.path))))].sort();
  await fsStep('write', shown, async () => {
    for (const directory of directories) await mkdir(directory, { recursive: true });
  });
  const half = Math.ceil(files.length / 2);
  for (const [index, batch] of [files.slice(0, half), files.slice(half)].entries()) {
    if (index === 1) await pauseAt('staging', guard);
    checkpoint();
    // All at once: sequential awaits left the process idle.
    await Promise.all(batch.map((file) => fsStep('write', shown, () => writeDurably(join(staging, file.path), file.content))));
  }
  await fsStep('write', shown, async () => {
    for (const directory of directories) await syncDirectory(directory);
  });
}

/** Written and flushed before the journal commits to it, so a replay after a power loss finds whole files. */
async function writeDurably(path: string, content: string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function journalFor(context: WriteContext, files: readonly FileToWrite[], options: WriteOptions, mode: Journal['mode']): Promise<Journal> {
  const target = context.place.path;
  const place = files.map((file) => file.path);
  const planned = new Set(place);
  const remove = (options.remove ?? []).filter((path) => !planned.has(path));
  const recorded: Journal['existing'] = {};
  if (mode === 'into') {
    for (const path of [...place, ...remove]) {
      const info = await lstat(join(target, path)).catch(() => undefined);
      if (info) recorded[path] = { size: info.size, mtimeMs: info.mtimeMs };
    }
  }
  return {
    format: 1,
    target,
    command: context.command,
    pid: process.pid,
    mode,
    direction: 'forward',
    place,
    remove: remove.filter((path) => recorded[path] !== undefined),
    existing: recorded,
    newDirs: mode === 'into' ? await directoriesToCreate(target, place) : [],
  };
}

/**
 * Deals with what an interrupted earlier run left beside the chart. Returns one line per thing
 * done, for the command to print.
 */
async function recover(target: string, shown: string, paths: WorkPaths, killedCommand: string | undefined): Promise<string[]> {
  const done: string[] = [];
  const who = `an interrupted earlier run${killedCommand ? ` (\`${killedCommand}\`)` : ''}`;
  if (await exists(paths.work)) {
    const journal = await readJournal(paths.journal);
    if (journal) {
      const changed = await changedSinceCommit(paths, journal);
      if (changed.length > 0) {
        throw new UsageError(
          `${who} left a half-finished write of ${shown}, and ${changed.join(', ')} changed since; ` +
            `not finishing it over your changes. ${paths.staging} holds the new files, ${paths.previous} the ones they replace: ` +
            `compare them, then delete ${paths.work}`,
        );
      }
      await fsStep('recover', shown, async () => {
        if (journal.direction === 'forward') {
          try {
            await replayForward(paths, journal, async () => undefined);
            await closeJournal(paths, 'finished');
            done.push(`finished the write ${who} had begun: ${shown} is complete`);
            return;
          } catch {
            journal.direction = 'back';
            await writeJournal(paths, journal);
          }
        }
        await replayBack(paths, journal);
        await closeJournal(paths, 'undone');
        done.push(`undid the partial write ${who} left: ${shown} is as it was before that run`);
      });
    } else {
      const how = (await exists(paths.finished)) ? `its write had completed` : (await exists(paths.undone)) ? `its write had been undone` : `it had not begun to change ${shown}`;
      await fsStep('remove', paths.work, () => rm(paths.work, { recursive: true, force: true }));
      done.push(`removed ${relative(process.cwd(), paths.work) || paths.work}, left by ${who} (${how})`);
    }
  }
  done.push(...(await legacyLeftovers(target)));
  return done;
}

/** Staging directories of chartwright versions before the journal: copies of generated files, removed; set-aside originals are only pointed out. */
async function legacyLeftovers(target: string): Promise<string[]> {
  const parent = dirname(target);
  const prefix = `${LEGACY_STAGING}${basename(target)}-`;
  const entries = await readdir(parent).catch(() => [] as string[]);
  const lines: string[] = [];
  for (const entry of entries.filter((name) => name.startsWith(prefix)).sort()) {
    const path = join(parent, entry);
    if (/^[0-9a-f]{8}$/.test(entry.slice(prefix.length))) {
      if (!entries.includes(`${entry}-previous`)) {
        await rm(path, { recursive: true, force: true });
        lines.push(`removed ${path}, a staging directory an older chartwright left`);
      }
    } else if (entry.endsWith('-previous')) {
      lines.push(`${path} holds files an interrupted older chartwright set aside from ${target}: compare them with the chart, then delete it`);
    }
  }
  return lines;
}

function interruptedMessage(signal: string, shown: string, state: WriteState): string {
  if (state.kind === 'complete') return `interrupted by ${signal} while writing ${shown}; the write was finished first: ${shown} is complete`;
  if (state.kind === 'pending') return `interrupted by ${signal} while writing ${shown}; the next chartwright run on it finishes the write`;
  return `interrupted by ${signal}; nothing was written: ${state.existed ? `${shown} is untouched` : `${shown} was not created`}`;
}

function leftoverLines(shown: string, paths: WorkPaths, state: WriteState): string[] {
  if (state.kind !== 'pending') return [];
  return [`${shown} may be partly written: the next \`chartwright new --force\`, \`regenerate\` or \`bump\` on it finishes the write (journal: ${paths.journal})`];
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

type DirectoryState = 'absent' | 'empty' | 'non-empty' | 'file';

async function directoryState(path: string, shown: string): Promise<DirectoryState> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return 'file';
    return (await readdir(path)).length === 0 ? 'empty' : 'non-empty';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw asFileSystemError(error, 'write', shown);
  }
}
