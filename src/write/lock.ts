import { readFileSync, unlinkSync } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { UsageError } from '../errors.js';
import { errnoOf, fsStep } from './fsErrors.js';

/**
 * A lock file beside the chart directory, created with O_EXCL, naming its owner (pid, host,
 * start time). Hand-written rather than proper-lockfile: that one decides staleness by age (its
 * mtime is refreshed on a timer), so a killed run blocks the directory for its stale period and
 * a paused one (SIGSTOP, a debugger) loses its lock to a second writer; here a lock is stale
 * exactly when its process is gone, which a CLI on one machine can tell at once.
 */
export interface LockOwner {
  pid: number;
  host: string;
  /** When the lock was taken (ISO 8601). */
  since: string;
  /** The owner's start time from /proc/<pid>/stat (Linux), so a reused pid is not taken for it. */
  processStart?: string;
  command: string;
}

/** Another chartwright holds the lock: exit 2 with who and how to clear a lock that is wrongly there. */
export class LockedError extends UsageError {
  constructor(
    readonly shown: string,
    readonly owner: LockOwner,
    readonly lockPath: string,
  ) {
    const where = owner.host === hostname() ? '' : ` on ${owner.host}`;
    super(
      `${shown} is being written by another chartwright (\`${owner.command}\`, pid ${owner.pid}${where}, since ${owner.since}); ` +
        `wait for it to finish and try again. If no chartwright is running, delete ${lockPath}`,
    );
  }
}

export interface HeldLock {
  readonly path: string;
  /** Owner of a stale lock this one replaced (a run that was killed), if any. */
  readonly replaced: LockOwner | undefined;
  release(): Promise<void>;
}

const RETRIES = 50;
const RETRY_MS = 20;
/** A breaker file (see breakStale) older than this belonged to a process that died mid-break. */
const BREAKER_STALE_MS = 5_000;

/** Takes the lock or throws LockedError (held by a live process) or FileSystemError. */
export async function acquireLock(lockPath: string, shown: string, command: string): Promise<HeldLock> {
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command, ...processStartOf(process.pid) };
  const content = `${JSON.stringify(me)}\n`;
  let replaced: LockOwner | undefined;
  for (let attempt = 0; attempt < RETRIES; attempt++) {
    const created = await fsStep('create the lock file for', shown, async () => {
      try {
        const handle = await open(lockPath, 'wx');
        try {
          await handle.writeFile(content);
        } finally {
          await handle.close();
        }
        return true;
      } catch (error) {
        if (errnoOf(error) === 'EEXIST') return false;
        throw error;
      }
    });
    if (created) return held(lockPath, content, replaced);
    const owner = await readOwner(lockPath);
    if (owner === 'gone') continue;
    if (owner === 'unreadable') {
      // Just created, not yet written; or damaged: after a while it is treated as stale.
      const age = await ageMs(lockPath);
      if (age !== undefined && age > BREAKER_STALE_MS) await breakStale(lockPath, undefined);
      else await sleep(RETRY_MS);
      continue;
    }
    if (isAlive(owner)) throw new LockedError(shown, owner, lockPath);
    replaced = owner;
    await breakStale(lockPath, owner);
  }
  throw new UsageError(`cannot take the lock ${lockPath}: other chartwright runs keep taking it; try again`);
}

function held(path: string, content: string, replaced: LockOwner | undefined): HeldLock {
  let released = false;
  // process.exit (a third signal, or the guard after its cleanups) skips pending finally blocks.
  const onExit = () => releaseSync();
  const ours = (text: string | undefined) => text === content;
  const releaseSync = () => {
    if (released) return;
    released = true;
    process.off('exit', onExit);
    try {
      if (ours(readFileSync(path, 'utf8'))) unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
  process.on('exit', onExit);
  return {
    path,
    replaced,
    async release() {
      if (released) return;
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (ours(text)) await unlink(path).catch(() => undefined);
      // Only now: an exit while this was under way still releases through onExit.
      released = true;
      process.off('exit', onExit);
    },
  };
}

async function readOwner(path: string): Promise<LockOwner | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string' ? owner : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** On another host we cannot tell, so the lock holds. */
function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if (errnoOf(error) !== 'EPERM') return false;
  }
  const now = processStartOf(owner.pid).processStart;
  return owner.processStart === undefined || now === undefined || now === owner.processStart;
}

function processStartOf(pid: number): { processStart?: string } {
  try {
    // Field 22 (starttime); the command name in field 2 may hold spaces, so count after its ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return start ? { processStart: start } : {};
  } catch {
    return {};
  }
}

/**
 * Removes a stale lock. Two runs may find the same stale lock at once; a breaker file (O_EXCL)
 * lets only one of them remove it, and the lock is read again under it, so a lock a third run
 * took in between is never removed.
 */
async function breakStale(lockPath: string, seen: LockOwner | undefined): Promise<void> {
  const breaker = `${lockPath}.break`;
  try {
    const handle = await open(breaker, 'wx');
    await handle.close();
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw error;
    const age = await ageMs(breaker);
    if (age !== undefined && age > BREAKER_STALE_MS) await unlink(breaker).catch(() => undefined);
    else await sleep(RETRY_MS);
    return;
  }
  try {
    const now = await readOwner(lockPath);
    const same = seen === undefined ? now === 'unreadable' : now !== 'gone' && now !== 'unreadable' && now.pid === seen.pid && now.since === seen.since;
    if (same) await unlink(lockPath).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

async function ageMs(path: string): Promise<number | undefined> {
  const info = await stat(path).catch(() => undefined);
  return info ? Date.now() - info.mtimeMs : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
