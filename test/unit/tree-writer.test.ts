import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SyncError } from '../../src/errors/errors.ts';
import {
  AtomicFile,
  IntegrityError,
  isPartName,
  md5File,
  partNameOf,
  setMtime,
  statLocal,
  type WriteTarget,
  writeStreamAtomically,
} from '../../src/tree/writer.ts';

let root = '';
before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tree-writer-'));
});
after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');
const target = (relPath: string, extra: Partial<WriteTarget> = {}): WriteTarget => ({
  root,
  relPath,
  expectedSize: null,
  expectedMd5: null,
  mtime: null,
  ...extra,
});
async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}
const exists = (p: string): Promise<boolean> =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );
/** Everything in a folder, hidden files included. */
const ls = async (rel: string): Promise<string[]> =>
  (await fs.readdir(path.join(root, rel)).catch(() => [] as string[])).sort();
const isFatal =
  (re: RegExp) =>
  (e: unknown): boolean =>
    e instanceof SyncError && e.kind === 'fatal' && re.test(e.message);

test('writes bytes, returns size and md5, leaves no temp file', async () => {
  const data = Buffer.concat([Buffer.alloc(100_000, 7), Buffer.from('tail')]);
  const res = await writeStreamAtomically(
    target('a/b/photo.jpg', { expectedSize: data.length, expectedMd5: md5(data).toUpperCase() }),
    chunks(data.subarray(0, 4096), data.subarray(4096)),
  );
  assert.deepEqual(res, { bytes: data.length, md5: md5(data), folder: path.join(root, 'a/b') });
  assert.deepEqual(await fs.readFile(path.join(root, 'a/b/photo.jpg')), data);
  assert.deepEqual(await ls('a/b'), ['photo.jpg']);
});

test('wrong md5: IntegrityError, no final file, no temp file', async () => {
  const err = await writeStreamAtomically(
    target('bad/x.jpg', { expectedMd5: md5(Buffer.from('other')) }),
    chunks('hello'),
  ).catch((e: unknown) => e);
  assert.ok(err instanceof IntegrityError);
  assert.equal(err.gotMd5, md5(Buffer.from('hello')));
  assert.equal(err.gotSize, 5);
  assert.deepEqual(await ls('bad'), []);
});

test('wrong size: IntegrityError, nothing left', async () => {
  await assert.rejects(
    writeStreamAtomically(target('bad/y.jpg', { expectedSize: 6 }), chunks('hello')),
    (e: unknown) => e instanceof IntegrityError && e.expectedSize === 6 && e.gotSize === 5,
  );
  assert.deepEqual(await ls('bad'), []);
});

test('abort removes the temp file and is idempotent; the final name never appears', async () => {
  const f = await AtomicFile.open(target('ab/z.jpg'));
  await f.write(Buffer.from('partial'));
  assert.equal(f.bytesWritten, 7);
  assert.deepEqual(await ls('ab'), ['.z.jpg.gphotos-part']);
  assert.equal(f.isOpen, true);
  await f.abort();
  assert.equal(f.isOpen, false);
  await f.abort();
  assert.deepEqual(await ls('ab'), []);
  await assert.rejects(f.write(Buffer.from('x')), /already aborted/);
});

test('abort after commit is a no-op', async () => {
  const f = await AtomicFile.open(target('ac/z.jpg'));
  await f.write(Buffer.from('x'));
  await f.commit();
  await f.abort();
  assert.deepEqual(await ls('ac'), ['z.jpg']);
});

test('mtime and atime are set', async () => {
  const mtime = new Date('2009-07-04T12:34:56.000Z');
  await writeStreamAtomically(target('t/m.jpg', { mtime }), chunks('x'));
  const st = await fs.stat(path.join(root, 't/m.jpg'));
  assert.equal(st.mtimeMs, mtime.getTime());
  assert.equal(st.atimeMs, mtime.getTime());
});

