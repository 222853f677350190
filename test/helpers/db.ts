/**
 * Index databases for tests. With TEST_DATABASE_URL set (e.g.
 * postgres://postgres@127.0.0.1:5432/test), every call gets a fresh server database
 * `gphotos_test_<random>`, created through that URL and dropped at cleanup, so test files can run
 * in parallel; without it, an embedded PGlite index in a fresh temp dir.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openIndex, type IndexDb } from '../../src/index/db.ts';

export interface TestIndex {
  db: IndexDb;
  /** The DATABASE_URL to hand a child process, or null for the embedded index. */
  url: string | null;
  /** ROOT/.gphotos of this test (the embedded index lives here when url is null). */
  embeddedDir: string;
  /** Closes the db, drops the database or removes the temp dir. Idempotent. */
  cleanup(): Promise<void>;
}

/** Opens a fresh index; with `t`, cleanup is registered with `t.after`. */
export async function testIndex(t?: { after(fn: () => Promise<void>): void }): Promise<TestIndex> {
  const root = await mkdtemp(join(tmpdir(), 'gphotos-index-'));
  const embeddedDir = join(root, '.gphotos');
  const server = process.env.TEST_DATABASE_URL ? await freshDatabaseUrl() : null;
  let db: IndexDb;
  try {
    db = await openIndex({ databaseUrl: server?.url ?? null, embeddedDir });
  } catch (err) {
    await server?.drop();
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  let done = false;
  const cleanup = async (): Promise<void> => {
    if (done) return;
    done = true;
    await db.close();
    await server?.drop();
    await rm(root, { recursive: true, force: true });
  };
  t?.after(cleanup);
  return { db, url: server?.url ?? null, embeddedDir, cleanup };
}

/**
 * Creates an empty database next to TEST_DATABASE_URL's and returns its URL; `drop()` removes it
 * (disconnecting anyone still on it). Throws when TEST_DATABASE_URL is not set.
 */
export async function freshDatabaseUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('freshDatabaseUrl needs TEST_DATABASE_URL');
  const name = `gphotos_test_${randomBytes(6).toString('hex')}`;
  await admin(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
