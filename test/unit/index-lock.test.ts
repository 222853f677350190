import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { SyncError } from '../../src/errors/errors.ts';
import { openIndex } from '../../src/index/db.ts';
import { acquireEmbeddedLock, parseLock } from '../../src/index/embedded-lock.ts';

// The embedded lock file, whatever TEST_DATABASE_URL says: these tests never touch a server.

const run = promisify(execFile);
const lockModule = new URL('../../src/index/embedded-lock.ts', import.meta.url).href;
const dbModule = new URL('../../src/index/db.ts', import.meta.url).href;

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gphotos-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function deadPid(): Promise<number> {
  const { stdout } = await run(process.execPath, ['-e', 'console.log(process.pid)']);
  return Number(stdout.trim());
}

function lockedError(pidText: string) {
  return (e: unknown) => {
    assert.ok(e instanceof SyncError, String(e));
    assert.equal(e.kind, 'locked');
    assert.match(e.message, /^the embedded index at .* is in use by another gphotos-sync process/);
    assert.ok(e.message.includes(pidText), e.message);
    assert.ok(e.hints.length > 0);
    return true;
  };
}

test(
  'a second process is refused with kind locked, naming our pid',
  { timeout: 60_000 },
  async (t) => {
    const dir = join(await tempDir(t), '.gphotos');
    const db = await openIndex({ embeddedDir: dir });
    try {
      const info = parseLock(await readFile(join(dir, 'index.lock'), 'utf8'));
      assert.equal(info?.pid, process.pid);
      assert.equal(info?.hostname, hostname());
      const script = `
      const { openIndex } = await import(${JSON.stringify(dbModule)});
      try { await openIndex({ embeddedDir: process.env.DIR }); console.log('opened'); }
      catch (e) { console.log(JSON.stringify({ kind: e.kind, message: e.message })); }`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, DIR: dir },
      });
      const out = JSON.parse(stdout.trim()) as { kind: string; message: string };
      assert.equal(out.kind, 'locked');
      assert.match(out.message, new RegExp(`\\(pid ${process.pid}, started ${info?.startedAt}\\)`));
    } finally {
      await db.close();
    }
    assert.equal(existsSync(join(dir, 'index.lock')), false, 'close() releases the lock');
  },
);

test('a stale lock of a dead pid is taken over with a warning', { timeout: 60_000 }, async (t) => {
  const dir = join(await tempDir(t), '.gphotos');
  const pid = await deadPid();
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'index.lock'),
    JSON.stringify({ pid, hostname: hostname(), startedAt: 'x' }),
  );
  const warnings: object[] = [];
  const db = await openIndex({
    embeddedDir: dir,
    log: { info: () => undefined, warn: (o) => warnings.push(o) },
  });
  try {
    assert.equal(warnings.length, 1);
    assert.match(JSON.stringify(warnings[0]), new RegExp(`pid ${pid} is not running`));
    const info = parseLock(await readFile(join(dir, 'index.lock'), 'utf8'));
    assert.equal(info?.pid, process.pid);
  } finally {
    await db.close();
  }
});

test('a live holder on this host blocks; our own pid from an earlier run does not', async (t) => {
  const dir = await tempDir(t);
  const lockFile = join(dir, 'index.lock');
  // pid 1 is alive on every Linux host (EPERM counts as alive when it is not ours).
  const live = process.pid === 1 ? process.ppid : 1;
  await writeFile(lockFile, JSON.stringify({ pid: live, hostname: hostname(), startedAt: 'then' }));
  await assert.rejects(acquireEmbeddedLock(dir), lockedError(`pid ${live}, started then`));

  await writeFile(
    lockFile,
    JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: 'then' }),
  );
  const lock = await acquireEmbeddedLock(dir);
  assert.notEqual(parseLock(await readFile(lockFile, 'utf8'))?.startedAt, 'then');
  await lock.release();
  assert.equal(existsSync(lockFile), false);
});

test('a lock from another host blocks until its heartbeat is old', async (t) => {
  const dir = await tempDir(t);
  const lockFile = join(dir, 'index.lock');
  await writeFile(lockFile, JSON.stringify({ pid: 42, hostname: 'nas-2', startedAt: 'then' }));
  await assert.rejects(acquireEmbeddedLock(dir), lockedError('pid 42 on nas-2'));
  const old = new Date(Date.now() - 11 * 60_000);
  await utimes(lockFile, old, old);
  const lock = await acquireEmbeddedLock(dir);
  assert.equal(parseLock(await readFile(lockFile, 'utf8'))?.pid, process.pid);
  await lock.release();
});

test('the holder refreshes the mtime of its lock file', async (t) => {
  const dir = await tempDir(t);
  const lock = await acquireEmbeddedLock(dir, { heartbeatMs: 20 });
  const lockFile = join(dir, 'index.lock');
  const old = new Date(Date.now() - 60_000);
  await utimes(lockFile, old, old);
  await new Promise((r) => setTimeout(r, 200));
  const { mtimeMs } = await stat(lockFile);
  await lock.release();
  assert.ok(mtimeMs > Date.now() - 10_000, 'heartbeat touched the file');
});

test('an empty lock file blocks while young and is taken over when old', async (t) => {
  const dir = await tempDir(t);
  const lockFile = join(dir, 'index.lock');
  await writeFile(lockFile, '');
  await assert.rejects(acquireEmbeddedLock(dir), lockedError('lock file is unreadable'));
  const old = new Date(Date.now() - 60_000);
  await utimes(lockFile, old, old);
  const lock = await acquireEmbeddedLock(dir);
  assert.equal(parseLock(await readFile(lockFile, 'utf8'))?.pid, process.pid);
  await lock.release();
});

test('release leaves a lock that is no longer ours alone', async (t) => {
  const dir = await tempDir(t);
  const lockFile = join(dir, 'index.lock');
  const lock = await acquireEmbeddedLock(dir);
  const theirs = JSON.stringify({ pid: 7, hostname: 'other', startedAt: 'now' });
  await writeFile(lockFile, theirs);
  await lock.release();
  assert.equal(await readFile(lockFile, 'utf8'), theirs);
});

test('a process that exits without closing removes its lock file', async (t) => {
  const dir = await tempDir(t);
  const script = `
    const { acquireEmbeddedLock } = await import(${JSON.stringify(lockModule)});
    await acquireEmbeddedLock(process.env.DIR);
    process.exit(0);`;
  await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, DIR: dir },
  });
  assert.equal(existsSync(join(dir, 'index.lock')), false);
});

test('two processes racing for a stale lock: exactly one wins', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'index.lock'),
    JSON.stringify({ pid: await deadPid(), hostname: hostname(), startedAt: 'x' }),
  );
  const script = `
    const { acquireEmbeddedLock } = await import(${JSON.stringify(lockModule)});
    try { await acquireEmbeddedLock(process.env.DIR); console.log('won'); await new Promise((r) => setTimeout(r, 1500)); }
    catch (e) { console.log(e.kind); }`;
  const outs = await Promise.all(
    [1, 2, 3].map(() =>
      run(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, DIR: dir },
      }).then((r) => r.stdout.trim()),
    ),
  );
  assert.equal(outs.filter((o) => o === 'won').length, 1, outs.join(','));
  assert.deepEqual(
    outs.filter((o) => o !== 'won'),
    ['locked', 'locked'],
  );
});
