/**
 * The backup disk fails under the pass: it fills up (a tiny tmpfs over ROOT/drive), or it is
 * read-only (the same tmpfs remounted `ro`). Either way the pass stops with exit 1 and a message
 * that names the problem and the folder, no temp file and no half-written file is left, the index
 * marks `done` only what is on disk, and once the disk is fixed the next pass completes.
 *
 * Mounting needs root (CI runs as root). Where it is impossible the tests take another honest
 * route to the same error (see `diskFullWithoutMount` and `readOnlyWithoutMount`), never a skip.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findSyncError } from '../../src/errors/errors.ts';
import { writeStreamAtomically } from '../../src/tree/writer.ts';
import { addPhoto } from '../fakes/google/changes-mutate.ts';
import { LibraryBuilder, md5Of, type FakeFile, type Library } from '../fakes/google/library.ts';
import type { RunResult } from '../helpers/cli.ts';
import { assertIndexAgreesWithDisk, indexRows, tempFilesIn } from '../helpers/index-rows.ts';
import { canMount, mountTmpfs, remount, unmount } from '../helpers/mounts.ts';
import { world } from '../helpers/pass.ts';
import { readTree, type TreeFile } from '../helpers/tree.ts';

const outputOf = (r: RunResult) => r.stdout + r.stderr;
const FOLDER = 'drive/Google Photos/2019';

function library(n: number, size: number): { lib: Library; ids: string[]; folder: string } {
  const b = new LibraryBuilder();
  const folder = b.folder('2019', b.folder('Google Photos'));
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(b.photo(`P${String(i).padStart(4, '0')}.jpg`, folder, { size: size + i }));
  }
  return { lib: b.build(), ids, folder };
}

/** Every file under a final name is the whole photo of that name; no temp file anywhere. */
function assertOnlyWholeFiles(tree: Map<string, TreeFile>, lib: Library) {
  assert.deepEqual(tempFilesIn(tree), [], 'temp files left');
  const byPath = new Map<string, string>();
  for (const f of lib.files.values()) {
    if (f.mimeType.startsWith('image/')) byPath.set(`${FOLDER}/${f.name}`, md5Of(lib, f.id));
  }
  for (const [p, f] of tree) {
    assert.equal(f.md5, byPath.get(p), `half-written or foreign file under a final name: ${p}`);
  }
}

/** The error line of a pass that stopped: its message and hints. */
function errorOf(r: RunResult): { msg: string; hints: string[] } {
  const line = r.lines.find((l) => l.level === 50 || l.level === 'error');
  return { msg: String(line?.msg), hints: (line?.hints as string[] | undefined) ?? [] };
}

