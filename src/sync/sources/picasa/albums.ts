/**
 * The index phase of the Picasa pass: list the albums, read the members of the albums that
 * changed, match each member to a Drive item or to a Photos-only item, and write albums, members
 * and Photos-only items to the index.
 *
 * Contract:
 * - Matching: a member is the Drive item with the same original name and size (Drive wins; the
 *   album links to the Drive file); else a Photos-only item (`media_items.source = 'picasa'`)
 *   keyed by its content identity (timestamp, size, name), because Picasa gives the same photo a
 *   different id in every album: a photo in three albums is indexed, and downloaded, once.
 * - Incremental: an album's feed is read again only when its `updated` instant moved, when it was
 *   never read, when a Photos-only item of it still waits for its download (its URL may have
 *   expired), or when the matching mode or the filters changed. Other albums keep their rows.
 * - A listing that fails writes nothing for that album (members are replaced in one transaction
 *   after the whole album was read). The ~10,000 offset limit is not a failure: what was read is
 *   kept and a warning names the album and the items that could not be listed.
 * - Photos-only items get `picasa/YYYY/MM/<name>` (UTC), placed once and never moved.
 */
import type { Logger } from 'pino';
import { memoryMib } from '../../../lib/memory.ts';
import type { AlbumRepo, AlbumRow, ListedAlbum } from '../../../index/album-repo.ts';
import type { MediaRepo } from '../../../index/media-repo.ts';
import type { StateRepo } from '../../../index/state-repo.ts';
import type { Progress } from '../../../logging/progress.ts';
import type { AlbumListingEnd, PicasaAlbum, PicasaApi, PicasaItem } from '../../../remote/types.ts';
import type { FilterOptions } from '../../filters.ts';
import {
  albumMembers,
  albumsToRead,
  driveKey,
  goneByReason,
  leftMembers,
  membersHash,
  photosOnlyRows,
  readAheadEnd,
  selectAlbums,
  vanishedAlbums,
  type KnownPhotosOnly,
} from './match.ts';

export interface PicasaIndexDeps {
  picasa: PicasaApi;
  media: MediaRepo;
  albums: AlbumRepo;
  state: StateRepo;
  log: Logger;
  progress: Progress;
  signal: AbortSignal;
  filters: FilterOptions;
  /** Only the album with this exact title (`--album`); null for all. */
  albumTitle: string | null;
  /** False with `--skip-drive`: every member is a Photos-only item. */
  matchDrive: boolean;
  /** `--flush-index`: read every album's feed, changed or not. */
  rereadAll?: boolean;
}

export interface PicasaIndexResult {
  albums: number;
  /** Albums whose feed was read this pass. */
  albumsRead: number;
  /** Members read this pass. */
  items: number;
  /** Photos-only items of the albums read (new or known). */
  picasaOnly: number;
  /** Albums cut short by the offset limit, and the members that could not be listed. */
  truncated: Array<{ title: string; listed: number; expected: number }>;
  /** Photos-only items newly marked gone: in no album any more. */
  gone: number;
}

const MATCH_MODE_KEY = 'picasa.mode';

/** Photos-only items that left an album this pass: id -> the titles of the albums they left. */
type LeftItems = Map<string, Set<string>>;

const noteLeft = (left: LeftItems, id: string, title: string): void => {
  left.set(id, (left.get(id) ?? new Set()).add(title));
};

export async function indexPicasa(deps: PicasaIndexDeps): Promise<PicasaIndexResult> {
  const { log, signal } = deps;
  const started = Date.now();
  const seenAt = new Date(started);
  const listedAlbums: PicasaAlbum[] = [];
  for await (const page of deps.picasa.albums(signal)) listedAlbums.push(...page);
  const selected = selectAlbums(listedAlbums, deps.albumTitle);

  // Takeout's albums are not in the user feed: only Picasa's own can vanish from it.
  const stored = new Map(
    (await deps.albums.all()).filter((a) => a.source === 'picasa').map((a) => [a.albumId, a]),
  );
  const left: LeftItems = new Map();
  await recordAlbumList(deps, listedAlbums, stored, seenAt, left);

  // Matching and filters decide every member's row: when they change, every album is read again.
  const mode = JSON.stringify({ matchDrive: deps.matchDrive, filters: deps.filters });
  const toRead = albumsToRead(selected, stored, {
    modeChanged: (await deps.state.get<string>(MATCH_MODE_KEY)) !== mode,
    rereadAll: deps.rereadAll === true,
    waiting: await deps.albums.albumsWithUnfinishedMedia('picasa'),
  });
  log.info(
    { albums: listedAlbums.length, selected: selected.length, toRead: toRead.length },
    'album list read',
  );

  const result: PicasaIndexResult = {
    albums: listedAlbums.length,
    albumsRead: 0,
    items: 0,
    picasaOnly: 0,
    truncated: [],
    gone: 0,
  };
  if (toRead.length > 0) await readAlbums(deps, toRead, stored, seenAt, left, result);
  result.gone = await markLeftItemsGone(deps, left, seenAt);
  await deps.state.set(MATCH_MODE_KEY, mode);
  if (toRead.length > 0) {
    log.info(
      { ...result, truncated: result.truncated.length, seconds: (Date.now() - started) / 1000 },
      'albums indexed',
    );
  }
  return result;
}

