/**
 * Shared drives end to end (`--shared-drive ID`): My Drive and two shared drives backed up in one
 * pass, each shared drive into shared-drives/<name>/ through its own listing and changes feed;
 * a night of changes in every drive; a renamed drive keeping its folder; a drive named like My
 * Drive's folder not mixing with it; deletions only recorded, then applied with --do-delete; a
 * lost drive stopping the pass with a clear error and losing nothing; an expired token of one
 * drive listing that drive again without inferring deletions.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  addPhoto,
  deleteFile,
  expireChangeTokensBefore,
  LibraryBuilder,
  md5Of,
  moveFile,
  renameFile,
  trashFile,
  addFolder,
} from '../fakes/google/library.ts';
import {
  addSharedDrive,
  loseSharedDrive,
  renameSharedDrive,
} from '../fakes/google/shared-drives.ts';
import { runCli } from '../helpers/cli.ts';
import { world, type World } from '../helpers/pass.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

async function query(w: World, sql: string): Promise<Array<Record<string, unknown>>> {
  const r = await runCli(['query', w.root, sql, '--json'], w.env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
}

async function fileMd5(w: World, rel: string): Promise<string> {
  return md5(await readFile(path.join(w.root, ...rel.split('/'))));
}

const has = (w: World, rel: string) => existsSync(path.join(w.root, ...rel.split('/')));

/** My Drive's Google Photos folder, a shared drive "Team" and one named "Google Photos". */
function library() {
  const b = new LibraryBuilder();
  const gp = b.folder('Google Photos');
  const mine = b.photo('Mine.jpg', gp, { takenTime: '2019:01:01 10:00:00' });
  const lib = b.build();
  const team = addSharedDrive(lib, 'Team');
  const y2020 = addFolder(lib, '2020', team);
  const y2021 = addFolder(lib, '2021', team);
  const ids = {
    gp,
    mine,
    team,
    y2020,
    y2021,
    top: addPhoto(lib, 'Top.jpg', team, { takenTime: '2020:01:01 10:00:00' }),
    a: addPhoto(lib, 'A.jpg', y2020, { takenTime: '2020:02:01 10:00:00' }),
    b: addPhoto(lib, 'B.jpg', y2020, { takenTime: '2020:02:02 10:00:00' }),
    c: addPhoto(lib, 'C.jpg', y2020, { takenTime: '2020:02:03 10:00:00' }),
    d: addPhoto(lib, 'D.jpg', y2021, { takenTime: '2021:02:03 10:00:00' }),
    clash: '',
    same: '',
  };
  ids.clash = addSharedDrive(lib, 'Google Photos');
  ids.same = addPhoto(lib, 'Mine.jpg', ids.clash, { takenTime: '2018:01:01 10:00:00' });
  return { lib, ids };
}

const driveArgs = (...ids: string[]) => ids.flatMap((id) => ['--shared-drive', id]);

