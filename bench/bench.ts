/**
 * `npm run bench`: the performance figures of a pass, printed, never asserted (a timed test flakes
 * on a busy machine). Generates a library in the emulator (BENCH_ITEMS items, default 100,000;
 * BENCH_ALBUMS albums, default 50) and, per index backend (BENCH_BACKENDS, default
 * `postgres,embedded`; server Postgres at BENCH_DATABASE_URL, a fresh database per run), in this
 * process and on the same library:
 *
 *   baselines (plain-client.ts): a plain listing (every Drive page with the job's queries, fields
 *   and page size, every album feed page read and parsed minimally; the fastest of
 *   BENCH_LISTING_RUNS, default 3), a plain fetch of every file,
 *   and a durable fetch (temp file, fsync, rename, mtime, folder fsync per 1,000 files), all at
 *   the job's concurrency (BENCH_CONCURRENCY, default 8);
 *   the job (the real CLI, a child process): index-only pass, full pass (small files), rerun with
 *   nothing changed, rerun after 200 changes: wall time, CPU seconds of the job (user + sys),
 *   peak RSS, requests, and the seconds of its Drive listing, album index and album link phases
 *   out of its own log; each as a ratio to its baseline (index-only to the plain listing; the full
 *   pass to the plain listing plus the durable fetch, and plus the plain fetch).
 *
 * Then the goals of issue 14 (index-only <= 1.5x, full <= 1.25x durable, embedded <= 1.3x server
 * Postgres on every phase, peak RSS <= 300 MiB, reruns under 3 s and 5 s), met or not, and the
 * download throughput of 4 MiB files against a plain fetch (BENCH_THROUGHPUT_FILES, default 200;
 * 0 skips it). The emulator runs in this process: the baselines' CPU seconds are the client's and
 * the emulator's together.
 *
 * The library has Photos-only items, an Auto Backup album past Picasa's 10,000 offset limit, and
 * overlapping albums.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import PQueue from 'p-queue';
import {
  addPhoto,
  generateLibrary,
  LibraryBuilder,
  renameFile,
  type Library,
} from '../test/fakes/google/library.ts';
import { startEmulator, type Emulator } from '../test/fakes/google/server.ts';
import { emulatorEnv, runCli, type RunResult } from '../test/helpers/cli.ts';
import { freshDatabase } from './fresh-database.ts';
import { plainClient, type PlainFile } from './plain-client.ts';
import { runTimed } from './run-timed.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 100_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'postgres,embedded').split(',');
const ALBUMS = Number(process.env.BENCH_ALBUMS ?? 50);
const THROUGHPUT_FILES = Number(process.env.BENCH_THROUGHPUT_FILES ?? 200);
/** Plain listings per backend; the fastest is the baseline (BENCH_LISTING_RUNS, default 3). */
const LISTING_RUNS = Math.max(1, Number(process.env.BENCH_LISTING_RUNS ?? 3));

interface Row {
  backend: string;
  phase: string;
  seconds: number;
  /** CPU seconds (user + sys) of the job's process; of this process for a baseline. */
  cpuSeconds: number | null;
  itemsPerSecond: number;
  mbPerSecond: number;
  peakRssMb: number;
  requests: number;
  /** Wall time over the baseline's (`base`), null when the phase has none. */
  ratio: number | null;
  base: string | null;
  /** A second ratio, for the full pass: to the plain listing plus the plain (not durable) fetch. */
  ratio2: number | null;
  /** Seconds of the Drive listing, the Picasa index and the album link phase, from the job's log. */
  driveListingSeconds: number | null;
  albumsIndexSeconds: number | null;
  albumLinksSeconds: number | null;
  exit: number | null;
}

const rows: Row[] = [];

interface Measure {
  seconds: number;
  cpuSeconds: number;
  requests: number;
}

