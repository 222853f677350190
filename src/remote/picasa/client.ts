/**
 * The Picasa Web Albums Data API client: the only way to Google Photos albums and to media that
 * never reached Drive. Every feed request goes through the pacer with classifyPicasaError, and
 * gaxios' own retries are off so that the pacer is the only place that retries.
 *
 * Contract:
 * - `albums()` yields every album of the user, page by page, each at most once;
 * - `albumItems()` yields the photos and videos of one album, page by page, each at most once,
 *   and returns whether the listing is complete: Picasa refuses `start-index` above about 10,000
 *   in large stream albums, and that refusal ends the listing with `complete: false` (no
 *   exception, not retried) so the pass can go on with the next album;
 * - paging: `start-index` (1-based) advances by the entries a page held until a page comes back
 *   empty. `openSearch:totalResults` and the `rel=next` link are not trusted (both are wrong in
 *   real feeds); a server that answers two `start-index` values with the same page is an error,
 *   as paging would never end;
 * - a listing that keeps failing throws a RemoteError naming the album and the `start-index`, or a
 *   SyncError (auth, quota) when the pass must stop;
 * - `download()` opens the bytes at `mediaUrl` from `offset` with a Range request, without
 *   Authorization (the URL is the capability; the access token never goes to another host) and
 *   without retries: like DriveClient.download, the caller runs it through the pacer and resumes
 *   a broken body.
 */
import type { OAuth2Client } from 'google-auth-library';
import type { Logger } from 'pino';
import type { Pacer } from '../../lib/pacer.ts';
import { RemoteError } from '../errors.ts';
import type { Download, PicasaApi } from '../types.ts';
import { classifyPicasaError, finalPicasaError, OFFSET_TOO_LARGE } from './errors.ts';
import type { AlbumListingEnd, PicasaAlbum, PicasaItem } from './types.ts';
import {
  albumFeedReader,
  EntryCounter,
  userFeedReader,
  type FeedPage,
  type PageReader,
} from './wire.ts';

/** A page requested: its `start-index`, the page to come, and how to call it off. */
interface Prefetch<T> {
  start: number;
  page: Promise<FeedPage<T>>;
  cancel: () => void;
}

/** The page requested ahead of the one awaited (`waiting`, a `start-index`), if any. */
interface Ahead<T> {
  p: Prefetch<T> | null;
  waiting: number;
}

/** Where a page is: its feed, the feed's parameters and `start-index`, and how it is read. */
interface PageAt<T> {
  feed: string;
  params: Record<string, string>;
  label: string;
  start: number;
  /** A reader for one page (a new one per request: a retry starts over). */
  parse: () => PageReader<T>;
  signal: AbortSignal;
}

export type { AlbumListingEnd, PicasaAlbum, PicasaItem } from './types.ts';

export interface PicasaClientOptions {
  /** The feed root, e.g. `https://picasaweb.google.com/data/feed/api/`; the user feed is `user/default` below it. */
  baseUrl: string;
  auth: OAuth2Client;
  pacer: Pacer;
  log: Logger;
  /** `max-results` of one page (Picasa's own maximum is 1000). */
  pageSize?: number;
  /** Timeout of one feed request, ms. */
  timeoutMs?: number;
  onPage?: () => void;
}

/** The Picasa feed root of the real service. */
export const PICASA_FEED_URL = 'https://picasaweb.google.com/data/feed/api/';

export class PicasaClient implements PicasaApi {
  readonly #auth: OAuth2Client;
  readonly #pacer: Pacer;
  readonly #log: Logger;
  readonly #userFeed: string;
  readonly #pageSize: number;
  readonly #timeoutMs: number;
  readonly #onPage: (() => void) | undefined;

