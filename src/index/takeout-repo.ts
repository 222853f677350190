import type { Knex } from 'knex';
import { lazyChunks, toDate, toNumber } from './sql-util.ts';

/**
 * The Takeout tables of one account (see migrations/20261206100000_takeout.ts): exports and parts
 * with how far they were read, the catalogue of an export being read, and the items filed.
 */

export type ExportState = 'waiting' | 'reading' | 'read';
export type PartState = 'pending' | 'reading' | 'read' | 'bad';
export type PartFormat = 'zip' | 'tgz' | 'dir';

export interface PartRow {
  exportId: string;
  number: number;
  fileName: string;
  /** Where the part was found (an absolute path). */
  location: string;
  format: PartFormat;
  size: number;
  mtime: Date;
  state: PartState;
  /** The first entry not yet recorded: a killed pass resumes there. */
  nextEntry: number;
  badEntries: number;
  bytesWritten: number;
  error: string | null;
  /** A part in Drive: its file id (null for a local part). */
  driveId: string | null;
  /** Drive's md5Checksum of the part when found (null for a local part). */
  md5: string | null;
}

export interface ExportRow {
  exportId: string;
  state: ExportState;
  complete: boolean;
  parts: number;
  firstSeenAt: Date;
  readAt: Date | null;
  itemsAdded: number;
  note: string | null;
}

/** One entry of an export's catalogue. */
export interface EntryRecord {
  partNumber: number;
  entryIndex: number;
  path: string;
  kind: 'media' | 'json' | 'bad';
  size: number | null;
  crc32: number | null;
  md5: string | null;
  /** A parsed JSON entry (TakeoutJson), as stored. */
  facts: unknown;
  problem: string | null;
}

/** A filed library item: its identity, content, and the media row that holds its bytes. */
export interface TakeoutItemRow {
  itemId: string;
  identity: string;
  mediaSource: 'drive' | 'takeout';
  mediaRemoteId: string;
  kind: 'original' | 'edited' | 'companion';
  partnerId: string | null;
  title: string;
  description: string;
  takenTime: Date | null;
  dateSource: string;
  createdTime: Date | null;
  latitude: number | null;
  longitude: number | null;
  altitude: number | null;
  people: string[];
  favorited: boolean;
  archived: boolean;
  origin: string | null;
  deviceType: string | null;
  deviceFolder: string | null;
  appSource: string | null;
  url: string | null;
  size: number;
  crc32: number | null;
  md5: string;
  archiveName: string;
  firstExport: string;
  lastExport: string;
}

/** What the reader needs of every filed item to skip bytes it already has. */
export type ItemContent = Pick<
  TakeoutItemRow,
  | 'itemId'
  | 'identity'
  | 'size'
  | 'crc32'
  | 'md5'
  | 'archiveName'
  | 'mediaSource'
  | 'mediaRemoteId'
  | 'dateSource'
>;

export class TakeoutRepo {
  private readonly knex: Knex;
  private readonly account: string;

  constructor(knex: Knex, account: string) {
    this.knex = knex;
    this.account = account;
  }

