/**
 * The media URLs of the Picasa feeds (route `picasa.media`, no Authorization: the URL is the
 * capability; fault rules match the photo id as `fileId`). What each URL serves is in
 * `picasa-urls.ts`. Answers as lhN.googleusercontent.com (`Server: fife`, the headers of
 * api-samples/picasa-photo-download-headers.libgdata.http) or googlevideo.com for streams;
 * one `Range: bytes=…` is answered 206 with Content-Range, an unsatisfiable one 416. A URL of a
 * member no longer in its album is 404.
 */
import { parseRange, sendBody } from './media.ts';
import type { AlbumMember, FakeAlbum } from './picasa-model.ts';
import { contentRange, resolveMember } from './picasa-model.ts';
import { PICASA_ERRORS, sendText } from './picasa-http.ts';
import { servedImage, servedStream } from './picasa-urls.ts';
import type { Served } from './picasa-urls.ts';
import type { Library } from './library.ts';
import type { RouteContext } from './router.ts';

const IMAGE_PATH = /^\/picasa-media\/([^/]+)\/([^/]+)\/([^/]+)\/[^/]+$/;

export function matchPicasaMedia(method: string, url: URL): Record<string, string> | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  if (url.pathname === '/videoplayback') {
    const [albumId, photoId] = (url.searchParams.get('id') ?? '').split('.');
    const itag = url.searchParams.get('itag') ?? '';
    return albumId && photoId ? { albumId, photoId, itag, fileId: photoId } : {};
  }
  const m = IMAGE_PATH.exec(url.pathname);
  if (m) return { albumId: m[1]!, photoId: m[2]!, variant: m[3]!, fileId: m[2]! };
  return url.pathname.startsWith('/picasa-media/') ? {} : undefined;
}

const indexes = new WeakMap<FakeAlbum, Map<string, number>>();

/** The member with `photoId`, through a per-album index rebuilt when it is stale. */
function memberOf(album: FakeAlbum, photoId: string): AlbumMember | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    let index = indexes.get(album);
    if (!index || attempt === 1) {
      index = new Map(album.members.map((m, i) => [m.photoId, i]));
      indexes.set(album, index);
    }
    const i = index.get(photoId);
    const m = i === undefined ? undefined : album.members[i];
    if (m?.photoId === photoId) return m;
  }
  return undefined;
}

function placeholder(key: string): Served {
  return { key, size: 4096, mimeType: 'image/jpeg', filename: 'cover.jpg' };
}

function servedFor(lib: Library, p: Record<string, string>): Served | undefined {
  if (p.albumId === 'user') return placeholder(`user:${p.photoId}`);
  const album = lib.albums.find((a) => a.id === p.albumId);
  if (!album) return undefined;
  if (p.photoId === 'cover') return placeholder(`cover:${album.id}`);
  const member = memberOf(album, p.photoId!);
  const item = member ? resolveMember(lib, member.ref) : undefined;
  if (!item) return undefined;
  if (p.itag !== undefined)
    return /^\d+$/.test(p.itag) ? servedStream(item, Number(p.itag)) : undefined;
  return servedImage(item, p.variant!);
}

/** A header value carrying raw UTF-8 bytes (as fife sent non-ASCII file names). */
function rawUtf8(s: string): string {
  return Buffer.from(s.replace(/["\\]/g, '_'), 'utf8').toString('latin1');
}

function headersFor(s: Served, length: number): Record<string, string> {
  const expires = new Date(Date.now() + 86_400_000).toUTCString();
  if (s.mimeType.startsWith('video/')) {
    return {
      'Content-Type': s.mimeType,
      'Content-Length': String(length),
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'private, max-age=21290',
      Expires: expires,
      'Last-Modified': 'Mon, 28 Jul 2014 22:20:42 GMT',
      Server: 'gvs 1.0',
    };
  }
  return {
    'Access-Control-Allow-Origin': '*',
    ETag: `"v${s.size % 10_000}"`,
    Expires: expires,
    'Cache-control': 'public, max-age=86400, no-transform',
    'Content-Disposition': `inline;filename="${rawUtf8(s.filename)}"`,
    'Content-Type': s.mimeType,
    'X-Content-Type-Options': 'nosniff',
    Server: 'fife',
    'Content-Length': String(length),
    'X-XSS-Protection': '1; mode=block',
  };
}

export async function handlePicasaMedia(ctx: RouteContext): Promise<void> {
  const { req, res, state } = ctx;
  const served = servedFor(state.library, ctx.params);
  if (!served) return sendText(res, 404, PICASA_ERRORS.notFound, { Server: 'fife' });
  const size = served.size;
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    return sendText(res, 416, 'Requested range not satisfiable', {
      'Content-Range': `bytes */${size}`,
      Server: 'fife',
    });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const length = end - start + 1;
  const headers = headersFor(served, length);
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  await sendBody(ctx, contentRange(served.key, served.content, size, start, end), length);
}
