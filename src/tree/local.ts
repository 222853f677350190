/**
 * Facts about files already in the tree, and the one change made to a file we did not write
 * (its mtime, when a present file is adopted). Every path goes through resolveInside.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { classifyFsError, isMissing } from './fs-errors.ts';
import { resolveInside } from './layout.ts';

export interface LocalState {
  exists: boolean;
  /** Bytes; null when missing. */
  size: number | null;
  mtimeMs: number | null;
  /** False for folders, symlinks (not followed) and anything else that is not a regular file. */
  isFile: boolean;
}

const MISSING: LocalState = { exists: false, size: null, mtimeMs: null, isFile: false };

/** lstat of root/relPath; a missing file (or a missing folder on the way) is `exists: false`. */
export async function statLocal(root: string, relPath: string): Promise<LocalState> {
  const p = resolveInside(root, relPath);
  try {
    const st = await fs.lstat(p);
    return { exists: true, size: st.size, mtimeMs: st.mtimeMs, isFile: st.isFile() };
  } catch (err) {
    if (isMissing(err)) return MISSING;
    throw classifyFsError(err, 'read', p);
  }
}

/** Lowercase hex md5 of a local file, streamed in 1 MiB reads. */
export async function md5File(root: string, relPath: string): Promise<string> {
  const p = resolveInside(root, relPath);
  const hash = createHash('md5');
  try {
    for await (const chunk of createReadStream(p, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
    }
  } catch (err) {
    throw classifyFsError(err, 'read', p);
  }
  return hash.digest('hex');
}

/** Sets mtime (and atime, to the same value) of an existing file. */
export async function setMtime(root: string, relPath: string, mtime: Date): Promise<void> {
  const p = resolveInside(root, relPath);
  try {
    await fs.utimes(p, mtime, mtime);
  } catch (err) {
    throw classifyFsError(err, 'set the time of', p);
  }
}
