import type { Knex } from 'knex';

/**
 * Albums and their members, read from the Picasa feeds.
 *
 * An album item is matched either to a Drive item (same original name and size: the album links
 * to the Drive file) or to a Photos-only item (`media_items.source = 'picasa'`, downloaded into
 * picasa/). `album_items.(media_source, media_remote_id)` names that item, with a foreign key, so
 * `psql` can join both ways: which albums hold this file, which album items are not in Drive.
 * Picasa gives the same photo a different `photo_id` in every album; the Photos-only item is keyed
 * by its content identity instead (see sync/picasa-index.ts), so it is downloaded once.
 */
const statements = [
  `CREATE TABLE albums (
    account text NOT NULL,
    album_id text NOT NULL,
    title text NOT NULL,
    album_type text NULL,
    album_time timestamptz NOT NULL,
    updated text NOT NULL,
    num_photos int NOT NULL,
    listed_count int NOT NULL DEFAULT 0,
    listed_complete boolean NOT NULL DEFAULT false,
    rel_path text NULL,
    path_key text NULL,
    links_hash text NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    gone_at timestamptz NULL,
    PRIMARY KEY (account, album_id),
    CONSTRAINT albums_path_key_unique UNIQUE (account, path_key) DEFERRABLE INITIALLY DEFERRED
  )`,
  `CREATE TABLE album_items (
    account text NOT NULL,
    album_id text NOT NULL,
    photo_id text NOT NULL,
    position int NOT NULL,
    name text NOT NULL,
    size bigint NULL,
    taken_time timestamptz NULL,
    mime_type text NOT NULL,
    is_video boolean NOT NULL,
    media_url text NOT NULL,
    media_source text NOT NULL CHECK (media_source IN ('drive', 'picasa')),
    media_remote_id text NOT NULL,
    entry_name text NULL,
    PRIMARY KEY (account, album_id, photo_id),
    FOREIGN KEY (account, album_id) REFERENCES albums (account, album_id) ON DELETE CASCADE,
    FOREIGN KEY (account, media_source, media_remote_id)
      REFERENCES media_items (account, source, remote_id) DEFERRABLE INITIALLY DEFERRED
  )`,
  `CREATE INDEX album_items_media_idx ON album_items (account, media_source, media_remote_id)`,
  // For people with psql: one row per album entry, with the file it points at.
  `CREATE VIEW album_entries AS
    SELECT a.account, a.title AS album, a.rel_path AS album_folder, i.entry_name, i.name,
           i.media_source, m.rel_path AS file_path, m.state, m.size, i.taken_time, a.album_id, i.photo_id
      FROM album_items i
      JOIN albums a ON a.account = i.account AND a.album_id = i.album_id
      JOIN media_items m ON m.account = i.account AND m.source = i.media_source
                        AND m.remote_id = i.media_remote_id`,
];

export async function up(knex: Knex): Promise<void> {
  // One statement per call: PGlite's extended-protocol queries take a single statement.
  for (const sql of statements) await knex.raw(sql);
}

export function down(): Promise<void> {
  throw new Error('migrations are forward-only: restore a backup to go back');
}
