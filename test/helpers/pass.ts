/**
 * One integration-test world: an emulator with a library, a fresh backup folder, and (when
 * TEST_DATABASE_URL is set) a fresh Postgres database; otherwise the embedded index under ROOT.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Library } from '../fakes/google/library.ts';
import { startEmulator, type Emulator, type EmulatorOptions } from '../fakes/google/server.ts';
import { emulatorEnv, runCli, type RunResult } from './cli.ts';
import { freshDatabaseUrl } from './db.ts';

export interface World {
  emu: Emulator;
  root: string;
  env: Record<string, string | undefined>;
  /** Runs `gphotos-sync sync ROOT ...args`. */
  sync(args?: string[], env?: Record<string, string | undefined>): Promise<RunResult>;
  close(): Promise<void>;
}

export async function world(
  library: Library,
  opts: Omit<EmulatorOptions, 'library'> = {},
): Promise<World> {
  const emu = await startEmulator({ library, ...opts });
  const root = await mkdtemp(path.join(os.tmpdir(), 'gphotos-it-'));
  const db = process.env.TEST_DATABASE_URL ? await freshDatabaseUrl() : null;
  const env = emulatorEnv(emu, { DATABASE_URL: db?.url });
  return {
    emu,
    root,
    env,
    sync: (args = [], extra = {}) => runCli(['sync', root, ...args], { ...env, ...extra }),
    close: async () => {
      await emu.close();
      await db?.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Requests the emulator saw for `route` since `from` (an index into emu.requests). */
export function requestsSince(emu: Emulator, from: number, route?: string) {
  return emu.requests.slice(from).filter((r) => route === undefined || r.route === route);
}