  async exports(): Promise<ExportRow[]> {
    const rows = (await this.knex('takeout_exports')
      .where({ account: this.account })
      .orderBy('export_id')) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      exportId: String(r.export_id),
      state: r.state as ExportState,
      complete: r.complete === true,
      parts: toNumber(r.parts) ?? 0,
      firstSeenAt: toDate(r.first_seen_at) ?? new Date(),
      readAt: toDate(r.read_at),
      itemsAdded: toNumber(r.items_added) ?? 0,
      note: (r.note as string | null) ?? null,
    }));
  }

  async parts(exportId?: string): Promise<PartRow[]> {
    const q = this.knex('takeout_parts').where({ account: this.account });
    if (exportId !== undefined) q.where({ export_id: exportId });
    const rows = (await q.orderBy(['export_id', 'number'])) as Array<Record<string, unknown>>;
    return rows.map(toPartRow);
  }

  /**
   * Records an export as seen (state, part count, note), keeping `complete` once it was set and
   * never moving a `read` export back.
   */
  async noteExport(
    e: Pick<ExportRow, 'exportId' | 'state' | 'parts' | 'note' | 'complete'>,
  ): Promise<void> {
    await this.knex('takeout_exports')
      .insert({
        account: this.account,
        export_id: e.exportId,
        state: e.state,
        parts: e.parts,
        note: e.note,
        complete: e.complete,
      })
      .onConflict(['account', 'export_id'])
      .merge({
        state: this.knex.raw(
          `CASE WHEN takeout_exports.state = 'read' AND excluded.state <> 'reading' THEN 'read' ELSE excluded.state END`,
        ),
        parts: this.knex.raw('excluded.parts'),
        note: this.knex.raw('excluded.note'),
        complete: this.knex.raw('takeout_exports.complete OR excluded.complete'),
      });
  }

  /**
   * Records a part as found. A part seen before keeps its progress while its size and mtime (and,
   * for a Drive part, its md5) are unchanged; a part that changed (downloaded again) starts over.
   */
  async notePart(
    p: Pick<
      PartRow,
      'exportId' | 'number' | 'fileName' | 'location' | 'format' | 'size' | 'mtime'
    > &
      Partial<Pick<PartRow, 'driveId' | 'md5'>>,
  ): Promise<PartRow> {
    const changed = `takeout_parts.size <> excluded.size OR takeout_parts.mtime <> excluded.mtime OR takeout_parts.md5 IS DISTINCT FROM excluded.md5`;
    const keep = (col: string, fresh: string): Knex.Raw =>
      this.knex.raw(`CASE WHEN ${changed} THEN ${fresh} ELSE takeout_parts.${col} END`);
    const [row] = (await this.knex('takeout_parts')
      .insert({
        account: this.account,
        export_id: p.exportId,
        number: p.number,
        file_name: p.fileName,
        location: p.location,
        format: p.format,
        size: p.size,
        mtime: p.mtime,
        state: 'pending',
        drive_id: p.driveId ?? null,
        md5: p.md5 ?? null,
      })
      .onConflict(['account', 'export_id', 'number'])
      .merge({
        file_name: this.knex.raw('excluded.file_name'),
        location: this.knex.raw('excluded.location'),
        format: this.knex.raw('excluded.format'),
        state: keep('state', `'pending'`),
        next_entry: keep('next_entry', '0'),
        bad_entries: keep('bad_entries', '0'),
        bytes_written: keep('bytes_written', '0'),
        error: keep('error', 'NULL'),
        checked: keep('checked', 'NULL'),
        trashed_at: keep('trashed_at', 'NULL'),
        size: this.knex.raw('excluded.size'),
        mtime: this.knex.raw('excluded.mtime'),
        drive_id: this.knex.raw('excluded.drive_id'),
        md5: this.knex.raw('excluded.md5'),
      })
      .returning('*')) as Array<Record<string, unknown>>;
    return toPartRow(row as Record<string, unknown>);
  }

  /**
   * Records a batch of entries of a part and how far the part was read, in one transaction: a
   * pass killed after it resumes at `nextEntry`, and never records an entry twice.
   */
  async recordEntries(
    exportId: string,
    partNumber: number,
    entries: readonly EntryRecord[],
    progress: { nextEntry: number; badEntries: number; bytesWritten: number },
  ): Promise<void> {
    await this.knex.transaction(async (trx) => {
      // One JSON parameter per batch, unpacked by the server: building a statement with eleven
      // bindings per entry cost more CPU (and garbage) than the rest of recording a batch.
      if (entries.length > 0) {
        await trx.raw(
          `INSERT INTO takeout_entries (account, export_id, ${ENTRY_COLUMNS})
           SELECT ?, ?, ${ENTRY_COLUMNS} FROM jsonb_to_recordset(?::jsonb) AS x(${ENTRY_TYPES})
           ON CONFLICT (account, export_id, part_number, entry_index) DO NOTHING`,
          [this.account, exportId, JSON.stringify(entries.map(toEntryJson))],
        );
      }
      await trx('takeout_parts')
        .where({ account: this.account, export_id: exportId, number: partNumber })
        .update({
          state: 'reading',
          next_entry: progress.nextEntry,
          bad_entries: progress.badEntries,
          bytes_written: progress.bytesWritten,
        });
    });
  }

  async finishPart(
    exportId: string,
    partNumber: number,
    state: 'read' | 'bad',
    error: string | null,
  ): Promise<void> {
    await this.knex('takeout_parts')
      .where({ account: this.account, export_id: exportId, number: partNumber })
      .update({ state, error, read_at: state === 'read' ? new Date() : null });
  }

  /** How the bytes of a part read completely were checked (see the migration's `checked`). */
  async notePartChecked(
    exportId: string,
    partNumber: number,
    checked: 'md5' | 'crc',
  ): Promise<void> {
    await this.knex('takeout_parts')
      .where({ account: this.account, export_id: exportId, number: partNumber })
      .update({ checked });
  }

  /** Records that a Drive part was moved to the Drive trash (`--takeout-trash-parts`). */
  async notePartTrashed(exportId: string, partNumber: number): Promise<void> {
    await this.knex('takeout_parts')
      .where({ account: this.account, export_id: exportId, number: partNumber })
      .update({ trashed_at: new Date() });
  }

  /** When the last export was filed (the newest `read_at`), or null when none was. */
  async lastExportReadAt(): Promise<Date | null> {
    const row = (await this.knex('takeout_exports')
      .where({ account: this.account })
      .max({ at: 'read_at' })
      .first()) as { at: unknown } | undefined;
    return toDate(row?.at);
  }

  /** The export's catalogue, ordered so that the entries of one folder are adjacent. */
  async *entriesOf(exportId: string, pageSize = 5000): AsyncGenerator<EntryRecord[]> {
    let after: [string, number, number] | null = null;
    for (;;) {
      const q = this.knex('takeout_entries')
        .where({ account: this.account, export_id: exportId })
        .orderByRaw('path COLLATE "C", part_number, entry_index')
        .limit(pageSize)
        .select('*');
      if (after !== null) {
        // Keyset paging on (path, part, index), in the same collation as the ORDER BY.
        q.whereRaw(`(path COLLATE "C", part_number, entry_index) > (? COLLATE "C", ?, ?)`, after);
      }
      const rows = (await q) as Array<Record<string, unknown>>;
      if (rows.length === 0) return;
      yield rows.map(toEntryRecord);
      const last = toEntryRecord(rows[rows.length - 1] as Record<string, unknown>);
      after = [last.path, last.partNumber, last.entryIndex];
      if (rows.length < pageSize) return;
    }
  }

  /**
   * The stored facts (a parsed JSON entry, as `EntryRecord.facts`) of the given entries of an
   * export's catalogue, keyed `part:entry`; an entry not recorded is absent.
   */
  async factsAt(
    exportId: string,
    refs: readonly { part: number; entry: number }[],
  ): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    for (const chunk of lazyChunks(refs, 2000)) {
      // Two array parameters, not 4,000 bound pairs; one primary-key probe per pair (a join
      // let the planner scan the whole catalogue for each chunk: 0.35 s a chunk at 300,000).
      const result = (await this.knex.raw(
        `SELECT r.part_number, r.entry_index,
           (SELECT e.facts FROM takeout_entries e
             WHERE e.account = ? AND e.export_id = ?
               AND e.part_number = r.part_number AND e.entry_index = r.entry_index) AS facts
         FROM unnest(?::int[], ?::int[]) AS r(part_number, entry_index)`,
        [
          this.account,
          exportId,
          intArray(chunk.map((r) => r.part)),
          intArray(chunk.map((r) => r.entry)),
        ],
      )) as { rows: Array<Record<string, unknown>> };
      for (const row of result.rows) {
        const e = toEntryRecord(row);
        out.set(`${e.partNumber}:${e.entryIndex}`, e.facts);
      }
    }
    return out;
  }

  /** Entries of media already recorded for an export: what a resumed read need not fetch again. */
  async mediaContentOf(exportId: string): Promise<EntryRecord[]> {
    const rows = (await this.knex('takeout_entries')
      .where({ account: this.account, export_id: exportId, kind: 'media' })
      .select('*')) as Array<Record<string, unknown>>;
    return rows.map(toEntryRecord);
  }

  /**
   * Marks an export filed and drops its catalogue, unless `keepCatalogue` (a part of it is bad:
   * once replaced and read, the export is filed again with every part's entries, so a sidecar in
   * the replaced part still meets its media in the others).
   */
  async finishExport(exportId: string, itemsAdded: number, keepCatalogue = false): Promise<void> {
    await this.knex.transaction(async (trx) => {
      if (!keepCatalogue) {
        await trx('takeout_entries').where({ account: this.account, export_id: exportId }).delete();
      }
      await trx('takeout_exports')
        .where({ account: this.account, export_id: exportId })
        .update({ state: 'read', read_at: new Date(), items_added: itemsAdded });
    });
  }

  /**
   * Every filed item's identity and content (a few columns), a page at a time in item id order:
   * a caller keeps what it needs of each, never every row at once (100,000 rows are ~40 MB).
   */
  async *iterateContents(pageSize = 5000): AsyncGenerator<ItemContent[]> {
    let after = '';
    for (;;) {
      const page = await this.contentWhere(
        (q) => void q.where('item_id', '>', after).orderBy('item_id').limit(pageSize),
      );
      if (page.length === 0) return;
      yield page;
      after = (page[page.length - 1] as ItemContent).itemId;
      if (page.length < pageSize) return;
    }
  }

  /**
   * Inserts or replaces items (every column from the row but `first_export`, which an item keeps).
   * One JSON parameter a chunk, unpacked by the server, as recordEntries does, instead of 500
   * rows of 28 bound columns (112,783 items, filing's step that records them: server Postgres
   * 10.7 -> 6.3 s, the embedded index 24.7 -> 16.7 s).
   */
  async upsertItems(rows: readonly TakeoutItemRow[], trx: Knex = this.knex): Promise<void> {
    for (const chunk of lazyChunks(rows, 1000)) {
      await trx.raw(
        `INSERT INTO takeout_items (account, ${ITEM_COLUMNS.join(', ')})
         SELECT ?, ${ITEM_COLUMNS.join(', ')} FROM jsonb_to_recordset(?::jsonb) AS x(${ITEM_TYPES})
         ON CONFLICT (account, item_id) DO UPDATE SET ${ITEM_MERGE}`,
        [this.account, JSON.stringify(chunk.map(toItemJson))],
      );
    }
  }

  /** Sets `last_export` of items seen again unchanged. */
  async touchItems(itemIds: readonly string[], exportId: string): Promise<void> {
    for (const ids of lazyChunks(itemIds, 5000)) {
      await this.knex('takeout_items')
        .where({ account: this.account })
        .whereIn('item_id', ids)
        .update({ last_export: exportId });
    }
  }

  /** Items the export `exportId` did not hold (their `last_export` is another one). */
  async itemsNotIn(exportId: string): Promise<ItemContent[]> {
    return await this.contentWhere((q) => void q.whereNot({ last_export: exportId }));
  }

  private async contentWhere(filter: (q: Knex.QueryBuilder) => void): Promise<ItemContent[]> {
    const q = this.knex('takeout_items').where({ account: this.account });
    filter(q);
    const rows = (await q.select(
      'item_id',
      'identity',
      'size',
      'crc32',
      'md5',
      'archive_name',
      'media_source',
      'media_remote_id',
      'date_source',
    )) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      itemId: String(r.item_id),
      identity: String(r.identity),
      size: toNumber(r.size) ?? 0,
      crc32: toNumber(r.crc32),
      md5: String(r.md5),
      archiveName: String(r.archive_name),
      mediaSource: r.media_source as 'drive' | 'takeout',
      mediaRemoteId: String(r.media_remote_id),
      dateSource: String(r.date_source),
    }));
  }
}