  constructor(opts: PicasaClientOptions) {
    const pageSize = opts.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new TypeError(`Expected \`pageSize\` to be a positive integer, got \`${pageSize}\``);
    }
    this.#auth = opts.auth;
    this.#pacer = opts.pacer;
    this.#log = opts.log;
    this.#userFeed = new URL('user/default', withSlash(opts.baseUrl)).toString();
    this.#pageSize = pageSize;
    this.#timeoutMs = opts.timeoutMs ?? 120_000;
    this.#onPage = opts.onPage;
  }

  /** Every album of the user (`kind=album`). */
  async *albums(signal: AbortSignal): AsyncGenerator<PicasaAlbum[]> {
    yield* this.#pages(
      this.#userFeed,
      { kind: 'album' },
      'listing albums',
      userFeedReader,
      (a) => a.id,
      signal,
    );
  }

  /** The photos and videos of `album` (`kind=photo&imgmax=d`); returns how the listing ended. */
  async *albumItems(
    album: PicasaAlbum,
    signal: AbortSignal,
  ): AsyncGenerator<PicasaItem[], AlbumListingEnd> {
    const url = `${this.#userFeed}/albumid/${encodeURIComponent(album.id)}`;
    const label = `listing album ${JSON.stringify(album.title)} (${album.id})`;
    let listed = 0;
    try {
      for await (const items of this.#pages(
        url,
        { kind: 'photo', imgmax: 'd' },
        label,
        () => albumFeedReader(album.id),
        (i) => i.id,
        signal,
      )) {
        listed += items.length;
        yield items;
      }
    } catch (err) {
      if (!(err instanceof RemoteError && err.reason === OFFSET_TOO_LARGE)) throw err;
      this.#log.warn(
        { albumId: album.id, album: album.title, listed, expected: album.numPhotos },
        'Picasa refuses to list this album past its first ~10,000 items: the listing is incomplete',
      );
      return { complete: false, reason: 'offset-limit', listed, expected: album.numPhotos };
    }
    return { complete: true, listed };
  }

  /**
   * Pages of `feed` until one comes back empty; values already yielded (by `key`) are dropped, so
   * an entry that moves to the next page while the listing runs is yielded once. The next page is
   * requested as soon as a page has arrived (its `start-index` from a count of the page's `<entry>`
   * tags) and arrives while this one is finished; it is used only when the parse finds that many
   * entries, else asked for again: a page costs the same requests as one after the other.
   */
  async *#pages<T>(
    feed: string,
    params: Record<string, string>,
    label: string,
    parse: () => PageReader<T>,
    key: (v: T) => string,
    signal: AbortSignal,
  ): AsyncGenerator<T[]> {
    const seen = new Set<string>();
    let previous: { start: number; first: string | null; last: string | null } | null = null;
    const ahead: Ahead<T> = { p: null, waiting: 0 };
    try {
      for (let start = 1; ;) {
        const what = `${label} at start-index ${start}`;
        const page = await this.#page({ feed, params, label, start, parse, signal }, ahead);
        this.#onPage?.();
        if (page.entries === 0) return;
        if (
          previous !== null &&
          page.firstId !== null &&
          page.firstId === previous.first &&
          page.lastId === previous.last
        ) {
          throw new RemoteError(
            `${what} failed: Picasa answered with the same page as at start-index ${previous.start}, so paging would never end`,
            { reason: 'pagingLoop' },
          );
        }
        previous = { start, first: page.firstId, last: page.lastId };
        for (const r of page.rejected)
          this.#log.warn({ feed: label, entry: r }, 'Picasa entry left out');
        const fresh: T[] = [];
        for (const v of page.values) {
          const k = key(v);
          if (seen.has(k)) continue;
          seen.add(k);
          fresh.push(v);
        }
        this.#log.debug({ feed: label, start, entries: page.entries }, 'Picasa page');
        if (fresh.length > 0) yield fresh;
        start += page.entries;
      }
    } finally {
      ahead.p?.cancel();
    }
  }

  /**
   * The page at `at.start`: the one requested ahead when it is this one, else requested now.
   * While it is awaited, its body starts the next request as soon as it has arrived (the next
   * `start-index` from a count of its `<entry>` tags, see #fetch), so the next page travels while
   * this one is finished; a page taken ready starts the next at once. At most one page is ahead;
   * one ahead at the wrong `start-index` (the count missed) is called off and asked for again.
   */
  async #page<T>(at: PageAt<T>, ahead: Ahead<T>): Promise<FeedPage<T>> {
    let own = ahead.p?.start === at.start ? ahead.p : null;
    if (own === null) {
      ahead.p?.cancel();
      own = this.#request(at, ahead);
    }
    ahead.p = null;
    ahead.waiting = at.start;
    const page = await own.page;
    if (ahead.p === null && page.entries > 0) {
      ahead.p = this.#request({ ...at, start: at.start + page.entries }, ahead);
    }
    return page;
  }

  /** Requests (through the pacer, parse included) the page at `at.start`. */
  #request<T>(at: PageAt<T>, ahead: Ahead<T>): Prefetch<T> {
    const ctrl = new AbortController();
    const url = this.#pageUrl(at.feed, at.params, at.start);
    const what = `${at.label} at start-index ${at.start}`;
    const onArrived = (n: number) => {
      if (ahead.waiting !== at.start) return;
      ahead.p?.cancel();
      ahead.p = n > 0 ? this.#request({ ...at, start: at.start + n }, ahead) : null;
    };
    const signal = AbortSignal.any([at.signal, ctrl.signal]);
    const page = this.#fetch(url, what, at.parse, signal, onArrived);
    page.catch(() => {}); // awaited later, or called off
    return { start: at.start, page, cancel: () => ctrl.abort() };
  }

  #pageUrl(feed: string, params: Record<string, string>, start: number): string {
    const url = new URL(feed);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    url.searchParams.set('start-index', String(start));
    url.searchParams.set('max-results', String(this.#pageSize));
    return url.toString();
  }

  /**
   * One page, parsed as its body arrives (no page is ever one string: see eachText). `onArrived`
   * gets the count of `<entry>` start tags, once: when a full page's worth (`max-results`) is in,
   * else when the whole body is; before the parse is checked.
   */
  async #fetch<T>(
    url: string,
    what: string,
    reader: () => PageReader<T>,
    signal: AbortSignal,
    onArrived?: (entries: number) => void,
  ): Promise<FeedPage<T>> {
    try {
      return await this.#pacer.call(
        what,
        async () => {
          const res = await this.#auth.request<AsyncIterable<Uint8Array>>({
            url,
            method: 'GET',
            headers: { 'GData-Version': '2' },
            responseType: 'stream',
            retry: false,
            signal,
            timeout: this.#timeoutMs,
          });
          const page = reader();
          const counter = new EntryCounter();
          let told = false;
          await eachText(res.data, (text) => {
            counter.add(text);
            // A full page's last start tag is in: the next page can go out while this one ends.
            if (!told && counter.count >= this.#pageSize) {
              told = true;
              onArrived?.(counter.count);
            }
            page.write(text);
          });
          if (!told) onArrived?.(counter.count);
          return page.end();
        },
        classifyPicasaError,
        signal,
      );
    } catch (err) {
      if (signal.aborted) throw err;
      throw finalPicasaError(err, what);
    }
  }

  /** Opens the bytes at `url` from `offset`. A 200 to a Range request means "from 0". */
  async download(url: string, offset: number, signal: AbortSignal): Promise<Download> {
    // The auth client's transporter: the same HTTP stack, without the Authorization header.
    const res = await this.#auth.transporter.request<AsyncIterable<Uint8Array>>({
      url,
      method: 'GET',
      responseType: 'stream',
      retry: false,
      signal,
      // No `timeout` here: it would cut a long video off mid-body; the caller watches for stalls.
      headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
    });
    const length = Number(res.headers.get('content-length') ?? NaN);
    return {
      body: res.data,
      offset: res.status === 206 ? offset : 0,
      length: Number.isFinite(length) ? length : null,
    };
  }
}

/**
 * Hands on a body as text, decoded piece by piece as it arrives.
 * Why not `responseType: 'text'`: that decodes a page at once, and node keeps a decoded string
 * over 1 MB (a 1,000-entry page is 1-3.6 MB) outside the heap, as an external string that only a
 * full collection frees; V8 starts one for external memory only after 64 MB of it. The pages of a
 * 10,000-member album held 30-54 MiB that way (2-core machine, the job's heap flags). Pieces of
 * 16-64 KB die young instead.
 */
async function eachText(
  body: AsyncIterable<Uint8Array>,
  onText: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of body) onText(decoder.decode(chunk, { stream: true }));
  onText(decoder.decode());
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
