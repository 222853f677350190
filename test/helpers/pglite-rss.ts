/**
 * Measures the peak RSS of the embedded (PGlite) index, each phase in its own process:
 *   node test/helpers/pglite-rss.ts              the tuned setup of src/index/pglite.ts
 *   node test/helpers/pglite-rss.ts --baseline   PGlite with its default options, created in-process
 *   node --liftoff-only test/helpers/pglite-rss.ts   the same, with V8 flags passed to every phase
 * Phases: init (tuned only: what the pglite-init child does), create (open a fresh dir, migrate,
 * insert 100k media rows in batches of 10k, close), reopen (open, count, close).
 * Prints one line per phase with process.resourceUsage().maxRSS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { openIndex } from '../../src/index/db.ts';
import { MediaRepo, type ListedMediaRow } from '../../src/index/media-repo.ts';
import { createDataDir } from '../../src/index/pglite.ts';

const ROWS = 100_000;
const BATCH = 10_000;
const mb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

async function phase(name: string, embeddedDir: string, baseline: boolean): Promise<string> {
  const t0 = Date.now();
  if (name === 'init') {
    await createDataDir(join(embeddedDir, 'index'));
    return `init    peak ${mb()} MB  ${Date.now() - t0} ms`;
  }
  const db = await openIndex({
    embeddedDir,
    ...(baseline ? { openPglite: (dataDir: string) => PGlite.create({ dataDir }) } : {}),
  });
  const opened = mb();
  const repo = new MediaRepo(db.knex, 'rss');
  let detail: string;
  if (name === 'create') {
    for (let i = 0; i < ROWS; i += BATCH) {
      await repo.upsertListed(
        Array.from({ length: BATCH }, (_, j) => row(i + j)),
        new Date(),
      );
    }
    detail = `inserted ${ROWS}`;
  } else {
    const counts = await repo.countByState();
    let n = 0;
    for await (const page of repo.iterate('drive')) n += page.length;
    detail = `counted ${counts.pending}, iterated ${n}`;
  }
  await db.close();
  return `${name.padEnd(7)} peak ${mb()} MB (after open ${opened} MB)  ${Date.now() - t0} ms  ${detail}`;
}

function row(i: number): ListedMediaRow {
  const name = `IMG_${i}.jpg`;
  return {
    source: 'drive',
    remoteId: `id${String(i).padStart(7, '0')}`,
    folderId: 'folder',
    relPath: `drive/Google Photos/${2000 + (i % 20)}/${name}`,
    pathKey: `drive/google photos/${2000 + (i % 20)}/img_${i}.jpg`,
    originalName: name,
    baseName: name,
    dupNumber: 0,
    size: 1_000_000 + i,
    md5: '0123456789abcdef0123456789abcdef',
    mimeType: 'image/jpeg',
    takenTime: new Date(Date.UTC(2017, 0, 1) + i * 1000),
    createdTime: new Date(),
    modifiedTime: new Date(),
    state: 'pending',
  };
}

const [phaseName, dirArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const baseline = process.argv.includes('--baseline');
if (phaseName && dirArg) {
  console.log(await phase(phaseName, dirArg, baseline));
} else {
  const root = mkdtempSync(join(tmpdir(), 'gphotos-rss-'));
  const dir = join(root, '.gphotos');
  const self = fileURLToPath(import.meta.url);
  const phases = baseline ? ['create', 'reopen'] : ['init', 'create', 'reopen'];
  console.log(
    `${baseline ? 'baseline (PGlite defaults)' : 'tuned'}; node flags: ${process.execArgv.join(' ') || '(none)'}`,
  );
  try {
    for (const p of phases) {
      // init replicates the pglite-init child, which pglite.ts starts with --liftoff-only.
      const flags = p === 'init' ? ['--liftoff-only'] : process.execArgv;
      const args = [...flags, self, p, dir, ...(baseline ? ['--baseline'] : [])];
      process.stdout.write(execFileSync(process.execPath, args, { encoding: 'utf8' }));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
