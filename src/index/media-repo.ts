import { SyncError } from '../errors/errors.ts';
import { arrayLiteral, LISTED_COLUMNS, listedColumns } from './listed-columns.ts';
import {
  AccountRepo,
  chunks,
  isUniqueViolation,
  lazyChunks,
  pipelined,
  toDate,
  toNumber,
} from './sql-util.ts';

/**
 * The name of the source an item comes from (`drive`, `picasa`, `takeout`): the sources are listed in
 * sync/sources/registry.ts, and the CHECK constraint of `media_items.source` holds the same names.
 */
export type MediaSource = string;
/**
 * `restricted`: the source will not hand out the bytes (`restriction` says why); not asked for
 * again until a listing or change says something about the item changed.
 */
export type MediaState = 'pending' | 'done' | 'failed' | 'skipped' | 'gone' | 'restricted';
export const mediaStates: readonly MediaState[] = [
  'pending',
  'done',
  'failed',
  'skipped',
  'gone',
  'restricted',
];
/** Why a `restricted` item cannot be downloaded (the `media_items.restriction` column). */
export type Restriction = 'no-download' | 'refused' | 'abuse';

export interface MediaRow {
  source: MediaSource;
  remoteId: string;
  folderId: string | null;
  /** Relative to ROOT, '/'-separated, e.g. 'drive/Google Photos/2017/IMG_1 (1).jpg'. */
  relPath: string;
  /** The tree layer's collision key (normalised, case-folded relPath); unique per account. */
  pathKey: string;
  originalName: string;
  /** The sanitised name before any ' (n)' suffix. */
  baseName: string;
  dupNumber: number;
  size: number | null;
  md5: string | null;
  /** Lowercase hex sha256 of the bytes, when the source gives one (Drive's sha256Checksum). */
  sha256: string | null;
  mimeType: string;
  takenTime: Date | null;
  createdTime: Date | null;
  modifiedTime: Date | null;
  state: MediaState;
  error: string | null;
  attempts: number;
  downloadedAt: Date | null;
  /** The caller's hash of the listed columns when the row was last written (see upsertListed). */
  listingHash: string | null;
  /** Where the local file still is after a rename or move upstream (see upsertListed). */
  movedFrom: string | null;
  /** Why a `restricted` item cannot be downloaded; null in every other state. */
  restriction: Restriction | null;
}

export type ListedMediaRow = Omit<
  MediaRow,
  | 'state'
  | 'error'
  | 'attempts'
  | 'downloadedAt'
  | 'listingHash'
  | 'movedFrom'
  | 'sha256'
  | 'restriction'
> & {
  /** `restricted` when the listing itself says the bytes cannot be had (with `restriction`). */
  state: 'pending' | 'skipped' | 'restricted';
  listingHash?: string | null;
  sha256?: string | null;
  restriction?: Restriction | null;
};

/** The columns a pass reads for every item on every run: cheap to fetch 100,000 of. */
export type BriefMediaRow = Pick<
  MediaRow,
  | 'remoteId'
  | 'relPath'
  | 'dupNumber'
  | 'originalName'
  | 'size'
  | 'md5'
  | 'sha256'
  | 'state'
  | 'takenTime'
  | 'createdTime'
  | 'listingHash'
  | 'movedFrom'
>;

/** What matching an item by original name and size needs (MediaRepo.iterateNames). */
export type NamedMediaRow = Pick<MediaRow, 'remoteId' | 'relPath' | 'originalName' | 'size'>;

export interface MediaUpdate {
  source: MediaSource;
  remoteId: string;
  state: MediaState;
  /** The new error text; omitted or null clears it. */
  error?: string | null;
  /** Why, with state `restricted` (required then); cleared for any other state. */
  restriction?: Restriction | null;
  /** Omitted keeps the stored value; null clears it. */
  downloadedAt?: Date | null;
  incrementAttempts?: boolean;
}

const PAGE = 5000;

/** The SQL behind `upsertListed` for a row that already exists (see its contract). */
const contentChanged =
  'm.size IS DISTINCT FROM excluded.size OR m.md5 IS DISTINCT FROM excluded.md5';
const moved = 'm.rel_path IS DISTINCT FROM excluded.rel_path';
const reset = `excluded.state = 'skipped' OR m.state IN ('skipped', 'gone', 'restricted') OR ${contentChanged} OR (m.state = 'done' AND ${moved})`;
/**
 * The state a listed row takes (see upsertListed): a file listed as restricted whose bytes we
 * already hold unchanged keeps them (`done`, or `pending` to move its file after a rename).
 */