/** Runs a baseline step in this process: wall, CPU (this process, emulator included), requests. */
async function measure<T>(emu: Emulator, step: () => Promise<T>): Promise<Measure & { out: T }> {
  const [before, t0, c0] = [emu.stats().requests, process.hrtime.bigint(), process.cpuUsage()];
  const out = await step();
  const c = process.cpuUsage(c0);
  return {
    out,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    cpuSeconds: (c.user + c.system) / 1e6,
    requests: emu.stats().requests - before,
  };
}

interface Baselines {
  listing: Measure;
  fetch: Measure;
  durable: Measure;
}

function baselineRow(backend: string, phase: string, m: Measure, items: number, bytes = 0): Row {
  const row: Row = {
    backend,
    phase,
    seconds: round(m.seconds),
    cpuSeconds: round(m.cpuSeconds),
    itemsPerSecond: Math.round(items / m.seconds),
    mbPerSecond: round(bytes / 1e6 / m.seconds),
    peakRssMb: NaN,
    requests: m.requests,
    ratio: null,
    base: null,
    ratio2: null,
    driveListingSeconds: null,
    albumsIndexSeconds: null,
    albumLinksSeconds: null,
    exit: 0,
  };
  rows.push(row);
  console.log(JSON.stringify(row));
  return row;
}

/** The plain client's listing, fetch and durable fetch of the emulator's library, in `dir`. */
async function baselines(backend: string, emu: Emulator, dir: string): Promise<Baselines> {
  const plain = await plainClient(emu, CONCURRENCY);
  // The fastest of LISTING_RUNS: a 5 s baseline moved by up to 60% from run to run on the 2-core
  // machine (3.7-8.2 s in one session), and every index-only ratio with it. The job's passes run
  // once, so this errs against the job.
  let listing = await measure(emu, () => plain.listing());
  for (let i = 1; i < LISTING_RUNS; i++) {
    const again = await measure(emu, () => plain.listing());
    if (again.seconds < listing.seconds) listing = again;
  }
  const files: PlainFile[] = listing.out.files;
  baselineRow(backend, 'plain listing', listing, listing.out.driveFiles);
  const fetched = await measure(emu, () => plain.fetch(files, path.join(dir, 'plain'), false));
  baselineRow(backend, 'plain fetch', fetched, files.length, fetched.out);
  const durable = await measure(emu, () => plain.fetch(files, path.join(dir, 'durable'), true));
  baselineRow(backend, 'durable fetch', durable, files.length, durable.out);
  await rm(dir, { recursive: true, force: true });
  return { listing, fetch: fetched, durable };
}

interface Ratio {
  base: string;
  seconds: number;
  second?: number;
}

async function timed(
  emu: Emulator,
  backend: string,
  phase: string,
  items: number,
  run: () => Promise<{ r: RunResult; cpuSeconds: number | null }>,
  ratio?: Ratio,
): Promise<RunResult> {
  const before = emu.stats();
  const t0 = process.hrtime.bigint();
  const { r, cpuSeconds } = await run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = emu.stats();
  const bytes = Number(r.summary?.bytes ?? 0);
  const row: Row = {
    backend,
    phase,
    seconds: round(seconds),
    cpuSeconds,
    itemsPerSecond: Math.round(items / seconds),
    mbPerSecond: round(bytes / 1e6 / seconds),
    peakRssMb: Number(r.summary?.peakRssMb ?? NaN),
    requests: after.requests - before.requests,
    ratio: ratio ? round(seconds / ratio.seconds) : null,
    base: ratio?.base ?? null,
    ratio2: ratio?.second ? round(seconds / ratio.second) : null,
    driveListingSeconds: logSeconds(r, 'drive listing done'),
    albumsIndexSeconds: logSeconds(r, 'albums indexed'),
    albumLinksSeconds: logSeconds(r, 'album folders linked'),
    exit: r.code,
  };
  rows.push(row);
  console.log(JSON.stringify(row));
  if (r.code !== 0) console.error(r.stderr || r.stdout.split('\n').slice(-5).join('\n'));
  return r;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The `seconds` of the job's log line `msg`, or null when the phase did not log it. */
function logSeconds(r: RunResult, msg: string): number | null {
  const line = r.lines.find((l) => l.msg === msg);
  return typeof line?.seconds === 'number' ? round(line.seconds) : null;
}

/** 100 new photos and 100 renames, through the emulator's change journal. */
function change200(lib: Library): void {
  const folders = [...lib.files.values()].filter(
    (f) => f.mimeType === 'application/vnd.google-apps.folder' && f.name !== 'Google Photos',
  );
  const photos = [...lib.files.values()].filter((f) => f.mimeType === 'image/jpeg').slice(0, 100);
  const into = folders[0]?.id ?? lib.rootId;
  for (let i = 0; i < 100; i++) addPhoto(lib, `BENCH_NEW_${i}.jpg`, into);
  for (const p of photos) renameFile(lib, p.id, `renamed-${p.name}`);
}
const mapRound = (o: Record<string, number>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [`${k}MbPerSecond`, round(v)]));

