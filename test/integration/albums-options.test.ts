/**
 * Album options and link modes end to end, each in a world of its own: --skip-picasa,
 * --skip-drive, --album, --skip-albums, dates on album items, hardlink and copy, albums gaining
 * and losing members, and an album past Picasa's 10,000 offset limit.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LibraryBuilder } from '../fakes/google/library.ts';
import { addToAlbum, removeFromAlbum } from '../fakes/google/picasa-model.ts';
import { albumScenario, readAlbums } from '../helpers/albums.ts';
import { runCli } from '../helpers/cli.ts';
import { world, type World } from '../helpers/pass.ts';
import { readTree } from '../helpers/tree.ts';

async function withWorld<T>(fn: (w: World, s: ReturnType<typeof albumScenario>) => Promise<T>) {
  const s = albumScenario();
  const w = await world(s.lib);
  try {
    return await fn(w, s);
  } finally {
    await w.close();
  }
}

const picasaRequests = (w: World) => w.emu.requests.filter((r) => r.path.includes('/data/feed/'));

describe('album options', () => {
  it('--link-mode hardlink: entries are the same inode as their file', () =>
    withWorld(async (w) => {
      const r = await w.sync(['--link-mode', 'hardlink']);
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
      const albums = await readAlbums(w.root);
      assert.ok(albums.size > 0);
      for (const e of albums.values()) {
        assert.equal(e.kind, 'file', e.path);
        const target = await stat(path.join(w.root, ...e.path.split('/')));
        assert.ok(target.nlink >= 2, `${e.path} has ${target.nlink} link(s)`);
      }
      const movie = await stat(path.join(w.root, 'picasa/2016/01/MOVIE.mp4'));
      const entry = await stat(path.join(w.root, 'albums/2016/0109 Trip to Rome/MOVIE.mp4'));
      assert.equal(entry.ino, movie.ino);
    }));

  it('--link-mode copy: entries are copies with the same bytes and mtime; a rerun keeps them', () =>
    withWorld(async (w) => {
      const r = await w.sync(['--link-mode', 'copy']);
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
      const tree = await readTree(w.root);
      const albums = await readAlbums(w.root);
      for (const e of albums.values()) {
        assert.equal(e.kind, 'file', e.path);
        const copy = tree.get(e.path);
        const [, year, folder, name] = e.path.split('/');
        assert.ok(year && folder && name);
        assert.ok(copy, e.path);
      }
      const entry = tree.get('albums/2016/0109 Trip to Rome/MOVIE.mp4');
      const original = tree.get('picasa/2016/01/MOVIE.mp4');
      assert.equal(entry?.md5, original?.md5);
      assert.equal(entry?.mtimeMs, original?.mtimeMs);
      const ino = (await stat(path.join(w.root, 'albums/2016/0109 Trip to Rome/MOVIE.mp4'))).ino;
      const again = await w.sync(['--link-mode', 'copy']);
      assert.equal(again.code, 0);
      assert.equal(
        (await stat(path.join(w.root, 'albums/2016/0109 Trip to Rome/MOVIE.mp4'))).ino,
        ino,
      );
    }));

  it('--skip-picasa reads no feed and makes no picasa/ or albums/', () =>
    withWorld(async (w) => {
      const r = await w.sync(['--skip-picasa']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(picasaRequests(w), []);
      assert.ok(!existsSync(path.join(w.root, 'picasa')));
      assert.ok(!existsSync(path.join(w.root, 'albums')));
      assert.ok(existsSync(path.join(w.root, 'drive/Google Photos/2016/IMG_0001.jpg')));
    }));

  it('--skip-drive lists no Drive and puts every album item in picasa/', () =>
    withWorld(async (w) => {
      const r = await w.sync(['--skip-drive']);
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
      assert.deepEqual(
        w.emu.requests.filter((q) => q.path.startsWith('/drive/')),
        [],
      );
      assert.ok(!existsSync(path.join(w.root, 'drive')));
      const albums = await readAlbums(w.root);
      for (const e of albums.values()) assert.ok(e.resolved.startsWith('picasa/'), e.path);
      // IMG_0001 in Drive and its edit share a name and a month: the second is numbered.
      const tree = await readTree(w.root, { skip: ['.gphotos', 'albums'] });
      assert.ok(tree.has('picasa/2016/01/IMG_0001.jpg'));
      assert.ok(tree.has('picasa/2016/01/IMG_0001 (1).jpg'));
    }));

  it('--album TITLE indexes and links only that album; an unknown title is a usage error', () =>
    withWorld(async (w) => {
      const r = await w.sync(['--album', 'Trip to Rome']);
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
      const folders = new Set(
        [...(await readAlbums(w.root)).keys()].map((k) => path.posix.dirname(k)),
      );
      assert.deepEqual([...folders], ['albums/2016/0109 Trip to Rome']);
      const feeds = picasaRequests(w).filter((q) => q.path.includes('/albumid/'));
      assert.ok(feeds.length > 0);
      assert.ok(feeds.every((q) => q.path.endsWith(`/albumid/${w.emu.library.albums[0]?.id}`)));
      const bad = await w.sync(['--album', 'No such album']);
      assert.equal(bad.code, 2, bad.stderr + bad.stdout.slice(-2000));
      assert.match(bad.stdout + bad.stderr, /no album is titled \\?"No such album\\?"/);
    }));

  it('--skip-albums downloads album items but builds no albums/', () =>
    withWorld(async (w) => {
      const r = await w.sync(['--skip-albums']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(existsSync(path.join(w.root, 'picasa/2016/01/MOVIE.mp4')));
      assert.ok(!existsSync(path.join(w.root, 'albums')));
    }));

  it('--start-date/--end-date apply to album items (by capture time, UTC)', () =>
    withWorld(async (w) => {
      const r = await w.sync(['--start-date', '2016-01-10', '--end-date', '2016-12-31']);
      assert.equal(r.code, 0, r.stderr);
      const tree = await readTree(w.root, { skip: ['.gphotos', 'albums'] });
      const picasa = [...tree.keys()].filter((p) => p.startsWith('picasa/')).sort();
      // MOVIE (01-09 23:30Z) and the edits (01-09) are before the start; COLLAGE is 01-10 00:30Z.
      assert.deepEqual(picasa, ['picasa/2016/01/COLLAGE.jpg', 'picasa/2016/02/AUTO.gif']);
    }));

  it('an album gaining and losing members gets its links updated in place', () =>
    withWorld(async (w, s) => {
      assert.equal((await w.sync()).code, 0);
      const trip = 'albums/2016/0109 Trip to Rome';
      removeFromAlbum(w.emu.library, s.ids.trip, 0); // IMG_0001
      addToAlbum(w.emu.library, s.ids.trip, s.ids.img3);
      const r = await w.sync();
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
      const entries = [...(await readAlbums(w.root)).keys()]
        .filter((k) => k.startsWith(`${trip}/`))
        .sort();
      assert.deepEqual(
        entries,
        ['COLLAGE.jpg', 'IMG_0002.jpg', 'IMG_0003.jpg', 'MOVIE.mp4'].map((n) => `${trip}/${n}`),
      );
      // Only the changed album's feed was read again.
      const q = await runCli(
        ['query', w.root, 'SELECT count(*) AS n FROM album_items', '--json'],
        w.env,
      );
      assert.equal(q.code, 0, q.stderr);
    }));
});

describe('an album past the 10,000 offset limit', () => {
  it('keeps the first 10,000 items, warns with the album and the rest, and exits 0', async () => {
    const b = new LibraryBuilder();
    b.folder('Google Photos');
    const members = Array.from({ length: 10_500 }, (_, i) =>
      b.creation({
        name: `IMG_${String(i).padStart(5, '0')}.jpg`,
        takenAt: new Date(Date.UTC(2018, 0, 1) + i * 60_000).toISOString(),
        size: 100,
      }),
    );
    b.album({ title: 'Auto Backup', date: '2018-01-01T00:00:00Z', type: 'InstantUpload', members });
    const w = await world(b.build());
    try {
      const r = await w.sync(['--index-only']);
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
      const warn = r.lines.find((l) => /Picasa lists only its first/.test(String(l.msg)));
      assert.ok(warn, 'a warning names the album');
      assert.equal(warn.album, 'Auto Backup');
      assert.equal(warn.notListed, 500);
      assert.equal(r.summary?.truncatedAlbums, 1);
      const q = await runCli(
        ['query', w.root, 'SELECT count(*) AS n FROM album_items', '--json'],
        w.env,
      );
      assert.equal(Number((JSON.parse(q.stdout) as Array<{ n: unknown }>)[0]?.n), 10_000);
    } finally {
      await w.close();
    }
  });
});
