import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { SyncError } from '../errors/errors.ts';
import type { IndexDb, IndexLog } from './db-types.ts';
import { acquireEmbeddedLock } from './embedded-lock.ts';
import { migrationSource } from './migrations/index.ts';
import { openPglite as openTunedPglite } from './pglite.ts';

export async function openEmbedded(
  embeddedDir: string,
  log?: IndexLog,
  openPglite: (dataDir: string) => Promise<PGlite> = openTunedPglite,
): Promise<IndexDb> {
  await mkdir(embeddedDir, { recursive: true });
  const lock = await acquireEmbeddedLock(embeddedDir, log ? { log } : {});
  const dataDir = join(embeddedDir, 'index');
  let pglite: PGlite | undefined;
  try {
    pglite = await openPglite(dataDir);
    // knex-pglite holds exactly one connection: the PGlite instance given here.
    const connection = { pglite } as unknown as Knex.StaticConnectionConfig;
    const knex = knexFactory({ client: ClientPgLite, dialect: 'postgres', connection });
    const db = pglite;
    try {
      const [, ran] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
      if (ran.length > 0)
        log?.info({ db: dataDir, migrations: ran }, 'migrated the embedded index');
    } catch (err) {
      await knex.destroy().catch(() => undefined);
      throw err;
    }
    let closing: Promise<void> | undefined;
    const closeAll = async (): Promise<void> => {
      try {
        await knex.destroy();
        if (!db.closed) await db.close();
      } finally {
        await lock.release();
      }
    };
    return {
      knex,
      backend: 'embedded',
      location: dataDir,
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    if (pglite && !pglite.closed) await pglite.close().catch(() => undefined);
    await lock.release();
    throw new SyncError(
      'fatal',
      `cannot open the embedded index at ${dataDir}: ${(err as Error).message}`,
      {
        cause: err,
        hints: [
          'If the index is damaged, move that folder aside to start a fresh, empty index.',
          'Set DATABASE_URL to use a server Postgres instead.',
        ],
      },
    );
  }
}
