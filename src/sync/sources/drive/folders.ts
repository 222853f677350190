/**
 * Folder paths of a Drive listing. Pure.
 *
 * Paths are relative to ROOT and start with `drive`: My Drive's root is `drive`, so the default
 * mode gives `drive/Google Photos/2017/x.jpg` and `--all-drive` the same paths for the same files.
 * A folder or file with several parents is placed under the first parent that is inside the
 * backup (Drive lists parents in a stable order).
 */
import { sanitizeName } from '../../../tree/sanitize.ts';
import type { RemoteFolder } from '../../../remote/types.ts';

export class FolderPaths {
  readonly #folders = new Map<string, RemoteFolder>();
  readonly #paths = new Map<string, string>();

  /** `fixed`: folder id -> path, for the walk's roots. */
  constructor(fixed: Map<string, string>) {
    for (const [id, p] of fixed) this.#paths.set(id, p);
  }

  /** Makes folder `id` a root at `path` (a folder outside the backup reached by a shortcut). */
  fix(id: string, path: string): void {
    this.#folders.delete(id);
    this.#paths.set(id, path);
  }

  add(folder: RemoteFolder): void {
    if (!this.#paths.has(folder.id)) this.#folders.set(folder.id, folder);
  }

  /** The first of `parents` that is inside the backup, or undefined. */
  firstKnown(parents: readonly string[]): string | undefined {
    return parents.find((p) => this.#paths.has(p) || this.#folders.has(p));
  }

  /** The path of a folder, or undefined when it is not inside the backup. */
  pathOf(id: string, depth = 0): string | undefined {
    const known = this.#paths.get(id);
    if (known !== undefined) return known;
    const folder = this.#folders.get(id);
    if (!folder || depth > 256) return undefined;
    const parent = this.firstKnown(folder.parents);
    if (parent === undefined) return undefined;
    const parentPath = this.pathOf(parent, depth + 1);
    if (parentPath === undefined) return undefined;
    const p = `${parentPath}/${sanitizeName(folder.name)}`;
    this.#paths.set(id, p);
    return p;
  }

  /** Every folder with its path, for the index. */
  *entries(): Generator<{ folder: RemoteFolder; path: string; parentId: string | null }> {
    for (const folder of this.#folders.values()) {
      const path = this.pathOf(folder.id);
      if (path !== undefined) {
        yield { folder, path, parentId: this.firstKnown(folder.parents) ?? null };
      }
    }
  }
}
