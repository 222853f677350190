/**
 * One pass at a time per account on a Postgres server: a session advisory lock keyed by the
 * account, held on one connection for the whole pass. A pass whose pod dies loses its connection
 * and with it the lock, so there is never a stale lock to clean up. (The embedded index has its
 * own exclusive lock file in front of the data dir; see embedded-lock.ts.)
 *
 * Advisory locks are per server, not per database, so the key includes the database name: two
 * databases on one server never block each other.
 *
 * Contract: `acquirePassLock` resolves with a handle once this process holds the lock, or throws
 * SyncError('locked') at once (exit 6) naming the holder (pid and host) when another holds it.
 */
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import { SyncError } from '../errors/errors.ts';

/** First half of the two-int advisory key: 'gps' + 0, so our locks are easy to find in pg_locks. */
const LOCK_CLASS = 0x67707300;

export interface PassLock {
  release(): Promise<void>;
}

interface PgConnection {
  query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

export async function acquirePassLock(knex: Knex, account: string): Promise<PassLock> {
  const client = knex.client as {
    acquireConnection(): Promise<PgConnection>;
    releaseConnection(c: PgConnection): Promise<void>;
  };
  const conn = await client.acquireConnection();
  const tag = `gphotos-sync pid=${process.pid} host=${hostname()} account=${account}`;
  try {
    await conn.query('SELECT set_config($1, $2, false)', ['application_name', tag.slice(0, 63)]);
    const { rows } = await conn.query(
      'SELECT pg_try_advisory_lock($1, hashtext(current_database() || $2)) AS ok',
      [LOCK_CLASS, `/pass/${account}`],
    );
    if (rows[0]?.ok === true) {
      return {
        release: async () => {
          try {
            await conn.query('SELECT pg_advisory_unlock($1, hashtext(current_database() || $2))', [
              LOCK_CLASS,
              `/pass/${account}`,
            ]);
          } finally {
            await client.releaseConnection(conn);
          }
        },
      };
    }
    const holder = await conn.query(
      `SELECT a.application_name AS name, a.backend_start AS since
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid
          AND l.objid = (hashtext(current_database() || $2)::bigint & 4294967295)::oid AND l.objsubid = 2`,
      [LOCK_CLASS, `/pass/${account}`],
    );
    const who = String(holder.rows[0]?.name ?? 'an unknown process');
    await client.releaseConnection(conn);
    throw new SyncError('locked', `another pass of account "${account}" is running (${who})`, {
      hints: ['wait for it to finish; a pass that died releases the lock with its connection'],
    });
  } catch (err) {
    if (err instanceof SyncError) throw err;
    await client.releaseConnection(conn).catch(() => {});
    throw err;
  }
}
