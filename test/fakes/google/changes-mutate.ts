/**
 * Mutations of a library that Drive's changes feed sees: each one changes `lib.files` and records
 * the ids it touched in the change journal (`changes-journal.ts`). Tests use these between passes
 * instead of editing `lib.files` directly (direct edits are invisible to the feed).
 *
 * What Drive reports, and so what these record:
 * - rename, move, metadata updates: one change for the file (a folder's children are not listed:
 *   their own resources did not change); `modifiedTime` is kept (Drive's bytes did not change);
 * - new bytes (`editFile`): one change; size, md5, `modifiedTime` and `headRevisionId` change;
 * - trash / untrash: a change for the item and, for a folder, one for every descendant, whose
 *   effective `trashed` flips (`trashed: true, explicitlyTrashed: false` below a trashed folder);
 *   trashing is not a removal;
 * - permanent delete: the item and, for a folder, every descendant leave `lib.files` and are
 *   listed `removed: true` without a `file` (an item with another parent outside stays there).
 * Unknown ids throw (a test bug, not an API answer).
 */
import { changeTime, recordChange } from './changes-journal.ts';
import {
  exifToRfc3339,
  FOLDER_MIME,
  isGoogleType,
  makeId,
  newMediaFile,
  prng,
  sizeOf,
  withPhotoMetadata,
  withVideoMetadata,
} from './library.ts';
import type { FakeFile, Library, MediaOpts } from './library.ts';
import { claimDrive, isSharedDrive } from './shared-drives.ts';

const idSources = new WeakMap<Map<string, FakeFile>, () => number>();

function newId(lib: Library): string {
  let rand = idSources.get(lib.files);
  if (!rand) {
    rand = prng(0xc4a9e5 ^ lib.files.size);
    idSources.set(lib.files, rand);
  }
  for (;;) {
    const id = makeId(rand);
    if (!lib.files.has(id) && id !== lib.rootId) return id;
  }
}

function fileOf(lib: Library, id: string): FakeFile {
  const f = lib.files.get(id);
  if (!f) throw new Error(`no such file: ${id}`);
  return f;
}

function checkParent(lib: Library, parent: string): void {
  if (parent === lib.rootId || isSharedDrive(lib, parent)) return;
  const p = lib.files.get(parent);
  if (!p || p.mimeType !== FOLDER_MIME) throw new Error(`no such folder: ${parent}`);
}

/** `id` and every file below it (one pass over the library to index children). */
export function withDescendants(lib: Library, id: string): string[] {
  const f = fileOf(lib, id);
  if (f.mimeType !== FOLDER_MIME) return [id];
  const children = new Map<string, string[]>();
  for (const c of lib.files.values()) {
    for (const p of c.parents) {
      let list = children.get(p);
      if (!list) children.set(p, (list = []));
      list.push(c.id);
    }
  }
  const out = [id];
  const seen = new Set(out);
  for (let i = 0; i < out.length; i++) {
    for (const c of children.get(out[i]!) ?? []) {
      if (!seen.has(c)) {
        seen.add(c);
        out.push(c);
      }
    }
  }
  return out;
}

/** Adds any file (id and times filled in when absent; non-Google types get 1000 bytes). */
export function addFile(
  lib: Library,
  f: Partial<FakeFile> & { name: string; mimeType: string; parents: string[] },
): string {
  const t = f.createdTime ?? changeTime(lib);
  const full: FakeFile = {
    ...f,
    id: f.id ?? newId(lib),
    createdTime: t,
    modifiedTime: f.modifiedTime ?? t,
  };
  if (lib.files.has(full.id)) throw new Error(`duplicate id ${full.id}`);
  for (const p of full.parents) checkParent(lib, p);
  const driveId = claimDrive(lib, full.id, full.parents);
  if (driveId !== undefined) full.driveId = driveId;
  if (!isGoogleType(full.mimeType) && !full.content && full.size === undefined) full.size = 1000;
  lib.files.set(full.id, full);
  recordChange(lib, full.id);
  return full.id;
}

/** Adds a folder (default parent: My Drive root). */
export function addFolder(lib: Library, name: string, parent: string = lib.rootId): string {
  return addFile(lib, { name, mimeType: FOLDER_MIME, parents: [parent] });
}

