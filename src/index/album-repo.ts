import type { Knex } from 'knex';
import type { MediaSource, MediaState } from './media-repo.ts';
import { AccountRepo, lazyChunks, toDate, toNumber } from './sql-util.ts';

/** An album as listed by the user feed. */
export interface ListedAlbum {
  albumId: string;
  title: string;
  albumType: string | null;
  albumTime: Date;
  /** The feed's `<updated>`, as given (compared as an instant by the caller). */
  updated: string;
  numPhotos: number;
  /** The source that lists the album; each source marks only its own albums gone. */
  source?: AlbumSource;
  description?: string | null;
}

export type AlbumSource = 'picasa' | 'takeout';

export interface AlbumRow extends ListedAlbum {
  /** Items read at the last listing of the album, and whether that listing reached the end. */
  listedCount: number;
  listedComplete: boolean;
  /** `albums/YYYY/MMDD title` once the album has a folder; null for albums without one. */
  relPath: string | null;
  pathKey: string | null;
  /** The caller's hash of the folder's wanted entries when it was last fully linked. */
  linksHash: string | null;
  /** When the album was last missing from the user feed; null while it is listed. */
  goneAt: Date | null;
}

/** One member of an album, matched to the media item that holds its bytes. */
export interface AlbumItemRow {
  albumId: string;
  /** Picasa's id of the item in this album (the same photo has another id in another album). */
  photoId: string;
  /** Order in the album feed, from 0. */
  position: number;
  name: string;
  size: number | null;
  takenTime: Date | null;
  mimeType: string;
  isVideo: boolean;
  /** Where the original bytes are; for videos a signed URL that expires. */
  mediaUrl: string;
  mediaSource: MediaSource;
  mediaRemoteId: string;
  /** The entry's name in the album folder, once linked. */
  entryName: string | null;
}

/** An album member with the local file it points at. */
export interface AlbumTarget {
  photoId: string;
  name: string;
  entryName: string | null;
  relPath: string;
  state: MediaState;
}

/**
 * The `albums` and `album_items` tables of one account. Album items reference `media_items`
 * (foreign key, checked at commit): write the media rows first, in an earlier or the same
 * transaction.
 */
export class AlbumRepo extends AccountRepo {
  /** Every album ever listed (gone ones too), ordered by album time then id. */
  async all(): Promise<AlbumRow[]> {
    const rows = (await this.knex('albums')
      .where({ account: this.account })
      .orderBy([{ column: 'album_time' }, { column: 'album_id' }])
      .select('*')) as Record<string, unknown>[];
    return rows.map(albumFromDb);
  }

  /**
   * Inserts or updates the listed albums: listed columns replaced, last_seen_at = seenAt, gone_at
   * cleared. Listing state, folder and links hash are kept, and so is `updated`: it records the
   * album as last READ (replaceItems sets it), so an album whose feed failed is read again next
   * time. A new album's `updated` is '' until then.
   */
  async upsertListed(albums: readonly ListedAlbum[], seenAt: Date): Promise<void> {
    await this.knex.transaction(async (trx) => {
      for (const chunk of lazyChunks(albums, 500)) {
        await trx('albums')
          .insert(
            chunk.map((a) => ({
              account: this.account,
              album_id: a.albumId,
              title: a.title,
              album_type: a.albumType,
              album_time: a.albumTime,
              updated: '',
              num_photos: a.numPhotos,
              source: a.source ?? 'picasa',
              description: a.description ?? null,
              first_seen_at: seenAt,
              last_seen_at: seenAt,
            })),
          )
          .onConflict(['account', 'album_id'])
          .merge({
            title: trx.raw('excluded.title'),
            album_type: trx.raw('excluded.album_type'),
            album_time: trx.raw('excluded.album_time'),
            num_photos: trx.raw('excluded.num_photos'),
            description: trx.raw('excluded.description'),
            last_seen_at: trx.raw('excluded.last_seen_at'),
            gone_at: null,
          });
      }
    });
  }

