/**
 * `npm run bench:takeout` (and the second half of `npm run bench`): the figures of a Takeout
 * ingest, printed, never asserted. Generates one export of BENCH_TAKEOUT_ITEMS items (default
 * 100,000, plus their edited copies and companions; BENCH_TAKEOUT_ALBUMS albums, default 50), and
 * writes it twice as a single part: once as a .zip, once as a .tgz (each some 300,000 entries).
 * Then, per format, in this process and this run:
 *
 *   plain: every entry read in stream order with our PartReader, and each distinct media file
 *     (album copies are the same bytes) written to its own file, no fsync: the floor;
 *   durable plain: the same, each file written under a temp name, fsynced and renamed, and the
 *     folder fsynced every 1,000 files: what our writer promises, done the cheapest way;
 *   the real thing: `gphotos-sync sync ROOT --skip-drive --skip-picasa --takeout DROP` on server
 *     Postgres (BENCH_DATABASE_URL, a fresh database per run) and on the embedded index, from an
 *     empty folder: wall time, items/s, MB/s (archive bytes), peak RSS of the job, and its ratio to
 *     both baselines (goal: at most 1.3x); then a rerun with nothing new (no part is read).
 *
 * Files are small (a few hundred bytes), so per-file costs, not bytes, set every figure.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileByteSource } from '../src/remote/takeout/byte-source.ts';
import { openPart } from '../src/remote/takeout/open-part.ts';
import { classifyPath } from '../src/remote/takeout/paths.ts';
import { writeTgz, writeZip } from '../test/fakes/takeout/archive-writer.ts';
import { makeExport, writeExport } from '../test/fakes/takeout/export.ts';
import { makeLibrary } from '../test/fakes/takeout/library.ts';
import type { RunResult } from '../test/helpers/cli.ts';
import { freshDatabase } from './fresh-database.ts';
import { runTimed } from './run-timed.ts';

const ITEMS = Number(process.env.BENCH_TAKEOUT_ITEMS ?? 100_000);
const ALBUMS = Number(process.env.BENCH_TAKEOUT_ALBUMS ?? 50);
const FORMATS = (process.env.BENCH_TAKEOUT_FORMATS ?? 'zip,tgz').split(',') as Format[];
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'postgres,embedded').split(',');
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Disk a run may need per item: two archives, the baselines' and the job's copies, the index. */
const DISK_BYTES_PER_ITEM = 60_000;
const DIR_SYNC_EVERY = 1000;

type Format = 'zip' | 'tgz';

interface Archive {
  format: Format;
  drop: string;
  files: string[];
  bytes: number;
  entries: number;
  mediaEntries: number;
}

interface Row {
  format: Format;
  backend: string;
  phase: string;
  seconds: number;
  /** CPU time (user + system, all threads): steadier than wall time on a busy machine. */
  cpuSeconds: number | null;
  files: number;
  itemsPerSecond: number;
  mbPerSecond: number | null;
  peakRssMb: number | null;
  vsPlain: number | null;
  vsDurable: number | null;
  /** From the job's log: start-up (process, index), reading and filing the export, album links. */
  startSeconds: number | null;
  readFileSeconds: number | null;
  linksSeconds: number | null;
  exit: number | null;
}

const rows: Row[] = [];
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const since = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const cpuSince = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};
const mb = (bytes: number) => round(bytes / 1e6, 1);

async function checkDisk(dir: string): Promise<void> {
  const st = await fs.statfs(dir);
  const free = st.bavail * st.bsize;
  const need = ITEMS * DISK_BYTES_PER_ITEM;
  console.log(`free disk in ${dir}: ${mb(free)} MB (this run needs about ${mb(need)} MB)`);
  if (free < need) throw new Error(`not enough free disk in ${dir}; lower BENCH_TAKEOUT_ITEMS`);
}

/** The export, written once per format as a single part into `base/<format>/`. */
async function generate(base: string): Promise<Archive[]> {
  const t0 = process.hrtime.bigint();
  const library = makeLibrary({ items: ITEMS, albums: ALBUMS, quirks: false });
  const requestedAt = new Date('2025-07-25T03:52:35Z');
  const out: Archive[] = [];
  for (const format of FORMATS) {
    const exp = makeExport(library, { requestedAt, partCount: 1, format });
    const drop = path.join(base, format);
    const files = await writeExport(drop, exp, { writeZip, writeTgz });
    const paths = exp.parts.flatMap((p) => p.paths);
    const sizes = await Promise.all(files.map(async (f) => (await fs.stat(f)).size));
    out.push({
      format,
      drop,
      files,
      bytes: sizes.reduce((a, b) => a + b, 0),
      entries: paths.length,
      mediaEntries: paths.filter((p) => !p.toLowerCase().endsWith('.json')).length,
    });
  }
  const items = library.items.length;
  console.log(`export generated in ${round(since(t0), 1)} s: ${items} items, ${ALBUMS} albums`);
  for (const a of out) {
    console.log(
      `  ${a.format}: ${a.files.length} part(s), ${mb(a.bytes)} MB, ${a.entries} entries (${a.mediaEntries} media)`,
    );
  }
  return out;
}

