/**
 * Deletions upstream: the DeletionsRepo queries (on the embedded index, and on Postgres with
 * TEST_DATABASE_URL), the guard's arithmetic, and the --do-delete executor on a real temp tree.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { ExitCode, SyncError, exitCodeOf } from '../../src/errors/errors.ts';
import { AlbumRepo, type AlbumItemRow } from '../../src/index/album-repo.ts';
import { DeletionsRepo } from '../../src/index/deletions-repo.ts';
import { MediaRepo, type ListedMediaRow, type MediaSource } from '../../src/index/media-repo.ts';
import { applyDeletions, deletionLimit, type DeletionDeps } from '../../src/sync/deletions.ts';
import { canMount, mountTmpfs, remount, unmount } from '../helpers/mounts.ts';
import { testIndex, type TestIndex } from '../helpers/db.ts';

let ti: TestIndex;
before(async () => {
  ti = await testIndex();
});
after(() => ti.cleanup());

const seen = new Date('2024-05-01T00:00:00Z');

function listed(source: MediaSource, id: string, relPath: string): ListedMediaRow {
  const name = relPath.split('/').at(-1) as string;
  return {
    source,
    remoteId: id,
    folderId: null,
    relPath,
    pathKey: relPath.normalize('NFC').toLowerCase(),
    originalName: name,
    baseName: name,
    dupNumber: 0,
    size: 10,
    md5: null,
    mimeType: 'image/jpeg',
    takenTime: null,
    createdTime: null,
    modifiedTime: null,
    state: 'pending',
  };
}

interface Row {
  source?: MediaSource;
  id: string;
  relPath: string;
  /** Gone since this time (with this reason); absent: a live 'done' row. */
  goneAt?: Date;
  reason?: string;
  movedFrom?: string;
}

/** Writes rows of `account`: all 'done', then the gone ones marked with SQL (as a pass would). */
async function seed(account: string, rows: Row[]): Promise<void> {
  const knex = ti.db.knex;
  await new MediaRepo(knex, account).upsertListed(
    rows.map((r) => listed(r.source ?? 'drive', r.id, r.relPath)),
    seen,
  );
  await knex('media_items').where({ account }).update({ state: 'done' });
  for (const r of rows) {
    const where = { account, source: r.source ?? 'drive', remote_id: r.id };
    if (r.movedFrom !== undefined) {
      await knex('media_items').where(where).update({ moved_from: r.movedFrom });
    }
    if (r.goneAt !== undefined) {
      await knex('media_items')
        .where(where)
        .update({ state: 'gone', gone_at: r.goneAt, gone_reason: r.reason ?? 'trashed in Drive' });
    }
  }
}

test('deletionLimit: --max-delete when set, else 100 and at most 10% of the library', () => {
  assert.equal(deletionLimit(null, 0), 0);
  assert.equal(deletionLimit(null, 9), 0);
  assert.equal(deletionLimit(null, 10), 1);
  assert.equal(deletionLimit(null, 999), 99);
  assert.equal(deletionLimit(null, 1000), 100);
  assert.equal(deletionLimit(null, 1_000_000), 100);
  assert.equal(deletionLimit(0, 1_000_000), 0);
  assert.equal(deletionLimit(5, 10), 5);
  assert.equal(deletionLimit(500, 10), 500);
});

