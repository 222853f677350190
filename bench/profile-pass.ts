/**
 * `node bench/profile-pass.ts`: one index-only pass, then a full pass, a no-change rerun and a rerun
 * after 200 changes, of the real CLI against a generated library, each with `--cpu-prof` into
 * PROFILE_DIR (default a temp folder), printing wall and CPU seconds and the job's phase lines. For
 * finding where a pass spends its time; `npm run bench` gives the figures.
 * PROFILE_ITEMS (default 20,000), PROFILE_ALBUMS (50), PROFILE_BACKEND (postgres | embedded). The
 * phase lines that carry the job's memory (RSS, heap in use of reserved, external) print it.
 * PROFILE_CPU=0 leaves the CPU profile out.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { addPhoto, generateLibrary, renameFile } from '../test/fakes/google/library.ts';
import { startEmulator } from '../test/fakes/google/server.ts';
import { emulatorEnv } from '../test/helpers/cli.ts';
import { freshDatabase } from './fresh-database.ts';
import { runTimed } from './run-timed.ts';

const ITEMS = Number(process.env.PROFILE_ITEMS ?? 20_000);
const ALBUMS = Number(process.env.PROFILE_ALBUMS ?? 50);
const BACKEND = process.env.PROFILE_BACKEND ?? 'postgres';
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const STEPS = (process.env.PROFILE_STEPS ?? 'index,full,rerun,changed').split(',');
/** PROFILE_CPU=0: no CPU profile, the phase lines only (the profiler moves the memory figures). */
const CPU_PROFILE = process.env.PROFILE_CPU !== '0';

const dir = process.env.PROFILE_DIR ?? (await mkdtemp(path.join(os.tmpdir(), 'gphotos-prof-')));
const lib = generateLibrary({ items: ITEMS, seed: 42, albums: ALBUMS });
const emu = await startEmulator({ library: lib });
const root = await mkdtemp(path.join(os.tmpdir(), 'gphotos-prof-root-'));
const db = BACKEND === 'postgres' ? await freshDatabase(SERVER_URL) : null;
const env = emulatorEnv(emu, { DATABASE_URL: db?.url, GPHOTOS_CONCURRENCY: '8' });
const PHASES = [
  'drive listing done',
  'index read',
  'listing grouped',
  'index written',
  'album list read',
  'Drive items to match read',
  'album indexed',
  'albums indexed',
  'album folders linked',
];

async function step(name: string, args: string[]): Promise<void> {
  const t0 = process.hrtime.bigint();
  const before = emu.stats().requests;
  const { r, cpuSeconds } = await runTimed(['sync', root, '--log-level', 'debug', ...args], {
    ...env,
    NODE_OPTIONS: CPU_PROFILE ? `--cpu-prof --cpu-prof-dir=${dir}/${name}` : undefined,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const requests = emu.stats().requests - before;
  console.log(JSON.stringify({ step: name, code: r.code, seconds, cpuSeconds, requests }));
  const t = (l: Record<string, unknown>) => Date.parse(String(l.time));
  const start = r.lines[0] ? t(r.lines[0]) : 0;
  for (const l of r.lines) {
    if (l.level === 20 && !PHASES.includes(String(l.msg))) continue;
    const { msg, seconds: s, rssMb, heapMb, heapTotalMb, externalMb } = l;
    const mem =
      rssMb === undefined
        ? ''
        : ` (RSS ${String(rssMb)}, heap ${String(heapMb)} of ${String(heapTotalMb)}, external ${String(externalMb)} MiB)`;
    console.log(`  +${((t(l) - start) / 1000).toFixed(2)} ${String(msg)} ${s ?? ''}${mem}`);
  }
  if (r.code !== 0) console.log(r.stderr.slice(-2000));
}

try {
  if (STEPS.includes('index')) await step('index', ['--index-only']);
  if (STEPS.includes('full')) await step('full', []);
  if (STEPS.includes('rerun')) await step('rerun', []);
  if (STEPS.includes('changed')) {
    const photos = [...lib.files.values()].filter((f) => f.mimeType === 'image/jpeg').slice(0, 100);
    for (let i = 0; i < 100; i++)
      addPhoto(lib, `NEW_${i}.jpg`, photos[0]?.parents?.[0] ?? lib.rootId);
    for (const p of photos) renameFile(lib, p.id, `renamed-${p.name}`);
    await step('changed', []);
  }
  console.log(`profiles in ${dir}`);
} finally {
  await emu.close();
  await db?.drop();
  await rm(root, { recursive: true, force: true });
}
