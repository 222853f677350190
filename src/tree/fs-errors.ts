/**
 * File-system errors that stop the whole pass. A full disk, a read-only mount or a lost permission
 * fails every following write too, so they become SyncError('fatal') with a message naming the
 * path; every other error is returned unchanged and stays a per-item failure.
 */
import { SyncError } from '../errors/errors.ts';

const codeOf = (err: unknown): string | undefined =>
  err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;

/** `err` as a fatal SyncError when it is ENOSPC/EDQUOT/EROFS/EACCES/EPERM, else `err` itself. */
export function classifyFsError(err: unknown, action: string, where: string): unknown {
  switch (codeOf(err)) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new SyncError('fatal', `disk full: cannot ${action} ${where}`, {
        cause: err,
        hints: ['Free space (or raise the quota) on the backup disk, then run again.'],
      });
    case 'EROFS':
      return new SyncError('fatal', `read-only file system: cannot ${action} ${where}`, {
        cause: err,
        hints: ['Remount the backup disk read-write, then run again.'],
      });
    case 'EACCES':
    case 'EPERM':
      return new SyncError('fatal', `permission denied: cannot ${action} ${where}`, {
        cause: err,
        hints: ['Give the user running gphotos-sync write access to the root folder.'],
      });
    default:
      return err;
  }
}

/** True for "this path or one of its folders does not exist". */
export const isMissing = (err: unknown): boolean => {
  const code = codeOf(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
};
