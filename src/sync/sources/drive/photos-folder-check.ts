/**
 * Whether the `Google Photos` folder of My Drive is still worth backing up, pure. Google Photos
 * stopped adding new photos to that folder in July 2019: a backup of it alone silently misses
 * everything since. `check` and the end of a Drive pass (not with --all-drive) say so, and what to
 * use instead.
 */

/** A folder and its items unchanged for this long count as abandoned. */
export const STALE_MS = 365 * 24 * 3600 * 1000;

const INSTEAD =
  'back up all of My Drive with --all-drive, and your whole Photos library with the Takeout source (--takeout; see the README, "Takeout")';

export interface PhotosFolderFacts {
  /** Whether My Drive's root has a `Google Photos` folder. */
  found: boolean;
  /** The latest `modifiedTime` of those folders (RFC 3339), null when unknown. */
  folderModified: string | null;
  /** The newest created or modified time of the items backed up from it; null: none known. */
  newestItem: Date | null;
  now: Date;
}

/** The warning to give, or null when there is nothing to say. */
export function photosFolderWarning(f: PhotosFolderFacts): string | null {
  if (!f.found) {
    return `My Drive has no "Google Photos" folder: Google Photos stopped filling it in July 2019; ${INSTEAD}`;
  }
  // Without any item the folder's own time says little (Drive does not touch a folder's
  // modifiedTime when files are added below it): wait until a pass has listed it.
  if (f.newestItem === null) return null;
  const folderMs = f.folderModified === null ? NaN : Date.parse(f.folderModified);
  const latest = Math.max(f.newestItem.getTime(), Number.isNaN(folderMs) ? 0 : folderMs);
  if (f.now.getTime() - latest <= STALE_MS) return null;
  const since = new Date(latest).toISOString().slice(0, 10);
  return `The "Google Photos" folder of My Drive has not changed since ${since}: Google Photos stopped adding photos to it in July 2019, so newer photos are not in this backup; ${INSTEAD}`;
}

/** The latest of the folders' modifiedTimes (RFC 3339), null when none says. */
export function latestModified(
  folders: ReadonlyArray<{ modifiedTime: string | null }>,
): string | null {
  let best: string | null = null;
  for (const { modifiedTime } of folders) {
    if (modifiedTime === null || Number.isNaN(Date.parse(modifiedTime))) continue;
    if (best === null || Date.parse(modifiedTime) > Date.parse(best)) best = modifiedTime;
  }
  return best;
}