test('a leftover temp file (longer, or a symlink) is overwritten, not followed', async () => {
  await fs.mkdir(path.join(root, 'left'), { recursive: true });
  await fs.writeFile(path.join(root, 'left/.a.jpg.gphotos-part'), 'X'.repeat(1000));
  await writeStreamAtomically(target('left/a.jpg'), chunks('new'));
  assert.equal(await fs.readFile(path.join(root, 'left/a.jpg'), 'utf8'), 'new');

  const victim = path.join(root, 'victim.txt');
  await fs.writeFile(victim, 'keep me');
  await fs.symlink(victim, path.join(root, 'left/.b.jpg.gphotos-part'));
  await writeStreamAtomically(target('left/b.jpg'), chunks('bee'));
  assert.equal(await fs.readFile(victim, 'utf8'), 'keep me');
  assert.equal(await fs.readFile(path.join(root, 'left/b.jpg'), 'utf8'), 'bee');
  assert.deepEqual(await ls('left'), ['a.jpg', 'b.jpg']);
});

test('an existing final file is replaced atomically', async () => {
  await writeStreamAtomically(target('rep/f.jpg'), chunks('old old old'));
  await writeStreamAtomically(target('rep/f.jpg'), chunks('new'));
  assert.equal(await fs.readFile(path.join(root, 'rep/f.jpg'), 'utf8'), 'new');
});

test('resume: a failed request, then more bytes, gives the right md5', async () => {
  const whole = Buffer.from('0123456789abcdefghij');
  const f = await AtomicFile.open(
    target('res/r.bin', { expectedSize: whole.length, expectedMd5: md5(whole) }),
  );
  // First request dies after 7 bytes.
  const first = (async function* () {
    yield whole.subarray(0, 4);
    yield whole.subarray(4, 7);
    throw new Error('socket hang up');
  })();
  await assert.rejects(async () => {
    for await (const c of first) await f.write(c);
  }, /hang up/);
  assert.equal(f.bytesWritten, 7);
  // Range: bytes=7- answered with the rest.
  await f.write(whole.subarray(7));
  assert.deepEqual(await f.commit(), {
    bytes: whole.length,
    md5: md5(whole),
    folder: path.join(root, 'res'),
  });
  assert.deepEqual(await fs.readFile(path.join(root, 'res/r.bin')), whole);
});

test('reset: a resumed request that returned the whole file', async () => {
  const whole = Buffer.from('the whole file');
  const f = await AtomicFile.open(
    target('res/w.bin', { expectedSize: whole.length, expectedMd5: md5(whole) }),
  );
  // More bytes than the whole file: reset must truncate, not just rewind.
  await f.write(Buffer.from('a partial answer longer than the file'));
  await f.reset();
  assert.equal(f.bytesWritten, 0);
  await f.write(whole);
  await f.commit();
  assert.deepEqual(await fs.readFile(path.join(root, 'res/w.bin')), whole);
});

test('concurrent operations on one file are refused', async () => {
  const f = await AtomicFile.open(target('cc/c.bin'));
  const p1 = f.write(Buffer.alloc(1 << 20));
  await assert.rejects(f.write(Buffer.from('x')), /in progress/);
  await p1;
  await f.abort();
  assert.deepEqual(await ls('cc'), []);
});

test('an error from the body propagates unchanged and nothing is left', async () => {
  const boom = new Error('boom');
  const body = (async function* () {
    yield Buffer.from('abc');
    throw boom;
  })();
  await assert.rejects(writeStreamAtomically(target('err/e.jpg'), body), (e) => e === boom);
  assert.deepEqual(await ls('err'), []);
});

