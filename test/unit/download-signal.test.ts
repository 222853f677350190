// The download phase's signal lives for the whole pass. Each download hands node's fetch a signal
// of its own (src/lib/scoped-signal.ts): undici leaves its abort listener on the signal it is
// given until a garbage collection, and adding to a long list costs more with every request.
// Real DriveClient, real Pacer, real fetch against the emulator, real files.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Pacer } from '../../src/lib/pacer.ts';
import { scopedSignal } from '../../src/lib/scoped-signal.ts';
import { DriveClient } from '../../src/remote/drive/client.ts';
import { downloadItem } from '../../src/sync/download.ts';
import { contentOf, LibraryBuilder, md5Of, sizeOf } from '../fakes/google/library.ts';
import { emulatorOAuth } from '../helpers/google.ts';
import { startEmulator, type Emulator } from '../fakes/google/server.ts';

describe('scopedSignal', () => {
  it('aborts with the parent, with the parent reason', () => {
    const parent = new AbortController();
    const scope = scopedSignal(parent.signal);
    assert.equal(getEventListeners(parent.signal, 'abort').length, 1);
    const reason = new Error('stop');
    parent.abort(reason);
    assert.equal(scope.signal.aborted, true);
    assert.equal(scope.signal.reason, reason);
  });

  it('takes its listener off the parent when released', () => {
    const parent = new AbortController();
    const scopes = Array.from({ length: 5 }, () => scopedSignal(parent.signal));
    assert.equal(getEventListeners(parent.signal, 'abort').length, 5);
    for (const s of scopes) s.release();
    assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
    parent.abort();
    assert.equal(
      scopes.some((s) => s.signal.aborted),
      false,
    );
  });

  it('starts aborted under an aborted parent', () => {
    const parent = new AbortController();
    parent.abort(new Error('gone'));
    const scope = scopedSignal(parent.signal);
    assert.equal(scope.signal.aborted, true);
    assert.equal((scope.signal.reason as Error).message, 'gone');
    assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
  });
});

describe('downloadItem and the pass signal', () => {
  let emu: Emulator;
  let drive: DriveClient;
  let tmp: string;
  const ids: string[] = [];

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'gphotos-dl-signal-'));
    const b = new LibraryBuilder();
    const folder = b.folder('Google Photos');
    for (let i = 0; i < 40; i++) ids.push(b.photo(`IMG_${i}.jpg`, folder));
    emu = await startEmulator({ library: b.build() });
    const auth = emulatorOAuth(emu);
    drive = new DriveClient({ auth, rootUrl: emu.url, pacer: new Pacer(pacerOpts) });
  });
  after(async () => {
    await emu.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const pacerOpts = { retries: 3, baseMs: 5, maxMs: 20 };
  const deps = (signal: AbortSignal) => ({
    pacer: new Pacer(pacerOpts),
    signal,
    stallMs: 5000,
    onBytes: () => {},
  });
  const target = (dir: string, id: string) => ({
    root: tmp,
    relPath: `${dir}/${id}.jpg`,
    expectedSize: sizeOf(emu.library.files.get(id)!),
    expectedMd5: md5Of(emu.library, id),
    mtime: null,
  });

  it('leaves no listener of its own on the pass signal, download after download', async () => {
    const pass = new AbortController();
    for (const id of ids) {
      await downloadItem(
        deps(pass.signal),
        (offset, signal) => drive.download(id, offset, signal),
        target('many', id),
      );
    }
    // Without a signal per download, each of the 40 requests left undici's listener here.
    assert.equal(getEventListeners(pass.signal, 'abort').length, 0);
    assert.equal((await readdir(path.join(tmp, 'many'))).length, ids.length);
    const first = ids[0]!;
    assert.deepEqual(
      await readFile(path.join(tmp, 'many', `${first}.jpg`)),
      contentOf(emu.library, first),
    );
  });

  it('still stops a download in flight when the pass is stopped', async () => {
    const id = ids[1]!;
    emu.faults.add({ route: 'media', fileId: id, kind: 'stallMidBody' });
    const pass = new AbortController();
    const reason = new Error('SIGTERM');
    setTimeout(() => pass.abort(reason), 200);
    const started = Date.now();
    await assert.rejects(
      downloadItem(
        deps(pass.signal),
        (offset, signal) => drive.download(id, offset, signal),
        target('stopped', id),
      ),
      (err) => err === reason,
    );
    // The stall guard would take 5 s; the abort reached the request itself.
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    const left = await readdir(path.join(tmp, 'stopped')).catch(() => []);
    assert.deepEqual(left, [], 'no file and no temp file left');
    emu.faults.clear();
  });
});
