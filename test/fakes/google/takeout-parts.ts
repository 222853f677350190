/**
 * Takeout parts in the emulator's Drive, as Google's "Add to Drive" delivers them: files named
 * `takeout-…-001.zip` in a `Takeout` folder of My Drive's root, whose bytes are real archive parts
 * (zip, zip64 or tgz, written by test/fakes/takeout/archive-writer.ts). Every helper goes through
 * the change helpers, so Drive's changes feed sees each part appear: an export can be delivered
 * one part per pass.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeTgz, writeZip, type ZipOptions } from '../takeout/archive-writer.ts';
import { entriesOf, type TakeoutExport } from '../takeout/export.ts';
import { addFile, addFolder, FOLDER_MIME, updateFile, type Library } from './library.ts';

/** The folder "Add to Drive" creates in My Drive's root. */
export const TAKEOUT_FOLDER = 'Takeout';

/** The id of folder `name` in My Drive's root, added (and seen by the feed) when missing. */
export function takeoutFolder(lib: Library, name = TAKEOUT_FOLDER): string {
  for (const f of lib.files.values()) {
    if (
      f.name === name &&
      f.mimeType === FOLDER_MIME &&
      f.trashed !== true &&
      f.parents.includes(lib.rootId)
    ) {
      return f.id;
    }
  }
  return addFolder(lib, name);
}

/** Every part of `exp` as its archive bytes, by file name (written to a temp folder, read back). */
export async function partBytes(
  exp: TakeoutExport,
  zip: ZipOptions = {},
): Promise<Map<string, Buffer>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gphotos-parts-'));
  try {
    const out = new Map<string, Buffer>();
    for (const part of exp.parts) {
      const file = path.join(dir, part.fileName);
      if (part.format === 'zip') await writeZip(file, entriesOf(part), zip);
      else await writeTgz(file, entriesOf(part));
      out.set(part.fileName, await readFile(file));
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The mimeType Drive gives an uploaded part. */
export function partMimeType(fileName: string): string {
  return /\.zip$/i.test(fileName) ? 'application/zip' : 'application/x-gzip';
}

/**
 * Adds one part to `folderId`; returns its file id. `modifiedTime` (default: now, as the feed's
 * clock says) is when Drive last saw its bytes change.
 */
export function deliverPart(
  lib: Library,
  folderId: string,
  fileName: string,
  bytes: Buffer,
  opts: { modifiedTime?: string; createdTime?: string } = {},
): string {
  return addFile(lib, {
    name: fileName,
    mimeType: partMimeType(fileName),
    parents: [folderId],
    content: bytes,
    ...(opts.createdTime === undefined ? {} : { createdTime: opts.createdTime }),
    ...(opts.modifiedTime === undefined ? {} : { modifiedTime: opts.modifiedTime }),
  });
}

/**
 * Delivers the parts of `exp` numbered in `numbers` (default: all) from `bytes` (see
 * `partBytes`) into the Takeout folder; returns their file ids by part number.
 */
export function deliverExport(
  lib: Library,
  exp: TakeoutExport,
  bytes: ReadonlyMap<string, Buffer>,
  opts: { numbers?: readonly number[]; folder?: string; modifiedTime?: string } = {},
): Map<number, string> {
  const folderId = takeoutFolder(lib, opts.folder);
  const ids = new Map<number, string>();
  for (const part of exp.parts) {
    if (opts.numbers !== undefined && !opts.numbers.includes(part.number)) continue;
    const data = bytes.get(part.fileName);
    if (data === undefined) throw new Error(`no bytes for ${part.fileName}`);
    const at =
      opts.modifiedTime === undefined
        ? {}
        : { modifiedTime: opts.modifiedTime, createdTime: opts.modifiedTime };
    ids.set(part.number, deliverPart(lib, folderId, part.fileName, data, at));
  }
  return ids;
}

/** Marks a part as written long ago (its modifiedTime `ms` in the past), for the feed too. */
export function ageFile(lib: Library, id: string, ms: number): void {
  const at = new Date(Date.now() - ms).toISOString();
  updateFile(lib, id, { modifiedTime: at });
}
