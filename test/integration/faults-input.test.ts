/**
 * Bad input from Google: a broken or HTML answer that persists past the retries (in a full Drive
 * listing, in the changes feed, in the Picasa feeds) ends the pass with exit 1 and leaves the tree
 * and index as they were; a page token Drive rejects restarts the listing. (A single broken
 * answer that a retry fixes is covered in faults.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { addPhoto } from '../fakes/google/changes-mutate.ts';
import {
  LibraryBuilder,
  md5Of,
  picasaMd5Of,
  type FakeAlbum,
  type Library,
} from '../fakes/google/library.ts';
import type { FaultRule } from '../fakes/google/server.ts';
import type { RunResult } from '../helpers/cli.ts';
import { assertIndexAgreesWithDisk, indexRows, tempFilesIn } from '../helpers/index-rows.ts';
import { world } from '../helpers/pass.ts';
import { readTree } from '../helpers/tree.ts';

const outputOf = (r: RunResult) => r.stdout + r.stderr;

interface Scenario {
  lib: Library;
  /** Drive photos present from the first pass on. */
  ids: string[];
  /** Google Photos/2019. */
  folder: string;
  /** An album with a Photos-only item that appears upstream after the first pass. */
  lateAlbum: { album: FakeAlbum; md5: string };
}

/** Four photos in Google Photos/2019 and an album; a second album is added later. */
function scenario(): Scenario {
  const b = new LibraryBuilder();
  const folder = b.folder('2019', b.folder('Google Photos'));
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    ids.push(b.photo(`P${String(i).padStart(4, '0')}.jpg`, folder, { size: 4096 + i }));
  }
  const collage = b.creation({ name: 'COLLAGE.jpg', takenAt: '2019-03-01T10:00:00Z' });
  b.album({ title: 'Trip', date: '2019-03-01T00:00:00Z', members: [ids[0] as string, collage] });
  const late = b.creation({ name: 'LATE.jpg', takenAt: '2019-04-01T10:00:00Z' });
  b.album({ title: 'Late', date: '2019-04-01T00:00:00Z', members: [late] });
  const lib = b.build();
  const lateAlbum = { album: lib.albums.pop() as FakeAlbum, md5: picasaMd5Of(lib, late) };
  return { lib, ids, folder, lateAlbum };
}

/**
 * A complete first pass, then an item added upstream (a Drive photo, or an album with a
 * Photos-only item) and `fault` injected for good: the second pass (with `args`) must stop with
 * exit 1 and a message matching `message`, leave the tree and the index as the first pass left
 * them, and a third pass with the fault gone must download the new item.
 */
async function persistentFault(
  t: TestContext,
  opts: {
    fault: (s: Scenario) => FaultRule;
    message: RegExp;
    late: 'drive' | 'album';
    args?: string[];
  },
): Promise<void> {
  const { late } = opts;
  const s = scenario();
  const w = await world(s.lib);
  try {
    const r1 = await w.sync();
    assert.equal(r1.code, 0, outputOf(r1).slice(-2000));
    const treeBefore = await readTree(w.root);
    const rowsBefore = await indexRows(w.root, w.env);
    assert.equal(rowsBefore.filter((r) => r.state === 'done').length, s.ids.length + 1);

    let lateMd5 = s.lateAlbum.md5;
    if (late === 'drive') {
      const id = addPhoto(w.emu.library, 'LATE.jpg', s.folder, { size: 5000 });
      lateMd5 = md5Of(w.emu.library, id);
    } else w.emu.library.albums.push(s.lateAlbum.album);
    w.emu.faults.add({ ...opts.fault(s), times: Infinity });
    const r2 = await w.sync([...(opts.args ?? []), '--retries', '3']);
    assert.equal(r2.code, 1, outputOf(r2).slice(-3000));
    assert.equal(r2.summary?.exitCode, 1, outputOf(r2).slice(-3000));
    assert.match(String(r2.summary?.error), opts.message);
    const errorLine = r2.lines.find((l) => l.level === 50 || l.level === 'error');
    assert.match(String(errorLine?.msg), opts.message);
    t.diagnostic(String(errorLine?.msg));
    const retried = r2.lines.filter((l) => l.msg === 'retrying a Google call');
    assert.ok(retried.length >= 2, 'the pacer retried before giving up');
    assert.deepEqual(await readTree(w.root), treeBefore, 'the tree changed');
    assert.deepEqual(await indexRows(w.root, w.env), rowsBefore, 'the index changed');

    w.emu.faults.clear();
    const r3 = await w.sync();
    assert.equal(r3.code, 0, outputOf(r3).slice(-2000));
    // An album whose feed failed must be read again although its `updated` did not move.
    assert.equal(r3.summary?.downloaded, 1, `the late ${late} item was not downloaded`);
    const tree = await readTree(w.root);
    assert.deepEqual(tempFilesIn(tree), []);
    const md5s = new Set([...tree.values()].map((f) => f.md5));
    assert.ok(md5s.has(lateMd5), `the late ${late} item is not in the tree`);
    for (const id of s.ids) assert.ok(md5s.has(md5Of(w.emu.library, id)));
    assertIndexAgreesWithDisk(await indexRows(w.root, w.env), tree);
  } finally {
    await w.close();
  }
}