/** The column names of a jsonb_to_recordset column list (`name type, name type, ...`). */
const namesOf = (types: string): string[] => types.split(', ').map((c) => c.split(' ')[0] ?? c);

const ENTRY_TYPES =
  'part_number int, entry_index int, path text, kind text, size bigint, crc32 bigint, md5 text, facts jsonb, problem text';
const ENTRY_COLUMNS = namesOf(ENTRY_TYPES).join(', ');

/** An entry as one element of recordEntries' JSON parameter (a missing key is SQL NULL). */
function toEntryJson(e: EntryRecord): Record<string, unknown> {
  return {
    part_number: e.partNumber,
    entry_index: e.entryIndex,
    path: e.path,
    kind: e.kind,
    size: e.size,
    crc32: e.crc32,
    md5: e.md5,
    // Left out when null: a JSON null would be stored as the jsonb value null, not SQL NULL.
    facts: e.facts ?? undefined,
    problem: e.problem,
  };
}

/** takeout_items' columns but `account`, with their types, as upsertItems' JSON names them. */
const ITEM_TYPES = [
  'item_id text, identity text, media_source text, media_remote_id text, kind text',
  'partner_id text, title text, description text, taken_time timestamptz, date_source text',
  'created_time timestamptz, latitude double precision, longitude double precision',
  'altitude double precision, people text[], favorited boolean, archived boolean, origin text',
  'device_type text, device_folder text, app_source text, url text, size bigint, crc32 bigint',
  'md5 text, archive_name text, first_export text, last_export text',
].join(', ');
const ITEM_COLUMNS = namesOf(ITEM_TYPES);
const ITEM_MERGE = ITEM_COLUMNS.filter((c) => c !== 'item_id' && c !== 'first_export')
  .map((c) => `${c} = excluded.${c}`)
  .join(', ');

