/**
 * The albums phase against a real index and file system: folders made, a rerun that touches
 * nothing, and an album a killed pass left half-linked completed by the next one.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { AlbumRepo, type AlbumItemRow } from '../../src/index/album-repo.ts';
import { MediaRepo, type ListedMediaRow } from '../../src/index/media-repo.ts';
import { linkAlbums } from '../../src/sync/album-links.ts';
import { testIndex, type TestIndex } from '../helpers/db.ts';

let ti: TestIndex;
let root: string;
before(async () => {
  ti = await testIndex();
  root = await mkdtemp(path.join(os.tmpdir(), 'gphotos-links-'));
});
after(async () => {
  await ti.cleanup();
  await rm(root, { recursive: true, force: true });
});

const seen = new Date('2024-01-01T00:00:00Z');
const log = pino({ level: 'silent' });

function media(id: string, relPath: string): ListedMediaRow {
  const name = relPath.split('/').at(-1) as string;
  return {
    source: 'drive',
    remoteId: id,
    folderId: null,
    relPath,
    pathKey: relPath.toLowerCase(),
    originalName: name,
    baseName: name,
    dupNumber: 0,
    size: 3,
    md5: null,
    mimeType: 'image/jpeg',
    takenTime: null,
    createdTime: null,
    modifiedTime: null,
    state: 'pending',
  };
}

function member(photoId: string, position: number, id: string, name: string): AlbumItemRow {
  return {
    albumId: 'A',
    photoId,
    position,
    name,
    size: 3,
    takenTime: null,
    mimeType: 'image/jpeg',
    isVideo: false,
    mediaUrl: '',
    mediaSource: 'drive',
    mediaRemoteId: id,
    entryName: null,
  };
}

test('album folders are completed after a killed pass, and a rerun writes nothing', async () => {
  const account = 'links';
  const m = new MediaRepo(ti.db.knex, account);
  const albums = new AlbumRepo(ti.db.knex, account);
  const files = ['drive/GP/a.jpg', 'drive/GP/b.jpg', 'drive/GP/c.jpg'];
  await mkdir(path.join(root, 'drive/GP'), { recursive: true });
  for (const f of files) await writeFile(path.join(root, f), 'abc');
  await m.upsertListed(
    files.map((f, i) => media(`d${i}`, f)),
    seen,
  );
  await m.markMany(files.map((_, i) => ({ source: 'drive', remoteId: `d${i}`, state: 'done' })));
  await albums.upsertListed(
    [
      {
        albumId: 'A',
        title: 'Trip/2024',
        albumType: null,
        albumTime: new Date('2024-03-04T23:30:00Z'),
        updated: 'u',
        numPhotos: 3,
      },
    ],
    seen,
  );
  await albums.replaceItems(
    'A',
    files.map((f, i) => member(`p${i}`, i, `d${i}`, f.split('/').at(-1) as string)),
    { count: 3, complete: true, changed: true, updated: 'u' },
  );
  const deps = {
    root,
    albums,
    log,
    signal: new AbortController().signal,
    mode: 'symlink' as const,
  };

  const first = await linkAlbums({ ...deps, albumTitle: null });
  assert.equal(first.added, 3);
  const folder = path.join(root, 'albums/2024/0304 Trip_2024');
  assert.deepEqual((await readdir(folder)).sort(), ['a.jpg', 'b.jpg', 'c.jpg']);
  assert.equal(await readlink(path.join(folder, 'a.jpg')), '../../../drive/GP/a.jpg');

  // Unchanged: the folder is not even read.
  const again = await linkAlbums({ ...deps, albumTitle: null });
  assert.equal(again.visited, 0);

  // A pass killed half way through the folder: one entry missing, a temp entry left, and the
  // album's links hash never written (it is written only after the whole folder is done).
  await rm(path.join(folder, 'b.jpg'));
  await writeFile(path.join(folder, '.c.jpg.gphotos-part'), '');
  await ti.db.knex('albums').where({ account, album_id: 'A' }).update({ links_hash: null });
  const next = await linkAlbums({ ...deps, albumTitle: null });
  assert.equal(next.visited, 1);
  assert.equal(next.added, 1);
  assert.deepEqual((await readdir(folder)).sort(), ['a.jpg', 'b.jpg', 'c.jpg']);
  assert.equal((await linkAlbums({ ...deps, albumTitle: null })).visited, 0);
});