/**
 * Writes the album list; the albums missing from it are gone upstream (their rows stay, their
 * members go, and the Photos-only items among those are noted in `left`).
 */
async function recordAlbumList(
  deps: PicasaIndexDeps,
  listed: readonly PicasaAlbum[],
  stored: ReadonlyMap<string, AlbumRow>,
  seenAt: Date,
  left: LeftItems,
): Promise<void> {
  await deps.albums.upsertListed(listed.map(toListedAlbum), seenAt);
  const vanished = vanishedAlbums(stored.values(), new Set(listed.map((a) => a.id)));
  await deps.albums.markGone(
    vanished.map((a) => a.albumId),
    seenAt,
  );
  for (const a of vanished) {
    for (const i of await deps.albums.itemsOf(a.albumId)) {
      if (i.mediaSource === 'picasa') noteLeft(left, i.mediaRemoteId, a.title);
    }
    await deps.albums.replaceItems(a.albumId, [], { count: 0, complete: true, changed: true });
  }
}

/** Reads the feeds of `toRead` and writes their members and Photos-only items. */
async function readAlbums(
  deps: PicasaIndexDeps,
  toRead: readonly PicasaAlbum[],
  stored: ReadonlyMap<string, AlbumRow>,
  seenAt: Date,
  left: LeftItems,
  result: PicasaIndexResult,
): Promise<void> {
  // The reads ahead stop with the pass, and with this phase when a write or a read fails.
  const stop = new AbortController();
  const reads = new AlbumReads({ ...deps, signal: AbortSignal.any([deps.signal, stop.signal]) });
  try {
    let started = readAheadEnd(toRead, 0);
    reads.start(toRead.slice(0, started));
    // The Drive index phase may just have written 100,000 rows the planner does not know of yet:
    // without statistics, each page of the reads below was a sort of the whole table.
    await deps.media.analyze();
    const drive = deps.matchDrive ? await driveIndex(deps.media) : new Map<string, string>();
    deps.log.debug({ driveItems: drive.size, ...memoryMib() }, 'Drive items to match read');
    const known = await knownPhotosOnly(deps.media);
    for (const [i, album] of toRead.entries()) {
      deps.signal.throwIfAborted();
      // Albums before `started` (at least up to this one) are being read already.
      const ahead = readAheadEnd(toRead, i);
      if (ahead > started) {
        reads.start(toRead.slice(started, ahead));
        started = ahead;
      }
      const { items, end } = await reads.take(album);
      noteTruncated(deps, album, end, result);
      const complete = end.complete;
      const gone = await writeAlbum(deps, album, items, complete, stored.get(album.id), {
        drive,
        known,
        seenAt,
      });
      for (const id of gone) noteLeft(left, id, album.title);
      deps.log.debug({ album: album.title, items: items.length, ...memoryMib() }, 'album indexed');
      result.albumsRead++;
      result.items += items.length;
    }
    result.picasaOnly = known.size;
  } finally {
    if (reads.pending()) stop.abort();
  }
}

interface AlbumRead {
  items: PicasaItem[];
  end: AlbumListingEnd;
}

/** Album feeds being read, by album id; each is taken once, when its turn to be written comes. */
class AlbumReads {
  readonly #deps: PicasaIndexDeps;
  readonly #reads = new Map<string, Promise<AlbumRead>>();

  constructor(deps: PicasaIndexDeps) {
    this.#deps = deps;
  }

