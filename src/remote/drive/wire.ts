/**
 * Drive v3 wire shapes: the `fields` we ask for and the parse of what comes back. Google's JSON is
 * checked here, once; past this file the program sees only RemoteEntry values.
 */
import { RemoteError } from '../errors.ts';
import type { RemoteChange, RemoteEntry, RemoteFolder, RemoteOtherFile } from '../types.ts';

export const FOLDER_MIME = 'application/vnd.google-apps.folder';
export const SHORTCUT_MIME = 'application/vnd.google-apps.shortcut';

/** The file members the index needs (int64 values arrive as strings). */
export const FILE_FIELDS =
  'id,name,mimeType,parents,size,md5Checksum,sha256Checksum,capabilities/canDownload,createdTime,modifiedTime,trashed,imageMediaMetadata(time),shortcutDetails(targetId,targetMimeType)';

/** Partial response for listings: only what the index needs. */
export const LIST_FIELDS = `nextPageToken, files(${FILE_FIELDS})`;

/** Partial response for changes.list: the same file members as listings. */
export const CHANGES_FIELDS = `nextPageToken,newStartPageToken,changes(fileId,removed,time,file(${FILE_FIELDS}))`;

export interface WireFile {
  id?: unknown;
  name?: unknown;
  mimeType?: unknown;
  parents?: unknown;
  size?: unknown;
  md5Checksum?: unknown;
  sha256Checksum?: unknown;
  capabilities?: { canDownload?: unknown } | null;
  createdTime?: unknown;
  modifiedTime?: unknown;
  trashed?: unknown;
  imageMediaMetadata?: { time?: unknown } | null;
  shortcutDetails?: { targetId?: unknown; targetMimeType?: unknown } | null;
}

export interface WirePage {
  files: WireFile[];
  nextPageToken: string | undefined;
}

export interface WireChange {
  fileId?: unknown;
  removed?: unknown;
  time?: unknown;
  file?: WireFile | null;
}