/** Plain parallel fetch of every media file into `dir`: the baseline the pass is measured against. */
async function plainFetch(
  emu: Emulator,
  ids: string[],
  dir: string,
): Promise<{ seconds: number; bytes: number }> {
  const tokenRes = await fetch(emu.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: emu.defaultToken().client_id,
      client_secret: emu.defaultToken().client_secret,
      refresh_token: emu.defaultToken().refresh_token,
    }),
  });
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  await mkdir(dir, { recursive: true });
  const queue = new PQueue({ concurrency: CONCURRENCY });
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (const id of ids) {
    void queue.add(async () => {
      const res = await fetch(`${emu.url}drive/v3/files/${id}?alt=media`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      const buf = Buffer.from(await res.arrayBuffer());
      createHash('md5').update(buf).digest('hex');
      bytes += buf.length;
      await writeFile(path.join(dir, id), buf);
    });
  }
  await queue.onIdle();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes };
}

async function libraryPasses(backend: string, emu: Emulator) {
  const base = await baselines(
    backend,
    emu,
    await mkdtemp(path.join(os.tmpdir(), 'gphotos-plain-')),
  );
  const listing = base.listing.seconds;
  // The index-only pass and the full pass each start from an empty folder and an empty index.
  const worlds = [];
  for (let i = 0; i < 2; i++) {
    const root = await mkdtemp(path.join(os.tmpdir(), 'gphotos-bench-'));
    const db = backend === 'postgres' ? await freshDatabase(SERVER_URL) : null;
    const env = emulatorEnv(emu, {
      DATABASE_URL: db?.url,
      GPHOTOS_CONCURRENCY: String(CONCURRENCY),
    });
    worlds.push({
      root,
      db,
      sync: (args: string[] = []) => runTimed(['sync', root, ...args], env),
    });
  }
  const [a, b] = worlds as [(typeof worlds)[number], (typeof worlds)[number]];
  try {
    await timed(emu, backend, 'index-only pass', ITEMS, () => a.sync(['--index-only']), {
      base: 'plain listing',
      seconds: listing,
    });
    await timed(emu, backend, 'full pass (index + download)', ITEMS, () => b.sync(), {
      base: 'plain listing + durable fetch (2nd: + plain fetch)',
      seconds: listing + base.durable.seconds,
      second: listing + base.fetch.seconds,
    });
    await timed(emu, backend, 'rerun, nothing changed', ITEMS, () => b.sync());
    change200(emu.library);
    await timed(emu, backend, 'rerun after 100 new + 100 renamed', 200, () => b.sync());
  } finally {
    for (const w of worlds) {
      await w.db?.drop();
      await rm(w.root, { recursive: true, force: true });
    }
  }
}

