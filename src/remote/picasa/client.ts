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
import { parseAlbumFeed, parseUserFeed, type FeedPage } from './wire.ts';

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
      parseUserFeed,
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
        (xml) => parseAlbumFeed(xml, album.id),
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
   * an entry that moves to the next page while the listing runs is yielded once.
   */
  async *#pages<T>(
    feed: string,
    params: Record<string, string>,
    label: string,
    parse: (xml: string) => Promise<FeedPage<T>>,
    key: (v: T) => string,
    signal: AbortSignal,
  ): AsyncGenerator<T[]> {
    const seen = new Set<string>();
    let previous: { start: number; first: string | null; last: string | null } | null = null;
    for (let start = 1; ;) {
      const url = new URL(feed);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      url.searchParams.set('start-index', String(start));
      url.searchParams.set('max-results', String(this.#pageSize));
      const what = `${label} at start-index ${start}`;
      const page = await this.#fetch(url.toString(), what, parse, signal);
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
  }

  async #fetch<T>(
    url: string,
    what: string,
    parse: (xml: string) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T> {
    try {
      return await this.#pacer.call(
        what,
        async () => {
          const res = await this.#auth.request<string>({
            url,
            method: 'GET',
            headers: { 'GData-Version': '2' },
            responseType: 'text',
            retry: false,
            signal,
            timeout: this.#timeoutMs,
          });
          return parse(typeof res.data === 'string' ? res.data : String(res.data ?? ''));
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

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
