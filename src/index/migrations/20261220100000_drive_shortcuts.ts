import type { Knex } from 'knex';

/**
 * Drive shortcuts inside the backup (sync/sources/drive/shortcuts.ts), one row each:
 * - `parent_id`, `name`: where the shortcut sits (its entry goes in that folder's place, under
 *   its own name);
 * - `target_id`, `target_mime`: what it points at, set once when Drive made it;
 * - `kind`: what the pass does with it: `file-link` (a link to the target's own file, which is
 *   backed up at its place), `file-copy` (the target is outside the backup: a media row whose
 *   remote_id is the shortcut's id holds its bytes), `folder-link` (a link to a folder inside the
 *   backup), `folder-root` (a folder outside the backup, listed under `root_path`), `cut` (a
 *   loop: a folder at or above the shortcut), `unseen` (the target is gone, trashed or not
 *   visible), `other` (neither a photo, a video nor a folder), `removed` (the shortcut is gone:
 *   its link is taken away, then the row);
 * - `root_path`: folder-root only, the path its target's items go under;
 * - `link_path`: where a link of ours stands on disk now (null: none), so that a link is taken
 *   away when its shortcut goes or moves;
 * - `note`: why a shortcut is cut or unseen, for the logs.
 */
const statements = [
  `CREATE TABLE drive_shortcuts (
    account text NOT NULL,
    shortcut_id text NOT NULL,
    name text NOT NULL,
    parent_id text NULL,
    target_id text NOT NULL,
    target_mime text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('file-link', 'file-copy', 'folder-link', 'folder-root',
      'cut', 'unseen', 'other', 'removed')),
    root_path text NULL,
    link_path text NULL,
    note text NULL,
    last_seen_at timestamptz,
    PRIMARY KEY (account, shortcut_id)
  )`,
  `CREATE INDEX drive_shortcuts_target_idx ON drive_shortcuts (account, target_id)`,
];

export async function up(knex: Knex): Promise<void> {
  // One statement per call: PGlite's extended-protocol queries take a single statement.
  for (const sql of statements) await knex.raw(sql);
}

export function down(): Promise<void> {
  throw new Error('migrations are forward-only: restore a backup to go back');
}