/** What the job keeps: media files of the Photos tree, not in the trash. */
function isMedia(entryPath: string): boolean {
  const where = classifyPath(entryPath);
  if (where === null || where.folderKind === 'trash') return false;
  return !entryPath.toLowerCase().endsWith('.json');
}

/** fsyncs a folder, so the renames in it are durable. */
async function syncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Writes one file: straight (plain), or temp + fsync + rename (durable). */
async function writeOne(dir: string, name: string, chunks: Buffer[], durable: boolean) {
  const final = path.join(dir, name);
  const file = durable ? path.join(dir, `.${name}.part`) : final;
  const h = await fs.open(file, 'w');
  try {
    await h.writev(chunks);
    if (durable) await h.sync();
  } finally {
    await h.close();
  }
  if (durable) await fs.rename(file, final);
}

/**
 * The baseline: reads every entry of every part in stream order and writes each media file whose
 * bytes were not written yet (an album copy repeats its year folder's; md5 tells) to `dir/<n>`.
 * Like the job, it keeps no JSON and nothing of the trash.
 */
async function plainIngest(a: Archive, dir: string, durable: boolean) {
  await fs.mkdir(dir, { recursive: true });
  const signal = new AbortController().signal;
  const written = new Set<string>();
  let [files, bytes] = [0, 0];
  const [t0, c0] = [process.hrtime.bigint(), process.cpuUsage()];
  for (const file of a.files) {
    const reader = openPart(await fileByteSource(file), a.format);
    for await (const { entry, body } of reader.entries({ signal })) {
      if (body === undefined) continue;
      const chunks: Buffer[] = [];
      const md5 = createHash('md5');
      for await (const c of body) {
        chunks.push(c);
        md5.update(c);
      }
      const digest = md5.digest('hex');
      if (!isMedia(entry.path) || written.has(digest)) continue;
      written.add(digest);
      await writeOne(dir, String(files++), chunks, durable);
      bytes += entry.size;
      if (durable && files % DIR_SYNC_EVERY === 0) await syncDir(dir);
    }
  }
  if (durable) await syncDir(dir);
  return { seconds: since(t0), cpuSeconds: cpuSince(c0), files, bytes };
}

type Measure = { seconds: number; cpuSeconds: number | null; files: number };

interface Baselines {
  plain: Measure;
  durable: Measure;
}

type Env = Record<string, string | undefined>;
/** Seconds between the first log line `from` and the last one `to` of the job, or null. */
function logGap(r: RunResult, from: string, to: string): number | null {
  const at = (l: Record<string, unknown> | undefined) => Date.parse(String(l?.time));
  const s =
    (at(r.lines.findLast((l) => l.msg === to)) - at(r.lines.find((l) => l.msg === from))) / 1000;
  return Number.isNaN(s) ? null : round(s);
}

/** The job's row; its ratios to the baselines when `base` is given (the ingest, not the rerun). */
function jobRow(
  a: Archive,
  backend: string,
  phase: string,
  run: Measure & { r: RunResult },
  base?: Baselines,
): Row {
  const { r, seconds } = run;
  const added = Number(r.summary?.takeoutAdded ?? 0);
  const row: Row = {
    format: a.format,
    backend,
    phase,
    seconds: round(seconds),
    cpuSeconds: run.cpuSeconds,
    files: added,
    itemsPerSecond: Math.round(added / seconds),
    mbPerSecond: added > 0 ? round(a.bytes / 1e6 / seconds) : null,
    peakRssMb: Number(r.summary?.peakRssMb ?? NaN),
    vsPlain: base ? round(seconds / base.plain.seconds) : null,
    vsDurable: base ? round(seconds / base.durable.seconds) : null,
    startSeconds: logGap(r, 'sync started', 'reading Takeout part'),
    readFileSeconds: logGap(r, 'reading Takeout part', 'Takeout export filed'),
    linksSeconds: logGap(r, 'Takeout export filed', 'album folders linked'),
    exit: r.code,
  };
  rows.push(row);
  const partsRead = r.lines.filter((l) => l.msg === 'reading Takeout part').length;
  console.log(JSON.stringify({ ...row, partsRead }));
  // The job's own per-step figures (steps.ts): where its time and memory go.
  for (const l of r.lines.filter((x) => x.msg === 'Takeout step')) {
    const { step, seconds: s, cpuSeconds: c, rssMb, heapMb } = l;
    console.log(
      `    step ${String(step)}: ${String(s)} s, ${String(c)} CPU s, RSS ${String(rssMb)} MiB, heap ${String(heapMb)} MiB`,
    );
  }
  if (r.code !== 0) console.error(r.stderr || r.stdout.split('\n').slice(-5).join('\n'));
  return row;
}