/** A changes.list page: exactly one of the two tokens is set. */
export interface WireChangePage {
  changes: WireChange[];
  nextPageToken: string | undefined;
  newStartPageToken: string | undefined;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A `malformed` fault (the pacer retries it like a network error). */
function malformed(message: string): RemoteError {
  return new RemoteError(message, { reason: 'malformed', fault: 'malformed' });
}

function shapeOf(data: unknown): string {
  return typeof data === 'string'
    ? `text starting ${JSON.stringify(data.slice(0, 40))}`
    : data === null
      ? 'null'
      : typeof data;
}

/** Validates a files.list body; an HTML page or broken JSON is a retryable `malformed` error. */
export function parsePage(data: unknown): WirePage {
  if (data === null || typeof data !== 'object' || !Array.isArray((data as WirePage).files)) {
    throw malformed(`Drive answered a listing with ${shapeOf(data)} instead of a file list`);
  }
  const page = data as { files: WireFile[]; nextPageToken?: unknown };
  return { files: page.files, nextPageToken: str(page.nextPageToken) ?? undefined };
}

/**
 * One listed file as a RemoteEntry, or null when it is not for us: trashed, not a folder, image or
 * video or shortcut (Docs, PDFs), or missing the fields without which it cannot be placed.
 */
export function toEntry(f: WireFile): RemoteEntry | null {
  const id = str(f.id);
  const name = str(f.name);
  const mimeType = str(f.mimeType);
  if (!id || name === null || !mimeType || f.trashed === true) return null;
  const parents = Array.isArray(f.parents) ? f.parents.filter((p) => typeof p === 'string') : [];
  if (mimeType === FOLDER_MIME) return { kind: 'folder', id, name, parents };
  if (mimeType === SHORTCUT_MIME) return toShortcut(f, id, name, parents);
  if (!mimeType.startsWith('image/') && !mimeType.startsWith('video/')) return null;
  const sizeText = str(f.size);
  const size = sizeText !== null && /^\d+$/.test(sizeText) ? Number(sizeText) : null;
  const md5 = str(f.md5Checksum);
  const sha256 = str(f.sha256Checksum);
  return {
    kind: 'media',
    id,
    name,
    mimeType,
    parents,
    size,
    md5: md5 && /^[0-9a-f]{32}$/i.test(md5) ? md5.toLowerCase() : null,
    sha256: sha256 && /^[0-9a-f]{64}$/i.test(sha256) ? sha256.toLowerCase() : null,
    // Only an explicit false restricts: an answer without capabilities says nothing.
    canDownload: f.capabilities?.canDownload !== false,
    createdTime: str(f.createdTime),
    modifiedTime: str(f.modifiedTime),
    exifTime: str(f.imageMediaMetadata?.time),
  };
}

/** A shortcut with its target, or null when Drive did not say what it points at. */
function toShortcut(f: WireFile, id: string, name: string, parents: string[]): RemoteEntry | null {
  const targetId = str(f.shortcutDetails?.targetId);
  const targetMimeType = str(f.shortcutDetails?.targetMimeType) ?? '';
  return targetId ? { kind: 'shortcut', id, name, parents, targetId, targetMimeType } : null;
}

export function toFolder(f: WireFile): RemoteFolder | null {
  const e = toEntry(f);
  return e?.kind === 'folder' ? e : null;
}

/** A `q` string literal: single quotes, with `\` and `'` escaped as the Drive grammar wants. */
export function qString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Validates a changes.list body: a change list that carries one of its two tokens. */
export function parseChangePage(data: unknown): WireChangePage {
  const page = data as { changes?: unknown; nextPageToken?: unknown; newStartPageToken?: unknown };
  if (data === null || typeof data !== 'object' || !Array.isArray(page.changes)) {
    throw malformed(
      `Drive answered a changes listing with ${shapeOf(data)} instead of a change list`,
    );
  }
  const nextPageToken = str(page.nextPageToken) || undefined;
  const newStartPageToken = str(page.newStartPageToken) || undefined;
  if (nextPageToken === undefined && newStartPageToken === undefined) {
    throw malformed(
      'Drive answered a changes listing with neither nextPageToken nor newStartPageToken',
    );
  }
  return { changes: page.changes as WireChange[], nextPageToken, newStartPageToken };
}

/** Validates a changes.getStartPageToken body. */
export function parseStartPageToken(data: unknown): string {
  const token =
    data !== null && typeof data === 'object'
      ? str((data as { startPageToken?: unknown }).startPageToken)
      : null;
  if (!token)
    throw malformed(
      `Drive answered changes.getStartPageToken with ${shapeOf(data)} without a token`,
    );
  return token;
}

function toOther(f: WireFile): RemoteOtherFile | null {
  const id = str(f.id);
  const name = str(f.name);
  const mimeType = str(f.mimeType);
  if (!id || name === null || !mimeType) return null;
  const parents = Array.isArray(f.parents) ? f.parents.filter((p) => typeof p === 'string') : [];
  return { kind: 'other', id, name, mimeType, parents };
}

/**
 * One change as a RemoteChange, or null when it names no file. A trashed file keeps its entry
 * (with `trashed` set); a type other than folder, image or video is a RemoteOtherFile.
 */
export function toChange(c: WireChange): RemoteChange | null {
  const fileId = str(c.fileId);
  if (!fileId) return null;
  const time = str(c.time) ?? '';
  const f = c.removed === true ? null : c.file && typeof c.file === 'object' ? c.file : null;
  if (!f) {
    return {
      fileId,
      removed: c.removed === true,
      entry: null,
      trashed: false,
      mimeType: null,
      time,
    };
  }
  return {
    fileId,
    removed: false,
    entry: toEntry({ ...f, trashed: false }) ?? toOther(f),
    trashed: f.trashed === true,
    mimeType: str(f.mimeType),
    time,
  };
}

/** True when Drive refused the request's `pageToken` (400 with location `pageToken`). */
export function isPageTokenRejection(err: unknown): boolean {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const res = (cur as { response?: { status?: unknown; data?: unknown } }).response;
    if (res && res.status === 400) {
      const errors = (res.data as { error?: { errors?: unknown } } | null)?.error?.errors;
      return (
        Array.isArray(errors) &&
        errors.some((e) => (e as { location?: unknown } | null)?.location === 'pageToken')
      );
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}
