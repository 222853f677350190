/**
 * The index database goes away in the middle of a pass. With a server (TEST_DATABASE_URL), the
 * job reaches Postgres through a TCP proxy that the test cuts while files are being downloaded:
 * the pass must stop with exit 1 and a message about the database, leave no temp file and no
 * half-written file, and a pass through a working connection must complete with the index
 * agreeing with the disk.
 *
 * The embedded index (PGlite) runs inside the job's own process, so it cannot go away on its own:
 * the only way to lose it mid-pass is to lose the process. That case is a kill -9 during the
 * downloads, followed by the same checks of the rerun.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LibraryBuilder, md5Of, type Library } from '../fakes/google/library.ts';
import { collect, startCli, type RunResult } from '../helpers/cli.ts';
import { assertIndexAgreesWithDisk, indexRows, tempFilesIn } from '../helpers/index-rows.ts';
import { world, type World } from '../helpers/pass.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { readTree, type TreeFile } from '../helpers/tree.ts';

const outputOf = (r: RunResult) => r.stdout + r.stderr;

function library(n: number, size: number): { lib: Library; ids: string[] } {
  const b = new LibraryBuilder();
  const y = b.folder('2019', b.folder('Google Photos'));
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(b.photo(`P${String(i).padStart(4, '0')}.jpg`, y, { size: size + i }));
  }
  return { lib: b.build(), ids };
}

/** Waits until the emulator has served `n` downloads (at most 15 s). */
async function afterDownloads(w: World, n: number): Promise<void> {
  for (let i = 0; i < 600 && (w.emu.stats().byRoute.media ?? 0) < n; i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.ok((w.emu.stats().byRoute.media ?? 0) >= n, 'the downloads never started');
}

/** No temp file, and every file under a final name is the whole photo of that name. */
function assertNoPartialFiles(tree: Map<string, TreeFile>, lib: Library): void {
  assert.deepEqual(tempFilesIn(tree), [], 'temp files left');
  const byPath = new Map<string, string>();
  for (const f of lib.files.values()) {
    if (f.mimeType.startsWith('image/'))
      byPath.set(`drive/Google Photos/2019/${f.name}`, md5Of(lib, f.id));
  }
  for (const [p, f] of tree) {
    if (byPath.has(p)) assert.equal(f.md5, byPath.get(p), `half-written file: ${p}`);
  }
}

/** The rerun: exit 0, every photo once, the index agreeing with the disk. */
async function assertRerunCompletes(w: World, lib: Library, ids: string[], queryEnv = w.env) {
  const r = await w.sync();
  assert.equal(r.code, 0, outputOf(r).slice(-3000));
  const tree = await readTree(w.root);
  assertNoPartialFiles(tree, lib);
  assert.equal(tree.size, ids.length, [...tree.keys()].slice(0, 20).join('\n'));
  const rows = await indexRows(w.root, queryEnv);
  assert.equal(rows.length, ids.length);
  assert.ok(rows.every((row) => row.state === 'done'));
  assertIndexAgreesWithDisk(rows, tree);
}

const server = Boolean(process.env.TEST_DATABASE_URL);

describe('the index database goes away mid-pass', () => {
  it(
    server
      ? 'Postgres goes away mid-download: exit 1 naming the index database, no partial file; the next pass completes'
      : 'the embedded index goes with its process (kill -9) mid-download: no partial file; the next pass completes',
    async (t) => {
      if (!server) return killedWithEmbeddedIndex();
      // Enough files that the cut lands while downloads are still being fed.
      const { lib, ids } = library(800, 32 * 1024);
      const w = await world(lib);
      const direct = w.env.DATABASE_URL as string;
      const u = new URL(direct);
      const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
      w.env.DATABASE_URL = proxy.urlFor(direct);
      try {
        const done = collect(startCli(['sync', w.root, '--concurrency', '4'], w.env));
        await afterDownloads(w, 20);
        proxy.cut();
        const r = await done;
        t.diagnostic(`exit ${r.code}: ${String(r.summary?.error)}`);
        assert.equal(r.code, 1, outputOf(r).slice(-3000));
        assert.equal(r.summary?.exitCode, 1);
        const error = r.lines.find((l) => l.level === 50 || l.level === 'error');
        assert.match(String(error?.msg), /^the index database failed while /);
        assert.match(String(r.summary?.error), /^the index database failed while /);
        assert.match(String((error?.hints as string[] | undefined)?.[0]), /DATABASE_URL/);
        const partial = await readTree(w.root);
        assertNoPartialFiles(partial, lib);
        t.diagnostic(`${partial.size} of ${ids.length} files on disk after the cut`);
        // The index as the cut left it agrees with the disk.
        const rows = await indexRows(w.root, { ...w.env, DATABASE_URL: direct });
        assertIndexAgreesWithDisk(rows, partial);

        proxy.restore();
        await assertRerunCompletes(w, lib, ids);
      } finally {
        await proxy.close();
        await w.close();
      }
    },
  );
});

/** Embedded index: kill -9 during the downloads, then the same checks of the rerun. */
async function killedWithEmbeddedIndex(): Promise<void> {
  const { lib, ids } = library(300, 32 * 1024);
  const w = await world(lib);
  try {
    const child = startCli(['sync', w.root, '--concurrency', '4'], w.env);
    const done = collect(child);
    await afterDownloads(w, 20);
    child.kill('SIGKILL');
    const r = await done;
    assert.equal(r.signal, 'SIGKILL');
    const partial = await readTree(w.root);
    // A killed pass may leave temp files (the next pass sweeps them), never a partial final file.
    const finals = new Map([...partial].filter(([p]) => !p.endsWith('.gphotos-part')));
    assertNoPartialFiles(finals, lib);
    assert.ok(finals.size < ids.length, 'the kill came too late to test anything');
    assertIndexAgreesWithDisk(await indexRows(w.root, w.env), finals);
    await assertRerunCompletes(w, lib, ids);
  } finally {
    await w.close();
  }
}
