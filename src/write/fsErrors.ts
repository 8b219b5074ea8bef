import { UsageError } from '../errors.js';

/**
 * A file-system operation the user's machine refused: a usage error (exit 2) naming the path and
 * the reason in words, never a stack trace. `code` is the errno name (ENOSPC, EACCES, ...).
 */
export class FileSystemError extends UsageError {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly path: string,
  ) {
    super(message);
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'name too long (at most 255 bytes per name, 4096 per path)',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOENT: 'no such file or directory (or the file system does not allow creating files there)',
  ELOOP: 'too many levels of symbolic links',
  EXDEV: 'on another file system',
  EBUSY: 'busy (in use by another process, or a mount point)',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  ENOTEMPTY: 'directory not empty',
  EINVAL: 'invalid argument (the file system does not support this name or operation)',
  ENOTSUP: 'not supported by the file system',
  EOPNOTSUPP: 'not supported by the file system',
};

/** The errno code of a Node file-system error, if it is one. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

export function reasonOf(error: unknown): string {
  const code = errnoOf(error);
  if (code) return `${REASONS[code] ?? (error as Error).message.split(',')[0]} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs one file-system step; an errno failure becomes a FileSystemError saying what was being
 * done to which path. Anything else (a bug) passes through unchanged.
 */
export async function fsStep<T>(what: string, path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw asFileSystemError(error, what, path);
  }
}

export function asFileSystemError(error: unknown, what: string, path: string): unknown {
  if (error instanceof UsageError) return error;
  const code = errnoOf(error);
  if (!code) return error;
  const failed = (error as NodeJS.ErrnoException).path;
  const where = failed && failed !== path ? ` (${failed})` : '';
  return new FileSystemError(`cannot ${what} ${path}: ${reasonOf(error)}${where}`, code, path);
}