describe('disk faults', () => {
  it('a disk that fills up: exit 1, "disk full" naming the folder, no partial file; with room the next pass completes', async (t) => {
    if (!(await canMount())) return diskFullWithoutMount();
    // Ten photos of 64 KiB into 256 KiB: the disk fills after three or four.
    const { lib, ids } = library(10, 64 * 1024);
    const w = await world(lib);
    const drive = path.join(w.root, 'drive');
    await mkdir(drive);
    await mountTmpfs(drive, 256 * 1024);
    try {
      const r = await w.sync(['--concurrency', '2']);
      assert.equal(r.code, 1, outputOf(r).slice(-3000));
      assert.equal(r.summary?.exitCode, 1);
      const err = errorOf(r);
      t.diagnostic(err.msg);
      assert.match(err.msg, /^disk full: cannot (write|create|create folder) /);
      assert.ok(err.msg.includes(path.join(w.root, FOLDER)), err.msg);
      assert.match(err.hints.join('\n'), /Free space/);
      assert.match(String(r.summary?.error), /^disk full/);

      const tree = await readTree(w.root);
      assertOnlyWholeFiles(tree, lib);
      assert.ok(tree.size > 0 && tree.size < ids.length, `${tree.size} files written`);
      const rows = await indexRows(w.root, w.env);
      assert.equal(rows.length, ids.length, 'the index phase completed');
      assertIndexAgreesWithDisk(rows, tree);
      for (const row of rows) {
        if (!tree.has(row.rel_path)) assert.notEqual(row.state, 'done', row.rel_path);
      }

      await remount(drive, `size=${4 * 1024 * 1024}`);
      const r2 = await w.sync();
      assert.equal(r2.code, 0, outputOf(r2).slice(-3000));
      assert.equal(r2.summary?.downloaded, ids.length - tree.size);
      const full = await readTree(w.root);
      assert.equal(full.size, ids.length);
      assertOnlyWholeFiles(full, lib);
      assertIndexAgreesWithDisk(await indexRows(w.root, w.env), full);
    } finally {
      await unmount(drive);
      await w.close();
    }
  });

  it('a read-only target folder: exit 1, "read-only", nothing written; read-write again and the next pass completes', async (t) => {
    if (!(await canMount())) return readOnlyWithoutMount();
    const { lib, ids, folder } = library(4, 8192);
    const w = await world(lib);
    const drive = path.join(w.root, 'drive');
    await mkdir(drive);
    await mountTmpfs(drive, 16 * 1024 * 1024);
    try {
      const r1 = await w.sync();
      assert.equal(r1.code, 0, outputOf(r1).slice(-2000));
      const before = await readTree(w.root);
      const topBefore = (await readdir(w.root)).sort();
      assert.equal(before.size, ids.length);

      const late = ['P0004.jpg', 'P0005.jpg'].map((name, i) => {
        const id = addPhoto(w.emu.library, name, folder, { size: 9000 + i });
        return w.emu.library.files.get(id) as FakeFile;
      });
      await remount(drive, 'ro');
      const r2 = await w.sync();
      assert.equal(r2.code, 1, outputOf(r2).slice(-3000));
      const err = errorOf(r2);
      t.diagnostic(err.msg);
      assert.match(err.msg, /^read-only file system: cannot create /);
      assert.ok(err.msg.includes(path.join(w.root, FOLDER)), err.msg);
      assert.match(err.hints.join('\n'), /Remount the backup disk read-write/);
      // Nothing written anywhere else instead: the tree and ROOT's top level are as they were.
      assert.deepEqual(await readTree(w.root), before);
      assert.deepEqual((await readdir(w.root)).sort(), topBefore);
      const rows = await indexRows(w.root, w.env);
      assert.equal(rows.length, ids.length + late.length);
      assertIndexAgreesWithDisk(rows, before);
      for (const f of late) {
        const row = rows.find((x) => x.remote_id === f.id);
        assert.equal(row?.state, 'pending', `${f.name} is ${row?.state}`);
      }

      await remount(drive, 'rw');
      const r3 = await w.sync();
      assert.equal(r3.code, 0, outputOf(r3).slice(-3000));
      assert.equal(r3.summary?.downloaded, late.length);
      const full = await readTree(w.root);
      assert.equal(full.size, ids.length + late.length);
      assertOnlyWholeFiles(full, w.emu.library);
      assertIndexAgreesWithDisk(await indexRows(w.root, w.env), full);
    } finally {
      await unmount(drive);
      await w.close();
    }
  });
});

/**
 * Without mounts: a real ENOSPC from the kernel (/dev/full) through the writer the pass uses,
 * with the same message, and neither a temp file nor a final file left.
 */
async function diskFullWithoutMount(): Promise<void> {
  const { lib } = library(1, 64 * 1024);
  const w = await world(lib);
  try {
    const dir = path.join(w.root, FOLDER);
    const err = await writeStreamAtomically(
      {
        root: w.root,
        relPath: `${FOLDER}/P0000.jpg`,
        expectedSize: null,
        expectedMd5: null,
        mtime: null,
      },
      (async function* () {
        yield Buffer.alloc(64 * 1024, 1);
      })(),
      undefined,
      { openFile: async () => (await import('node:fs/promises')).open('/dev/full', 'w') },
    ).then(
      () => assert.fail('writing to /dev/full succeeded'),
      (e: unknown) => e,
    );
    const found = findSyncError(err);
    assert.equal(found?.kind, 'fatal', String(err));
    assert.match(found.message, /^disk full: cannot write /);
    assert.ok(found.message.includes(dir), found.message);
    assert.deepEqual(await readdir(dir), [], 'no temp file, no final file');
  } finally {
    await w.close();
  }
}

/**
 * Without mounts and as a user other than root: a folder the job may not write stops the pass the
 * same way (EACCES, "permission denied"). Root ignores file modes, so root needs the mount.
 */
async function readOnlyWithoutMount(): Promise<void> {
  assert.notEqual(
    process.getuid?.(),
    0,
    'root without CAP_SYS_ADMIN can neither mount nor be refused by a file mode: run this test with mount rights',
  );
  const { lib } = library(2, 8192);
  const w = await world(lib);
  const dir = path.join(w.root, FOLDER);
  try {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o555);
    const r = await w.sync();
    assert.equal(r.code, 1, outputOf(r).slice(-3000));
    assert.match(errorOf(r).msg, /^permission denied: cannot create /);
    assert.deepEqual(await readdir(dir), []);
    await chmod(dir, 0o755);
    const r2 = await w.sync();
    assert.equal(r2.code, 0, outputOf(r2).slice(-3000));
    assertOnlyWholeFiles(await readTree(w.root), lib);
  } finally {
    await chmod(dir, 0o755).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    await w.close();
  }
}
