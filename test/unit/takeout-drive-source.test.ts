// DriveByteSource: Takeout parts read in place from the emulator's Drive through the real
// DriveClient and a real Pacer. The zip and tgz readers over it give the same entries as over the
// local file; the number of Range requests does not grow with the number of entries; a reset,
// a stall, 5xx and 403/429 with Retry-After are resumed at the byte where they stopped; the
// part's md5 is checked when it was read whole, else the entries' CRC-32s are the check.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Pacer } from '../../src/lib/pacer.ts';
import { DriveClient } from '../../src/remote/drive/client.ts';
import { RemoteError } from '../../src/remote/errors.ts';
import { fileByteSource } from '../../src/remote/takeout/byte-source.ts';
import { DriveByteSource } from '../../src/remote/takeout/drive-source.ts';
import { ThreadedMd5 } from '../../src/remote/takeout/md5-thread.ts';
import { openPart } from '../../src/remote/takeout/open-part.ts';
import { PartError } from '../../src/remote/takeout/types.ts';
import { LibraryBuilder, md5Of } from '../fakes/google/library.ts';
import { emulatorOAuth } from '../helpers/google.ts';
import { startEmulator, type Emulator } from '../fakes/google/server.ts';
import { deliverPart, partBytes, takeoutFolder } from '../fakes/google/takeout-parts.ts';
import { readAll, type EntryOutcome } from '../fakes/takeout/archive-writer.ts';
import { makeExport } from '../fakes/takeout/export.ts';
import { makeLibrary } from '../fakes/takeout/library.ts';

const REQUESTED = new Date('2025-07-25T03:52:35Z');

interface Part {
  id: string;
  name: string;
  bytes: Buffer;
  format: 'zip' | 'tgz';
}

describe('ThreadedMd5', () => {
  it('gives the md5 of every byte, in chunks of any size', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const md5 = new ThreadedMd5();
    for (let at = 0; at < data.length; at += 70_001) md5.update(data.subarray(at, at + 70_001));
    assert.equal(await md5.digest(), createHash('md5').update(data).digest('hex'));
  });

  it('gives up rather than hold the read back when the worker falls behind', async () => {
    const md5 = new ThreadedMd5({ maxBehind: 0 });
    md5.update(randomBytes(2 * 1024 * 1024));
    assert.equal(md5.gaveUp, true);
    assert.equal(await md5.digest(), null);
  });
});

