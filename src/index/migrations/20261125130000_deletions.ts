import type { Knex } from 'knex';

/**
 * Deletions upstream are recorded, never silently applied, and local moves replace downloads.
 * - `gone_at`: when a pass noticed the item was trashed or removed upstream (state `gone`);
 *   `gone_reason` says how ("trashed in Drive", "no longer in any album (was in: ...)").
 * - `removed_at`: when `--do-delete` removed the local file of a gone item.
 * - `moved_from`: the path a downloaded file had before a rename or move upstream; the download
 *   phase renames the local file instead of downloading it again, then clears this.
 */
const statements = [
  `ALTER TABLE media_items ADD COLUMN gone_at timestamptz NULL`,
  `ALTER TABLE media_items ADD COLUMN gone_reason text NULL`,
  `ALTER TABLE media_items ADD COLUMN removed_at timestamptz NULL`,
  `ALTER TABLE media_items ADD COLUMN moved_from text NULL`,
  `CREATE INDEX media_items_gone_idx ON media_items (account, gone_at) WHERE state = 'gone'`,
];

export async function up(knex: Knex): Promise<void> {
  // One statement per call: PGlite's extended-protocol queries take a single statement.
  for (const sql of statements) await knex.raw(sql);
}

export function down(): Promise<void> {
  throw new Error('migrations are forward-only: restore a backup to go back');
}
