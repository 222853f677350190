/**
 * `npm run bench:takeout-drive`: a Takeout export read in place from the emulator's Drive (the
 * parts "Add to Drive" delivers), printed, never asserted. Generates one export of
 * BENCH_TAKEOUT_ITEMS items (default 100,000; BENCH_TAKEOUT_ALBUMS albums, default 50) as one
 * part per format (BENCH_TAKEOUT_FORMATS, default `zip`; `zip,tgz` for both), serves it from the
 * Takeout folder of an emulator running in this process, and measures, each read in a child
 * process of its own (best of BENCH_REPEAT, default 3):
 *
 *   the reader: the part through DriveByteSource with the archive reader on top, as the job
 *     reads it (a zip's tail and central directory, its entries as one stream, every entry's
 *     CRC-32, then the directory again for the md5 of the whole part); the byte ranges it asks
 *     for are recorded;
 *   in place: those same ranges through DriveByteSource (Range requests through the pacer, the
 *     stall watchdog, resumable, md5 of the part on a worker thread), bytes handed on;
 *   plain ranged read: the same ranges as plain Range requests through the Drive client, bytes
 *     thrown away: the floor. The ratio plain / in place is the figure (goal >= 0.9); the same
 *     without the md5 (`transport`: what the Range requests, the watchdog and the resume cost).
 *     The md5 runs on a worker thread and is given up when the loopback link outruns it (a busy
 *     2-core machine): `checked` then says `crc`;
 *   the reader over a local copy of the part: with the generator's small files (a few hundred
 *     bytes) the reader's cost per entry, not the transfer, sets the reader's figure, over Drive
 *     as over a local disk; the two are compared;
 *   the job: `gphotos-sync sync ROOT --skip-drive --skip-picasa --takeout-drive` on server
 *     Postgres (BENCH_DATABASE_URL, a fresh database per run) and on the embedded index
 *     (BENCH_BACKENDS), from an empty folder: wall time, peak RSS (goal < 300 MB), requests,
 *     bytes read from Drive; then a rerun with nothing new (no part is read again).
 *
 * Every child is started through a shell that forks it: a process exec'd straight from this one
 * would report this one's peak RSS (Linux keeps the larger across exec) as its own.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Pacer } from '../src/lib/pacer.ts';
import { DriveClient } from '../src/remote/drive/client.ts';
import { createOAuthClient } from '../src/remote/oauth.ts';
import { fileByteSource } from '../src/remote/takeout/byte-source.ts';
import { DriveByteSource } from '../src/remote/takeout/drive-source.ts';
import { openPart } from '../src/remote/takeout/open-part.ts';
import { LibraryBuilder, md5Of } from '../test/fakes/google/library.ts';
import { startEmulator, type Emulator } from '../test/fakes/google/server.ts';
import { deliverPart, takeoutFolder } from '../test/fakes/google/takeout-parts.ts';
import { writeTgz, writeZip } from '../test/fakes/takeout/archive-writer.ts';
import { makeExport, writeExport } from '../test/fakes/takeout/export.ts';
import { makeLibrary } from '../test/fakes/takeout/library.ts';
import { cliPath, collect, emulatorEnv, type RunResult } from '../test/helpers/cli.ts';
import { freshDatabase } from './fresh-database.ts';

const ITEMS = Number(process.env.BENCH_TAKEOUT_ITEMS ?? 100_000);
const ALBUMS = Number(process.env.BENCH_TAKEOUT_ALBUMS ?? 50);
const FORMATS = (process.env.BENCH_TAKEOUT_FORMATS ?? 'zip').split(',') as Format[];
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'postgres,embedded').split(',').filter(Boolean);
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const SELF = new URL(import.meta.url).pathname;

type Format = 'zip' | 'tgz';
type Mode = 'reader' | 'inplace' | 'transport' | 'plain' | 'local';
type Range = [number, number];

/** What a child measures (one read). */
interface ChildResult {
  seconds: number;
  bytes: number;
  requests: number;
  entries: number;
  checked: string | null;
  /** The ranges asked for (the reader's), in order. */
  ranges: Range[];
  peakRssMb: number;
}