/** An item as one element of upsertItems' JSON parameter (Dates as ISO strings, people an array). */
function toItemJson(r: TakeoutItemRow): Record<string, unknown> {
  return {
    item_id: r.itemId,
    identity: r.identity,
    media_source: r.mediaSource,
    media_remote_id: r.mediaRemoteId,
    kind: r.kind,
    partner_id: r.partnerId,
    title: r.title,
    description: r.description,
    taken_time: r.takenTime,
    date_source: r.dateSource,
    created_time: r.createdTime,
    latitude: r.latitude,
    longitude: r.longitude,
    altitude: r.altitude,
    people: r.people,
    favorited: r.favorited,
    archived: r.archived,
    origin: r.origin,
    device_type: r.deviceType,
    device_folder: r.deviceFolder,
    app_source: r.appSource,
    url: r.url,
    size: r.size,
    crc32: r.crc32,
    md5: r.md5,
    archive_name: r.archiveName,
    first_export: r.firstExport,
    last_export: r.lastExport,
  };
}

function toPartRow(r: Record<string, unknown>): PartRow {
  return {
    exportId: String(r.export_id),
    number: toNumber(r.number) ?? 0,
    fileName: String(r.file_name),
    location: String(r.location),
    format: r.format as PartFormat,
    size: toNumber(r.size) ?? 0,
    mtime: toDate(r.mtime) ?? new Date(0),
    state: r.state as PartState,
    nextEntry: toNumber(r.next_entry) ?? 0,
    badEntries: toNumber(r.bad_entries) ?? 0,
    bytesWritten: toNumber(r.bytes_written) ?? 0,
    error: (r.error as string | null) ?? null,
    driveId: (r.drive_id as string | null | undefined) ?? null,
    md5: (r.md5 as string | null | undefined) ?? null,
  };
}

/** An int[] literal (as both drivers take an array parameter). */
const intArray = (values: readonly number[]): string => `{${values.join(',')}}`;

function toEntryRecord(r: Record<string, unknown>): EntryRecord {
  const facts = r.facts;
  return {
    partNumber: toNumber(r.part_number) ?? 0,
    entryIndex: toNumber(r.entry_index) ?? 0,
    path: String(r.path),
    kind: r.kind as EntryRecord['kind'],
    size: toNumber(r.size),
    crc32: toNumber(r.crc32),
    md5: (r.md5 as string | null) ?? null,
    facts: typeof facts === 'string' ? (JSON.parse(facts) as unknown) : (facts ?? null),
    problem: (r.problem as string | null) ?? null,
  };
}