  /** Marks albums missing from a complete user feed; their rows and items stay. */
  async markGone(albumIds: readonly string[], at: Date): Promise<void> {
    if (albumIds.length === 0) return;
    await this.knex('albums')
      .where({ account: this.account })
      .whereIn('album_id', [...albumIds])
      .whereNull('gone_at')
      .update({ gone_at: at });
  }

  /**
   * Replaces the members of one album with a new listing, in one transaction, and records how
   * far the listing got and the `updated` of the feed that was read. The links hash is cleared
   * when the members changed, so the links phase looks at the folder again.
   */
  async replaceItems(
    albumId: string,
    items: Iterable<AlbumItemRow>,
    listing: { count: number; complete: boolean; changed: boolean; updated?: string },
  ): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx('album_items').where({ account: this.account, album_id: albumId }).delete();
      for (const chunk of lazyChunks(items, 1000)) {
        await trx('album_items').insert(chunk.map((i) => this.itemToDb(i)));
      }
      await trx('albums')
        .where({ account: this.account, album_id: albumId })
        .update({
          listed_count: listing.count,
          listed_complete: listing.complete,
          ...(listing.updated === undefined ? {} : { updated: listing.updated }),
          ...(listing.changed ? { links_hash: null } : {}),
        });
    });
  }

  /** The stored members of one album, in feed order. */
  async itemsOf(albumId: string): Promise<AlbumItemRow[]> {
    const rows = (await this.knex('album_items')
      .where({ account: this.account, album_id: albumId })
      .orderBy('position')
      .select('*')) as Record<string, unknown>[];
    return rows.map(itemFromDb);
  }

  /** The members of one album with the path and state of the file each one points at. */
  async targetsOf(albumId: string): Promise<AlbumTarget[]> {
    const rows = (await this.withMedia()
      .where({ 'i.account': this.account, 'i.album_id': albumId })
      .orderBy('i.position')
      .select('i.photo_id', 'i.name', 'i.entry_name', 'm.rel_path', 'm.state')) as Record<
      string,
      unknown
    >[];
    return rows.map((r) => ({
      photoId: String(r.photo_id),
      name: String(r.name),
      entryName: (r.entry_name as string | null) ?? null,
      relPath: String(r.rel_path),
      state: r.state as MediaState,
    }));
  }

  /**
   * Sets the folder of every named album (null: none) in one transaction, so two albums may swap
   * folder names (the unique folder key is checked at commit). An album whose folder changes
   * loses its links hash.
   */
  async setFolders(
    folders: ReadonlyMap<string, { relPath: string; pathKey: string } | null>,
  ): Promise<void> {
    await this.knex.transaction(async (trx) => {
      for (const [albumId, folder] of folders) {
        await trx('albums')
          .where({ account: this.account, album_id: albumId })
          .where(function () {
            if (folder === null) this.whereNotNull('rel_path');
            else this.whereNull('rel_path').orWhereNot('rel_path', folder.relPath);
          })
          .update({
            rel_path: folder?.relPath ?? null,
            path_key: folder?.pathKey ?? null,
            links_hash: null,
          });
      }
    });
  }

  /**
   * Records the entry name of each member in the album folder and the links hash (null: not
   * fully linked yet). One transaction.
   */
  async setLinks(
    albumId: string,
    entryNames: ReadonlyMap<string, string>,
    linksHash: string | null,
  ): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx('albums')
        .where({ account: this.account, album_id: albumId })
        .update({ links_hash: linksHash });
      const pairs = [...entryNames];
      for (const chunk of lazyChunks(pairs, 1000)) {
        const values = chunk.map(() => '(?::text, ?::text)').join(', ');
        await trx.raw(
          `UPDATE album_items AS i SET entry_name = v.entry_name
             FROM (VALUES ${values}) AS v(photo_id, entry_name)
            WHERE i.account = ? AND i.album_id = ? AND i.photo_id = v.photo_id
              AND i.entry_name IS DISTINCT FROM v.entry_name`,
          [...chunk.flat(), this.account, albumId],
        );
      }
    });
  }

  /**
   * For every media item of `source` that albums hold, one URL its bytes can be fetched from (any
   * album's; they all serve the same original).
   */
  async mediaUrls(source: MediaSource): Promise<Map<string, string>> {
    const rows = (await this.knex('album_items')
      .where({ account: this.account, media_source: source })
      .groupBy('media_remote_id')
      .select('media_remote_id', this.knex.raw('min(media_url) AS url'))) as Array<{
      media_remote_id: string;
      url: string;
    }>;
    return new Map(rows.map((r) => [r.media_remote_id, r.url]));
  }

  /** Albums with a member of `source` that is not downloaded yet (pending or failed). */
  async albumsWithUnfinishedMedia(source: MediaSource): Promise<Set<string>> {
    const rows = (await this.withMedia()
      .where({ 'i.account': this.account, 'i.media_source': source })
      .whereIn('m.state', ['pending', 'failed'])
      .distinct('i.album_id')) as Array<{ album_id: string }>;
    return new Set(rows.map((r) => r.album_id));
  }

  /** Remote ids of the media that at least one album item references, by source. */
  async referencedMedia(source: MediaSource): Promise<Set<string>> {
    const rows = (await this.knex('album_items')
      .where({ account: this.account, media_source: source })
      .distinct('media_remote_id')) as Array<{ media_remote_id: string }>;
    return new Set(rows.map((r) => r.media_remote_id));
  }

  /** album_items (as `i`) joined to the media items (as `m`) that hold the members' bytes. */
  private withMedia(): Knex.QueryBuilder {
    return this.knex('album_items as i').join('media_items as m', function () {
      this.on('m.account', 'i.account')
        .andOn('m.source', 'i.media_source')
        .andOn('m.remote_id', 'i.media_remote_id');
    });
  }

  private itemToDb(i: AlbumItemRow): Record<string, unknown> {
    return {
      account: this.account,
      album_id: i.albumId,
      photo_id: i.photoId,
      position: i.position,
      // Postgres text cannot hold NUL.
      name: i.name.replaceAll('\u0000', '\ufffd'),
      size: i.size,
      taken_time: i.takenTime,
      mime_type: i.mimeType,
      is_video: i.isVideo,
      media_url: i.mediaUrl,
      media_source: i.mediaSource,
      media_remote_id: i.mediaRemoteId,
      entry_name: i.entryName,
    };
  }
}

