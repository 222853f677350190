import type { Knex } from 'knex';

/**
 * The initial schema. Every row is keyed by `account`, so one database can hold several accounts.
 * `media_items.path_key` is unique per account but DEFERRABLE INITIALLY DEFERRED: within one
 * transaction two items may swap paths, and only the committed state must be unique.
 */
const statements = [
  `CREATE TABLE media_items (
    account text NOT NULL,
    source text NOT NULL CHECK (source IN ('drive', 'picasa')),
    remote_id text NOT NULL,
    folder_id text NULL,
    rel_path text NOT NULL,
    path_key text NOT NULL,
    original_name text NOT NULL,
    base_name text NOT NULL,
    dup_number int NOT NULL DEFAULT 0,
    size bigint NULL,
    md5 text NULL,
    mime_type text NOT NULL,
    taken_time timestamptz NULL,
    created_time timestamptz NULL,
    modified_time timestamptz NULL,
    state text NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'skipped', 'gone')),
    error text NULL,
    attempts int NOT NULL DEFAULT 0,
    downloaded_at timestamptz NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    listing_hash text NULL,
    PRIMARY KEY (account, source, remote_id),
    CONSTRAINT media_items_path_key_unique UNIQUE (account, path_key) DEFERRABLE INITIALLY DEFERRED
  )`,
  `CREATE INDEX media_items_account_state_idx ON media_items (account, state)`,
  `CREATE INDEX media_items_account_source_state_idx ON media_items (account, source, state)`,
  `CREATE TABLE drive_folders (
    account text NOT NULL,
    folder_id text NOT NULL,
    name text,
    parent_id text NULL,
    rel_path text NOT NULL,
    last_seen_at timestamptz,
    PRIMARY KEY (account, folder_id)
  )`,
  `CREATE TABLE sync_state (
    account text NOT NULL,
    key text NOT NULL,
    value jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account, key)
  )`,
];

export async function up(knex: Knex): Promise<void> {
  // One statement per call: PGlite's extended-protocol queries take a single statement.
  for (const sql of statements) await knex.raw(sql);
}

export function down(): Promise<void> {
  throw new Error('migrations are forward-only: restore a backup to go back');
}