async function throughput(backend: string) {
  // Big enough files that bytes, not per-file overhead, dominate both sides.
  const b = new LibraryBuilder();
  const gp = b.folder('Google Photos');
  const ids: string[] = [];
  const n = Number(process.env.BENCH_THROUGHPUT_FILES ?? 200);
  for (let i = 0; i < n; i++) ids.push(b.video(`clip${i}.mp4`, gp, { size: 4 * 1024 * 1024 + i }));
  const lib = b.build();
  const emu = await startEmulator({ library: lib });
  const root = await mkdtemp(path.join(os.tmpdir(), 'gphotos-bench-'));
  const db = backend === 'postgres' ? await freshDatabase(SERVER_URL) : null;
  try {
    const env = emulatorEnv(emu, {
      DATABASE_URL: db?.url,
      GPHOTOS_CONCURRENCY: String(CONCURRENCY),
    });
    await runCli(['sync', root, '--index-only'], env);
    // Three rounds, alternating, best of each: one run on a busy 2-core machine is noise.
    let best = { pass: 0, phase: 0, plain: 0, passSeconds: 0, plainSeconds: 0 };
    for (let round = 1; round <= 3; round++) {
      await rm(path.join(root, 'drive'), { recursive: true, force: true });
      await rm(path.join(root, 'plain'), { recursive: true, force: true });
      const t0 = process.hrtime.bigint();
      const r = await runCli(['sync', root, '--skip-index', '--log-level', 'debug'], env);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (r.code !== 0) throw new Error(`pass failed: ${r.stderr || r.stdout.slice(-500)}`);
      // The same pass without its start-up (process, index open): the download phase alone.
      const phase = r.lines.find((l) => l.msg === 'download phase done');
      const mb = Number(r.summary?.bytes ?? 0) / 1e6;
      const plain = await plainFetch(emu, ids, path.join(root, 'plain'));
      const figures = {
        pass: mb / seconds,
        phase: mb / Number(phase?.seconds ?? NaN),
        plain: plain.bytes / 1e6 / plain.seconds,
      };
      console.log(JSON.stringify({ backend, throughputRound: round, ...mapRound(figures) }));
      best = {
        pass: Math.max(best.pass, figures.pass),
        phase: Math.max(best.phase, figures.phase),
        plain: Math.max(best.plain, figures.plain),
        passSeconds: best.pass >= figures.pass ? best.passSeconds : seconds,
        plainSeconds: best.plain >= figures.plain ? best.plainSeconds : plain.seconds,
      };
    }
    console.log(
      JSON.stringify({
        backend,
        phase: `download ${n} x 4 MiB, best of 3`,
        passMbPerSecond: round(best.pass),
        downloadPhaseMbPerSecond: round(best.phase),
        plainFetchMbPerSecond: round(best.plain),
        passVsPlain: `${Math.round((best.pass / best.plain) * 100)}%`,
        downloadPhaseVsPlain: `${Math.round((best.phase / best.plain) * 100)}%`,
      }),
    );
    const extra = { ratio: null, base: null, ratio2: null, driveListingSeconds: null };
    const none = { ...extra, albumsIndexSeconds: null, albumLinksSeconds: null, exit: 0 };
    rows.push(
      {
        backend,
        phase: `download ${n} x 4 MiB (pass, best of 3)`,
        seconds: round(best.passSeconds),
        cpuSeconds: null,
        itemsPerSecond: Math.round(n / best.passSeconds),
        mbPerSecond: round(best.pass),
        peakRssMb: NaN,
        requests: n,
        ...none,
        ratio: round(best.passSeconds / best.plainSeconds),
        base: 'plain fetch 4 MiB',
      },
      {
        backend,
        phase: `plain fetch ${n} x 4 MiB (best of 3)`,
        seconds: round(best.plainSeconds),
        cpuSeconds: null,
        itemsPerSecond: Math.round(n / best.plainSeconds),
        mbPerSecond: round(best.plain),
        peakRssMb: NaN,
        requests: n,
        ...none,
      },
    );
  } finally {
    await emu.close();
    await db?.drop();
    await rm(root, { recursive: true, force: true });
  }
}