describe('DriveByteSource over the emulator', () => {
  let emu: Emulator;
  let drive: DriveClient;
  let pacer: Pacer;
  let tmp: string;
  const parts = new Map<string, Part>();

  /** Builds an export of `items` items as one part and puts it in the Takeout folder. */
  async function addPart(
    key: string,
    items: number,
    format: 'zip' | 'tgz',
    zip64 = false,
  ): Promise<void> {
    const lib = makeLibrary({ items, albums: 2, quirks: false, seed: items });
    const exp = makeExport(lib, { requestedAt: REQUESTED, partCount: 1, format });
    const [name, bytes] = [...(await partBytes(exp, zip64 ? { zip64: 'force' } : {}))][0]!;
    const folder = takeoutFolder(emu.library);
    parts.set(key, { id: deliverPart(emu.library, folder, name, bytes), name, bytes, format });
  }

  function source(p: Part, opts: { md5?: string | null; stallMs?: number } = {}) {
    return new DriveByteSource({
      name: p.name,
      size: p.bytes.length,
      md5: opts.md5 === undefined ? md5Of(emu.library, p.id) : opts.md5,
      open: (start, end, signal) => drive.downloadRange(p.id, start, end, signal),
      pacer,
      stallMs: opts.stallMs ?? 5000,
      maxBreaks: 4,
    });
  }

  /** The entries as the reader gives them over the local file: what Drive must give too. */
  async function localEntries(p: Part): Promise<EntryOutcome[]> {
    const file = path.join(tmp, p.name);
    await writeFile(file, p.bytes);
    return readAll(openPart(await fileByteSource(file), p.format));
  }

  const mediaRequests = (from: number) =>
    emu.requests.slice(from).filter((r) => r.route === 'media').length;

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'gphotos-drive-source-'));
    emu = await startEmulator({ library: new LibraryBuilder().build() });
    const auth = emulatorOAuth(emu);
    pacer = new Pacer({ retries: 5, baseMs: 5, maxMs: 50 });
    drive = new DriveClient({ auth, rootUrl: emu.url, pacer });
    await addPart('small', 30, 'zip');
    await addPart('large', 300, 'zip');
    await addPart('huge', 2000, 'zip');
    await addPart('tgz', 60, 'tgz');
    await addPart('zip64', 40, 'zip', true);
  });
  beforeEach(() => emu.faults.clear());
  after(async () => {
    await emu.close();
    await rm(tmp, { recursive: true, force: true });
  });

  for (const key of ['small', 'tgz', 'zip64']) {
    it(`${key}: the same entries as from the local file, and the whole part's md5 checked`, async () => {
      const p = parts.get(key)!;
      const src = source(p);
      const got = await readAll(openPart(src, p.format));
      assert.deepEqual(got, await localEntries(p));
      assert.equal(await src.check(new AbortController().signal), 'md5');
      assert.equal(src.stats.resumes, 0);
    });
  }

  it('the number of Range requests does not grow with the number of entries', async () => {
    const counts: number[] = [];
    const entries: number[] = [];
    for (const key of ['large', 'huge']) {
      const p = parts.get(key)!;
      const from = emu.requests.length;
      const src = source(p);
      const got = await readAll(openPart(src, 'zip'));
      entries.push(got.length);
      assert.equal(await src.check(new AbortController().signal), 'md5');
      counts.push(mediaRequests(from));
    }
    assert.ok(entries[1]! > 5 * entries[0]!, `entries: ${entries.join(', ')}`);
    // The tail, the central directory, the entries as one stream, the directory again (md5).
    assert.deepEqual(counts, [4, 4], 'as many requests for many times the entries');
  });

  it('a reset, a stall and a 503 mid-part are resumed at the byte where they stopped', async () => {
    const p = parts.get('large')!;
    const want = await localEntries(p);
    // The tail and the directory pass; then the entries' stream breaks three times.
    const id = p.id;
    emu.faults.add({ route: 'media', fileId: id, kind: 'resetMidBody', skip: 2 });
    emu.faults.add({ route: 'media', fileId: id, kind: 'stallMidBody' });
    emu.faults.add({ route: 'media', fileId: id, kind: 'backend503' });
    emu.faults.add({ route: 'media', fileId: id, kind: 'resetMidBody' });
    const from = emu.requests.length;
    // Long enough that a busy machine's pauses are not taken for the stalled answer.
    const src = source(p, { stallMs: 2500 });
    const got = await readAll(openPart(src, 'zip'));
    assert.deepEqual(got, want);
    assert.equal(emu.faults.pending(), 0, 'every fault was met');
    assert.ok(src.stats.resumes >= 3, `resumes: ${src.stats.resumes}`);
    assert.equal(
      await src.check(new AbortController().signal),
      'md5',
      'the resumed bytes are the right ones',
    );
    assert.ok(mediaRequests(from) <= 4 + 4, `requests: ${mediaRequests(from)}`);
  });

  it('403 rate limits and 429 wait for Retry-After, through the pacer', async () => {
    const p = parts.get('large')!;
    // The download GET repeats a 403 once after a token refresh, as google-auth-library does
    // with forceRefreshOnFailure (authorized-get.ts): the second one reaches the pacer.
    const rule = { route: 'media', fileId: p.id, retryAfterSeconds: 1 } as const;
    emu.faults.add({ ...rule, kind: 'userRateLimit403', skip: 1, times: 2 });
    emu.faults.add({ ...rule, kind: 'rateLimit429' });
    const calls = pacer.stats.rateLimited;
    const t0 = Date.now();
    const src = source(p);
    assert.deepEqual(await readAll(openPart(src, 'zip')), await localEntries(p));
    assert.ok(Date.now() - t0 >= 2000, `waited ${Date.now() - t0} ms`);
    assert.equal(pacer.stats.rateLimited - calls, 2);
    assert.equal(await src.check(new AbortController().signal), 'md5');
  });

  it('bytes read again after a break are not counted twice: exactly the part is read', async () => {
    const p = parts.get('tgz')!;
    emu.faults.add({ route: 'media', fileId: p.id, kind: 'resetMidBody', times: 3 });
    const src = source(p);
    await readAll(openPart(src, 'tgz'));
    assert.equal(src.stats.bytes, p.bytes.length, 'each byte once');
    assert.equal(src.stats.resumes, 3);
    assert.equal(await src.check(new AbortController().signal), 'md5');
  });

  it('a part resumed from a later entry is checked by CRC-32 only; a wrong md5 is a PartError', async () => {
    // Not the small part: its tail read is the whole part.
    const p = parts.get('large')!;
    const src = source(p);
    const all = await readAll(openPart(src, 'zip'), { fromIndex: 10 });
    assert.ok(all.some((e) => e.data !== undefined));
    assert.equal(await src.check(new AbortController().signal), 'crc');

    const wrong = source(p, { md5: '0'.repeat(32) });
    await readAll(openPart(wrong, 'zip'));
    await assert.rejects(wrong.check(new AbortController().signal), PartError);
  });

  it('a part gone from Drive fails at once (404 is not retried)', async () => {
    const gone = { ...parts.get('small')!, id: 'no-such-file' };
    const from = emu.requests.length;
    await assert.rejects(readAll(openPart(source(gone, { md5: null }), 'zip')), (err: unknown) => {
      assert.ok(err instanceof PartError || err instanceof RemoteError, String(err));
      return true;
    });
    assert.equal(mediaRequests(from), 1);
  });

  it('an abort stops the read at once and ends the request', async () => {
    const p = parts.get('large')!;
    emu.faults.add({ route: 'media', fileId: p.id, kind: 'stallMidBody', skip: 2 });
    const ctl = new AbortController();
    const src = source(p, { stallMs: 60_000 });
    const t0 = Date.now();
    setTimeout(() => ctl.abort(new Error('stop')), 300);
    await assert.rejects(readAll(openPart(src, 'zip'), { signal: ctl.signal }), /stop/);
    assert.ok(Date.now() - t0 < 5000, `stopped after ${Date.now() - t0} ms`);
  });
});