/** What a child needs to read the part. */
interface ChildJob {
  mode: Mode;
  url: string;
  tokenUrl: string;
  token: { client_id: string; client_secret: string; refresh_token: string };
  fileId: string;
  name: string;
  size: number;
  md5: string;
  format: Format;
  localFile: string;
  /** For `inplace` and `plain`: the ranges to read. */
  ranges: Range[];
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const since = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const mb = (bytes: number) => round(bytes / 1e6, 1);

// --- the child: one read of the part, timed ---

async function child(job: ChildJob): Promise<ChildResult> {
  const signal = new AbortController().signal;
  const auth = createOAuthClient({
    clientId: job.token.client_id,
    clientSecret: job.token.client_secret,
    refreshToken: job.token.refresh_token,
    tokenUrl: job.tokenUrl,
  });
  const pacer = new Pacer({ retries: 5, baseMs: 50, maxMs: 1000 });
  const drive = new DriveClient({ auth, rootUrl: job.url, pacer });
  await auth.getAccessToken();
  const ranges: Range[] = [];
  const source = new DriveByteSource({
    name: job.name,
    size: job.size,
    md5: job.mode === 'transport' ? null : job.md5,
    open: (start, end, s) => {
      ranges.push([start, end]);
      return drive.downloadRange(job.fileId, start, end, s);
    },
    pacer,
    stallMs: 60_000,
    maxBreaks: 5,
  });
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  let entries = 0;
  let checked: string | null = null;
  if (job.mode === 'plain') {
    for (const [start, end] of job.ranges) {
      const dl = await drive.downloadRange(job.fileId, start, end, signal);
      for await (const chunk of dl.body) bytes += chunk.byteLength;
      ranges.push([start, end]);
    }
  } else if (job.mode === 'inplace' || job.mode === 'transport') {
    for (const [start, end] of job.ranges) {
      for await (const chunk of source.read(start, end, signal)) bytes += chunk.byteLength;
    }
    checked = await source.check(signal);
  } else {
    const local = job.mode === 'local';
    const src = local ? await fileByteSource(job.localFile) : source;
    for await (const { body } of openPart(src, job.format).entries({ signal })) {
      entries++;
      if (body) for await (const _ of body);
    }
    if (!local) checked = await source.check(signal);
    bytes = local ? job.size : source.stats.bytes;
  }
  return {
    seconds: since(t0),
    bytes,
    requests: ranges.length,
    entries,
    checked,
    ranges,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/**
 * Spawns `file args` through a shell that forks it, so that its peak RSS is its own (see the
 * module's comment).
 */
function spawnClean(file: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawn('/bin/sh', ['-c', '"$0" "$@"; exit $?', file, ...args], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs one read in a child process (the emulator stays alone on this one). */
function runChild(job: ChildJob): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawnClean(process.execPath, [SELF, '--child']);
    p.stderr.pipe(process.stderr);
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`child ${job.mode} exited ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ChildResult);
    });
    p.stdin.end(JSON.stringify(job));
  });
}

async function best(job: ChildJob): Promise<ChildResult> {
  let top: ChildResult | null = null;
  for (let i = 0; i < REPEAT; i++) {
    const r = await runChild(job);
    if (top === null || r.seconds < top.seconds) top = r;
  }
  return top as ChildResult;
}

// --- the parent: the export, the emulator, the figures ---

interface Part {
  format: Format;
  file: string;
  name: string;
  bytes: number;
  entries: number;
}

async function generate(base: string): Promise<Part[]> {
  const t0 = process.hrtime.bigint();
  const library = makeLibrary({ items: ITEMS, albums: ALBUMS, quirks: false });
  const requestedAt = new Date('2025-07-25T03:52:35Z');
  const out: Part[] = [];
  for (const format of FORMATS) {
    const exp = makeExport(library, { requestedAt, partCount: 1, format });
    const [file] = await writeExport(path.join(base, format), exp, { writeZip, writeTgz });
    const part = exp.parts[0]!;
    out.push({
      format,
      file: file!,
      name: part.fileName,
      bytes: (await fs.stat(file!)).size,
      entries: part.paths.length,
    });
  }
  console.log(
    `export generated in ${round(since(t0), 1)} s: ${library.items.length} items, ${ALBUMS} albums`,
  );
  for (const p of out) console.log(`  ${p.format}: ${mb(p.bytes)} MB, ${p.entries} entries`);
  return out;
}

/** The job from an empty folder, then again with nothing new. */
async function jobs(emu: Emulator, part: Part, backend: string): Promise<string[]> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gphotos-bench-drive-'));
  const db = backend === 'postgres' ? await freshDatabase(SERVER_URL) : null;
  const env = emulatorEnv(emu, { DATABASE_URL: db?.url, GPHOTOS_TAKEOUT_SETTLE: '0' });
  const args = ['sync', root, '--skip-drive', '--skip-picasa', '--takeout-drive'];
  const lines: string[] = [];
  try {
    for (const phase of ['ingest into an empty folder', 'rerun, nothing new']) {
      const t0 = process.hrtime.bigint();
      const clean: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
      clean.PATH = `${path.dirname(process.execPath)}:${clean.PATH ?? ''}`;
      const p = spawnClean(cliPath, args, clean);
      p.stdin.end();
      const r: RunResult = await collect(p);
      const seconds = since(t0);
      const s = r.summary ?? {};
      const row = {
        format: part.format,
        backend,
        phase: `job: ${phase}`,
        exit: r.code,
        seconds: round(seconds),
        added: s.takeoutAdded ?? 0,
        itemsPerSecond: Math.round(Number(s.takeoutAdded ?? 0) / seconds),
        driveMb: mb(Number(s.takeoutDriveBytes ?? 0)),
        requests: s.requests,
        peakRssMb: s.peakRssMb,
      };
      console.log(JSON.stringify(row));
      if (r.code !== 0) console.error(r.stderr || r.stdout.split('\n').slice(-5).join('\n'));
      lines.push(
        `${part.format} / ${backend}, ${row.phase}: ${row.seconds} s, ${String(row.added)} items, ` +
          `${row.driveMb} MB from Drive in ${String(row.requests)} requests, peak RSS ${String(row.peakRssMb)} MB (goal < 300)`,
      );
    }
    return lines;
  } finally {
    await db?.drop();
    await fs.rm(root, { recursive: true, force: true });
  }
}

async function benchFormat(part: Part): Promise<string[]> {
  const library = new LibraryBuilder().build();
  const emu = await startEmulator({ library });
  try {
    const fileId = deliverPart(
      emu.library,
      takeoutFolder(emu.library),
      part.name,
      await fs.readFile(part.file),
    );
    const t = emu.defaultToken();
    const base: Omit<ChildJob, 'mode' | 'ranges'> = {
      url: emu.url,
      tokenUrl: emu.tokenUrl,
      token: t,
      fileId,
      name: part.name,
      size: part.bytes,
      md5: md5Of(emu.library, fileId),
      format: part.format,
      localFile: part.file,
    };
    const reader = await best({ ...base, mode: 'reader', ranges: [] });
    const same = { ...base, ranges: reader.ranges };
    const figures: Record<Mode, ChildResult> = {
      reader,
      inplace: await best({ ...same, mode: 'inplace' }),
      transport: await best({ ...same, mode: 'transport' }),
      plain: await best({ ...same, mode: 'plain' }),
      local: await best({ ...base, mode: 'local', ranges: [] }),
    };
    const rate = (r: ChildResult) => `${round(r.bytes / 1e6 / r.seconds)} MB/s`;
    for (const [mode, r] of Object.entries(figures)) {
      const { ranges, ...rest } = r;
      console.log(
        JSON.stringify({
          format: part.format,
          mode,
          ...rest,
          mbPerSecond: rate(r),
          ranges: ranges.length,
        }),
      );
    }
    const { inplace, transport, plain, local } = figures;
    const lines = [
      `${part.format}: in place ${round(inplace.seconds)} s (${mb(inplace.bytes)} MB in ${inplace.requests} ` +
        `requests, ${rate(inplace)}, checked by ${String(inplace.checked)}), plain ranged read of the same ` +
        `bytes ${round(plain.seconds)} s (${rate(plain)}): ratio to a plain ranged read ` +
        `${round(plain.seconds / inplace.seconds)} (goal >= 0.9); without the md5 ${round(transport.seconds)} s: ` +
        `ratio ${round(plain.seconds / transport.seconds)}`,
      `${part.format}: the reader over Drive, every entry read and checked: ${round(reader.seconds)} s ` +
        `(${reader.entries} entries, ${rate(reader)}); over a local copy ${round(local.seconds)} s: ` +
        `Drive / local ${round(local.seconds / reader.seconds)}; plain ranged read / reader ` +
        `${round(plain.seconds / reader.seconds)} (the reader's cost per entry, not the transfer)`,
    ];
    for (const backend of BACKENDS) lines.push(...(await jobs(emu, part, backend)));
    return lines;
  } finally {
    await emu.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(path.join(path.dirname(SELF), '../dist/cli/main.js'))) {
    throw new Error('run `npm run build` first (the job runs dist/cli/main.js)');
  }
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'gphotos-bench-drive-parts-'));
  try {
    const lines: string[] = [];
    for (const part of await generate(base)) lines.push(...(await benchFormat(part)));
    console.log('\nTakeout from Drive:');
    for (const l of lines) console.log(`  ${l}`);
  } finally {
    await fs.rm(base, { recursive: true, force: true });
  }
}

if (process.argv.includes('--child')) {
  let input = '';
  process.stdin.setEncoding('utf8').on('data', (d: string) => (input += d));
  process.stdin.on('end', () => {
    child(JSON.parse(input) as ChildJob)
      .then((r) => {
        console.log(JSON.stringify(r));
        process.exit(0);
      })
      .catch((err: unknown) => {
        console.error(err);
        process.exit(1);
      });
  });
} else {
  await main();
}