describe('shared drives', () => {
  it('back up with My Drive in one pass and stay right through a night of changes', async () => {
    const { lib, ids } = library();
    const w = await world(lib);
    const args = driveArgs(ids.team, ids.clash);
    try {
      const first = await w.sync(args);
      assert.equal(first.code, 0, first.stderr + first.stdout.slice(-3000));
      const want: Array<[string, string]> = [
        ['drive/Google Photos/Mine.jpg', ids.mine],
        ['shared-drives/Team/Top.jpg', ids.top],
        ['shared-drives/Team/2020/A.jpg', ids.a],
        ['shared-drives/Team/2020/B.jpg', ids.b],
        ['shared-drives/Team/2020/C.jpg', ids.c],
        ['shared-drives/Team/2021/D.jpg', ids.d],
        // A shared drive named like My Drive's folder: its own place, nothing mixed.
        ['shared-drives/Google Photos/Mine.jpg', ids.same],
      ];
      for (const [rel, id] of want) assert.equal(await fileMd5(w, rel), md5Of(lib, id), rel);
      assert.equal(first.summary?.downloaded, want.length);
      // Listed through each drive's own corpus, as Drive wants it.
      const lists = w.emu.requests.filter((r) => r.route === 'files.list' && r.query.driveId);
      assert.deepEqual(
        [...new Set(lists.map((r) => r.query.driveId))].sort(),
        [ids.clash, ids.team].sort(),
      );
      for (const r of lists) {
        assert.equal(r.query.corpora, 'drive');
        assert.equal(r.query.includeItemsFromAllDrives, 'true');
        assert.equal(r.query.supportsAllDrives, 'true');
      }
      const tokens = await query(
        w,
        "SELECT key FROM sync_state WHERE key LIKE 'sharedDrive.%.token' ORDER BY key",
      );
      assert.deepEqual(
        tokens.map((t) => t.key),
        [`sharedDrive.${ids.clash}.token`, `sharedDrive.${ids.team}.token`].sort(),
      );

      // A night of changes, in every drive.
      const e = addPhoto(lib, 'E.jpg', ids.y2021, { takenTime: '2021:03:01 10:00:00' });
      renameFile(lib, ids.a, 'A2.jpg');
      moveFile(lib, ids.b, ids.y2021);
      trashFile(lib, ids.c);
      deleteFile(lib, ids.d);
      renameFile(lib, ids.y2020, 'Year 2020');
      renameSharedDrive(lib, ids.team, 'Team (archive)');
      const mine2 = addPhoto(lib, 'Mine2.jpg', ids.gp, { takenTime: '2019:02:01 10:00:00' });

      const from = w.emu.requests.length;
      const night = await w.sync(args);
      assert.equal(night.code, 0, night.stderr + night.stdout.slice(-3000));
      const since = w.emu.requests.slice(from);
      assert.deepEqual(
        since.filter((r) => r.route === 'files.list'),
        [],
        'no full listing: the changes feeds only',
      );
      const feeds = since.filter((r) => r.route === 'changes.list');
      assert.deepEqual(
        [...new Set(feeds.map((r) => r.query.driveId ?? 'my drive'))].sort(),
        [ids.clash, ids.team, 'my drive'].sort(),
      );
      assert.equal(night.summary?.downloaded, 2, JSON.stringify(night.summary)); // E, Mine2
      assert.equal(night.summary?.moved, 2, JSON.stringify(night.summary)); // A renamed, B moved
      assert.equal(night.summary?.goneNoticed, 2); // C trashed, D deleted
      // The renamed drive keeps its folder; the renamed folder re-paths its items.
      assert.equal(await fileMd5(w, 'shared-drives/Team/Year 2020/A2.jpg'), md5Of(lib, ids.a));
      assert.equal(await fileMd5(w, 'shared-drives/Team/2021/B.jpg'), md5Of(lib, ids.b));
      assert.equal(await fileMd5(w, 'shared-drives/Team/2021/E.jpg'), md5Of(lib, e));
      assert.equal(await fileMd5(w, 'drive/Google Photos/Mine2.jpg'), md5Of(lib, mine2));
      assert.ok(!has(w, 'shared-drives/Team (archive)'));
      // Deletions are recorded; the files stay (a gone item keeps its path).
      assert.ok(has(w, 'shared-drives/Team/2020/C.jpg'));
      assert.ok(has(w, 'shared-drives/Team/2021/D.jpg'));
      assert.deepEqual(
        await query(
          w,
          "SELECT source, rel_path, gone_reason FROM media_items WHERE state = 'gone' ORDER BY rel_path",
        ),
        [
          {
            source: 'shared-drive',
            rel_path: 'shared-drives/Team/2020/C.jpg',
            gone_reason: 'trashed in Drive',
          },
          {
            source: 'shared-drive',
            rel_path: 'shared-drives/Team/2021/D.jpg',
            gone_reason: 'removed from Drive',
          },
        ],
      );
      // My Drive's feed took nothing of the shared drives' folders for its own.
      assert.deepEqual(
        await query(
          w,
          "SELECT count(*)::int AS n FROM media_items WHERE source = 'drive' AND state <> 'done'",
        ),
        [{ n: 0 }],
      );

      // Only --do-delete removes them.
      const deleted = await w.sync([...args, '--do-delete', '--max-delete', '2']);
      assert.equal(deleted.code, 0, deleted.stderr + deleted.stdout.slice(-2000));
      assert.ok(!has(w, 'shared-drives/Team/2020/C.jpg'));
      assert.ok(!has(w, 'shared-drives/Team/2021/D.jpg'));
      assert.ok(has(w, 'shared-drives/Team/Top.jpg'));

      const verify = await runCli(['verify', w.root], w.env);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    } finally {
      await w.close();
    }
  });

  it('a shared drive the account lost stops the pass with what to do, and loses nothing', async () => {
    const { lib, ids } = library();
    const w = await world(lib);
    const args = driveArgs(ids.team);
    try {
      assert.equal((await w.sync(args)).code, 0);
      loseSharedDrive(lib, ids.team);
      const lost = await w.sync(args);
      assert.equal(lost.code, 1, lost.stderr + lost.stdout.slice(-2000));
      // The pass's error line: the id, why, and what to do.
      const error = JSON.stringify(lost.lines.filter((l) => l.level === 'error'));
      assert.match(error, new RegExp(`shared drive ${ids.team}`));
      assert.match(error, /lost access/);
      assert.match(error, /--shared-drive/);
      assert.deepEqual(
        await query(w, "SELECT count(*)::int AS n FROM media_items WHERE state = 'gone'"),
        [{ n: 0 }],
      );
      assert.ok(has(w, 'shared-drives/Team/2020/A.jpg'));
      // check: a line per shared drive, the lost one FAIL with what to do.
      const other = addSharedDrive(lib, 'Other');
      const checked = await runCli(
        ['check', w.root, ...driveArgs(ids.team, other), '--skip-picasa'],
        w.env,
      );
      assert.equal(checked.code, 1, checked.stdout + checked.stderr);
      const shared = checked.stdout.split('\n').filter((l) => /^\S+ +shared {2}/.test(l));
      assert.deepEqual(shared.length, 2, checked.stdout);
      assert.match(
        shared[0]!,
        new RegExp(`^FAIL +shared +${ids.team}: Drive answers 404 .*lost access`),
      );
      assert.match(
        shared[1]!,
        new RegExp(`^ok +shared +${other}: "Other" -> shared-drives/Other/$`),
      );
      // Without the drive, the rest goes on; its files stay, its rows too.
      const without = await w.sync();
      assert.equal(without.code, 0, without.stderr);
      assert.ok(has(w, 'shared-drives/Team/2020/A.jpg'));
      const verify = await runCli(['verify', w.root], w.env);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    } finally {
      await w.close();
    }
  });

  it('an expired token lists that drive again and infers no deletion', async () => {
    const { lib, ids } = library();
    const w = await world(lib);
    const args = driveArgs(ids.team);
    try {
      assert.equal((await w.sync(args)).code, 0);
      deleteFile(lib, ids.a);
      const f = addPhoto(lib, 'F.jpg', ids.y2020, { takenTime: '2020:05:01 10:00:00' });
      expireChangeTokensBefore(lib);
      const r = await w.sync(args);
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
      assert.ok(r.lines.some((l) => /listing it again/.test(String(l.msg))));
      assert.equal(await fileMd5(w, 'shared-drives/Team/2020/F.jpg'), md5Of(lib, f));
      assert.deepEqual(
        await query(w, "SELECT count(*)::int AS n FROM media_items WHERE state = 'gone'"),
        [{ n: 0 }],
      );
      assert.ok(has(w, 'shared-drives/Team/2020/A.jpg'));
    } finally {
      await w.close();
    }
  });

  it('--skip-drive skips My Drive only: shared drives alone', async () => {
    const { lib, ids } = library();
    const w = await world(lib);
    try {
      const r = await w.sync(['--skip-drive', '--skip-picasa', ...driveArgs(ids.clash)]);
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
      assert.equal(await fileMd5(w, 'shared-drives/Google Photos/Mine.jpg'), md5Of(lib, ids.same));
      assert.ok(!has(w, 'drive/Google Photos/Mine.jpg'));
      assert.ok(!has(w, 'shared-drives/Team'));
      assert.equal(r.summary?.downloaded, 1);
    } finally {
      await w.close();
    }
  });

  it('refuses an id that is not a Drive id, with every problem at once', async () => {
    const { lib } = library();
    const w = await world(lib);
    try {
      const r = await w.sync(['--shared-drive', 'not an/id']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /sharedDrives|shared-drive/);
      assert.match(r.stderr, /Drive ids/);
    } finally {
      await w.close();
    }
  });
});
