/**
 * `npm run bench:scale`: how the cost of the Drive index phase grows with the library, printed,
 * never asserted. For each size in SCALE_ITEMS (default 100,000 and 1,000,000 Drive items), a
 * generated library in the emulator and a fresh database on server Postgres
 * (BENCH_DATABASE_URL, default the local test server), then two runs of the real CLI:
 *
 *   index-only pass: an empty index, the full listing written;
 *   no-change rerun: `--index-only` again, nothing changed upstream (the changes feed).
 *
 * Each run: wall seconds, CPU seconds of the job (user + system, under GNU time), its peak RSS,
 * the emulator's CPU seconds (this process), the index size (pg_database_size) and rows, and the
 * cost per item; then, from the smallest size to the largest, the marginal cost of an item
 * against the average one (linearity). No downloads: a million files would measure the disk, not the index.
 * SCALE_ALBUMS (default 0) spreads the photos over that many Picasa albums. SCALE_EMBEDDED=1 runs
 * the job on its embedded index (in ROOT/.gphotos, its size then that folder's) instead of server
 * Postgres. SCALE_NODE_FLAGS (e.g. `--liftoff-only --heap-growing-percent=20`) runs
 * `node <flags> dist/cli/main.js` instead of the bin, whose shebang carries node's flags, to compare
 * flags. SCALE_RERUN=0 leaves out the no-change rerun.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { generateLibrary } from '../test/fakes/google/library.ts';
import { startEmulator, type Emulator } from '../test/fakes/google/server.ts';
import { cliPath, collect, emulatorEnv, type RunResult } from '../test/helpers/cli.ts';
import { freshDatabase } from './fresh-database.ts';

const SIZES = (process.env.SCALE_ITEMS ?? '100000,1000000').split(',').map(Number);
const ALBUMS = Number(process.env.SCALE_ALBUMS ?? 0);
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TIME = '/usr/bin/time';
const EMBEDDED = process.env.SCALE_EMBEDDED === '1';
const RERUN = process.env.SCALE_RERUN !== '0';
/** node's flags instead of the shebang's; undefined: the bin as it is. */
const NODE_FLAGS = process.env.SCALE_NODE_FLAGS?.split(/\s+/).filter((f) => f !== '');

interface Row {
  items: number;
  phase: string;
  seconds: number;
  /** CPU seconds of the job (user + system); null without GNU time. */
  cpuSeconds: number | null;
  /** CPU seconds of the emulator (this process) during the run. */
  emulatorCpuSeconds: number;
  peakRssMb: number;
  indexMb: number;
  /** Rows of media_items; null on the embedded index (its size is its folder's). */
  rows: number | null;
  requests: number;
  exit: number | null;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const since = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

/** Runs the CLI under GNU time (when there is one) for its CPU seconds and max RSS. */
async function runTimed(args: string[], env: Record<string, string | undefined>) {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  clean.PATH = `${path.dirname(process.execPath)}:${clean.PATH ?? ''}`;
  const timed = existsSync(TIME);
  const job = NODE_FLAGS ? [process.execPath, ...NODE_FLAGS, cliPath] : [cliPath];
  const [cmd, argv] = timed
    ? [TIME, ['-f', 'scale-cpu %U %S %M', ...job, ...args]]
    : [job[0]!, [...job.slice(1), ...args]];
  const r = await collect(spawn(cmd, argv, { env: clean, stdio: ['ignore', 'pipe', 'pipe'] }));
  const m = /scale-cpu ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  return {
    r,
    cpu: m ? Number(m[1]) + Number(m[2]) : null,
    maxRssMb: m ? Number(m[3]) / 1024 : NaN,
  };
}

/** Bytes of the files below `dir`. */
async function duBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(path.join(e.parentPath, e.name))).size;
  }
  return total;
}

async function indexFigures(url: string): Promise<{ indexMb: number; rows: number | null }> {
  if (!url.startsWith('postgres')) {
    return { indexMb: round((await duBytes(url)) / 2 ** 20, 1), rows: null };
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const size = await c.query<{ b: string }>('SELECT pg_database_size(current_database()) AS b');
    const rows = await c.query<{ n: string }>('SELECT count(*) AS n FROM media_items');
    return { indexMb: round(Number(size.rows[0]!.b) / 2 ** 20, 1), rows: Number(rows.rows[0]!.n) };
  } finally {
    await c.end();
  }
}

async function measure(
  emu: Emulator,
  items: number,
  phase: string,
  run: () => ReturnType<typeof runTimed>,
  url: string,
): Promise<Row> {
  const before = emu.stats().requests;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const { r, cpu, maxRssMb } = await run();
  const seconds = since(t0);
  const emuCpu = process.cpuUsage(c0);
  if (r.code !== 0) console.error(r.stderr.slice(-2000) || r.stdout.slice(-2000));
  const row: Row = {
    items,
    phase,
    seconds: round(seconds),
    cpuSeconds: cpu === null ? null : round(cpu),
    emulatorCpuSeconds: round((emuCpu.user + emuCpu.system) / 1e6),
    peakRssMb: Number(r.summary?.peakRssMb ?? Math.round(maxRssMb)),
    ...(await indexFigures(url)),
    requests: emu.stats().requests - before,
    exit: r.code,
  };
  // With GPHOTOS_LOG_LEVEL=debug, the heap of the index phase's steps.
  const heap = r.lines
    .filter((l) => typeof l.heapMb === 'number')
    .map(
      (l) =>
        `${String(l.msg)}: heap ${String(l.heapMb)} external ${String(l.externalMb)} rss ${String(l.rssMb)} MiB`,
    );
  console.log(
    JSON.stringify({ ...row, listingSeconds: logSeconds(r, 'drive listing done'), heap }),
  );
  return row;
}

