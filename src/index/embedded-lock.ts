import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, rename, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { SyncError } from '../errors/errors.ts';

/**
 * The exclusive lock file in front of the embedded (PGlite) index.
 *
 * PGlite is single-process and takes no lock on its data dir: two processes that open the same
 * dir both succeed and corrupt it. So whoever opens it first creates `<dir>/index.lock`
 * exclusively (see createExclusive), holding `{pid, hostname, startedAt}`.
 *
 * A lock that exists is honoured while its holder may be alive:
 * - same host: alive when `process.kill(pid, 0)` succeeds or fails with EPERM. A lock naming our
 *   own pid is ours if this process holds it (a second open in one process is refused too), else
 *   left by a previous incarnation of this container (pid 1 again after a restart) and stale.
 * - another host (a shared volume; also the next pod of a Kubernetes Job, or the next `docker
 *   run`, which get a new hostname): its liveness cannot be probed, so the holder refreshes the
 *   file's mtime every `heartbeatMs` (10 s). A lock whose mtime is older than `foreignOldMs`
 *   (10 min, a wide margin for clocks that differ between hosts) is stale at once. A younger one
 *   is watched for up to `foreignStaleMs` (90 s) on our own clock, so clock skew does not
 *   matter: a refresh (or any change) seen meanwhile means the holder is alive (locked, exit 6,
 *   at once); none means the holder is gone (a pod killed for memory, a node lost) and the lock
 *   is stale. 90 s is nine heartbeats, and one and a half of the 60 s that versions before
 *   this one used, so a pass of an older image is never taken for dead.
 * - empty or unparsable (a holder between create and write, or a crash there): stale once its
 *   mtime is older than `unreadableStaleMs`.
 * A stale lock is taken over by writing a fresh lock to a temp name and renaming it over, then
 * re-reading it after a short pause to confirm that no other taker renamed over it meanwhile.
 * Lock files are read through an open file handle: on NFS, opening revalidates the attributes
 * (close-to-open), where a plain stat may return a cached mtime for up to a minute.
 */

export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
}

export interface EmbeddedLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

export interface LockOptions {
  log?: { warn(obj: object, msg?: string): void; info?(obj: object, msg?: string): void };
  heartbeatMs?: number;
  foreignStaleMs?: number;
  foreignOldMs?: number;
  unreadableStaleMs?: number;
  /** How often a watched foreign lock is read again. */
  pollMs?: number;
}

/** Lock files held by this process: a lock naming our pid is stale only if it is not in here. */
const heldHere = new Set<string>();

const defaults = {
  heartbeatMs: 10_000,
  foreignStaleMs: 90_000,
  foreignOldMs: 10 * 60_000,
  unreadableStaleMs: 5_000,
  pollMs: 1_000,
};
type Config = typeof defaults;
const confirmPauseMs = 50;
/** Create attempts: a holder that releases while we look lets us try again, a few times. */
const attempts = 3;

export async function acquireEmbeddedLock(
  dir: string,
  opts: LockOptions = {},
): Promise<EmbeddedLock> {
  const cfg: Config = { ...defaults, ...withoutUndefined(opts) };
  const path = resolve(dir, 'index.lock');
  const mine: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
  };
  const content = JSON.stringify(mine);
  if (heldHere.has(path)) throw lockedError(dir, parseLock((await readLock(path)).text) ?? mine);

  for (let i = 0; i < attempts; i++) {
    if (await createExclusive(path, content)) return holdLock(path, content, cfg.heartbeatMs);
    const seen = await readLock(path);
    if (seen.text === '' && seen.mtimeMs === 0) continue; // released meanwhile
    const holder = parseLock(seen.text);
    const verdict = await judge(path, seen, holder, cfg, opts.log);
    if (verdict === 'released') continue;
    if (verdict === 'alive') throw lockedError(dir, holder);
    await takeOver(dir, path, content, seen.text);
    opts.log?.warn(
      { lockFile: path, previous: holder ?? seen.text, reason: verdict },
      'took over a stale embedded index lock',
    );
    return holdLock(path, content, cfg.heartbeatMs);
  }
  throw lockedError(dir, parseLock((await readLock(path)).text));
}

