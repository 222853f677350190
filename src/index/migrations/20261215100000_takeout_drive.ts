import type { Knex } from 'knex';

/**
 * Takeout parts read from Drive's Takeout folder (sync/sources/takeout/drive-parts.ts). A Drive part's
 * `location` is `drive:<fileId>`; these columns say more:
 * - `drive_id`: the Drive file id (null for a local part);
 * - `md5`: Drive's `md5Checksum` of the part when it was found: with the id, the part's version
 *   (a part whose md5 changes is read again, as a local part whose size or mtime changes);
 * - `checked`: how the bytes read were checked once the part was read: `md5` (the whole part was
 *   read in one pass and matched Drive's md5) or `crc` (only the entries' CRC-32s were: a part
 *   resumed after a killed pass, or read with large runs of already filed entries jumped over);
 * - `trashed_at`: when `--takeout-trash-parts` moved the part to the Drive trash.
 */
const statements = [
  `ALTER TABLE takeout_parts ADD COLUMN drive_id text NULL`,
  `ALTER TABLE takeout_parts ADD COLUMN md5 text NULL`,
  `ALTER TABLE takeout_parts ADD COLUMN checked text NULL CHECK (checked IN ('md5', 'crc'))`,
  `ALTER TABLE takeout_parts ADD COLUMN trashed_at timestamptz NULL`,
];

export async function up(knex: Knex): Promise<void> {
  // One statement per call: PGlite's extended-protocol queries take a single statement.
  for (const sql of statements) await knex.raw(sql);
}

export function down(): Promise<void> {
  throw new Error('migrations are forward-only: restore a backup to go back');
}
