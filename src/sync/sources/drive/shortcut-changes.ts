/**
 * Shortcuts in the changes feed, before the folders and items of the feed are applied
 * (changes.ts). A shortcut is decided again (shortcuts.ts) when the feed names it (added,
 * removed, trashed, moved) or its target (trashed, deleted, moved, new bytes); a retarget is a
 * removal and a new shortcut, as Drive makes it. What it does to the feed's other work:
 * - a `file-copy` puts its target, under the shortcut's id and name, into `latest`, so it is
 *   placed and fetched like any item; a copy that ends is marked gone with its reason;
 * - a `folder-root` that starts is walked here (round after round, for the shortcuts inside it),
 *   its entries put into `latest`; one that ends is returned in `dropped`, whose items the caller
 *   records gone like a folder's that left the backup;
 * - the shortcut's own change leaves `latest` (a shortcut is no photo or video to place).
 * Links are only recorded here; the links step (shortcut-links.ts) makes and removes them.
 */
import type { MediaRow } from '../../../index/media-repo.ts';
import type { ShortcutRow } from '../../../index/shortcut-repo.ts';
import type { RemoteChange, RemoteEntry, RemoteShortcut } from '../../../remote/types.ts';
import { sanitizeName } from '../../../tree/sanitize.ts';
import type { DriveChangesDeps } from './changes.ts';
import type { WithShortcuts } from './listing.ts';
import { FolderPaths } from './folders.ts';
import { FOLDER_MIME_TYPE, isMediaType } from './mime.ts';
import { copyOf, holdsBackup, placeOf, rowOf, type ShortcutInput } from './shortcut-listing.ts';
import { decideShortcut, entryPath } from './shortcuts.ts';

export interface ShortcutFeed {
  /** The walk's roots and the roots of `folder-root` shortcuts: folder id -> path. */
  roots: Map<string, string>;
  /** Folders that are roots no more (their shortcut went, or their target). */
  dropped: string[];
  /** Copies newly marked gone. */
  gone: number;
}

const ROUNDS = 32;

export async function applyShortcutChanges(
  deps: WithShortcuts<DriveChangesDeps>,
  latest: Map<string, RemoteChange>,
  seenAt: Date,
): Promise<ShortcutFeed> {
  const stored = new Map((await deps.shortcuts.all()).map((r) => [r.shortcutId, r]));
  const after = new Map(stored);
  const affected = affectedBy(latest, stored);
  const feed: ShortcutFeed = { roots: new Map(), dropped: [], gone: 0 };
  if (affected.size > 0) {
    const paths = await pathsNow(deps, latest, after, affected);
    const holds = holdsBackup(deps);
    // Decided ones, kept or not (a shortcut outside the backup gets no row).
    const done = new Set<string>();
    for (let round = 0; affected.size > 0 && round < ROUNDS; round++) {
      const rows = await decideAll(deps, { latest, paths, stored, affected, holds });
      for (const id of affected.keys()) done.add(id);
      for (const r of rows) after.set(r.shortcutId, { ...r, linkPath: null });
      const fresh = rows.filter((r) => r.kind === 'folder-root' && !wasRoot(stored, r));
      await walkRoots(deps, latest, paths, fresh);
      affected.clear();
      // Shortcuts inside the folders just walked.
      for (const [id, c] of latest) {
        if (c.entry?.kind === 'shortcut' && !done.has(id)) affected.set(id, c.entry);
      }
      await deps.shortcuts.upsertMany(rows, seenAt);
      feed.gone += await endCopies(deps, stored, rows, seenAt);
    }
    for (const [id, c] of latest) {
      // A copy's change (its target under the shortcut's id) stays: it is placed as an item.
      if (c.entry?.kind === 'shortcut' || (stored.has(id) && c.entry?.kind !== 'media')) {
        latest.delete(id);
      }
    }
  }
  for (const r of stored.values()) {
    if (r.kind === 'folder-root' && !isRootNow(after.get(r.shortcutId), r)) {
      feed.dropped.push(r.targetId);
    }
  }
  feed.roots = new Map(deps.roots);
  for (const r of after.values()) {
    if (r.kind === 'folder-root' && r.rootPath) feed.roots.set(r.targetId, r.rootPath);
  }
  return feed;
}

const wasRoot = (stored: ReadonlyMap<string, ShortcutRow>, r: ShortcutInput): boolean => {
  const prev = stored.get(r.shortcutId);
  return prev?.kind === 'folder-root' && prev.rootPath === r.rootPath;
};

