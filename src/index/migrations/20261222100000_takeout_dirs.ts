import type { Knex } from 'knex';

/**
 * An index of the Takeout rows of `media_items` by folder, for MediaRepo.inDirs: filing an export
 * asks, per chunk of 2,000 items, for what the chunk's folders of photos/ already hold, and
 * without it each ask read and matched every Takeout row (a 112,783-item export: 57 asks, each a
 * scan of up to 112,783 rows; 179 ms an ask at the end on server Postgres, 3 ms with it). The
 * expression is inDirs' own, so the planner matches it; partial, so the Drive rows (written on
 * every pass) pay nothing for it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `CREATE INDEX media_items_takeout_dir_idx ON media_items (account, (regexp_replace(path_key, '/[^/]*$', ''))) WHERE source = 'takeout'`,
  );
}

export function down(): Promise<void> {
  throw new Error('migrations are forward-only: restore a backup to go back');
}
