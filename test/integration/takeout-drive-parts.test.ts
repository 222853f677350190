/**
 * Hands-off Takeout: exports that "Add to Drive" delivers into the Takeout folder of My Drive,
 * read in place from the emulator's Drive by the real CLI, on the index backend of the run.
 *
 * - Parts appear one by one over several passes (out of order, then one still settling): each
 *   pass learns of them through the changes feed, the export waits (and `check` says why) until
 *   it is whole, and a pass with nothing new asks Drive for no listing at all.
 * - The pass that sees the whole export files it exactly as a pass over the same parts as local
 *   archives does, with a connection dropped mid-part and the pass SIGKILLed mid-part along the
 *   way; the next pass resumes at the first entry not written and reads no finished part again.
 *   No part is ever copied to disk; with --all-drive the parts stay out of drive/.
 * - The next export adds only what is new; a read part is never read again; with
 *   --takeout-trash-parts a token that may only read Drive gets a warning with what to run, and
 *   once write access is granted the filed parts go to the Drive trash.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LibraryBuilder } from '../fakes/google/library.ts';
import { deliverExport, partBytes, takeoutFolder } from '../fakes/google/takeout-parts.ts';
import { DRIVE_WRITE_SCOPE } from '../fakes/google/files-update.ts';
import { makeExport, type TakeoutExport } from '../fakes/takeout/export.ts';
import { expectedTree, makeLibrary, type LibraryItem } from '../fakes/takeout/library.ts';
import { authEnv, consent, startAuth, writeClientSecret } from '../helpers/auth.ts';
import { collect, runCli, startCli, type RunResult } from '../helpers/cli.ts';
import { requestsSince, world, type World } from '../helpers/pass.ts';
import { readTop, takeoutWorld, type TreeEntry } from '../helpers/takeout.ts';

const T0 = new Date('2025-07-25T03:52:35Z');
const T1 = new Date('2025-09-25T03:52:35Z');
const show = (r: RunResult): string => `exit ${r.code}\n${r.stderr}\n${r.stdout.slice(-6000)}`;

/** A Drive library with one photo (the Drive pass has its folder), nothing in Takeout yet. */
function driveLibrary() {
  const b = new LibraryBuilder();
  b.photo('drive-only.jpg', b.folder('Google Photos'), { size: 5000 });
  return b.build();
}

/** The world's env, plus a TMPDIR of its own (to see that the job writes no part there). */
async function driveWorld(): Promise<{ w: World; tmp: string }> {
  const w = await world(driveLibrary());
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gphotos-job-tmp-'));
  Object.assign(w.env, { TMPDIR: tmp, GPHOTOS_TAKEOUT_SETTLE: '0' });
  return { w, tmp };
}

const summaryOf = (r: RunResult): Record<string, unknown> => r.summary ?? {};

/** The `from` of each `reading Takeout part` line of a pass. */
const reads = (r: RunResult): Array<{ part: string; from: number }> =>
  r.lines
    .filter((l) => l.msg === 'reading Takeout part')
    .map((l) => ({ part: String(l.part), from: Number(l.from) }));

/**
 * Files at or above `minBytes` anywhere under `dir` (a copied part would be one), but the
 * embedded index's own files.
 */
async function bigFiles(dir: string, minBytes: number): Promise<string[]> {
  const out: string[] = [];
  for (const rel of await readdir(dir, { recursive: true }).catch(() => [] as string[])) {
    if (rel.startsWith(path.join('.gphotos', 'index'))) continue;
    const st = await stat(path.join(dir, rel)).catch(() => null);
    if (st?.isFile() === true && st.size >= minBytes) out.push(rel);
  }
  return out;
}

/** The highest entry index of part `part` staged so far (files `<part>-<entry>`), or -1. */
async function stagedUpTo(root: string, exportId: string, part: number): Promise<number> {
  const dir = path.join(root, '.gphotos/takeout', exportId);
  let top = -1;
  for (const n of await readdir(dir).catch(() => [] as string[])) {
    const m = /^(\d+)-(\d+)$/.exec(n);
    if (m && Number(m[1]) === part) top = Math.max(top, Number(m[2]));
  }
  return top;
}

