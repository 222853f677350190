/** The Picasa index's decisions (sync/sources/picasa/match.ts), as tables. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlbumItemRow, AlbumRow } from '../../src/index/album-repo.ts';
import type { PicasaAlbum, PicasaItem } from '../../src/remote/types.ts';
import {
  albumMembers,
  albumsToRead,
  driveKey,
  goneByReason,
  leftMembers,
  matchMember,
  photosOnlyRows,
  picasaKey,
  readAheadEnd,
  selectAlbums,
  vanishedAlbums,
} from '../../src/sync/sources/picasa/match.ts';

const at = new Date('2016-01-09T10:00:00Z');
const item = (name: string, size: number | null, over: Partial<PicasaItem> = {}): PicasaItem => ({
  id: `p-${name}`,
  albumId: 'A',
  name,
  size,
  timestamp: at,
  published: '2016-01-10T00:00:00Z',
  updated: '2016-01-11T00:00:00Z',
  mimeType: 'image/jpeg',
  isVideo: false,
  mediaUrl: `http://x/${name}`,
  videoStatus: null,
  width: null,
  height: null,
  ...over,
});
const album = (id: string, title: string, updated = '2020-01-01T00:00:00Z'): PicasaAlbum => ({
  id,
  title,
  timestamp: at,
  updated,
  albumType: null,
  numPhotos: 1,
});
const row = (albumId: string, over: Partial<AlbumRow> = {}): AlbumRow => ({
  albumId,
  title: albumId,
  albumType: null,
  albumTime: at,
  updated: '2020-01-01T00:00:00Z',
  numPhotos: 1,
  listedCount: 1,
  listedComplete: true,
  relPath: null,
  pathKey: null,
  linksHash: null,
  goneAt: null,
  ...over,
});
const member = (source: string, remoteId: string): AlbumItemRow => ({
  albumId: 'A',
  photoId: `ph-${remoteId}`,
  position: 0,
  name: remoteId,
  size: 1,
  takenTime: at,
  mimeType: 'image/jpeg',
  isVideo: false,
  mediaUrl: '',
  mediaSource: source,
  mediaRemoteId: remoteId,
  entryName: null,
});

describe('matching a member', () => {
  const drive = new Map([[driveKey('a.jpg', 10), 'd1']]);
  it('is the Drive item with the same name and size, else a Photos-only item', () => {
    const cases: Array<[PicasaItem, { source: string; remoteId: string }]> = [
      [item('a.jpg', 10), { source: 'drive', remoteId: 'd1' }],
      [item('a.jpg', 11), { source: 'picasa', remoteId: picasaKey(item('a.jpg', 11)) }],
      [item('A.JPG', 10), { source: 'picasa', remoteId: picasaKey(item('A.JPG', 10)) }],
      [item('b.jpg', null), { source: 'picasa', remoteId: `${at.getTime()}::b.jpg` }],
    ];
    for (const [i, expected] of cases) assert.deepEqual(matchMember(i, drive), expected, i.name);
  });
  it('a photo in two albums is one Photos-only item (its key ignores the per-album id)', () => {
    assert.equal(
      picasaKey(item('c.jpg', 5, { id: 'x' })),
      picasaKey(item('c.jpg', 5, { id: 'y' })),
    );
  });
  it('albumMembers keeps feed order and entry names, and lists the Photos-only items', () => {
    const { members, photosOnly } = albumMembers(
      album('A', 'T'),
      [item('a.jpg', 10), item('n.jpg', 3)],
      drive,
      new Map([['p-a.jpg', 'a (1).jpg']]),
    );
    assert.deepEqual(
      members.map((m) => [m.position, m.mediaSource, m.entryName]),
      [
        [0, 'drive', 'a (1).jpg'],
        [1, 'picasa', null],
      ],
    );
    assert.deepEqual([...photosOnly.keys()], [picasaKey(item('n.jpg', 3))]);
  });
});

describe('which albums are read', () => {
  const stored = new Map([
    ['same', row('same')],
    ['moved', row('moved')],
    ['waits', row('waits')],
  ]);
  const listed = [
    album('same', 'S', '2020-01-01T01:00:00+01:00'),
    album('moved', 'M', '2021-01-01T00:00:00Z'),
    album('waits', 'W'),
    album('new', 'N'),
  ];
  const facts = { modeChanged: false, rereadAll: false, waiting: new Set(['waits']) };
  it('new, changed or waiting albums; the same instant in another zone is no change', () => {
    assert.deepEqual(
      albumsToRead(listed, stored, facts).map((a) => a.id),
      ['moved', 'waits', 'new'],
    );
  });
  it('every album when the mode changed or with --flush-index', () => {
    for (const over of [{ modeChanged: true }, { rereadAll: true }]) {
      assert.equal(albumsToRead(listed, stored, { ...facts, ...over }).length, 4);
    }
  });
  it('--album selects by exact title; none is a usage error naming some', () => {
    assert.deepEqual(
      selectAlbums(listed, 'M').map((a) => a.id),
      ['moved'],
    );
    assert.equal(selectAlbums(listed, null).length, 4);
    assert.throws(
      () => selectAlbums(listed, 'm'),
      (err: { kind?: string; hints?: string[] }) =>
        err.kind === 'usage' && /"S", "M", "W", "N" \(the title/.test(err.hints?.[0] ?? ''),
    );
    assert.throws(() => selectAlbums([], 'x'), { hints: ['this account has no albums'] });
  });
});

describe('what counts as gone', () => {
  it('an album missing from the feed, unless already gone', () => {
    const stored = [row('a'), row('b'), row('c', { goneAt: at })];
    assert.deepEqual(
      vanishedAlbums(stored, new Set(['a'])).map((a) => a.albumId),
      ['b'],
    );
  });
  it('a Photos-only member no longer listed, only when the listing is complete', () => {
    const previous = [member('picasa', 'p1'), member('picasa', 'p2'), member('drive', 'd1')];
    const now = [member('picasa', 'p2')];
    assert.deepEqual(leftMembers(previous, now, true), ['p1']);
    assert.deepEqual(leftMembers(previous, now, false), []);
  });
  it('an item that left albums and that no album holds, by a reason naming them', () => {
    const left = new Map([
      ['p1', new Set(['Trip', 'Best'])],
      ['p2', new Set(['Trip'])],
      ['p3', new Set(['Best', 'Trip'])],
    ]);
    assert.deepEqual(
      goneByReason(left, new Set(['p2'])),
      new Map([['no longer in any album (was in: Best, Trip)', ['p1', 'p3']]]),
    );
  });
});

describe('Photos-only rows', () => {
  const known = new Map([
    ['k', { relPath: 'picasa/2015/01/a.jpg', dupNumber: 0, name: 'a.jpg', timestamp: at }],
  ]);
  it('a known item keeps its place; a new one is placed among the known under picasa/YYYY/MM', () => {
    const listed = new Map([
      ['k', item('a.jpg', 1, { timestamp: new Date('2019-05-05T00:00:00Z') })],
      ['n', item('a.jpg', 2, { timestamp: new Date('2015-01-20T00:00:00Z') })],
      ['v', item('v.mp4', 9, { isVideo: true, mimeType: 'video/mp4' })],
    ]);
    const { rows, placed } = photosOnlyRows(listed, known, {
      skipVideo: true,
      startDate: null,
      endDate: null,
    });
    assert.deepEqual(
      rows.map((r) => [r.remoteId, r.relPath, r.dupNumber, r.size, r.state]),
      [
        ['k', 'picasa/2015/01/a.jpg', 0, 1, 'pending'],
        ['n', 'picasa/2015/01/a (1).jpg', 1, 2, 'pending'],
        ['v', 'picasa/2016/01/v.mp4', 0, null, 'skipped'],
      ],
    );
    assert.deepEqual([...placed.keys()], ['n', 'v']);
    assert.equal(rows[0]?.createdTime?.toISOString(), '2016-01-10T00:00:00.000Z');
  });
});

describe('readAheadEnd: the album feeds read at once', () => {
  const albums = (...counts: number[]) => counts.map((numPhotos) => ({ numPhotos }));
  it('reads four small albums at once, never past the last', () => {
    assert.equal(readAheadEnd(albums(10, 20, 30, 40, 50), 0), 4);
    assert.equal(readAheadEnd(albums(10, 20, 30, 40, 50), 3), 5);
    assert.equal(readAheadEnd(albums(10), 0), 1);
  });
  it('stops before the album that would take the members read ahead past 5,000', () => {
    assert.equal(readAheadEnd(albums(2000, 2000, 2000, 10), 0), 2);
    assert.equal(readAheadEnd(albums(2000, 3000, 1, 1), 0), 2);
    assert.equal(readAheadEnd(albums(2000, 3001, 1, 1), 0), 1);
  });
  it('reads an album larger than the limit alone, and always the album itself', () => {
    assert.equal(readAheadEnd(albums(10, 10_000, 10), 1), 2);
    assert.equal(readAheadEnd(albums(10_000, 10), 0), 1);
  });
});
