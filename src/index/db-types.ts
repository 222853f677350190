/**
 * What an opened index is, for db.ts and the two openers (server-db.ts, embedded-db.ts), which
 * would otherwise import each other.
 */
import type { Knex } from 'knex';

/** An open, migrated index database. */
export interface IndexDb {
  knex: Knex;
  backend: 'postgres' | 'embedded';
  /** Where it lives, fit for logs and messages: the URL without its password, or the data dir. */
  location: string;
  /** Destroys the pool (and PGlite) and releases the embedded lock. Idempotent. */
  close(): Promise<void>;
}

export interface IndexLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}
