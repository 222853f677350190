/**
 * The request parameters that pick which drive a Drive call reads: My Drive (no `driveId`) or one
 * shared drive. Drive's rules (google-apis.md, "Drive of today"): `driveId` goes with
 * `corpora=drive` and `includeItemsFromAllDrives=true` on files.list (400 / 403 otherwise), the
 * changes feed of a shared drive is `changes.list?driveId=…&includeItemsFromAllDrives=true`, and
 * every call that names a shared-drive item needs `supportsAllDrives=true` (404 without).
 */

/** files.list: the listing of My Drive or of shared drive `driveId`. */
export function listCorpus(driveId: string | undefined): Record<string, string | boolean> {
  if (driveId === undefined) return {};
  return {
    corpora: 'drive',
    driveId,
    includeItemsFromAllDrives: true,
    supportsAllDrives: true,
  };
}

/** changes.list: My Drive's feed (restricted to it), or the feed of shared drive `driveId`. */
export function changesCorpus(driveId: string | undefined): Record<string, string | boolean> {
  if (driveId === undefined) return { restrictToMyDrive: true };
  return { driveId, includeItemsFromAllDrives: true, supportsAllDrives: true };
}

/** changes.getStartPageToken: My Drive's token, or that of shared drive `driveId`. */
export function startTokenCorpus(driveId: string | undefined): Record<string, string | boolean> {
  return driveId === undefined ? {} : { driveId, supportsAllDrives: true };
}