describe('bad input from Google', () => {
  it('a full listing whose files.list answer stays truncated JSON: exit 1, tree and index intact, next pass completes', async (t) => {
    // --flush-index lists everything (later passes read the changes feed otherwise).
    await persistentFault(t, {
      fault: () => ({ route: 'files.list', kind: 'malformedJson200', skip: 1 }),
      message: /^listing Drive folders failed: Google's answer was unusable \(/,
      late: 'drive',
      args: ['--flush-index'],
    });
  });

  it('a changes feed that stays truncated JSON: exit 1, tree and index intact, next pass completes', async (t) => {
    await persistentFault(t, {
      fault: () => ({ route: 'changes.list', kind: 'malformedJson200' }),
      message: /^listing Drive changes failed: Google's answer was unusable \(/,
      late: 'drive',
    });
  });

  it('an HTML error page where JSON was expected, for good: exit 1, tree and index intact', async (t) => {
    await persistentFault(t, {
      fault: () => ({ route: 'changes.list', kind: 'htmlError502' }),
      message:
        /^listing Drive changes failed: HTTP 502 \(Google answered with an HTML error page\)/,
      late: 'drive',
    });
  });

  it('the Picasa album list stays truncated XML: exit 1, tree and index intact, next pass completes', async (t) => {
    await persistentFault(t, {
      fault: () => ({ route: 'picasa.feed', kind: 'malformedXml200' }),
      message: /^listing albums .*failed: the answer is not well-formed XML/,
      late: 'album',
    });
  });

  it("a new album's feed stays truncated XML: exit 1, tree and index intact, next pass reads it", async (t) => {
    await persistentFault(t, {
      // The album list reads fine; the new album's own feed is broken.
      fault: (s) => ({
        route: 'picasa.feed',
        fileId: s.lateAlbum.album.id,
        kind: 'malformedXml200',
      }),
      message: /^listing album "Late" .*failed: the answer is not well-formed XML/,
      late: 'album',
    });
  });

  it('a page token Drive rejects restarts that listing; the pass completes with the full tree', async () => {
    // 1,010 photos in one folder: its listing takes two pages of 1,000.
    const b = new LibraryBuilder();
    const y = b.folder('2019', b.folder('Google Photos'));
    const ids: string[] = [];
    for (let i = 0; i < 1010; i++)
      ids.push(b.photo(`P${String(i).padStart(4, '0')}.jpg`, y, { size: 256 }));
    const lib = b.build();
    const w = await world(lib);
    try {
      // Requests 1-3 list My Drive's root, Google Photos and the first page of 2019.
      w.emu.faults.add({ route: 'files.list', kind: 'invalidPageToken400', skip: 3 });
      const r = await w.sync();
      assert.equal(r.code, 0, outputOf(r).slice(-3000));
      assert.equal(w.emu.faults.pending(), 0, 'the fault was injected');
      const lists = w.emu.requests.filter((q) => q.route === 'files.list');
      const rejected = lists.findIndex((q) => q.status === 400);
      assert.ok(lists[rejected]?.query.pageToken, 'the rejected request carried a page token');
      const restart = lists[rejected + 1];
      assert.equal(
        restart?.query.pageToken,
        undefined,
        'the listing restarted from its first page',
      );
      assert.equal(restart?.query.q, lists[rejected]?.query.q);
      assert.equal(r.summary?.indexed, ids.length);
      assert.equal(r.summary?.downloaded, ids.length);
      const tree = await readTree(w.root);
      assert.equal(tree.size, ids.length, 'every photo once, no ` (1)` copies');
      for (const [p] of tree) assert.match(p, /^drive\/Google Photos\/2019\/P\d{4}\.jpg$/);
      const rows = await indexRows(w.root, w.env);
      assert.equal(rows.length, ids.length);
      assertIndexAgreesWithDisk(rows, tree);
    } finally {
      await w.close();
    }
  });
});
