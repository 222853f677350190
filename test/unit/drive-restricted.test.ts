/**
 * Drive of today, the pure decisions: which download refusals are restrictions, how a listed
 * restricted file becomes a row, when the Google Photos folder counts as abandoned, and the
 * sha256 checks of the writer and of verify.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { toEntry } from '../../src/remote/drive/wire.ts';
import type { RemoteMedia } from '../../src/remote/types.ts';
import { findRestriction, RestrictedError } from '../../src/sync/restriction.ts';
import { listingHash, toRow } from '../../src/sync/sources/drive/listing.ts';
import {
  latestModified,
  photosFolderWarning,
  STALE_MS,
} from '../../src/sync/sources/drive/photos-folder-check.ts';
import { refusalOf } from '../../src/sync/sources/drive/restricted.ts';
import { fileProblem } from '../../src/sync/verify-problems.ts';
import { AtomicFile, IntegrityError } from '../../src/tree/writer.ts';

describe('refusalOf', () => {
  const cases: Array<[number | undefined, string | undefined, boolean, string | null]> = [
    [403, 'cannotDownloadFile', false, 'refused'],
    [403, 'cannotDownloadFile', true, 'refused'],
    [403, 'cannotDownloadAbusiveFile', false, 'acknowledge'],
    [403, 'cannotDownloadAbusiveFile', true, 'abuse'],
    [403, 'userRateLimitExceeded', false, null],
    [403, 'fileNotDownloadable', false, null],
    [404, 'notFound', false, null],
    [500, 'backendError', false, null],
    [undefined, undefined, false, null],
  ];
  for (const [status, reason, acknowledged, want] of cases) {
    it(`${status} ${reason} (acknowledged: ${acknowledged}) -> ${want}`, () => {
      assert.equal(refusalOf({ status, reason }, acknowledged), want);
    });
  }
  it('findRestriction looks through causes', () => {
    const r = new RestrictedError('abuse', 'flagged');
    const wrapped = new Error('downloading x failed', { cause: new Error('inner', { cause: r }) });
    assert.equal(findRestriction(wrapped), r);
    assert.equal(findRestriction(new Error('plain')), undefined);
  });
});

describe('wire: capabilities and sha256', () => {
  const base = { id: 'a', name: 'x.jpg', mimeType: 'image/jpeg', parents: ['p'] };
  const sha = 'AB'.repeat(32);
  const cases: Array<[string, Record<string, unknown>, boolean, string | null]> = [
    ['nothing said', {}, true, null],
    ['canDownload true', { capabilities: { canDownload: true } }, true, null],
    ['canDownload false', { capabilities: { canDownload: false } }, false, null],
    ['capabilities null', { capabilities: null }, true, null],
    ['sha256 lowercased', { sha256Checksum: sha }, true, sha.toLowerCase()],
    ['sha256 malformed', { sha256Checksum: 'abc' }, true, null],
  ];
  for (const [name, extra, canDownload, sha256] of cases) {
    it(name, () => {
      const e = toEntry({ ...base, ...extra }) as RemoteMedia;
      assert.equal(e.canDownload, canDownload);
      assert.equal(e.sha256, sha256);
    });
  }
});

describe('toRow: restricted and sha256', () => {
  const media = (over: Partial<RemoteMedia>): RemoteMedia => ({
    kind: 'media',
    id: 'a',
    name: 'a.jpg',
    mimeType: 'image/jpeg',
    parents: ['gp'],
    size: 10,
    md5: null,
    sha256: null,
    canDownload: true,
    createdTime: '2016-01-01T00:00:00Z',
    modifiedTime: null,
    exifTime: null,
    ...over,
  });
  const place = {
    id: 'a',
    relPath: 'drive/GP/a.jpg',
    pathKey: 'drive/gp/a.jpg',
    baseName: 'a.jpg',
    dupNumber: 0,
  };
  const none = { skipVideo: false, startDate: null, endDate: null };
  it('canDownload false -> restricted no-download', () => {
    const row = toRow(media({ canDownload: false }), 'gp', place, none);
    assert.equal(row.state, 'restricted');
    assert.equal(row.restriction, 'no-download');
  });
  it('downloadable -> pending, no restriction, sha256 kept', () => {
    const row = toRow(media({ sha256: 'f'.repeat(64) }), 'gp', place, none);
    assert.equal(row.state, 'pending');
    assert.equal(row.restriction, null);
    assert.equal(row.sha256, 'f'.repeat(64));
  });
  it('the listing hash changes with sha256 and restriction, and not without them', () => {
    const plain = toRow(media({}), 'gp', place, none);
    const withSha = toRow(media({ sha256: 'f'.repeat(64) }), 'gp', place, none);
    const restricted = toRow(media({ canDownload: false }), 'gp', place, none);
    assert.notEqual(listingHash(plain), listingHash(withSha));
    assert.notEqual(listingHash(plain), listingHash(restricted));
    const { sha256: _s, restriction: _r, ...older } = plain;
    assert.equal(listingHash(plain), listingHash(older));
  });
});

describe('photosFolderWarning', () => {
  const now = new Date('2026-12-07T00:00:00Z');
  const ago = (days: number) => new Date(now.getTime() - days * 86_400_000);
  const cases: Array<[string, Parameters<typeof photosFolderWarning>[0], RegExp | null]> = [
    [
      'absent',
      { found: false, folderModified: null, newestItem: null, now },
      /no "Google Photos" folder.*--all-drive.*--takeout/,
    ],
    [
      'nothing indexed yet',
      { found: true, folderModified: ago(4000).toISOString(), newestItem: null, now },
      null,
    ],
    [
      'an item last week',
      { found: true, folderModified: ago(4000).toISOString(), newestItem: ago(7), now },
      null,
    ],
    [
      'folder touched last week',
      { found: true, folderModified: ago(7).toISOString(), newestItem: ago(900), now },
      null,
    ],
    [
      'both older than a year',
      { found: true, folderModified: ago(800).toISOString(), newestItem: ago(400), now },
      /not changed since 2025-1.*--all-drive.*Takeout/,
    ],
    [
      'exactly a year',
      { found: true, folderModified: null, newestItem: new Date(now.getTime() - STALE_MS), now },
      null,
    ],
    [
      'bad folder time ignored',
      { found: true, folderModified: 'soon', newestItem: ago(500), now },
      /not changed since/,
    ],
  ];
  for (const [name, facts, want] of cases) {
    it(name, () => {
      const got = photosFolderWarning(facts);
      if (want === null) assert.equal(got, null);
      else assert.match(got ?? '', want);
    });
  }
  it('latestModified', () => {
    assert.equal(latestModified([]), null);
    assert.equal(
      latestModified([
        { modifiedTime: '2018-01-01T00:00:00Z' },
        { modifiedTime: null },
        { modifiedTime: '2019-07-01T00:00:00Z' },
        { modifiedTime: 'x' },
      ]),
      '2019-07-01T00:00:00Z',
    );
  });
});

describe('sha256 checks', () => {
  const bytes = Buffer.from('the original bytes');
  const sha = createHash('sha256').update(bytes).digest('hex');
  const md5 = createHash('md5').update(bytes).digest('hex');
  it('verify prefers sha256 and reports its mismatch', () => {
    const disk = { exists: true, isFile: true, size: bytes.length, mtimeMs: 0 } as never;
    const item = { size: bytes.length, md5, sha256: sha };
    assert.equal(fileProblem(item, disk, null, sha), null);
    assert.match(
      fileProblem(item, disk, null, 'e'.repeat(64))?.detail ?? '',
      /^sha256 e+, the index says/,
    );
    assert.equal(fileProblem({ size: bytes.length, md5 }, disk, md5), null);
  });
  it('the writer checks sha256 instead of md5 when given one', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'gps-sha-'));
    try {
      const target = (sha256: string) => ({
        root,
        relPath: 'drive/a.jpg',
        expectedSize: bytes.length,
        expectedMd5: 'not even looked at',
        expectedSha256: sha256,
        mtime: null,
      });
      const good = await AtomicFile.open(target(sha.toUpperCase()));
      await good.write(bytes);
      assert.deepEqual(await good.commit(), {
        bytes: bytes.length,
        md5: sha,
        folder: path.join(root, 'drive'),
      });
      assert.deepEqual(await readFile(path.join(root, 'drive/a.jpg')), bytes);
      const bad = await AtomicFile.open(target('0'.repeat(64)));
      await bad.write(bytes);
      await assert.rejects(bad.commit(), (err: unknown) => {
        assert.ok(err instanceof IntegrityError);
        assert.equal(err.algorithm, 'sha256');
        assert.match(err.message, /expected sha256 0+, got [0-9a-f]{64}/);
        return true;
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
