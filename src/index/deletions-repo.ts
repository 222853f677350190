import type { MediaSource } from './media-repo.ts';
import { AccountRepo, chunks, toDate, toNumber } from './sql-util.ts';

/** One item deleted or trashed upstream (state 'gone'), as `gphotos-sync deleted` lists it. */
export interface DeletedItem {
  source: MediaSource;
  remoteId: string;
  /** Where its local file is (or was), relative to ROOT: `moved_from` when set, else rel_path. */
  relPath: string;
  size: number | null;
  /** When a pass noticed it gone; null only for rows marked before gone_at existed. */
  goneAt: Date | null;
  goneReason: string | null;
  /** When `--do-delete` removed the local file (or found it already absent); null: it is kept. */
  removedAt: Date | null;
  /** Titles of the albums that still list it, sorted, each once (gone albums included). */
  albums: string[];
}

/** A gone item whose local file may still be on disk. */
export interface RemovalCandidate {
  source: MediaSource;
  remoteId: string;
  /** Where its local file is, relative to ROOT (`moved_from` when set, else rel_path). */
  relPath: string;
}

/** The path of a row's local file: a move upstream not yet applied leaves it at moved_from. */
const localPath = 'COALESCE(g.moved_from, g.rel_path)';

/**
 * Gone rows whose file was not removed, and whose local path no live row (any state but 'gone')
 * holds as its path or as the place its file still is (moved_from): that file is someone else's.
 * Compared case-insensitively, as the tree's path keys are. Postgres plans both NOT EXISTS as
 * hash anti-joins, so a large deletion is not quadratic.
 */
const candidateWhere = `g.account = ? AND g.state = 'gone' AND g.removed_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM media_items l
                   WHERE l.account = g.account AND l.state <> 'gone'
                     AND lower(l.rel_path) = lower(${localPath}))
  AND NOT EXISTS (SELECT 1 FROM media_items l
                   WHERE l.account = g.account AND l.state <> 'gone' AND l.moved_from IS NOT NULL
                     AND lower(l.moved_from) = lower(${localPath}))`;

/**
 * Queries over the gone rows of `media_items` of one account, for the `deleted` report and the
 * `--do-delete` executor. Rows become gone elsewhere (MediaRepo.markGone); a gone row listed
 * again upstream stops being gone there, and loses removed_at with it.
 */
export class DeletionsRepo extends AccountRepo {
  /**
   * Every gone item, noticed at or after `since` when given (rows without gone_at are then left
   * out), oldest notice first, then by path. Albums come from album_items: an item that left
   * every album (a Photos-only item gone that way) has none, and its gone_reason names them.
   */
  async list(opts: { since?: Date | null } = {}): Promise<DeletedItem[]> {
    const since = opts.since ?? null;
    const res = (await this.knex.raw(
      `SELECT g.source, g.remote_id, ${localPath} AS local_path, g.size, g.gone_at, g.gone_reason,
              g.removed_at,
              (SELECT array_to_json(array_agg(DISTINCT a.title ORDER BY a.title))
                 FROM album_items i
                 JOIN albums a ON a.account = i.account AND a.album_id = i.album_id
                WHERE i.account = g.account AND i.media_source = g.source
                  AND i.media_remote_id = g.remote_id)::text AS albums
         FROM media_items g
        WHERE g.account = ? AND g.state = 'gone'
          AND (?::timestamptz IS NULL OR g.gone_at >= ?::timestamptz)
        ORDER BY g.gone_at NULLS FIRST, ${localPath} COLLATE "C", g.source, g.remote_id`,
      [this.account, since, since],
    )) as { rows: Record<string, unknown>[] };
    return res.rows.map((r) => ({
      source: r.source as MediaSource,
      remoteId: String(r.remote_id),
      relPath: String(r.local_path),
      size: toNumber(r.size),
      goneAt: toDate(r.gone_at),
      goneReason: (r.gone_reason as string | null) ?? null,
      removedAt: toDate(r.removed_at),
      albums: r.albums === null ? [] : (JSON.parse(String(r.albums)) as string[]),
    }));
  }

  /**
   * Gone items whose local file has not been removed yet, by path (byte order). A path that a live item of
   * the account holds (see `candidateWhere`) is never one: such rows are left out, not marked.
   */
  async candidates(): Promise<RemovalCandidate[]> {
    const res = (await this.knex.raw(
      `SELECT g.source, g.remote_id, ${localPath} AS local_path FROM media_items g
        WHERE ${candidateWhere}
        ORDER BY ${localPath} COLLATE "C", g.source, g.remote_id`,
      [this.account],
    )) as { rows: Record<string, unknown>[] };
    return res.rows.map((r) => ({
      source: r.source as MediaSource,
      remoteId: String(r.remote_id),
      relPath: String(r.local_path),
    }));
  }

  /** How many `candidates()` there are: gone items whose local file may still be on disk. */
  async countCandidates(): Promise<number> {
    const res = (await this.knex.raw(
      `SELECT count(*) AS n FROM media_items g WHERE ${candidateWhere}`,
      [this.account],
    )) as { rows: Array<{ n: unknown }> };
    return toNumber(res.rows[0]?.n) ?? 0;
  }

  /**
   * The size of the library the deletion guard takes its 10% of: every item of the account the
   * index holds, in any state (gone ones included), except those whose file `--do-delete`
   * already removed. That is the library as the backup held it before this pass removes anything.
   */
  async librarySize(): Promise<number> {
    const row = (await this.knex('media_items')
      .where({ account: this.account })
      .whereNull('removed_at')
      .count({ n: '*' })
      .first()) as { n: unknown } | undefined;
    return toNumber(row?.n) ?? 0;
  }

  /**
   * Sets removed_at = at on the named items, when they are still gone and not marked removed
   * (one statement per 1,000). Names of other rows are ignored.
   */
  async markRemoved(
    items: ReadonlyArray<{ source: MediaSource; remoteId: string }>,
    at: Date,
  ): Promise<void> {
    for (const chunk of chunks(items)) {
      const values = chunk.map(() => '(?::text, ?::text)').join(', ');
      await this.knex.raw(
        `UPDATE media_items AS m SET removed_at = ?
           FROM (VALUES ${values}) AS v(source, remote_id)
          WHERE m.account = ? AND m.source = v.source AND m.remote_id = v.remote_id
            AND m.state = 'gone' AND m.removed_at IS NULL`,
        [at, ...chunk.flatMap((i) => [i.source, i.remoteId]), this.account],
      );
    }
  }
}
