/**
 * Picasa Web Albums feeds (Atom XML, ../shared/google-apis.md section B) parsed into PicasaAlbum
 * and PicasaItem values. Google's XML is checked here, once.
 *
 * A page is read in one pass (feed-reader.ts, on saxes): each `<entry>` comes as the small tree
 * xml2js would give for it, is turned into its value (or a rejection) here and dropped. Both feed
 * versions parse: v1 (no GData-Version header: `<title type="text">x</title>`, which the tree
 * gives as `{_: 'x', $: {type: 'text'}}`) and v2 (`<title>x</title>`, given as `'x'`).
 * Elements are read by their prefixed names (`gphoto:id`, `media:group`): real feeds always use
 * these prefixes, and stripping them would make `gphoto:id`/`id` and `media:title`/`title` collide.
 *
 * Contract of the parse functions: a body that is not an Atom `<feed>` (broken or truncated XML,
 * an HTML page, an `<entry>` document, empty text) rejects with a RemoteError whose `fault` is
 * `malformed` (retried by the pacer, like any answer that is not what was asked for). Entries of
 * other kinds (tags, comments) are counted but not returned; an entry of the right kind without
 * the fields it cannot do without is left out and described in `rejected`.
 */
import type { PicasaAlbum, PicasaItem } from './types.ts';
import { FeedEntryReader, type XmlNode } from './feed-reader.ts';
import { ownString as own } from '../../lib/own-string.ts';

const KIND_SCHEME = 'http://schemas.google.com/g/2005#kind';
const KIND_PREFIX = 'http://schemas.google.com/photos/2007#';

/** One page of a feed: every entry's kind counts for paging, the wanted ones are parsed. */
export interface FeedPage<T> {
  /** Entries on the page, of any kind: what `start-index` advances by; 0 means past the end. */
  entries: number;
  /** `<id>` of the first and the last entry, to notice a server that ignores `start-index`. */
  firstId: string | null;
  lastId: string | null;
  values: T[];
  /** Entries of the wanted kind left out for missing fields, one short description each. */
  rejected: string[];
}

/**
 * How many `<entry>` elements a body seems to hold, by a scan for their start tags (no parse): a
 * guess to request the next page with before this one is parsed, checked against the parse.
 * `add` each piece of the body in order; `count` does not depend on where the pieces were cut: a
 * start tag is counted once the character after `<entry` is in (the last 6 characters of a piece
 * are scanned again with the next one).
 */
export class EntryCounter {
  count = 0;
  #tail = '';

  add(text: string): void {
    const s = this.#tail + text;
    for (let i = s.indexOf('<entry'); i !== -1; i = s.indexOf('<entry', i + 6)) {
      const c = s.charCodeAt(i + 6);
      // '>', ' ', '\n', '\r', '\t', '/'; NaN (not arrived yet) is none of them
      if (c === 62 || c === 32 || c === 10 || c === 13 || c === 9 || c === 47) this.count++;
    }
    this.#tail = s.slice(-6);
  }
}

/** A page read in pieces (FeedEntryReader): `write` each piece of text, then `end` for the page. */
export interface PageReader<T> {
  write(text: string): void;
  end(): FeedPage<T>;
}

/** Parses the user feed (`kind=album`). */
export async function parseUserFeed(xml: string): Promise<FeedPage<PicasaAlbum>> {
  return readWhole(userFeedReader(), xml);
}

/** Parses an album feed (`kind=photo`); items are reported under `albumId`, the album listed. */
export async function parseAlbumFeed(xml: string, albumId: string): Promise<FeedPage<PicasaItem>> {
  return readWhole(albumFeedReader(albumId), xml);
}

/** parseUserFeed, for a page that comes in pieces. */
export function userFeedReader(): PageReader<PicasaAlbum> {
  return pageReader('album', toAlbum);
}

/** parseAlbumFeed, for a page that comes in pieces. */
export function albumFeedReader(albumId: string): PageReader<PicasaItem> {
  return pageReader('photo', (e) => toItem(e, albumId));
}

function readWhole<T>(reader: PageReader<T>, xml: string): FeedPage<T> {
  reader.write(xml);
  return reader.end();
}

/** A page: every entry counted, those of `kind` parsed as each one closes. */
function pageReader<T>(kind: string, parse: (entry: XmlNode) => T | string): PageReader<T> {
  const page: FeedPage<T> = { entries: 0, firstId: null, lastId: null, values: [], rejected: [] };
  const reader = new FeedEntryReader((entry) => {
    const id = text(entry.id);
    if (page.entries++ === 0) page.firstId = id;
    page.lastId = id;
    const k = kindOf(entry);
    if (k !== null && k !== kind) return;
    const v = parse(entry);
    if (typeof v === 'string') page.rejected.push(v);
    else page.values.push(v);
  });
  return {
    write: (t) => reader.write(t),
    end: () => {
      reader.close();
      return page;
    },
  };
}

