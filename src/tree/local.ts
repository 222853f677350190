/**
 * Facts about files already in the tree, and the one change made to a file we did not write
 * (its mtime, when a present file is adopted). Every path goes through resolveInside.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SyncError } from '../errors/errors.ts';
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
  return hashFile(root, relPath, 'md5');
}

/** Lowercase hex md5 or sha256 of a file under root (read errors as md5File's). */
export async function hashFile(
  root: string,
  relPath: string,
  algorithm: 'md5' | 'sha256',
): Promise<string> {
  const p = resolveInside(root, relPath);
  const hash = createHash(algorithm);
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

/**
 * Moves a file we wrote to its new place in the tree (an item renamed or moved upstream), making
 * the new folder when needed. Resolves false, changing nothing, when `fromRel` is not a regular
 * file, the destination is taken, or the two sit on different file systems (the caller then
 * downloads). rename() is atomic: a pass killed around it leaves the file at one of the two paths.
 */
export async function moveLocal(root: string, fromRel: string, toRel: string): Promise<boolean> {
  const from = resolveInside(root, fromRel);
  const to = resolveInside(root, toRel);
  try {
    if (!(await fs.lstat(from)).isFile()) return false;
  } catch (err) {
    if (isMissing(err)) return false;
    throw classifyFsError(err, 'read', from);
  }
  try {
    await fs.lstat(to);
    return false;
  } catch (err) {
    if (!isMissing(err)) throw classifyFsError(err, 'read', to);
  }
  try {
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.rename(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EXDEV') return false;
    throw classifyFsError(err, 'write', to);
  }
}

/** lstat of an absolute path inside ROOT; null when it is missing. */
export async function lstatOrNull(abs: string): Promise<Stats | null> {
  try {
    return await fs.lstat(abs);
  } catch (err) {
    if (isMissing(err)) return null;
    throw classifyFsError(err, 'read', abs);
  }
}

/**
 * ROOT, resolved, when it is a folder; SyncError('fatal') otherwise. It is never created: a
 * missing root is an unmounted disk, and creating it would silently fill the disk underneath.
 */
export async function requireRootFolder(root: string): Promise<string> {
  const base = path.resolve(root);
  const st = await fs.stat(base).catch((err: unknown) => {
    if (isMissing(err)) return null;
    throw classifyFsError(err, 'read', base);
  });
  if (!st?.isDirectory()) {
    throw new SyncError('fatal', `root folder ${base} is missing or not a folder`, {
      hints: ['Is the backup disk mounted?'],
    });
  }
  return base;
}
