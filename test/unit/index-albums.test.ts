import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AlbumRepo, type AlbumItemRow } from '../../src/index/album-repo.ts';
import { MediaRepo, type ListedMediaRow } from '../../src/index/media-repo.ts';
import { runQuery } from '../../src/index/query.ts';
import { testIndex, type TestIndex } from '../helpers/db.ts';

let ti: TestIndex;
before(async () => {
  ti = await testIndex();
});
after(() => ti.cleanup());

const seen = new Date('2024-05-01T00:00:00Z');

function media(source: 'drive' | 'picasa', id: string, relPath: string): ListedMediaRow {
  return {
    source,
    remoteId: id,
    folderId: null,
    relPath,
    pathKey: relPath.toLowerCase(),
    originalName: relPath.split('/').at(-1) as string,
    baseName: relPath.split('/').at(-1) as string,
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

function item(albumId: string, photoId: string, position: number, remote: [string, string]) {
  return {
    albumId,
    photoId,
    position,
    name: `${photoId}.jpg`,
    size: 10,
    takenTime: new Date('2016-01-09T10:00:00Z'),
    mimeType: 'image/jpeg',
    isVideo: false,
    mediaUrl: `http://x/${photoId}`,
    mediaSource: remote[0],
    mediaRemoteId: remote[1],
    entryName: null,
  } as AlbumItemRow;
}

test('AlbumRepo: albums, members matched to media, links and the album_entries view', async () => {
  const account = 'albums-a';
  const m = new MediaRepo(ti.db.knex, account);
  const repo = new AlbumRepo(ti.db.knex, account);
  await m.upsertListed(
    [media('drive', 'd1', 'drive/GP/a.jpg'), media('picasa', 'p1', 'picasa/2016/01/b.jpg')],
    seen,
  );
  await repo.upsertListed(
    [
      {
        albumId: 'A1',
        title: 'Trip',
        albumType: null,
        albumTime: new Date('2016-01-09T00:00:00Z'),
        updated: '2016-02-01T00:00:00.000Z',
        numPhotos: 2,
      },
    ],
    seen,
  );
  await repo.replaceItems(
    'A1',
    [item('A1', 'x1', 0, ['drive', 'd1']), item('A1', 'x2', 1, ['picasa', 'p1'])],
    {
      count: 2,
      complete: true,
      changed: true,
    },
  );
  const [album] = await repo.all();
  assert.equal(album?.title, 'Trip');
  // `updated` is what was last read, not listed: set by replaceItems only.
  assert.equal(album?.updated, '');
  assert.equal(album?.listedCount, 2);
  assert.equal(album?.listedComplete, true);
  assert.equal(album?.goneAt, null);

  const targets = await repo.targetsOf('A1');
  assert.deepEqual(
    targets.map((t) => [t.photoId, t.relPath, t.state]),
    [
      ['x1', 'drive/GP/a.jpg', 'pending'],
      ['x2', 'picasa/2016/01/b.jpg', 'pending'],
    ],
  );
  await repo.setFolders(
    new Map([['A1', { relPath: 'albums/2016/0109 Trip', pathKey: 'albums/2016/0109 trip' }]]),
  );
  await repo.setLinks(
    'A1',
    new Map([
      ['x1', 'a.jpg'],
      ['x2', 'b.jpg'],
    ]),
    'hash-1',
  );
  assert.deepEqual(
    (await repo.itemsOf('A1')).map((i) => i.entryName),
    ['a.jpg', 'b.jpg'],
  );
  assert.equal((await repo.all())[0]?.linksHash, 'hash-1');
  assert.equal((await repo.all())[0]?.relPath, 'albums/2016/0109 Trip');
  assert.deepEqual(await repo.mediaUrls('picasa'), new Map([['p1', 'http://x/x2']]));
  assert.deepEqual(await repo.referencedMedia('drive'), new Set(['d1']));

  const view = await runQuery(
    ti.db,
    `SELECT album, entry_name, file_path FROM album_entries WHERE account = '${account}' ORDER BY entry_name`,
  );
  assert.deepEqual(
    view.rows.map((r) => [r.album, r.entry_name, r.file_path]),
    [
      ['Trip', 'a.jpg', 'drive/GP/a.jpg'],
      ['Trip', 'b.jpg', 'picasa/2016/01/b.jpg'],
    ],
  );

  // A re-read that changed the members clears the links hash; gone albums keep their rows.
  await repo.replaceItems('A1', [item('A1', 'x1', 0, ['drive', 'd1'])], {
    count: 1,
    complete: true,
    changed: true,
    updated: '2016-03-01T00:00:00.000Z',
  });
  assert.equal((await repo.all())[0]?.updated, '2016-03-01T00:00:00.000Z');
  assert.equal((await repo.all())[0]?.linksHash, null);
  await repo.markGone(['A1'], seen);
  assert.deepEqual((await repo.all())[0]?.goneAt, seen);
  await repo.upsertListed([{ ...(await repo.all())[0]!, updated: 'u2' }], seen);
  assert.equal((await repo.all())[0]?.goneAt, null);
  assert.equal((await repo.all())[0]?.updated, '2016-03-01T00:00:00.000Z');
});

test('AlbumRepo: an album item must point at an indexed media item', async () => {
  const repo = new AlbumRepo(ti.db.knex, 'albums-fk');
  await repo.upsertListed(
    [
      {
        albumId: 'A',
        title: 'T',
        albumType: null,
        albumTime: seen,
        updated: 'u',
        numPhotos: 1,
      },
    ],
    seen,
  );
  await assert.rejects(
    repo.replaceItems('A', [item('A', 'x', 0, ['picasa', 'missing'])], {
      count: 1,
      complete: true,
      changed: true,
    }),
    /foreign key/i,
  );
  assert.deepEqual(await repo.itemsOf('A'), []);
});
