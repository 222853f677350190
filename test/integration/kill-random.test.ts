/**
 * kill -9 at random moments of the download phase, many times over, loses nothing.
 *
 * One library (a few hundred small photos, a few larger videos so a body is in flight at most
 * kills, Photos-only items in an album so picasa/ is downloaded too) is first backed up by one
 * clean pass: its tree is the expected one. Then a second backup of the same library, with the
 * emulator slowing media bodies, is started and SIGKILLed again and again, each time a random
 * delay after its first media request. After each kill:
 *   - every file under a final name is the expected file (path, size, md5, mtime): no partial
 *     file, ever;
 *   - the pass swept exactly the temp files the previous kill left (it logs how many);
 *   - every index row marked `done` has its file on disk, with its size and md5.
 * Finally one pass runs to completion: the tree is exactly the expected one, no temp file is
 * left, every row is `done`, and no item was downloaded more often than once plus the downloads
 * a kill cut short (at most `--concurrency` per kill).
 *
 * The delays come from a seeded PRNG; the seed is printed, and KILL_SEED=<seed> replays a run.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openIndex } from '../../src/index/db.ts';
import { LibraryBuilder, md5Of, prng, type Library } from '../fakes/google/library.ts';
import { picasaMd5Of } from '../fakes/google/picasa-model.ts';
import { collect, startCli, type RunResult } from '../helpers/cli.ts';
import { tempFilesIn } from '../helpers/index-rows.ts';
import { world, type World } from '../helpers/pass.ts';
import { readTree, type TreeFile } from '../helpers/tree.ts';

const KILLS = 15;
const CONCURRENCY = 4;
/** ms before each 64 KiB piece of a media body while the kills go on. */
const PACE_MS = 8;
/**
 * A kill comes once the pass has started 1..MAX_STARTED media requests, then 0..MAX_DELAY_MS
 * later (a few pieces into a body). Counting requests rather than time keeps the progress per
 * kill the same on a loaded machine, so the kills spread over the whole download phase.
 */
const MAX_STARTED = 20;
const MAX_DELAY_MS = 4 * PACE_MS;

interface KillLibrary {
  lib: Library;
  /** md5 of every item a complete pass downloads (Drive files and Photos-only media). */
  md5s: Set<string>;
  /** How many items a complete pass downloads. */
  items: number;
}

/** 120 small photos (some names repeated in a folder), 4 videos of 1-2 MiB, 12 Photos-only items. */
function killLibrary(): KillLibrary {
  const b = new LibraryBuilder();
  const gp = b.folder('Google Photos');
  const years = [b.folder('2019', gp), b.folder('2020', gp)];
  const rand = prng(0x6b11);
  const drive: string[] = [];
  for (let i = 0; i < 120; i++) {
    const name =
      i % 50 === 7
        ? `P${String(i - 1).padStart(4, '0')}.jpg`
        : `P${String(i).padStart(4, '0')}.jpg`;
    const size = 1000 + Math.floor(rand() * 30_000);
    drive.push(b.photo(name, years[i % 2]!, { size, takenTime: exifTime(i) }));
  }
  for (let i = 0; i < 4; i++) {
    drive.push(
      b.video(`V${i}.mp4`, years[i % 2]!, { size: Math.floor((1 + i / 3) * 1024 * 1024) }),
    );
  }
  const creations = [];
  for (let i = 0; i < 12; i++) {
    const takenAt = `2020-03-${String(i + 1).padStart(2, '0')}T10:00:00Z`;
    creations.push(b.creation({ name: `COLLAGE_${i}.jpg`, takenAt, size: 3000 + i * 977 }));
  }
  b.album({
    title: 'Trip',
    date: '2020-03-01T00:00:00Z',
    members: [...drive.slice(0, 20), ...creations],
  });
  const lib = b.build();
  const md5s = new Set([
    ...drive.map((id) => md5Of(lib, id)),
    ...creations.map((c) => picasaMd5Of(lib, c)),
  ]);
  return { lib, md5s, items: drive.length + creations.length };
}

function exifTime(i: number): string {
  const day = String(1 + (i % 28)).padStart(2, '0');
  const month = String(1 + (i % 12)).padStart(2, '0');
  return `${2019 + (i % 2)}:${month}:${day} 12:${String(i % 60).padStart(2, '0')}:00`;
}

