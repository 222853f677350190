/**
 * verify's decisions (pure), its report lines, and `verifyTree` over a real index (server
 * Postgres with TEST_DATABASE_URL, else PGlite) and a real temp tree.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import pino from 'pino';
import { formatProblem, formatRepaired, formatSummary } from '../../src/cli/commands/verify.ts';
import { MediaRepo, type ListedMediaRow, type MediaState } from '../../src/index/media-repo.ts';
import { AlbumRepo } from '../../src/index/album-repo.ts';
import {
  fileProblem,
  isIgnoredName,
  itemKey,
  verifyTree,
  type VerifyDeps,
  type VerifyProblem,
  type VerifyResult,
} from '../../src/sync/verify.ts';
import { prepareRepair } from '../../src/sync/repair.ts';
import { testIndex, type TestIndex } from '../helpers/db.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const disk = (size: number | null, over = {}) => ({
  exists: size !== null,
  size,
  mtimeMs: 0,
  isFile: size !== null,
  ...over,
});

test('fileProblem: missing, not a file, size, md5 (only when read), nothing', () => {
  const item = { size: 10, md5: 'ABC' };
  assert.deepEqual(fileProblem(item, disk(null), null), { kind: 'missing', detail: 'not on disk' });
  assert.equal(fileProblem(item, disk(4096, { isFile: false }), null)?.kind, 'changed');
  assert.deepEqual(fileProblem(item, disk(9), null), {
    kind: 'changed',
    detail: 'size 9 bytes, the index says 10',
  });
  assert.equal(fileProblem(item, disk(10), null), null, 'md5 not read: size decides');
  assert.equal(fileProblem(item, disk(10), 'abc'), null, 'md5 compared case-insensitively');
  assert.deepEqual(fileProblem(item, disk(10), 'abd'), {
    kind: 'changed',
    detail: 'md5 abd, the index says abc',
  });
  // Photos-only items: no md5 (size only); videos: no size either (existence only).
  assert.equal(fileProblem({ size: 10, md5: null }, disk(10), 'x'), null);
  assert.equal(fileProblem({ size: null, md5: null }, disk(1), null), null);
  assert.equal(fileProblem({ size: null, md5: null }, disk(null), null)?.kind, 'missing');
});

test('isIgnoredName: NAS and desktop litter only', () => {
  for (const n of ['@eaDir', '.DS_Store', 'Thumbs.db', 'thumbs.db', '._IMG_1.jpg', '#recycle']) {
    assert.ok(isIgnoredName(n), n);
  }
  for (const n of ['IMG_1.jpg', '.hidden.jpg', 'eaDir', '_IMG.jpg', '.gphotos']) {
    assert.ok(!isIgnoredName(n), n);
  }
});

function result(over: Partial<VerifyResult> = {}): VerifyResult {
  return {
    files: 12,
    hashed: 0,
    bytesHashed: 0,
    counts: { missing: 0, changed: 0, unknown: 0, 'broken-link': 0, leftover: 0 },
    problems: 0,
    notDownloaded: 0,
    repairable: [],
    ...over,
  };
}

test('report lines: problem, repaired, summary in text and JSON', () => {
  const p: VerifyProblem = {
    kind: 'missing',
    path: 'drive/a b.jpg',
    detail: 'not on disk',
    item: { source: 'drive', remoteId: 'x', state: 'done' },
  };
  assert.equal(formatProblem(p, false), 'missing      drive/a b.jpg  not on disk');
  assert.deepEqual(JSON.parse(formatProblem(p, true)), {
    kind: 'missing',
    path: 'drive/a b.jpg',
    detail: 'not on disk',
  });
  assert.equal(
    formatRepaired(p, false),
    'repaired     drive/a b.jpg  downloaded again (was missing)',
  );
  assert.equal(
    formatRepaired({ kind: 'leftover', path: 'drive/.a.gphotos-part', detail: '' }, false),
    'repaired     drive/.a.gphotos-part  removed',
  );
  assert.equal(formatSummary('verify', result(), false), 'verify: 12 files checked; no problems');
  const bad = result({
    hashed: 3,
    bytesHashed: 2_500_000,
    problems: 3,
    counts: { missing: 1, changed: 0, unknown: 1, 'broken-link': 1, leftover: 2 },
    notDownloaded: 4,
  });
  assert.equal(
    formatSummary('after repair', bad, false),
    'after repair: 12 files checked (3 hashed, 2.5 MB); 3 problem(s): 1 missing, 1 unknown, ' +
      '1 broken-link; 2 temp file(s) of a stopped pass (the next pass removes them); ' +
      '4 item(s) not downloaded yet (run sync)',
  );
  assert.deepEqual(JSON.parse(formatSummary('verify', bad, true, 3)).summary, {
    stage: 'verify',
    files: 12,
    hashed: 3,
    bytesHashed: 2_500_000,
    problems: 3,
    missing: 1,
    changed: 0,
    unknown: 1,
    brokenLinks: 1,
    leftover: 2,
    notDownloaded: 4,
    exitCode: 3,
  });
});

describe('verifyTree over a real index and tree', () => {
  let ti: TestIndex;
  let root: string;
  let media: MediaRepo;
  let n = 0;
  const silent = pino({ level: 'silent' });

  /** An index row, and (unless content is null) its file with that content. */
  async function item(
    name: string,
    content: string | null,
    over: Omit<Partial<ListedMediaRow>, 'state'> & { state?: MediaState; indexed?: string } = {},
  ): Promise<{ relPath: string; remoteId: string }> {
    const { state = 'done', indexed = content ?? 'x', ...rest } = over;
    const source = rest.source ?? 'drive';
    const relPath = `${source}/Google Photos/${name}`;
    const remoteId = `id${n++}`;
    const row: ListedMediaRow = {
      source,
      remoteId,
      folderId: null,
      relPath,
      pathKey: relPath.toLowerCase(),
      originalName: name,
      baseName: name,
      dupNumber: 0,
      size: Buffer.byteLength(indexed),
      md5: md5(indexed),
      mimeType: 'image/jpeg',
      takenTime: null,
      createdTime: null,
      modifiedTime: null,
      state: 'pending',
      ...rest,
    };
    await media.upsertListed([row], new Date());
    if (state !== 'pending') await media.markMany([{ source, remoteId, state }]);
    if (content !== null) {
      await mkdir(path.dirname(path.join(root, relPath)), { recursive: true });
      await writeFile(path.join(root, relPath), content);
    }
    return { relPath, remoteId };
  }

  async function run(over: Partial<VerifyDeps> = {}) {
    const seen: VerifyProblem[] = [];
    const res = await verifyTree({
      root,
      media,
      albums: new AlbumRepo(ti.db.knex, 'verify'),
      log: silent,
      signal: new AbortController().signal,
      checksums: false,
      hashWidth: 2,
      statWidth: 3,
      progressSeconds: 0,
      onProblem: (p) => seen.push(p),
      ...over,
    });
    const byKind: Record<string, string[]> = {};
    for (const p of seen) (byKind[p.kind] ??= []).push(p.path);
    for (const k of Object.keys(byKind)) byKind[k]?.sort();
    return { res, seen, byKind };
  }

  before(async () => {
    ti = await testIndex();
    root = await mkdtemp(path.join(tmpdir(), 'gphotos-verify-'));
    media = new MediaRepo(ti.db.knex, 'verify');
  });
  after(async () => {
    await ti.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  it('checks every state as its contract says, and the tree for unknown files', async () => {
    // More rows than one stat batch, all fine.
    for (let i = 0; i < 20; i++) await item(`ok${i}.jpg`, `content ${i}`);
    const missing = await item('missing.jpg', null);
    const short = await item('short.jpg', 'abc', { indexed: 'abcd' });
    const rotted = await item('rotted.jpg', 'abcX', { indexed: 'abcY' });
    await item('gone-absent.jpg', null, { state: 'gone' });
    const goneBad = await item('gone-bad.jpg', 'ab', { state: 'gone', indexed: 'abc' });
    await item('skipped.jpg', null, { state: 'skipped' });
    await item('skipped-there.jpg', 'whatever', { state: 'skipped', indexed: 'other' });
    await item('pending.jpg', null, { state: 'pending' });
    const failed = await item('failed.jpg', null, { state: 'failed' });
    await item('video.mp4', 'v', { source: 'picasa', md5: null, size: null });
    await item('photo.jpg', 'p', { source: 'picasa', md5: null });
    await writeFile(path.join(root, 'drive/Google Photos/mine.jpg'), 'm');
    await writeFile(path.join(root, 'drive/Google Photos/.x.jpg.gphotos-part'), '');
    await writeFile(path.join(root, 'drive/Google Photos/.DS_Store'), '');
    await mkdir(path.join(root, 'drive/Google Photos/@eaDir/sub'), { recursive: true });
    await writeFile(path.join(root, 'drive/Google Photos/@eaDir/sub/t.jpg'), '');
    await symlink('mine.jpg', path.join(root, 'drive/Google Photos/link.jpg'));
    // Outside drive/ and picasa/: not ours to judge.
    await writeFile(path.join(root, 'README.txt'), 'r');

    const { res, byKind, seen } = await run();
    assert.deepEqual(byKind, {
      missing: [missing.relPath],
      changed: [goneBad.relPath, short.relPath].sort(),
      unknown: ['drive/Google Photos/link.jpg', 'drive/Google Photos/mine.jpg'],
      leftover: ['drive/Google Photos/.x.jpg.gphotos-part'],
    });
    assert.equal(res.problems, 5);
    assert.equal(res.notDownloaded, 2);
    // 20 ok + missing, short, rotted, gone-bad, video, photo.
    assert.equal(res.files, 26);
    assert.equal(res.hashed, 0);
    assert.deepEqual(res.repairable.map((p) => p.kind).sort(), [
      'changed',
      'changed',
      'leftover',
      'missing',
    ]);
    const gone = seen.find((p) => p.path === goneBad.relPath);
    assert.match(gone?.detail ?? '', /deleted in Google/);
    assert.deepEqual(gone?.item, { source: 'drive', remoteId: goneBad.remoteId, state: 'gone' });

    const hashed = await run({ checksums: true });
    assert.deepEqual(
      hashed.byKind.changed,
      [goneBad.relPath, rotted.relPath, short.relPath].sort(),
    );
    // Drive files of the right size: 20 ok + rotted; picasa items have no md5.
    assert.equal(hashed.res.hashed, 21);

    // After a repair: the items it was asked for are checked whatever their state, md5 included.
    const again = await run({
      recheck: new Set([itemKey('drive', failed.remoteId), itemKey('drive', rotted.remoteId)]),
    });
    assert.deepEqual(again.byKind.missing, [failed.relPath, missing.relPath].sort());
    assert.ok(again.byKind.changed?.includes(rotted.relPath));
    assert.equal(again.res.hashed, 1);
    assert.equal(again.res.notDownloaded, 1);
  });

  it('prepareRepair: damaged rows back to pending (not gone ones), leftovers removed', async () => {
    const { res } = await run();
    const picasaGone = await item('p-missing.jpg', null, { source: 'picasa', md5: null });
    const plan = await prepareRepair(
      { root, media, albums: new AlbumRepo(ti.db.knex, 'verify'), log: silent },
      [
        ...res.repairable,
        {
          kind: 'missing',
          path: picasaGone.relPath,
          detail: '',
          item: { source: 'picasa', remoteId: picasaGone.remoteId, state: 'done' },
        },
      ],
    );
    assert.equal(plan.leftovers, 1);
    assert.equal(plan.albums, 0);
    assert.equal(plan.pass, true);
    assert.equal(plan.listing, true, 'a Photos-only item needs fresh URLs');
    const states = new Map(
      [...(await media.all('drive')), ...(await media.all('picasa'))].map((r) => [
        r.relPath,
        r.state,
      ]),
    );
    for (const p of res.repairable.filter((q) => q.item)) {
      assert.equal(states.get(p.path), p.item?.state === 'gone' ? 'gone' : 'pending', p.path);
    }
    assert.equal(states.get(picasaGone.relPath), 'pending');
    assert.equal(
      plan.items.size,
      res.repairable.filter((q) => q.item?.state === 'done').length + 1,
    );
    const after = await run();
    assert.equal(after.byKind.leftover, undefined);
    // Now pending: not downloaded yet, no longer reported (a recheck would).
    assert.equal(after.byKind.missing, undefined);
  });

  it('stops when the signal aborts', async () => {
    const ctl = new AbortController();
    ctl.abort(new Error('stop'));
    await assert.rejects(run({ signal: ctl.signal }), /stop/);
  });
});
