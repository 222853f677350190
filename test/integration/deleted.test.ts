/**
 * Deletions upstream end to end: `gphotos-sync deleted` (table, JSON, --since, the lock) and a
 * pass with --do-delete (the guard, then the removal), with the real CLI, the emulator, a real
 * index (server Postgres with TEST_DATABASE_URL, else the embedded one) and a real tree.
 *
 * Items are made gone upstream in the emulator and also marked gone in the index with SQL (as a
 * pass that noticed them would), so these tests do not depend on how a pass notices them.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { trashFile } from '../fakes/google/library.ts';
import { removeFromAlbum } from '../fakes/google/picasa-model.ts';
import { openIndex } from '../../src/index/db.ts';
import { acquirePassLock } from '../../src/index/pass-lock.ts';
import { albumScenario, type AlbumScenario } from '../helpers/albums.ts';
import { runCli, type RunResult } from '../helpers/cli.ts';
import { world, type World } from '../helpers/pass.ts';
import { readTree } from '../helpers/tree.ts';

const out = (r: RunResult) => `exit ${r.code}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-3000)}`;

const IMG1 = 'drive/Google Photos/2016/IMG_0001.jpg';
const IMG2 = 'drive/Google Photos/2016/IMG_0002.jpg';
const AUTO = 'picasa/2016/02/AUTO.gif';

/** Opens the world's index in this process (the pass must have exited) and runs `fn` on it. */
async function withIndex<T>(
  w: World,
  fn: (knex: Awaited<ReturnType<typeof openIndex>>['knex']) => Promise<T>,
): Promise<T> {
  const db = await openIndex({
    databaseUrl: w.env.DATABASE_URL ?? null,
    embeddedDir: path.join(w.root, '.gphotos'),
  });
  try {
    return await fn(db.knex);
  } finally {
    await db.close();
  }
}

/** Marks the item at relPath gone, noticed at `at`, as a pass would. */
function markGone(w: World, relPath: string, at: string, reason: string): Promise<void> {
  return withIndex(w, async (knex) => {
    const n = await knex('media_items')
      .where({ account: 'default', rel_path: relPath })
      .update({ state: 'gone', gone_at: new Date(at), gone_reason: reason });
    assert.equal(n, 1, `no index row for ${relPath}`);
  });
}

interface JsonItem {
  path: string;
  source: string;
  remoteId: string;
  size: number | null;
  noticed: string | null;
  reason: string | null;
  albums: string[];
  removed: string | null;
}

