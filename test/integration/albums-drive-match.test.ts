/**
 * An album member that Drive holds twice (the same original name and size in three folders): the
 * album links the copy with the lowest path, whatever order the index reads the copies in (their
 * ids put the lowest path neither first nor last). The real CLI against the emulator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LibraryBuilder } from '../fakes/google/library.ts';
import { readAlbums } from '../helpers/albums.ts';
import { world, type World } from '../helpers/pass.ts';

describe('an album member Drive holds more than once', () => {
  let w: World;
  before(async () => {
    const b = new LibraryBuilder();
    const gp = b.folder('Google Photos');
    const content = Buffer.from('the same bytes in three folders');
    const opts = { content, takenTime: '2016:01:09 10:00:00' };
    // ids in index order b, a, c: the lowest path (a/) is in the middle.
    const inB = b.photo('IMG.jpg', b.folder('b', gp), { ...opts, id: '1mid-b' });
    b.photo('IMG.jpg', b.folder('a', gp), { ...opts, id: '2mid-a' });
    b.photo('IMG.jpg', b.folder('c', gp), { ...opts, id: '3mid-c' });
    b.album({ title: 'Twins', date: '2016-01-09T12:00:00Z', members: [inB] });
    w = await world(b.build());
  });
  after(() => w.close());

  it('links the copy with the lowest path', async () => {
    const r = await w.sync();
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-4000));
    const albums = await readAlbums(w.root);
    const entries = [...albums.values()];
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.resolved, 'drive/Google Photos/a/IMG.jpg');
  });
});