describe('DeletionsRepo', () => {
  const t1 = new Date('2024-06-01T10:00:00Z');
  const t2 = new Date('2024-06-03T23:59:59Z');
  const t3 = new Date('2024-06-04T00:00:00Z');
  const account = 'del-repo';
  let repo: DeletionsRepo;

  before(async () => {
    await seed(account, [
      { id: 'live', relPath: 'drive/GP/live.jpg' },
      { id: 'b', relPath: 'drive/GP/b.jpg', goneAt: t2 },
      { id: 'a', relPath: 'drive/GP/a.jpg', goneAt: t1 },
      {
        source: 'picasa',
        id: 'p',
        relPath: 'picasa/2016/01/p.jpg',
        goneAt: t3,
        reason: 'no longer in any album (was in: Old trip)',
      },
      // Renamed upstream, then trashed before the move: its file is still at the old path.
      { id: 'm', relPath: 'drive/GP/new-name.jpg', movedFrom: 'drive/GP/Old-Name.jpg', goneAt: t3 },
      // A live item's file still at the path of a gone one: never a candidate.
      { id: 'x', relPath: 'drive/GP/x.jpg', goneAt: t3 },
      { id: 'mover', relPath: 'drive/GP/elsewhere.jpg', movedFrom: 'drive/GP/X.JPG' },
    ]);
    const albums = new AlbumRepo(ti.db.knex, account);
    const album = (albumId: string, title: string) => ({
      albumId,
      title,
      albumType: null,
      albumTime: new Date('2016-01-09T00:00:00Z'),
      updated: '2016-02-01T00:00:00.000Z',
      numPhotos: 2,
    });
    await albums.upsertListed([album('A1', 'Trip, Rome'), album('A2', 'Best of')], seen);
    const member = (albumId: string, photoId: string, remoteId: string): AlbumItemRow => ({
      albumId,
      photoId,
      position: 0,
      name: `${remoteId}.jpg`,
      size: 10,
      takenTime: null,
      mimeType: 'image/jpeg',
      isVideo: false,
      mediaUrl: `http://x/${photoId}`,
      mediaSource: 'drive',
      mediaRemoteId: remoteId,
      entryName: null,
    });
    const done = { count: 2, complete: true, changed: true };
    await albums.replaceItems('A1', [member('A1', 'x1', 'b'), member('A1', 'x2', 'live')], done);
    await albums.replaceItems('A2', [member('A2', 'y1', 'b')], done);
    // Another account's gone item is never seen.
    await seed('del-repo-other', [{ id: 'a', relPath: 'drive/GP/a.jpg', goneAt: t1 }]);
    repo = new DeletionsRepo(ti.db.knex, account);
  });

  it('lists gone items, oldest notice first, with their albums and local path', async () => {
    const items = await repo.list();
    assert.deepEqual(
      items.map((i) => [i.source, i.remoteId, i.relPath]),
      [
        ['drive', 'a', 'drive/GP/a.jpg'],
        ['drive', 'b', 'drive/GP/b.jpg'],
        ['drive', 'm', 'drive/GP/Old-Name.jpg'],
        ['drive', 'x', 'drive/GP/x.jpg'],
        ['picasa', 'p', 'picasa/2016/01/p.jpg'],
      ],
    );
    const b = items[1];
    assert.deepEqual(b?.albums, ['Best of', 'Trip, Rome']);
    assert.equal(b?.goneAt?.toISOString(), t2.toISOString());
    assert.equal(b?.goneReason, 'trashed in Drive');
    assert.equal(b?.size, 10);
    assert.equal(b?.removedAt, null);
    const p = items[4];
    assert.deepEqual(p?.albums, []);
    assert.equal(p?.goneReason, 'no longer in any album (was in: Old trip)');
  });

  it('--since keeps items noticed at or after the instant', async () => {
    const since = (d: string) => repo.list({ since: new Date(d) });
    assert.deepEqual(
      (await since('2024-06-03T00:00:00Z')).map((i) => i.remoteId),
      ['b', 'm', 'x', 'p'],
    );
    assert.deepEqual(
      (await since('2024-06-04T00:00:00Z')).map((i) => i.remoteId),
      ['m', 'x', 'p'],
    );
    assert.deepEqual(await since('2024-06-05T00:00:00Z'), []);
    assert.equal((await repo.list({ since: null })).length, 5);
  });

  it('candidates leave out paths a live item holds; markRemoved records and shrinks', async () => {
    const paths = async () => (await repo.candidates()).map((c) => c.relPath);
    assert.deepEqual(await paths(), [
      'drive/GP/Old-Name.jpg',
      'drive/GP/a.jpg',
      'drive/GP/b.jpg',
      'picasa/2016/01/p.jpg',
    ]);
    assert.equal(await repo.countCandidates(), 4);
    assert.equal(await repo.librarySize(), 7);
    const at = new Date('2024-07-01T00:00:00Z');
    // A live row named here is not touched: only gone rows get removed_at.
    await repo.markRemoved(
      [
        { source: 'drive', remoteId: 'a' },
        { source: 'picasa', remoteId: 'p' },
        { source: 'drive', remoteId: 'live' },
      ],
      at,
    );
    assert.deepEqual(await paths(), ['drive/GP/Old-Name.jpg', 'drive/GP/b.jpg']);
    assert.equal(await repo.countCandidates(), 2);
    assert.equal(await repo.librarySize(), 5);
    const items = await repo.list();
    assert.equal(items.find((i) => i.remoteId === 'a')?.removedAt?.toISOString(), at.toISOString());
    assert.equal(items.find((i) => i.remoteId === 'b')?.removedAt, null);
    const live = await ti.db.knex('media_items').where({ account, remote_id: 'live' }).first();
    assert.equal(live.removed_at, null);
    // Marking again keeps the first time.
    await repo.markRemoved([{ source: 'drive', remoteId: 'a' }], new Date());
    const again = (await repo.list()).find((i) => i.remoteId === 'a');
    assert.equal(again?.removedAt?.toISOString(), at.toISOString());
    assert.equal(
      (await new DeletionsRepo(ti.db.knex, 'del-repo-other').list())[0]?.removedAt,
      null,
    );
  });

  it('an account without deletions: nothing', async () => {
    const none = new DeletionsRepo(ti.db.knex, 'del-none');
    assert.deepEqual(await none.list(), []);
    assert.deepEqual(await none.candidates(), []);
    assert.equal(await none.countCandidates(), 0);
    assert.equal(await none.librarySize(), 0);
  });
});

