/**
 * Files that cannot be downloaded, as Drive of today serves them (../shared/google-apis.md,
 * "Drive of today"). A FakeFile's `restriction` says which case it is:
 * - `owner-restricted`: the owner turned off downloads for viewers. `capabilities.canDownload`
 *   is false, `downloadRestrictions.effectiveDownloadRestrictionWithContext.restrictedForReaders`
 *   true, `ownedByMe` false; `alt=media` answers 403 `cannotDownloadFile`.
 * - `refused`: capabilities say the file can be downloaded, yet `alt=media` answers 403
 *   `cannotDownloadFile` (seen in the wild: restrictions applied by an admin policy).
 * - `abuse`: flagged as malware or spam. Listed as any file; `alt=media` answers 403
 *   `cannotDownloadAbusiveFile` unless `acknowledgeAbuse=true`, which Drive honours for the
 *   file's owner only (`ownedByMe`): anyone else gets the same 403 with it.
 * Turning a restriction on or off is a change the changes feed lists (`setRestriction`): the
 * file's capabilities changed.
 */
import { recordChange } from './changes-journal.ts';
import { envelope, type ErrorEnvelope } from './http.ts';
import type { FakeFile, Library } from './library.ts';

export type FakeRestriction = 'owner-restricted' | 'refused' | 'abuse';

/** `capabilities.canDownload` of a file (only the owner's restriction shows there). */
export const canDownload = (f: FakeFile): boolean => f.restriction !== 'owner-restricted';

/** `ownedByMe`: false for a file shared with a download restriction, else as the file says. */
export const ownedByMe = (f: FakeFile): boolean =>
  f.restriction === 'owner-restricted' ? false : (f.ownedByMe ?? true);

/** The Capabilities members a pass could ask for, as Drive reports them for this file. */
export function capabilitiesOf(f: FakeFile): Record<string, boolean> {
  const owner = ownedByMe(f);
  return {
    canCopy: canDownload(f),
    canDownload: canDownload(f),
    canEdit: owner,
    canShare: owner,
    canTrash: owner,
    canDelete: owner,
    canRename: owner,
  };
}

/** `downloadRestrictions` (the owner's and the effective ones). */
export function downloadRestrictionsOf(f: FakeFile): Record<string, unknown> {
  const restricted = f.restriction === 'owner-restricted';
  const item = { restrictedForReaders: restricted, restrictedForWriters: false };
  return {
    itemDownloadRestriction: item,
    effectiveDownloadRestrictionWithContext: item,
  };
}

const cannotDownload = (): ErrorEnvelope =>
  envelope(403, {
    domain: 'global',
    reason: 'cannotDownloadFile',
    message: 'This file cannot be downloaded by the user.',
  });

/** The 403 `alt=media` answers for `f`, or null when its bytes are served. */
export function downloadRefusal(f: FakeFile, acknowledgeAbuse: boolean): ErrorEnvelope | null {
  if (f.restriction === 'owner-restricted' || f.restriction === 'refused') return cannotDownload();
  if (f.restriction === 'abuse' && !(acknowledgeAbuse && ownedByMe(f))) {
    return envelope(403, {
      domain: 'global',
      reason: 'cannotDownloadAbusiveFile',
      message: acknowledgeAbuse
        ? 'Only the owner can download abusive files.'
        : 'This file has been identified as malware or spam and cannot be downloaded.',
      locationType: 'parameter',
      location: 'acknowledgeAbuse',
    });
  }
  return null;
}

/** Sets or clears the restriction of `id` (and who owns it); the changes feed lists the file. */
export function setRestriction(
  lib: Library,
  id: string,
  restriction: FakeRestriction | null,
  opts: { ownedByMe?: boolean } = {},
): void {
  const f = lib.files.get(id);
  if (!f) throw new Error(`no such file: ${id}`);
  if (restriction === null) delete f.restriction;
  else f.restriction = restriction;
  if (opts.ownedByMe !== undefined) f.ownedByMe = opts.ownedByMe;
  recordChange(lib, id);
}
