import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SyncError } from '../../src/errors/errors.ts';
import type { MediaRepo } from '../../src/index/media-repo.ts';
import { StateBuffer } from '../../src/sync/state-buffer.ts';
import { AtomicFile } from '../../src/tree/writer.ts';

type Update = Parameters<MediaRepo['markMany']>[0][number];

/** A repo that records each markMany batch (the buffer calls nothing else). */
function recordingRepo(): { repo: MediaRepo; batches: Update[][] } {
  const batches: Update[][] = [];
  const repo = {
    markMany: (u: Update[]) => {
      batches.push(u);
      return Promise.resolve();
    },
  } as unknown as MediaRepo;
  return { repo, batches };
}

const done = (remoteId: string): Update => ({
  source: 'drive',
  remoteId,
  state: 'done',
  error: null,
  downloadedAt: new Date(),
  incrementAttempts: true,
});

test('updates are written in one batch after their folders are fsynced', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'state-buffer-'));
  try {
    const { repo, batches } = recordingRepo();
    const buf = new StateBuffer(repo, { maxRows: 100, intervalMs: 60_000 });
    const f = await AtomicFile.open({
      root,
      relPath: 'a/x.jpg',
      expectedSize: 1,
      expectedMd5: null,
      mtime: null,
    });
    await f.write(Buffer.from('x'));
    const { folder } = await f.commit({ syncFolder: false });
    assert.equal(folder, path.join(root, 'a'));
    buf.add(done('x'), [folder]);
    buf.add(done('y'), [folder]);
    assert.equal(batches.length, 0, 'nothing is written before a flush');
    await buf.close();
    assert.deepEqual(
      batches.map((b) => b.map((u) => u.remoteId)),
      [['x', 'y']],
    );
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('a folder that cannot be fsynced stops the batch before anything is recorded', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'state-buffer-'));
  try {
    const { repo, batches } = recordingRepo();
    const buf = new StateBuffer(repo, { maxRows: 100, intervalMs: 60_000 });
    buf.add(done('x'), [path.join(root, 'vanished')]);
    await assert.rejects(
      buf.close(),
      (e: unknown) =>
        e instanceof SyncError && e.kind === 'fatal' && /cannot fsync the folder/.test(e.message),
    );
    assert.deepEqual(batches, [], 'the item must not be recorded done');
    assert.ok(buf.error instanceof SyncError);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('a full buffer flushes on its own, with the folders of its own updates only', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'state-buffer-'));
  try {
    const { repo, batches } = recordingRepo();
    const buf = new StateBuffer(repo, { maxRows: 2, intervalMs: 60_000 });
    buf.add(done('a'), [root]);
    buf.add(done('b'));
    // The next batch names a missing folder: only it fails, the first is recorded.
    buf.add(done('c'), [path.join(root, 'missing')]);
    await assert.rejects(buf.close(), SyncError);
    assert.deepEqual(
      batches.map((b) => b.map((u) => u.remoteId)),
      [['a', 'b']],
    );
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