/** The job from an empty folder and index, then again with nothing new. */
async function jobPasses(a: Archive, backend: string, base: Baselines): Promise<Row> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gphotos-bench-takeout-'));
  const db = backend === 'postgres' ? await freshDatabase(SERVER_URL) : null;
  const env: Env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: db?.url,
    GPHOTOS_LOG_FORMAT: 'json',
    GPHOTOS_PROGRESS_INTERVAL: '0',
  };
  const args = ['sync', root, '--skip-drive', '--skip-picasa', '--takeout', a.drop];
  const run = async (phase: string, against?: Baselines) => {
    const t0 = process.hrtime.bigint();
    const { r, cpuSeconds: cpu } = await runTimed([...args, '--takeout-settle', '0'], env);
    return jobRow(a, backend, phase, { r, seconds: since(t0), cpuSeconds: cpu, files: 0 }, against);
  };
  try {
    const first = await run('job: ingest into an empty folder', base);
    await run('job: rerun, nothing new');
    return first;
  } finally {
    await db?.drop();
    await fs.rm(root, { recursive: true, force: true });
  }
}

function baselineRow(a: Archive, phase: string, r: Measure): void {
  const row: Row = {
    format: a.format,
    backend: '-',
    phase,
    seconds: round(r.seconds),
    cpuSeconds: r.cpuSeconds === null ? null : round(r.cpuSeconds),
    files: r.files,
    itemsPerSecond: Math.round(r.files / r.seconds),
    mbPerSecond: round(a.bytes / 1e6 / r.seconds),
    peakRssMb: null,
    vsPlain: null,
    vsDurable: null,
    startSeconds: null,
    readFileSeconds: null,
    linksSeconds: null,
    exit: 0,
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}

/** `job 80 s = 2.1x plain (38 s), 1.4x durable (57 s)`, in wall or CPU seconds. */
function ratios(what: string, job: number | null, base: Baselines, of: keyof Measure): string {
  const [p, d] = [Number(base.plain[of]), Number(base.durable[of])];
  if (job === null || Number.isNaN(p)) return `${what}: -`;
  return `${what} ${job} s = ${round(job / p)}x plain (${round(p)} s), ${round(job / d)}x durable (${round(d)} s)`;
}

async function benchFormat(a: Archive, scratch: string): Promise<string[]> {
  const plain = await plainIngest(a, path.join(scratch, `${a.format}-plain`), false);
  baselineRow(a, 'plain read + write', plain);
  const durable = await plainIngest(a, path.join(scratch, `${a.format}-durable`), true);
  baselineRow(a, `durable plain (fsync, rename, dir fsync / ${DIR_SYNC_EVERY})`, durable);
  await fs.rm(scratch, { recursive: true, force: true });
  const base = { plain, durable };
  const lines: string[] = [];
  for (const backend of BACKENDS) {
    const job = await jobPasses(a, backend, base);
    lines.push(
      `${a.format} / ${backend}, ${job.files} files (goal <= 1.3x): ${ratios('wall', job.seconds, base, 'seconds')}; ` +
        `${ratios('read+file phase', job.readFileSeconds, base, 'seconds')}; ` +
        `${ratios('CPU', job.cpuSeconds, base, 'cpuSeconds')}; peak RSS ${job.peakRssMb} MB`,
    );
  }
  return lines;
}

function printTable(): void {
  const dash = (v: number | null) => (v === null || Number.isNaN(v) ? '-' : v);
  console.log(
    '\n| format | backend | phase | s | CPU s | files | files/s | MB/s | peak RSS MB | vs plain | vs durable | start s | read+file s | links s | exit |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.format} | ${r.backend} | ${r.phase} | ${r.seconds} | ${dash(r.cpuSeconds)} | ${r.files} | ${r.itemsPerSecond} | ${dash(r.mbPerSecond)} | ${dash(r.peakRssMb)} | ${dash(r.vsPlain)} | ${dash(r.vsDurable)} | ${dash(r.startSeconds)} | ${dash(r.readFileSeconds)} | ${dash(r.linksSeconds)} | ${dash(r.exit)} |`,
    );
  }
}

async function main(): Promise<void> {
  const load = os.loadavg().map((l) => round(l, 1));
  console.log(
    `gphotos-sync Takeout bench: ${ITEMS} items, ${os.cpus().length} cores (load ${load.join(' ')}), node ${process.version}`,
  );
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'gphotos-bench-takeout-'));
  try {
    await checkDisk(base);
    const archives = await generate(path.join(base, 'drop'));
    const summary: string[] = [];
    for (const a of archives) summary.push(...(await benchFormat(a, path.join(base, 'scratch'))));
    printTable();
    console.log('');
    for (const line of summary) console.log(line);
  } finally {
    await fs.rm(base, { recursive: true, force: true });
  }
}

await main();
