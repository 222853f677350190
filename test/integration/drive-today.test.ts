/**
 * Issue 15's "done when", in one world: a My Drive with shortcuts (to a photo, to a folder inside
 * and one outside the backup, to a photo outside, in a loop), a file Drive will not hand out, and
 * a shared drive, backed up completely in one pass; a night of changes in all of them kept right
 * by the next pass; and the restricted file asked for no more after the first pass. The parts have
 * their own tests (shortcuts, drive-restricted, shared-drives); this one proves they work together.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { addPhoto, deleteFile, LibraryBuilder, md5Of } from '../fakes/google/library.ts';
import { addSharedDrive } from '../fakes/google/shared-drives.ts';
import { world, type World } from '../helpers/pass.ts';

const GP = 'drive/Google Photos';
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const abs = (w: World, rel: string) => path.join(w.root, ...rel.split('/'));
const fileMd5 = async (w: World, rel: string) => md5(await readFile(abs(w, rel)));

function library() {
  const b = new LibraryBuilder();
  const gp = b.folder('Google Photos');
  const y20 = b.folder('2020', gp);
  const links = b.folder('Links', gp);
  const trip = b.folder('Trip');
  const elsewhere = b.folder('Elsewhere');
  const ids = {
    gp,
    trip,
    a: b.photo('A.jpg', y20, { takenTime: '2020:01:01 10:00:00' }),
    refused: b.photo('Refused.jpg', y20, { takenTime: '2020:01:02 10:00:00' }),
    t1: b.photo('T1.jpg', trip, { takenTime: '2020:07:01 10:00:00' }),
    loose: b.photo('Loose.jpg', elsewhere, { takenTime: '2019:03:03 10:00:00' }),
    toA: '',
    toLoose: '',
    team: '',
    s1: '',
  };
  ids.toA = b.shortcut('A.jpg', links, ids.a);
  ids.toLoose = b.shortcut('Loose.jpg', links, ids.loose);
  b.shortcut('Year', links, y20);
  b.shortcut('Trip', links, trip);
  b.shortcut('Loop', links, gp);
  const lib = b.build();
  lib.files.get(ids.refused)!.restriction = 'refused';
  ids.team = addSharedDrive(lib, 'Team');
  ids.s1 = addPhoto(lib, 'S1.jpg', ids.team, { takenTime: '2021:01:01 10:00:00' });
  return { lib, ids };
}

async function pass(w: World, args: string[]) {
  const r = await w.sync(args);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
  assert.equal(r.summary?.failed, 0, JSON.stringify(r.summary));
  return r;
}

/** Requests since `from` that name file `id` (metadata or bytes). */
const requestsFor = (w: World, from: number, id: string) =>
  w.emu.requests.slice(from).filter((r) => r.path.includes(id));

describe('Drive of today: shortcuts, a restricted file and a shared drive together', () => {
  it('are backed up in one pass, kept right overnight, and the restricted file costs nothing', async () => {
    const { lib, ids } = library();
    const w = await world(lib);
    const args = ['--shared-drive', ids.team];
    try {
      const first = await pass(w, args);
      assert.equal(first.summary?.restricted, 1);
      assert.equal(await fileMd5(w, `${GP}/2020/A.jpg`), md5Of(lib, ids.a));
      assert.ok((await lstat(abs(w, `${GP}/Links/A.jpg`))).isSymbolicLink());
      assert.equal(await readlink(abs(w, `${GP}/Links/A.jpg`)), '../2020/A.jpg');
      assert.equal(await readlink(abs(w, `${GP}/Links/Year`)), '../2020');
      assert.equal(await fileMd5(w, `${GP}/Links/Trip/T1.jpg`), md5Of(lib, ids.t1));
      assert.ok((await lstat(abs(w, `${GP}/Links/Loose.jpg`))).isFile());
      assert.equal(await fileMd5(w, `${GP}/Links/Loose.jpg`), md5Of(lib, ids.loose));
      assert.ok(!existsSync(abs(w, `${GP}/Links/Loop`)), 'a loop is cut');
      assert.ok(!existsSync(abs(w, `${GP}/2020/Refused.jpg`)), 'Drive refused its bytes');
      assert.equal(await fileMd5(w, 'shared-drives/Team/S1.jpg'), md5Of(lib, ids.s1));

      // A night of changes: a photo in the folder a shortcut reaches, one in the shared drive,
      // a shortcut removed (its link goes, its target stays).
      const t2 = addPhoto(lib, 'T2.jpg', ids.trip, { takenTime: '2020:07:02 10:00:00' });
      const s2 = addPhoto(lib, 'S2.jpg', ids.team, { takenTime: '2021:01:02 10:00:00' });
      deleteFile(lib, ids.toA);
      const from = w.emu.requests.length;
      const night = await pass(w, args);
      assert.equal(night.summary?.downloaded, 2);
      assert.equal(night.summary?.restricted, 1);
      assert.equal(await fileMd5(w, `${GP}/Links/Trip/T2.jpg`), md5Of(lib, t2));
      assert.equal(await fileMd5(w, 'shared-drives/Team/S2.jpg'), md5Of(lib, s2));
      assert.ok(!existsSync(abs(w, `${GP}/Links/A.jpg`)), 'the removed shortcut leaves');
      assert.equal(await fileMd5(w, `${GP}/2020/A.jpg`), md5Of(lib, ids.a));
      assert.equal(await fileMd5(w, `${GP}/Links/Loose.jpg`), md5Of(lib, ids.loose));
      // The restricted file was not asked for again.
      assert.deepEqual(requestsFor(w, from, ids.refused), []);

      const quiet = w.emu.requests.length;
      const rerun = await pass(w, args);
      assert.equal(rerun.summary?.downloaded, 0);
      assert.deepEqual(requestsFor(w, quiet, ids.refused), []);
    } finally {
      await w.close();
    }
  });
});
