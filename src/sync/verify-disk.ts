/**
 * The file-system side of `verify`: read-only walks of the tree. Nothing here writes, and every
 * path stays inside ROOT (resolveInside). Missing folders read as empty; disk errors that stop a
 * pass (permission denied…) become SyncError('fatal') through classifyFsError.
 */
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import { classifyFsError, isMissing } from '../tree/fs-errors.ts';
import { resolveInside } from '../tree/layout.ts';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

export interface DiskEntry {
  /** Relative to ROOT, '/'-separated. */
  rel: string;
  name: string;
  kind: EntryKind;
}

function kindOf(d: Dirent): EntryKind {
  if (d.isFile()) return 'file';
  if (d.isDirectory()) return 'dir';
  if (d.isSymbolicLink()) return 'symlink';
  return 'other';
}

/** The entries of root/rel (symlinks not followed), sorted by name; a missing folder: []. */
export async function readFolder(root: string, rel: string): Promise<DiskEntry[]> {
  const abs = resolveInside(root, rel);
  let dirents: Dirent[];
  try {
    dirents = await fs.readdir(abs, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw classifyFsError(err, 'read', abs);
  }
  return dirents
    .map((d) => ({ rel: `${rel}/${d.name}`, name: d.name, kind: kindOf(d) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Every entry that is not a folder under root/top, depth first; folders are entered (symlinked
 * folders are not: they are yielded as symlinks) unless `enter(folder)` says no.
 */
export async function* walkTree(
  root: string,
  top: string,
  enter: (folder: DiskEntry) => boolean,
  signal?: AbortSignal,
): AsyncGenerator<DiskEntry> {
  const stack = [top];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    signal?.throwIfAborted();
    const entries = await readFolder(root, dir);
    for (const e of entries) {
      if (e.kind !== 'dir') yield e;
      else if (enter(e)) stack.push(e.rel);
    }
  }
}

/**
 * Whether the symlink root/rel leads to a regular file (following every link on the way), and
 * its text for messages.
 */
export async function symlinkTarget(
  root: string,
  rel: string,
): Promise<{ resolves: boolean; text: string }> {
  const abs = resolveInside(root, rel);
  const text = await fs.readlink(abs).catch((err: unknown) => {
    throw classifyFsError(err, 'read', abs);
  });
  try {
    return { resolves: (await fs.stat(abs)).isFile(), text };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (isMissing(err) || code === 'ELOOP') return { resolves: false, text };
    throw classifyFsError(err, 'read', abs);
  }
}

/** True when root/rel is an existing folder (symlinks followed). */
export async function isFolder(root: string, rel: string): Promise<boolean> {
  const abs = resolveInside(root, rel);
  try {
    return (await fs.stat(abs)).isDirectory();
  } catch (err) {
    if (isMissing(err)) return false;
    throw classifyFsError(err, 'read', abs);
  }
}

/**
 * Names that NAS and desktop systems put into every folder (Synology `@eaDir`, QNAP
 * `.@__thumb`, macOS `.DS_Store` and `._*`, Windows `Thumbs.db`…): never reported as unknown.
 */
const IGNORED_NAMES =
  /^(@eaDir|#recycle|#snapshot|\.@__thumb|\.AppleDouble|\.DS_Store|\.Spotlight-V100|\.Trashes|Thumbs\.db|desktop\.ini|\._.+)$/i;

export const isIgnoredName = (name: string): boolean => IGNORED_NAMES.test(name);

/** Paths compared as NFC: a file system may give back another Unicode normal form. */
export const nfc = (p: string): string => p.normalize('NFC');
