/**
 * Drive shortcuts end to end (both index backends): a My Drive with shortcuts to photos inside
 * and outside the backup, to folders inside and outside it, to things this account cannot see,
 * and in loops, backed up in one pass; then a night of changes through the changes feed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  addPhoto,
  addShortcut,
  deleteFile,
  LibraryBuilder,
  md5Of,
  moveFile,
  trashFile,
} from '../fakes/google/library.ts';
import { runCli } from '../helpers/cli.ts';
import { requestsSince, world, type World } from '../helpers/pass.ts';

const GP = 'drive/Google Photos';

function library() {
  const b = new LibraryBuilder();
  const gp = b.folder('Google Photos');
  const y16 = b.folder('2016', gp);
  const y17 = b.folder('2017', gp);
  const links = b.folder('Links', gp);
  const elsewhere = b.folder('Elsewhere');
  const trip = b.folder('Trip');
  const sub = b.folder('Sub', trip);
  const ids = {
    gp,
    y16,
    y17,
    links,
    elsewhere,
    trip,
    a: b.photo('A.jpg', y16, { takenTime: '2016:01:01 10:00:00' }),
    b: b.photo('B.jpg', y16, { takenTime: '2016:01:02 10:00:00' }),
    o: b.photo('O.jpg', elsewhere, { takenTime: '2015:05:05 10:00:00' }),
    o2: b.photo('O2.jpg', elsewhere, { takenTime: '2015:06:06 10:00:00' }),
    t1: b.photo('T1.jpg', trip, { takenTime: '2016:07:01 10:00:00' }),
    t2: b.photo('T2.jpg', sub, { takenTime: '2016:07:02 10:00:00' }),
    pdf: b.file({ name: 'notes.pdf', mimeType: 'application/pdf', parents: [elsewhere] }),
    toA: '',
    toB: '',
    toO: '',
    toTrip: '',
  };
  ids.toA = b.shortcut('A.jpg', links, ids.a);
  ids.toB = b.shortcut('B.jpg', links, ids.b);
  ids.toO = b.shortcut('Outside.jpg', links, ids.o);
  b.shortcut('Unseen.jpg', links, '1NotVisibleToThisAccount00', 'image/jpeg');
  b.shortcut('Year', links, y16);
  b.shortcut('Loop', links, gp);
  b.shortcut('notes', links, ids.pdf);
  ids.toTrip = b.shortcut('Trip', links, trip);
  b.shortcut('Back', sub, gp);
  b.shortcut('Again', sub, trip);
  b.shortcut('Everything', links, b.rootId, 'application/vnd.google-apps.folder');
  return { lib: b.build(), ids };
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const abs = (w: World, rel: string) => path.join(w.root, ...rel.split('/'));
const fileMd5 = async (w: World, rel: string) => md5(await readFile(abs(w, rel)));

async function query(w: World, sql: string): Promise<Array<Record<string, unknown>>> {
  const r = await runCli(['query', w.root, sql, '--json'], w.env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
}

async function states(w: World): Promise<Record<string, string>> {
  const rows = await query(w, 'select rel_path, state from media_items order by rel_path');
  return Object.fromEntries(rows.map((r) => [String(r.rel_path), String(r.state)]));
}

async function assertSymlink(w: World, rel: string, text: string): Promise<void> {
  assert.ok((await lstat(abs(w, rel))).isSymbolicLink(), `${rel} is a symlink`);
  assert.equal(await readlink(abs(w, rel)), text);
}

async function pass(w: World, args: string[] = []) {
  const r = await w.sync(args);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
  return r;
}

describe('Drive shortcuts', () => {
  it('are backed up completely in one pass and kept right through a night of changes', async () => {
    const { lib, ids } = library();
    const w = await world(lib);
    try {
      await pass(w);
      // A photo inside the backup: a link to its file.
      await assertSymlink(w, `${GP}/Links/A.jpg`, '../2016/A.jpg');
      assert.equal(await fileMd5(w, `${GP}/Links/A.jpg`), md5Of(lib, ids.a));
      // A photo outside: its bytes at the shortcut's place, under the shortcut's name.
      assert.ok((await lstat(abs(w, `${GP}/Links/Outside.jpg`))).isFile());
      assert.equal(await fileMd5(w, `${GP}/Links/Outside.jpg`), md5Of(lib, ids.o));
      // A folder inside: a link to it; a folder outside: its photos under the shortcut's name.
      await assertSymlink(w, `${GP}/Links/Year`, '../2016');
      assert.equal(await fileMd5(w, `${GP}/Links/Trip/T1.jpg`), md5Of(lib, ids.t1));
      assert.equal(await fileMd5(w, `${GP}/Links/Trip/Sub/T2.jpg`), md5Of(lib, ids.t2));
      // Loops, things unseen, and what is no photo: nothing, and the pass still succeeds.
      for (const none of [
        'Links/Loop',
        'Links/Unseen.jpg',
        'Links/notes',
        'Links/Everything',
        'Links/Trip/Sub/Back',
        'Links/Trip/Sub/Again',
      ]) {
        assert.ok(!existsSync(abs(w, `${GP}/${none}`)), none);
      }
      const kinds = await query(w, 'select name, kind from drive_shortcuts order by name');
      assert.deepEqual(Object.fromEntries(kinds.map((k) => [k.name, k.kind])), {
        'A.jpg': 'file-link',
        Again: 'cut',
        'B.jpg': 'file-link',
        Back: 'cut',
        Everything: 'cut',
        Loop: 'cut',
        notes: 'other',
        'Outside.jpg': 'file-copy',
        Trip: 'folder-root',
        'Unseen.jpg': 'unseen',
        Year: 'folder-link',
      });
      // The target is fetched, never the shortcut (which has no bytes).
      const shortcutFetches = w.emu.requests.filter(
        (q) => q.path === `/drive/v3/files/${ids.toO}` && q.query.alt === 'media',
      );
      assert.deepEqual(shortcutFetches, []);

      // verify knows the links: no unknown files.
      const v = await runCli(['verify', w.root], w.env);
      assert.equal(v.code, 0, v.stdout + v.stderr);

      // A rerun changes nothing.
      const again = await pass(w);
      assert.equal(again.summary?.downloaded, 0);

      // The night: a shortcut added, one removed, a target trashed, a target moved, a
      // folder-shortcut's folder gains a photo, and a retarget (delete + new shortcut).
      const night = w.emu.library;
      const t3 = addPhoto(night, 'T3.jpg', ids.trip, { takenTime: '2016:07:03 10:00:00' });
      addShortcut(night, 'New A.jpg', ids.links, ids.a);
      deleteFile(night, ids.toA);
      moveFile(night, ids.b, ids.y17);
      trashFile(night, ids.o);
      addShortcut(night, 'Outside 2.jpg', ids.links, ids.o2);
      const from = w.emu.requests.length;
      const r = await pass(w);
      assert.deepEqual(requestsSince(w.emu, from, 'files.list').length, 0, 'changes feed only');
      assert.ok(!existsSync(abs(w, `${GP}/Links/A.jpg`)), 'removed shortcut: link gone');
      assert.equal(await fileMd5(w, `${GP}/2016/A.jpg`), md5Of(night, ids.a), 'target kept');
      await assertSymlink(w, `${GP}/Links/New A.jpg`, '../2016/A.jpg');
      await assertSymlink(w, `${GP}/Links/B.jpg`, '../2017/B.jpg');
      assert.equal(await fileMd5(w, `${GP}/Links/Trip/T3.jpg`), md5Of(night, t3));
      assert.equal(await fileMd5(w, `${GP}/Links/Outside 2.jpg`), md5Of(night, ids.o2));
      // The copy of a trashed target is recorded gone; its file stays without --do-delete.
      const s = await states(w);
      assert.equal(s[`${GP}/Links/Outside.jpg`], 'gone');
      assert.ok(existsSync(abs(w, `${GP}/Links/Outside.jpg`)));
      assert.equal(r.summary?.goneNoticed, 1, JSON.stringify(r.summary));

      // The folder shortcut removed: its photos are recorded gone, and go with --do-delete.
      deleteFile(night, ids.toTrip);
      const last = await pass(w, ['--do-delete', '--max-delete', '4']);
      const after = await states(w);
      for (const gone of ['Trip/T1.jpg', 'Trip/Sub/T2.jpg', 'Trip/T3.jpg', 'Outside.jpg']) {
        assert.equal(after[`${GP}/Links/${gone}`], 'gone', gone);
        assert.ok(!existsSync(abs(w, `${GP}/Links/${gone}`)), gone);
      }
      assert.equal(last.summary?.goneNoticed, 3, JSON.stringify(last.summary));
      // Everything else is still there.
      assert.equal(await fileMd5(w, `${GP}/2017/B.jpg`), md5Of(night, ids.b));
      await assertSymlink(w, `${GP}/Links/Year`, '../2016');
    } finally {
      await w.close();
    }
  });

  it('in copy mode: links are copies, a full listing keeps them, a target moved out becomes a copy', async () => {
    const { lib, ids } = library();
    const w = await world(lib);
    try {
      await pass(w, ['--link-mode', 'copy']);
      const a = abs(w, `${GP}/Links/A.jpg`);
      assert.ok((await lstat(a)).isFile(), 'a copy, not a symlink');
      assert.equal(await fileMd5(w, `${GP}/Links/A.jpg`), md5Of(lib, ids.a));
      // Folders are always symlinks.
      await assertSymlink(w, `${GP}/Links/Year`, '../2016');

      // A full listing again: nothing downloaded, every entry kept.
      const flushed = await pass(w, ['--link-mode', 'copy', '--flush-index']);
      assert.equal(flushed.summary?.downloaded, 0, JSON.stringify(flushed.summary));
      assert.equal(await fileMd5(w, `${GP}/Links/A.jpg`), md5Of(lib, ids.a));
      assert.equal(await fileMd5(w, `${GP}/Links/Trip/T1.jpg`), md5Of(lib, ids.t1));

      // B moves out of the backup: its own file is recorded gone, its shortcut now holds a copy.
      const night = w.emu.library;
      moveFile(night, ids.b, ids.elsewhere);
      deleteFile(night, ids.toA);
      await pass(w, ['--link-mode', 'copy']);
      const s = await states(w);
      assert.equal(s[`${GP}/2016/B.jpg`], 'gone');
      assert.equal(s[`${GP}/Links/B.jpg`], 'done');
      assert.equal(await fileMd5(w, `${GP}/Links/B.jpg`), md5Of(night, ids.b));
      // The copy of a removed shortcut goes (ours); its target stays.
      assert.ok(!existsSync(a));
      assert.equal(await fileMd5(w, `${GP}/2016/A.jpg`), md5Of(night, ids.a));
      const v = await runCli(['verify', w.root], w.env);
      assert.equal(v.code, 0, v.stdout + v.stderr);
    } finally {
      await w.close();
    }
  });
});