/**
 * Starts a pass and SIGKILLs it once part `part` is staged up to entry `entry`: past a batch of
 * 500 entries, so the part's progress was recorded.
 */
async function passKilledAt(
  w: World,
  exportId: string,
  part: number,
  entry: number,
  args: string[],
) {
  const child: ChildProcess = startCli(['sync', w.root, ...args], w.env);
  const done = collect(child);
  let exited = false;
  void done.then(() => (exited = true));
  let reading = false;
  child.stdout?.on('data', (d: Buffer | string) => {
    if (String(d).includes('"msg":"reading Takeout part"')) reading = true;
  });
  let killed = false;
  while (!exited) {
    if (reading && (await stagedUpTo(w.root, exportId, part)) >= entry) {
      killed = child.kill('SIGKILL');
      break;
    }
    await sleep(5);
  }
  return { r: await done, killed };
}

/** photos/ and albums/ as a comparable list: path, bytes, mtime, link target. */
async function trees(root: string): Promise<Array<Omit<TreeEntry, 'size'>>> {
  const out = [];
  for (const top of ['photos', 'albums']) {
    for (const e of (await readTop(root, top)).values()) {
      out.push({ rel: e.rel, sha256: e.sha256, mtimeMs: e.mtimeMs, link: e.link });
    }
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : 1));
}

/** The same export read from local archives by a Takeout-only pass: the tree to match. */
async function localTrees(exports: TakeoutExport[]): Promise<Array<Omit<TreeEntry, 'size'>>> {
  const lw = await takeoutWorld();
  try {
    for (const exp of exports) {
      await lw.write(exp);
      const r = await lw.sync();
      assert.equal(r.code, 0, show(r));
    }
    return await trees(lw.root);
  } finally {
    await lw.close();
  }
}

async function query(w: World, sql: string): Promise<Array<Record<string, unknown>>> {
  const q = await runCli(['query', w.root, sql, '--json'], w.env);
  assert.equal(q.code, 0, show(q));
  return JSON.parse(q.stdout) as Array<Record<string, unknown>>;
}

