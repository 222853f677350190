/**
 * Where each shared drive goes: `shared-drives/<sanitised name>/`, a top of its own beside
 * `drive/`, so no My Drive folder (with --all-drive, any name at all) can mix with a shared drive.
 *
 * Contract (pure): a drive keeps the folder it was first given, whatever it is called later (a
 * renamed drive does not move its files; `check` shows both names). A new drive takes its
 * sanitised name, or `<name> (2)`, `(3)`... when another drive has that folder (compared as
 * paths are, case-insensitively), so two drives of one name never share a folder.
 */
import { pathKey, sanitizeName } from '../../../tree/sanitize.ts';

export const SHARED_DRIVES_DIR = 'shared-drives';

/** A shared drive's folder name under shared-drives/, by drive id (what sync_state keeps). */
export type DriveFolders = Readonly<Record<string, string>>;

export function folderFor(driveId: string, name: string, taken: DriveFolders): string {
  const own = taken[driveId];
  if (own !== undefined) return own;
  const used = new Set(Object.values(taken).map(pathKey));
  const base = sanitizeName(name);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : sanitizeName(`${name} (${n})`);
    if (!used.has(pathKey(candidate))) return candidate;
  }
}

export const driveDir = (folder: string): string => `${SHARED_DRIVES_DIR}/${folder}`;
