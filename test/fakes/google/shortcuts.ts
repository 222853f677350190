/**
 * Drive shortcuts as Drive of today serves them (../shared/google-apis.md, "Drive of today"):
 * `mimeType: application/vnd.google-apps.shortcut` with `shortcutDetails: {targetId,
 * targetMimeType}`, no `size` and no checksums (a Google type: resource.ts leaves them out, and
 * `alt=media` answers 403 `fileNotDownloadable`, media.ts). `targetId` is set only here, at
 * creation: a "retarget" is `deleteFile` of the shortcut and a new one. The target may be a folder,
 * a file outside the backed-up folders, an id the account cannot see (files.get answers 404), or a
 * folder above the shortcut itself: nothing here checks it, as Drive does not.
 */
import { addFile } from './changes-mutate.ts';
import type { FakeFile, Library } from './library.ts';

export const SHORTCUT_MIME = 'application/vnd.google-apps.shortcut';

/**
 * The members of a shortcut named `name` in `parent` to `targetId`, for `LibraryBuilder.file` or
 * `addFile`. `targetMimeType` is the target's type, which Drive copies at creation; give it when
 * the target is not in `files` (an id the account cannot see).
 */
export function shortcutTo(
  files: ReadonlyMap<string, FakeFile>,
  name: string,
  parent: string,
  targetId: string,
  targetMimeType?: string,
): Partial<FakeFile> & { name: string; mimeType: string; parents: string[] } {
  const mime = targetMimeType ?? files.get(targetId)?.mimeType;
  if (mime === undefined) throw new Error(`no such file: ${targetId} (give its mimeType)`);
  return {
    name,
    mimeType: SHORTCUT_MIME,
    parents: [parent],
    shortcutDetails: { targetId, targetMimeType: mime },
  };
}

/** Adds a shortcut between passes (the changes feed sees it); returns its id. */
export function addShortcut(
  lib: Library,
  name: string,
  parent: string,
  targetId: string,
  targetMimeType?: string,
): string {
  return addFile(lib, shortcutTo(lib.files, name, parent, targetId, targetMimeType));
}
