/**
 * The decisions of the Picasa index, pure: which albums to read, which media item an album member
 * is, where a new Photos-only item goes, and what counts as gone. albums.ts reads and writes
 * around them.
 */
import { createHash } from 'node:crypto';
import { SyncError } from '../../../errors/errors.ts';
import type { AlbumItemRow, AlbumRow } from '../../../index/album-repo.ts';
import type { ListedMediaRow } from '../../../index/media-repo.ts';
import type { PicasaAlbum, PicasaItem } from '../../../remote/types.ts';
import { assignPicasaPlacements, type PicasaLayoutInput } from '../../../tree/picasa-layout.ts';
import { pathKey } from '../../../tree/sanitize.ts';
import { filteredOut, type FilterOptions } from '../../filters.ts';

/** The key of a Photos-only item: the same for the same photo in every album. */
export function picasaKey(item: Pick<PicasaItem, 'timestamp' | 'size' | 'name'>): string {
  return `${item.timestamp.getTime()}:${item.size ?? ''}:${item.name}`;
}

/** The key a member is matched to a Drive item by: size and original name. */
export const driveKey = (name: string, size: number | null): string => `${size ?? ''}\u0000${name}`;

/**
 * The media item that holds a member's bytes: the Drive item with the same original name and size
 * (`drive`: driveKey -> remote id; Drive wins), else the Photos-only item of its content identity.
 */
export function matchMember(
  item: Pick<PicasaItem, 'timestamp' | 'size' | 'name'>,
  drive: ReadonlyMap<string, string>,
): { source: 'drive' | 'picasa'; remoteId: string } {
  const driveId = drive.get(driveKey(item.name, item.size));
  return driveId === undefined
    ? { source: 'picasa', remoteId: picasaKey(item) }
    : { source: 'drive', remoteId: driveId };
}

/** `--album TITLE`: the albums with exactly that title; none is a usage error naming some. */
export function selectAlbums(listed: readonly PicasaAlbum[], title: string | null): PicasaAlbum[] {
  if (title === null) return [...listed];
  const selected = listed.filter((a) => a.title === title);
  if (selected.length > 0) return selected;
  const titles = listed.slice(0, 10).map((a) => JSON.stringify(a.title));
  throw new SyncError('usage', `no album is titled ${JSON.stringify(title)}`, {
    hints: [
      titles.length === 0
        ? 'this account has no albums'
        : `albums include ${titles.join(', ')}${listed.length > 10 ? ', ...' : ''} (the title must match exactly)`,
    ],
  });
}

/** Stored albums missing from the user feed (which lists every album): gone upstream. */
export function vanishedAlbums(
  stored: Iterable<AlbumRow>,
  listedIds: ReadonlySet<string>,
): AlbumRow[] {
  return [...stored].filter((a) => !listedIds.has(a.albumId) && a.goneAt === null);
}

/** Why an album's feed may have to be read again. */
export interface RereadFacts {
  /** Matching or filters changed since the last pass: every member's row may change. */
  modeChanged: boolean;
  /** `--flush-index`. */
  rereadAll: boolean;
  /** Albums with a Photos-only member still to download (its URL may have expired). */
  waiting: ReadonlySet<string>;
}

/** The albums whose feed is read: new, changed (`updated` moved), or as RereadFacts say. */
export function albumsToRead(
  selected: readonly PicasaAlbum[],
  stored: ReadonlyMap<string, AlbumRow>,
  facts: RereadFacts,
): PicasaAlbum[] {
  return selected.filter((a) => {
    const prev = stored.get(a.id);
    return (
      prev === undefined ||
      facts.modeChanged ||
      facts.rereadAll ||
      facts.waiting.has(a.id) ||
      !sameInstant(prev.updated, a.updated)
    );
  });
}

/** RFC 3339 times compared as instants (a zone offset or fraction may differ); else as text. */
export function sameInstant(a: string, b: string): boolean {
  const [x, y] = [Date.parse(a), Date.parse(b)];
  return Number.isNaN(x) || Number.isNaN(y) ? a === b : x === y;
}

/**
 * The members of one album as index rows, each matched to its media item (`entryOf`: the entry
 * names the members had, by photo id), and the Photos-only items they name, by key.
 */
export function albumMembers(
  album: PicasaAlbum,
  items: readonly PicasaItem[],
  drive: ReadonlyMap<string, string>,
  entryOf: ReadonlyMap<string, string | null>,
): { members: AlbumItemRow[]; photosOnly: Map<string, PicasaItem> } {
  const members: AlbumItemRow[] = [];
  const photosOnly = new Map<string, PicasaItem>();
  for (const [position, item] of items.entries()) {
    const media = matchMember(item, drive);
    if (media.source === 'picasa') photosOnly.set(media.remoteId, item);
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
      mediaSource: media.source,
      mediaRemoteId: media.remoteId,
      entryName: entryOf.get(item.id) ?? null,
    });
  }
  return { members, photosOnly };
}

/** A Photos-only item the index holds: where it is, and what places it among new ones. */
export interface KnownPhotosOnly {
  relPath: string;
  dupNumber: number;
  name: string;
  timestamp: Date;
}

