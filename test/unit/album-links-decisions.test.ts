/** The album phase's decisions (sync/album-links.ts), as tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MediaState } from '../../src/index/media-repo.ts';
import { folderChanges, wantedEntries } from '../../src/sync/album-links.ts';

test('folderChanges and wantedEntries: what the album phase decides', () => {
  const at = new Date('2024-03-04T00:00:00Z');
  const row = (albumId: string, relPath: string | null) => ({
    albumId,
    title: albumId,
    albumType: null,
    albumTime: at,
    updated: '',
    numPhotos: 1,
    listedCount: 1,
    listedComplete: true,
    relPath,
    pathKey: relPath?.toLowerCase() ?? null,
    linksHash: 'h',
    goneAt: null,
  });
  const changes = folderChanges(
    [
      row('same', 'albums/2024/0304 A'),
      row('renamed', 'albums/2024/0304 B'),
      row('new', null),
      row('gone', 'albums/2024/0304 C'),
    ],
    new Map([
      ['same', 'albums/2024/0304 A'],
      ['renamed', 'albums/2024/0304 B2'],
      ['new', 'albums/2024/0304 N'],
    ]),
  );
  assert.deepEqual(
    changes,
    new Map([
      ['renamed', { relPath: 'albums/2024/0304 B2', pathKey: 'albums/2024/0304 b2' }],
      ['new', { relPath: 'albums/2024/0304 N', pathKey: 'albums/2024/0304 n' }],
      ['gone', null],
    ]),
  );

  const target = (
    photoId: string,
    name: string,
    relPath: string,
    state: MediaState,
    entryName: string | null = null,
  ) => ({ photoId, name, relPath, state, entryName });
  const wanted = wantedEntries([
    target('1', 'a.jpg', 'drive/x/a.jpg', 'done', 'a.jpg'),
    target('2', 'a.jpg', 'picasa/2024/03/a.jpg', 'pending'),
    target('3', 'b.jpg', 'drive/x/b.jpg', 'done'),
  ]);
  assert.deepEqual(
    wanted.entries,
    new Map([
      ['a.jpg', 'drive/x/a.jpg'],
      ['a (1).jpg', 'picasa/2024/03/a.jpg'],
      ['b.jpg', 'drive/x/b.jpg'],
    ]),
  );
  assert.deepEqual([...wanted.desired.keys()], ['a.jpg', 'b.jpg']);
  assert.equal(wanted.waiting, 1);
});