const nextState = `CASE
  WHEN excluded.state = 'restricted' AND m.state = 'done' AND NOT (${contentChanged})
    THEN CASE WHEN ${moved} THEN 'pending' ELSE 'done' END
  WHEN excluded.state = 'restricted' THEN 'restricted'
  WHEN ${reset} THEN excluded.state
  ELSE m.state END`;
/** Where the item's local file is now, when its path changed upstream (see the contract). */
const movedFrom = `CASE
  WHEN NOT (${moved}) THEN m.moved_from
  WHEN m.moved_from IS NOT NULL AND m.moved_from = excluded.rel_path THEN NULL
  WHEN m.moved_from IS NOT NULL THEN m.moved_from
  WHEN m.state IN ('done', 'gone') AND m.removed_at IS NULL THEN m.rel_path
  ELSE NULL END`;

/**
 * upsertListed as one statement per UPSERT_CHUNK rows: each column travels as one array
 * parameter (unnest), so 1,000 rows cost 21 parameters to build and bind, not 21,000. Not more:
 * the embedded index's WASM heap grows to its largest statement and never shrinks (a 100,000-item
 * index-only pass peaked at 346 MiB with 10,000 rows a statement, 295-302 with 2,000, 291-294
 * with 1,000), and larger chunks save no time.
 */
const UPSERT_CHUNK = 1_000;
const UPSERT_LISTED_SQL = `
INSERT INTO media_items AS m (account, first_seen_at, last_seen_at, ${LISTED_COLUMNS.map((c) => c.name).join(', ')})
SELECT ?::text, ?::timestamptz, ?::timestamptz, ${LISTED_COLUMNS.map((c) => `u.${c.name}::${c.type}`).join(', ')}
  FROM unnest(${LISTED_COLUMNS.map(() => '?::text[]').join(', ')})
    AS u(${LISTED_COLUMNS.map((c) => c.name).join(', ')})
ON CONFLICT (account, source, remote_id) DO UPDATE SET
  folder_id = excluded.folder_id, rel_path = excluded.rel_path, path_key = excluded.path_key,
  original_name = excluded.original_name, base_name = excluded.base_name,
  dup_number = excluded.dup_number, size = excluded.size, md5 = excluded.md5,
  sha256 = excluded.sha256, mime_type = excluded.mime_type, taken_time = excluded.taken_time,
  created_time = excluded.created_time, modified_time = excluded.modified_time,
  last_seen_at = excluded.last_seen_at, listing_hash = excluded.listing_hash,
  state = ${nextState},
  restriction = CASE WHEN (${nextState}) <> 'restricted' THEN NULL
    WHEN excluded.state = 'restricted' THEN excluded.restriction ELSE m.restriction END,
  error = CASE WHEN ${reset} THEN NULL ELSE m.error END,
  attempts = CASE WHEN ${reset} THEN 0 ELSE m.attempts END,
  moved_from = ${movedFrom},
  gone_at = CASE WHEN m.state = 'gone' THEN NULL ELSE m.gone_at END,
  gone_reason = CASE WHEN m.state = 'gone' THEN NULL ELSE m.gone_reason END,
  removed_at = CASE WHEN m.state = 'gone' THEN NULL ELSE m.removed_at END`;

/**
 * markMany's statement: each column one array parameter, as in UPSERT_LISTED_SQL (100,000 updates
 * as 1,000-row VALUES lists bound 8,000 parameters a statement; see markMany's commit for figures).
 */
const MARK_MANY_SQL = `
UPDATE media_items AS m SET
  state = v.state,
  error = v.error,
  downloaded_at = CASE WHEN v.set_downloaded THEN v.downloaded_at ELSE m.downloaded_at END,
  attempts = m.attempts + CASE WHEN v.inc THEN 1 ELSE 0 END,
  moved_from = CASE WHEN v.state = 'done' THEN NULL ELSE m.moved_from END,
  restriction = v.restriction
FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::boolean[], ?::timestamptz[],
            ?::boolean[], ?::text[])
  AS v(source, remote_id, state, error, set_downloaded, downloaded_at, inc, restriction)
WHERE m.account = ? AND m.source = v.source AND m.remote_id = v.remote_id`;

/**
 * Updates per markMany statement. Its arrays are narrower than an upsert's, and on the embedded
 * index 100,000 updates took 6.7 s in chunks of 2,000 against 10-15 s in chunks of 1,000.
 */
const MARK_CHUNK = 2_000;

/** A boolean as the text an array literal of booleans takes; other values as they are. */
const asArrayValue = (v: string | boolean | Date | null | undefined) =>
  typeof v === 'boolean' ? String(v) : v;

