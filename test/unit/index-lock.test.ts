import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
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

test('a lock from another host older than 10 minutes is taken over at once', async (t) => {
  const dir = await tempDir(t);
  const lockFile = join(dir, 'index.lock');
  await writeFile(lockFile, JSON.stringify({ pid: 42, hostname: 'nas-2', startedAt: 'then' }));
  const old = new Date(Date.now() - 11 * 60_000);
  await utimes(lockFile, old, old);
  const warnings: object[] = [];
  const started = Date.now();
  const lock = await acquireEmbeddedLock(dir, { log: { warn: (o) => warnings.push(o) } });
  assert.ok(Date.now() - started < 1000, 'no watching');
  assert.equal(parseLock(await readFile(lockFile, 'utf8'))?.pid, process.pid);
  assert.match(JSON.stringify(warnings), /not refreshed by nas-2 for 6\d\d s/);
  await lock.release();
});

test('a young lock from another host that nobody refreshes is watched, then taken over', async (t) => {
  const dir = await tempDir(t);
  const lockFile = join(dir, 'index.lock');
  await writeFile(lockFile, JSON.stringify({ pid: 42, hostname: 'nas-2', startedAt: 'then' }));
  const warnings: object[] = [];
  const infos: object[] = [];
  const started = Date.now();
  const lock = await acquireEmbeddedLock(dir, {
    foreignStaleMs: 800,
    pollMs: 50,
    log: { warn: (o) => warnings.push(o), info: (o) => infos.push(o) },
  });
  const waited = Date.now() - started;
  assert.ok(waited >= 800, `took over after ${waited} ms, before the watch ended`);
  assert.equal(parseLock(await readFile(lockFile, 'utf8'))?.pid, process.pid);
  assert.match(JSON.stringify(warnings), /nas-2 did not refresh it in \d+ s of watching/);
  assert.equal(infos.length, 1, 'says that it watches, and for how long');
  await lock.release();
});

test('a lock from another host whose holder refreshes it blocks as soon as a refresh is seen', async (t) => {
  const dir = await tempDir(t);
  const lockFile = join(dir, 'index.lock');
  await writeFile(lockFile, JSON.stringify({ pid: 42, hostname: 'nas-2', startedAt: 'then' }));
  // The holder's heartbeat, from another process: touch the file every 100 ms.
  const toucher = spawn(process.execPath, [
    '-e',
    `const fs = require('fs'); setInterval(() => { const n = new Date(); fs.utimesSync(${JSON.stringify(lockFile)}, n, n); }, 100);`,
  ]);
  t.after(() => toucher.kill('SIGKILL'));
  const started = Date.now();
  await assert.rejects(
    acquireEmbeddedLock(dir, { foreignStaleMs: 10_000, pollMs: 50 }),
    lockedError('pid 42 on nas-2'),
  );
  assert.ok(Date.now() - started < 5000, 'refused without waiting for the whole window');
  assert.equal(parseLock(await readFile(lockFile, 'utf8'))?.pid, 42, 'left alone');
});

/**
 * A real holder on "another host", as the next pod of a Job or the next `docker run` sees the
 * last one: a child process in its own UTS namespace (hostname pod-a; needs root, as CI has)
 * takes the lock with a 100 ms heartbeat. While it runs we are refused; once it is killed with
 * SIGKILL (as the OOM killer does, no exit handler runs) its lock is left behind, and we take
 * it over after one watch window, not ten minutes.
 */
test(
  'a holder on another host killed with SIGKILL: its lock is taken over after the watch',
  { timeout: 60_000 },
  async (t) => {
    assert.equal(process.getuid?.(), 0, 'this test needs root for unshare --uts');
    const dir = await tempDir(t);
    const lockFile = join(dir, 'index.lock');
    const script = `
    const { acquireEmbeddedLock } = await import(${JSON.stringify(lockModule)});
    await acquireEmbeddedLock(process.env.DIR, { heartbeatMs: 100 });
    console.log('held');
    setInterval(() => undefined, 1000);`;
    const child = spawn(
      'unshare',
      [
        '--uts',
        'sh',
        '-c',
        'hostname pod-a && exec "$0" --input-type=module -e "$1"',
        process.execPath,
        script,
      ],
      { env: { ...process.env, DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    t.after(() => child.kill('SIGKILL'));
    await once(child.stdout, 'data');
    assert.equal(parseLock(await readFile(lockFile, 'utf8'))?.hostname, 'pod-a');
    const opts = { foreignStaleMs: 1500, pollMs: 50 };
    await assert.rejects(acquireEmbeddedLock(dir, opts), lockedError(`pid ${child.pid} on pod-a`));

    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(existsSync(lockFile), true, 'SIGKILL leaves the lock behind');
    const warnings: object[] = [];
    const started = Date.now();
    const lock = await acquireEmbeddedLock(dir, {
      ...opts,
      log: { warn: (o) => warnings.push(o) },
    });
    const waited = Date.now() - started;
    assert.ok(waited >= 1500 && waited < 10_000, `took over after ${waited} ms`);
    assert.match(JSON.stringify(warnings), /pod-a did not refresh it/);
    assert.equal(parseLock(await readFile(lockFile, 'utf8'))?.hostname, hostname());
    await lock.release();
  },
);

test(
  'a holder on this host killed with SIGKILL: its lock is taken over at once',
  { timeout: 60_000 },
  async (t) => {
    const dir = await tempDir(t);
    const script = `
    const { acquireEmbeddedLock } = await import(${JSON.stringify(lockModule)});
    await acquireEmbeddedLock(process.env.DIR);
    console.log('held');
    setInterval(() => undefined, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, DIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => child.kill('SIGKILL'));
    await once(child.stdout, 'data');
    await assert.rejects(acquireEmbeddedLock(dir), lockedError(`pid ${child.pid},`));
    child.kill('SIGKILL');
    await once(child, 'exit');
    const warnings: object[] = [];
    const started = Date.now();
    const lock = await acquireEmbeddedLock(dir, { log: { warn: (o) => warnings.push(o) } });
    assert.ok(Date.now() - started < 1000);
    assert.match(JSON.stringify(warnings), new RegExp(`pid ${child.pid} is not running`));
    await lock.release();
  },
);

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