test('abort signal while the body is stalled: rejects with the reason, closes the body', async () => {
  const ac = new AbortController();
  let closed = false;
  const body: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      let n = 0;
      return {
        next: () =>
          n++ === 0
            ? Promise.resolve({ done: false as const, value: Buffer.from('abc') })
            : new Promise<IteratorResult<Uint8Array>>(() => {}), // never answers
        return: () => {
          closed = true;
          return Promise.resolve({ done: true as const, value: undefined });
        },
      };
    },
  };
  const reason = new SyncError('terminated', 'SIGTERM');
  setTimeout(() => ac.abort(reason), 50);
  await assert.rejects(
    writeStreamAtomically(target('sig/s.jpg'), body, ac.signal),
    (e) => e === reason,
  );
  assert.ok(closed, 'body iterator closed');
  assert.deepEqual(await ls('sig'), []);
  // An already aborted signal writes nothing at all, and the body is closed.
  let closed2 = false;
  const body2 = (async function* () {
    try {
      yield Buffer.from('x');
    } finally {
      closed2 = true;
    }
  })();
  await body2.next(); // started, so return() runs its finally
  await assert.rejects(
    writeStreamAtomically(target('sig/t.jpg'), body2, ac.signal),
    (e) => e === reason,
  );
  await new Promise((r) => setImmediate(r));
  assert.ok(closed2, 'body closed');
  assert.deepEqual(await ls('sig'), []);
});

test('disk full (a real ENOSPC from /dev/full): fatal, temp removed, no final file', async () => {
  let tempSeen = '';
  const err = await writeStreamAtomically(target('full/f.jpg'), chunks('some bytes'), undefined, {
    // The temp file is created for real; the bytes go to /dev/full, whose write() is ENOSPC.
    openFile: async (tempPath) => {
      tempSeen = tempPath;
      await fs.writeFile(tempPath, '');
      return fs.open('/dev/full', 'w');
    },
  }).catch((e: unknown) => e);
  assert.ok(isFatal(/^disk full: cannot write .*full\/f\.jpg$/)(err), String(err));
  assert.equal((((err as SyncError).cause as NodeJS.ErrnoException) ?? {}).code, 'ENOSPC');
  assert.equal(tempSeen, path.join(root, 'full/.f.jpg.gphotos-part'));
  assert.equal(await exists(tempSeen), false);
  assert.deepEqual(await ls('full'), []);
});

test('read-only file system (EROFS, simulated: no ro mount here): fatal', async () => {
  const erofs = Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
  await assert.rejects(
    writeStreamAtomically(target('ro/f.jpg'), chunks('x'), undefined, {
      openFile: () => Promise.reject(erofs),
    }),
    (e) => isFatal(/^read-only file system: cannot create /)(e) && (e as Error).cause === erofs,
  );
});

/** Runs `fn` with the effective uid of `nobody` when we are root, so permissions are enforced. */
async function asUnprivileged<T>(fn: () => Promise<T>): Promise<T> {
  if (process.getuid?.() !== 0) return fn();
  process.seteuid?.(65534);
  try {
    return await fn();
  } finally {
    process.seteuid?.(0);
  }
}

test('permission denied (a real EACCES on a 0555 folder): fatal, nothing written', async () => {
  const ro = await fs.mkdtemp(path.join(os.tmpdir(), 'tree-writer-ro-'));
  try {
    await fs.mkdir(path.join(ro, 'sub'));
    await fs.chmod(path.join(ro, 'sub'), 0o555);
    await fs.chmod(ro, 0o555);
    const t = { ...target('sub/f.jpg'), root: ro };
    await asUnprivileged(async () => {
      await assert.rejects(
        writeStreamAtomically(t, chunks('x')),
        isFatal(/^permission denied: cannot create .*\.f\.jpg\.gphotos-part$/),
      );
      // mkdir of a missing folder under a read-only root.
      await assert.rejects(
        writeStreamAtomically({ ...t, relPath: 'new/f.jpg' }, chunks('x')),
        isFatal(/^permission denied: cannot create folder /),
      );
    });
    assert.deepEqual(await fs.readdir(path.join(ro, 'sub')), []);
    assert.deepEqual(await fs.readdir(ro), ['sub']);
  } finally {
    await fs.chmod(ro, 0o755);
    await fs.rm(ro, { recursive: true, force: true });
  }
});

