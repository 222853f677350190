import type { Knex } from 'knex';

/**
 * One row per pass, so `psql` (or `gphotos-sync query`) shows the job's history. A pass inserts its
 * row when it starts (`finished_at` null) and completes it when it ends, so a pass killed with
 * SIGKILL or an OOM leaves a row without `finished_at`. The key counts are columns for plain SQL;
 * `summary` holds the whole `sync finished` summary (requests, retries, peakRssMb, ...).
 */
const statements = [
  `CREATE TABLE runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz NULL,
    exit_code int NULL,
    error text NULL,
    indexed bigint NULL,
    downloaded bigint NULL,
    failed bigint NULL,
    bytes bigint NULL,
    duration_seconds double precision NULL,
    summary jsonb NULL,
    host text NULL,
    pid int NULL
  )`,
  `CREATE INDEX runs_account_started_idx ON runs (account, started_at)`,
];

export async function up(knex: Knex): Promise<void> {
  // One statement per call: PGlite's extended-protocol queries take a single statement.
  for (const sql of statements) await knex.raw(sql);
}

export function down(): Promise<void> {
  throw new Error('migrations are forward-only: restore a backup to go back');
}
