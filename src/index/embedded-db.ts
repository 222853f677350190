import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { SyncError } from '../errors/errors.ts';
import type { IndexDb, IndexLog } from './db-types.ts';
import { acquireEmbeddedLock } from './embedded-lock.ts';
import { migrationNames, migrationsDigest, migrationSource } from './migrations/index.ts';
import { hasTemplate, removeOtherTemplates } from './pglite-template.ts';
import {
  isDataDir,
  openPglite as openTunedPglite,
  tunedTemplateFile,
  writeTemplate,
} from './pglite.ts';

/**
 * The build's template of a new embedded index (pglite-template.ts): a fresh data dir with every
 * migration applied, so a first pass neither runs initdb nor migrates (migrating a new index took
 * 0.35-0.44 s, 2-core machine). Named by the migrations' names: a build whose list
 * differs looks for another file, and knex still applies whatever a template lacks.
 */
export function embeddedTemplateFile(): string {
  return tunedTemplateFile(migrationNames());
}

/**
 * Writes the template (`npm run build`, through pglite-init) unless the one there was made from
 * these very migrations: `<template>.digest` holds the digest of their code, so a migration edited
 * under the same name (before it is released) gets a new template. Removes other templates.
 */
export async function writeEmbeddedTemplate(file = embeddedTemplateFile()): Promise<void> {
  const digest = migrationsDigest();
  const made = await readFile(`${file}.digest`, 'utf8').catch(() => '');
  if (made === digest && hasTemplate(file)) return;
  await removeOtherTemplates(file);
  await writeTemplate(file, async (pglite) => {
    const knex = knexOn(pglite);
    try {
      await knex.migrate.latest({ migrationSource });
    } finally {
      await knex.destroy();
    }
  });
  await writeFile(`${file}.digest`, digest);
}

/** knex on a PGlite instance: knex-pglite holds exactly one connection, that instance. */
function knexOn(pglite: PGlite): Knex {
  const connection = { pglite } as unknown as Knex.StaticConnectionConfig;
  return knexFactory({ client: ClientPgLite, dialect: 'postgres', connection });
}

export async function openEmbedded(
  embeddedDir: string,
  log?: IndexLog,
  openPglite: (dataDir: string) => Promise<PGlite> = (dir) =>
    openTunedPglite(dir, embeddedTemplateFile()),
): Promise<IndexDb> {
  await mkdir(embeddedDir, { recursive: true });
  const lock = await acquireEmbeddedLock(embeddedDir, log ? { log } : {});
  const dataDir = join(embeddedDir, 'index');
  let pglite: PGlite | undefined;
  try {
    const created = !isDataDir(dataDir);
    pglite = await openPglite(dataDir);
    const knex = knexOn(pglite);
    const db = pglite;
    try {
      const [, ran] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
      if (created) log?.info({ db: dataDir, created }, 'created the embedded index');
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
