/**
 * Album folders on disk: each holds one entry per member, a relative symlink, a hard link or a
 * copy of a file in drive/ or picasa/, and nothing else of ours.
 *
 * - Every new or replaced entry is made under its temp name (`.<name>.gphotos-part`, which the
 *   sweep and the next reconcile remove) in the same folder and renamed over the final name: a
 *   reader never sees a half-made entry.
 * - A reconcile that finds everything in place writes nothing (folder and entry mtimes untouched).
 * - Only paths under ROOT/albums are ever written or removed (resolveInside, and a symlink on the
 *   way to an album folder is refused rather than followed).
 * - Ownership: symlinks, temp names and regular files are ours, except that in symlink mode a
 *   regular file with a single link (not a hard link of ours) may be a person's own file and is
 *   left alone (logged). Folders inside an album folder are never ours.
 *
 * Disk full, read-only and permission errors become SyncError('fatal') (fs-errors.ts).
 */
import { randomBytes } from 'node:crypto';
import { constants, type Dirent, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SyncError } from '../errors/errors.ts';
import { eachLimited } from '../lib/each-limited.ts';
import { ALBUMS_DIR } from './album-layout.ts';
import { classifyFsError, isMissing } from './fs-errors.ts';
import { resolveInside } from './layout.ts';
import { lstatOrNull, requireRootFolder } from './local.ts';
import { sanitizeName } from './sanitize.ts';
import { isPartName, PART_SUFFIX, partNameOf, syncDir } from './writer.ts';

/** Album entries made at once (see reconcileAlbumFolder). */
const ENTRY_WIDTH = 8;

export type LinkMode = 'symlink' | 'hardlink' | 'copy';

export interface LinkLog {
  warn(obj: object, msg?: string): void;
}

export interface ReconcileOptions {
  log?: LinkLog;
  signal?: AbortSignal;
  /** Test seam: how a hard link is made (default fs.link), e.g. one that fails with EXDEV. */
  link?: (existing: string, newPath: string) => Promise<void>;
}

export interface ReconcileResult {
  /** Entries created where the name was free. */
  added: number;
  /** Entries that existed but were wrong (other target, other mode, stale copy) and were redone. */
  replaced: number;
  /** Stale entries and leftover temp names deleted. */
  removed: number;
  /** Entries already right. */
  kept: number;
  /** Members whose target is not (yet) a file: not linked; an entry already there is left as is. */
  missingTargets: number;
  /** hardlink mode only: hard links failed here (EXDEV, EPERM, ENOTSUP…), copies were made. */
  fellBackToCopy: boolean;
}

/** Copies count as current when their mtime is this close (FAT stores 2 s steps). */
const MTIME_WINDOW_MS = 2000;

/** link() errors that mean "no hard links here": another file system, or none supported. */
const NO_HARDLINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

const codeOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException)?.code;

async function unlinkIfThere(p: string): Promise<boolean> {
  try {
    await fs.unlink(p);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw classifyFsError(err, 'remove', p);
  }
}

async function readDirents(dir: string): Promise<Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw classifyFsError(err, 'read', dir);
  }
}

/** root/folderRel; throws unless it is `albums/…` (the only place whose content we delete). */
function albumPath(root: string, folderRel: string): string {
  const abs = resolveInside(root, folderRel);
  if (!folderRel.startsWith(`${ALBUMS_DIR}/`)) {
    throw new SyncError(
      'fatal',
      `refusing to manage ${JSON.stringify(folderRel)}: not under albums/`,
    );
  }
  return abs;
}

/**
 * Walks root/rel one folder at a time: each must be a real folder (a symlink would send our
 * writes and deletes elsewhere); missing ones are created when `create`, else null is returned.
 */
