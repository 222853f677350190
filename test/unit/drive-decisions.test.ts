/** The Drive source's decisions, as tables: what a change means, how a full listing is placed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FolderRow } from '../../src/index/folder-repo.ts';
import type { MediaRow } from '../../src/index/media-repo.ts';
import type { RemoteChange, RemoteMedia } from '../../src/remote/types.ts';
import { sortChanges } from '../../src/sync/sources/drive/changes.ts';
import { mediaRow } from '../helpers/media-rows.ts';
import { FolderPaths } from '../../src/sync/sources/drive/folders.ts';
import { placeListing } from '../helpers/drive-placement.ts';
import { compact, toRow, listingHash, unchangedRow } from '../../src/sync/sources/drive/listing.ts';

const media = (id: string, parents = ['gp'], over: Partial<RemoteMedia> = {}): RemoteMedia => ({
  kind: 'media',
  id,
  name: `${id}.jpg`,
  mimeType: 'image/jpeg',
  parents,
  size: 10,
  md5: null,
  sha256: null,
  canDownload: true,
  createdTime: '2016-01-01T00:00:00Z',
  modifiedTime: null,
  exifTime: null,
  ...over,
});
const change = (id: string, over: Partial<RemoteChange> = {}): RemoteChange => ({
  fileId: id,
  removed: false,
  entry: media(id),
  trashed: false,
  mimeType: 'image/jpeg',
  time: '',
  ...over,
});
const stored = mediaRow;

describe('what a Drive change means', () => {
  const paths = new FolderPaths(new Map([['gp', 'drive/Google Photos']]));
  paths.add({ kind: 'folder', id: 'sub', name: 'Sub', parents: ['gp'] });
  const folder = (id: string, relPath: string): [string, FolderRow] => [
    id,
    { folderId: id, name: id, parentId: 'gp', relPath },
  ];
  const folders = {
    paths,
    after: new Map([folder('sub', 'drive/Google Photos/Sub'), folder('moved', 'drive/New')]),
    lost: new Set(['trashed-folder']),
  };
  const known = new Map(
    ['k1', 'k2', 'k3', 'k4', 'k5'].map((id) => [id, stored(id)] as [string, MediaRow]),
  );
  const doc = {
    kind: 'other' as const,
    id: 'k4',
    name: 'k4',
    mimeType: 'application/pdf',
    parents: ['gp'],
  };

  it('sorts deletions of known items by reason, and places the rest', () => {
    const cases: Array<[string, RemoteChange, string | 'place' | 'nothing']> = [
      ['removed', change('k1', { removed: true, entry: null }), 'removed from Drive'],
      ['trashed', change('k2', { trashed: true }), 'trashed in Drive'],
      [
        'moved out',
        change('k3', { entry: media('k3', ['elsewhere']) }),
        'moved out of the backed-up folders in Drive',
      ],
      [
        'a doc now',
        change('k4', { entry: doc, mimeType: doc.mimeType }),
        'no longer a photo or video in Drive',
      ],
      ['new, in a subfolder', change('n1', { entry: media('n1', ['sub']) }), 'place'],
      ['renamed', change('k5', { entry: media('k5', ['gp'], { name: 'new.jpg' }) }), 'place'],
      ['unknown and removed', change('u1', { removed: true, entry: null }), 'nothing'],
      ['unknown and trashed', change('u2', { trashed: true }), 'nothing'],
    ];
    for (const [what, c, expected] of cases) {
      const { toPlace, gone } = sortChanges([c], known, folders);
      const reasons = [...gone.keys()];
      const got = reasons.length > 0 ? reasons.join() : toPlace.length > 0 ? 'place' : 'nothing';
      assert.equal(got, expected, what);
    }
  });

  it('items of a lost folder are gone; of a moved folder placed again; gone rows stay', () => {
    const rows = new Map<string, MediaRow>([
      ['a', stored('a', { folderId: 'trashed-folder' })],
      ['b', stored('b', { folderId: 'moved' })],
      ['c', stored('c', { folderId: 'moved', state: 'gone' })],
    ]);
    const { toPlace, gone } = sortChanges([], rows, folders);
    assert.deepEqual(gone, new Map([['its folder was trashed or removed in Drive', ['a']]]));
    assert.deepEqual(
      toPlace.map((p) => [p.id, p.dir]),
      [['b', 'drive/New']],
    );
  });
});

describe('placing a full Drive listing', () => {
  const paths = new FolderPaths(new Map([['gp', 'drive/Google Photos']]));
  const filters = { skipVideo: false, startDate: null, endDate: null };

  it('keeps stored places unless told, numbers duplicates, leaves out what is outside', () => {
    const listed = [
      media('x', ['gp'], { name: 'IMG.jpg', createdTime: '2017-01-01T00:00:00Z' }),
      media('y', ['gp'], { name: 'img.JPG', createdTime: '2016-01-01T00:00:00Z' }),
      media('z', ['outside']),
    ];
    const was = new Map([
      [
        'x',
        compact(stored('x', { relPath: 'drive/Google Photos/IMG.jpg', originalName: 'IMG.jpg' })),
      ],
      [
        'old',
        compact(
          stored('old', {
            relPath: 'drive/Google Photos/img (1).JPG',
            originalName: 'img.JPG',
            dupNumber: 1,
          }),
        ),
      ],
    ]);
    const kept = placeListing(listed, paths, was, false);
    assert.deepEqual(
      kept.kept.map((k, i) => [k.id, kept.placements[i]?.relPath]),
      [
        ['x', 'drive/Google Photos/IMG.jpg'],
        ['y', 'drive/Google Photos/img (2).JPG'],
      ],
    );
    const fresh = placeListing(listed, paths, was, true);
    assert.deepEqual(
      fresh.placements.slice(0, 2).map((p) => p.relPath),
      ['drive/Google Photos/IMG (2).jpg', 'drive/Google Photos/img.JPG'],
    );
  });

  it('writes a row only when its listed columns or its wish to be downloaded changed', () => {
    const p = placeListing([media('x')], paths, new Map(), false).placements[0]!;
    const row = toRow(media('x'), 'gp', p, filters);
    row.listingHash = listingHash(row);
    const same = { ...compact(stored('x')), listingHash: row.listingHash };
    assert.equal(unchangedRow(undefined, row), false);
    assert.equal(unchangedRow(same, row), true);
    assert.equal(unchangedRow({ ...same, listingHash: 'other' }, row), false);
    assert.equal(unchangedRow({ ...same, wanted: false }, row), false, 'skipped or gone before');
  });
});