/**
 * Index rows of the Photos-only items an album lists: a known item keeps its place, a new one is
 * placed among every known one (so a new duplicate never takes a used name) under
 * `picasa/YYYY/MM/`. Returns the rows and the new items' places, to add to `known`.
 */
export function photosOnlyRows(
  listed: ReadonlyMap<string, PicasaItem>,
  known: ReadonlyMap<string, KnownPhotosOnly>,
  filters: FilterOptions,
): { rows: ListedMediaRow[]; placed: Map<string, KnownPhotosOnly> } {
  const fresh = [...listed].filter(([id]) => !known.has(id));
  const inputs: PicasaLayoutInput[] = fresh.map(([id, item]) => ({
    id,
    name: item.name,
    timestamp: item.timestamp,
  }));
  for (const [id, k] of known) {
    const stored = { relPath: k.relPath, dupNumber: k.dupNumber };
    inputs.push({ id, name: k.name, timestamp: k.timestamp, stored });
  }
  const placements = new Map(
    assignPicasaPlacements(inputs)
      .slice(0, fresh.length)
      .map((p) => [p.id, p]),
  );
  const rows: ListedMediaRow[] = [];
  const placed = new Map<string, KnownPhotosOnly>();
  for (const [id, item] of listed) {
    const p = placements.get(id);
    const k = known.get(id) as KnownPhotosOnly;
    const relPath = p?.relPath ?? k.relPath;
    const why = filteredOut({ mimeType: item.mimeType, when: item.timestamp }, filters);
    rows.push({
      source: 'picasa',
      remoteId: id,
      folderId: null,
      relPath,
      pathKey: p?.pathKey ?? pathKey(relPath),
      originalName: item.name.replaceAll('\u0000', '\ufffd'),
      baseName: p?.baseName ?? relPath.slice(relPath.lastIndexOf('/') + 1),
      dupNumber: p?.dupNumber ?? k.dupNumber,
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
      const { dupNumber } = p;
      placed.set(id, { relPath: p.relPath, dupNumber, name: item.name, timestamp: item.timestamp });
    }
  }
  return { rows, placed };
}

/**
 * The Photos-only items that left an album with this listing: named by the previous members and
 * not by the new ones. A listing cut short (the offset limit) says nothing of the members it did
 * not reach: none.
 */
export function leftMembers(
  previous: readonly AlbumItemRow[],
  now: readonly AlbumItemRow[],
  complete: boolean,
): string[] {
  if (!complete) return [];
  const ids = new Set(now.map((m) => m.mediaRemoteId));
  return previous
    .filter((p) => p.mediaSource === 'picasa' && !ids.has(p.mediaRemoteId))
    .map((p) => p.mediaRemoteId);
}

/**
 * What counts as gone: a Photos-only item that left an album (`left`: its id -> the titles of the
 * albums it left) and that no album holds now (`held`). By reason, which names those albums.
 */
export function goneByReason(
  left: ReadonlyMap<string, ReadonlySet<string>>,
  held: ReadonlySet<string>,
): Map<string, string[]> {
  const byReason = new Map<string, string[]>();
  for (const [id, titles] of left) {
    if (held.has(id)) continue;
    const reason = `no longer in any album (was in: ${[...titles].sort().join(', ')})`;
    byReason.set(reason, [...(byReason.get(reason) ?? []), id]);
  }
  return byReason;
}

/** What the links of an album depend on: its members and the items they point at. */
export function membersHash(items: readonly AlbumItemRow[]): string {
  const h = createHash('sha1');
  for (const i of items) h.update(`${i.photoId}\u0000${i.mediaSource}\u0000${i.mediaRemoteId}\n`);
  return h.digest('base64');
}

function toDate(s: string | null | undefined): Date | null {
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * Albums whose feeds are read at once: at most ALBUMS_READ_AHEAD, and no more members between
 * them than READ_AHEAD_MEMBERS (by the album list's counts; a larger album is read alone). One
 * album at a time left the connection idle between albums (most are one page), and the feed
 * server's time is then all on the critical path; the members are still written one album after
 * the other, in list order. Each read holds its whole album (at most ~10,000 members, a few MB)
 * until written: four albums of 2,000 members or more took the embedded index's pass from
 * 278-292 MiB peak RSS (two at a time) to 297-319 MiB (100,000 items in 50 albums, 2-core
 * machine, three runs each), for no measurable time.
 */
const ALBUMS_READ_AHEAD = 4;
const READ_AHEAD_MEMBERS = 5_000;

/**
 * The end (exclusive) of the albums of `albums` to have read at once from `from` on: `from`
 * itself, then the next ones while within both limits above. Pure.
 */
export function readAheadEnd(albums: readonly { numPhotos: number }[], from: number): number {
  let end = from + 1;
  let members = albums[from]?.numPhotos ?? 0;
  while (end < albums.length && end - from < ALBUMS_READ_AHEAD) {
    members += albums[end]?.numPhotos ?? 0;
    if (members > READ_AHEAD_MEMBERS) break;
    end++;
  }
  return end;
}
