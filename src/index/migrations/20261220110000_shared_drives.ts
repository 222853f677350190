import type { Knex } from 'knex';

/**
 * Shared drives (sync/sources/shared-drives/):
 * - `media_items.source` and `album_items.media_source` take `shared-drive`: the items of every
 *   shared drive backed up, under shared-drives/ (its own top, so no name can mix them with My
 *   Drive's files).
 * - `drive_folders.scope` tells whose folder a row is: '' for My Drive, a shared drive's id for
 *   that drive's. Each drive's changes feed works on its own folders only: My Drive's feed must
 *   never take a shared drive's folders for folders that left the backup.
 */
const statements = [
  `ALTER TABLE media_items DROP CONSTRAINT media_items_source_check`,
  `ALTER TABLE media_items ADD CONSTRAINT media_items_source_check
     CHECK (source IN ('drive', 'picasa', 'takeout', 'shared-drive'))`,
  `ALTER TABLE album_items DROP CONSTRAINT album_items_media_source_check`,
  `ALTER TABLE album_items ADD CONSTRAINT album_items_media_source_check
     CHECK (media_source IN ('drive', 'picasa', 'takeout', 'shared-drive'))`,
  `ALTER TABLE drive_folders ADD COLUMN scope text NOT NULL DEFAULT ''`,
  `CREATE INDEX drive_folders_account_scope_idx ON drive_folders (account, scope)`,
];

export async function up(knex: Knex): Promise<void> {
  // One statement per call: PGlite's extended-protocol queries take a single statement.
  for (const sql of statements) await knex.raw(sql);
}

export function down(): Promise<void> {
  throw new Error('migrations are forward-only: restore a backup to go back');
}
