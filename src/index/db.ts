import type { PGlite } from '@electric-sql/pglite';
import { openEmbedded } from './embedded-db.ts';
import { openServer } from './server-db.ts';
import type { IndexDb, IndexLog } from './db-types.ts';

export type { IndexDb, IndexLog } from './db-types.ts';

export interface OpenIndexOptions {
  /** A server Postgres; when absent (or null/empty), the embedded PGlite index is used. */
  databaseUrl?: string | null;
  /** ROOT/.gphotos: holds the embedded data dir (`index/`) and its lock file (`index.lock`). */
  embeddedDir: string;
  log?: IndexLog;
  /** How to open PGlite; defaults to the tuned `openPglite` of pglite.ts. For measurements. */
  openPglite?: (dataDir: string) => Promise<PGlite>;
}

/**
 * Opens the index and migrates it to the latest schema before returning.
 *
 * - Server Postgres: migrations run under a session advisory lock, so two processes starting at
 *   once both succeed (the second waits, then finds nothing to do). A connection failure is a
 *   `SyncError('fatal')` naming the URL without its password.
 * - Embedded: takes the exclusive lock file first (`SyncError('locked')`, exit 6, when another live
 *   process holds it); creates the data dir on first use.
 */
export function openIndex(opts: OpenIndexOptions): Promise<IndexDb> {
  return opts.databaseUrl
    ? openServer(opts.databaseUrl, opts.log)
    : openEmbedded(opts.embeddedDir, opts.log, opts.openPglite);
}