async function realFolder(root: string, rel: string, create: boolean): Promise<string | null> {
  let cur = await requireRootFolder(root);
  for (const seg of rel.split('/')) {
    cur = path.join(cur, seg);
    let st = await lstatOrNull(cur);
    if (!st && !create) return null;
    if (!st) {
      try {
        await fs.mkdir(cur);
      } catch (err) {
        if (codeOf(err) !== 'EEXIST') throw classifyFsError(err, 'create folder', cur);
      }
      st = await lstatOrNull(cur);
    }
    if (!st?.isDirectory()) {
      throw new SyncError('fatal', `refusing to write through ${cur}: not a real folder`, {
        hints: [`Make ${cur} a plain folder (mount another disk on it rather than linking it).`],
      });
    }
  }
  return cur;
}

/** Whether an entry we found is one of ours to delete (see the module comment). */
function isOurs(d: Dirent, st: Stats | null, mode: LinkMode): boolean {
  if (d.isDirectory()) return false;
  if (d.isSymbolicLink() || isPartName(d.name)) return true;
  if (!d.isFile() || !st) return false;
  return mode !== 'symlink' || st.nlink > 1;
}

const sameFile = (a: Stats, b: Stats): boolean => a.dev === b.dev && a.ino === b.ino;

export interface Job {
  entry: string;
  temp: string;
  target: string;
  targetStat: Stats;
  /** Symlink text: the target relative to the album folder. */
  rel: string;
}

/** Whether the entry at job.entry is what `how` would make. */
export async function isCurrent(job: Job, how: LinkMode): Promise<boolean> {
  const st = await lstatOrNull(job.entry);
  if (!st) return false;
  switch (how) {
    case 'symlink':
      return st.isSymbolicLink() && (await fs.readlink(job.entry)) === job.rel;
    case 'hardlink':
      return st.isFile() && sameFile(st, job.targetStat);
    case 'copy':
      return (
        st.isFile() &&
        !sameFile(st, job.targetStat) &&
        st.size === job.targetStat.size &&
        Math.abs(st.mtimeMs - job.targetStat.mtimeMs) < MTIME_WINDOW_MS
      );
  }
}

/**
 * Makes the entry under its temp name and renames it into place. Returns false (nothing left
 * behind) when `how` is hardlink and this file system cannot hard link the target here.
 * `absent`: the folder was read without this name (nor its temp name: reconcileAlbumFolder
 * removes leftover temp names first). A symlink or hard link is then made at its name straight
 * away: symlink(2) and link(2) create a name whole or not at all, and refuse one that exists, so
 * the temp name buys nothing; two of four syscalls per new entry are saved. A name that appeared
 * since (EEXIST) takes the temp-and-rename way. Copies always take it (a copy is not atomic).
 */
export async function make(
  job: Job,
  how: LinkMode,
  link: ReconcileOptions['link'],
  absent = false,
): Promise<boolean> {
  if (absent && how !== 'copy') {
    const made = await makeInPlace(job, how, link);
    if (made !== 'exists') return made;
  }
  await unlinkIfThere(job.temp);
  try {
    if (how === 'copy') await copyWithTimes(job);
    else if (!(await createLink(job, how, job.temp, link))) return false;
    await fs.rename(job.temp, job.entry);
    return true;
  } catch (err) {
    await fs.unlink(job.temp).catch(() => undefined);
    throw classifyFsError(err, 'create', job.entry);
  }
}

/** A symlink or hard link made at job.entry itself; 'exists' when the name is taken. */
async function makeInPlace(
  job: Job,
  how: 'symlink' | 'hardlink',
  link: ReconcileOptions['link'],
): Promise<boolean | 'exists'> {
  try {
    return await createLink(job, how, job.entry, link);
  } catch (err) {
    if (codeOf(err) === 'EEXIST') return 'exists';
    throw classifyFsError(err, 'create', job.entry);
  }
}

/**
 * A symlink (job.rel) or a hard link (of job.target) at `dest`; false when this file system
 * cannot hard link the target here (the caller copies instead). Other errors are thrown as they
 * come.
 */
