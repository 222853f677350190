/**
 * The incremental index phase of the Drive pass: apply Drive's changes feed since the last pass
 * to the index, so a pass costs what changed, not what the library holds.
 *
 * Contract:
 * - New and changed photos/videos get placed and written like a full listing places them (same
 *   names, duplicate numbers kept); a rename or move keeps the row's `moved_from`, so the download
 *   phase moves the local file instead of downloading it (media-repo upsertListed).
 * - A folder renamed or moved upstream re-paths every item below it.
 * - Deletions are recorded, never applied: an item removed, trashed, moved out of the backed-up
 *   folders or turned into something that is not a photo or video is marked `gone` with the time
 *   and the reason; its local file stays. Only explicit change entries count: a listing never
 *   infers a deletion from an absence.
 * - Nothing is written until every page of the feed was read; the caller stores the new token
 *   only after this returns.
 */
import type { FolderRow } from '../../../index/folder-repo.ts';
import type { ListedMediaRow, MediaRow } from '../../../index/media-repo.ts';
import type { RemoteChange, RemoteMedia } from '../../../remote/types.ts';
import { assignPlacements, type LayoutInput, type Placement } from '../../../tree/layout.ts';
import { pathKey } from '../../../tree/sanitize.ts';
import { listingHash, toRow, type DrivePhaseDeps } from './listing.ts';
import { FolderPaths } from './folders.ts';
import { applyShortcutChanges, asChange } from './shortcut-changes.ts';

export interface DriveChangesDeps extends DrivePhaseDeps {
  /** The walk's roots of the last full listing: folder id -> path (`drive/Google Photos`). */
  roots: ReadonlyMap<string, string>;
  /**
   * Sees every page of the feed as it is read, before anything is written (and so before the
   * caller stores the new token): the Takeout parts in Drive learn of new parts this way.
   */
  onChanges?: (changes: readonly RemoteChange[]) => Promise<void>;
}

export interface DriveChangesResult {
  /** Change entries read (after Drive's coalescing). */
  changes: number;
  /** Items written (new, changed, renamed or re-pathed). */
  written: number;
  /** Items newly marked gone. */
  gone: number;
  /** The token to store once the caller is done. */
  newToken: string;
}

const isMedia = (mime: string | null): boolean =>
  mime !== null && (mime.startsWith('image/') || mime.startsWith('video/'));

export async function applyDriveChanges(
  deps: DriveChangesDeps,
  token: string,
): Promise<DriveChangesResult> {
  const { log } = deps;
  const source = deps.source ?? 'drive';
  const started = Date.now();
  const { latest, newToken } = await readChanges(deps, token);
  const result: DriveChangesResult = { changes: latest.size, written: 0, gone: 0, newToken };
  if (latest.size === 0) return result;
  log.info({ changes: latest.size }, 'drive changes read');

  const repo = deps.shortcuts;
  // Without shortcuts (a shared drive), the roots are the walk's alone.
  const shortcuts =
    repo === undefined
      ? { roots: deps.roots, dropped: [], gone: 0 }
      : await applyShortcutChanges({ ...deps, shortcuts: repo }, latest, new Date(started));
  result.gone += shortcuts.gone;
  const folders = await applyFolderChanges({ ...deps, roots: shortcuts.roots }, latest);
  // Items of a folder no shortcut reaches any more go as those of a folder that left.
  for (const id of shortcuts.dropped) folders.lost.add(id);
  // Items: the changed ones, and every item of a folder that moved or left.
  const changedFiles = [...latest.values()].filter((c) => !folders.changed.has(c.fileId));
  const storedById = new Map<string, MediaRow>();
  const ids = changedFiles.map((c) => c.fileId);
  for (const r of await deps.media.byIds(source, ids)) storedById.set(r.remoteId, r);
  for (const r of await deps.media.byFolders(source, [...folders.moved, ...folders.lost])) {
    storedById.set(r.remoteId, r);
  }
  const { toPlace, gone } = sortChanges(changedFiles, storedById, folders);
  const rows = await placeAll(deps, toPlace, storedById);

  const seenAt = new Date(started);
  await deps.folders.upsertMany(
    [...folders.after.values()].filter((f) => {
      const b = folders.before.get(f.folderId);
      return (
        b === undefined || b.relPath !== f.relPath || b.name !== f.name || b.parentId !== f.parentId
      );
    }),
    seenAt,
  );
  await deps.media.upsertListed(rows, seenAt);
  for (const [reason, goneIds] of gone) {
    result.gone += await deps.media.markGone(source, goneIds, seenAt, reason);
  }
  await deps.folders.deleteMany([...folders.lost]);
  result.written = rows.length;
  deps.progress.indexed += rows.length;
  log.info(
    {
      ...result,
      movedFolders: folders.moved.size,
      lostFolders: folders.lost.size,
      seconds: (Date.now() - started) / 1000,
    },
    'drive changes applied',
  );
  return result;
}

