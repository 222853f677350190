/**
 * A Takeout pass killed while it reads a part, through the real CLI on the index backend of the
 * run: the next pass resumes where the last recorded batch ended, finds the entries staged but
 * not recorded by their staged names, and writes nothing twice; the pass that completes leaves
 * the tree the export describes and no temp or staging files.
 *
 * "Nothing written twice" is checked three ways, each able to fail:
 * - a staged file keeps its inode from the kill that saw it to its place in photos/ (a second
 *   write is a new temp file renamed over it: a new inode);
 * - the parts' `bytes_written` equal what one uninterrupted pass stages by the reader's contract
 *   (an entry, or a zip's second copy of known bytes, staged again adds its bytes twice);
 * - a resumed pass starts reading past the entries recorded before (`from` in its log).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { entriesOf, makeExport, type TakeoutExport } from '../fakes/takeout/export.ts';
import { expectedTree, makeLibrary, type ExpectedTree } from '../fakes/takeout/library.ts';
import { collect, startCli, type RunResult } from '../helpers/cli.ts';
import { classifyPath } from '../../src/remote/takeout/paths.ts';
import { readTop, takeoutWorld, utcMonth, type TakeoutWorld } from '../helpers/takeout.ts';

const REQUESTED = new Date('2025-07-25T03:52:35Z');
/** Where the kills land, as fractions of the export's staged files: both parts, several depths. */
const KILL_AT = [0.08, 0.3, 0.45, 0.62, 0.85];

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const show = (r: RunResult): string => `${r.stderr}\n${r.stdout.slice(-4000)}`;

interface World {
  w: TakeoutWorld;
  exp: TakeoutExport;
  expected: ExpectedTree;
  staging: string;
}

async function makeWorld(format: 'zip' | 'tgz'): Promise<World> {
  const w = await takeoutWorld();
  const lib = makeLibrary({
    items: 500,
    albums: 6,
    quirks: false,
    seed: format === 'zip' ? 29 : 31,
  });
  const exp = makeExport(lib, { requestedAt: REQUESTED, partCount: 2, format });
  await w.write(exp);
  return {
    w,
    exp,
    expected: expectedTree(lib),
    staging: path.join(w.root, '.gphotos/takeout', exp.exportId),
  };
}

interface Staged {
  ino: number;
  sha256: string;
}

/** Staged files (`<part>-<entry>`) with their inode and bytes. */
async function stagedFiles(staging: string): Promise<Map<string, Staged>> {
  const out = new Map<string, Staged>();
  for (const name of await readdir(staging).catch(() => [] as string[])) {
    if (!/^\d+-\d+$/.test(name)) continue;
    const file = path.join(staging, name);
    const st = await stat(file).catch(() => null);
    if (st !== null) out.set(name, { ino: st.ino, sha256: sha256(await readFile(file)) });
  }
  return out;
}

/**
 * What one uninterrupted pass stages, by the reader's contract: every media file of the export's
 * folders outside the trash (as the product classifies paths), except, in a zip, one whose size,
 * CRC-32 and name less Google's `(n)` an earlier entry of the export had, and, in a tgz (no CRC-32
 * before the bytes), one of at most 4 MiB whose bytes an earlier entry had (hashed in memory
 * first). Also how many copies of each content.
 */
function stagedByContract(exp: TakeoutExport): { bytes: number; copies: Map<string, number> } {
  const seen = new Set<string>();
  const copies = new Map<string, number>();
  let bytes = 0;
  for (const part of exp.parts) {
    for (const e of entriesOf(part)) {
      const where = classifyPath(e.path);
      if (
        where === null ||
        where.folderKind === 'trash' ||
        where.folderKind === 'root' ||
        e.path.endsWith('.json')
      )
        continue;
      const sha = sha256(e.data);
      copies.set(sha, (copies.get(sha) ?? 0) + 1);
      const name = where.name.replace(/\(\d+\)(?=\.[^.]*$|$)/, '');
      const key = `${e.data.length}:${crc32(e.data)}:${name}`;
      const bytesKey = `${sha}:${e.data.length}`;
      if (part.format === 'zip' && seen.has(key)) continue;
      if (part.format === 'tgz' && e.data.length <= 4 * 1024 * 1024 && seen.has(bytesKey)) continue;
      seen.add(key);
      seen.add(bytesKey);
      bytes += e.data.length;
    }
  }
  return { bytes, copies };
}

