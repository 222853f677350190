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
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { SyncError } from '../../../errors/errors.ts';
import type { AlbumItemRow, AlbumRepo, AlbumRow, ListedAlbum } from '../../../index/album-repo.ts';
import type { ListedMediaRow, MediaRepo } from '../../../index/media-repo.ts';
import type { StateRepo } from '../../../index/state-repo.ts';
import type { Progress } from '../../../logging/progress.ts';
import type { PicasaAlbum, PicasaApi, PicasaItem } from '../../../remote/types.ts';
import { assignPicasaPlacements, type PicasaLayoutInput } from '../../../tree/picasa-layout.ts';
import { pathKey } from '../../../tree/sanitize.ts';
import { filteredOut, type FilterOptions } from '../../filters.ts';

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

/** The key of a Photos-only item: the same for the same photo in every album. */
export function picasaKey(item: Pick<PicasaItem, 'timestamp' | 'size' | 'name'>): string {
  return `${item.timestamp.getTime()}:${item.size ?? ''}:${item.name}`;
}

const driveKey = (name: string, size: number | null): string => `${size ?? ''}\u0000${name}`;

export async function indexPicasa(deps: PicasaIndexDeps): Promise<PicasaIndexResult> {
  const { log, signal } = deps;
  const started = Date.now();
  const listedAlbums: PicasaAlbum[] = [];
  for await (const page of deps.picasa.albums(signal)) listedAlbums.push(...page);

  let selected = listedAlbums;
  if (deps.albumTitle !== null) {
    selected = listedAlbums.filter((a) => a.title === deps.albumTitle);
    if (selected.length === 0) {
      const titles = listedAlbums.slice(0, 10).map((a) => JSON.stringify(a.title));
      throw new SyncError('usage', `no album is titled ${JSON.stringify(deps.albumTitle)}`, {
        hints: [
          titles.length === 0
            ? 'this account has no albums'
            : `albums include ${titles.join(', ')}${listedAlbums.length > 10 ? ', ...' : ''} (the title must match exactly)`,
        ],
      });
    }
  }

  const stored = new Map((await deps.albums.all()).map((a) => [a.albumId, a]));
  const seenAt = new Date(started);
  await deps.albums.upsertListed(listedAlbums.map(toListedAlbum), seenAt);
  // The user feed lists every album, so one that is missing is gone upstream (its rows stay).
  const listedIds = new Set(listedAlbums.map((a) => a.id));
  const vanished = [...stored.values()].filter(
    (a) => !listedIds.has(a.albumId) && a.goneAt === null,
  );
  await deps.albums.markGone(
    vanished.map((a) => a.albumId),
    seenAt,
  );
  // Photos-only items that left an album this pass: gone when no album holds them any more.
  const leftAlbum = new Map<string, Set<string>>();
  const noteLeft = (id: string, title: string) =>
    leftAlbum.set(id, (leftAlbum.get(id) ?? new Set()).add(title));
  for (const a of vanished) {
    for (const i of await deps.albums.itemsOf(a.albumId)) {
      if (i.mediaSource === 'picasa') noteLeft(i.mediaRemoteId, a.title);
    }
    await deps.albums.replaceItems(a.albumId, [], { count: 0, complete: true, changed: true });
  }

  // Matching and filters decide every member's row: when they change, every album is read again.
  const mode = JSON.stringify({ matchDrive: deps.matchDrive, filters: deps.filters });
  const modeChanged = (await deps.state.get<string>(MATCH_MODE_KEY)) !== mode;
  const waiting = await deps.albums.albumsWithUnfinishedMedia('picasa');
  const toRead = selected.filter((a) => {
    const prev = stored.get(a.id);
    return (
      prev === undefined ||
      modeChanged ||
      deps.rereadAll === true ||
      waiting.has(a.id) ||
      !sameInstant(prev.updated, a.updated)
    );
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
  if (toRead.length === 0) {
    result.gone = await markLeftItemsGone(deps, leftAlbum, seenAt);
    await deps.state.set(MATCH_MODE_KEY, mode);
    return result;
  }

  const drive = deps.matchDrive ? await driveIndex(deps.media) : new Map<string, string>();
  log.debug(
    { driveItems: drive.size, rssMb: Math.round(process.memoryUsage().rss / 1e6) },
    'Drive items to match read',
  );
  const known = new Map<string, KnownPicasa>();
  for await (const rows of deps.media.iterateBrief('picasa')) {
    for (const r of rows) {
      known.set(r.remoteId, {
        relPath: r.relPath,
        dupNumber: r.dupNumber,
        name: r.originalName,
        timestamp: r.takenTime ?? r.createdTime ?? new Date(0),
      });
    }
  }

  // The Drive index phase may just have written 100,000 rows the planner does not know of yet.
  await deps.media.analyze();
  for (const album of toRead) {
    signal.throwIfAborted();
    const items: PicasaItem[] = [];
    const it = deps.picasa.albumItems(album, signal);
    let step = await it.next();
    while (!step.done) {
      items.push(...step.value);
      deps.progress.indexed += step.value.length;
      step = await it.next();
    }
    const end = step.value;
    if (!end.complete) {
      const missing = Math.max(0, end.expected - end.listed);
      result.truncated.push({ title: album.title, listed: end.listed, expected: end.expected });
      log.warn(
        { album: album.title, albumId: album.id, listed: end.listed, notListed: missing },
        `album ${JSON.stringify(album.title)}: Picasa lists only its first ${end.listed} items; ${missing} more cannot be read through this API (a known limit, not an error)`,
      );
    }
    const left = await writeAlbum(
      deps,
      album,
      items,
      end.complete,
      stored.get(album.id),
      drive,
      known,
      seenAt,
    );
    for (const id of left) noteLeft(id, album.title);
    log.debug(
      {
        album: album.title,
        items: items.length,
        rssMb: Math.round(process.memoryUsage().rss / 1e6),
      },
      'album indexed',
    );
    result.albumsRead++;
    result.items += items.length;
  }
  result.picasaOnly = known.size;
  result.gone = await markLeftItemsGone(deps, leftAlbum, seenAt);
  await deps.state.set(MATCH_MODE_KEY, mode);
  log.info(
    { ...result, truncated: result.truncated.length, seconds: (Date.now() - started) / 1000 },
    'albums indexed',
  );
  return result;
}

interface KnownPicasa {
  relPath: string;
  dupNumber: number;
  name: string;
  timestamp: Date;
}

/** (size, original name) -> remote id of the Drive items still upstream; the lowest path wins. */
async function driveIndex(media: MediaRepo): Promise<Map<string, string>> {
  const best = new Map<string, { id: string; relPath: string }>();
  for await (const rows of media.iterateBrief('drive', {
    states: ['pending', 'done', 'failed', 'skipped'],
  })) {
    for (const r of rows) {
      const key = driveKey(r.originalName, r.size);
      const had = best.get(key);
      if (had === undefined || r.relPath < had.relPath) {
        best.set(key, { id: r.remoteId, relPath: r.relPath });
      }
    }
  }
  return new Map([...best].map(([k, v]) => [k, v.id]));
}

/** Writes one album's members: new Photos-only items first (the members reference them). */
async function writeAlbum(
  deps: PicasaIndexDeps,
  album: PicasaAlbum,
  items: readonly PicasaItem[],
  complete: boolean,
  prev: AlbumRow | undefined,
  drive: ReadonlyMap<string, string>,
  known: Map<string, KnownPicasa>,
  seenAt: Date,
): Promise<string[]> {
  const previous = prev === undefined ? [] : await deps.albums.itemsOf(album.id);
  const entryOf = new Map(previous.map((p) => [p.photoId, p.entryName]));

  const members: AlbumItemRow[] = [];
  const fresh = new Map<string, PicasaItem>();
  const listedHere = new Map<string, PicasaItem>();
  for (const [position, item] of items.entries()) {
    const driveId = drive.get(driveKey(item.name, item.size));
    let source: 'drive' | 'picasa' = 'drive';
    let remoteId = driveId ?? '';
    if (driveId === undefined) {
      source = 'picasa';
      remoteId = picasaKey(item);
      listedHere.set(remoteId, item);
      if (!known.has(remoteId)) fresh.set(remoteId, item);
    }
    members.push({
      albumId: album.id,
      photoId: item.id,
      position,
      name: item.name,
      size: item.size,
      takenTime: item.timestamp,
      mimeType: item.mimeType,
      isVideo: item.isVideo,
      mediaUrl: item.mediaUrl ?? '',
      mediaSource: source,
      mediaRemoteId: remoteId,
      entryName: entryOf.get(item.id) ?? null,
    });
  }

  if (listedHere.size > 0) {
    // Place the new items among every known one, so a new duplicate never takes a used name.
    const inputs: PicasaLayoutInput[] = [];
    for (const [id, item] of fresh) inputs.push({ id, name: item.name, timestamp: item.timestamp });
    for (const [id, k] of known) {
      inputs.push({
        id,
        name: k.name,
        timestamp: k.timestamp,
        stored: { relPath: k.relPath, dupNumber: k.dupNumber },
      });
    }
    const placed = new Map(
      assignPicasaPlacements(inputs)
        .slice(0, fresh.size)
        .map((p) => [p.id, p]),
    );
    const rows: ListedMediaRow[] = [];
    for (const [id, item] of listedHere) {
      const p = placed.get(id);
      const k = known.get(id);
      const relPath = p?.relPath ?? (k as KnownPicasa).relPath;
      const why = filteredOut({ mimeType: item.mimeType, when: item.timestamp }, deps.filters);
      rows.push({
        source: 'picasa',
        remoteId: id,
        folderId: null,
        relPath,
        pathKey: p?.pathKey ?? pathKey(relPath),
        originalName: item.name.replaceAll('\u0000', '\ufffd'),
        baseName: p?.baseName ?? relPath.slice(relPath.lastIndexOf('/') + 1),
        dupNumber: p?.dupNumber ?? (k as KnownPicasa).dupNumber,
        // A video's bytes are Google's transcoded stream, not the upload gphoto:size describes.
        size: item.isVideo ? null : item.size,
        md5: null,
        mimeType: item.mimeType,
        takenTime: item.timestamp,
        createdTime: toDate(item.published),
        modifiedTime: toDate(item.updated),
        state: why === null ? 'pending' : 'skipped',
      });
      if (p !== undefined) {
        known.set(id, {
          relPath: p.relPath,
          dupNumber: p.dupNumber,
          name: item.name,
          timestamp: item.timestamp,
        });
      }
    }
    deps.log.debug({ album: album.title, items: rows.length }, 'album items placed');
    await deps.media.upsertListed(rows, seenAt);
    if (fresh.size > 1000) await deps.media.analyze();
    deps.log.debug({ album: album.title }, 'Photos-only items written');
  }

  const changed = membersHash(previous) !== membersHash(members);
  await deps.albums.replaceItems(album.id, members, {
    count: items.length,
    complete,
    changed,
    updated: album.updated,
  });
  // A listing cut short by the offset limit says nothing about the members it did not reach.
  if (!complete) return [];
  const now = new Set(members.map((m) => m.mediaRemoteId));
  return previous
    .filter((p) => p.mediaSource === 'picasa' && !now.has(p.mediaRemoteId))
    .map((p) => p.mediaRemoteId);
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
  const held = await deps.albums.referencedMedia('picasa');
  const byReason = new Map<string, string[]>();
  for (const [id, titles] of left) {
    if (held.has(id)) continue;
    const reason = `no longer in any album (was in: ${[...titles].sort().join(', ')})`;
    byReason.set(reason, [...(byReason.get(reason) ?? []), id]);
  }
  let n = 0;
  for (const [reason, ids] of byReason) n += await deps.media.markGone('picasa', ids, at, reason);
  if (n > 0)
    deps.log.info(
      { gone: n },
      'Photos-only items in no album any more: recorded as gone, files kept',
    );
  return n;
}

/** What the links of an album depend on: its members and the items they point at. */
function membersHash(items: readonly AlbumItemRow[]): string {
  const h = createHash('sha1');
  for (const i of items) h.update(`${i.photoId}\u0000${i.mediaSource}\u0000${i.mediaRemoteId}\n`);
  return h.digest('base64');
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

/** RFC 3339 times compared as instants (a zone offset or fraction may differ); else as text. */
function sameInstant(a: string, b: string): boolean {
  const [x, y] = [Date.parse(a), Date.parse(b)];
  return Number.isNaN(x) || Number.isNaN(y) ? a === b : x === y;
}

function toDate(s: string | null | undefined): Date | null {
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}
