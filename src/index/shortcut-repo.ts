import { AccountRepo, chunks } from './sql-util.ts';

export type ShortcutKind =
  | 'file-link'
  | 'file-copy'
  | 'folder-link'
  | 'folder-root'
  | 'cut'
  | 'unseen'
  | 'other'
  | 'removed';

/** One Drive shortcut of the backup (the columns are explained in its migration). */
export interface ShortcutRow {
  shortcutId: string;
  name: string;
  parentId: string | null;
  targetId: string;
  targetMime: string;
  kind: ShortcutKind;
  rootPath: string | null;
  linkPath: string | null;
  note: string | null;
}

/** The `drive_shortcuts` table of one account: a few rows per library, read whole. */
export class ShortcutRepo extends AccountRepo {
  /** Every shortcut, by id. */
  async all(): Promise<ShortcutRow[]> {
    const rows = (await this.knex('drive_shortcuts')
      .where({ account: this.account })
      .orderBy('shortcut_id')
      .select('*')) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      shortcutId: String(r.shortcut_id),
      name: String(r.name),
      parentId: (r.parent_id as string | null) ?? null,
      targetId: String(r.target_id),
      targetMime: String(r.target_mime),
      kind: r.kind as ShortcutKind,
      rootPath: (r.root_path as string | null) ?? null,
      linkPath: (r.link_path as string | null) ?? null,
      note: (r.note as string | null) ?? null,
    }));
  }

  /**
   * Inserts or updates shortcuts by id, all-or-nothing. `link_path` is kept: only setLinkPath,
   * after the disk changed, writes it.
   */
  async upsertMany(rows: readonly Omit<ShortcutRow, 'linkPath'>[], seenAt: Date): Promise<void> {
    if (rows.length === 0) return;
    await this.knex.transaction(async (trx) => {
      for (const chunk of chunks([...rows])) {
        await trx('drive_shortcuts')
          .insert(
            chunk.map((r) => ({
              account: this.account,
              shortcut_id: r.shortcutId,
              name: r.name,
              parent_id: r.parentId,
              target_id: r.targetId,
              target_mime: r.targetMime,
              kind: r.kind,
              root_path: r.rootPath,
              note: r.note,
              last_seen_at: seenAt,
            })),
          )
          .onConflict(['account', 'shortcut_id'])
          .merge([
            'name',
            'parent_id',
            'target_id',
            'target_mime',
            'kind',
            'root_path',
            'note',
            'last_seen_at',
          ]);
      }
    });
  }

  /** Marks `removed` every shortcut a full listing at `seenAt` did not see. */
  async removeUnseen(seenAt: Date): Promise<number> {
    return this.knex('drive_shortcuts')
      .where({ account: this.account })
      .andWhere((q) => q.whereNull('last_seen_at').orWhere('last_seen_at', '<', seenAt))
      .update({ kind: 'removed', root_path: null });
  }

  /** Where a link of ours stands now (null: none). */
  async setLinkPath(shortcutId: string, linkPath: string | null): Promise<void> {
    await this.knex('drive_shortcuts')
      .where({ account: this.account, shortcut_id: shortcutId })
      .update({ link_path: linkPath });
  }

  /** Forgets `removed` shortcuts whose link is gone from disk. */
  async forgetRemoved(): Promise<void> {
    await this.knex('drive_shortcuts')
      .where({ account: this.account, kind: 'removed' })
      .whereNull('link_path')
      .delete();
  }

  /** Where links of ours stand (for `verify`: entries no media row names). */
  async linkPaths(): Promise<string[]> {
    const rows = (await this.knex('drive_shortcuts')
      .where({ account: this.account })
      .whereNotNull('link_path')
      .select('link_path')) as Array<{ link_path: string }>;
    return rows.map((r) => r.link_path);
  }

  /** shortcut id -> target id of the `file-copy` shortcuts: what the fetcher downloads. */
  async copyTargets(): Promise<Map<string, string>> {
    const rows = (await this.knex('drive_shortcuts')
      .where({ account: this.account, kind: 'file-copy' })
      .select('shortcut_id', 'target_id')) as Array<{ shortcut_id: string; target_id: string }>;
    return new Map(rows.map((r) => [r.shortcut_id, r.target_id]));
  }
}
