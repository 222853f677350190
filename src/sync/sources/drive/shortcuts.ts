/**
 * Drive shortcuts: what each one becomes in the backup. Pure; the listing (shortcut-listing.ts),
 * the changes feed (shortcut-changes.ts) and the links step (shortcut-links.ts) act on it.
 *
 * A shortcut sits in a backed-up folder and its entry takes the shortcut's name there:
 * - to a photo or video backed up at its own place: a link to that file (`file-link`; symlink,
 *   hard link or copy as `--link-mode` says);
 * - to a photo or video outside the backup: the target's bytes at the shortcut's place
 *   (`file-copy`: a media row whose remote id is the shortcut's);
 * - to a folder inside the backup: a relative symlink to that folder (`folder-link`), unless the
 *   folder is the shortcut's own folder or above it (`cut`: a loop a reader would follow forever);
 * - to a folder outside the backup: the folder's photos and videos listed under the shortcut's
 *   name (`folder-root`), unless it holds the backup itself (My Drive's root: `cut`); shortcuts
 *   inside it follow the same rules, so a loop through several folders ends in a `cut`;
 * - to anything else (a Doc, a PDF): nothing (`other`). A target gone, trashed or not visible to
 *   this account is `unseen` (logged).
 */
import type { ShortcutKind } from '../../../index/shortcut-repo.ts';
import { FOLDER_MIME_TYPE, isMediaType } from './mime.ts';

/** What decideShortcut needs to know beyond the shortcut itself. */
export interface ShortcutFacts {
  /** Path of the folder the shortcut sits in. */
  dir: string;
  /** The target's mimeType as Drive copied it. */
  targetMime: string;
  /** Path of the target folder when it is inside the backup (a folder or a root). */
  targetFolderPath: string | undefined;
  /** Whether the target photo/video is backed up at its own place. */
  targetMediaInside: boolean;
  /** Whether the target folder holds the backed-up folders (My Drive's root). */
  targetHoldsBackup: boolean;
}

export interface ShortcutDecision {
  kind: Exclude<ShortcutKind, 'removed' | 'unseen'>;
  /** Why it is cut. */
  note?: string;
}

/** The decision for one shortcut (see the module comment). */
export function decideShortcut(f: ShortcutFacts): ShortcutDecision {
  if (f.targetMime === FOLDER_MIME_TYPE) {
    if (f.targetHoldsBackup) {
      return { kind: 'cut', note: 'it points at a folder that holds the backup itself' };
    }
    if (f.targetFolderPath === undefined) return { kind: 'folder-root' };
    if (isAtOrAbove(f.targetFolderPath, f.dir)) {
      return { kind: 'cut', note: 'it points at its own folder or a folder above it (a loop)' };
    }
    return { kind: 'folder-link' };
  }
  if (isMediaType(f.targetMime)) return { kind: f.targetMediaInside ? 'file-link' : 'file-copy' };
  return { kind: 'other' };
}

/** Whether folder path `a` is `b` or one of its ancestors. */
export function isAtOrAbove(a: string, b: string): boolean {
  return a === b || b.startsWith(`${a}/`);
}

/** Where a shortcut's entry goes: its folder's path and its sanitised name. */
export function entryPath(dir: string, sanitisedName: string): string {
  return `${dir}/${sanitisedName}`;
}