describe('gphotos-sync deleted', () => {
  let w: World;
  let s: AlbumScenario;
  const deleted = (args: string[] = [], env: Record<string, string | undefined> = {}) =>
    runCli(['deleted', w.root, ...args], { ...w.env, ...env });

  before(async () => {
    s = albumScenario();
    w = await world(s.lib);
    const r = await w.sync();
    assert.equal(r.code, 0, out(r));
  });
  after(() => w.close());

  it('nothing recorded: an empty table, a note on stderr, exit 0', async () => {
    const r = await deleted();
    assert.equal(r.code, 0, out(r));
    assert.match(r.stdout, /^path +\| size +\| noticed +\| reason +\| albums +\| removed\n/);
    assert.match(r.stdout, /\(0 rows\)\n$/);
    assert.match(r.stderr, /no deletions recorded for account default/);
    const j = await deleted(['--json']);
    assert.equal(j.code, 0, out(j));
    assert.deepEqual(JSON.parse(j.stdout), []);
  });

  it('lists gone items with size, notice time, reason, albums and whether removed', async () => {
    await markGone(w, IMG1, '2024-06-01T10:00:00Z', 'trashed in Drive');
    await markGone(w, AUTO, '2024-06-05T08:30:00Z', 'no longer in any album (was in: Auto Backup)');
    const r = await deleted();
    assert.equal(r.code, 0, out(r));
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 5, out(r)); // header, rule, 2 rows, count
    const cells = (line: string) => line.split(' | ').map((c) => c.trim());
    const size1 = s.lib.files.get(s.ids.img1)?.size;
    assert.deepEqual(cells(lines[2] ?? ''), [
      IMG1,
      String(size1),
      '2024-06-01T10:00:00.000Z',
      'trashed in Drive',
      // Two albums are called "Same": each title once.
      'Best of, Dups, Profile Photos, Same, Trip to Rome',
      'no',
    ]);
    const auto = cells(lines[3] ?? '');
    assert.deepEqual(
      [auto[0], auto[2], auto[3], auto[4], auto[5]],
      [
        AUTO,
        '2024-06-05T08:30:00.000Z',
        'no longer in any album (was in: Auto Backup)',
        'Auto Backup',
        'no',
      ],
    );
    assert.equal(lines[4], '(2 rows)');
    assert.equal(r.stderr, '');
  });

  it('--json prints an array like `query --json`, albums as arrays', async () => {
    const r = await deleted(['--json']);
    assert.equal(r.code, 0, out(r));
    const items = JSON.parse(r.stdout) as JsonItem[];
    assert.deepEqual(
      items.map((i) => [i.path, i.source, i.noticed, i.removed, i.albums]),
      [
        [
          IMG1,
          'drive',
          '2024-06-01T10:00:00.000Z',
          null,
          ['Best of', 'Dups', 'Profile Photos', 'Same', 'Trip to Rome'],
        ],
        [AUTO, 'picasa', '2024-06-05T08:30:00.000Z', null, ['Auto Backup']],
      ],
    );
    assert.equal(items[0]?.remoteId, s.ids.img1);
    assert.equal(items[0]?.size, s.lib.files.get(s.ids.img1)?.size);
    assert.equal(typeof items[1]?.size, 'number');
  });

  it('--since DATE keeps what was noticed from that day on (UTC)', async () => {
    const paths = async (since: string) => {
      const r = await deleted(['--since', since, '--json']);
      assert.equal(r.code, 0, out(r));
      return (JSON.parse(r.stdout) as JsonItem[]).map((i) => i.path);
    };
    assert.deepEqual(await paths('2024-06-01'), [IMG1, AUTO]);
    assert.deepEqual(await paths('2024-06-02'), [AUTO]);
    assert.deepEqual(await paths('2024-06-05'), [AUTO]);
    const none = await deleted(['--since', '2024-06-06']);
    assert.equal(none.code, 0, out(none));
    assert.match(none.stdout, /\(0 rows\)/);
    assert.match(none.stderr, /no deletions recorded since 2024-06-06/);
    const env = await deleted(['--json'], { GPHOTOS_DELETED_SINCE: '2024-06-02' });
    assert.deepEqual(
      (JSON.parse(env.stdout) as JsonItem[]).map((i) => i.path),
      [AUTO],
    );
    const bad = await deleted(['--since', '2024-13-01']);
    assert.equal(bad.code, 2, out(bad));
    assert.equal(bad.stdout, '');
    // A setting of passes is not one of deleted's.
    const wrong = await deleted(['--do-delete']);
    assert.equal(wrong.code, 2, out(wrong));
  });

  it('the embedded index is locked while a pass runs (exit 6); a server index is not', async () => {
    const databaseUrl = w.env.DATABASE_URL ?? null;
    const db = await openIndex({ databaseUrl, embeddedDir: path.join(w.root, '.gphotos') });
    const lock = databaseUrl === null ? undefined : await acquirePassLock(db.knex, 'default');
    try {
      const r = await deleted();
      if (databaseUrl === null) {
        assert.equal(r.code, 6, out(r));
        assert.match(r.stderr, new RegExp(`pid[ =]${process.pid}\\b`));
        assert.equal(r.stdout, '');
      } else {
        assert.equal(r.code, 0, out(r));
        assert.match(r.stdout, /\(2 rows\)/);
      }
    } finally {
      await lock?.release();
      await db.close();
    }
  });

  it('a folder without an index: exit 1, nothing created', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'gphotos-deleted-empty-'));
    try {
      const r = await runCli(['deleted', path.join(empty, 'nope')], w.env);
      assert.equal(r.code, 1, out(r));
      assert.match(r.stderr, /missing/);
      if (w.env.DATABASE_URL === undefined) {
        const r2 = await runCli(['deleted', empty], w.env);
        assert.equal(r2.code, 1, out(r2));
        assert.match(r2.stderr, /no index in /);
      }
      assert.deepEqual(await readdir(empty), []);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('sync --do-delete', () => {
  let w: World;
  let s: AlbumScenario;
  /** Files under drive/ and picasa/ after the first pass. */
  let media: string[];
  const mediaFiles = async () =>
    [...(await readTree(w.root, { skip: ['.gphotos', 'albums'] })).keys()].sort();

  before(async () => {
    s = albumScenario();
    w = await world(s.lib);
    const r = await w.sync();
    assert.equal(r.code, 0, out(r));
    media = await mediaFiles();
    assert.ok(media.includes(IMG2) && media.includes(AUTO), media.join('\n'));
    // Upstream: IMG_0002 trashed in Drive; AUTO.gif, a Photos-only item, leaves its only album.
    trashFile(w.emu.library, s.ids.img2);
    removeFromAlbum(w.emu.library, s.ids.autoBackup, 1);
    await markGone(w, IMG2, '2024-06-01T00:00:00Z', 'trashed in Drive');
    await markGone(w, AUTO, '2024-06-01T00:00:00Z', 'no longer in any album (was in: Auto Backup)');
  });
  after(() => w.close());

  it('without --do-delete, gone files stay', async () => {
    const r = await w.sync();
    assert.equal(r.code, 0, out(r));
    assert.deepEqual(await mediaFiles(), media);
    assert.equal(r.summary?.deletedLocal, 0);
  });

  it('the guard: more than the limit aborts with exit 3 and removes nothing', async () => {
    // 9 items: 10% allows none without --max-delete.
    const byDefault = await w.sync(['--do-delete']);
    assert.equal(byDefault.code, 3, out(byDefault));
    assert.equal(byDefault.summary?.exitCode, 3);
    assert.match(
      String(byDefault.summary?.error),
      /^2 files would be removed, more than the limit 0; nothing was removed$/,
    );
    const errLine = byDefault.lines.find((l) => l.level === 50 || l.level === 'error');
    assert.ok(
      JSON.stringify(errLine).includes('--max-delete 2'),
      `hint missing: ${JSON.stringify(errLine)}`,
    );
    assert.deepEqual(await mediaFiles(), media);

    const explicit = await w.sync(['--do-delete', '--max-delete', '1']);
    assert.equal(explicit.code, 3, out(explicit));
    assert.match(String(explicit.summary?.error), /more than the limit 1; nothing was removed/);
    assert.deepEqual(await mediaFiles(), media);

    const listed = await runCli(['deleted', w.root, '--json'], w.env);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as JsonItem[]).map((i) => [i.path, i.removed]),
      [
        [IMG2, null],
        [AUTO, null],
      ],
    );
  });

  it('with --max-delete high enough, the files of gone items are removed', async () => {
    const r = await w.sync(['--do-delete', '--max-delete', '2']);
    assert.equal(r.code, 0, out(r));
    assert.equal(r.summary?.deletedLocal, 2);
    assert.deepEqual(
      await mediaFiles(),
      media.filter((p) => p !== IMG2 && p !== AUTO),
    );
    assert.ok(existsSync(path.join(w.root, 'drive', 'Google Photos', '2016')));
    const removedLines = r.lines.filter((l) => l.msg === 'removed: deleted upstream');
    assert.deepEqual(removedLines.map((l) => l.path).sort(), [IMG2, AUTO].sort());

    const listed = await runCli(['deleted', w.root, '--json'], w.env);
    const items = JSON.parse(listed.stdout) as JsonItem[];
    assert.deepEqual(
      items.map((i) => i.path),
      [IMG2, AUTO],
    );
    for (const i of items) assert.match(String(i.removed), /^\d{4}-\d\d-\d\dT/);
    // The tree still agrees with the index: removed files are not missing, no link is broken.
    const verified = await runCli(['verify', w.root], w.env);
    assert.equal(verified.code, 0, out(verified));

    // Nothing left to remove: the next pass with --do-delete removes nothing more.
    const again = await w.sync(['--do-delete']);
    assert.equal(again.code, 0, out(again));
    assert.equal(again.summary?.deletedLocal, 0);
  });
});
