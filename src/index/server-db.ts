import knexFactory from 'knex';
import pg from 'pg';
import { SyncError } from '../errors/errors.ts';
import type { IndexDb, IndexLog } from './db-types.ts';
import { redactDatabaseUrl } from './db-url.ts';
import { migrationSource } from './migrations/index.ts';

/** The session advisory lock held while migrating: 'GPHOTOS1' as a bigint. */
const MIGRATION_LOCK_KEY = '5138686680383836977';
const CONNECT_TIMEOUT_MS = 15_000;

export async function openServer(url: string, log?: IndexLog): Promise<IndexDb> {
  const location = redactDatabaseUrl(url);
  const lockConn = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // A server-side disconnect while idle is reported by the next query, not as a crash.
  lockConn.on('error', () => undefined);
  try {
    await lockConn.connect();
  } catch (err) {
    await lockConn.end().catch(() => undefined);
    throw connectError(url, location, err);
  }

  const knex = knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: 4 },
    acquireConnectionTimeout: 60_000,
    // knex's own warnings and errors go to the job's log, not as plain lines on stderr; the
    // query that failed reports the error to its caller anyway.
    log: {
      warn: (message: unknown) =>
        log?.warn({ component: 'knex', message: String(message) }, 'database warning'),
      error: (message: unknown) =>
        log?.warn({ component: 'knex', message: String(message) }, 'database error'),
      deprecate: () => undefined,
      debug: () => undefined,
    },
  });
  try {
    await lockConn.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      // knex's own lock row only blocks (and fails) a concurrent migrator; everyone who migrates
      // holds our advisory lock, so a row still locked now was left by a crashed process.
      await knex.migrate.forceFreeMigrationsLock({ migrationSource });
      const [, ran] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
      if (ran.length > 0)
        log?.info({ db: location, migrations: ran }, 'migrated the index database');
    } finally {
      await lockConn
        .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
        .catch(() => undefined);
    }
  } catch (err) {
    await knex.destroy().catch(() => undefined);
    throw new SyncError(
      'fatal',
      `migrating the index database at ${location} failed: ${reasonOf(err, url)}`,
      {
        cause: err,
      },
    );
  } finally {
    await lockConn.end().catch(() => undefined);
  }

  let closing: Promise<void> | undefined;
  return { knex, backend: 'postgres', location, close: () => (closing ??= knex.destroy()) };
}

function connectError(url: string, location: string, err: unknown): SyncError {
  const code = (err as { code?: string }).code;
  const hints: string[] = [];
  if (code === '28P01' || code === '28000') {
    hints.push('Check the user name and password in DATABASE_URL.');
  } else if (code === '3D000') {
    hints.push('Create the database (for example with createdb) or fix its name in DATABASE_URL.');
  } else {
    hints.push(
      'Check that Postgres is running and reachable at the host and port of DATABASE_URL.',
    );
  }
  hints.push('Leave DATABASE_URL unset to use the embedded index in ROOT/.gphotos instead.');
  return new SyncError(
    'fatal',
    `cannot connect to the index database at ${location}: ${reasonOf(err, url)}`,
    {
      cause: err,
      hints,
    },
  );
}

/** A one-line reason that never contains the URL's password. */
function reasonOf(err: unknown, url: string): string {
  let reason: string;
  if (err instanceof AggregateError && err.errors.length > 0) {
    reason = err.errors
      .map((e: unknown) => (e instanceof Error ? e.message : String(e)))
      .join('; ');
  } else if (err instanceof Error) {
    reason = err.message || (err as { code?: string }).code || err.name;
  } else {
    reason = String(err);
  }
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // unparsable URL: nothing to scrub by name
  }
  return password ? reason.split(password).join('***') : reason;
}