function logSeconds(r: RunResult, msg: string): number | null {
  const line = r.lines.find((l) => l.msg === msg);
  return typeof line?.seconds === 'number' ? round(line.seconds) : null;
}

async function oneSize(items: number): Promise<Row[]> {
  const t1 = Date.now();
  const lib = generateLibrary({ items, seed: 42, albums: ALBUMS });
  const heapMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  console.log(`${items} items generated in ${(Date.now() - t1) / 1000} s (bench RSS ${heapMb} MB)`);
  const emu = await startEmulator({ library: lib });
  const root = await mkdtemp(path.join(os.tmpdir(), 'gphotos-scale-'));
  const db = EMBEDDED ? null : await freshDatabase(SERVER_URL);
  // Where indexFigures reads the index: the database, or the embedded index's folder.
  const where = db?.url ?? path.join(root, '.gphotos');
  try {
    const env = emulatorEnv(emu, {
      DATABASE_URL: db?.url,
      GPHOTOS_LOG_LEVEL: process.env.GPHOTOS_LOG_LEVEL,
    });
    const sync = () => runTimed(['sync', root, '--index-only'], env);
    const rows = [await measure(emu, items, 'index-only pass', sync, where)];
    if (RERUN) rows.push(await measure(emu, items, 'no-change rerun', sync, where));
    return rows;
  } finally {
    await emu.close();
    await db?.drop();
    await rm(root, { recursive: true, force: true });
  }
}

function table(rows: Row[]): void {
  console.log(
    '\n| items | phase | s | CPU s | emulator CPU s | peak RSS MB | index MB | µs/item | CPU µs/item | index bytes/item | exit |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const per = (n: number | null, r: Row, scale: number) =>
    n === null ? '-' : round((n * scale) / r.items, 1);
  for (const r of rows) {
    console.log(
      `| ${r.items.toLocaleString('en')} | ${r.phase} | ${r.seconds} | ${r.cpuSeconds ?? '-'} | ${r.emulatorCpuSeconds} | ${r.peakRssMb} | ${r.indexMb} | ${per(r.seconds, r, 1e6)} | ${per(r.cpuSeconds, r, 1e6)} | ${per(r.indexMb, r, 2 ** 20)} | ${r.exit} |`,
    );
  }
}

/**
 * Per phase, from each size to the next: the marginal cost of an item (the added cost
 * over the added items) against the average cost of an item at the smallest size. Start-up and
 * the empty index are in the average but not in the margin, so linear growth shows as a margin at
 * or below the average; a margin well above it is cost growing faster than the library.
 */
function linearity(rows: Row[]): void {
  const sizes = [...new Set(SIZES)].sort((x, y) => x - y);
  for (let i = 1; i < sizes.length; i++) growth(rows, sizes[i - 1]!, sizes[i]!);
}

function growth(rows: Row[], small: number, large: number): void {
  for (const phase of new Set(rows.map((r) => r.phase))) {
    const a = rows.find((r) => r.phase === phase && r.items === small);
    const b = rows.find((r) => r.phase === phase && r.items === large);
    if (!a || !b) continue;
    const figure = (x: number | null, y: number | null, unit: number) =>
      x === null || y === null
        ? null
        : {
            averageAtSmaller: round((x * unit) / small, 1),
            marginal: round(((y - x) * unit) / (large - small), 1),
          };
    console.log(
      JSON.stringify({
        phase,
        from: small,
        to: large,
        wallMicrosPerItem: figure(a.seconds, b.seconds, 1e6),
        cpuMicrosPerItem: figure(a.cpuSeconds, b.cpuSeconds, 1e6),
        indexBytesPerItem: figure(a.indexMb, b.indexMb, 2 ** 20),
        peakRssBytesPerItem: figure(a.peakRssMb, b.peakRssMb, 2 ** 20),
      }),
    );
  }
}

async function main(): Promise<void> {
  const load = os.loadavg().map((l) => round(l, 1));
  console.log(
    `gphotos-sync scale bench: ${SIZES.join(', ')} Drive items, ${ALBUMS} albums, ${EMBEDDED ? 'embedded index' : 'server Postgres'}, node flags ${NODE_FLAGS ? NODE_FLAGS.join(' ') : 'of the shebang'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, load ${load.join(' ')}`,
  );
  const rows: Row[] = [];
  for (const items of SIZES) rows.push(...(await oneSize(items)));
  table(rows);
  linearity(rows);
  console.log(
    `load at the end: ${os
      .loadavg()
      .map((l) => round(l, 1))
      .join(' ')}`,
  );
}

await main();