describe('Hands-off Takeout: exports delivered to Drive', () => {
  it('parts arriving over several passes, a dropped connection and a SIGKILL: the tree of local archives, no part on disk', async () => {
    // Parts of more than 500 entries: a killed pass has recorded a batch of the part it was in.
    const lib = makeLibrary({ items: 1200, albums: 5, quirks: false, seed: 1207 });
    const exp = makeExport(lib, { requestedAt: T0, partCount: 3, format: 'zip' });
    const bytes = await partBytes(exp);
    const partSize = Math.min(...[...bytes.values()].map((b) => b.length));
    const { w, tmp } = await driveWorld();
    const args = ['--all-drive'];
    try {
      // Nothing delivered yet: no Takeout folder, no export.
      const r1 = await w.sync(args);
      assert.equal(r1.code, 0, show(r1));
      assert.equal(summaryOf(r1).takeoutWaiting, 0);

      // Part 3 first: the export waits for parts 1 and 2; `check` says so.
      const ids = deliverExport(w.emu.library, exp, bytes, { numbers: [3] });
      const r2 = await w.sync(args);
      assert.equal(r2.code, 0, show(r2));
      assert.equal(summaryOf(r2).takeoutWaiting, 1);
      assert.match(r2.stdout, /part\(s\) 1, 2 of 3 are missing/);
      const c = await runCli(['check', w.root, ...args], w.env);
      assert.match(
        c.stdout,
        /^warn\s+exports\s+Drive folder "Takeout": 1 Takeout export\(s\): takeout-\S+ \(1 part\(s\), waiting: part\(s\) 1, 2 of 3 are missing\)/m,
        show(c),
      );

      // Part 1: part 2 still missing.
      for (const [n, id] of deliverExport(w.emu.library, exp, bytes, { numbers: [1] }))
        ids.set(n, id);
      const r3 = await w.sync(args);
      assert.equal(summaryOf(r3).takeoutWaiting, 1, show(r3));
      assert.match(r3.stdout, /part\(s\) 2 of 3 are missing/);

      // A pass that learns nothing from the feed lists nothing: no request for the folder.
      const before = w.emu.requests.length;
      const r4 = await w.sync(args);
      assert.equal(r4.code, 0, show(r4));
      assert.deepEqual(requestsSince(w.emu, before, 'files.list'), [], 'no listing');
      assert.equal(summaryOf(r4).takeoutWaiting, 1);

      // Part 2 arrives, just written: it settles first.
      for (const [n, id] of deliverExport(w.emu.library, exp, bytes, { numbers: [2] }))
        ids.set(n, id);
      const r5 = await w.sync(args, { GPHOTOS_TAKEOUT_SETTLE: '3600' });
      assert.equal(summaryOf(r5).takeoutWaiting, 1, show(r5));
      assert.match(r5.stdout, /changed less than 3600 s ago/);

      // Whole now. The connection drops in part 1, then the pass is killed in part 2.
      w.emu.faults.add({ route: 'media', fileId: ids.get(1)!, kind: 'resetMidBody', skip: 2 });
      const total = expectedTree(lib).items.length;
      const { r: killed, killed: wasKilled } = await passKilledAt(w, exp.exportId, 2, 700, args);
      assert.ok(wasKilled, `the pass was still reading when killed: ${show(killed)}`);
      assert.equal(killed.signal, 'SIGKILL');
      assert.equal(w.emu.faults.pending(), 0, 'the connection was dropped');
      assert.match(killed.stdout, /reading on from where it stopped/);

      const r6 = await w.sync(args);
      assert.equal(r6.code, 0, show(r6));
      const s6 = summaryOf(r6);
      assert.equal(s6.takeoutExports, 1);
      assert.equal(s6.takeoutAdded, total);
      const resumed = reads(r6);
      assert.ok(
        resumed.length >= 1 && resumed.length < 3,
        `parts read after the kill: ${JSON.stringify(resumed)}`,
      );
      assert.ok(resumed[0]!.from > 0, `resumed inside a part: ${JSON.stringify(resumed)}`);
      assert.equal(s6.takeoutDriveParts, resumed.length);
      // What the killed pass staged is not fetched again: less than the parts left is read.
      const left = resumed.reduce((n, p) => n + bytes.get(p.part)!.length, 0);
      assert.ok(
        Number(s6.takeoutDriveBytes) < left,
        `${String(s6.takeoutDriveBytes)} of ${left} bytes read`,
      );

      // The same tree as from local archives; parts out of drive/; nothing part-sized on disk.
      assert.deepEqual(await trees(w.root), await localTrees([exp]));
      const drive = [...(await readTop(w.root, 'drive')).keys()];
      assert.deepEqual(drive, ['drive/Google Photos/drive-only.jpg']);
      assert.deepEqual(await bigFiles(w.root, partSize), [], 'no part under ROOT');
      assert.deepEqual(await bigFiles(tmp, partSize), [], 'no part in TMPDIR');
      const rows = await query(
        w,
        'SELECT number, state, location, drive_id, md5, checked FROM takeout_parts ORDER BY number',
      );
      assert.equal(rows.length, 3);
      for (const row of rows) {
        assert.equal(row.state, 'read');
        assert.equal(row.location, `drive:${String(row.drive_id)}`);
        assert.match(String(row.md5), /^[0-9a-f]{32}$/);
        assert.match(String(row.checked), /^(md5|crc)$/);
      }
      // The part read whole in one go was checked by its md5; the one resumed mid-part by CRC.
      assert.ok(rows.some((row) => row.checked === 'md5'));
      assert.ok(rows.some((row) => row.checked === 'crc'));
      // Filing 1,200 items refreshed the planner's statistics of media_items before the albums
      // were recorded (without them each album read its members through the wrong index). The
      // embedded index has no autovacuum: only the pass can have made them.
      const stats = await query(
        w,
        "SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'media_items' AND attname = 'remote_id'",
      );
      assert.equal(stats[0]?.n, 1, 'media_items analyzed');
    } finally {
      await w.close();
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('the next export adds only what is new; read parts are never read again; --takeout-trash-parts needs write access', async () => {
    const lib = makeLibrary({ items: 120, albums: 3, quirks: false, seed: 1208 });
    const cut = Math.floor(lib.items.length * 0.8);
    const first = (i: LibraryItem): boolean => i.id < cut;
    const expA = makeExport(lib, { requestedAt: T0, partCount: 2, format: 'zip', include: first });
    const expB = makeExport(lib, { requestedAt: T1, partCount: 2, format: 'tgz' });
    const { w, tmp } = await driveWorld();
    const trash = ['--takeout-trash-parts'];
    try {
      assert.equal((await w.sync()).code, 0);
      const idsA = deliverExport(w.emu.library, expA, await partBytes(expA));
      const rA = await w.sync(trash);
      assert.equal(rA.code, 0, show(rA));
      assert.equal(summaryOf(rA).takeoutAdded, expectedTree(lib, { include: first }).items.length);
      assert.equal(summaryOf(rA).takeoutPartsTrashed, 0);
      const warned = rA.lines.find((l) => String(l.msg).includes('not moved to the Drive trash'));
      assert.ok(warned, show(rA));
      assert.match(String(warned.hint), /gphotos-sync auth --takeout-trash/);
      assert.ok([...idsA.values()].every((id) => w.emu.library.files.get(id)?.trashed !== true));

      // Nothing new: the parts are not read again (no media request at all).
      const before = w.emu.requests.length;
      const again = await w.sync();
      assert.equal(again.code, 0, show(again));
      assert.deepEqual(requestsSince(w.emu, before, 'media'), []);

      // The next export (the whole library, as tgz): only the new items are added.
      deliverExport(w.emu.library, expB, await partBytes(expB));
      const rB = await w.sync();
      assert.equal(rB.code, 0, show(rB));
      const sB = summaryOf(rB);
      assert.equal(
        sB.takeoutAdded,
        expectedTree(lib).items.length - expectedTree(lib, { include: first }).items.length,
      );
      assert.equal(sB.takeoutDriveParts, 2);
      assert.deepEqual(await trees(w.root), await localTrees([expA, expB]));
      assert.match(String(sB.takeoutLastReadAt), /^\d{4}-\d\d-\d\dT/);

      // `auth --takeout-trash` asks for write access too; with its token the parts of both
      // filed exports go to the Drive trash.
      const tokenFile = path.join(tmp, 'token.json');
      const auth = startAuth(
        [
          '--client-secret',
          await writeClientSecret(w.emu, tmp),
          '--token-file',
          tokenFile,
          '--takeout-trash',
        ],
        authEnv(w.emu),
      );
      const url = await auth.consentUrl;
      assert.deepEqual(url.searchParams.get('scope')?.split(' '), [
        'https://www.googleapis.com/auth/drive.readonly',
        'https://picasaweb.google.com/data/',
        DRIVE_WRITE_SCOPE,
      ]);
      await fetch(await consent(url));
      const authed = await auth.done;
      assert.equal(authed.code, 0, authed.stdout + authed.stderr);
      const rT = await w.sync(trash, { GPHOTOS_TOKEN: undefined, GPHOTOS_TOKEN_FILE: tokenFile });
      assert.equal(rT.code, 0, show(rT));
      assert.equal(summaryOf(rT).takeoutPartsTrashed, 4);
      const folder = takeoutFolder(w.emu.library);
      const left = [...w.emu.library.files.values()].filter(
        (f) => f.parents.includes(folder) && f.trashed !== true,
      );
      assert.deepEqual(left, [], 'every part is in the trash');
      const trashed = await query(
        w,
        'SELECT count(*)::int AS n FROM takeout_parts WHERE trashed_at IS NOT NULL',
      );
      assert.deepEqual(trashed, [{ n: 4 }]);
      // A later pass finds nothing to read and nothing to trash.
      const after = await w.sync(trash, {
        GPHOTOS_TOKEN: undefined,
        GPHOTOS_TOKEN_FILE: tokenFile,
      });
      assert.equal(after.code, 0, show(after));
      assert.equal(summaryOf(after).takeoutPartsTrashed, 0);
    } finally {
      await w.close();
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