const isRootNow = (now: ShortcutRow | undefined, prev: ShortcutRow): boolean =>
  now?.kind === 'folder-root' && now.rootPath === prev.rootPath && now.targetId === prev.targetId;

/**
 * The shortcuts to decide again: id -> the shortcut now, or null when it is gone (removed,
 * trashed, or no longer a shortcut). Pure.
 */
export function affectedBy(
  latest: ReadonlyMap<string, RemoteChange>,
  stored: ReadonlyMap<string, ShortcutRow>,
): Map<string, RemoteShortcut | null> {
  const byTarget = new Map<string, ShortcutRow[]>();
  for (const r of stored.values()) {
    byTarget.set(r.targetId, [...(byTarget.get(r.targetId) ?? []), r]);
  }
  const out = new Map<string, RemoteShortcut | null>();
  for (const c of latest.values()) {
    const e = c.entry;
    if (e?.kind === 'shortcut') out.set(c.fileId, c.removed || c.trashed ? null : e);
    else if (stored.has(c.fileId)) out.set(c.fileId, null);
    for (const r of byTarget.get(c.fileId) ?? []) {
      if (!out.has(r.shortcutId) && r.kind !== 'removed') out.set(r.shortcutId, fromRow(r));
    }
  }
  return out;
}

function fromRow(r: ShortcutRow): RemoteShortcut {
  return {
    kind: 'shortcut',
    id: r.shortcutId,
    name: r.name,
    parents: r.parentId ? [r.parentId] : [],
    targetId: r.targetId,
    targetMimeType: r.targetMime,
  };
}

/**
 * The folders as the feed leaves them, near enough to place shortcuts: the stored ones and the
 * roots, minus those the feed removed or trashed, plus those it brought; the roots of the
 * shortcuts being decided are left out (they are decided afresh).
 */
async function pathsNow(
  deps: WithShortcuts<DriveChangesDeps>,
  latest: ReadonlyMap<string, RemoteChange>,
  stored: ReadonlyMap<string, ShortcutRow>,
  affected: ReadonlyMap<string, unknown>,
): Promise<FolderPaths> {
  const roots = new Map(deps.roots);
  for (const r of stored.values()) {
    if (r.kind === 'folder-root' && r.rootPath && !affected.has(r.shortcutId)) {
      roots.set(r.targetId, r.rootPath);
    }
  }
  const paths = new FolderPaths(roots);
  for (const f of await deps.folders.all()) {
    const c = latest.get(f.folderId);
    if (c === undefined) {
      paths.add({
        kind: 'folder',
        id: f.folderId,
        name: f.name,
        parents: f.parentId ? [f.parentId] : [],
      });
    }
  }
  for (const c of latest.values()) {
    if (!c.removed && !c.trashed && c.entry?.kind === 'folder') paths.add(c.entry);
  }
  return paths;
}

interface DecideInput {
  latest: Map<string, RemoteChange>;
  paths: FolderPaths;
  stored: ReadonlyMap<string, ShortcutRow>;
  affected: ReadonlyMap<string, RemoteShortcut | null>;
  holds: (id: string) => Promise<boolean>;
}

/** The new rows of the affected shortcuts; copies put into `latest`. */
async function decideAll(
  deps: WithShortcuts<DriveChangesDeps>,
  x: DecideInput,
): Promise<ShortcutInput[]> {
  const targets = [...x.affected.values()].flatMap((s) =>
    s && isMediaType(s.targetMimeType) ? [s.targetId] : [],
  );
  const targetRows = new Map<string, MediaRow>();
  for (const r of await deps.media.byIds('drive', targets)) targetRows.set(r.remoteId, r);
  const rows: ShortcutInput[] = [];
  for (const [id, s] of [...x.affected].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const at = s ? placeOf(x.paths, s) : undefined;
    const prev = x.stored.get(id);
    if (!s || !at) {
      if (prev) rows.push({ ...prev, kind: 'removed', rootPath: null, note: null });
      continue;
    }
    rows.push(await decideOne(deps, x, s, at, targetRows));
  }
  return rows;
}

/** Whether the feed says the target is gone or trashed. */
const targetEnded = (c: RemoteChange | undefined): boolean =>
  c !== undefined && (c.removed || c.trashed);

