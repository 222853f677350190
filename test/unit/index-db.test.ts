import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { SyncError } from '../../src/errors/errors.ts';
import { migrationSource } from '../../src/index/migrations/index.ts';
import { openIndex } from '../../src/index/db.ts';
import { freshDatabaseUrl, testIndex } from '../helpers/db.ts';

const server = Boolean(process.env.TEST_DATABASE_URL);
const dbModule = new URL('../../src/index/db.ts', import.meta.url).href;

/** Opens the index in a child process, holds it for `holdMs`, prints the outcome as JSON. */
async function openInChild(env: {
  url?: string | null;
  dir: string;
  holdMs?: number;
  /** Epoch ms at which the child opens, so that several children start together. */
  startAt?: number;
}): Promise<{ ok: boolean; kind?: string; message?: string }> {
  const script = `
    const { openIndex } = await import(${JSON.stringify(dbModule)});
    // Start together: module loading would otherwise stagger the children.
    await new Promise((r) => setTimeout(r, Number(process.env.START_AT) - Date.now()));
    try {
      const db = await openIndex({ databaseUrl: process.env.URL || null, embeddedDir: process.env.DIR });
      await new Promise((r) => setTimeout(r, Number(process.env.HOLD_MS)));
      await db.close();
      console.log(JSON.stringify({ ok: true }));
    } catch (e) {
      console.log(JSON.stringify({ ok: false, kind: e.kind, message: e.message }));
    }`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    {
      env: {
        ...process.env,
        URL: env.url ?? '',
        DIR: env.dir,
        HOLD_MS: String(env.holdMs ?? 0),
        START_AT: String(env.startAt ?? 0),
      },
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
    ok: boolean;
    kind?: string;
    message?: string;
  };
}

test('migrations run once and reopening finds nothing to do', async (t) => {
  const ti = await testIndex(t);
  const first = await ti.db.knex('knex_migrations').select('name');
  assert.deepEqual(
    first.map((r: { name: string }) => r.name),
    [
      '20261125000000_initial',
      '20261125100000_albums',
      '20261125120000_runs',
      '20261125130000_deletions',
      '20261206100000_takeout',
      '20261215100000_takeout_drive',
      '20261216100000_restricted',
      '20261216110000_takeout_entries_path',
      '20261220100000_drive_shortcuts',
      '20261220110000_shared_drives',
      '20261222100000_takeout_dirs',
    ],
  );
  await ti.db.close();

  const infos: string[] = [];
  const again = await openIndex({
    databaseUrl: ti.url,
    embeddedDir: ti.embeddedDir,
    log: { info: (_o, m) => infos.push(m ?? ''), warn: () => undefined },
  });
  try {
    assert.equal(again.backend, server ? 'postgres' : 'embedded');
    assert.deepEqual(infos, [], 'no migration should run on reopen');
    const rows = await again.knex('knex_migrations').count({ n: '*' });
    assert.equal(Number(rows[0]?.n), (await migrationSource.getMigrations([])).length);
    for (const table of ['media_items', 'drive_folders', 'sync_state']) {
      assert.equal(await again.knex.schema.hasTable(table), true, table);
    }
  } finally {
    await again.close();
  }
});

test('two processes opening one index at once', { timeout: 120_000 }, async () => {
  if (server) {
    // Server: both succeed; the advisory lock makes the second wait, then find nothing to do.
    const fresh = await freshDatabaseUrl();
    const dir = await mkdtemp(join(tmpdir(), 'gphotos-index-'));
    try {
      const startAt = Date.now() + 1500;
      const results = await Promise.all(
        [1, 2, 3].map(() => openInChild({ url: fresh.url, dir, startAt })),
      );
      assert.deepEqual(results, [{ ok: true }, { ok: true }, { ok: true }]);
      const db = await openIndex({ databaseUrl: fresh.url, embeddedDir: dir });
      try {
        const rows = await db.knex('knex_migrations').count({ n: '*' });
        assert.equal(Number(rows[0]?.n), (await migrationSource.getMigrations([])).length);
      } finally {
        await db.close();
      }
    } finally {
      await fresh.drop();
      await rm(dir, { recursive: true, force: true });
    }
  } else {
    // Embedded: PGlite is single-process, so exactly one wins and the other is refused (exit 6).
    const root = await mkdtemp(join(tmpdir(), 'gphotos-index-'));
    const dir = join(root, '.gphotos');
    try {
      const startAt = Date.now() + 1500;
      const results = await Promise.all(
        [1, 2].map(() => openInChild({ dir, holdMs: 4000, startAt })),
      );
      const ok = results.filter((r) => r.ok);
      const refused = results.filter((r) => !r.ok);
      assert.equal(ok.length, 1, JSON.stringify(results));
      assert.equal(refused[0]?.kind, 'locked', JSON.stringify(results));
      assert.match(refused[0]?.message ?? '', /in use by another gphotos-sync process \(pid \d+/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
});

const inProcessName = server
  ? 'four knex pools opening one database at once all succeed'
  : 'a second open of the embedded index in the same process is refused as locked';
test(inProcessName, async (t) => {
  if (!server) {
    const ti = await testIndex(t);
    await assert.rejects(openIndex({ embeddedDir: ti.embeddedDir }), (e: unknown) => {
      assert.ok(e instanceof SyncError);
      assert.equal(e.kind, 'locked');
      assert.match(e.message, new RegExp(`pid ${process.pid}`));
      return true;
    });
    return;
  }
  const fresh = await freshDatabaseUrl();
  t.after(() => fresh.drop());
  const dbs = await Promise.all(
    [1, 2, 3, 4].map(() => openIndex({ databaseUrl: fresh.url, embeddedDir: '/nonexistent' })),
  );
  try {
    const rows = await dbs[0]!.knex('knex_migrations').count({ n: '*' });
    assert.equal(Number(rows[0]?.n), (await migrationSource.getMigrations([])).length);
  } finally {
    await Promise.all(dbs.map((d) => d.close()));
  }
});

test('a connection failure is fatal and never shows the password', async () => {
  await assert.rejects(
    openIndex({
      databaseUrl: 'postgres://alice:hunter2@127.0.0.1:1/photos',
      embeddedDir: '/nonexistent',
    }),
    (e: unknown) => {
      assert.ok(e instanceof SyncError);
      assert.equal(e.kind, 'fatal');
      assert.match(
        e.message,
        /^cannot connect to the index database at postgres:\/\/alice@127\.0\.0\.1:1\/photos: /,
      );
      assert.match(e.message, /ECONNREFUSED/);
      assert.doesNotMatch(e.message + e.hints.join(' '), /hunter2/);
      assert.ok(e.hints.length > 0);
      return true;
    },
  );
});

test('an unknown database is reported with a hint to create it', async () => {
  // Needs a reachable server: the TEST_DATABASE_URL one, or the default local one.
  const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  base.pathname = '/gphotos_no_such_db';
  base.password = 'sekrit';
  await assert.rejects(
    openIndex({ databaseUrl: base.toString(), embeddedDir: '/nonexistent' }),
    (e: unknown) => {
      assert.ok(e instanceof SyncError);
      assert.equal(e.kind, 'fatal');
      assert.match(e.message, /gphotos_no_such_db/);
      assert.doesNotMatch(e.message, /sekrit/);
      assert.ok(
        e.hints.some((h) => /createdb|Postgres is running/.test(h)),
        e.hints.join('\n'),
      );
      return true;
    },
  );
});
