// PicasaClient through the real google-auth-library client against a small Picasa stand-in on
// 127.0.0.1 (feeds, a token endpoint, media): paging until an empty page whatever totalResults
// and rel=next say, the ~10,000 offset refusal, retries, token refresh on 403, malformed answers,
// 404, and media downloads with Range.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { SyncError, exitCodeOf } from '../../src/errors/errors.ts';
import { Pacer } from '../../src/lib/pacer.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { RemoteError } from '../../src/remote/errors.ts';
import { createOAuthClient } from '../../src/remote/oauth.ts';
import { PicasaClient } from '../../src/remote/picasa/client.ts';
import type { AlbumListingEnd, PicasaAlbum, PicasaItem } from '../../src/remote/picasa/types.ts';
import { SAMPLES_DIR } from '../helpers/google.ts';

const OFFSET_TEXT =
  'Deprecated offset is too large for a stream ID query. Please  switch to using resume tokens.';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}
interface Reply {
  status?: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
}
type Handler = (req: Seen) => Reply;

/** Token endpoint + one programmable handler for everything else. */
class Stub {
  server!: Server;
  url = '';
  requests: Seen[] = [];
  tokensIssued = 0;
  /** Access tokens the feeds answer `403 Token expired` to. */
  refused = new Set<string>();
  handler: Handler = () => ({ status: 404, body: 'no handler' });

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST' && url.pathname === '/token') {
        req.resume();
        const token = `at-${++this.tokensIssued}`;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }));
        return;
      }
      const seen = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
      };
      this.requests.push(seen);
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const reply =
        url.pathname.startsWith('/data/') && bearer !== undefined && this.refused.has(bearer)
          ? { status: 403, body: 'Token invalid - Invalid token: Token expired.' }
          : this.handler(seen);
      res.writeHead(reply.status ?? 200, {
        'content-type':
          (reply.status ?? 200) === 200
            ? 'application/atom+xml; charset=UTF-8; type=feed'
            : 'text/html; charset=UTF-8',
        ...reply.headers,
      });
      res.end(reply.body ?? '');
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  feeds(): Seen[] {
    return this.requests.filter((r) => r.path.startsWith('/data/'));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// --- feeds in the wire format (v2 shape unless v1) --------------------------------------------

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;');
const NS =
  "xmlns='http://www.w3.org/2005/Atom' xmlns:gphoto='http://schemas.google.com/photos/2007' xmlns:media='http://search.yahoo.com/mrss/' xmlns:openSearch='http://a9.com/-/spec/opensearch/1.1/'";
const kind = (k: string) =>
  `<category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/photos/2007#${k}'/>`;

interface FakeAlbum {
  id: string;
  title: string;
  items: number;
  /** A stream album (Auto Backup): start-index above 10,000 is refused. */
  stream?: boolean;
}

function feed(k: 'user' | 'album', entries: string[], start: number, opts: FeedOpts): string {
  const total = opts.totalResults ?? entries.length;
  const next = opts.noNext
    ? ''
    : `<link rel='next' type='application/atom+xml' href='http://x/next'/>`;
  return (
    `<?xml version='1.0' encoding='UTF-8'?><feed ${NS}><id>https://picasaweb.google.com/data/feed/user/default</id>` +
    `<updated>2020-01-01T00:00:00.000Z</updated>${kind(k)}<title>feed</title>${entries.length > 0 ? next : ''}` +
    `<openSearch:totalResults>${total}</openSearch:totalResults><openSearch:startIndex>${start}</openSearch:startIndex>` +
    `${entries.join('')}</feed>`
  );
}

function albumEntry(a: FakeAlbum): string {
  return (
    `<entry><id>https://picasaweb.google.com/data/entry/user/default/albumid/${a.id}</id>` +
    `<published>2020-01-02T03:04:05.000Z</published><updated>2020-01-02T03:04:06.000Z</updated>${kind('album')}` +
    `<title>${esc(a.title)}</title><gphoto:id>${a.id}</gphoto:id><gphoto:timestamp>1577934245000</gphoto:timestamp>` +
    `<gphoto:numphotos>${a.items}</gphoto:numphotos>${a.stream ? '<gphoto:albumType>InstantUpload</gphoto:albumType>' : ''}</entry>`
  );
}

const photoId = (albumId: string, n: number) => `${albumId}-p${n}`;

function photoEntry(albumId: string, n: number, base: string): string {
  const id = photoId(albumId, n);
  return (
    `<entry><id>https://picasaweb.google.com/data/entry/user/default/albumid/${albumId}/photoid/${id}</id>` +
    `<published>2020-01-02T03:04:05.000Z</published><updated>2020-01-02T03:04:06.000Z</updated>${kind('photo')}` +
    `<title>IMG_${n}.jpg</title><content type='image/jpeg' src='${base}media/${id}.jpg'/>` +
    `<gphoto:id>${id}</gphoto:id><gphoto:albumid>${albumId}</gphoto:albumid><gphoto:size>${1000 + n}</gphoto:size>` +
    `<gphoto:timestamp>${1577934245000 + n * 1000}</gphoto:timestamp></entry>`
  );
}

interface FeedOpts {
  totalResults?: number;
  noNext?: boolean;
}

/** A Picasa library served by start-index/max-results, with an optional override per request. */
function library(stub: Stub, albums: FakeAlbum[], opts: FeedOpts = {}): Handler {
  return (req) => {
    const start = Number(req.query.get('start-index') ?? 1);
    const max = Number(req.query.get('max-results') ?? 1000);
    if (req.path === '/data/feed/api/user/default') {
      const page = albums.slice(start - 1, start - 1 + max).map(albumEntry);
      return { body: feed('user', page, start, opts) };
    }
    const m = /^\/data\/feed\/api\/user\/default\/albumid\/([^/]+)$/.exec(req.path);
    const album = albums.find((a) => a.id === m?.[1]);
    if (!album) return { status: 404, body: 'No album found.' };
    if (album.stream && start > 10_000) return { status: 500, body: OFFSET_TEXT };
    const entries: string[] = [];
    for (let n = start; n < start + max && n <= album.items; n++)
      entries.push(photoEntry(album.id, n, stub.url));
    return { body: feed('album', entries, start, opts) };
  };
}

// --- client set-up ---------------------------------------------------------------------------

function logCapture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n'))
        if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return {
    lines,
    log: createLogger({ level: 'debug', format: 'json', account: 'test', stream, isTTY: false }),
  };
}

