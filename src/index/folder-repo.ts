import { AccountRepo, chunks } from './sql-util.ts';

export interface FolderRow {
  folderId: string;
  name: string;
  parentId: string | null;
  /** Relative to ROOT, '/'-separated. */
  relPath: string;
}

/**
 * The `drive_folders` table of one account, in one scope: My Drive's folders (scope '', the
 * default), or one shared drive's (`inScope(driveId)`). Every method reads and writes its own
 * scope only, so one drive's changes never touch another's folders.
 */
export class FolderRepo extends AccountRepo {
  #scope = '';

  /** The same table, for the folders of shared drive `driveId` ('' : My Drive). */
  inScope(driveId: string): FolderRepo {
    const repo = new FolderRepo(this.knex, this.account);
    repo.#scope = driveId;
    return repo;
  }

  /**
   * Inserts or updates folders by folderId (name, parent, relPath, last_seen_at = seenAt), 1,000
   * a statement, all-or-nothing in one transaction. Folders not given are left alone.
   */
  async upsertMany(rows: FolderRow[], seenAt: Date): Promise<void> {
    if (rows.length === 0) return;
    await this.knex.transaction(async (trx) => {
      for (const chunk of chunks(rows)) {
        await trx('drive_folders')
          .insert(
            chunk.map((r) => ({
              account: this.account,
              scope: this.#scope,
              folder_id: r.folderId,
              name: r.name,
              parent_id: r.parentId,
              rel_path: r.relPath,
              last_seen_at: seenAt,
            })),
          )
          .onConflict(['account', 'folder_id'])
          .merge(['scope', 'name', 'parent_id', 'rel_path', 'last_seen_at']);
      }
    });
  }

  /** Every folder of the account in this scope, ordered by relPath. */
  async all(): Promise<FolderRow[]> {
    const rows = (await this.knex('drive_folders')
      .where({ account: this.account, scope: this.#scope })
      .orderBy(['rel_path', 'folder_id'])
      .select('folder_id', 'name', 'parent_id', 'rel_path')) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      folderId: String(r.folder_id),
      name: String(r.name ?? ''),
      parentId: (r.parent_id as string | null) ?? null,
      relPath: String(r.rel_path),
    }));
  }

  /** Deletes folders by id (folders that left the backup). */
  async deleteMany(folderIds: readonly string[]): Promise<void> {
    for (const ids of chunks([...folderIds], 1000)) {
      await this.knex('drive_folders')
        .where({ account: this.account, scope: this.#scope })
        .whereIn('folder_id', ids)
        .delete();
    }
  }
}
