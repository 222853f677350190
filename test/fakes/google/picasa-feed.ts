/**
 * Picasa Atom feeds as XML trees: the user feed (albums) and the album feed (photos), in the v1
 * (no GData-Version) or v2 shape of /work/shared/google-apis.md section B:
 * - v1: openSearch 1.0, `<title type="text">`, entry ids `/data/entry/api/user/…`, photo
 *   extras `gphoto:version`, `gphoto:position`, `gphoto:client`, `media-edit` links, edit
 *   links ending in `/{version}`.
 * - v2: openSearch 1.1, bare `<title>`, `gd:etag` on the feed and each entry, `app:edited`,
 *   entry ids `/data/entry/user/…` (links keep `/api/`).
 * Namespaces are declared on the root only when the document uses them, as Google did.
 * InstantUpload albums carry no location, numphotosremaining, bytesUsed, edit or acl link.
 */
import { createHash } from 'node:crypto';
import type { AlbumMember, FakeAlbum, PicasaItem } from './picasa-model.ts';
import { MAX_PHOTOS_PER_ALBUM } from './picasa-model.ts';
import {
  dataUrl,
  mediaUrl,
  PICASA_USER,
  thumbDims,
  videoStreams,
  videoUrl,
} from './picasa-urls.ts';
import { el } from './picasa-xml.ts';
import type { XNode } from './picasa-xml.ts';

export interface RenderContext {
  v2: boolean;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** The user as the request named it (`default`, or an id). */
  requestedUser: string;
  /** `d`, a size, or undefined. */
  imgmax: string | undefined;
}

export interface Paging {
  start: number;
  max: number;
  /** openSearch:totalResults as reported (not always the real count). */
  reported: number;
  hasNext: boolean;
  /** Query parameters repeated in self/next/previous links after start-index and max-results. */
  extra: Array<[string, string]>;
}

export interface AlbumStats {
  count: number;
  bytes: number;
  cover: { photoId: string; item: PicasaItem } | undefined;
}

export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  openSearchV1: 'http://a9.com/-/spec/opensearchrss/1.0/',
  openSearchV2: 'http://a9.com/-/spec/opensearch/1.1/',
  gphoto: 'http://schemas.google.com/photos/2007',
  exif: 'http://schemas.google.com/photos/exif/2007',
  media: 'http://search.yahoo.com/mrss/',
  georss: 'http://www.georss.org/georss',
  gml: 'http://www.opengis.net/gml',
  gd: 'http://schemas.google.com/g/2005',
  app: 'http://www.w3.org/2007/app',
};

/** Placeholder of the feed's gd:etag, replaced once the body is serialised. */
export const ETAG_PLACEHOLDER = '@@GD-ETAG@@';

const KIND = 'http://schemas.google.com/g/2005#kind';
const ATOM = 'application/atom+xml';
const UID = PICASA_USER.id;
const NICK = PICASA_USER.nickname;

function hash(s: string): Buffer {
  return createHash('sha1').update(s).digest();
}

/** A v2 entry etag such as `"YD4qeyI."`. */
function entryEtag(seed: string): string {
  return `"${hash(seed).toString('base64').replace(/[+/=]/g, 'A').slice(0, 7)}."`;
}

function iso(t: string | number): string {
  return new Date(t).toISOString();
}

function text(r: RenderContext, name: string, value: string): XNode {
  return el(name, r.v2 ? null : { type: 'text' }, value || undefined);
}

function link(rel: string, type: string, href: string): XNode {
  return el('link', { rel, type, href });
}

function category(kind: string): XNode {
  return el('category', { scheme: KIND, term: `http://schemas.google.com/photos/2007#${kind}` });
}

function author(origin: string): XNode {
  return el('author', null, el('name', null, NICK), el('uri', null, `${origin}/${UID}`));
}

function g(name: string, value: string | number): XNode {
  return el(`gphoto:${name}`, null, String(value) || undefined);
}