function client(stub: Stub, extra: { pageSize?: number; retries?: number } = {}) {
  const auth = createOAuthClient({
    clientId: 'test-client.apps.googleusercontent.com',
    clientSecret: 'test-secret',
    refreshToken: '1//test-refresh-token',
    tokenUrl: `${stub.url}token`,
  });
  const pacer = new Pacer({ retries: extra.retries ?? 4, baseMs: 1, maxMs: 5 });
  const { lines, log } = logCapture();
  const picasa = new PicasaClient({
    baseUrl: `${stub.url}data/feed/api`,
    auth,
    pacer,
    log,
    pageSize: extra.pageSize,
  });
  return { picasa, pacer, lines };
}

const signal = () => new AbortController().signal;

async function allAlbums(picasa: PicasaClient): Promise<PicasaAlbum[][]> {
  const pages: PicasaAlbum[][] = [];
  for await (const page of picasa.albums(signal())) pages.push(page);
  return pages;
}

async function allItems(
  picasa: PicasaClient,
  album: PicasaAlbum,
): Promise<{ pages: PicasaItem[][]; end: AlbumListingEnd }> {
  const gen = picasa.albumItems(album, signal());
  const pages: PicasaItem[][] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { pages, end: r.value };
    pages.push(r.value);
  }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof Error);
    return err;
  }
  assert.fail('expected a rejection');
}

const album = (a: FakeAlbum): PicasaAlbum => ({
  id: a.id,
  title: a.title,
  timestamp: new Date(0),
  updated: '2020-01-01T00:00:00.000Z',
  albumType: a.stream ? 'InstantUpload' : null,
  numPhotos: a.items,
});

// --- tests -----------------------------------------------------------------------------------