test('a missing root is fatal and is not created', async () => {
  const gone = path.join(root, 'not-mounted');
  await assert.rejects(
    writeStreamAtomically({ ...target('a/b.jpg'), root: gone }, chunks('x')),
    isFatal(/root folder .*not-mounted is missing/),
  );
  assert.equal(await exists(gone), false);
});

test('a folder removed behind our back is created again', async () => {
  await writeStreamAtomically(target('gone/one.jpg'), chunks('1'));
  await fs.rm(path.join(root, 'gone'), { recursive: true });
  await writeStreamAtomically(target('gone/two.jpg'), chunks('2'));
  assert.deepEqual(await ls('gone'), ['two.jpg']);
});

test('a relPath that escapes the root is refused before anything is written', async () => {
  for (const bad of ['../escape.jpg', '/etc/x', 'a/../../b']) {
    await assert.rejects(
      writeStreamAtomically(target(bad), chunks('x')),
      (e: unknown) => e instanceof SyncError && e.kind === 'fatal',
    );
  }
  assert.equal(await exists(path.join(path.dirname(root), 'escape.jpg')), false);
});

test('temp names of long files fit in 255 bytes and stay distinct', async () => {
  const a = '写'.repeat(80) + 'a.jpg'; // 245 bytes
  const b = '写'.repeat(80) + 'b.jpg';
  const pa = partNameOf(a);
  const pb = partNameOf(b);
  assert.ok(Buffer.byteLength(pa) <= 255 && Buffer.byteLength(pb) <= 255);
  assert.notEqual(pa, pb);
  assert.ok(isPartName(pa) && isPartName('.x.jpg.gphotos-part') && !isPartName('x.jpg'));
  assert.equal(partNameOf('x.jpg'), '.x.jpg.gphotos-part');
  await writeStreamAtomically(target(`long/${a}`), chunks('A'));
  assert.deepEqual(await ls('long'), [a]);
});

test('statLocal, md5File, setMtime', async () => {
  const data = Buffer.alloc(3 << 20, 1); // several read chunks
  await writeStreamAtomically(target('loc/f.bin'), chunks(data));
  const st = await statLocal(root, 'loc/f.bin');
  assert.equal(st.exists, true);
  assert.equal(st.isFile, true);
  assert.equal(st.size, data.length);
  assert.equal(await md5File(root, 'loc/f.bin'), md5(data));
  const when = new Date('2001-02-03T04:05:06.000Z');
  await setMtime(root, 'loc/f.bin', when);
  assert.equal((await statLocal(root, 'loc/f.bin')).mtimeMs, when.getTime());
  assert.deepEqual(await statLocal(root, 'loc/missing.bin'), {
    exists: false,
    size: null,
    mtimeMs: null,
    isFile: false,
  });
  assert.equal((await statLocal(root, 'loc/f.bin/under-a-file')).exists, false);
  assert.equal((await statLocal(root, 'loc')).isFile, false);
  await assert.rejects(md5File(root, 'loc/missing.bin'), /ENOENT/);
  await assert.rejects(statLocal(root, '../x'), (e: unknown) => e instanceof SyncError);
});

test('throughput: 500 small files, each fsynced', async () => {
  const n = 500;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await writeStreamAtomically(
      target(`many/${i % 10}/IMG_${i}.jpg`, { expectedSize: 2048, mtime: new Date(i * 1000) }),
      chunks(Buffer.alloc(2048, i)),
    );
  }
  const ms = performance.now() - t0;
  let count = 0;
  for (let d = 0; d < 10; d++) count += (await ls(`many/${d}`)).length;
  assert.equal(count, n);
  console.log(
    `# writer: ${n} files of 2 KiB in ${ms.toFixed(0)} ms (${((n / ms) * 1000).toFixed(0)}/s, sequential)`,
  );
});