function pageLinks(r: RenderContext, feed: string, p: Paging): XNode[] {
  const href = (start: number): string => {
    const q = new URLSearchParams([
      ['start-index', String(start)],
      ['max-results', String(p.max)],
      ...p.extra,
    ]);
    return `${feed}?${q.toString()}`;
  };
  const links = [link('self', ATOM, href(p.start))];
  if (p.start > 1) links.push(link('previous', ATOM, href(Math.max(1, p.start - p.max))));
  if (p.hasNext) links.push(link('next', ATOM, href(p.start + p.max)));
  return links;
}

function openSearch(p: Paging): XNode[] {
  return [
    el('generator', { version: '1.00', uri: 'http://picasaweb.google.com/' }, 'Picasaweb'),
    el('openSearch:totalResults', null, String(p.reported)),
    el('openSearch:startIndex', null, String(p.start)),
    el('openSearch:itemsPerPage', null, String(p.max)),
  ];
}

/** Root attributes: the namespaces in `used`, in Google's order for the version. */
function rootAttrs(r: RenderContext, used: Set<string>): Record<string, string> {
  const order = r.v2
    ? ['exif', 'app', 'gphoto', 'media', 'openSearch', 'georss', 'gml', 'gd']
    : ['openSearch', 'gphoto', 'exif', 'media', 'georss', 'gml'];
  const a: Record<string, string> = { xmlns: NS.atom };
  for (const p of order) {
    if (p === 'openSearch') a['xmlns:openSearch'] = r.v2 ? NS.openSearchV2 : NS.openSearchV1;
    else if (used.has(p) || p === 'gphoto' || p === 'gd') {
      a[`xmlns:${p}`] = NS[p as keyof typeof NS];
    }
  }
  if (r.v2) a['gd:etag'] = ETAG_PLACEHOLDER;
  return a;
}

function albumUrls(r: RenderContext, album: FakeAlbum) {
  const rest = `/albumid/${album.id}`;
  const alternate =
    album.type === 'InstantUpload'
      ? `${r.origin}/${UID}?alabel=small_instant_upload`
      : `${r.origin}/${UID}/${album.name}`;
  return {
    feed: dataUrl(r.origin, 'feed', UID, rest),
    self: dataUrl(r.origin, 'entry', UID, rest),
    id: dataUrl(r.origin, 'entry', UID, rest, !r.v2),
    alternate,
  };
}

function coverUrls(r: RenderContext, album: FakeAlbum, s: AlbumStats) {
  const name = s.cover ? s.cover.item.name : `${album.name}.jpg`;
  const photoId = s.cover ? s.cover.photoId : 'cover';
  return {
    content: mediaUrl(r.origin, album.id, photoId, 'R', name),
    thumb: mediaUrl(r.origin, album.id, photoId, 's160-c', name),
  };
}

/** One `<entry>` of the user feed. */
export function albumEntry(r: RenderContext, album: FakeAlbum, s: AlbumStats): XNode {
  const u = albumUrls(r, album);
  const iu = album.type === 'InstantUpload';
  const cover = coverUrls(r, album, s);
  return el(
    'entry',
    r.v2 ? { 'gd:etag': entryEtag(`${album.id}/${album.updated}/${album.version}`) } : null,
    el('id', null, u.id),
    el('published', null, iso(album.published)),
    el('updated', null, iso(album.updated)),
    r.v2 && el('app:edited', null, iso(album.updated)),
    category('album'),
    text(r, 'title', album.title),
    text(r, 'summary', album.summary),
    text(r, 'rights', iu ? 'protected' : album.access),
    link('http://schemas.google.com/g/2005#feed', ATOM, u.feed),
    link('alternate', 'text/html', u.alternate),
    link('self', ATOM, u.self),
    !iu && link('edit', ATOM, r.v2 ? u.self : `${u.self}/${album.version}`),
    !iu && link('http://schemas.google.com/acl/2007#accessControlList', ATOM, `${u.self}/acl`),
    author(r.origin),
    g('id', album.id),
    g('name', album.name),
    !iu && g('location', album.location),
    g('access', album.access),
    g('timestamp', Date.parse(album.date)),
    g('numphotos', s.count),
    !iu && g('numphotosremaining', Math.max(0, MAX_PHOTOS_PER_ALBUM - s.count)),
    !iu && g('bytesUsed', s.bytes),
    g('user', UID),
    g('nickname', NICK),
    album.type && g('albumType', album.type),
    el(
      'media:group',
      null,
      el('media:content', { url: cover.content, type: 'image/jpeg', medium: 'image' }),
      el('media:credit', null, NICK),
      el('media:description', { type: 'plain' }, (iu ? album.title : album.summary) || undefined),
      el('media:keywords'),
      el('media:thumbnail', { url: cover.thumb, height: '160', width: '160' }),
      el('media:title', { type: 'plain' }, album.title),
    ),
  );
}

