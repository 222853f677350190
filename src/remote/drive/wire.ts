/**
 * Drive v3 wire shapes: the `fields` we ask for and the parse of what comes back. Google's JSON is
 * checked here, once; past this file the program sees only RemoteEntry values.
 */
import { RemoteError } from '../errors.ts';
import type { RemoteEntry, RemoteFolder } from '../types.ts';

export const FOLDER_MIME = 'application/vnd.google-apps.folder';

/** Partial response for listings: only what the index needs (int64 values arrive as strings). */
export const LIST_FIELDS =
  'nextPageToken, files(id,name,mimeType,parents,size,md5Checksum,createdTime,modifiedTime,trashed,imageMediaMetadata(time))';

export interface WireFile {
  id?: unknown;
  name?: unknown;
  mimeType?: unknown;
  parents?: unknown;
  size?: unknown;
  md5Checksum?: unknown;
  createdTime?: unknown;
  modifiedTime?: unknown;
  trashed?: unknown;
  imageMediaMetadata?: { time?: unknown } | null;
}

export interface WirePage {
  files: WireFile[];
  nextPageToken: string | undefined;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Validates a files.list body; an HTML page or broken JSON is a retryable `malformed` error. */
export function parsePage(data: unknown): WirePage {
  if (data === null || typeof data !== 'object' || !Array.isArray((data as WirePage).files)) {
    const shape =
      typeof data === 'string' ? `text starting ${JSON.stringify(data.slice(0, 40))}` : typeof data;
    const err = new RemoteError(`Drive answered a listing with ${shape} instead of a file list`, {
      reason: 'malformed',
    });
    (err as { code?: string }).code = 'malformed';
    throw err;
  }
  const page = data as { files: WireFile[]; nextPageToken?: unknown };
  return { files: page.files, nextPageToken: str(page.nextPageToken) ?? undefined };
}

/**
 * One listed file as a RemoteEntry, or null when it is not for us: trashed, not a folder, image or
 * video (Docs, PDFs, shortcuts), or missing the fields without which it cannot be placed.
 */
export function toEntry(f: WireFile): RemoteEntry | null {
  const id = str(f.id);
  const name = str(f.name);
  const mimeType = str(f.mimeType);
  if (!id || name === null || !mimeType || f.trashed === true) return null;
  const parents = Array.isArray(f.parents) ? f.parents.filter((p) => typeof p === 'string') : [];
  if (mimeType === FOLDER_MIME) return { kind: 'folder', id, name, parents };
  if (!mimeType.startsWith('image/') && !mimeType.startsWith('video/')) return null;
  const sizeText = str(f.size);
  const size = sizeText !== null && /^\d+$/.test(sizeText) ? Number(sizeText) : null;
  const md5 = str(f.md5Checksum);
  return {
    kind: 'media',
    id,
    name,
    mimeType,
    parents,
    size,
    md5: md5 && /^[0-9a-f]{32}$/i.test(md5) ? md5.toLowerCase() : null,
    createdTime: str(f.createdTime),
    modifiedTime: str(f.modifiedTime),
    exifTime: str(f.imageMediaMetadata?.time),
  };
}

export function toFolder(f: WireFile): RemoteFolder | null {
  const e = toEntry(f);
  return e?.kind === 'folder' ? e : null;
}

/** A `q` string literal: single quotes, with `\` and `'` escaped as the Drive grammar wants. */
export function qString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