/** The `media_items` table of one account. Every method is scoped to that account. */
export class MediaRepo extends AccountRepo {
  /**
   * Inserts or updates rows by (source, remoteId), all-or-nothing in one transaction, 1,000 rows
   * a statement. New rows get the listed state, attempts 0, first_seen_at = last_seen_at = seenAt.
   * Existing rows take every listed column (names, paths, size, md5, times; a rename moves
   * rel_path) and last_seen_at = seenAt; first_seen_at never changes. Their state:
   * - listed 'skipped' -> 'skipped' (the caller no longer wants it);
   * - stored 'skipped' or 'gone', listed 'pending' -> 'pending' (wanted again, or back from trash);
   * - size or md5 differ from the stored ones (any difference, null vs value too) -> 'pending';
   * - a 'done' row whose path changed (renamed or moved upstream) -> 'pending', and `moved_from`
   *   keeps where its file is, so the download phase moves the file instead of downloading it
   *   (a second move before that keeps the first location; moving back clears it);
   * - stored 'restricted' -> the listed state: any write of such a row means the listing or the
   *   changes feed said something about it changed, so it is tried again (a full listing writes
   *   only rows whose listing hash changed; the others stay restricted, costing nothing);
   * - listed 'restricted' -> 'restricted' with the listed `restriction`, except a 'done' row whose
   *   size and md5 did not change: its bytes are here already (it stays 'done', or 'pending' when
   *   its path changed, so the file is moved);
   * - otherwise state, error and attempts are kept ('done' stays done, 'failed' keeps its count).
   * A row back from 'gone' (restored from the trash) loses gone_at, gone_reason and removed_at.
   * Whenever the state is reset as above, error is cleared and attempts go to 0. downloaded_at is
   * never touched here: it still says when the local file was last written.
   * Two rows of the account with the same pathKey after the transaction make the whole call fail
   * with a `SyncError('fatal')` naming the key (the tree layout must prevent it).
   * `rows` may be a generator: it is consumed 1,000 rows at a time inside the transaction, so a
   * large listing is never materialised twice.
   */
  async upsertListed(rows: Iterable<ListedMediaRow>, seenAt: Date): Promise<void> {
    try {
      await this.knex.transaction(async (trx) => {
        await pipelined(
          lazyChunks(rows, UPSERT_CHUNK),
          (chunk) => [this.account, seenAt, seenAt, ...listedColumns(chunk)],
          (params) => trx.raw(UPSERT_LISTED_SQL, params),
        );
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const detail = (err as { detail?: string }).detail ?? (err as Error).message;
      throw new SyncError(
        'fatal',
        `two index entries of account ${this.account} would share one path: ${detail}`,
        {
          cause: err,
        },
      );
    }
  }

  /**
   * Sets last_seen_at = seenAt on the named rows and changes nothing else: what a pass does for
   * items listed unchanged (one statement per 50,000 ids instead of rewriting every row).
   */
  async touchSeen(source: MediaSource, remoteIds: readonly string[], seenAt: Date): Promise<void> {
    // One array parameter per 50,000 ids: far cheaper to build and send than 50,000 bindings.
    for (const ids of chunks(remoteIds, 50_000)) {
      await this.knex.raw(
        'UPDATE media_items SET last_seen_at = ? WHERE account = ? AND source = ? AND remote_id = ANY(?::text[])',
        [seenAt, this.account, source, textArray(ids)],
      );
    }
  }

  /**
   * All rows of a source (optionally only some states) in pages of 5,000, ordered by remote_id
   * with keyset paging, so a large library never sits in one result. Rows changed while iterating
   * may or may not be seen.
   */
  async *iterate(
    source: MediaSource,
    opts: { states?: MediaState[] } = {},
  ): AsyncGenerator<MediaRow[]> {
    for await (const rows of this.pages(source, opts.states, ['*'])) yield rows.map(fromDb);
  }

  /** `iterate`, with only the columns of BriefMediaRow (a pass reads these for every item). */
  async *iterateBrief(
    source: MediaSource,
    opts: { states?: MediaState[] } = {},
  ): AsyncGenerator<BriefMediaRow[]> {
    for await (const rows of this.pages(source, opts.states, briefColumns)) {
      yield rows.map(briefFromDb);
    }
  }

  /**
   * `iterate`, with only what matching by name and size needs (the album pass reads it for every
   * Drive item): no dates to parse, a quarter of the columns of iterateBrief.
   */
  async *iterateNames(
    source: MediaSource,
    opts: { states?: MediaState[] } = {},
  ): AsyncGenerator<NamedMediaRow[]> {
    for await (const rows of this.pages(source, opts.states, nameColumns)) {
      yield rows.map((r) => ({
        remoteId: String(r.remote_id),
        relPath: String(r.rel_path),
        originalName: String(r.original_name),
        size: toNumber(r.size),
      }));
    }
  }

  private async *pages(
    source: MediaSource,
    states: MediaState[] | undefined,
    columns: string[],
  ): AsyncGenerator<Record<string, unknown>[]> {
    if (states && states.length === 0) return;
    let after: string | null = null;
    for (;;) {
      const q = this.knex('media_items').where({ account: this.account, source });
      if (states) q.whereIn('state', states);
      if (after !== null) q.where('remote_id', '>', after);
      const rows = (await q.orderBy('remote_id').limit(PAGE).select(columns)) as Record<
        string,
        unknown
      >[];
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < PAGE) return;
      after = String(rows[rows.length - 1]?.remote_id);
    }
  }

  /** The rows of these remote ids (unknown ids are left out). */
  byIds(source: MediaSource, remoteIds: readonly string[]): Promise<MediaRow[]> {
    return this.whereAny(source, 'remote_id', remoteIds);
  }

  /** The rows whose folder is one of these (Drive folder ids). */
  byFolders(source: MediaSource, folderIds: readonly string[]): Promise<MediaRow[]> {
    return this.whereAny(source, 'folder_id', folderIds);
  }

  /** The rows of `source` whose `column` is one of `values` (one statement per 50,000). */
  private async whereAny(
    source: MediaSource,
    column: 'remote_id' | 'folder_id',
    values: readonly string[],
  ): Promise<MediaRow[]> {
    const out: MediaRow[] = [];
    for (const chunk of chunks(values, 50_000)) {
      const rows = (await this.knex('media_items')
        .where({ account: this.account, source })
        .whereRaw(`${column} = ANY(?::text[])`, [textArray(chunk)])
        .select('*')) as Record<string, unknown>[];
      out.push(...rows.map(fromDb));
    }
    return out;
  }

  /**
   * The rows directly inside these folders, named by the tree's case-folded key of the folder
   * path (`pathKey(dir)`): what a new item of such a folder must not collide with. Takeout's rows
   * are found through an index of this very expression (migration 20261222100000_takeout_dirs):
   * keep the two the same. Brief rows: filing asks this for every chunk of an export, and whole
   * rows were most of what it cost.
   */
  async inDirs(source: MediaSource, dirKeys: readonly string[]): Promise<BriefMediaRow[]> {
    if (dirKeys.length === 0) return [];
    const rows = (await this.knex('media_items')
      .where({ account: this.account, source })
      .whereRaw(`regexp_replace(path_key, '/[^/]*$', '') = ANY(?::text[])`, [textArray(dirKeys)])
      .select(briefColumns)) as Record<string, unknown>[];
    return rows.map(briefFromDb);
  }

  /** Every row of a source in one array: for small libraries and tests. */
  async all(source: MediaSource): Promise<MediaRow[]> {
    const out: MediaRow[] = [];
    for await (const page of this.iterate(source)) out.push(...page);
    return out;
  }

  /**
   * Sets state (and error, downloadedAt, attempts as described on `MediaUpdate`) for many rows, one
   * UPDATE ... FROM unnest(one array per column) per MARK_CHUNK updates, in one transaction.
   * Updates naming rows that do not exist are ignored. If one row is named twice, which update
   * wins is undefined.
   */
  async markMany(updates: MediaUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await this.knex.transaction(async (trx) => {
      for (const chunk of chunks(updates, MARK_CHUNK)) {
        const column = (get: (u: MediaUpdate) => string | boolean | Date | null | undefined) =>
          arrayLiteral(chunk.map((u) => asArrayValue(get(u))));
        await trx.raw(MARK_MANY_SQL, [
          column((u) => u.source),
          column((u) => u.remoteId),
          column((u) => u.state),
          column((u) => u.error ?? null),
          column((u) => u.downloadedAt !== undefined),
          column((u) => u.downloadedAt ?? null),
          column((u) => u.incrementAttempts === true),
          column((u) => (u.state === 'restricted' ? (u.restriction ?? null) : null)),
          this.account,
        ]);
      }
    });
  }

  /**
   * Marks items deleted or trashed upstream: state 'gone', gone_at = at, gone_reason = reason.
   * Rows already gone keep their first gone_at. Their files and paths stay (nothing is deleted
   * here; see `gphotos-sync deleted` and --do-delete). Returns how many rows became gone.
   */
  async markGone(
    source: MediaSource,
    remoteIds: readonly string[],
    at: Date,
    reason: string,
  ): Promise<number> {
    let n = 0;
    for (const ids of chunks(remoteIds, 50_000)) {
      const res = (await this.knex.raw(
        `UPDATE media_items SET state = 'gone', gone_at = ?, gone_reason = ?, error = NULL
          WHERE account = ? AND source = ? AND remote_id = ANY(?::text[]) AND state <> 'gone'`,
        [at, reason, this.account, source, textArray(ids)],
      )) as { rowCount?: number; affectedRows?: number };
      n += res.rowCount ?? res.affectedRows ?? 0;
    }
    return n;
  }

  /**
   * Refreshes the planner's statistics of media_items. Call it after writing many rows: right
   * after a bulk insert the planner still believes the table is small, and plans the foreign-key
   * checks of album_items as sequential scans (measured: 10,000 members took 8 s, 0.6 s after).
   */
  async analyze(): Promise<void> {
    await this.knex.raw('ANALYZE media_items');
  }

  /**
   * The latest created or modified time of the items of `source` not gone upstream; null when it
   * has none. (Drive: when anything last arrived in, or changed in, the backed-up folders.)
   */
  async newestTime(source: MediaSource): Promise<Date | null> {
    const res = (await this.knex.raw(
      `SELECT max(GREATEST(created_time, modified_time)) AS t FROM media_items
        WHERE account = ? AND source = ? AND state <> 'gone'`,
      [this.account, source],
    )) as { rows: Array<{ t: unknown }> };
    return toDate(res.rows[0]?.t ?? null);
  }

  /** Row counts per state (every state present, 0 when none), for one source or all. */
  async countByState(source?: MediaSource): Promise<Record<MediaState, number>> {
    const q = this.knex('media_items').where({ account: this.account });
    if (source) q.where({ source });
    const rows = (await q.groupBy('state').select('state').count({ n: '*' })) as Array<{
      state: MediaState;
      n: unknown;
    }>;
    const out = Object.fromEntries(mediaStates.map((s) => [s, 0])) as Record<MediaState, number>;
    for (const r of rows) out[r.state] = toNumber(r.n) ?? 0;
    return out;
  }
}

function fromDb(r: Record<string, unknown>): MediaRow {
  return {
    source: r.source as MediaSource,
    remoteId: String(r.remote_id),
    folderId: (r.folder_id as string | null) ?? null,
    relPath: String(r.rel_path),
    pathKey: String(r.path_key),
    originalName: String(r.original_name),
    baseName: String(r.base_name),
    dupNumber: toNumber(r.dup_number) ?? 0,
    size: toNumber(r.size),
    md5: (r.md5 as string | null) ?? null,
    sha256: (r.sha256 as string | null) ?? null,
    mimeType: String(r.mime_type),
    takenTime: toDate(r.taken_time),
    createdTime: toDate(r.created_time),
    modifiedTime: toDate(r.modified_time),
    state: r.state as MediaState,
    error: (r.error as string | null) ?? null,
    attempts: toNumber(r.attempts) ?? 0,
    downloadedAt: toDate(r.downloaded_at),
    listingHash: (r.listing_hash as string | null) ?? null,
    movedFrom: (r.moved_from as string | null) ?? null,
    restriction: (r.restriction as Restriction | null) ?? null,
  };
}

function briefFromDb(r: Record<string, unknown>): BriefMediaRow {
  return {
    remoteId: String(r.remote_id),
    relPath: String(r.rel_path),
    dupNumber: toNumber(r.dup_number) ?? 0,
    originalName: String(r.original_name),
    size: toNumber(r.size),
    md5: (r.md5 as string | null) ?? null,
    sha256: (r.sha256 as string | null) ?? null,
    state: r.state as MediaState,
    takenTime: toDate(r.taken_time),
    createdTime: toDate(r.created_time),
    listingHash: (r.listing_hash as string | null) ?? null,
    movedFrom: (r.moved_from as string | null) ?? null,
  };
}

const nameColumns = ['remote_id', 'rel_path', 'original_name', 'size'];

const briefColumns = [
  'remote_id',
  'rel_path',
  'dup_number',
  'original_name',
  'size',
  'md5',
  'sha256',
  'state',
  'taken_time',
  'created_time',
  'listing_hash',
  'moved_from',
];

/** A Postgres text[] literal: knex would expand a JS array into one binding per element. */
function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}
