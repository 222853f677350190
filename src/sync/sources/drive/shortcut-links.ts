/**
 * The links step of the Drive source (its `finish`, after the downloads): the entry of every
 * `file-link` and `folder-link` shortcut made or kept at the shortcut's place, and the entries of
 * shortcuts that went (or moved, or now point elsewhere) taken away. Only links go: the bytes of
 * a target stay wherever else they are backed up. Everything is read from the index, so a pass
 * that stopped before this step is caught up by the next one.
 */
import type { MediaRow } from '../../../index/media-repo.ts';
import type { ShortcutRow } from '../../../index/shortcut-repo.ts';
import { pathKey, sanitizeName } from '../../../tree/sanitize.ts';
import { placeShortcutEntry, removeShortcutEntry } from '../../../tree/shortcut-entries.ts';
import type { SourceContext } from '../../source.ts';
import { entryPath, isAtOrAbove } from './shortcuts.ts';

/** Where a link goes and what it points at (paths relative to ROOT). */
export interface WantedLink {
  path: string;
  target: string;
  folder: boolean;
}

/**
 * The link each shortcut should have now, or none. Pure. `folderPaths`: every folder of the
 * backup and every root, id -> path; `targets`: the media rows of `file-link` targets.
 */
export function wantedLinks(
  rows: readonly ShortcutRow[],
  folderPaths: ReadonlyMap<string, string>,
  targets: ReadonlyMap<string, MediaRow>,
): Map<string, WantedLink> {
  const out = new Map<string, WantedLink>();
  for (const r of rows) {
    const dir = r.parentId === null ? undefined : folderPaths.get(r.parentId);
    if (dir === undefined) continue;
    const path = entryPath(dir, sanitizeName(r.name));
    if (r.kind === 'file-link') {
      const t = targets.get(r.targetId);
      if (t && t.state !== 'gone' && t.relPath !== path) {
        out.set(r.shortcutId, { path, target: t.relPath, folder: false });
      }
    } else if (r.kind === 'folder-link') {
      const t = folderPaths.get(r.targetId);
      // A folder moved above its shortcut since it was decided: a loop now, so no link.
      if (t !== undefined && !isAtOrAbove(t, dir))
        out.set(r.shortcutId, { path, target: t, folder: true });
    }
  }
  return out;
}

export async function linkShortcuts(
  ctx: SourceContext,
  baseRoots: ReadonlyMap<string, string>,
): Promise<void> {
  const rows = await ctx.shortcuts.all();
  if (rows.length === 0) return;
  const folderPaths = new Map(baseRoots);
  for (const f of await ctx.folders.all()) folderPaths.set(f.folderId, f.relPath);
  for (const r of rows) {
    if (r.kind === 'folder-root' && r.rootPath) folderPaths.set(r.targetId, r.rootPath);
  }
  const linkTargets = rows.filter((r) => r.kind === 'file-link').map((r) => r.targetId);
  const targets = new Map<string, MediaRow>();
  for (const t of await ctx.media.byIds('drive', linkTargets)) targets.set(t.remoteId, t);
  const wanted = wantedLinks(rows, folderPaths, targets);
  const taken = await takenPaths(ctx, folderPaths, [
    ...wanted.values(),
    ...rows.flatMap((r) => (r.linkPath ? [{ path: r.linkPath }] : [])),
  ]);
  const counts = { made: 0, removed: 0, waiting: 0 };
  for (const r of rows) await reconcileOne(ctx, r, wanted.get(r.shortcutId), taken, counts);
  await ctx.shortcuts.forgetRemoved();
  if (counts.made + counts.removed > 0 || counts.waiting > 0) {
    ctx.log.info({ ...counts }, 'shortcut links updated');
  }
}

/**
 * The path keys of every folder of the backup and of the items at any of these paths: a link
 * never stands where an item or a folder goes.
 */
async function takenPaths(
  ctx: SourceContext,
  folderPaths: ReadonlyMap<string, string>,
  at: ReadonlyArray<{ path: string }>,
): Promise<Set<string>> {
  const dirs = [...new Set(at.map((a) => pathKey(a.path.slice(0, a.path.lastIndexOf('/')))))];
  const keys = new Set([...folderPaths.values()].map(pathKey));
  for (const r of await ctx.media.inDirs('drive', dirs)) keys.add(pathKey(r.relPath));
  return keys;
}

async function reconcileOne(
  ctx: SourceContext,
  r: ShortcutRow,
  want: WantedLink | undefined,
  taken: ReadonlySet<string>,
  counts: { made: number; removed: number; waiting: number },
): Promise<void> {
  const log = ctx.log.child({ component: 'drive-shortcuts' });
  if (r.linkPath !== null && r.linkPath !== want?.path) {
    // The file of an item placed at the old name since is not ours to remove; a symlink always
    // is (items are written as files, and a folder's items would be written through it).
    if (await removeShortcutEntry(ctx.root, r.linkPath, !taken.has(pathKey(r.linkPath)))) {
      counts.removed++;
    }
    await ctx.shortcuts.setLinkPath(r.shortcutId, null);
  }
  if (want === undefined) return;
  if (taken.has(pathKey(want.path))) {
    log.warn(
      { shortcut: want.path },
      'a shortcut has the name of an item in its folder; not linked',
    );
    return;
  }
  const outcome = await placeShortcutEntry(ctx.root, want.path, want.target, {
    mode: ctx.options.linkMode,
    folder: want.folder,
    ours: r.linkPath === want.path,
  });
  if (outcome === 'taken') {
    log.warn(
      { shortcut: want.path },
      'a file that is not ours has the name of a shortcut; not linked',
    );
  } else if (outcome === 'missing-target') {
    counts.waiting++;
  } else {
    if (outcome === 'made') counts.made++;
    if (r.linkPath !== want.path) await ctx.shortcuts.setLinkPath(r.shortcutId, want.path);
  }
}
