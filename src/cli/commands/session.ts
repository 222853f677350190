/**
 * What every command that works on a backup does the same way: open the index (server Postgres,
 * or the embedded one under ROOT/.gphotos) with the pass lock, check that a backup is there before
 * reading one, and turn SIGTERM/SIGINT into an aborted signal.
 */
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Settings } from '../../config/settings.ts';
import { SyncError } from '../../errors/errors.ts';
import { openIndex, type IndexDb, type IndexLog } from '../../index/db.ts';
import { acquirePassLock } from '../../index/pass-lock.ts';

export const EMBEDDED_DIR = '.gphotos';

/** The index of the settings (the embedded one is created when missing). */
export function openIndexFor(settings: Settings, log?: IndexLog): Promise<IndexDb> {
  return openIndex({
    databaseUrl: settings.databaseUrl,
    embeddedDir: path.join(settings.root, EMBEDDED_DIR),
    log,
  });
}

/**
 * `read` on the index of the settings, opened quietly and closed after; null when the index
 * cannot be opened or read (`check`'s lines then say what they could not tell). The embedded
 * index is locked while open, as always.
 */
export async function readIndexQuietly<T>(
  settings: Settings,
  read: (db: IndexDb) => Promise<T>,
): Promise<T | null> {
  try {
    const db = await openIndexFor(settings, { info: () => undefined, warn: () => undefined });
    try {
      return await read(db);
    } finally {
      await db.close();
    }
  } catch {
    return null;
  }
}

/** An open index that this process alone works on; `close` releases the lock, then the index. */
export interface LockedIndex {
  db: IndexDb;
  close(): Promise<void>;
}

/**
 * Opens the index and takes the account's pass lock: the embedded index is locked as a whole when
 * it opens, a server needs a lock per account (SyncError `locked`, exit 6, when a pass holds it).
 */
export async function openLockedIndex(settings: Settings, log: Logger): Promise<LockedIndex> {
  const db = await openIndexFor(settings, log.child({ component: 'index' }));
  try {
    const lock =
      db.backend === 'postgres' ? await acquirePassLock(db.knex, settings.account) : undefined;
    return {
      db,
      close: async () => {
        try {
          await lock?.release();
        } finally {
          await db.close();
        }
      },
    };
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Before a command reads a backup, which it never creates: ROOT must exist (`folder`: and be a
 * folder), and with the embedded index hold one; `noIndex` says why that matters, with hints.
 */
export async function requireBackup(
  settings: Settings,
  opts: { folder: boolean; noIndex: string; hints: string[] },
): Promise<void> {
  const root = settings.root;
  const isThere = opts.folder
    ? (await stat(root).catch(() => null))?.isDirectory() === true
    : await exists(root);
  if (!isThere) {
    const what = opts.folder ? 'is missing or not a folder' : 'is missing';
    throw new SyncError('fatal', `root folder ${root} ${what}`, {
      hints: ['Is the backup disk mounted?'],
    });
  }
  if (settings.databaseUrl !== null) return;
  const index = path.join(root, EMBEDDED_DIR, 'index');
  if (!(await exists(index))) {
    throw new SyncError('fatal', `no index in ${index}: ${opts.noIndex}`, { hints: opts.hints });
  }
}

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

/** The root signal of a command: SIGTERM and SIGINT abort it (exit 143, 130). */
export function rootSignal(stopping = 'stopping'): { signal: AbortSignal; dispose: () => void } {
  const ctl = new AbortController();
  const onTerm = () => ctl.abort(new SyncError('terminated', `received SIGTERM: ${stopping}`));
  const onInt = () => ctl.abort(new SyncError('interrupted', `received SIGINT: ${stopping}`));
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  return {
    signal: ctl.signal,
    dispose: () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    },
  };
}