async function createLink(
  job: Job,
  how: 'symlink' | 'hardlink',
  dest: string,
  link: ReconcileOptions['link'],
): Promise<boolean> {
  if (how === 'symlink') {
    await fs.symlink(job.rel, dest);
    return true;
  }
  try {
    await (link ?? fs.link)(job.target, dest);
    return true;
  } catch (err) {
    if (NO_HARDLINK.has(codeOf(err) ?? '')) return false;
    throw err;
  }
}

/** A reflink where the file system can (btrfs, xfs), else a byte copy; the target's times. */
async function copyWithTimes(job: Job): Promise<void> {
  await fs.copyFile(job.target, job.temp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
  const fh = await fs.open(job.temp, 'r+');
  try {
    const { atimeMs, mtimeMs } = job.targetStat;
    await fh.utimes(atimeMs / 1000, mtimeMs / 1000);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Makes root/folderRel (under albums/) hold exactly the entries of `desired` (entry name -> target
 * relative to ROOT), as `mode` says:
 * - symlink: a relative symlink (`../../../drive/…`), so the tree still works mounted elsewhere;
 *   kept when it already has exactly that text.
 * - hardlink: kept when it is the target's inode. When this file system cannot hard link the
 *   target here (EXDEV, EPERM, ENOTSUP…), this folder gets copies instead and `fellBackToCopy` is
 *   set; the caller warns once per pass.
 * - copy: a reflink or byte copy with the target's mtime; kept when it is another inode with the
 *   same size and mtime (a re-downloaded target of the same size and taken time is not noticed).
 * Names not in `desired` are removed when ours (module comment); leftover temp names too. A target
 * that is not a file yet is skipped (`missingTargets`), so the next pass links it. Entry names
 * must be single sanitised components (assignAlbumEntries gives such); a desired name that is
 * a temp name is skipped and logged. `signal` is checked between entries.
 */
export async function reconcileAlbumFolder(
  root: string,
  folderRel: string,
  desired: ReadonlyMap<string, string>,
  mode: LinkMode,
  opts: ReconcileOptions = {},
): Promise<ReconcileResult> {
  const { log, signal } = opts;
  signal?.throwIfAborted();
  albumPath(root, folderRel);
  for (const name of desired.keys()) {
    if (name.includes('/') || sanitizeName(name) !== name) {
      throw new SyncError('fatal', `refusing album entry name ${JSON.stringify(name)}`);
    }
  }
  const folder = (await realFolder(root, folderRel, true)) as string;
  const res: ReconcileResult = {
    added: 0,
    replaced: 0,
    removed: 0,
    kept: 0,
    missingTargets: 0,
    fellBackToCopy: false,
  };
  const found = new Map<string, Dirent>();
  for (const d of await readDirents(folder)) found.set(d.name, d);

  for (const [name, d] of found) {
    if (isPartName(name) && !desired.has(name) && !d.isDirectory()) {
      if (await unlinkIfThere(path.join(folder, name))) res.removed++;
      found.delete(name);
    }
  }

  const one = async (name: string): Promise<void> => {
    signal?.throwIfAborted();
    const d = found.get(name);
    if (d?.isDirectory() || isPartName(name)) {
      log?.warn({ folder: folderRel, name }, 'album entry name is taken by a folder or reserved');
      return;
    }
    await reconcileEntry(root, folder, name, desired.get(name) as string, d, mode, res, opts);
  };
  const names = [...desired.keys()].sort();
  // One at a time until a link was made (or failed and the folder fell back to copies): one
  // failed link per folder, never several at once. Then a few at once: each is a stat and a link
  // that wait on the disk; entries have distinct names (and temp names), never each other's files.
  let i = 0;
  while (i < names.length && res.added + res.replaced === 0 && !res.fellBackToCopy)
    await one(names[i++] as string);
  await eachLimited(names.slice(i), ENTRY_WIDTH, one);
  await removeStale(folder, folderRel, found, desired, mode, res, log);

  if (res.added + res.replaced + res.removed > 0) {
    await syncDir(folder).catch((err: unknown) => {
      throw classifyFsError(err, 'write', folder);
    });
  }
  return res;
}

/** One entry of an album folder made what `mode` says, unless its target is not a file yet. */
async function reconcileEntry(
  root: string,
  folder: string,
  name: string,
  target: string,
  d: Dirent | undefined,
  mode: LinkMode,
  res: ReconcileResult,
  opts: ReconcileOptions,
): Promise<void> {
  const targetAbs = resolveInside(root, target);
  const targetStat = await fs.stat(targetAbs).catch((err: unknown) => {
    if (isMissing(err)) return null;
    throw classifyFsError(err, 'read', targetAbs);
  });
  if (!targetStat?.isFile()) {
    res.missingTargets++;
    return;
  }
  const job: Job = {
    entry: path.join(folder, name),
    temp: path.join(folder, partNameOf(name)),
    target: targetAbs,
    targetStat,
    rel: path.relative(folder, targetAbs),
  };
  let how: LinkMode = mode === 'hardlink' && res.fellBackToCopy ? 'copy' : mode;
  if (d && (await isCurrent(job, how))) {
    res.kept++;
    return;
  }
  if (!(await make(job, how, opts.link, d === undefined))) {
    res.fellBackToCopy = true;
    how = 'copy';
    if (d && (await isCurrent(job, how))) {
      res.kept++;
      return;
    }
    await make(job, how, opts.link);
  }
  if (d) res.replaced++;
  else res.added++;
}

/** Removes the entries of ours that `desired` does not name; logs the others. */
async function removeStale(
  folder: string,
  folderRel: string,
  found: ReadonlyMap<string, Dirent>,
  desired: ReadonlyMap<string, string>,
  mode: LinkMode,
  res: ReconcileResult,
  log: LinkLog | undefined,
): Promise<void> {
  for (const [name, d] of found) {
    if (desired.has(name)) continue;
    const entry = path.join(folder, name);
    const st = d.isFile() ? await lstatOrNull(entry) : null;
    if (isOurs(d, st, mode)) {
      if (await unlinkIfThere(entry)) res.removed++;
    } else {
      log?.warn({ folder: folderRel, name }, 'left alone in an album folder: not made by us');
    }
  }
}

export interface RemoveFoldersResult {
  /** Album folders deleted. */
  removedFolders: number;
  /** Album folders left because something in them is not ours (each logged). */
  keptForeign: number;
  /** Empty year folders deleted. */
  removedYears: number;
}

/**
 * Removes every album folder `albums/<year>/<folder>` not in `keepRel` (an album renamed or gone),
 * then year folders left empty. In such a folder our entries (module comment; `mode` as the pass
 * runs, default symlink, the strictest) are deleted; when anything else is there the folder stays
 * with it and is logged. Files directly in albums/ or a year folder, and symlinked folders, are
 * never touched; nothing outside ROOT/albums is ever looked at.
 */
export async function removeAlbumFolders(
  root: string,
  keepRel: ReadonlySet<string>,
  opts: { mode?: LinkMode; log?: LinkLog; signal?: AbortSignal } = {},
): Promise<RemoveFoldersResult> {
  const mode = opts.mode ?? 'symlink';
  const res: RemoveFoldersResult = { removedFolders: 0, keptForeign: 0, removedYears: 0 };
  const albums = await realFolder(root, ALBUMS_DIR, false);
  if (albums === null) return res;
  for (const year of await readDirents(albums)) {
    if (!year.isDirectory()) continue;
    const yearAbs = path.join(albums, year.name);
    for (const album of await readDirents(yearAbs)) {
      const rel = `${ALBUMS_DIR}/${year.name}/${album.name}`;
      if (!album.isDirectory() || keepRel.has(rel)) continue;
      opts.signal?.throwIfAborted();
      const abs = path.join(yearAbs, album.name);
      const foreign: string[] = [];
      for (const d of await readDirents(abs)) {
        const p = path.join(abs, d.name);
        if (isOurs(d, d.isFile() ? await lstatOrNull(p) : null, mode)) await unlinkIfThere(p);
        else foreign.push(d.name);
      }
      if (foreign.length > 0) {
        res.keptForeign++;
        opts.log?.warn(
          { folder: rel, foreign: foreign.slice(0, 5), count: foreign.length },
          'album is gone but its folder holds files not made by us; left them in place',
        );
      } else if (await rmdirIfThere(abs)) {
        res.removedFolders++;
      }
    }
    if ((await readDirents(yearAbs)).length === 0 && (await rmdirIfThere(yearAbs))) {
      res.removedYears++;
    }
  }
  return res;
}

async function rmdirIfThere(p: string): Promise<boolean> {
  try {
    await fs.rmdir(p);
    return true;
  } catch (err) {
    // Missing, or something appeared in it meanwhile: leave it.
    if (isMissing(err) || codeOf(err) === 'ENOTEMPTY' || codeOf(err) === 'EEXIST') return false;
    throw classifyFsError(err, 'remove', p);
  }
}

/**
 * Entry name -> target relative to ROOT for the symlinks in an album folder that point inside
 * ROOT: last pass's names in symlink mode, for assignAlbumEntries' `previous`. Missing folder:
 * empty map.
 */
export async function readAlbumLinks(
  root: string,
  folderRel: string,
): Promise<Map<string, string>> {
  const abs = albumPath(root, folderRel);
  const base = path.resolve(root);
  const out = new Map<string, string>();
  for (const d of await readDirents(abs)) {
    if (!d.isSymbolicLink() || isPartName(d.name)) continue;
    const p = path.join(abs, d.name);
    const text = await fs.readlink(p).catch((err: unknown) => {
      if (isMissing(err)) return null;
      throw classifyFsError(err, 'read', p);
    });
    if (text === null) continue;
    const rel = path.relative(base, path.resolve(abs, text));
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    out.set(d.name, rel.split(path.sep).join('/'));
  }
  return out;
}

/**
 * Whether `dir` supports symlinks and hard links (to a file in `targetDir`, default `dir`:
 * pass drive/ to learn whether albums/ can hard link into it). Creates and removes probe files
 * named like temp files, so a killed probe leaves only what the sweep removes. Throws (classified)
 * when the probe file cannot be created at all.
 */
export async function probeLinkSupport(
  dir: string,
  targetDir: string = dir,
): Promise<{ symlink: boolean; hardlink: boolean }> {
  const tag = `.gphotos-probe-${process.pid}-${randomBytes(6).toString('hex')}`;
  const file = path.join(targetDir, `${tag}${PART_SUFFIX}`);
  const sym = path.join(dir, `${tag}-s${PART_SUFFIX}`);
  const hard = path.join(dir, `${tag}-h${PART_SUFFIX}`);
  try {
    await fs.writeFile(file, 'probe', { flag: 'wx' });
  } catch (err) {
    throw classifyFsError(err, 'create', file);
  }
  const attempt = async (make: () => Promise<unknown>, p: string): Promise<boolean> => {
    try {
      await make();
      return true;
    } catch {
      return false;
    } finally {
      await fs.unlink(p).catch(() => undefined);
    }
  };
  try {
    return {
      // Read through the link: some FUSE/SMB mounts accept symlink() but cannot follow it.
      symlink: await attempt(async () => {
        await fs.symlink(path.relative(dir, file), sym);
        if ((await fs.readFile(sym, 'utf8')) !== 'probe') throw new Error('unreadable');
      }, sym),
      hardlink: await attempt(() => fs.link(file, hard), hard),
    };
  } finally {
    await fs.unlink(file).catch(() => undefined);
  }
}
