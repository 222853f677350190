/**
 * Later Takeout exports: an item edited in Photos gets its new bytes at the same path; an item a
 * later export lacks is never deleted silently (an incremental export infers nothing; with
 * --takeout-complete it is recorded gone, listed by `deleted`, removed only with --do-delete).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeExport } from '../fakes/takeout/export.ts';
import {
  itemBytes,
  makeLibrary,
  type Library,
  type LibraryItem,
} from '../fakes/takeout/library.ts';
import { readTop, takeoutWorld } from '../helpers/takeout.ts';

const T0 = new Date('2025-03-01T10:00:00Z');
const later = (days: number): Date => new Date(T0.getTime() + days * 24 * 3600 * 1000);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Where the file holding `bytes` is under photos/, or undefined. */
async function pathOfBytes(root: string, bytes: Buffer): Promise<string | undefined> {
  const want = sha(bytes);
  for (const e of (await readTop(root, 'photos')).values()) if (e.sha256 === want) return e.rel;
  return undefined;
}

/** A plain original with a sidecar URL, EXIF in its bytes and no album, edited copy or companion. */
function plainOriginal(lib: Library): LibraryItem {
  const followers = new Set(lib.items.filter((i) => i.partnerId !== null).map((i) => i.partnerId));
  const item = lib.items.find(
    (i) =>
      i.kind === 'original' &&
      i.sidecar !== null &&
      i.embeddedDate &&
      i.format === 'jpeg' &&
      i.albums.length === 0 &&
      !i.trashed &&
      i.inYearFolder &&
      !followers.has(i.id),
  );
  assert.ok(item, 'the library has a plain original');
  return item;
}

describe('Takeout: later exports', () => {
  it('an item edited in Photos gets its new bytes at the same path', async () => {
    const w = await takeoutWorld();
    try {
      const lib = makeLibrary({ items: 20, albums: 1, seed: 31 });
      const item = plainOriginal(lib);
      const before = itemBytes(lib, item);
      await w.write(makeExport(lib, { requestedAt: T0, partCount: 1, format: 'zip' }));
      assert.equal((await w.sync()).code, 0);
      const where = await pathOfBytes(w.root, before);
      assert.ok(where, 'the original is filed');

      item.camera = { make: item.camera.make, model: `${item.camera.model} (edited in Photos)` };
      const after = itemBytes(lib, item);
      assert.notEqual(sha(after), sha(before));
      await w.write(makeExport(lib, { requestedAt: later(60), partCount: 1, format: 'zip' }));
      const r = await w.sync();
      assert.equal(r.code, 0, r.stderr);
      const s = r.summary as Record<string, unknown>;
      assert.equal(s.takeoutChanged, 1);
      assert.equal(s.takeoutAdded, 0);
      assert.equal(
        sha(await readFile(path.join(w.root, where))),
        sha(after),
        'same path, new bytes',
      );
      assert.equal(
        await pathOfBytes(w.root, before),
        undefined,
        'the old bytes are not kept twice',
      );
    } finally {
      await w.close();
    }
  });

  it('an incremental export infers no deletion; a complete one records what it lacks, removed only with --do-delete', async () => {
    const w = await takeoutWorld();
    try {
      const lib = makeLibrary({ items: 20, albums: 1, seed: 37 });
      await w.write(makeExport(lib, { requestedAt: T0, partCount: 1, format: 'zip' }));
      assert.equal((await w.sync()).code, 0);
      const dropped = plainOriginal(lib);
      const keep = (i: LibraryItem): boolean => i.id !== dropped.id;
      const droppedPath = await pathOfBytes(w.root, itemBytes(lib, dropped));
      assert.ok(droppedPath);

      await w.write(
        makeExport(lib, { requestedAt: later(60), partCount: 1, format: 'zip', include: keep }),
      );
      const incremental = await w.sync();
      assert.equal(incremental.code, 0, incremental.stderr);
      assert.equal(
        (incremental.summary as Record<string, unknown>).goneNoticed,
        0,
        'an incremental export infers nothing',
      );

      await w.write(
        makeExport(lib, { requestedAt: later(120), partCount: 1, format: 'zip', include: keep }),
      );
      const complete = await w.sync(['--takeout-complete']);
      assert.equal(complete.code, 0, complete.stderr);
      assert.equal((complete.summary as Record<string, unknown>).goneNoticed, 1);
      assert.ok((await stat(path.join(w.root, droppedPath))).isFile(), 'recorded, not deleted');

      const listed = await w.run(['deleted', w.root, '--json']);
      assert.equal(listed.code, 0, listed.stderr);
      const rows = JSON.parse(listed.stdout) as Array<{ path: string; reason: string }>;
      assert.deepEqual(
        rows.map((x) => x.path),
        [droppedPath],
      );
      assert.match(rows[0]?.reason ?? '', /not in the complete Takeout export/);

      const removed = await w.sync(['--takeout-complete', '--do-delete']);
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal((removed.summary as Record<string, unknown>).deletedLocal, 1);
      await assert.rejects(stat(path.join(w.root, droppedPath)), /ENOENT/);
    } finally {
      await w.close();
    }
  });
});
