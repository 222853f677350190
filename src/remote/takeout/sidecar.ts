/**
 * Reads the JSON entries of a Takeout Photos tree: a media item's sidecar, an album's JSON, or
 * something else (print orders, shared_album_comments.json, …). Pure; classified by content,
 * never by the entry's name (album JSON names are localized: see paths.ts `isAlbumJsonName`).
 *
 * Field facts come from ../shared/takeout-samples/README.md §2 "Sidecar fields": timestamps are
 * strings of epoch seconds ("0" = unknown), `formatted` is locale text and is never read,
 * 0,0 means "no place", booleans appear only when true.
 */
import type { AlbumFacts, Geo, SidecarFacts, TakeoutJson } from './types.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const child = (o: Obj, key: string): Obj | null => (isObj(o[key]) ? o[key] : null);

/**
 * Top-level keys only a media item's sidecar has. `creationTime` (upload time) is one: an album
 * JSON has `date` instead, and its comments' `creationTime` is nested. The 2016/17 item format
 * (immich-go#1124, partial) starts with `tags`, `people`, `comments`, `url`.
 */
const MEDIA_KEYS = [
  'photoTakenTime',
  'creationTime',
  'imageViews',
  'url',
  'googlePhotosOrigin',
  'geoDataExif',
  'people',
  'tags',
  'comments',
  'photoLastModifiedTime',
];

/** `googlePhotosOrigin` members, in the order they are looked for. */
const ORIGINS = [
  'mobileUpload',
  'fromPartnerSharing',
  'fromSharedAlbum',
  'webUpload',
  'composition',
];

/**
 * Parses one JSON entry of the Photos tree.
 * - media: `photoTakenTime` is present, or a string `title` with any other media-only key.
 * - album: a string `title` (possibly '') and nothing media-only; `{albumData: {…}}` (≤2017) is
 *   unwrapped; a 2025 album JSON may hold only `{"title": …}`.
 * - other: valid JSON that is neither (a print order has `creationTime` but no `title`).
 * - invalid: not JSON (a redacted or cut file); `error` says why.
 */
export function parseTakeoutJson(text: string): TakeoutJson {
  let value: unknown;
  try {
    // A NUL (only ever written `\u0000` in JSON) becomes U+FFFD: Postgres text and jsonb cannot
    // hold it, and the batch of entries it came in could never be recorded.
    value = text.includes('\\u0000') ? JSON.parse(text, withoutNul) : JSON.parse(text);
  } catch (err) {
    return { kind: 'invalid', error: err instanceof Error ? err.message : String(err) };
  }
  if (!isObj(value)) return { kind: 'other' };
  const wrapped = child(value, 'albumData');
  if (wrapped && typeof wrapped.title === 'string') {
    return { kind: 'album', facts: albumFacts(wrapped) };
  }
  if (isMedia(value)) return { kind: 'media', facts: sidecarFacts(value) };
  if (typeof value.title === 'string') return { kind: 'album', facts: albumFacts(value) };
  return { kind: 'other' };
}

const withoutNul = (_key: string, v: unknown): unknown =>
  typeof v === 'string' ? v.replaceAll('\u0000', '\ufffd') : v;

function isMedia(o: Obj): boolean {
  if (isObj(o.photoTakenTime)) return true;
  return typeof o.title === 'string' && MEDIA_KEYS.some((k) => k in o);
}

/**
 * A `{timestamp, formatted}` time: `timestamp` is a string of epoch seconds (a number is taken
 * too). "0", '', negative or non-numeric values are unknown: null.
 */
function takeoutTime(v: unknown): Date | null {
  if (!isObj(v)) return null;
  const t = v.timestamp;
  const text = typeof t === 'number' ? String(t) : str(t);
  if (text === null || !/^\d+$/.test(text.trim())) return null;
  const seconds = Number(text.trim());
  if (seconds === 0 || !Number.isSafeInteger(seconds)) return null;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A `geoData`/`geoDataExif` block; null when absent, not numbers, or 0,0 (also -0.0). */
function geo(v: unknown): Geo | null {
  if (!isObj(v)) return null;
  const { latitude, longitude, altitude } = v;
  if (typeof latitude !== 'number' || typeof longitude !== 'number') return null;
  if (latitude === 0 && longitude === 0) return null;
  return { latitude, longitude, altitude: typeof altitude === 'number' ? altitude : null };
}

/**
 * The origin: the first known member of `googlePhotosOrigin`; else the first member holding an
 * object (an origin Google adds later); else null.
 */
function origin(o: Obj | null): string | null {
  if (!o) return null;
  const known = ORIGINS.find((k) => k in o);
  if (known) return known;
  return Object.keys(o).find((k) => isObj(o[k])) ?? null;
}

function people(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((p) => (isObj(p) && typeof p.name === 'string' && p.name ? [p.name] : []));
}

/**
 * `deviceType` and `deviceFolder` are read from `mobileUpload` only (their documented place);
 * an empty `localFolderName` says nothing, so it is null.
 */
function sidecarFacts(o: Obj): SidecarFacts {
  const from = child(o, 'googlePhotosOrigin');
  const mobile = from ? child(from, 'mobileUpload') : null;
  const folder = mobile ? child(mobile, 'deviceFolder') : null;
  const app = child(o, 'appSource');
  return {
    title: str(o.title) ?? '',
    description: str(o.description) ?? '',
    takenTime: takeoutTime(o.photoTakenTime),
    createdTime: takeoutTime(o.creationTime),
    modifiedTime: takeoutTime(o.photoLastModifiedTime) ?? takeoutTime(o.modificationTime),
    geo: geo(o.geoDataExif) ?? geo(o.geoData),
    people: people(o.people),
    favorited: o.favorited === true,
    archived: o.archived === true,
    trashed: o.trashed === true,
    url: str(o.url) || null,
    origin: origin(from),
    deviceType: (mobile && str(mobile.deviceType)) || null,
    deviceFolder: (folder && str(folder.localFolderName)) || null,
    appSource: (app && str(app.androidPackageName)) || null,
  };
}

/** `access` is kept as written ('' and "protected" both occur); null when absent. */
function albumFacts(o: Obj): AlbumFacts {
  return {
    title: str(o.title) ?? '',
    description: str(o.description) ?? '',
    date: takeoutTime(o.date),
    access: str(o.access),
  };
}