async function decideOne(
  deps: WithShortcuts<DriveChangesDeps>,
  x: DecideInput,
  s: RemoteShortcut,
  at: { parentId: string; dir: string },
  targetRows: ReadonlyMap<string, MediaRow>,
): Promise<ShortcutInput> {
  const base = { ...rowOf(s, at.parentId), rootPath: null, note: null };
  const tc = x.latest.get(s.targetId);
  if (targetEnded(tc)) {
    return { ...base, kind: 'unseen', note: 'its target was trashed or deleted in Drive' };
  }
  const targetFolderPath = x.paths.pathOf(s.targetId);
  const d = decideShortcut({
    dir: at.dir,
    targetMime: s.targetMimeType,
    targetFolderPath,
    targetMediaInside: mediaInside(x, s.targetId, tc, targetRows),
    targetHoldsBackup:
      s.targetMimeType === FOLDER_MIME_TYPE &&
      targetFolderPath === undefined &&
      (await x.holds(s.targetId)),
  });
  if (d.note) deps.log.warn({ shortcut: `${at.dir}/${s.name}`, why: d.note }, 'shortcut left out');
  if (d.kind === 'folder-root') {
    const rootPath = entryPath(at.dir, sanitizeName(s.name));
    x.paths.fix(s.targetId, rootPath);
    return { ...base, kind: 'folder-root', rootPath };
  }
  if (d.kind !== 'file-copy') return { ...base, kind: d.kind, note: d.note ?? null };
  const target =
    tc?.entry?.kind === 'media' ? tc.entry : await deps.drive.entry(s.targetId, deps.signal);
  if (target?.kind !== 'media') {
    return {
      ...base,
      kind: 'unseen',
      note: 'its target is gone, trashed or not visible to this account',
    };
  }
  const entry = copyOf(s, target);
  x.latest.set(s.id, {
    fileId: s.id,
    removed: false,
    trashed: false,
    entry,
    mimeType: entry.mimeType,
    time: '',
  });
  return { ...base, kind: 'file-copy' };
}

/** Whether the target photo/video is backed up at its own place after the feed. */
function mediaInside(
  x: DecideInput,
  targetId: string,
  tc: RemoteChange | undefined,
  targetRows: ReadonlyMap<string, MediaRow>,
): boolean {
  if (tc?.entry) return tc.entry.kind === 'media' && placeOf(x.paths, tc.entry) !== undefined;
  const row = targetRows.get(targetId);
  return row !== undefined && row.state !== 'gone' && !x.stored.has(targetId);
}

/** Lists the new roots' folders, items and shortcuts into `latest` (and folders into `paths`). */
async function walkRoots(
  deps: WithShortcuts<DriveChangesDeps>,
  latest: Map<string, RemoteChange>,
  paths: FolderPaths,
  fresh: readonly ShortcutInput[],
): Promise<void> {
  if (fresh.length === 0) return;
  for await (const page of deps.drive.walk(
    fresh.map((r) => r.targetId),
    deps.signal,
  )) {
    for (const e of page) {
      if (e.kind === 'folder') paths.add(e);
      if (!latest.has(e.id)) latest.set(e.id, asChange(e));
    }
  }
}

/** An entry found by walking a folder, as the feed would have told it: present, not trashed. */
export const asChange = (e: RemoteEntry): RemoteChange => ({
  fileId: e.id,
  removed: false,
  entry: e,
  trashed: false,
  mimeType: e.kind === 'media' ? e.mimeType : null,
  time: '',
});

/** Marks gone the copies whose shortcut is no longer a copy (still there, or trashed). */
async function endCopies(
  deps: WithShortcuts<DriveChangesDeps>,
  stored: ReadonlyMap<string, ShortcutRow>,
  rows: readonly ShortcutInput[],
  seenAt: Date,
): Promise<number> {
  const ended = new Map<string, string[]>();
  for (const r of rows) {
    if (stored.get(r.shortcutId)?.kind !== 'file-copy' || r.kind === 'file-copy') continue;
    const why =
      r.kind === 'removed'
        ? 'its shortcut was removed, trashed or moved out of the backup in Drive'
        : r.kind === 'unseen'
          ? "its shortcut's target was trashed, deleted or hidden in Drive"
          : 'its shortcut now points at a file inside the backup';
    ended.set(why, [...(ended.get(why) ?? []), r.shortcutId]);
  }
  let n = 0;
  for (const [why, ids] of ended) n += await deps.media.markGone('drive', ids, seenAt, why);
  return n;
}
