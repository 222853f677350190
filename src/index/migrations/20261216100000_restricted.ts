import type { Knex } from 'knex';

/**
 * Drive of today (issue 15): files that cannot be downloaded, and sha256 checksums.
 * - `media_items.state` may be `restricted`: Drive will not hand out the bytes (capabilities say
 *   so, the owner restricted downloads, or the file is flagged as abuse). Such a row is not asked
 *   for again until a listing or the changes feed says something about it changed.
 * - `restriction`: why, for a `restricted` row: `no-download` (capabilities.canDownload false),
 *   `refused` (Drive answered 403 cannotDownloadFile although its capabilities allowed it),
 *   `abuse` (flagged as malware or spam, and not ours to acknowledge). Null otherwise.
 * - `sha256`: Drive's `sha256Checksum` (lowercase hex) when it gives one; downloads and
 *   `verify --checksums` check it in preference to md5.
 */
const statements = [
  `ALTER TABLE media_items ADD COLUMN sha256 text NULL`,
  `ALTER TABLE media_items ADD COLUMN restriction text NULL
     CHECK (restriction IN ('no-download', 'refused', 'abuse'))`,
  `ALTER TABLE media_items DROP CONSTRAINT media_items_state_check`,
  `ALTER TABLE media_items ADD CONSTRAINT media_items_state_check
     CHECK (state IN ('pending', 'done', 'failed', 'skipped', 'gone', 'restricted'))`,
];

export async function up(knex: Knex): Promise<void> {
  // One statement per call: PGlite's extended-protocol queries take a single statement.
  for (const sql of statements) await knex.raw(sql);
}

export function down(): Promise<void> {
  throw new Error('migrations are forward-only: restore a backup to go back');
}
