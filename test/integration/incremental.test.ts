/**
 * Incremental passes end to end: Drive's changes feed (add, rename, move, edit, trash, delete,
 * restore, folder rename), albums gaining and losing members, deletions recorded and only applied
 * with --do-delete under the --max-delete guard, an expired changes token, and --flush-index.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  addPhoto,
  addToAlbum,
  deleteFile,
  editFile,
  expireChangeTokensBefore,
  LibraryBuilder,
  md5Of,
  moveFile,
  removeFromAlbum,
  renameFile,
  trashFile,
  untrashFile,
  type Library,
} from '../fakes/google/library.ts';
import { demoLibrary } from '../fakes/google/scenarios.ts';
import { readAlbums } from '../helpers/albums.ts';
import { runCli } from '../helpers/cli.ts';
import { world, type World } from '../helpers/pass.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

async function query(w: World, sql: string): Promise<Array<Record<string, unknown>>> {
  const r = await runCli(['query', w.root, sql, '--json'], w.env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
}

async function fileMd5(w: World, rel: string): Promise<string> {
  return md5(await readFile(path.join(w.root, ...rel.split('/'))));
}

function library() {
  const b = new LibraryBuilder();
  const gp = b.folder('Google Photos');
  const y16 = b.folder('2016', gp);
  const y17 = b.folder('2017', gp);
  const ids = {
    gp,
    y16,
    y17,
    a: b.photo('A.jpg', y16, { takenTime: '2016:01:01 10:00:00' }),
    b: b.photo('B.jpg', y16, { takenTime: '2016:01:02 10:00:00' }),
    c: b.photo('C.jpg', y16, { takenTime: '2016:01:03 10:00:00' }),
    d: b.photo('D.jpg', y16, { takenTime: '2016:01:04 10:00:00' }),
    e: b.photo('E.jpg', y16, { takenTime: '2016:01:05 10:00:00' }),
    f: b.photo('F.jpg', y17, { takenTime: '2017:01:01 10:00:00' }),
    g: '',
    x: b.creation({ name: 'X.gif', takenAt: '2016-06-01T00:00:00Z' }),
    trip: '',
  };
  ids.trip = b.album({ title: 'Trip', date: '2016-01-01T00:00:00Z', members: [ids.a, ids.x] });
  return { lib: b.build(), ids };
}

const mediaRequests = (w: World, from: number, id: string) =>
  w.emu.requests
    .slice(from)
    .filter((r) => r.path === `/drive/v3/files/${id}` && r.query.alt === 'media');

describe('incremental passes', () => {
  it('apply every kind of change, record deletions, and move instead of downloading', async () => {
    const { lib, ids } = library();
    const w = await world(lib);
    try {
      const first = await w.sync();
      assert.equal(first.code, 0, first.stderr + first.stdout.slice(-3000));
      const bBytes = md5Of(lib, ids.b);

      const g = addPhoto(w.emu.library, 'G.jpg', ids.y16, { takenTime: '2016:01:07 10:00:00' });
      renameFile(w.emu.library, ids.b, 'B2.jpg');
      moveFile(w.emu.library, ids.c, ids.y17);
      editFile(w.emu.library, ids.d);
      trashFile(w.emu.library, ids.e);
      deleteFile(w.emu.library, ids.f);
      renameFile(w.emu.library, ids.y17, 'Year 2017');
      removeFromAlbum(w.emu.library, ids.trip, 1); // X: in no album any more
      addToAlbum(w.emu.library, ids.trip, g);

      const from = w.emu.requests.length;
      const r = await w.sync();
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
      // No full listing: the changes feed only.
      assert.deepEqual(
        w.emu.requests.slice(from).filter((q) => q.route === 'files.list'),
        [],
      );
      assert.equal(r.summary?.downloaded, 2, JSON.stringify(r.summary)); // G and the edited D
      assert.equal(r.summary?.moved, 2); // B renamed, C moved
      assert.equal(r.summary?.goneNoticed, 3); // E trashed, F deleted, X left every album
      assert.equal(r.summary?.goneTotal, 3);
      assert.deepEqual(mediaRequests(w, from, ids.b), []);
      assert.deepEqual(mediaRequests(w, from, ids.c), []);

      assert.equal(await fileMd5(w, 'drive/Google Photos/2016/B2.jpg'), bBytes);
      assert.ok(!existsSync(path.join(w.root, 'drive/Google Photos/2016/B.jpg')));
      assert.equal(
        await fileMd5(w, 'drive/Google Photos/Year 2017/C.jpg'),
        md5Of(w.emu.library, ids.c),
      );
      assert.equal(await fileMd5(w, 'drive/Google Photos/2016/D.jpg'), md5Of(w.emu.library, ids.d));
      assert.equal(await fileMd5(w, 'drive/Google Photos/2016/G.jpg'), md5Of(w.emu.library, g));
      // Deletions are recorded; the files stay.
      for (const kept of [
        'drive/Google Photos/2016/E.jpg',
        'drive/Google Photos/2017/F.jpg',
        'picasa/2016/06/X.gif',
      ]) {
        assert.ok(existsSync(path.join(w.root, ...kept.split('/'))), kept);
      }
      const gone = await query(
        w,
        "SELECT rel_path, gone_reason FROM media_items WHERE state = 'gone' ORDER BY rel_path",
      );
      assert.deepEqual(gone, [
        { rel_path: 'drive/Google Photos/2016/E.jpg', gone_reason: 'trashed in Drive' },
        { rel_path: 'drive/Google Photos/2017/F.jpg', gone_reason: 'removed from Drive' },
        { rel_path: 'picasa/2016/06/X.gif', gone_reason: 'no longer in any album (was in: Trip)' },
      ]);
      const trip = [...(await readAlbums(w.root)).values()]
        .filter((e) => e.path.startsWith('albums/2016/0101 Trip/'))
        .map((e) => e.resolved)
        .sort();
      assert.deepEqual(trip, ['drive/Google Photos/2016/A.jpg', 'drive/Google Photos/2016/G.jpg']);

      // Restored from the trash: back in the index, its file kept, nothing downloaded.
      untrashFile(w.emu.library, ids.e);
      const back = await w.sync();
      assert.equal(back.code, 0, back.stderr);
      assert.equal(back.summary?.downloaded, 0);
      assert.equal(back.summary?.goneTotal, 2);
      assert.deepEqual(
        await query(
          w,
          "SELECT state FROM media_items WHERE rel_path = 'drive/Google Photos/2016/E.jpg'",
        ),
        [{ state: 'done' }],
      );

      // --do-delete under the guard: two gone files, at most one allowed: nothing removed, exit 3.
      const guarded = await w.sync(['--do-delete', '--max-delete', '1']);
      assert.equal(guarded.code, 3, guarded.stderr + guarded.stdout.slice(-2000));
      assert.ok(existsSync(path.join(w.root, 'drive/Google Photos/2017/F.jpg')));
      assert.ok(existsSync(path.join(w.root, 'picasa/2016/06/X.gif')));
      const deleted = await w.sync(['--do-delete', '--max-delete', '2']);
      assert.equal(deleted.code, 0, deleted.stderr + deleted.stdout.slice(-2000));
      assert.ok(!existsSync(path.join(w.root, 'drive/Google Photos/2017/F.jpg')));
      assert.ok(!existsSync(path.join(w.root, 'picasa/2016/06/X.gif')));
      assert.ok(existsSync(path.join(w.root, 'drive/Google Photos/2016/E.jpg')));

      // Nothing changed: no listing, no album feed, not even a stat of the files already done
      // (a file removed locally is verify's to find, not a nightly pass's).
      await rm(path.join(w.root, 'drive/Google Photos/2016/A.jpg'));
      const quiet = w.emu.requests.length;
      const still = await w.sync();
      assert.equal(still.code, 0);
      assert.equal(still.summary?.downloaded, 0);
      assert.equal(still.summary?.present, 0);
      const verify = await runCli(['verify', w.root], w.env);
      assert.equal(verify.code, 3, verify.stdout + verify.stderr);
      assert.match(verify.stdout, /missing\s+drive\/Google Photos\/2016\/A\.jpg/);
      assert.deepEqual(
        w.emu.requests
          .slice(quiet)
          .filter((q) => q.route === 'files.list' || q.path.includes('/albumid/')),
        [],
      );
    } finally {
      await w.close();
    }
  });

  it('an expired changes token falls back to a full listing and infers no deletion', async () => {
    const { lib, ids } = library();
    const w = await world(lib);
    try {
      assert.equal((await w.sync()).code, 0);
      deleteFile(w.emu.library, ids.a);
      expireChangeTokensBefore(w.emu.library);
      const r = await w.sync();
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
      assert.ok(r.lines.some((l) => /listing everything again/.test(String(l.msg))));
      assert.deepEqual(
        await query(w, "SELECT count(*)::int AS n FROM media_items WHERE state = 'gone'"),
        [{ n: 0 }],
      );
      assert.ok(existsSync(path.join(w.root, 'drive/Google Photos/2016/A.jpg')));
    } finally {
      await w.close();
    }
  });
});

describe('folders moving in and out', () => {
  it('a folder moved into the backup brings its photos; a trashed folder records its items gone', async () => {
    const b = new LibraryBuilder();
    const gp = b.folder('Google Photos');
    const y16 = b.folder('2016', gp);
    const kept = b.photo('K.jpg', y16);
    const elsewhere = b.folder('Elsewhere');
    const inner = b.folder('Inner', elsewhere);
    const e1 = b.photo('E1.jpg', elsewhere);
    const e2 = b.photo('E2.jpg', inner);
    const lib = b.build();
    const w = await world(lib);
    try {
      assert.equal((await w.sync(['--skip-picasa'])).code, 0);
      moveFile(w.emu.library, elsewhere, gp);
      const r = await w.sync(['--skip-picasa']);
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
      assert.equal(r.summary?.downloaded, 2);
      assert.equal(
        await fileMd5(w, 'drive/Google Photos/Elsewhere/E1.jpg'),
        md5Of(w.emu.library, e1),
      );
      assert.equal(
        await fileMd5(w, 'drive/Google Photos/Elsewhere/Inner/E2.jpg'),
        md5Of(w.emu.library, e2),
      );

      trashFile(w.emu.library, elsewhere);
      const t = await w.sync(['--skip-picasa']);
      assert.equal(t.code, 0, t.stderr + t.stdout.slice(-3000));
      assert.equal(t.summary?.goneNoticed, 2);
      assert.deepEqual(
        await query(w, "SELECT rel_path FROM media_items WHERE state = 'gone' ORDER BY rel_path"),
        [
          { rel_path: 'drive/Google Photos/Elsewhere/E1.jpg' },
          { rel_path: 'drive/Google Photos/Elsewhere/Inner/E2.jpg' },
        ],
      );
      assert.ok(existsSync(path.join(w.root, 'drive/Google Photos/Elsewhere/Inner/E2.jpg')));
      assert.equal(await fileMd5(w, 'drive/Google Photos/2016/K.jpg'), md5Of(lib, kept));
    } finally {
      await w.close();
    }
  });
});

describe('--flush-index', () => {
  it('rebuilds the index with the same paths and duplicate numbers, downloading nothing', async () => {
    const lib: Library = demoLibrary();
    const w = await world(lib);
    try {
      assert.equal((await w.sync()).code, 0);
      const sql =
        'SELECT source, remote_id, rel_path, dup_number, state FROM media_items ORDER BY source, remote_id';
      const golden = await query(w, sql);
      assert.ok(golden.length > 20);
      const r = await w.sync(['--flush-index']);
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
      assert.equal(r.summary?.downloaded, 0);
      assert.deepEqual(await query(w, sql), golden);
    } finally {
      await w.close();
    }
  });
});
