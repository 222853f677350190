/**
 * Picasa Web Albums Data API routes: the user feed (`GET /data/feed/api/user/{user}`, albums)
 * and the album feed (`GET /data/feed/api/user/{user}/albumid/{albumId}`, photos), both route
 * `picasa.feed` (fault rules match the album id as `fileId`), plus the media URLs
 * (`picasa.media`, `picasa-media.ts`).
 *
 * Behaviour (google-apis.md section B): any user name means the emulated user; the shape follows
 * the `GData-Version` header (absent: v1; 2 or 3: v2, echoed as `GData-Version: 2.0` with a weak
 * ETag, and `If-None-Match` answered 304); `start-index` is 1-based, `max-results` defaults and
 * clamps to 1000; `rel=next` while more entries exist, `rel=previous` after the first page; a
 * page past the end is 200 with no entries; an album feed refuses `start-index` > 10000 with
 * a 500; an InstantUpload album reports `openSearch:totalResults` capped at 1000 (as Google's
 * unreliable count). Errors are plain text; a missing, unknown or expired token is 403.
 */
import { createHash } from 'node:crypto';
import type { AlbumMember, FakeAlbum, PicasaItem } from './picasa-model.ts';
import { resolveMember } from './picasa-model.ts';
import { albumEntry, albumFeed, ETAG_PLACEHOLDER, photoEntry, userFeed } from './picasa-feed.ts';
import type { AlbumStats, Paging, RenderContext } from './picasa-feed.ts';
import { PICASA_ERRORS, sendText } from './picasa-http.ts';
import { handlePicasaMedia, matchPicasaMedia } from './picasa-media.ts';
import { serialize, V1_STYLE, V2_STYLE } from './picasa-xml.ts';
import type { XNode } from './picasa-xml.ts';
import type { Library } from './library.ts';
import type { Route, RouteContext } from './router.ts';

const MAX_RESULTS = 1000;
/** Largest start-index an album (stream) feed accepts. */
export const MAX_STREAM_OFFSET = 10_000;
/** openSearch:totalResults of an InstantUpload album never exceeds this. */
const IU_REPORTED_CAP = 1000;
const KINDS = new Set(['album', 'photo', 'tag', 'comment', 'user']);
const FEED_PATH = /^\/data\/feed\/api\/user\/([^/]+)(?:\/albumid\/([^/]+))?\/?$/;

interface Visible {
  member: AlbumMember;
  item: PicasaItem;
}

function visibleMembers(lib: Library, album: FakeAlbum): Visible[] {
  const out: Visible[] = [];
  for (const member of album.members) {
    const item = resolveMember(lib, member.ref);
    if (item) out.push({ member, item });
  }
  return out;
}

function statsOf(visible: Visible[]): AlbumStats {
  let bytes = 0;
  for (const v of visible) bytes += v.item.size;
  const first = visible[0];
  return {
    count: visible.length,
    bytes,
    cover: first ? { photoId: first.member.photoId, item: first.item } : undefined,
  };
}

interface FeedParams {
  kinds: Set<string>;
  start: number;
  max: number;
  imgmax: string | undefined;
  extra: Array<[string, string]>;
}

/** The query parameters, or the plain-text 400 message for a bad one. */
function feedParams(query: Record<string, string>): FeedParams | string {
  const kinds = new Set<string>();
  if (query.kind !== undefined) {
    for (const k of query.kind.split(',')) {
      if (!KINDS.has(k.trim())) return PICASA_ERRORS.badKind;
      kinds.add(k.trim());
    }
  }
  const startRaw = query['start-index'] ?? '1';
  if (!/^\d+$/.test(startRaw) || Number(startRaw) < 1) return PICASA_ERRORS.badStartIndex;
  const maxRaw = query['max-results'] ?? String(MAX_RESULTS);
  if (!/^\d+$/.test(maxRaw)) return PICASA_ERRORS.badMaxResults;
  const imgmax = query.imgmax;
  if (imgmax !== undefined && !/^(d|\d{1,4}[uc]?)$/.test(imgmax)) return PICASA_ERRORS.badImgmax;
  const extra: Array<[string, string]> = [];
  if (query.kind !== undefined) extra.push(['kind', query.kind]);
  if (imgmax !== undefined) extra.push(['imgmax', imgmax]);
  return {
    kinds,
    start: Number(startRaw),
    max: Math.min(MAX_RESULTS, Number(maxRaw)),
    imgmax: imgmax?.replace(/[uc]$/, ''),
    extra,
  };
}

function paging(p: FeedParams, total: number, reported: number): Paging {
  return {
    start: p.start,
    max: p.max,
    reported,
    hasNext: p.max > 0 && p.start - 1 + p.max < total,
    extra: p.extra,
  };
}

function gdataVersion(ctx: RouteContext): string | undefined {
  const h = ctx.req.headers['gdata-version'];
  const v = Array.isArray(h) ? h[0] : h;
  const major = v?.trim().split('.')[0];
  return major === '2' || major === '3' ? `${major}.0` : undefined;
}