function mediaFile(
  lib: Library,
  name: string,
  parent: string,
  opts: MediaOpts,
  fallbackMime: string,
): FakeFile {
  const createdTime =
    opts.createdTime ?? (opts.takenTime ? exifToRfc3339(opts.takenTime) : changeTime(lib));
  const at = { id: opts.id ?? newId(lib), createdTime, files: lib.files.size };
  return newMediaFile(at, name, parent, opts, fallbackMime);
}

/** Adds a photo like `LibraryBuilder.photo` (EXIF `time` only when `takenTime` is given). */
export function addPhoto(lib: Library, name: string, parent: string, opts: MediaOpts = {}): string {
  return addFile(lib, withPhotoMetadata(mediaFile(lib, name, parent, opts, 'image/jpeg'), opts));
}

/** Adds a video like `LibraryBuilder.video`. */
export function addVideo(lib: Library, name: string, parent: string, opts: MediaOpts = {}): string {
  return addFile(lib, withVideoMetadata(mediaFile(lib, name, parent, opts, 'video/mp4')));
}

/** Changes metadata members of one file (e.g. `mimeType`); `id` cannot change. */
export function updateFile(lib: Library, id: string, patch: Partial<Omit<FakeFile, 'id'>>): void {
  const f = fileOf(lib, id);
  if (patch.parents) for (const p of patch.parents) checkParent(lib, p);
  Object.assign(f, patch);
  recordChange(lib, id);
}

export function renameFile(lib: Library, id: string, newName: string): void {
  updateFile(lib, id, { name: newName });
}

/** Moves a file or folder under `newParent` (its only parent from now on). */
export function moveFile(lib: Library, id: string, newParent: string): void {
  if (withDescendants(lib, id).includes(newParent)) {
    throw new Error(`cannot move ${id} into itself`);
  }
  updateFile(lib, id, { parents: [newParent] });
}

/**
 * New bytes for a binary file: explicit `content`, or generated content of `size` bytes (default:
 * one byte more). Generated bytes are a function of (id, size), so the same size is refused.
 */
export function editFile(
  lib: Library,
  id: string,
  opts: { size?: number; content?: Buffer } = {},
): void {
  const f = fileOf(lib, id);
  if (isGoogleType(f.mimeType)) throw new Error(`file has no binary content: ${id}`);
  if (opts.content) {
    f.content = opts.content;
    delete f.size;
  } else {
    const size = opts.size ?? sizeOf(f) + 1;
    if (!f.content && size === f.size) throw new Error(`same size, same bytes: ${id}`);
    delete f.content;
    f.size = size;
  }
  f.modifiedTime = changeTime(lib);
  recordChange(lib, id);
}

/** Moves a file or folder to the trash: a change for it and for everything below it. */
export function trashFile(lib: Library, id: string): void {
  fileOf(lib, id).trashed = true;
  recordChange(lib, ...withDescendants(lib, id));
}

/** Restores from the trash: a change for it and for everything below it. */
export function untrashFile(lib: Library, id: string): void {
  delete fileOf(lib, id).trashed;
  recordChange(lib, ...withDescendants(lib, id));
}

/**
 * Deletes for good (a folder with everything below it): `removed: true` changes. An item below
 * it that also has a parent outside survives there, losing the deleted parents (one change).
 */
export function deleteFile(lib: Library, id: string): void {
  const below = withDescendants(lib, id);
  const gone = new Set([id]);
  for (let grew = true; grew;) {
    grew = false;
    for (const x of below) {
      if (!gone.has(x) && fileOf(lib, x).parents.every((p) => gone.has(p))) {
        gone.add(x);
        grew = true;
      }
    }
  }
  const kept: string[] = [];
  for (const x of below) {
    const f = fileOf(lib, x);
    if (!gone.has(x) && f.parents.some((p) => gone.has(p))) {
      f.parents = f.parents.filter((p) => !gone.has(p));
      kept.push(x);
    }
  }
  for (const x of gone) lib.files.delete(x);
  recordChange(lib, ...below.filter((x) => gone.has(x)), ...kept);
}
