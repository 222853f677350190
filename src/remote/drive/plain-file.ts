/**
 * A listed file of any type as a RemoteDriveFile (wire.ts keeps to folders, photos and videos).
 * Used for the files of one folder, such as the Takeout parts "Add to Drive" delivers.
 */
import type { RemoteDriveFile } from '../types.ts';
import { FOLDER_MIME, type WireFile } from './wire.ts';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Null for folders, trashed files, and files missing an id, name or type. */
export function toDriveFile(f: WireFile): RemoteDriveFile | null {
  const id = str(f.id);
  const name = str(f.name);
  const mimeType = str(f.mimeType);
  if (!id || name === null || !mimeType || mimeType === FOLDER_MIME || f.trashed === true) {
    return null;
  }
  const sizeText = str(f.size);
  const md5 = str(f.md5Checksum);
  return {
    id,
    name,
    mimeType,
    parents: Array.isArray(f.parents) ? f.parents.filter((p) => typeof p === 'string') : [],
    size: sizeText !== null && /^\d+$/.test(sizeText) ? Number(sizeText) : null,
    md5: md5 && /^[0-9a-f]{32}$/i.test(md5) ? md5.toLowerCase() : null,
    modifiedTime: str(f.modifiedTime),
    createdTime: str(f.createdTime),
  };
}
