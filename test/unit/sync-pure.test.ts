import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filteredOut } from '../../src/sync/filters.ts';
import { adopts, canMove, decide, mayMove } from '../../src/sync/planner.ts';
import { FolderPaths } from '../../src/sync/sources/drive/folders.ts';
import { toEntry, qString } from '../../src/remote/drive/wire.ts';

describe('filters', () => {
  const photo = (iso: string | null) => ({
    mimeType: 'image/jpeg',
    when: iso ? new Date(iso) : null,
  });
  const none = { skipVideo: false, startDate: null, endDate: null };
  it('keeps everything by default', () => {
    assert.equal(filteredOut(photo(null), none), null);
    assert.equal(filteredOut({ mimeType: 'video/mp4', when: null }, none), null);
  });
  it('--skip-video drops videos only', () => {
    assert.match(
      String(filteredOut({ mimeType: 'video/mp4', when: null }, { ...none, skipVideo: true })),
      /video/,
    );
    assert.equal(filteredOut(photo(null), { ...none, skipVideo: true }), null);
  });
  it('dates are inclusive days in UTC', () => {
    const f = { ...none, startDate: '2017-01-01', endDate: '2017-12-31' };
    assert.equal(filteredOut(photo('2017-01-01T00:00:00Z'), f), null);
    assert.equal(filteredOut(photo('2017-12-31T23:59:59Z'), f), null);
    assert.match(String(filteredOut(photo('2016-12-31T23:59:59Z'), f)), /before/);
    assert.match(String(filteredOut(photo('2018-01-01T00:00:00Z'), f)), /after/);
    assert.match(String(filteredOut(photo(null), f)), /no known date/);
  });
});

describe('planner', () => {
  const disk = (size: number | null, mtimeMs: number | null, exists = true) => ({
    exists,
    isFile: exists,
    size,
    mtimeMs,
  });
  it('downloads what is missing or has the wrong size', () => {
    assert.equal(
      decide({ state: 'pending', size: 10, expectedMtimeMs: 0 }, disk(null, null, false)),
      'download',
    );
    assert.equal(decide({ state: 'done', size: 10, expectedMtimeMs: 0 }, disk(9, 0)), 'download');
    assert.equal(
      decide(
        { state: 'done', size: 10, expectedMtimeMs: 0 },
        { exists: true, isFile: false, size: 4096, mtimeMs: 0 },
      ),
      'download',
    );
  });
  it('trusts a done file with its size and mtime, verifies anything else', () => {
    assert.equal(
      decide({ state: 'done', size: 10, expectedMtimeMs: 5000 }, disk(10, 5000)),
      'present',
    );
    assert.equal(
      decide({ state: 'done', size: 10, expectedMtimeMs: 5000 }, disk(10, 9000)),
      'verify',
    );
    assert.equal(
      decide({ state: 'pending', size: 10, expectedMtimeMs: 5000 }, disk(10, 5000)),
      'verify',
    );
    assert.equal(
      decide({ state: 'failed', size: 10, expectedMtimeMs: null }, disk(10, 1)),
      'verify',
    );
  });
});

describe('planner: move, adopt or download', () => {
  const file = (size: number | null) => ({ exists: true, isFile: true, size, mtimeMs: 0 });
  const item = (movedFrom: string | null, size: number | null = 10) => ({
    relPath: 'drive/new.jpg',
    movedFrom,
    size,
  });
  it('moves the old file only when it is a regular file of the right size', () => {
    const cases: Array<[string, ReturnType<typeof item>, Parameters<typeof canMove>[1], boolean]> =
      [
        ['no old path', item(null), file(10), false],
        ['old path is the new one', item('drive/new.jpg'), file(10), false],
        ['old file not looked at', item('drive/old.jpg'), null, false],
        ['old file there, same size', item('drive/old.jpg'), file(10), true],
        ['old file of another size', item('drive/old.jpg'), file(9), false],
        ['size unknown: any file', item('drive/old.jpg', null), file(123), true],
        [
          'old file missing',
          item('drive/old.jpg'),
          { ...file(null), exists: false, isFile: false },
          false,
        ],
        ['a folder there', item('drive/old.jpg'), { ...file(10), isFile: false }, false],
      ];
    for (const [what, i, was, expected] of cases) assert.equal(canMove(i, was), expected, what);
  });
  it('looks at the old path only when there is one', () => {
    assert.equal(mayMove(item(null)), false);
    assert.equal(mayMove(item('drive/new.jpg')), false);
    assert.equal(mayMove(item('drive/old.jpg')), true);
  });
  it("adopts a present file whose md5 is the index's, or when the index has none", () => {
    const cases: Array<[string | null, string | null, boolean]> = [
      ['abc', 'abc', true],
      ['abc', 'abd', false],
      [null, null, true],
      ['abc', null, false],
    ];
    for (const [index, local, expected] of cases) {
      assert.equal(adopts(index, local), expected, `${index} vs ${local}`);
    }
  });
});

describe('drive folder paths', () => {
  it('builds sanitised paths from the roots and uses the first parent inside the backup', () => {
    const paths = new FolderPaths(new Map([['gp', 'drive/Google Photos']]));
    paths.add({ kind: 'folder', id: 'y', name: '2017', parents: ['gp'] });
    paths.add({ kind: 'folder', id: 'bad', name: '../x', parents: ['y'] });
    paths.add({ kind: 'folder', id: 'two', name: 'Shared', parents: ['elsewhere', 'y', 'gp'] });
    paths.add({ kind: 'folder', id: 'orphan', name: 'o', parents: ['elsewhere'] });
    assert.equal(paths.pathOf('bad'), 'drive/Google Photos/2017/.._x');
    assert.equal(paths.pathOf('two'), 'drive/Google Photos/2017/Shared');
    assert.equal(paths.pathOf('orphan'), undefined);
    assert.equal([...paths.entries()].length, 3);
  });
});

describe('drive wire parsing', () => {
  it('keeps images and videos, drops trashed items and other types', () => {
    const base = {
      id: 'a',
      name: 'x.jpg',
      parents: ['p'],
      size: '12',
      md5Checksum: 'D41D8CD98F00B204E9800998ECF8427E',
    };
    const e = toEntry({
      ...base,
      mimeType: 'image/jpeg',
      imageMediaMetadata: { time: '2017:05:21 13:45:02' },
    });
    assert.deepEqual(e, {
      kind: 'media',
      id: 'a',
      name: 'x.jpg',
      mimeType: 'image/jpeg',
      parents: ['p'],
      size: 12,
      md5: 'd41d8cd98f00b204e9800998ecf8427e',
      sha256: null,
      canDownload: true,
      createdTime: null,
      modifiedTime: null,
      exifTime: '2017:05:21 13:45:02',
    });
    assert.equal(toEntry({ ...base, mimeType: 'application/pdf' }), null);
    assert.equal(toEntry({ ...base, mimeType: 'application/vnd.google-apps.document' }), null);
    assert.equal(toEntry({ ...base, mimeType: 'image/png', trashed: true }), null);
    assert.equal(
      toEntry({ ...base, mimeType: 'image/png', size: 'lots' })?.kind === 'media' &&
        (toEntry({ ...base, mimeType: 'image/png', size: 'lots' }) as { size: unknown }).size,
      null,
    );
  });
  it('escapes q string literals', () => {
    assert.equal(qString("it's a \\ test"), "'it\\'s a \\\\ test'");
  });
});