  start(albums: readonly PicasaAlbum[]): void {
    for (const album of albums) {
      const read = readAlbum(this.#deps, album);
      read.catch(() => {}); // taken (and its failure thrown) in its turn, or called off
      this.#reads.set(album.id, read);
    }
  }

  take(album: PicasaAlbum): Promise<AlbumRead> {
    const read = this.#reads.get(album.id) ?? readAlbum(this.#deps, album);
    this.#reads.delete(album.id);
    return read;
  }

  pending(): boolean {
    return this.#reads.size > 0;
  }
}

/** Every member of one album's feed, and how its listing ended. */
async function readAlbum(deps: PicasaIndexDeps, album: PicasaAlbum): Promise<AlbumRead> {
  const items: PicasaItem[] = [];
  const it = deps.picasa.albumItems(album, deps.signal);
  let step = await it.next();
  while (!step.done) {
    for (const item of step.value) items.push(item);
    deps.progress.indexed += step.value.length;
    step = await it.next();
  }
  return { items, end: step.value };
}

/** A listing cut short by the offset limit: noted in `result` and logged. */
function noteTruncated(
  deps: PicasaIndexDeps,
  album: PicasaAlbum,
  end: AlbumListingEnd,
  result: PicasaIndexResult,
): void {
  if (end.complete) return;
  const missing = Math.max(0, end.expected - end.listed);
  result.truncated.push({ title: album.title, listed: end.listed, expected: end.expected });
  deps.log.warn(
    { album: album.title, albumId: album.id, listed: end.listed, notListed: missing },
    `album ${JSON.stringify(album.title)}: Picasa lists only its first ${end.listed} items; ${missing} more cannot be read through this API (a known limit, not an error)`,
  );
}

/** The Photos-only items the index holds, by key. */
async function knownPhotosOnly(media: MediaRepo): Promise<Map<string, KnownPhotosOnly>> {
  const known = new Map<string, KnownPhotosOnly>();
  for await (const rows of media.iterateBrief('picasa')) {
    for (const r of rows) {
      known.set(r.remoteId, {
        relPath: r.relPath,
        dupNumber: r.dupNumber,
        name: r.originalName,
        timestamp: r.takenTime ?? r.createdTime ?? new Date(0),
      });
    }
  }
  return known;
}

/** (size, original name) -> remote id of the Drive items still upstream; the lowest path wins. */
async function driveIndex(media: MediaRepo): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  // The path of each key's id so far, for a later item of the same key; dropped with this call.
  const paths = new Map<string, string>();
  for await (const rows of media.iterateNames('drive', {
    states: ['pending', 'done', 'failed', 'skipped'],
  })) {
    for (const r of rows) {
      const key = driveKey(r.originalName, r.size);
      const had = paths.get(key);
      if (had === undefined || r.relPath < had) {
        ids.set(key, r.remoteId);
        paths.set(key, r.relPath);
      }
    }
  }
  return ids;
}

/**
 * Writes one album's members, new Photos-only items first (the members reference them); returns
 * the Photos-only items that left the album.
 */
async function writeAlbum(
  deps: PicasaIndexDeps,
  album: PicasaAlbum,
  items: readonly PicasaItem[],
  complete: boolean,
  prev: AlbumRow | undefined,
  at: { drive: ReadonlyMap<string, string>; known: Map<string, KnownPhotosOnly>; seenAt: Date },
): Promise<string[]> {
  const previous = prev === undefined ? [] : await deps.albums.itemsOf(album.id);
  const entryOf = new Map(previous.map((p) => [p.photoId, p.entryName]));
  const { members, photosOnly } = albumMembers(album, items, at.drive, entryOf);
  if (photosOnly.size > 0) {
    const { rows, placed } = photosOnlyRows(photosOnly, at.known, deps.filters);
    for (const [id, k] of placed) at.known.set(id, k);
    deps.log.debug({ album: album.title, items: rows.length }, 'album items placed');
    await deps.media.upsertListed(rows, at.seenAt);
    if (placed.size > 1000) await deps.media.analyze();
    deps.log.debug({ album: album.title }, 'Photos-only items written');
  }
  await deps.albums.replaceItems(album.id, members, {
    count: items.length,
    complete,
    changed: membersHash(previous) !== membersHash(members),
    updated: album.updated,
  });
  return leftMembers(previous, members, complete);
}

/**
 * Marks gone the Photos-only items that left an album this pass and that no album holds now
 * (the reason names the albums they were in). Returns how many became gone.
 */
async function markLeftItemsGone(
  deps: PicasaIndexDeps,
  left: ReadonlyMap<string, ReadonlySet<string>>,
  at: Date,
): Promise<number> {
  if (left.size === 0) return 0;
  const byReason = goneByReason(left, await deps.albums.referencedMedia('picasa'));
  let n = 0;
  for (const [reason, ids] of byReason) n += await deps.media.markGone('picasa', ids, at, reason);
  if (n > 0) {
    deps.log.info(
      { gone: n },
      'Photos-only items in no album any more: recorded as gone, files kept',
    );
  }
  return n;
}

function toListedAlbum(a: PicasaAlbum): ListedAlbum {
  return {
    albumId: a.id,
    title: a.title,
    albumType: a.albumType,
    albumTime: a.timestamp,
    updated: a.updated,
    numPhotos: a.numPhotos,
  };
}
