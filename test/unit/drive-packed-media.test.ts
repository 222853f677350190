// The packed form of a full Drive listing: every item comes back equal, whatever its strings
// hold, and a packed listing is placed as the same listing unpacked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RemoteMedia } from '../../src/remote/types.ts';
import { FolderPaths } from '../../src/sync/sources/drive/folders.ts';
import { placeListing } from '../helpers/drive-placement.ts';
import { packedId, packMedia, unpackMedia } from '../../src/sync/sources/drive/packed-media.ts';
import { dedupeById } from '../../src/sync/sources/drive/shortcut-listing.ts';

const media = (id: string, over: Partial<RemoteMedia> = {}): RemoteMedia => ({
  kind: 'media',
  id,
  name: `${id}.jpg`,
  mimeType: 'image/jpeg',
  parents: ['gp'],
  size: 1234,
  md5: 'a'.repeat(32),
  sha256: 'b'.repeat(64),
  canDownload: true,
  createdTime: '2017-05-21T13:45:02.817Z',
  modifiedTime: '2018-01-01T00:00:00.000Z',
  exifTime: '2017:05:21 13:45:02',
  ...over,
});

describe('packed Drive media', () => {
  const cases: Array<[string, RemoteMedia]> = [
    ['plain', media('1AbC-_x')],
    [
      'every nullable field null, no parents, restricted',
      media('n', {
        parents: [],
        size: null,
        md5: null,
        sha256: null,
        canDownload: false,
        createdTime: null,
        modifiedTime: null,
        exifTime: null,
      }),
    ],
    ['several parents, in order', media('p', { parents: ['b', 'a', 'gp'] })],
    ['a size past 2^32', media('big', { size: 2 ** 53 - 1 })],
    ['size 0 and empty name', media('zero', { size: 0, name: '' })],
    [
      'separators, quotes and NULs in the strings',
      media('q', { name: 'a","b\u0000c\\d\n]', exifTime: '2017:05:21 13:45:02\u0000\u0000' }),
    ],
    ['non-Latin-1 and a lone surrogate', media('u', { name: 'été 写真 \ud800 😀.jpg' })],
    ['an id with a quote and a backslash', media('i"d\\x')],
    ['an id with a control character', media('i\td')],
  ];
  for (const [what, m] of cases) {
    it(`round trip: ${what}`, () => {
      const p = packMedia(m);
      assert.deepEqual(unpackMedia(p), m);
      assert.equal(packedId(p), m.id);
    });
  }

  it('a typical item packs into one string of under 300 characters', () => {
    const p = packMedia(media('1'.repeat(33)));
    assert.equal(typeof p, 'string');
    // The object's fields alone: 11 strings, each with a header of 12 bytes or more.
    assert.ok(p.length < 300, `${p.length} characters`);
  });

  it('dedupeById with packedId keeps the first of each id, in order', () => {
    const items = ['a', 'b', 'a', 'c', 'b'].map((id, i) => packMedia(media(id, { size: i })));
    dedupeById(items, packedId);
    assert.deepEqual(
      items.map((p) => [packedId(p), unpackMedia(p).size]),
      [
        ['a', 0],
        ['b', 1],
        ['c', 3],
      ],
    );
  });

  it('a packed listing is placed as the same listing unpacked', () => {
    const paths = new FolderPaths(new Map([['gp', 'drive/Google Photos']]));
    paths.add({ kind: 'folder', id: 'sub', name: 'Sub', parents: ['gp'] });
    const listed = [
      media('x', { name: 'IMG.jpg', createdTime: '2017-01-01T00:00:00Z' }),
      media('y', { name: 'img.JPG', createdTime: '2016-01-01T00:00:00Z' }),
      media('z', { parents: ['outside'] }),
      media('w', { name: 'IMG.jpg', parents: ['outside', 'sub'] }),
    ];
    const plain = placeListing(listed, paths, new Map(), false);
    const packed = placeListing(listed.map(packMedia), paths, new Map(), false, unpackMedia);
    assert.deepEqual(packed.placements, plain.placements);
    assert.deepEqual(packed.folderIds, plain.folderIds);
    assert.deepEqual(packed.folderIds, ['gp', 'gp', 'sub']);
    assert.deepEqual(packed.kept.map(unpackMedia), plain.kept);
    assert.deepEqual(
      plain.placements.map((p) => p.relPath),
      [
        'drive/Google Photos/IMG (1).jpg',
        'drive/Google Photos/img.JPG',
        'drive/Google Photos/Sub/IMG.jpg',
      ],
    );
  });
});