function outputOf(r: RunResult): string {
  return (r.stdout + r.stderr).slice(-3000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Media requests (Drive and Picasa) the emulator has seen. */
function mediaRequests(w: World): number {
  const byRoute = w.emu.stats().byRoute;
  return (byRoute.media ?? 0) + (byRoute['picasa.media'] ?? 0);
}

/**
 * Starts a pass and SIGKILLs it `delay` ms after its `started`th media request. Returns its
 * result and whether the kill landed (false when the pass ended first).
 */
async function killedPass(
  w: World,
  started: number,
  delay: number,
): Promise<{ r: RunResult; killed: boolean }> {
  const before = mediaRequests(w) + started - 1;
  const child = startCli(['sync', w.root, '--concurrency', String(CONCURRENCY)], w.env);
  const done = collect(child);
  let exited = false;
  void done.then(() => (exited = true));
  while (!exited && mediaRequests(w) <= before) await sleep(1);
  if (!exited) await sleep(delay);
  const killed = !exited && child.kill('SIGKILL');
  const r = await done;
  return { r, killed: killed && r.signal === 'SIGKILL' };
}

interface Row {
  rel_path: string;
  size: string | number | null;
  md5: string | null;
  state: string;
}

/**
 * The media rows, read in this process through the index the pass used (the killed pass's
 * embedded lock is taken over at once, as the next pass would).
 */
async function rowsOf(w: World): Promise<Row[]> {
  const db = await openIndex({
    databaseUrl: w.env.DATABASE_URL ?? null,
    embeddedDir: path.join(w.root, '.gphotos'),
  });
  try {
    return await db
      .knex('media_items')
      .select<Row[]>('rel_path', 'size', 'md5', 'state')
      .orderBy('rel_path');
  } finally {
    await db.close();
  }
}

/** Every file under a final name is the expected one; returns the temp files on disk. */
function assertNoPartialFile(
  tree: Map<string, TreeFile>,
  expected: Map<string, TreeFile>,
  when: string,
): string[] {
  const temps = tempFilesIn(tree);
  for (const [p, f] of tree) {
    if (temps.includes(p)) continue;
    const want = expected.get(p);
    assert.ok(want, `${when}: unexpected file ${p}`);
    assert.equal(
      f.md5,
      want.md5,
      `${when}: ${p} has other bytes (size ${f.size}, want ${want.size})`,
    );
    assert.equal(f.mtimeMs, want.mtimeMs, `${when}: mtime of ${p}`);
  }
  return temps;
}

/** Every `done` row has its file, with its size and (when the index has one) its md5. */
function assertDoneRowsOnDisk(rows: Row[], tree: Map<string, TreeFile>, when: string): void {
  for (const row of rows.filter((x) => x.state === 'done')) {
    const f = tree.get(row.rel_path);
    assert.ok(f, `${when}: index says done, disk has no ${row.rel_path}`);
    assert.equal(f.size, Number(row.size), `${when}: size of ${row.rel_path}`);
    if (row.md5 !== null) assert.equal(f.md5, row.md5, `${when}: md5 of ${row.rel_path}`);
  }
}

/** The `removed` of the pass's sweep line, or undefined when it logged none. */
function sweptBy(r: RunResult): number | undefined {
  const line = r.lines.find((l) => String(l.msg).includes('removed the temp files'));
  return line === undefined ? undefined : Number(line.removed);
}

describe('kill -9 at random moments of the download phase', () => {
  it(`${KILLS} kills, then a pass completes the expected tree and index`, async (t) => {
    const seed = Number(process.env.KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
    t.diagnostic(`KILL_SEED=${seed}`);
    console.log(`kill-random: KILL_SEED=${seed} (set it to replay these kill moments)`);
    const rand = prng(seed);
    const { lib, md5s, items } = killLibrary();

    const ref = await world(lib);
    let expected: Map<string, TreeFile>;
    try {
      const r = await ref.sync(['--concurrency', String(CONCURRENCY)]);
      assert.equal(r.code, 0, outputOf(r));
      expected = await readTree(ref.root);
    } finally {
      await ref.close();
    }
    const expectedMedia = [...expected].filter(([p]) => /^(drive|picasa)\//.test(p));
    assert.equal(expectedMedia.length, items, 'the reference pass downloaded every item once');
    for (const [p, f] of expectedMedia) assert.ok(md5s.has(f.md5), `reference ${p}: wrong bytes`);

    const w = await world(lib, { mediaPaceMs: PACE_MS });
    try {
      let kills = 0;
      let tempsLeft = 0;
      let endedByItself = false;
      for (let k = 0; k < KILLS; k++) {
        const started = 1 + Math.floor(rand() * MAX_STARTED);
        const delay = Math.floor(rand() * MAX_DELAY_MS);
        const when = `kill ${k + 1} (request ${started} + ${delay} ms, seed ${seed})`;
        const { r, killed } = await killedPass(w, started, delay);
        // Every pass after a kill starts by removing what the kill left.
        if (k > 0) assert.equal(sweptBy(r), tempsLeft, `${when}: the sweep of the last kill's`);
        if (!killed) {
          assert.equal(r.code, 0, `${when}: the pass ended by itself, badly: ${outputOf(r)}`);
          endedByItself = true;
          break;
        }
        kills++;
        const tree = await readTree(w.root);
        tempsLeft = assertNoPartialFile(tree, expected, when).length;
        assertDoneRowsOnDisk(await rowsOf(w), tree, when);
      }
      t.diagnostic(`kills landed: ${kills}; media requests so far: ${mediaRequests(w)}`);
      assert.ok(kills >= KILLS / 2, `only ${kills} kills landed before the pass completed`);

      w.emu.mediaPaceMs = 0;
      const r = await w.sync(['--concurrency', String(CONCURRENCY)]);
      assert.equal(r.code, 0, outputOf(r));
      // After a kill, the last pass sweeps; after a pass that ended by itself, it has no reason to.
      assert.equal(sweptBy(r), endedByItself ? undefined : tempsLeft, 'the last sweep');
      const tree = await readTree(w.root);
      assert.deepEqual(tempFilesIn(tree), []);
      assert.deepEqual(new Map([...tree].sort()), new Map([...expected].sort()));
      const rows = await rowsOf(w);
      assert.equal(rows.length, items);
      assert.deepEqual(
        rows.filter((x) => x.state !== 'done'),
        [],
      );
      assertDoneRowsOnDisk(rows, tree, 'after the last pass');
      const downloads = mediaRequests(w);
      t.diagnostic(`downloads: ${downloads} for ${items} items and ${kills} kills`);
      assert.ok(downloads >= items, `${downloads} downloads for ${items} items`);
      assert.ok(
        downloads <= items + kills * CONCURRENCY,
        `${downloads} downloads for ${items} items and ${kills} kills (at most ${CONCURRENCY} in flight each)`,
      );
    } finally {
      await w.close();
    }
  });
});