function sendFeed(ctx: RouteContext, version: string | undefined, root: XNode, updated: string) {
  const { req, res } = ctx;
  let body = serialize(root, version ? V2_STYLE : V1_STYLE);
  const headers: Record<string, string> = {
    Expires: new Date().toUTCString(),
    'Cache-control': 'private, max-age=0, must-revalidate, no-transform',
    'Content-Type': 'application/atom+xml; charset=UTF-8; type=feed',
    Vary: 'Accept, X-GData-Authorization, GData-Version, Cookie',
  };
  if (version) {
    const tag = createHash('sha1').update(body).digest('base64').replace(/[+/=]/g, 'A');
    const etag = `W/"${tag.slice(0, 24)}."`;
    body = body.replace(ETAG_PLACEHOLDER, etag.replace(/"/g, '&quot;'));
    headers['GData-Version'] = version;
    headers.ETag = etag;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag, 'GData-Version': version, Server: 'GSE' });
      res.end();
      return;
    }
  }
  Object.assign(headers, {
    'Last-Modified': new Date(updated).toUTCString(),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'SAMEORIGIN',
    'X-XSS-Protection': '1; mode=block',
    Server: 'GSE',
  });
  // No Content-Length: Google streamed its feeds chunked.
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function renderContext(ctx: RouteContext, p: FeedParams, v2: boolean): RenderContext {
  return {
    v2,
    origin: `http://${ctx.req.headers.host ?? '127.0.0.1'}`,
    requestedUser: ctx.params.user!,
    imgmax: p.imgmax,
  };
}

function handleUserFeed(ctx: RouteContext, p: FeedParams, version: string | undefined): void {
  const lib = ctx.state.library;
  const r = renderContext(ctx, p, version !== undefined);
  const albums = p.kinds.size === 0 || p.kinds.has('album') ? lib.albums : [];
  const page = albums.slice(p.start - 1, p.start - 1 + p.max);
  const entries = page.map((a) => albumEntry(r, a, statsOf(visibleMembers(lib, a))));
  let updated = '2016-01-01T00:00:00.000Z';
  for (const a of lib.albums) if (a.updated > updated) updated = a.updated;
  const pg = paging(p, albums.length, albums.length);
  sendFeed(ctx, version, userFeed(r, pg, updated, entries), updated);
}

function handleAlbumFeed(ctx: RouteContext, p: FeedParams, version: string | undefined): void {
  const lib = ctx.state.library;
  const album = lib.albums.find((a) => a.id === ctx.params.albumId);
  if (!album) return sendText(ctx.res, 404, PICASA_ERRORS.noAlbum);
  if (p.start > MAX_STREAM_OFFSET) return sendText(ctx.res, 500, PICASA_ERRORS.offsetTooLarge);
  const r = renderContext(ctx, p, version !== undefined);
  const visible = visibleMembers(lib, album);
  const listed = p.kinds.size === 0 || p.kinds.has('photo') ? visible : [];
  const page = listed.slice(p.start - 1, p.start - 1 + p.max);
  const entries = page.map((v, i) => photoEntry(r, album, v.member, v.item, p.start + i));
  const iu = album.type === 'InstantUpload';
  const reported = iu ? Math.min(listed.length, IU_REPORTED_CAP) : listed.length;
  const hasLocation = page.some((v) => v.item.location !== undefined);
  const root = albumFeed(
    r,
    album,
    statsOf(visible),
    paging(p, listed.length, reported),
    entries,
    hasLocation,
  );
  sendFeed(ctx, version, root, album.updated);
}

function handleFeed(ctx: RouteContext): void {
  if (ctx.params.user === undefined) return sendText(ctx.res, 404, PICASA_ERRORS.notFound);
  const p = feedParams(ctx.query);
  if (typeof p === 'string') return sendText(ctx.res, 400, p);
  const version = gdataVersion(ctx);
  if (ctx.params.albumId !== undefined) return handleAlbumFeed(ctx, p, version);
  return handleUserFeed(ctx, p, version);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export const picasaRoutes: Route[] = [
  {
    name: 'picasa.feed',
    auth: 'bearer',
    match: (method, url) => {
      if ((method !== 'GET' && method !== 'HEAD') || !url.pathname.startsWith('/data/')) {
        return undefined;
      }
      const m = FEED_PATH.exec(url.pathname);
      if (!m) return {};
      const params: Record<string, string> = { user: decode(m[1]!) };
      if (m[2] !== undefined) params.albumId = params.fileId = decode(m[2]);
      return params;
    },
    handle: handleFeed,
    unauthorized: (ctx) => sendText(ctx.res, 403, PICASA_ERRORS.tokenExpired),
  },
  {
    name: 'picasa.media',
    auth: 'none',
    match: matchPicasaMedia,
    handle: handlePicasaMedia,
  },
];