async function main() {
  console.log(
    `gphotos-sync bench: ${ITEMS} items, ${ALBUMS} albums, concurrency ${CONCURRENCY}, ${os.cpus().length} cores, node ${process.version}`,
  );
  for (const backend of BACKENDS) {
    if (process.env.BENCH_ONLY !== 'throughput') {
      // A fresh library per backend: the changes round mutates it.
      const t1 = Date.now();
      const lib = generateLibrary({ items: ITEMS, seed: 42, albums: ALBUMS });
      console.log(`library generated in ${(Date.now() - t1) / 1000} s`);
      const emu = await startEmulator({ library: lib });
      try {
        await libraryPasses(backend, emu);
      } finally {
        await emu.close();
      }
    }
    if (THROUGHPUT_FILES > 0) await throughput(backend);
  }
  printTable();
  printGoals();
}

const dash = (n: number | null) => (n === null || Number.isNaN(n) ? '-' : n);

function printTable(): void {
  console.log(
    '\n| backend | phase | s | CPU s | ratio | to | items/s | MB/s | peak RSS MiB | requests | Drive listing s | albums index s | album links s | exit |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const ratio =
      r.ratio === null ? '-' : `${r.ratio}x${r.ratio2 === null ? '' : ` (${r.ratio2}x)`}`;
    console.log(
      `| ${r.backend} | ${r.phase} | ${r.seconds} | ${dash(r.cpuSeconds)} | ${ratio} | ${r.base ?? '-'} | ${r.itemsPerSecond} | ${r.mbPerSecond} | ${dash(r.peakRssMb)} | ${r.requests} | ${dash(r.driveListingSeconds)} | ${dash(r.albumsIndexSeconds)} | ${dash(r.albumLinksSeconds)} | ${r.exit} |`,
    );
  }
}

/** Issue 14's goals, each met or not, per backend; embedded against server Postgres per phase. */
function printGoals(): void {
  const find = (backend: string, prefix: string) =>
    rows.find((r) => r.backend === backend && r.phase.startsWith(prefix));
  const goals: Array<[string, number | null | undefined, number]> = [];
  for (const backend of BACKENDS) {
    const jobs = rows.filter((r) => r.backend === backend && r.peakRssMb > 0);
    goals.push(
      [`${backend}: index-only / plain listing`, find(backend, 'index-only')?.ratio, 1.5],
      [`${backend}: full pass / durable plain`, find(backend, 'full pass')?.ratio, 1.25],
      [`${backend}: no-change rerun s`, find(backend, 'rerun, nothing')?.seconds, 3],
      [`${backend}: rerun after 200 changes s`, find(backend, 'rerun after')?.seconds, 5],
      // The summary's peakRssMb is maxRSS (KiB) / 1024: MiB already.
      [`${backend}: peak RSS MiB`, Math.max(...jobs.map((r) => r.peakRssMb)), 300],
    );
  }
  if (BACKENDS.includes('postgres') && BACKENDS.includes('embedded')) {
    for (const r of rows.filter((x) => x.backend === 'embedded' && x.peakRssMb > 0)) {
      const pg = find('postgres', r.phase);
      goals.push([`embedded / postgres: ${r.phase}`, pg ? r.seconds / pg.seconds : null, 1.3]);
    }
  }
  console.log('\n| goal | measured | limit | met |\n|---|---|---|---|');
  for (const [name, v, limit] of goals) {
    const ok = typeof v === 'number' && Number.isFinite(v) ? (v <= limit ? 'yes' : 'NO') : '-';
    console.log(`| ${name} | ${typeof v === 'number' ? round(v) : '-'} | ${limit} | ${ok} |`);
  }
}

await main();
