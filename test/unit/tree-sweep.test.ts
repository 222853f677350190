import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SyncError } from '../../src/errors/errors.ts';
import { removeStaleParts } from '../../src/tree/sweep.ts';

test('removeStaleParts removes only temp files, in the named folders, and stays inside root', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'gphotos-sweep-'));
  try {
    await mkdir(path.join(root, 'drive/a/b'), { recursive: true });
    for (const f of [
      'drive/a/.x.jpg.gphotos-part',
      'drive/a/x.jpg',
      'drive/a/b/.y.jpg.gphotos-part',
      'drive/a/.hidden',
    ]) {
      await writeFile(path.join(root, f), 'x');
    }
    // drive/a/b is not named: its temp file stays; a missing folder is no error.
    assert.equal(await removeStaleParts(root, ['drive/a', 'drive/missing']), 1);
    assert.deepEqual((await readdir(path.join(root, 'drive/a'))).sort(), ['.hidden', 'b', 'x.jpg']);
    assert.deepEqual(await readdir(path.join(root, 'drive/a/b')), ['.y.jpg.gphotos-part']);
    await assert.rejects(
      removeStaleParts(root, ['../outside']),
      (e: unknown) => e instanceof SyncError,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