/** The user feed: header, then `entries` (album entries of this page). */
export function userFeed(r: RenderContext, p: Paging, updated: string, entries: XNode[]): XNode {
  const feed = dataUrl(r.origin, 'feed', UID);
  const used = new Set<string>(
    entries.length === 0 ? [] : r.v2 ? ['app', 'media'] : ['media', 'georss', 'gml'],
  );
  const portrait = mediaUrl(r.origin, 'user', UID, 's64-c', `${UID}.jpg`);
  return el(
    'feed',
    rootAttrs(r, used),
    el(
      'id',
      null,
      r.v2 ? dataUrl(r.origin, 'feed', UID, '', false) : dataUrl(r.origin, 'feed', r.requestedUser),
    ),
    el('updated', null, iso(updated)),
    category('user'),
    text(r, 'title', UID),
    text(r, 'subtitle', ''),
    el('icon', null, portrait),
    link('http://schemas.google.com/g/2005#feed', ATOM, feed),
    link('http://schemas.google.com/g/2005#post', ATOM, feed),
    link('alternate', 'text/html', `${r.origin}/${UID}`),
    link(
      'http://schemas.google.com/photos/2007#slideshow',
      'application/x-shockwave-flash',
      `https://photos.gstatic.com/media/slideshow.swf?host=picasaweb.google.com&RGB=0x000000&feed=${feed}?alt%3Drss`,
    ),
    pageLinks(r, feed, p),
    author(r.origin),
    openSearch(p),
    g('user', UID),
    g('nickname', NICK),
    g('thumbnail', portrait),
    g('quotalimit', 16106127360),
    g('quotacurrent', 0),
    g('maxPhotosPerAlbum', MAX_PHOTOS_PER_ALBUM),
    entries,
  );
}

function exifTags(item: PicasaItem): XNode {
  const h = hash(item.contentKey);
  const cam = item.camera;
  const stops = ['1.8', '2.0', '2.2', '2.4', '4.0'];
  return el(
    'exif:tags',
    null,
    cam && el('exif:fstop', null, stops[h[0]! % stops.length]!),
    cam && el('exif:make', null, cam.make),
    cam && el('exif:model', null, cam.model),
    cam && el('exif:exposure', null, String(1 / (30 + (h[1]! % 200))).slice(0, 8)),
    cam && el('exif:flash', null, h[2]! % 5 === 0 ? 'true' : 'false'),
    cam && el('exif:focallength', null, (3.5 + (h[3]! % 40) / 10).toFixed(2)),
    cam && el('exif:iso', null, String(50 + (h[4]! % 16) * 25)),
    item.exifTimeMs !== undefined && el('exif:time', null, String(item.exifTimeMs)),
    el('exif:imageUniqueID', null, h.subarray(5, 13).toString('hex') + '0'.repeat(16)),
  );
}

function originalVideo(item: PicasaItem): XNode {
  const type = item.mimeType === 'video/quicktime' ? 'MOV' : 'MP4';
  return el('gphoto:originalvideo', {
    width: String(item.width),
    height: String(item.height),
    type,
    duration: String(Math.max(1, Math.round((item.durationMs ?? 1000) / 1000))),
    channels: '2',
    samplingrate: '48.0',
    videoCodec: 'H264',
    audioCodec: 'AAC',
    fps: '29.97',
  });
}

