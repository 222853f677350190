/**
 * Shortcuts in a full listing: each one decided (shortcuts.ts), the folders outside the backup
 * that shortcuts reach listed under the shortcuts' names (round after round, as those folders
 * hold shortcuts too), and the targets outside the backup read one by one and listed at their
 * shortcuts' places. What a shortcut cannot be is logged (a loop cut, a target unseen).
 */
import type { ShortcutRow } from '../../../index/shortcut-repo.ts';
import type { RemoteMedia, RemoteShortcut } from '../../../remote/types.ts';
import { sanitizeName } from '../../../tree/sanitize.ts';
import type { FolderPaths } from './folders.ts';
import type { DrivePhaseDeps, WithShortcuts } from './listing.ts';
import { FOLDER_MIME_TYPE } from './mime.ts';
import { packedId, packMedia, type PackedMedia } from './packed-media.ts';
import { decideShortcut, entryPath, type ShortcutDecision } from './shortcuts.ts';

export type ShortcutInput = Omit<ShortcutRow, 'linkPath'>;

/** Rounds of folders reached through folders reached by shortcuts; deeper ones are logged. */
const MAX_ROUNDS = 32;

export interface ListingState {
  paths: FolderPaths;
  /** The photos and videos, packed: the largest thing a full listing holds. */
  listed: PackedMedia[];
  shortcuts: RemoteShortcut[];
}

/** The shortcut's folder in the backup and its path, or undefined when it is outside. */
export function placeOf(
  paths: FolderPaths,
  s: { parents: readonly string[] },
): { parentId: string; dir: string } | undefined {
  const parentId = paths.firstKnown(s.parents);
  const dir = parentId === undefined ? undefined : paths.pathOf(parentId);
  return parentId === undefined || dir === undefined ? undefined : { parentId, dir };
}

/** Whether folder `id` is My Drive's root (read once, only when a folder shortcut needs it). */
export function holdsBackup(deps: DrivePhaseDeps): (id: string) => Promise<boolean> {
  let root: Promise<string> | undefined;
  return async (id) =>
    id === (await (root ??= deps.drive.myDriveRoot(deps.signal).then((f) => f.id)));
}

/**
 * Decides every listed shortcut, walking (with `walkInto`, which adds to `st`) the folders that
 * become roots, and adds the targets of `file-copy` shortcuts to `st.listed` under the shortcuts'
 * ids. Returns the rows to store.
 */
export async function expandShortcuts(
  deps: DrivePhaseDeps,
  st: ListingState,
  walkInto: (rootIds: string[]) => Promise<void>,
): Promise<ShortcutInput[]> {
  const roots = new Map<string, string>(); // target id -> the shortcut whose root it is
  const holds = holdsBackup(deps);
  for (let round = 0; ; round++) {
    const fresh: string[] = [];
    const inside = new Set(st.listed.map(packedId));
    for (const s of st.shortcuts) {
      const at = placeOf(st.paths, s);
      if (at === undefined || roots.get(s.targetId) === s.id) continue;
      const d = await decide(s, at.dir, st.paths, inside, holds);
      if (d.kind !== 'folder-root' || roots.has(s.targetId)) continue;
      roots.set(s.targetId, s.id);
      st.paths.fix(s.targetId, entryPath(at.dir, sanitizeName(s.name)));
      fresh.push(s.targetId);
    }
    if (fresh.length === 0) break;
    if (round === MAX_ROUNDS) {
      deps.log.warn({ folders: fresh.length }, 'shortcuts to folders nested too deep; left out');
      break;
    }
    await walkInto(fresh);
  }
  return finalRows(deps, st, roots, holds);
}

async function decide(
  s: RemoteShortcut,
  dir: string,
  paths: FolderPaths,
  inside: ReadonlySet<string>,
  holds: (id: string) => Promise<boolean>,
): Promise<ShortcutDecision> {
  const targetFolderPath = paths.pathOf(s.targetId);
  return decideShortcut({
    dir,
    targetMime: s.targetMimeType,
    targetFolderPath,
    targetMediaInside: inside.has(s.targetId),
    targetHoldsBackup:
      s.targetMimeType === FOLDER_MIME_TYPE &&
      targetFolderPath === undefined &&
      (await holds(s.targetId)),
  });
}

/** The rows, once every root is walked; copies read and added to the listing. */
async function finalRows(
  deps: DrivePhaseDeps,
  st: ListingState,
  roots: ReadonlyMap<string, string>,
  holds: (id: string) => Promise<boolean>,
): Promise<ShortcutInput[]> {
  const rows: ShortcutInput[] = [];
  const inside = new Set(st.listed.map(packedId));
  for (const s of st.shortcuts) {
    const at = placeOf(st.paths, s);
    if (at === undefined) continue;
    const isRoot = roots.get(s.targetId) === s.id;
    let d: { kind: ShortcutRow['kind']; note?: string } = isRoot
      ? { kind: 'folder-root' }
      : await decide(s, at.dir, st.paths, inside, holds);
    if (d.kind === 'file-copy') {
      const target = await deps.drive.entry(s.targetId, deps.signal);
      if (target?.kind === 'media') st.listed.push(packMedia(copyOf(s, target)));
      else
        d = { kind: 'unseen', note: 'its target is gone, trashed or not visible to this account' };
    }
    const rootPath = isRoot ? (st.paths.pathOf(s.targetId) ?? null) : null;
    if (d.note)
      deps.log.warn({ shortcut: `${at.dir}/${s.name}`, why: d.note }, 'shortcut left out');
    rows.push({ ...rowOf(s, at.parentId), kind: d.kind, rootPath, note: d.note ?? null });
  }
  return rows;
}

export function rowOf(
  s: RemoteShortcut,
  parentId: string,
): Pick<ShortcutInput, 'shortcutId' | 'name' | 'parentId' | 'targetId' | 'targetMime'> {
  return {
    shortcutId: s.id,
    name: s.name,
    parentId,
    targetId: s.targetId,
    targetMime: s.targetMimeType,
  };
}

/** The target's bytes listed at the shortcut's place, under the shortcut's id and name. */
export function copyOf(s: RemoteShortcut, target: RemoteMedia): RemoteMedia {
  return { ...target, id: s.id, name: s.name, parents: [...s.parents] };
}

/**
 * Drops later entries whose id (`idOf`, default `.id`) came before (an item reached twice),
 * keeping the order.
 */
export function dedupeById<T extends { id: string }>(items: T[]): void;
export function dedupeById<T>(items: T[], idOf: (item: T) => string): void;
export function dedupeById<T>(items: T[], idOf = (item: T) => (item as { id: string }).id): void {
  const seen = new Set<string>();
  let j = 0;
  for (const it of items) {
    const id = idOf(it);
    if (seen.has(id)) continue;
    seen.add(id);
    items[j++] = it;
  }
  items.length = j;
}

/** Stores a full listing's shortcuts; those it did not see are `removed` (their links go). */
export async function storeListedShortcuts(
  deps: WithShortcuts,
  rows: readonly ShortcutInput[],
  seenAt: Date,
): Promise<void> {
  await deps.shortcuts.upsertMany(rows, seenAt);
  await deps.shortcuts.removeUnseen(seenAt);
}
