import type { Knex } from 'knex';

/**
 * The Takeout source (sync/takeout-*.ts).
 * - `takeout_exports`, `takeout_parts`: every export and part a pass has seen, and how far it was
 *   read. A part's `next_entry` is the first entry not yet recorded: a killed pass resumes there.
 *   A part `read` is never read again (it is recognised by its name, size and mtime).
 * - `takeout_entries`: the catalogue of an export while it is being read (media entries with
 *   their content, parsed sidecars and album JSONs). Deleted once the export is filed.
 * - `takeout_items`: one row per library item ever filed, with what its sidecar says. The bytes
 *   are the `media_items` row it names: `source = 'takeout'` for a file in photos/, or the Drive
 *   item that already holds the same file (same name and size).
 * - `albums.source` tells Picasa's albums from Takeout's: each source marks only its own gone.
 * - `takeout_library` joins the items to their files, for `gphotos-sync query`.
 */
const statements = [
  `ALTER TABLE media_items DROP CONSTRAINT media_items_source_check`,
  `ALTER TABLE media_items ADD CONSTRAINT media_items_source_check
     CHECK (source IN ('drive', 'picasa', 'takeout'))`,
  `ALTER TABLE album_items DROP CONSTRAINT album_items_media_source_check`,
  `ALTER TABLE album_items ADD CONSTRAINT album_items_media_source_check
     CHECK (media_source IN ('drive', 'picasa', 'takeout'))`,
  `ALTER TABLE albums ADD COLUMN source text NOT NULL DEFAULT 'picasa'
     CHECK (source IN ('picasa', 'takeout'))`,
  `ALTER TABLE albums ADD COLUMN description text NULL`,
  `CREATE TABLE takeout_exports (
    account text NOT NULL,
    export_id text NOT NULL,
    state text NOT NULL CHECK (state IN ('waiting', 'reading', 'read')),
    complete boolean NOT NULL DEFAULT false,
    parts int NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz NULL,
    items_added int NOT NULL DEFAULT 0,
    note text NULL,
    PRIMARY KEY (account, export_id)
  )`,
  `CREATE TABLE takeout_parts (
    account text NOT NULL,
    export_id text NOT NULL,
    number int NOT NULL,
    file_name text NOT NULL,
    location text NOT NULL,
    format text NOT NULL CHECK (format IN ('zip', 'tgz', 'dir')),
    size bigint NOT NULL,
    mtime timestamptz NOT NULL,
    state text NOT NULL CHECK (state IN ('pending', 'reading', 'read', 'bad')),
    next_entry int NOT NULL DEFAULT 0,
    bad_entries int NOT NULL DEFAULT 0,
    bytes_written bigint NOT NULL DEFAULT 0,
    read_at timestamptz NULL,
    error text NULL,
    PRIMARY KEY (account, export_id, number),
    FOREIGN KEY (account, export_id) REFERENCES takeout_exports (account, export_id) ON DELETE CASCADE
  )`,
  `CREATE TABLE takeout_entries (
    account text NOT NULL,
    export_id text NOT NULL,
    part_number int NOT NULL,
    entry_index int NOT NULL,
    path text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('media', 'json', 'bad')),
    size bigint NULL,
    crc32 bigint NULL,
    md5 text NULL,
    facts jsonb NULL,
    problem text NULL,
    PRIMARY KEY (account, export_id, part_number, entry_index),
    FOREIGN KEY (account, export_id) REFERENCES takeout_exports (account, export_id) ON DELETE CASCADE
  )`,
  `CREATE TABLE takeout_items (
    account text NOT NULL,
    item_id text NOT NULL,
    identity text NOT NULL,
    media_source text NOT NULL CHECK (media_source IN ('drive', 'takeout')),
    media_remote_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('original', 'edited', 'companion')),
    partner_id text NULL,
    title text NOT NULL,
    description text NOT NULL DEFAULT '',
    taken_time timestamptz NULL,
    date_source text NOT NULL,
    created_time timestamptz NULL,
    latitude double precision NULL,
    longitude double precision NULL,
    altitude double precision NULL,
    people text[] NOT NULL DEFAULT '{}',
    favorited boolean NOT NULL DEFAULT false,
    archived boolean NOT NULL DEFAULT false,
    origin text NULL,
    device_type text NULL,
    device_folder text NULL,
    app_source text NULL,
    url text NULL,
    size bigint NOT NULL,
    crc32 bigint NULL,
    md5 text NOT NULL,
    archive_name text NOT NULL,
    first_export text NOT NULL,
    last_export text NOT NULL,
    PRIMARY KEY (account, item_id)
  )`,
  `CREATE UNIQUE INDEX takeout_items_identity_idx ON takeout_items (account, identity)`,
  `CREATE INDEX takeout_items_content_idx ON takeout_items (account, md5, size)`,
  `CREATE VIEW takeout_library AS
    SELECT t.account, t.item_id, t.title, t.description, t.taken_time, t.date_source, t.kind,
           t.latitude, t.longitude, t.altitude, t.people, t.favorited, t.archived, t.origin,
           t.device_type, t.device_folder, t.app_source, t.url, t.size, t.md5,
           t.first_export, t.last_export, t.media_source, m.rel_path AS file_path, m.state
      FROM takeout_items t
      LEFT JOIN media_items m ON m.account = t.account AND m.source = t.media_source
                             AND m.remote_id = t.media_remote_id`,
];

export async function up(knex: Knex): Promise<void> {
  // One statement per call: PGlite's extended-protocol queries take a single statement.
  for (const sql of statements) await knex.raw(sql);
}

export function down(): Promise<void> {
  throw new Error('migrations are forward-only: restore a backup to go back');
}