/** One photo or video `<entry>` of an album feed; `position` is 1-based. */
export function photoEntry(
  r: RenderContext,
  album: FakeAlbum,
  m: AlbumMember,
  item: PicasaItem,
  position: number,
): XNode {
  const rest = `/albumid/${album.id}/photoid/${m.photoId}`;
  const self = dataUrl(r.origin, 'entry', UID, rest);
  const editMedia = dataUrl(r.origin, 'media', UID, rest);
  const version = 1 + (hash(m.photoId)[0]! % 9);
  const h = hash(`${item.contentKey}/${m.photoId}`);
  const variant = r.imgmax === 'd' ? 'I' : r.imgmax ? `s${r.imgmax}` : 'R';
  const isVideo = item.video;
  const posterName = isVideo ? item.name.replace(/\.[^.]*$/, '') + '.gif' : item.name;
  const main = mediaUrl(r.origin, album.id, m.photoId, variant, posterName);
  const streams = isVideo ? videoStreams(item.width, item.height) : [];
  const shown = isVideo
    ? (streams.filter((s) => s.height <= 480).pop() ?? streams[0]!)
    : { width: item.width, height: item.height };
  const [mw, mh] =
    variant === 'I' || variant === 'R'
      ? [shown.width, shown.height]
      : thumbDims(shown.width, shown.height, Number(r.imgmax));
  const mime = isVideo ? 'image/gif' : item.mimeType;
  const thumbs = [72, 144, 288].map((n) => {
    const [w, ht] = thumbDims(shown.width, shown.height, n);
    const url = mediaUrl(r.origin, album.id, m.photoId, `s${n}`, posterName);
    return el('media:thumbnail', { url, height: String(ht), width: String(w) });
  });
  return el(
    'entry',
    r.v2 ? { 'gd:etag': entryEtag(`${m.photoId}/${item.updated}/${item.size}`) } : null,
    el('id', null, dataUrl(r.origin, 'entry', UID, rest, !r.v2)),
    el('published', null, iso(item.published)),
    el('updated', null, iso(item.updated)),
    r.v2 && el('app:edited', null, iso(item.updated)),
    category('photo'),
    text(r, 'title', item.name),
    text(r, 'summary', ''),
    el('content', { type: mime, src: main }),
    link('http://schemas.google.com/g/2005#feed', ATOM, dataUrl(r.origin, 'feed', UID, rest)),
    link('alternate', 'text/html', `${albumUrls(r, album).alternate}#${m.photoId}`),
    link(
      'http://schemas.google.com/photos/2007#canonical',
      'text/html',
      `${r.origin}/lh/photo/${h.toString('base64url')}`,
    ),
    link('self', ATOM, self),
    link('edit', ATOM, r.v2 ? self : `${self}/${version}`),
    link('edit-media', 'image/jpeg', r.v2 ? editMedia : `${editMedia}/${version}`),
    !r.v2 && link('media-edit', 'image/jpeg', `${editMedia}/${version}`),
    link(
      'http://schemas.google.com/photos/2007#report',
      'text/html',
      `${r.origin}/lh/reportAbuse?uname=${UID}&aid=${album.id}&iid=${m.photoId}`,
    ),
    g('id', m.photoId),
    !r.v2 && g('version', version),
    !r.v2 && g('position', `${position}.0`),
    g('albumid', album.id),
    g('access', album.access),
    isVideo && g('videostatus', 'final'),
    isVideo && originalVideo(item),
    g('width', shown.width),
    g('height', shown.height),
    g('size', item.size),
    !r.v2 && g('client', ''),
    g('checksum', ''),
    g('timestamp', item.takenMs),
    g('imageVersion', h.readUInt16BE(0)),
    g('commentingEnabled', 'true'),
    g('commentCount', 0),
    g('streamId', `cs_01_${h.subarray(2, 18).toString('hex')}`),
    el('gphoto:license', { id: '0', name: 'All Rights Reserved', url: '' }, 'ALL_RIGHTS_RESERVED'),
    el('gphoto:shapes', { faces: 'done' }),
    exifTags(item),
    el(
      'media:group',
      null,
      el('media:content', {
        url: main,
        height: String(mh),
        width: String(mw),
        type: mime,
        medium: 'image',
      }),
      streams.map((s) =>
        el('media:content', {
          url: videoUrl(r.origin, album.id, m.photoId, s.itag),
          height: String(s.height),
          width: String(s.width),
          type: s.type,
          medium: 'video',
        }),
      ),
      el('media:credit', null, NICK),
      el('media:description', { type: 'plain' }),
      el('media:keywords'),
      thumbs,
      el('media:title', { type: 'plain' }, item.name),
    ),
    item.location &&
      el(
        'georss:where',
        null,
        el(
          'gml:Point',
          null,
          el('gml:pos', null, `${item.location.latitude} ${item.location.longitude}`),
        ),
      ),
  );
}