/** An album entry, or why it was left out. */
export function toAlbum(e: XmlNode): PicasaAlbum | string {
  const id = text(e['gphoto:id']);
  if (!id) return `album without gphoto:id (${describe(e)})`;
  const updated = text(e.updated) ?? text(e.published);
  const timestamp = msDate(e['gphoto:timestamp']) ?? rfcDate(e.published) ?? rfcDate(e.updated);
  if (!updated || !timestamp) return `album ${id} without a date (${describe(e)})`;
  return {
    id,
    title: text(e.title) ?? '',
    timestamp,
    updated,
    albumType: text(e['gphoto:albumType']) || null,
    numPhotos: int(e['gphoto:numphotos']) ?? 0,
  };
}

/** A photo or video entry, or why it was left out. */
export function toItem(e: XmlNode, albumId: string): PicasaItem | string {
  const id = text(e['gphoto:id']);
  if (!id) return `entry without gphoto:id (${describe(e)})`;
  const name = text(e.title);
  if (!name) return `item ${id} without a title`;
  const published = text(e.published) ?? text(e.updated);
  const updated = text(e.updated) ?? published;
  const exif = nodes(e['exif:tags'])[0];
  const timestamp =
    msDate(e['gphoto:timestamp']) ?? msDate(exif?.['exif:time']) ?? rfcDate(e.published);
  if (!published || !updated || !timestamp) return `item ${id} (${name}) without a date`;

  const contents = nodes(nodes(e['media:group'])[0]?.['media:content']).map((n) => n.$ ?? {});
  const videoStatus = text(e['gphoto:videostatus']) || null;
  const videos = contents.filter((c) => c.medium === 'video');
  const isVideo = videoStatus !== null || videos.length > 0;
  let mediaUrl: string | null;
  let mimeType: string;
  if (isVideo) {
    const best = largestPlayable(videos);
    mediaUrl = best?.url ?? null;
    mimeType = videoMime(best?.type) ?? videoMimeOfName(name);
  } else {
    const content = nodes(e.content)[0]?.$ ?? {};
    const image = contents.find((c) => c.medium === 'image' && c.url);
    mediaUrl = content.src || image?.url || null;
    mimeType = content.type || image?.type || '';
    if (!mediaUrl) return `photo ${id} (${name}) without a content URL`;
    if (!mimeType) return `photo ${id} (${name}) without a content type`;
  }
  return {
    id: own(id),
    albumId,
    name: own(name),
    size: int(e['gphoto:size']),
    timestamp,
    published: own(published),
    updated: own(updated),
    mimeType: own(mimeType),
    isVideo,
    mediaUrl: mediaUrl === null ? null : own(mediaUrl),
    videoStatus: videoStatus === null ? null : own(videoStatus),
    width: int(e['gphoto:width']),
    height: int(e['gphoto:height']),
  };
}

/** The largest stream that is not Flash (Flash streams have the same sizes and no use now). */
function largestPlayable(videos: Array<Record<string, string>>): Record<string, string> | null {
  let best: Record<string, string> | null = null;
  let bestArea = -1;
  for (const v of videos) {
    if (!v.url || /flash|flv/i.test(v.type ?? '')) continue;
    const area = (Number(v.width) || 0) * (Number(v.height) || 0);
    if (area > bestArea) {
      best = v;
      bestArea = area;
    }
  }
  return best;
}

/** Picasa's non-standard video types mapped to registered ones. */
function videoMime(type: string | undefined): string | null {
  if (!type) return null;
  const t = type.toLowerCase();
  if (t === 'video/mpeg4' || t === 'video/mpeg-4') return 'video/mp4';
  return t;
}

function videoMimeOfName(name: string): string {
  const ext = /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase();
  if (ext === 'mov') return 'video/quicktime';
  if (ext === 'avi') return 'video/x-msvideo';
  if (ext === '3gp') return 'video/3gpp';
  if (ext === 'mkv') return 'video/x-matroska';
  if (ext === 'webm') return 'video/webm';
  return 'video/mp4';
}

function kindOf(e: XmlNode): string | null {
  for (const c of nodes(e.category)) {
    const { scheme, term } = c.$ ?? {};
    if (scheme === KIND_SCHEME && term?.startsWith(KIND_PREFIX)) {
      return term.slice(KIND_PREFIX.length);
    }
  }
  return null;
}

function isNode(v: unknown): v is XmlNode {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function nodes(v: unknown): XmlNode[] {
  return Array.isArray(v) ? v.filter(isNode) : [];
}

/** Text of the first element in `v`: `'x'`, `{_: 'x', $: {...}}` or `{$: {...}}` (empty). */
function text(v: unknown): string | null {
  const first: unknown = Array.isArray(v) ? v[0] : v;
  if (typeof first === 'string') return first;
  if (isNode(first)) return typeof first._ === 'string' ? first._ : '';
  return null;
}

function int(v: unknown): number | null {
  const t = text(v)?.trim();
  return t && /^\d+$/.test(t) ? Number(t) : null;
}

/** A `gphoto:timestamp`/`exif:time` (ms since epoch, UTC) as a Date. */
function msDate(v: unknown): Date | null {
  const t = text(v)?.trim();
  if (!t || !/^-?\d+$/.test(t)) return null;
  const d = new Date(Number(t));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** An RFC 3339 date with its zone (Atom dates always carry one). */
function rfcDate(v: unknown): Date | null {
  const t = text(v)?.trim();
  if (!t || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(t)) return null;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d;
}

function describe(e: XmlNode): string {
  return text(e.id) ?? text(e.title) ?? 'no id';
}