function withoutUndefined(opts: LockOptions): Partial<Config> {
  const out: Partial<Config> = {};
  for (const k of Object.keys(defaults) as Array<keyof Config>) {
    const v = opts[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

/** 'alive', 'released' (the file went away), or why the lock is stale. */
async function judge(
  path: string,
  seen: LockRead,
  holder: LockInfo | null,
  cfg: Config,
  log: LockOptions['log'],
): Promise<string> {
  const ageMs = Date.now() - seen.mtimeMs;
  if (holder === null) return ageMs > cfg.unreadableStaleMs ? 'unreadable lock file' : 'alive';
  if (holder.hostname === hostname()) {
    if (holder.pid === process.pid) return 'left by an earlier process with our pid'; // heldHere
    return pidAlive(holder.pid) ? 'alive' : `pid ${holder.pid} is not running`;
  }
  if (ageMs > cfg.foreignOldMs) {
    return `not refreshed by ${holder.hostname} for ${Math.round(ageMs / 1000)} s`;
  }
  log?.info?.(
    { lockFile: path, holder, waitS: cfg.foreignStaleMs / 1000 },
    `the embedded index is locked by ${holder.hostname}: watching its heartbeat to tell whether that pass still runs`,
  );
  return watchForeign(path, seen, holder, cfg);
}

/** Reads the lock every pollMs for foreignStaleMs: any change means its holder lives. */
async function watchForeign(
  path: string,
  seen: LockRead,
  holder: LockInfo,
  cfg: Config,
): Promise<string> {
  const start = Date.now();
  while (Date.now() - start < cfg.foreignStaleMs) {
    await new Promise((r) => setTimeout(r, cfg.pollMs));
    const now = await readLock(path);
    if (now.text === '' && now.mtimeMs === 0) return 'released';
    if (now.text !== seen.text || now.mtimeMs !== seen.mtimeMs) return 'alive';
  }
  const s = Math.round((Date.now() - start) / 1000);
  return `${holder.hostname} did not refresh it in ${s} s of watching (a live holder refreshes it every ${cfg.heartbeatMs / 1000} s)`;
}

/**
 * Creates the lock file with its full content in one step: write a temp file, then hard-link it
 * to the lock path (link fails with EEXIST like O_EXCL, and works on NFS too). A plain 'wx' open
 * would let another process read the file empty between create and write.
 */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const tmp = tempName(path);
  await writeFile(tmp, content, { flag: 'wx' });
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

function tempName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
}

interface LockRead {
  text: string;
  mtimeMs: number;
}

/** The lock's text and mtime, through an open handle (fresh attributes on NFS, see above). */
async function readLock(path: string): Promise<LockRead> {
  let fh;
  try {
    fh = await open(path, 'r');
    const st = await fh.stat();
    return { text: await fh.readFile('utf8'), mtimeMs: st.mtimeMs };
  } catch (err) {
    // Released between our create attempt and this read: treat it as an empty, very old lock.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', mtimeMs: 0 };
    throw err;
  } finally {
    await fh?.close();
  }
}

export function parseLock(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (
      typeof v.pid === 'number' &&
      typeof v.hostname === 'string' &&
      typeof v.startedAt === 'string'
    ) {
      return { pid: v.pid, hostname: v.hostname, startedAt: v.startedAt };
    }
  } catch {
    // fall through: unparsable
  }
  return null;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function takeOver(
  dir: string,
  path: string,
  content: string,
  staleText: string,
): Promise<void> {
  const tmp = tempName(path);
  await writeFile(tmp, content, { flag: 'wx' });
  try {
    // Someone else may have taken it over since we read it: never clobber a fresh lock.
    const current = (await readLock(path)).text;
    if (current !== staleText) throw lockedError(dir, parseLock(current));
    await rename(tmp, path);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  await new Promise((r) => setTimeout(r, confirmPauseMs));
  const now = (await readLock(path)).text;
  if (now !== content) throw lockedError(dir, parseLock(now));
}

function holdLock(path: string, content: string, heartbeatMs: number): EmbeddedLock {
  const stillOurs = (): boolean => {
    try {
      return readFileSync(path, 'utf8') === content;
    } catch {
      return false;
    }
  };
  const onExit = (): void => {
    if (stillOurs()) {
      try {
        unlinkSync(path);
      } catch {
        // exiting anyway; a leftover lock of a dead pid is taken over next time
      }
    }
  };
  heldHere.add(path);
  process.once('exit', onExit);
  const heartbeat = setInterval(() => {
    const now = new Date();
    if (stillOurs()) utimes(path, now, now).catch(() => undefined);
  }, heartbeatMs);
  heartbeat.unref();

  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      heldHere.delete(path);
      clearInterval(heartbeat);
      process.removeListener('exit', onExit);
      if (stillOurs()) await unlink(path).catch(() => undefined);
    },
  };
}

function lockedError(dir: string, holder: LockInfo | null): SyncError {
  const who = holder
    ? `pid ${holder.pid}${holder.hostname === hostname() ? '' : ` on ${holder.hostname}`}, started ${holder.startedAt}`
    : 'holder unknown: the lock file is unreadable';
  return new SyncError(
    'locked',
    `the embedded index at ${dir} is in use by another gphotos-sync process (${who})`,
    {
      hints: [
        'Wait for the other pass to finish; only one process may open the embedded index at a time.',
        `If no other gphotos-sync process is running, remove ${join(dir, 'index.lock')} and try again.`,
        'To run several passes at once, point them at a server Postgres with DATABASE_URL.',
      ],
    },
  );
}
