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
