import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { wantLeanHeap } from '../lib/heap-mode.ts';
import { hasTemplate, packTemplate, templateFile, unpackTemplate } from './pglite-template.ts';

/**
 * PGlite (Postgres compiled to WebAssembly) tuned for small machines. Measured with
 * test/helpers/pglite-rss.ts (100k media rows; peak RSS):
 *
 *   PGlite defaults, created in-process:  create 1,090-1,110 MB, reopen 880 MB
 *   this module:                          init child 550 MB, create 760-790 MB, reopen 760 MB
 *   this module, node --liftoff-only:     init child 550 MB, create 425 MB, reopen 415 MB
 *
 * - shared_buffers 16MB instead of initdb's 128MB: the index is small and the OS page cache holds
 *   it anyway. maintenance_work_mem 16MB bounds index builds during migrations.
 * - Creating a data dir runs initdb inside a second PGlite instance; V8's optimising wasm compiler
 *   (TurboFan) tiers up both, and its transient compile memory is most of every peak above. So a
 *   new data dir is unpacked from the template the build made (pglite-template.ts: a first sync
 *   with nothing to do, through the bin, 2.8 CPU s and 164 MB peak instead of 6.0 CPU s and
 *   525 MB); without a template it is created in a short-lived child process started with
 *   `--liftoff-only` (the baseline compiler only), and none of that stays in the long-running
 *   process.
 * - The remaining peak in the main process is TurboFan tiering up the wasm on the first heavy
 *   queries. The bin's command line turns it off: `node --liftoff-only` halves it again, for
 *   inserts about 1.5x slower (measured there; lib/heap-mode.ts sets another flag at run time).
 * - default_statistics_target 10 instead of 100: ANALYZE (run after a large listing) samples 3,000
 *   rows instead of 30,000. On a 100k-row index it took the process 20 MB higher for good (wasm
 *   memory never shrinks) and 2.6 s; with 10, 3 MB and 0.4 s. The queries are simple keyed
 *   look-ups and scans; ten common values per column are plenty for their plans.
 * - max_wal_size 64MB, min_wal_size 32MB instead of 1GB/80MB: the WAL of a 100k-item pass was
 *   130-240 MB of a 230-330 MB index; checkpoints now recycle it at 64 MB. The data itself is
 *   ~85 MB per 100k items.
 * PGlite's `initialMemory` cannot go below the module's declared 128 MB; `relaxedDurability` only
 * affects IndexedDB; neither is used.
 */
const gucs = [
  'shared_buffers=16MB',
  'maintenance_work_mem=16MB',
  'work_mem=4MB',
  'default_statistics_target=10',
  'max_wal_size=64MB',
  'min_wal_size=32MB',
];
const gucArgs = gucs.flatMap((g) => ['-c', g]);

export const pgliteOptions: Pick<PGliteOptions, 'startParams' | 'initDbStartParams'> = {
  startParams: [...PGlite.defaultStartParams, ...gucArgs],
  // initdb writes these into postgresql.conf, so tools that open the dir directly get them too.
  initDbStartParams: gucArgs,
};

/**
 * Opens (creating when absent) the PGlite data dir with the tuned options. A new dir is unpacked
 * from `template` (embedded-db.ts passes the build's) when one is given and can be read, else made
 * by initdb in a child.
 */
export async function openPglite(dataDir: string, template?: string): Promise<PGlite> {
  // PGlite's WebAssembly memory (130-170 MB) never shrinks: the JavaScript heap has less room.
  // 100,000 items and 50 albums, embedded index-only pass, 2-core machine: peak RSS 357-362 MiB
  // and 29-31 CPU s with the bin's flags alone; 282-286 MiB and 37-38 CPU s with a lean heap.
  wantLeanHeap();
  if (!isDataDir(dataDir)) {
    const made =
      template !== undefined &&
      hasTemplate(template) &&
      (await createDataDirFromTemplate(template, dataDir));
    if (!made) await createDataDirInChild(dataDir);
  }
  return PGlite.create({ dataDir, ...pgliteOptions });
}

/**
 * The template the build makes for the settings above and `schema` (what the caller puts in a
 * fresh dir before it is packed: writeTemplate's `prepare`; see pglite-template.ts for the key).
 */
export function tunedTemplateFile(schema: readonly string[]): string {
  return templateFile([...gucArgs, ...schema]);
}

/**
 * Unpacks the build's template under a temporary name and renames it into place; false, with
 * nothing left behind, when the template cannot be read (then initdb makes the dir instead).
 */
async function createDataDirFromTemplate(template: string, dataDir: string): Promise<boolean> {
  const tmp = `${dataDir}.unpacking-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  const unpacked = await unpackTemplate(template, tmp).then(
    () => true,
    () => false,
  );
  if (!unpacked || !isDataDir(tmp)) {
    await rm(tmp, { recursive: true, force: true });
    return false;
  }
  await rename(tmp, dataDir);
  return true;
}

export function isDataDir(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

/**
 * Creates a data dir in a child process (see above) under a temporary name and renames it into
 * place, so a child killed half-way (out of memory) never leaves a half-made dir behind.
 */
async function createDataDirInChild(dataDir: string): Promise<void> {
  const tmp = `${dataDir}.creating-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(dirname(dataDir), { recursive: true });
  const here = fileURLToPath(import.meta.url);
  const script = join(dirname(here), `pglite-init${extname(here)}`);
  const stderr: Buffer[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--liftoff-only', script, tmp], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.on('data', (b: Buffer) => stderr.push(b));
    child.on('error', reject);
    child.on('exit', (c, signal) => resolve(signal ? null : c));
  });
  if (code !== 0 || !isDataDir(tmp)) {
    await rm(tmp, { recursive: true, force: true });
    const detail = Buffer.concat(stderr).toString('utf8').trim().slice(-2000);
    throw new Error(`creating the embedded index at ${dataDir} failed (exit ${code}): ${detail}`);
  }
  await rename(tmp, dataDir);
}

/** Creates a data dir in this process (what the child runs). */
export async function createDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const pg = await PGlite.create({ dataDir, ...pgliteOptions });
  await pg.close();
}

/**
 * Writes the template of a fresh data dir to `file` (the build runs this through pglite-init):
 * initdb in a temporary dir, `prepare` on it (the schema), closed, packed, then renamed into place.
 */
export async function writeTemplate(
  file: string,
  prepare: (pg: PGlite) => Promise<void>,
): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'gphotos-pglite-template-'));
  try {
    const dataDir = join(work, 'pgdata');
    // One instance runs initdb and then `prepare`: opening the dir twice would start it twice.
    await mkdir(dataDir, { recursive: true });
    const pg = await PGlite.create({ dataDir, ...pgliteOptions });
    try {
      await prepare(pg);
    } finally {
      if (!pg.closed) await pg.close();
    }
    await mkdir(dirname(file), { recursive: true });
    await packTemplate(dataDir, `${file}.partial`);
    await rename(`${file}.partial`, file);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