const stagedCount = async (staging: string): Promise<number> =>
  (await readdir(staging).catch(() => [] as string[])).filter((n) => /^\d+-\d+$/.test(n)).length;

/** Starts a pass; once it reads a part and `count` files are staged, sends `signal`. */
async function passStoppedAt(
  wd: World,
  count: number,
  signal: NodeJS.Signals,
): Promise<{ r: RunResult; stopped: boolean }> {
  const child: ChildProcess = startCli(
    ['sync', wd.w.root, '--skip-drive', '--skip-picasa', '--takeout', wd.w.drop],
    wd.w.env,
  );
  const done = collect(child);
  let exited = false;
  void done.then(() => (exited = true));
  let out = '';
  let reading = false;
  child.stdout?.on('data', (d: Buffer | string) => {
    out += String(d);
    reading ||= out.includes('"msg":"reading Takeout part"');
  });
  let stopped = false;
  while (!exited) {
    if (reading && (await stagedCount(wd.staging)) >= count) {
      stopped = child.kill(signal);
      break;
    }
    await sleep(10);
  }
  return { r: await done, stopped };
}

/** Where a pass started reading (its first `reading Takeout part` line), if it did. */
const firstFrom = (r: RunResult): number[] =>
  r.lines
    .filter((l) => l.msg === 'reading Takeout part')
    .slice(0, 1)
    .map((l) => Number(l.from));

async function partRows(w: TakeoutWorld): Promise<Array<Record<string, unknown>>> {
  const q = await w.run([
    'query',
    w.root,
    'SELECT number, state, next_entry, bad_entries, bytes_written FROM takeout_parts ORDER BY number',
    '--json',
  ]);
  assert.equal(q.code, 0, show(q));
  return JSON.parse(q.stdout) as Array<Record<string, unknown>>;
}

/** Every expected item is one file of photos/ with its bytes, in its month. */
async function assertTree(root: string, expected: ExpectedTree): Promise<void> {
  const photos = await readTop(root, 'photos');
  const bySha = new Map<string, string[]>();
  for (const e of photos.values()) bySha.set(e.sha256, [...(bySha.get(e.sha256) ?? []), e.rel]);
  for (const item of expected.items) {
    const files = bySha.get(item.sha256) ?? [];
    assert.equal(
      files.length,
      1,
      `${item.title}: one file with its bytes, got ${files.join(', ')}`,
    );
    assert.ok(
      (files[0] ?? '').startsWith(`photos/${utcMonth(item.takenTime)}/`),
      `${files[0]} in ${utcMonth(item.takenTime)}`,
    );
  }
  assert.equal(photos.size, expected.items.length, 'no other file in photos/');
}

/** No temp file anywhere in ROOT and no staging folder left. */
async function assertNoLeftovers(root: string): Promise<void> {
  const all = (await readdir(root, { recursive: true })).map((p) => p.split(path.sep).join('/'));
  assert.deepEqual(
    all.filter((p) => p.endsWith('.gphotos-part')),
    [],
    'no temp files',
  );
  assert.deepEqual(
    all.filter((p) => p.startsWith('.gphotos/takeout/')),
    [],
    'no staging leftovers',
  );
}

/**
 * Each file staged before a stop reached photos/ as it was (same inode: renamed, never written
 * again), unless the export holds its bytes more than once: then another copy may be the one
 * filed, and this one is dropped with the staging folder.
 */
async function assertFiledAsStaged(
  root: string,
  staged: Map<string, Staged>,
  copies: Map<string, number>,
): Promise<void> {
  const inodes = new Set<number>();
  const shas = new Set<string>();
  for (const e of (await readTop(root, 'photos')).values()) {
    inodes.add((await stat(path.join(root, e.rel))).ino);
    shas.add(e.sha256);
  }
  let moved = 0;
  for (const [name, f] of staged) {
    if (inodes.has(f.ino)) {
      moved++;
      continue;
    }
    assert.ok((copies.get(f.sha256) ?? 0) > 1, `${name} was moved into photos/, not written again`);
    assert.ok(shas.has(f.sha256), `${name}: another copy of its bytes is filed`);
  }
  assert.ok(moved > staged.size / 2, `${moved} of ${staged.size} staged files moved into photos/`);
}