function albumFromDb(r: Record<string, unknown>): AlbumRow {
  return {
    albumId: String(r.album_id),
    title: String(r.title),
    albumType: (r.album_type as string | null) ?? null,
    albumTime: toDate(r.album_time) as Date,
    updated: String(r.updated),
    numPhotos: toNumber(r.num_photos) ?? 0,
    source: (r.source as AlbumSource | undefined) ?? 'picasa',
    description: (r.description as string | null | undefined) ?? null,
    listedCount: toNumber(r.listed_count) ?? 0,
    listedComplete: r.listed_complete === true,
    relPath: (r.rel_path as string | null) ?? null,
    pathKey: (r.path_key as string | null) ?? null,
    linksHash: (r.links_hash as string | null) ?? null,
    goneAt: toDate(r.gone_at),
  };
}

function itemFromDb(r: Record<string, unknown>): AlbumItemRow {
  return {
    albumId: String(r.album_id),
    photoId: String(r.photo_id),
    position: toNumber(r.position) ?? 0,
    name: String(r.name),
    size: toNumber(r.size),
    takenTime: toDate(r.taken_time),
    mimeType: String(r.mime_type),
    isVideo: r.is_video === true,
    mediaUrl: String(r.media_url),
    mediaSource: r.media_source as MediaSource,
    mediaRemoteId: String(r.media_remote_id),
    entryName: (r.entry_name as string | null) ?? null,
  };
}
