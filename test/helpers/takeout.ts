/**
 * Integration-test worlds for the Takeout source: a generated export written as real archive
 * parts into a drop folder, a fresh backup folder, and (with TEST_DATABASE_URL) a fresh Postgres
 * database, else the embedded index. No emulator: a Takeout-only pass talks to no Google service.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeTgz, writeZip } from '../fakes/takeout/archive-writer.ts';
import { writeExport, type TakeoutExport } from '../fakes/takeout/export.ts';
import { runCli, type RunResult } from './cli.ts';
import { freshDatabaseUrl } from './db.ts';

export interface TakeoutWorld {
  root: string;
  /** The drop folder the parts are written into. */
  drop: string;
  env: Record<string, string | undefined>;
  /** Runs a Takeout-only `gphotos-sync sync ROOT --takeout DROP` (no settle wait). */
  sync(args?: string[], env?: Record<string, string | undefined>): Promise<RunResult>;
  /** Runs any command with this world's environment. */
  run(args: string[]): Promise<RunResult>;
  write(exp: TakeoutExport): Promise<string[]>;
  close(): Promise<void>;
}

export async function takeoutWorld(): Promise<TakeoutWorld> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'gphotos-takeout-'));
  const root = path.join(base, 'root');
  const drop = path.join(base, 'drop');
  const db = process.env.TEST_DATABASE_URL ? await freshDatabaseUrl() : null;
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: db?.url,
    GPHOTOS_LOG_FORMAT: 'json',
    GPHOTOS_PROGRESS_INTERVAL: '0',
    GPHOTOS_TAKEOUT_SETTLE: '0',
  };
  return {
    root,
    drop,
    env,
    sync: (args = [], extra = {}) =>
      runCli(['sync', root, '--skip-drive', '--skip-picasa', '--takeout', drop, ...args], {
        ...env,
        ...extra,
      }),
    run: (args) => runCli(args, env),
    write: (exp) =>
      writeExport(drop, exp, {
        writeZip: (f, e) => writeZip(f, e),
        writeTgz: (f, e) => writeTgz(f, e),
      }),
    close: async () => {
      await db?.drop();
      await rm(base, { recursive: true, force: true });
    },
  };
}

export interface TreeEntry {
  rel: string;
  sha256: string;
  size: number;
  mtimeMs: number;
  /** For a symlink: the target as stored. */
  link: string | null;
}

/** Every file under ROOT/top (links followed for their bytes), keyed by relative path. */
export async function readTop(root: string, top: string): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>();
  const walk = async (rel: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(path.join(root, rel));
    } catch {
      return;
    }
    for (const name of names) {
      const r = `${rel}/${name}`;
      const full = path.join(root, r);
      const l = await lstat(full);
      if (l.isDirectory()) {
        await walk(r);
        continue;
      }
      const st = await stat(full);
      const sha256 = createHash('sha256')
        .update(await readFile(full))
        .digest('hex');
      out.set(r, {
        rel: r,
        sha256,
        size: st.size,
        mtimeMs: st.mtimeMs,
        link: l.isSymbolicLink() ? await readlink(full) : null,
      });
    }
  };
  await walk(top);
  return out;
}

/** `YYYY/MM` of a time in UTC. */
export const utcMonth = (d: Date): string =>
  `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