/** The parts' bytes_written: each staged entry counted once, as in one uninterrupted pass. */
async function assertBytesWritten(w: TakeoutWorld, exp: TakeoutExport): Promise<void> {
  const rows = await partRows(w);
  assert.deepEqual(
    rows.map((p) => p.state),
    exp.parts.map(() => 'read'),
  );
  const written = rows.reduce((n, p) => n + Number(p.bytes_written), 0);
  assert.equal(written, stagedByContract(exp).bytes, 'bytes_written: every entry staged once');
}

describe('Takeout resume: a pass killed mid-part resumes without writing anything twice', () => {
  for (const format of ['zip', 'tgz'] as const) {
    it(`${format}: SIGKILL at ${KILL_AT.length} moments, then a pass completes the same tree`, async () => {
      const wd = await makeWorld(format);
      try {
        const total = wd.expected.items.length;
        let seen = new Map<string, Staged>();
        const resumedFrom: number[] = [];
        for (const [k, fraction] of KILL_AT.entries()) {
          const { r, stopped } = await passStoppedAt(wd, Math.round(total * fraction), 'SIGKILL');
          assert.ok(stopped, `pass ${k} was still reading when killed: ${show(r)}`);
          assert.equal(r.signal, 'SIGKILL');
          if (k > 0) resumedFrom.push(...firstFrom(r));
          const now = await stagedFiles(wd.staging);
          for (const [name, f] of seen) {
            assert.equal(
              now.get(name)?.ino,
              f.ino,
              `${name}, staged before kill ${k}, is kept as it was, not written again`,
            );
          }
          seen = now;
        }
        const last = await collect(
          startCli(
            ['sync', wd.w.root, '--skip-drive', '--skip-picasa', '--takeout', wd.w.drop],
            wd.w.env,
          ),
        );
        assert.equal(last.code, 0, show(last));
        const s = last.summary ?? {};
        assert.equal(s.takeoutAdded, total);
        assert.equal(s.takeoutBadEntries, 0);
        assert.equal(
          s.takeoutBytes,
          wd.expected.items.reduce((n, i) => n + i.size, 0),
        );
        resumedFrom.push(...firstFrom(last));
        assert.ok(
          resumedFrom.some((f) => f > 0),
          `a resumed pass starts past the recorded entries (from: ${resumedFrom.join(', ')})`,
        );
        await assertTree(wd.w.root, wd.expected);
        await assertNoLeftovers(wd.w.root);
        await assertFiledAsStaged(wd.w.root, seen, stagedByContract(wd.exp).copies);
        await assertBytesWritten(wd.w, wd.exp);
      } finally {
        await wd.w.close();
      }
    });
  }

  it('zip: SIGTERM mid-part exits 143 with its summary; the next pass completes', async () => {
    const wd = await makeWorld('zip');
    try {
      const { r, stopped } = await passStoppedAt(
        wd,
        Math.round(wd.expected.items.length * 0.3),
        'SIGTERM',
      );
      assert.ok(stopped, show(r));
      assert.equal(r.code, 143, show(r));
      assert.equal(r.summary?.exitCode, 143);
      assert.match(String(r.summary?.error), /received SIGTERM/);
      const all = (await readdir(wd.w.root, { recursive: true })).map(String);
      assert.deepEqual(
        all.filter((p) => p.endsWith('.gphotos-part')),
        [],
        'a stopped pass removes its temp file',
      );
      const staged = await stagedFiles(wd.staging);
      assert.ok(staged.size > 0);

      const last = await collect(
        startCli(
          ['sync', wd.w.root, '--skip-drive', '--skip-picasa', '--takeout', wd.w.drop],
          wd.w.env,
        ),
      );
      assert.equal(last.code, 0, show(last));
      assert.ok((firstFrom(last)[0] ?? 0) > 0, 'the next pass resumes where the stopped one ended');
      await assertTree(wd.w.root, wd.expected);
      await assertNoLeftovers(wd.w.root);
      await assertFiledAsStaged(wd.w.root, staged, stagedByContract(wd.exp).copies);
      await assertBytesWritten(wd.w, wd.exp);
    } finally {
      await wd.w.close();
    }
  });
});