describe('applyDeletions on a temp tree', () => {
  let n = 0;
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  /** A fresh ROOT and account; files are created for `onDisk` paths. */
  async function setup(rows: Row[], onDisk: string[]) {
    const root = await mkdtemp(path.join(os.tmpdir(), 'gphotos-del-'));
    dirs.push(root);
    const account = `del-exec-${n++}`;
    await seed(account, rows);
    for (const rel of onDisk) {
      await mkdir(path.join(root, path.dirname(rel)), { recursive: true });
      await writeFile(path.join(root, rel), `bytes of ${rel}`);
    }
    const repo = new DeletionsRepo(ti.db.knex, account);
    const logged: Array<{ level: string; obj: object; msg?: string }> = [];
    const deps = (over: Partial<DeletionDeps> = {}): DeletionDeps => ({
      root,
      repo,
      log: {
        info: ((obj: object, msg?: string) => logged.push({ level: 'info', obj, msg })) as never,
        warn: ((obj: object, msg?: string) => logged.push({ level: 'warn', obj, msg })) as never,
      },
      signal: new AbortController().signal,
      maxDelete: null,
      librarySize: 1000,
      ...over,
    });
    return { root, account, repo, deps, logged };
  }

  const exists = (root: string, rel: string) =>
    lstat(path.join(root, rel)).then(
      () => true,
      () => false,
    );

  const gone = new Date('2024-06-01T00:00:00Z');

  it('removes only the files of gone items, and the folders they leave empty', async () => {
    const rows: Row[] = [
      { id: 'keep', relPath: 'drive/GP/2017/a.jpg' },
      { id: 'b', relPath: 'drive/GP/2017/b.jpg', goneAt: gone },
      { id: 'only', relPath: 'drive/GP/2018/deep/only.jpg', goneAt: gone },
      { source: 'picasa', id: 'p', relPath: 'picasa/2016/01/p.jpg', goneAt: gone },
      { id: 'never', relPath: 'drive/GP/2019/never-downloaded.jpg', goneAt: gone },
    ];
    const onDisk = [
      'drive/GP/2017/a.jpg',
      'drive/GP/2017/b.jpg',
      'drive/GP/2018/deep/only.jpg',
      'drive/GP/2018/person.txt',
      'picasa/2016/01/p.jpg',
    ];
    const { root, repo, deps, logged } = await setup(rows, onDisk);
    const result = await applyDeletions(deps());
    assert.deepEqual(result, { removed: 3, alreadyAbsent: 1, left: 0 });
    assert.equal(await exists(root, 'drive/GP/2017/a.jpg'), true);
    assert.equal(await exists(root, 'drive/GP/2017/b.jpg'), false);
    assert.equal(await exists(root, 'picasa/2016/01/p.jpg'), false);
    // Emptied folders go, up to drive/ and picasa/; a folder holding anything stays.
    assert.equal(await exists(root, 'drive/GP/2018/deep'), false);
    assert.deepEqual(await readdir(path.join(root, 'drive/GP/2018')), ['person.txt']);
    assert.deepEqual(await readdir(path.join(root, 'picasa')), []);
    assert.deepEqual(await readdir(path.join(root, 'drive/GP/2017')), ['a.jpg']);
    const listedNow = await repo.list();
    assert.ok(listedNow.every((i) => i.removedAt !== null));
    assert.deepEqual(await repo.candidates(), []);
    assert.deepEqual(
      logged.filter((l) => l.msg === 'removed: deleted upstream').map((l) => l.obj),
      [
        { path: 'drive/GP/2017/b.jpg' },
        { path: 'drive/GP/2018/deep/only.jpg' },
        { path: 'picasa/2016/01/p.jpg' },
      ],
    );
    // Nothing left to do: a second run changes nothing.
    assert.deepEqual(await applyDeletions(deps()), { removed: 0, alreadyAbsent: 0, left: 0 });
  });

  it('the guard throws before removing or marking anything; --max-delete allows more', async () => {
    const rows: Row[] = [
      { id: 'live', relPath: 'drive/GP/live.jpg' },
      ...[1, 2, 3, 4].map((i) => ({ id: `g${i}`, relPath: `drive/GP/g${i}.jpg`, goneAt: gone })),
      { id: 'absent', relPath: 'drive/GP/absent.jpg', goneAt: gone },
    ];
    const onDisk = ['drive/GP/live.jpg', 'drive/GP/g1.jpg', 'drive/GP/g2.jpg'];
    onDisk.push('drive/GP/g3.jpg', 'drive/GP/g4.jpg');
    const { root, repo, deps } = await setup(rows, onDisk);
    const before = await Promise.all(onDisk.map((p) => stat(path.join(root, p))));
    // 10% of 39 items: 3 files, and 4 would go.
    await assert.rejects(applyDeletions(deps({ librarySize: 39 })), (err: unknown) => {
      assert.ok(err instanceof SyncError);
      assert.equal(err.kind, 'guard');
      assert.equal(exitCodeOf(err), ExitCode.partial);
      assert.equal(
        err.message,
        '4 files would be removed, more than the limit 3; nothing was removed',
      );
      assert.ok(err.hints.some((h) => h.includes('gphotos-sync deleted')));
      assert.ok(err.hints.some((h) => h.includes('--max-delete 4')));
      return true;
    });
    const afterGuard = await Promise.all(onDisk.map((p) => stat(path.join(root, p))));
    assert.deepEqual(
      afterGuard.map((s) => [s.ino, s.mtimeMs]),
      before.map((s) => [s.ino, s.mtimeMs]),
    );
    assert.ok((await repo.list()).every((i) => i.removedAt === null));
    // Explicit --max-delete below the count: still refused.
    await assert.rejects(applyDeletions(deps({ maxDelete: 3 })), /4 files would be removed/);
    await assert.rejects(applyDeletions(deps({ maxDelete: 0 })), /more than the limit 0/);
    assert.equal(await repo.countCandidates(), 5);
    // The 10% rule allows it when the library is big enough: 40 items -> 4.
    const { deps: deps2, root: root2 } = await setup(
      rows,
      onDisk, // a second tree and account, same shape
    );
    assert.deepEqual(await applyDeletions(deps2({ librarySize: 40 })), {
      removed: 4,
      alreadyAbsent: 1,
      left: 0,
    });
    assert.deepEqual(await readdir(path.join(root2, 'drive/GP')), ['live.jpg']);
    // Set explicitly, --max-delete lifts the 10% rule.
    assert.deepEqual(await applyDeletions(deps({ maxDelete: 4, librarySize: 5 })), {
      removed: 4,
      alreadyAbsent: 1,
      left: 0,
    });
    assert.deepEqual(await readdir(path.join(root, 'drive/GP')), ['live.jpg']);
  });

  it('without --max-delete, never more than 100 files', async () => {
    const rows: Row[] = Array.from({ length: 101 }, (_, i) => ({
      id: `g${i}`,
      relPath: `drive/GP/g${String(i).padStart(3, '0')}.jpg`,
      goneAt: gone,
    }));
    const { root, deps } = await setup(
      rows,
      rows.map((r) => r.relPath),
    );
    await assert.rejects(
      applyDeletions(deps({ librarySize: 1_000_000 })),
      /101 files would be removed, more than the limit 100; nothing was removed/,
    );
    assert.equal((await readdir(path.join(root, 'drive/GP'))).length, 101);
    assert.equal((await applyDeletions(deps({ maxDelete: 101 }))).removed, 101);
  });

  it('absent files are marked removed only once the guard passes; entries not files stay', async () => {
    const rows: Row[] = [
      { id: 'dir', relPath: 'drive/GP/dir.jpg', goneAt: gone },
      { id: 'link', relPath: 'drive/GP/link.jpg', goneAt: gone },
      { id: 'absent', relPath: 'drive/Gone folder/absent.jpg', goneAt: gone },
    ];
    const { root, repo, deps, logged } = await setup(rows, ['drive/GP/other.txt']);
    await mkdir(path.join(root, 'drive/GP/dir.jpg'));
    await symlink('other.txt', path.join(root, 'drive/GP/link.jpg'));
    assert.deepEqual(await applyDeletions(deps({ maxDelete: 0 })), {
      removed: 0,
      alreadyAbsent: 1,
      left: 2,
    });
    assert.equal((await lstat(path.join(root, 'drive/GP/dir.jpg'))).isDirectory(), true);
    assert.equal((await lstat(path.join(root, 'drive/GP/link.jpg'))).isSymbolicLink(), true);
    assert.deepEqual(
      (await repo.candidates()).map((c) => c.remoteId),
      ['dir', 'link'],
    );
    assert.equal(logged.filter((l) => l.level === 'warn').length, 2);
  });

  it('refuses paths outside drive/ and picasa/, and symlinked folders, removing nothing', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'gphotos-del-outside-'));
    dirs.push(outside);
    await writeFile(path.join(outside, 'x.jpg'), 'not ours');
    for (const crafted of ['drive/../../etc/x', 'albums/2016/0109 Trip/a.jpg', 'drive']) {
      const { root, deps } = await setup(
        [
          { id: 'ok', relPath: 'drive/GP/ok.jpg', goneAt: gone },
          { id: 'bad', relPath: crafted, goneAt: gone },
        ],
        ['drive/GP/ok.jpg'],
      );
      await assert.rejects(applyDeletions(deps({ maxDelete: 10 })), (err: unknown) => {
        assert.ok(err instanceof SyncError);
        assert.equal(err.kind, 'fatal');
        assert.match(err.message, /refusing/);
        return true;
      });
      assert.equal(await exists(root, 'drive/GP/ok.jpg'), true, crafted);
    }
    const { root, deps } = await setup(
      [
        { id: 'ok', relPath: 'drive/A/ok.jpg', goneAt: gone },
        { id: 'via', relPath: 'drive/Linked/x.jpg', goneAt: gone },
      ],
      ['drive/A/ok.jpg'],
    );
    await symlink(outside, path.join(root, 'drive/Linked'));
    await assert.rejects(applyDeletions(deps({ maxDelete: 10 })), /not a real folder/);
    assert.equal(await exists(outside, 'x.jpg'), true);
    assert.equal(await exists(root, 'drive/A/ok.jpg'), true);
  });

  it('a read-only disk stops with the file-system error; what was removed is recorded', async () => {
    const rows: Row[] = [
      { id: 'a', relPath: 'drive/A/a.jpg', goneAt: gone },
      { id: 'b', relPath: 'drive/B/b.jpg', goneAt: gone },
    ];
    const { root, repo, deps } = await setup(rows, []);
    const mounted = await canMount();
    let unlinkSeam: DeletionDeps['unlink'];
    if (mounted) {
      // B on its own tmpfs, remounted read-only: the kernel's EROFS.
      await mkdir(path.join(root, 'drive/B'), { recursive: true });
      await mountTmpfs(path.join(root, 'drive/B'), 1 << 20);
    } else {
      unlinkSeam = async (abs) => {
        if (abs.includes('/drive/B/')) {
          throw Object.assign(new Error(`EROFS: read-only file system, unlink '${abs}'`), {
            code: 'EROFS',
          });
        }
        const { unlink } = await import('node:fs/promises');
        await unlink(abs);
      };
    }
    try {
      for (const rel of ['drive/A/a.jpg', 'drive/B/b.jpg']) {
        await mkdir(path.join(root, path.dirname(rel)), { recursive: true });
        await writeFile(path.join(root, rel), rel);
      }
      if (mounted) await remount(path.join(root, 'drive/B'), 'ro');
      await assert.rejects(applyDeletions(deps({ unlink: unlinkSeam })), (err: unknown) => {
        assert.ok(err instanceof SyncError);
        assert.equal(err.kind, 'fatal');
        assert.match(err.message, /^read-only file system: cannot remove .*drive\/B\/b\.jpg$/);
        return true;
      });
      assert.equal(await exists(root, 'drive/A/a.jpg'), false);
      assert.equal(await exists(root, 'drive/B/b.jpg'), true);
      const byId = new Map((await repo.list()).map((i) => [i.remoteId, i.removedAt]));
      assert.notEqual(byId.get('a'), null);
      assert.equal(byId.get('b'), null);
    } finally {
      if (mounted) await unmount(path.join(root, 'drive/B'));
    }
  });
});
