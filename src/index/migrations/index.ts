import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import * as initial from './20261125000000_initial.ts';
import * as albums from './20261125100000_albums.ts';
import * as runs from './20261125120000_runs.ts';
import * as deletions from './20261125130000_deletions.ts';
import * as takeout from './20261206100000_takeout.ts';
import * as takeoutDrive from './20261215100000_takeout_drive.ts';
import * as restricted from './20261216100000_restricted.ts';
import * as takeoutEntriesPath from './20261216110000_takeout_entries_path.ts';
import * as driveShortcuts from './20261220100000_drive_shortcuts.ts';
import * as sharedDrives from './20261220110000_shared_drives.ts';
import * as takeoutDirs from './20261222100000_takeout_dirs.ts';

/**
 * Every migration, oldest first, imported in code rather than found by globbing a folder: the
 * same list works from src/*.ts (type stripping) and from the compiled dist/*.js. The name is
 * what knex records in `knex_migrations`, so a name must never change once released.
 */
const migrations: ReadonlyArray<{ name: string; module: Knex.Migration }> = [
  { name: '20261125000000_initial', module: initial },
  { name: '20261125100000_albums', module: albums },
  { name: '20261125120000_runs', module: runs },
  { name: '20261125130000_deletions', module: deletions },
  { name: '20261206100000_takeout', module: takeout },
  { name: '20261215100000_takeout_drive', module: takeoutDrive },
  { name: '20261216100000_restricted', module: restricted },
  { name: '20261216110000_takeout_entries_path', module: takeoutEntriesPath },
  { name: '20261220100000_drive_shortcuts', module: driveShortcuts },
  { name: '20261220110000_shared_drives', module: sharedDrives },
  { name: '20261222100000_takeout_dirs', module: takeoutDirs },
];

export const migrationSource: Knex.MigrationSource<{ name: string; module: Knex.Migration }> = {
  getMigrations: () => Promise.resolve([...migrations]),
  getMigrationName: (m) => m.name,
  getMigration: (m) => Promise.resolve(m.module),
};

/** Every migration's name, oldest first. */
export function migrationNames(): string[] {
  return migrations.map((m) => m.name);
}

/**
 * A digest of every migration's name and code (as this process runs it: the built JavaScript, or
 * the sources with their types stripped), for knowing whether a template is up to date.
 */
export function migrationsDigest(): string {
  const hash = createHash('sha256');
  for (const { name, module } of migrations) {
    hash.update(`${name}\u0000${String(module.up)}\u0000${String(module.down)}\u0000`);
  }
  return hash.digest('hex');
}
