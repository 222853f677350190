/**
 * The Picasa and albums passes end to end: the real CLI against the emulator's Picasa feeds and a
 * real index, checking picasa/, albums/ and the index.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { md5Of } from '../fakes/google/library.ts';
import { picasaMd5Of } from '../fakes/google/picasa-model.ts';
import { albumScenario, readAlbums, snapshot, type AlbumScenario } from '../helpers/albums.ts';
import { runCli } from '../helpers/cli.ts';
import { world, type World } from '../helpers/pass.ts';
import { readTree } from '../helpers/tree.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('albums: picasa/ and albums/ trees', () => {
  let w: World;
  let s: AlbumScenario;
  before(async () => {
    s = albumScenario();
    w = await world(s.lib);
  });
  after(() => w.close());

  it('downloads Photos-only items into picasa/YYYY/MM (UTC) once each, and exits 0', async () => {
    const r = await w.sync();
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-4000));
    const tree = await readTree(w.root, { skip: ['.gphotos', 'albums'] });
    const picasa = [...tree.keys()].filter((p) => p.startsWith('picasa/')).sort();
    assert.deepEqual(picasa, [
      'picasa/2016/01/COLLAGE.jpg',
      'picasa/2016/01/IMG_0001.jpg',
      'picasa/2016/01/IMG_0002.jpg',
      'picasa/2016/01/MOVIE.mp4',
      'picasa/2016/02/AUTO.gif',
    ]);
    const want: Record<string, string> = {
      'picasa/2016/01/COLLAGE.jpg': picasaMd5Of(s.lib, s.ids.collage),
      'picasa/2016/01/IMG_0001.jpg': picasaMd5Of(s.lib, s.ids.edited1),
      'picasa/2016/01/IMG_0002.jpg': picasaMd5Of(s.lib, s.ids.edited2),
      'picasa/2016/01/MOVIE.mp4': picasaMd5Of(s.lib, s.ids.movie),
      'picasa/2016/02/AUTO.gif': picasaMd5Of(s.lib, s.ids.auto),
    };
    for (const [p, sum] of Object.entries(want)) assert.equal(tree.get(p)?.md5, sum, p);
    // Drive items are not downloaded a second time into picasa/.
    const drive = [...tree.keys()].filter((p) => p.startsWith('drive/'));
    assert.equal(drive.length, 4);
    assert.equal(r.summary?.failed, 0);
    assert.equal(r.summary?.albums, 9);
    // A mtime is the capture time, in UTC.
    assert.equal(tree.get('picasa/2016/01/MOVIE.mp4')?.mtimeMs, Date.parse('2016-01-09T23:30:00Z'));
  });

  it('links album entries with relative symlinks to drive/ (matched) or picasa/', async () => {
    const albums = await readAlbums(w.root);
    const trip = 'albums/2016/0109 Trip to Rome';
    assert.deepEqual(
      [...albums.keys()].filter((k) => k.startsWith(`${trip}/`)).sort(),
      ['COLLAGE.jpg', 'IMG_0001.jpg', 'IMG_0002.jpg', 'MOVIE.mp4'].map((n) => `${trip}/${n}`),
    );
    const img1 = albums.get(`${trip}/IMG_0001.jpg`);
    assert.equal(img1?.kind, 'symlink');
    assert.equal(img1?.link, '../../../drive/Google Photos/2016/IMG_0001.jpg');
    assert.equal(albums.get(`${trip}/MOVIE.mp4`)?.link, '../../../picasa/2016/01/MOVIE.mp4');
    // Edited in Photos (same name, other size): the album shows the edit, not the Drive original.
    assert.equal(albums.get(`${trip}/IMG_0002.jpg`)?.resolved, 'picasa/2016/01/IMG_0002.jpg');
    const bytes = await readFile(path.join(w.root, trip, 'IMG_0001.jpg'));
    assert.equal(md5(bytes), md5Of(s.lib, s.ids.img1));
  });

  it('names folders by album date and title, sanitised, numbered when they collide', async () => {
    const folders = new Set(
      [...(await readAlbums(w.root)).keys()].map((k) => path.posix.dirname(k)),
    );
    assert.deepEqual([...folders].sort(), [
      'albums/2016/0109 Trip to Rome',
      'albums/2016/0301 Best of',
      'albums/2016/0505 Paris_Lyon 🎉',
      'albums/2016/0707 Same',
      'albums/2016/0707 Same (1)',
      'albums/2016/0909 Dups',
    ]);
    // Empty, Auto Backup and profile photos albums get no folder.
  });

  it('indexes a photo that sits in three albums once, and every link resolves to its bytes', async () => {
    const albums = await readAlbums(w.root);
    const collage = [...albums.values()].filter((e) => e.resolved === 'picasa/2016/01/COLLAGE.jpg');
    assert.equal(collage.length, 3);
    assert.equal(new Set(collage.map((e) => e.ino)).size, 1);
    const tree = await readTree(w.root, { skip: ['.gphotos'] });
    for (const e of albums.values()) {
      assert.ok(e.resolved.startsWith('drive/') || e.resolved.startsWith('picasa/'), e.path);
      assert.equal(tree.get(e.path)?.md5, tree.get(e.resolved)?.md5, e.path);
    }
    const dups = [...albums.keys()].filter((k) => k.startsWith('albums/2016/0909 Dups/')).sort();
    assert.deepEqual(dups, [
      'albums/2016/0909 Dups/IMG_0001 (1).jpg',
      'albums/2016/0909 Dups/IMG_0001.jpg',
    ]);
    assert.equal(
      albums.get('albums/2016/0909 Dups/IMG_0001.jpg')?.resolved,
      'drive/Google Photos/2016/IMG_0001.jpg',
    );
    assert.equal(
      albums.get('albums/2016/0909 Dups/IMG_0001 (1).jpg')?.resolved,
      'picasa/2016/01/IMG_0001.jpg',
    );
  });

  it('answers "which albums hold this file" and "which album items are not in Drive" in SQL', async () => {
    const q = await runCli(
      [
        'query',
        w.root,
        "SELECT album, entry_name FROM album_entries WHERE file_path = 'picasa/2016/01/COLLAGE.jpg' ORDER BY album",
        '--json',
      ],
      w.env,
    );
    assert.equal(q.code, 0, q.stderr);
    assert.deepEqual(
      (JSON.parse(q.stdout) as Array<{ album: string }>).map((r) => r.album),
      ['Best of', 'Paris/Lyon 🎉', 'Trip to Rome'],
    );
    const notInDrive = await runCli(
      [
        'query',
        w.root,
        "SELECT count(DISTINCT media_remote_id) AS n FROM album_items WHERE media_source = 'picasa'",
        '--json',
      ],
      w.env,
    );
    assert.equal(Number((JSON.parse(notInDrive.stdout) as Array<{ n: unknown }>)[0]?.n), 5);
  });

  it('a second pass changes nothing on disk and reads no album feed again', async () => {
    const before = await snapshot(w.root);
    const from = w.emu.requests.length;
    const r = await w.sync();
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
    assert.equal(r.summary?.downloaded, 0);
    assert.deepEqual(await snapshot(w.root), before);
    const feeds = w.emu.requests.slice(from).filter((q) => q.path.includes('/albumid/'));
    assert.deepEqual(feeds, []);
  });
});
