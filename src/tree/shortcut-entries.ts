/**
 * The entries of Drive shortcuts in drive/: at the shortcut's place, a link to the file or
 * folder of the backup it points at. A file's entry is what `--link-mode` makes of album entries
 * (a relative symlink, a hard link, or a copy; links.ts makes them the same way, under a temp
 * name renamed into place); a folder's is always a relative symlink (folders cannot be hard
 * linked, and a copy would back the same files up twice).
 *
 * Only paths under ROOT/drive are written or removed, and only entries that are links or that
 * the caller says are ours: a person's own file at that name is left alone.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { SyncError } from '../errors/errors.ts';
import { classifyFsError, isMissing } from './fs-errors.ts';
import { resolveInside } from './layout.ts';
import { isCurrent, make, type Job, type LinkMode } from './links.ts';
import { lstatOrNull } from './local.ts';
import { partNameOf } from './writer.ts';

export type EntryOutcome = 'kept' | 'made' | 'taken' | 'missing-target';

function insideDrive(root: string, rel: string): string {
  if (!rel.startsWith('drive/')) {
    throw new SyncError('fatal', `refusing to manage ${JSON.stringify(rel)}: not under drive/`);
  }
  return resolveInside(root, rel);
}

/**
 * Makes the entry at `entryRel` point at `targetRel` (both relative to ROOT). `ours`: whatever
 * stands at `entryRel` is an entry this program made (else only a symlink there is replaced).
 * A target that is not there yet (not downloaded) gives `missing-target` and changes nothing.
 */
export async function placeShortcutEntry(
  root: string,
  entryRel: string,
  targetRel: string,
  opts: { mode: LinkMode; folder: boolean; ours: boolean },
): Promise<EntryOutcome> {
  const entry = insideDrive(root, entryRel);
  const target = resolveInside(root, targetRel);
  const targetStat = await lstatOrNull(target);
  if (!targetStat || (opts.folder ? !targetStat.isDirectory() : !targetStat.isFile())) {
    return 'missing-target';
  }
  const here = await lstatOrNull(entry);
  if (here && !here.isSymbolicLink() && (!opts.ours || here.isDirectory())) return 'taken';
  const dir = path.dirname(entry);
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    throw classifyFsError(err, 'create folder', dir);
  }
  const job: Job = {
    entry,
    temp: path.join(dir, partNameOf(path.basename(entry))),
    target,
    targetStat,
    rel: path.relative(dir, target),
  };
  const how: LinkMode = opts.folder ? 'symlink' : opts.mode;
  if (await isCurrent(job, how)) return 'kept';
  if (!(await make(job, how, undefined))) await make(job, 'copy', undefined);
  return 'made';
}

/** Removes our entry at `entryRel` (a link or, when `ours`, a file); a folder is left alone. */
export async function removeShortcutEntry(
  root: string,
  entryRel: string,
  ours: boolean,
): Promise<boolean> {
  const entry = insideDrive(root, entryRel);
  const st = await lstatOrNull(entry);
  if (!st || !(st.isSymbolicLink() || (ours && st.isFile()))) return false;
  try {
    await fs.unlink(entry);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw classifyFsError(err, 'remove', entry);
  }
}