describe('PicasaClient', () => {
  const stub = new Stub();
  before(() => stub.start());
  after(() => stub.close());
  beforeEach(() => {
    stub.requests = [];
    stub.refused.clear();
  });
  afterEach(() => {
    stub.handler = () => ({ status: 404, body: 'no handler' });
  });

  it('lists albums until an empty page, though totalResults lies and there is no rel=next', async () => {
    const albums = [1, 2, 3, 4, 5].map((n) => ({
      id: `${n}000`,
      title: `Album <${n}> & co`,
      items: n,
    }));
    stub.handler = library(stub, albums, { totalResults: 2, noNext: true });
    const { picasa } = client(stub, { pageSize: 2 });
    const pages = await allAlbums(picasa);
    assert.deepEqual(
      pages.map((p) => p.map((a) => a.id)),
      [['1000', '2000'], ['3000', '4000'], ['5000']],
    );
    assert.equal(pages[0]![0]!.title, 'Album <1> & co');
    assert.equal(pages[0]![0]!.timestamp.toISOString(), '2020-01-02T03:04:05.000Z');
    const feeds = stub.feeds();
    assert.deepEqual(
      feeds.map((r) => [
        r.path,
        r.query.get('kind'),
        r.query.get('start-index'),
        r.query.get('max-results'),
      ]),
      [
        ['/data/feed/api/user/default', 'album', '1', '2'],
        ['/data/feed/api/user/default', 'album', '3', '2'],
        ['/data/feed/api/user/default', 'album', '5', '2'],
        ['/data/feed/api/user/default', 'album', '6', '2'],
      ],
    );
    for (const r of feeds) {
      assert.equal(r.headers['gdata-version'], '2');
      assert.match(r.headers.authorization ?? '', /^Bearer at-\d+$/);
    }
  });

  it('keeps paging when totalResults is smaller than the album and rel=next is missing', async () => {
    const a = { id: '77', title: 'Camera', items: 2729 };
    stub.handler = library(stub, [a], { totalResults: 1000, noNext: true });
    const { picasa } = client(stub);
    const { pages, end } = await allItems(picasa, album(a));
    assert.deepEqual(end, { complete: true, listed: 2729 });
    assert.deepEqual(
      pages.map((p) => p.length),
      [1000, 1000, 729],
    );
    const ids = pages.flat().map((i) => i.id);
    assert.equal(new Set(ids).size, 2729);
    assert.deepEqual(
      stub
        .feeds()
        .map((r) => [r.query.get('kind'), r.query.get('imgmax'), r.query.get('start-index')]),
      [
        ['photo', 'd', '1'],
        ['photo', 'd', '1001'],
        ['photo', 'd', '2001'],
        ['photo', 'd', '2730'],
      ],
    );
    const first = pages[0]![0]!;
    assert.deepEqual(first, {
      id: '77-p1',
      albumId: '77',
      name: 'IMG_1.jpg',
      size: 1001,
      timestamp: new Date(1577934246000),
      published: '2020-01-02T03:04:05.000Z',
      updated: '2020-01-02T03:04:06.000Z',
      mimeType: 'image/jpeg',
      isVideo: false,
      mediaUrl: `${stub.url}media/77-p1.jpg`,
      videoStatus: null,
      width: null,
      height: null,
    });
  });

  it('requests the next page while this one is parsed and consumed, and no page more', async () => {
    const a = { id: '78', title: 'Ahead', items: 2729 };
    stub.handler = library(stub, [a]);
    const { picasa } = client(stub);
    const gen = picasa.albumItems(album(a), signal());
    const first = await gen.next();
    assert.equal(first.done, false);
    // Nobody asked for the second page yet: it is on its way all the same.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      stub.feeds().map((r) => r.query.get('start-index')),
      ['1', '1001'],
    );
    let n = (first.value as PicasaItem[]).length;
    for (let r = await gen.next(); !r.done; r = await gen.next()) n += r.value.length;
    assert.equal(n, 2729);
    assert.deepEqual(
      stub.feeds().map((r) => r.query.get('start-index')),
      ['1', '1001', '2001', '2730'],
    );
  });

  it('a page whose <entry> count misleads (a CDATA holding the tag) is still paged right', async () => {
    const a = { id: '6', title: 'Tricky', items: 3 };
    const byStart: Record<string, number[]> = { '1': [1, 2], '3': [3] };
    stub.handler = (req) => {
      const start = req.query.get('start-index') ?? '';
      const entries = (byStart[start] ?? []).map((n) => photoEntry('6', n, stub.url));
      const body = feed('album', entries, Number(start), {});
      return { body: body.replace('</feed>', '<subtitle><![CDATA[<entry>]]></subtitle></feed>') };
    };
    const { picasa } = client(stub, { pageSize: 2 });
    const { pages, end } = await allItems(picasa, album(a));
    assert.deepEqual(
      pages.map((p) => p.map((i) => i.id)),
      [['6-p1', '6-p2'], ['6-p3']],
    );
    assert.deepEqual(end, { complete: true, listed: 3 });
    const asked = stub.feeds().map((r) => r.query.get('start-index'));
    for (const start of ['1', '3', '4']) assert.ok(asked.includes(start), `${start} in ${asked}`);
  });

  it('an entry seen on an earlier page is yielded once (entries shift while listing)', async () => {
    const a = { id: '5', title: 'Shifty', items: 4 };
    // After page 1 a new upload shifts the album by one: page 2 starts with page 1's last entry.
    const byStart: Record<string, number[]> = { '1': [1, 2], '3': [2, 3], '5': [4] };
    stub.handler = (req) => {
      const start = req.query.get('start-index') ?? '';
      const entries = (byStart[start] ?? []).map((n) => photoEntry('5', n, stub.url));
      return { body: feed('album', entries, Number(start), {}) };
    };
    const { picasa } = client(stub, { pageSize: 2 });
    const { pages, end } = await allItems(picasa, album(a));
    assert.deepEqual(
      pages.map((p) => p.map((i) => i.id)),
      [['5-p1', '5-p2'], ['5-p3'], ['5-p4']],
    );
    assert.deepEqual(end, { complete: true, listed: 4 });
    assert.deepEqual(
      stub.feeds().map((r) => r.query.get('start-index')),
      ['1', '3', '5', '6'],
    );
  });

  it('the ~10,000 offset refusal ends that album incomplete, without retries, and the pass goes on', async () => {
    const big = { id: '900', title: 'Auto Backup', items: 10_500, stream: true };
    const small = { id: '901', title: 'Holidays', items: 3 };
    stub.handler = library(stub, [big, small]);
    const { picasa, pacer, lines } = client(stub);
    const [albums] = await allAlbums(picasa);
    assert.equal(albums!.length, 2);

    const bigList = await allItems(picasa, albums![0]!);
    assert.deepEqual(bigList.end, {
      complete: false,
      reason: 'offset-limit',
      listed: 10_000,
      expected: 10_500,
    });
    assert.equal(bigList.pages.flat().length, 10_000);
    const refused = stub.feeds().filter((r) => r.query.get('start-index') === '10001');
    assert.equal(refused.length, 1, 'the refused request is not retried');
    assert.equal(pacer.stats.retries, 0);
    const warn = lines.find((l) => l.level === 'warn');
    assert.ok(warn, 'a warning names the incomplete album');
    assert.equal(warn.albumId, '900');
    assert.equal(warn.expected, 10_500);

    const smallList = await allItems(picasa, albums![1]!);
    assert.deepEqual(smallList.end, { complete: true, listed: 3 });
  });

  it('a 400 with the offset text ends the listing the same way', async () => {
    const a = { id: '902', title: 'Stream', items: 10 };
    const lib = library(stub, [a]);
    stub.handler = (req) =>
      req.query.get('start-index') === '1' ? lib(req) : { status: 400, body: OFFSET_TEXT };
    const { picasa } = client(stub);
    const { end } = await allItems(picasa, album(a));
    assert.deepEqual(end, { complete: false, reason: 'offset-limit', listed: 10, expected: 10 });
  });

  it('retries 503 and other 500s (plain text and HTML), then goes on', async () => {
    const a = { id: '3', title: 'Flaky', items: 3 };
    const lib = library(stub, [a]);
    const faults: Reply[] = [
      { status: 503, body: 'Service Unavailable', headers: { 'retry-after': '0' } },
      { status: 500, body: 'Internal Server Error' },
      { status: 502, body: '<html><body><h1>502</h1></body></html>' },
    ];
    stub.handler = (req) => faults.shift() ?? lib(req);
    const { picasa, pacer } = client(stub);
    const { end } = await allItems(picasa, album(a));
    assert.deepEqual(end, { complete: true, listed: 3 });
    assert.equal(pacer.stats.retries, 3);
    assert.equal(stub.feeds().length, 5);
  });

  it('retries 429 and a 403 rate limit text as rate limited', async () => {
    const a = { id: '4', title: 'Busy', items: 1 };
    const lib = library(stub, [a]);
    // The OAuth client itself repeats a 403 once after refreshing the token: two in a row reach
    // the pacer as one.
    const faults: Reply[] = [
      { status: 429, body: 'Too Many Requests' },
      { status: 403, body: 'Rate limit exceeded' },
      { status: 403, body: 'Rate limit exceeded' },
    ];
    stub.handler = (req) => faults.shift() ?? lib(req);
    const { picasa, pacer } = client(stub);
    const { end } = await allItems(picasa, album(a));
    assert.deepEqual(end, { complete: true, listed: 1 });
    assert.equal(pacer.stats.rateLimited, 2);
  });

  it('403 Token expired: the access token is refreshed and the request repeated', async () => {
    const a = { id: '6', title: 'Token', items: 2 };
    stub.handler = library(stub, [a]);
    const { picasa } = client(stub);
    await allAlbums(picasa); // the client now holds a fresh access token
    const expired = `at-${stub.tokensIssued}`;
    stub.refused.add(expired);
    stub.requests = [];
    const { end } = await allItems(picasa, album(a));
    assert.deepEqual(end, { complete: true, listed: 2 });
    const renewed = `at-${stub.tokensIssued}`;
    assert.notEqual(renewed, expired);
    assert.deepEqual(
      stub.feeds().map((r) => r.headers.authorization),
      [`Bearer ${expired}`, `Bearer ${renewed}`, `Bearer ${renewed}`],
    );
  });

  it('a token Picasa refuses after every refresh ends the pass as an auth problem (exit 4)', async () => {
    const a = { id: '7', title: 'Never', items: 2 };
    stub.handler = library(stub, [a]);
    const { picasa } = client(stub, { retries: 2 });
    for (let n = 1; n <= 20; n++) stub.refused.add(`at-${stub.tokensIssued + n}`);
    const err = await rejection(allItems(picasa, album(a)));
    assert.ok(err instanceof SyncError);
    assert.equal(err.kind, 'auth');
    assert.equal(exitCodeOf(err), 4);
    assert.match(err.message, /listing album "Never" \(7\) at start-index 1/);
    assert.doesNotMatch(err.message, /at-\d/);
  });

  it('a truncated feed is retried, then fails with a message naming the album and the start-index', async () => {
    const a = { id: '8', title: 'Broken', items: 5 };
    const lib = library(stub, [a]);
    stub.handler = (req) => {
      const r = lib(req);
      return req.query.get('start-index') === '3' ? { body: String(r.body).slice(0, 400) } : r;
    };
    const { picasa, pacer } = client(stub, { pageSize: 2, retries: 3 });
    const err = await rejection(allItems(picasa, album(a)));
    assert.ok(err instanceof RemoteError);
    assert.equal(err.reason, 'malformed');
    assert.match(
      err.message,
      /^listing album "Broken" \(8\) at start-index 3 failed: the answer is not well-formed XML \(.+\)$/,
    );
    assert.doesNotMatch(err.message, /Bearer|at-\d/);
    assert.equal(pacer.stats.retries, 2);
    assert.equal(stub.feeds().filter((r) => r.query.get('start-index') === '3').length, 3);
  });

  it('an HTML page answered with 200 is retried like a broken feed', async () => {
    const a = { id: '9', title: 'Portal', items: 1 };
    const lib = library(stub, [a]);
    let first = true;
    stub.handler = (req) => {
      if (first) {
        first = false;
        return { body: '<!DOCTYPE html><html><body>Sorry...</body></html>' };
      }
      return lib(req);
    };
    const { picasa, pacer } = client(stub);
    const { end } = await allItems(picasa, album(a));
    assert.deepEqual(end, { complete: true, listed: 1 });
    assert.equal(pacer.stats.retries, 1);
  });

  it('404 unknown album: not retried, the error names the album', async () => {
    stub.handler = library(stub, []);
    const { picasa } = client(stub);
    const err = await rejection(allItems(picasa, album({ id: '404404', title: 'Gone', items: 1 })));
    assert.ok(err instanceof RemoteError);
    assert.equal(err.status, 404);
    assert.equal(
      err.message,
      'listing album "Gone" (404404) at start-index 1 failed: HTTP 404 (Picasa said: "No album found.")',
    );
    assert.equal(stub.feeds().length, 1);
  });

  it('a server that ignores start-index is an error, not an endless loop', async () => {
    const a = { id: '10', title: 'Loop', items: 3 };
    const lib = library(stub, [a]);
    stub.handler = (req) => {
      req.query.set('start-index', '1');
      return lib(req);
    };
    const { picasa } = client(stub, { pageSize: 2 });
    const err = await rejection(allItems(picasa, album(a)));
    assert.match(
      err.message,
      /at start-index 3 failed: Picasa answered with the same page as at start-index 1/,
    );
  });

  it('parses the captured v1 album feed and its past-the-end page through the client', async () => {
    const sample = (n: string) => readFileSync(path.join(SAMPLES_DIR, n), 'utf8');
    stub.handler = (req) =>
      req.query.get('start-index') === '1'
        ? { body: sample('picasa-v1-album-feed-imgmax-d.perkeep.xml') }
        : { body: sample('picasa-v1-album-feed-past-end-empty.perkeep.xml') };
    const { picasa } = client(stub);
    const a = album({ id: '6212299316593562001', title: '2015-11', items: 16 });
    const { pages, end } = await allItems(picasa, a);
    assert.deepEqual(end, { complete: true, listed: 16 });
    assert.deepEqual(
      stub.feeds().map((r) => r.query.get('start-index')),
      ['1', '17'],
    );
    assert.equal(pages[0]![0]!.albumId, '6212299316593562001');
  });

  it('stops at once when the signal aborts', async () => {
    const a = { id: '11', title: 'Abort', items: 5 };
    stub.handler = library(stub, [a]);
    const { picasa } = client(stub, { pageSize: 1 });
    const ac = new AbortController();
    const gen = picasa.albumItems(album(a), ac.signal);
    assert.equal((await gen.next()).done, false);
    ac.abort(new Error('stop'));
    const err = await rejection(gen.next());
    assert.equal(err.message, 'stop');
  });

  describe('download', () => {
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    const media: Handler = (req): Reply => {
      const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
      if (req.path !== '/media/x.jpg') return { status: 404, body: 'nope' };
      if (!range)
        return { body: bytes, headers: { 'content-type': 'image/jpeg', 'content-length': '5000' } };
      const from = Number(range[1]);
      return {
        status: 206,
        body: bytes.subarray(from),
        headers: {
          'content-type': 'image/jpeg',
          'content-range': `bytes ${from}-4999/5000`,
          'content-length': String(5000 - from),
        },
      };
    };
    const read = async (body: AsyncIterable<Uint8Array>) => {
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(Buffer.from(c));
      return Buffer.concat(chunks);
    };

    it('from an offset sends Range and no Authorization', async () => {
      stub.handler = media;
      const { picasa } = client(stub);
      const dl = await picasa.download(`${stub.url}media/x.jpg`, 1200, signal());
      assert.equal(dl.offset, 1200);
      assert.equal(dl.length, 3800);
      assert.deepEqual(await read(dl.body), bytes.subarray(1200));
      const [req] = stub.requests;
      assert.equal(req!.headers.range, 'bytes=1200-');
      assert.equal(req!.headers.authorization, undefined);
    });

    it('from 0 sends no Range; a server that ignores Range gives offset 0', async () => {
      stub.handler = media;
      const { picasa } = client(stub);
      const dl = await picasa.download(`${stub.url}media/x.jpg`, 0, signal());
      assert.equal(dl.offset, 0);
      assert.equal(dl.length, 5000);
      assert.deepEqual(await read(dl.body), bytes);
      assert.equal(stub.requests[0]!.headers.range, undefined);

      stub.handler = () => ({ body: bytes });
      const ignored = await picasa.download(`${stub.url}media/x.jpg`, 100, signal());
      assert.equal(ignored.offset, 0);
      assert.deepEqual(await read(ignored.body), bytes);
    });

    it('a failed download rejects with the status (the caller classifies and retries)', async () => {
      stub.handler = media;
      const { picasa } = client(stub);
      const err = await rejection(picasa.download(`${stub.url}media/missing.jpg`, 0, signal()));
      assert.equal((err as { status?: number }).status, 404);
    });
  });
});