/** Every page of the feed: the latest state of each file (a restarted feed may repeat one). */
async function readChanges(
  deps: DriveChangesDeps,
  token: string,
): Promise<{ latest: Map<string, RemoteChange>; newToken: string }> {
  const latest = new Map<string, RemoteChange>();
  const it = deps.drive.changes(token, deps.signal);
  let step = await it.next();
  while (!step.done) {
    await deps.onChanges?.(step.value);
    for (const c of step.value) latest.set(c.fileId, c);
    step = await it.next();
  }
  return { latest, newToken: step.value };
}

export interface FolderState {
  paths: FolderPaths;
  before: Map<string, FolderRow>;
  after: Map<string, FolderRow>;
  /** Ids of the folders the feed reported. */
  changed: Set<string>;
  /** Folders whose path changed, and folders that left the backup. */
  moved: Set<string>;
  lost: Set<string>;
}

/**
 * The stored folders with the feed's folder changes applied. A folder that came into the backup
 * (moved in from elsewhere) brings items the feed does not list one by one: its subtree is
 * listed, and its items are added to `latest` as changes.
 */
async function applyFolderChanges(
  deps: DriveChangesDeps,
  latest: Map<string, RemoteChange>,
): Promise<FolderState> {
  const stored = await deps.folders.all();
  const before = new Map(stored.map((f) => [f.folderId, f]));
  const paths = new FolderPaths(new Map(deps.roots));
  const changed = new Set<string>();
  for (const c of latest.values()) {
    if (c.entry?.kind === 'folder' || (c.entry === null && before.has(c.fileId))) {
      changed.add(c.fileId);
    }
  }
  for (const f of stored) {
    if (changed.has(f.folderId)) continue;
    paths.add({
      kind: 'folder',
      id: f.folderId,
      name: f.name,
      parents: f.parentId ? [f.parentId] : [],
    });
  }
  for (const id of changed) {
    const c = latest.get(id) as RemoteChange;
    if (!c.removed && !c.trashed && c.entry?.kind === 'folder') paths.add(c.entry);
  }
  const folderRows = (): Map<string, FolderRow> => {
    const out = new Map<string, FolderRow>();
    for (const { folder, path, parentId } of paths.entries()) {
      out.set(folder.id, { folderId: folder.id, name: folder.name, parentId, relPath: path });
    }
    return out;
  };
  let after = folderRows();
  const arrived = [...after.keys()].filter((id) => !before.has(id));
  if (arrived.length > 0) {
    for await (const page of deps.drive.walk(arrived, deps.signal)) {
      for (const e of page) {
        if (e.kind === 'folder') paths.add(e);
        else if (!latest.has(e.id)) latest.set(e.id, asChange(e));
      }
    }
    after = folderRows();
  }
  const moved = new Set<string>();
  const lost = new Set<string>();
  for (const [id, f] of before) {
    const now = after.get(id);
    if (now === undefined) lost.add(id);
    else if (now.relPath !== f.relPath) moved.add(id);
  }
  return { paths, before, after, changed, moved, lost };
}

/** An item to place: from a change (RemoteMedia) or a stored row under a moved folder. */
export interface ToPlace {
  id: string;
  dir: string;
  folderId: string;
  remote?: RemoteMedia;
  row?: MediaRow;
}

/**
 * What each change means, pure: an item to (re)place, or a deletion with its reason. What counts
 * as gone: an item the index knows that was removed, trashed, moved out of the backed-up folders
 * or turned into something that is not a photo or video, and an item of a folder that was trashed
 * or removed. A stored row under a folder that moved is placed again; a gone row keeps its path.
 */