/** The album feed: the album's fields at feed level, then `entries` (this page's photos). */
export function albumFeed(
  r: RenderContext,
  album: FakeAlbum,
  s: AlbumStats,
  p: Paging,
  entries: XNode[],
  hasLocation: boolean,
): XNode {
  const u = albumUrls(r, album);
  const iu = album.type === 'InstantUpload';
  const used = new Set<string>();
  if (entries.length > 0) ['exif', 'app', 'media'].forEach((n) => used.add(n));
  if (hasLocation) ['georss', 'gml'].forEach((n) => used.add(n));
  const rest = `/albumid/${album.id}`;
  const feedId = r.v2
    ? dataUrl(r.origin, 'feed', UID, rest, false)
    : dataUrl(r.origin, 'feed', r.requestedUser, rest);
  return el(
    'feed',
    rootAttrs(r, used),
    el('id', null, feedId),
    el('updated', null, iso(album.updated)),
    category('album'),
    text(r, 'title', album.title),
    text(r, 'subtitle', album.summary),
    text(r, 'rights', iu ? 'protected' : album.access),
    el('icon', null, coverUrls(r, album, s).thumb),
    link('http://schemas.google.com/g/2005#feed', ATOM, u.feed),
    link('http://schemas.google.com/g/2005#post', ATOM, u.feed),
    link(
      'http://schemas.google.com/g/2005#resumable-create-media',
      ATOM,
      `${r.origin}/data/upload/resumable/media/create-session/feed/api/user/${UID}${rest}`,
    ),
    link('alternate', 'text/html', u.alternate),
    link(
      'http://schemas.google.com/photos/2007#slideshow',
      'application/x-shockwave-flash',
      `https://photos.gstatic.com/media/slideshow.swf?host=picasaweb.google.com&RGB=0x000000&feed=${u.feed}?alt%3Drss`,
    ),
    link(
      'http://schemas.google.com/photos/2007#report',
      'text/html',
      `${r.origin}/lh/reportAbuse?uname=${UID}&aid=${album.id}`,
    ),
    link('http://schemas.google.com/acl/2007#accessControlList', ATOM, `${u.feed}/acl`),
    pageLinks(r, u.feed, p),
    author(r.origin),
    openSearch(p),
    g('id', album.id),
    g('name', album.name),
    !iu && g('location', album.location),
    g('access', album.access),
    g('timestamp', Date.parse(album.date)),
    g('numphotos', s.count),
    !iu && g('numphotosremaining', Math.max(0, MAX_PHOTOS_PER_ALBUM - s.count)),
    !iu && g('bytesUsed', s.bytes),
    g('user', UID),
    g('nickname', NICK),
    album.type && g('albumType', album.type),
    g('allowPrints', 'true'),
    g('allowDownloads', 'true'),
    entries,
  );
}
