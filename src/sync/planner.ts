/**
 * What to do with one indexed item, given what is on disk. Pure.
 *
 * - `present`: the file is there with the size and mtime this job gave it: nothing to do (no md5
 *   read, so a rerun over 100,000 files costs one stat each);
 * - `verify`: a file is there with the right size but this job did not record it (a killed pass, a
 *   restored backup, a touched mtime): read its md5; keep it when it matches, else download;
 * - `download`: missing, wrong size, or a folder in the way that the writer will report.
 */
export type Decision = 'present' | 'verify' | 'download';

export interface PlanFacts {
  state: 'pending' | 'done' | 'failed';
  size: number | null;
  /** The mtime the file gets (taken time, else created time), ms; null when unknown. */
  expectedMtimeMs: number | null;
}

export interface DiskFacts {
  exists: boolean;
  isFile: boolean;
  size: number | null;
  mtimeMs: number | null;
}

export function decide(item: PlanFacts, disk: DiskFacts): Decision {
  if (!disk.exists || !disk.isFile) return 'download';
  if (item.size !== null && disk.size !== item.size) return 'download';
  const mtimeOk =
    item.expectedMtimeMs === null ||
    (disk.mtimeMs !== null && Math.abs(disk.mtimeMs - item.expectedMtimeMs) < 1000);
  if (item.state === 'done' && mtimeOk) return 'present';
  return 'verify';
}

/** The facts `canMove` needs of an item whose file must be written again. */
export interface MoveFacts {
  relPath: string;
  /** Where its file was before a rename or move upstream (MediaRow.movedFrom). */
  movedFrom: string | null;
  size: number | null;
}

/**
 * Whether an item to download can instead be moved from where its file was (renamed or moved
 * upstream): there is an old path, other than the new one, and a regular file there with the
 * item's size (any size when the index knows none). `was` is that file's state, or null when not
 * looked at. Pure.
 */
export function canMove(item: MoveFacts, was: DiskFacts | null): boolean {
  if (item.movedFrom === null || item.movedFrom === item.relPath || was === null) return false;
  return was.isFile && (item.size === null || was.size === item.size);
}

/** Whether `canMove` needs the state of the old path at all (a stat saved otherwise). */
export const mayMove = (item: MoveFacts): boolean =>
  item.movedFrom !== null && item.movedFrom !== item.relPath;

/**
 * Whether a present file this job did not record (a `verify` decision) is kept as it is: its md5
 * is the index's, or the index has no md5 to compare with (`localMd5` is then not read: null).
 * Pure.
 */
export function adopts(indexMd5: string | null, localMd5: string | null): boolean {
  return indexMd5 === null || localMd5 === indexMd5;
}
