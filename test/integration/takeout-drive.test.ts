/**
 * A pass with Drive and a Takeout export together: an item the Drive tree already holds (same
 * original name and size) is not copied into photos/; its albums link to the Drive file. A Drive
 * item gone upstream does not count as held.
 */
import assert from 'node:assert/strict';
import { readlink, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LibraryBuilder, trashFile } from '../fakes/google/library.ts';
import { writeTgz, writeZip } from '../fakes/takeout/archive-writer.ts';
import { makeExport, writeExport } from '../fakes/takeout/export.ts';
import { expectedTree, itemBytes, makeLibrary } from '../fakes/takeout/library.ts';
import { world } from '../helpers/pass.ts';
import { readTop } from '../helpers/takeout.ts';

/**
 * A Takeout library of 12 items, a Drive tree holding one plain album member of it (same name
 * and bytes) in `Google Photos`, a world on that Drive, and the export written beside the root.
 */
async function driveAndExport() {
  const lib = makeLibrary({ items: 12, albums: 1, seed: 41 });
  const inAlbum = lib.items.find(
    (i) =>
      i.kind === 'original' &&
      i.sidecar !== null &&
      i.albums.length > 0 &&
      !i.trashed &&
      i.inYearFolder &&
      /\.jpe?g$/i.test(i.title) &&
      !i.title.includes('/'),
  );
  assert.ok(inAlbum, 'the library has a plain album member');
  const b = new LibraryBuilder();
  const gp = b.folder('Google Photos');
  const driveId = b.photo(inAlbum.title, gp, { content: itemBytes(lib, inAlbum) });
  const drive = b.build();
  const w = await world(drive);
  const drop = path.join(w.root, '..', `${path.basename(w.root)}-drop`);
  await writeExport(
    drop,
    makeExport(lib, { requestedAt: new Date('2025-05-01T00:00:00Z'), partCount: 1, format: 'zip' }),
    { writeZip: (f, e) => writeZip(f, e), writeTgz: (f, e) => writeTgz(f, e) },
  );
  return { lib, inAlbum, drive, driveId, w, drop };
}

describe('Takeout beside Drive', () => {
  it('an item Drive holds (same name and size) is linked from its album, not copied again', async () => {
    const { lib, inAlbum, w, drop } = await driveAndExport();
    try {
      const r = await w.sync(['--takeout', drop], { GPHOTOS_TAKEOUT_SETTLE: '0' });
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
      const s = r.summary as Record<string, unknown>;
      assert.equal(s.takeoutInDrive, 1);
      const expected = expectedTree(lib);
      assert.equal(s.takeoutAdded, expected.items.length - 1);
      const photos = await readTop(w.root, 'photos');
      assert.equal(photos.size, expected.items.length - 1, 'the Drive item is not in photos/');
      const links = [...(await readTop(w.root, 'albums')).values()].filter(
        (e) => path.posix.basename(e.rel) === inAlbum.title,
      );
      assert.equal(links.length, 1);
      const target = await readlink(path.join(w.root, (links[0] as { rel: string }).rel));
      assert.match(target, /\/drive\/Google Photos\//, 'the album links to the Drive file');
    } finally {
      await w.close();
      await rm(drop, { recursive: true, force: true });
    }
  });

  it('a Drive item gone upstream is not matched: the Takeout item is copied into photos/', async () => {
    const { lib, drive, driveId, w, drop } = await driveAndExport();
    try {
      const first = await w.sync();
      assert.equal(first.code, 0, first.stderr + first.stdout.slice(-2000));
      trashFile(drive, driveId);
      const r = await w.sync(['--takeout', drop], { GPHOTOS_TAKEOUT_SETTLE: '0' });
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
      const s = r.summary as Record<string, unknown>;
      assert.equal(s.takeoutInDrive, 0);
      const expected = expectedTree(lib);
      assert.equal(s.takeoutAdded, expected.items.length);
      const photos = await readTop(w.root, 'photos');
      assert.equal(photos.size, expected.items.length, 'the item is in photos/');
    } finally {
      await w.close();
      await rm(drop, { recursive: true, force: true });
    }
  });
});