export function sortChanges(
  changedFiles: readonly RemoteChange[],
  storedById: ReadonlyMap<string, MediaRow>,
  folders: Pick<FolderState, 'paths' | 'after' | 'lost'>,
): { toPlace: ToPlace[]; gone: Map<string, string[]> } {
  const gone = new Map<string, string[]>();
  const addGone = (reason: string, id: string) =>
    gone.set(reason, [...(gone.get(reason) ?? []), id]);
  const toPlace: ToPlace[] = [];
  const handled = new Set<string>();
  for (const c of changedFiles) {
    handled.add(c.fileId);
    const known = storedById.has(c.fileId);
    const entry = c.entry;
    if (c.removed || entry === null) {
      if (known) addGone('removed from Drive', c.fileId);
      continue;
    }
    if (c.trashed) {
      if (known) addGone('trashed in Drive', c.fileId);
      continue;
    }
    if (entry.kind !== 'media' || !isMedia(entry.mimeType)) {
      if (known) addGone('no longer a photo or video in Drive', c.fileId);
      continue;
    }
    const parent = folders.paths.firstKnown(entry.parents);
    const dir = parent === undefined ? undefined : folders.paths.pathOf(parent);
    if (parent === undefined || dir === undefined) {
      if (known) addGone('moved out of the backed-up folders in Drive', c.fileId);
      continue;
    }
    toPlace.push({ id: c.fileId, dir, folderId: parent, remote: entry });
  }
  for (const row of storedById.values()) {
    // A gone item keeps its old path: its file, if any, is still there.
    if (handled.has(row.remoteId) || row.folderId === null || row.state === 'gone') continue;
    if (folders.lost.has(row.folderId)) {
      addGone('its folder was trashed or removed in Drive', row.remoteId);
      continue;
    }
    const dir = folders.after.get(row.folderId)?.relPath;
    if (dir !== undefined) toPlace.push({ id: row.remoteId, dir, folderId: row.folderId, row });
  }
  return { toPlace, gone };
}

/**
 * Index rows for the items to place, placed among what their folders already hold so that no
 * new name takes a used one (stored placements are kept where they still fit).
 */
async function placeAll(
  deps: DriveChangesDeps,
  toPlace: readonly ToPlace[],
  storedById: ReadonlyMap<string, MediaRow>,
): Promise<ListedMediaRow[]> {
  const dirKeys = [...new Set(toPlace.map((p) => pathKey(p.dir)))];
  const moving = new Set(toPlace.map((p) => p.id));
  const inputs: LayoutInput[] = toPlace.map((p) => {
    const stored = storedById.get(p.id);
    return {
      id: p.id,
      dir: p.dir,
      name: p.remote?.name ?? p.row?.originalName ?? '',
      createdTime: p.remote?.createdTime ?? p.row?.createdTime?.toISOString() ?? null,
      stored: stored ? { relPath: stored.relPath, dupNumber: stored.dupNumber } : null,
    };
  });
  for (const r of await deps.media.inDirs(deps.source ?? 'drive', dirKeys)) {
    if (moving.has(r.remoteId)) continue;
    inputs.push({
      id: r.remoteId,
      dir: r.relPath.slice(0, r.relPath.lastIndexOf('/')),
      name: r.originalName,
      createdTime: r.createdTime?.toISOString() ?? null,
      stored: { relPath: r.relPath, dupNumber: r.dupNumber },
    });
  }
  const placements = assignPlacements(inputs);
  const rows: ListedMediaRow[] = [];
  for (const [i, p] of toPlace.entries()) {
    const placement = placements[i];
    if (placement === undefined) continue;
    const row: ListedMediaRow = p.remote
      ? toRow(p.remote, p.folderId, placement, deps.filters, deps.source)
      : replaced(p.row as MediaRow, placement);
    row.listingHash = listingHash(row);
    rows.push(row);
  }
  return rows;
}

/** A stored row at its new place (its folder moved): same item, same bytes. */
function replaced(r: MediaRow, placement: Placement): ListedMediaRow {
  return {
    source: r.source,
    remoteId: r.remoteId,
    folderId: r.folderId,
    relPath: placement.relPath,
    pathKey: placement.pathKey,
    originalName: r.originalName,
    baseName: placement.baseName,
    dupNumber: placement.dupNumber,
    size: r.size,
    md5: r.md5,
    sha256: r.sha256,
    mimeType: r.mimeType,
    takenTime: r.takenTime,
    createdTime: r.createdTime,
    modifiedTime: r.modifiedTime,
    state: r.state === 'skipped' || r.state === 'restricted' ? r.state : 'pending',
    restriction: r.restriction,
  };
}
