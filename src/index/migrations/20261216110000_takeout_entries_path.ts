import type { Knex } from 'knex';

/**
 * An index on an export's catalogue in the order filing reads it (TakeoutRepo.entriesOf: path in
 * the "C" collation, then part and entry): each page is a range of this index instead of a scan
 * and sort of the whole catalogue. A 100,000-photo export has some 300,000 entries; without it,
 * paging through them cost one full sort per page of 5,000 (minutes on a busy server, more in
 * the embedded index).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `CREATE INDEX takeout_entries_by_path ON takeout_entries (account, export_id, path COLLATE "C", part_number, entry_index)`,
  );
}

export function down(): Promise<void> {
  throw new Error('migrations are forward-only: restore a backup to go back');
}
