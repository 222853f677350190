/**
 * The index phase of the Drive pass: list the backed-up part of Drive, give every item its local
 * path, and write folders and items to the index in batches.
 *
 * Contract: on success every listed photo/video is in the index with a unique path and state
 * `pending`, `done`, `failed` (kept from before when its bytes did not change) or `skipped`
 * (filtered). Items indexed before but not listed now keep their rows and their paths, so a new
 * item never takes the name of a file that is still on disk. A listing that fails part way
 * writes nothing (the listing comes first, the writes after).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { SyncError } from '../../../errors/errors.ts';
import { memoryMib } from '../../../lib/memory.ts';
import type { FolderRepo } from '../../../index/folder-repo.ts';
import type { BriefMediaRow, MediaRepo, MediaSource } from '../../../index/media-repo.ts';
import type { ShortcutRepo } from '../../../index/shortcut-repo.ts';
import type { Progress } from '../../../logging/progress.ts';
import { GOOGLE_PHOTOS_FOLDER, type DriveApi, type RemoteMedia } from '../../../remote/types.ts';
import { fileMtime, parseTakenTime, type Placement } from '../../../tree/layout.ts';
import { sanitizeName } from '../../../tree/sanitize.ts';
import { FolderPaths } from './folders.ts';
import { packedId, packMedia, unpackMedia, type PackedMedia } from './packed-media.ts';
import { latestModified } from './photos-folder-check.ts';
import {
  placeGroup,
  planListing,
  type ListingPlan,
  type PlanGroup,
  type StoredItem,
} from './placement.ts';
import {
  dedupeById,
  expandShortcuts,
  storeListedShortcuts,
  type ListingState,
  type ShortcutInput,
} from './shortcut-listing.ts';
import { filteredOut, type FilterOptions } from '../../filters.ts';

/** What both Drive index phases (a full listing, the changes feed) work with. */
export interface DrivePhaseDeps {
  drive: DriveApi;
  media: MediaRepo;
  folders: FolderRepo;
  /**
   * Drive shortcuts (shortcut-listing.ts, shortcut-changes.ts); absent: shortcuts are left out and
   * logged (shared drives: one table of shortcuts serves My Drive alone, as a full listing of one
   * corpus removes the rows it did not see).
   */
  shortcuts?: ShortcutRepo;
  log: Logger;
  progress: Progress;
  signal: AbortSignal;
  filters: FilterOptions;
  /** `media_items.source` of the rows: `drive` (the default), or `shared-drive`. */
  source?: MediaSource;
}

/** Phase deps of My Drive, whose shortcuts are followed. */
export type WithShortcuts<T extends DrivePhaseDeps = DrivePhaseDeps> = T & {
  shortcuts: ShortcutRepo;
};

export interface DriveIndexDeps extends DrivePhaseDeps {
  allDrive: boolean;
  /** The walk's roots (folder id -> path); absent: My Drive's, as `allDrive` says. */
  roots?: Map<string, string>;
  /**
   * `--flush-index`: place every listed item afresh instead of keeping its stored path (items not
   * listed keep theirs, their files being still on disk). Unchanged items get the same paths as
   * before, since placement depends only on the listing.
   */
  replaceStored?: boolean;
}

export const DRIVE_DIR = 'drive';

/** The walk's roots (folder id -> path), and the latest modifiedTime of the Photos folders. */
async function walkRoots(
  deps: DriveIndexDeps,
): Promise<{ roots: Map<string, string>; photosFolderModified: string | null }> {
  const { drive, signal } = deps;
  const myDrive = await drive.myDriveRoot(signal);
  if (deps.allDrive)
    return { roots: new Map([[myDrive.id, DRIVE_DIR]]), photosFolderModified: null };
  const found = await drive.findRootFoldersDated(GOOGLE_PHOTOS_FOLDER, signal);
  if (found.length === 0) {
    throw new SyncError('fatal', `My Drive has no "${GOOGLE_PHOTOS_FOLDER}" folder in its root`, {
      hints: [
        'Google Photos stopped filling that folder in July 2019: back up all of My Drive with --all-drive, and the Photos library with the Takeout source (--takeout)',
      ],
    });
  }
  if (found.length > 1) {
    deps.log.warn(
      { count: found.length },
      `several "${GOOGLE_PHOTOS_FOLDER}" folders; backing up all of them into one`,
    );
  }
  return {
    roots: new Map(found.map((f) => [f.id, `${DRIVE_DIR}/${sanitizeName(f.name)}`])),
    photosFolderModified: latestModified(found),
  };
}

function toDate(s: string | null): Date | null {
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

export async function indexDrive(deps: DriveIndexDeps): Promise<{
  listed: number;
  roots: Map<string, string>;
  photosFolderModified: string | null;
}> {
  const { log } = deps;
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  // A shared drive's root is given (its corpus has no `Google Photos` folder to look for).
  const { roots, photosFolderModified } =
    deps.roots !== undefined
      ? { roots: deps.roots, photosFolderModified: null }
      : await walkRoots(deps);
  const paths = new FolderPaths(roots);
  const st: ListingState = { paths, listed: [], shortcuts: [] };
  await listAll(deps, [...roots.keys()], st);
  const shortcutRows = await shortcutsOf(deps, st);
  const listed = st.listed;
  log.info({ items: listed.length, seconds: seconds() }, 'drive listing done');

  const stored = await storedItems(deps.media, deps.source ?? 'drive');
  log.debug({ seconds: seconds(), stored: stored.size, ...memoryMib() }, 'index read');
  const plan = planListing(listed, paths, stored, unpackMedia);
  listed.length = 0;
  log.debug({ seconds: seconds(), folders: plan.groups.length, ...memoryMib() }, 'listing grouped');

  const seenAt = new Date(started);
  await deps.folders.upsertMany(
    [...paths.entries()].map(({ folder, path, parentId }) => ({
      folderId: folder.id,
      name: folder.name,
      parentId,
      relPath: path,
    })),
    seenAt,
  );
  const { written, unchanged } = await writeListing(deps, paths, plan, stored, seenAt);
  if (deps.shortcuts !== undefined) {
    await storeListedShortcuts({ ...deps, shortcuts: deps.shortcuts }, shortcutRows, seenAt);
  }
  log.debug({ seconds: seconds(), written, unchanged, ...memoryMib() }, 'index written');
  return { listed: written + unchanged, roots, photosFolderModified };
}

/** The listing's shortcuts decided and expanded (or, where `deps.shortcuts` is absent, logged). */
async function shortcutsOf(deps: DrivePhaseDeps, st: ListingState): Promise<ShortcutInput[]> {
  const repo = deps.shortcuts;
  if (repo === undefined) {
    if (st.shortcuts.length > 0) {
      deps.log.info({ shortcuts: st.shortcuts.length }, 'shortcuts in a shared drive left out');
    }
    return [];
  }
  return expandShortcuts({ ...deps, shortcuts: repo }, st, (ids) => listAll(deps, ids, st));
}

/** Every photo, video and shortcut below `rootIds` into `st`; their folders into `st.paths`. */
async function listAll(deps: DrivePhaseDeps, rootIds: string[], st: ListingState): Promise<void> {
  for await (const page of deps.drive.walk(rootIds, deps.signal)) {
    for (const e of page) {
      if (e.kind === 'folder') st.paths.add(e);
      else if (e.kind === 'shortcut') st.shortcuts.push(e);
      else st.listed.push(packMedia(e));
    }
    deps.progress.indexed = st.listed.length;
  }
  // A folder reached twice (by a shortcut, and with a second parent) lists its items again.
  dedupeById(st.listed, packedId);
  dedupeById(st.shortcuts);
}

/** What the index holds, kept compact: 100,000 full rows would double the pass's memory. */
async function storedItems(
  media: MediaRepo,
  source: MediaSource,
): Promise<Map<string, StoredItem>> {
  const stored = new Map<string, StoredItem>();
  for await (const chunk of media.iterateBrief(source)) {
    for (const row of chunk) stored.set(row.remoteId, compact(row));
  }
  return stored;
}

/**
 * Whether a listed row is what the index holds already (same listed columns, same wish to have
 * it): then only its last_seen_at is written. Pure.
 */
export function unchangedRow(prev: StoredItem | undefined, row: ListedRow): boolean {
  return (
    prev !== undefined &&
    prev.listingHash === row.listingHash &&
    prev.wanted === (row.state !== 'skipped')
  );
}

/**
 * Places the listing folder by folder (placement.ts) and writes the new or changed rows; unchanged
 * ones just get last_seen_at. Empties `plan`.
 */
async function writeListing(
  deps: DriveIndexDeps,
  paths: FolderPaths,
  plan: ListingPlan<PackedMedia>,
  stored: ReadonlyMap<string, StoredItem>,
  seenAt: Date,
): Promise<{ written: number; unchanged: number }> {
  const unchanged: string[] = [];
  let written = 0;
  const replace = deps.replaceStored === true;
  // Each group is placed when the upsert asks for its first row, and each listed item is let go
  // as soon as its row is built: the listing is the largest thing in memory, and the embedded
  // index grows while these rows are written. Row order does not matter to the upsert (one
  // transaction; the path key is checked at commit).
  function* changedRows(): Generator<ListedRow> {
    const { kept, folderIds, groups } = plan;
    for (let g = 0; g < groups.length; g++) {
      const placed = placeGroup(plan, groups[g] as PlanGroup, paths, stored, replace, unpackMedia);
      groups[g] = EMPTY_GROUP;
      for (const { index, item, placement } of placed) {
        const row = toRow(item, folderIds[index] ?? null, placement, deps.filters, deps.source);
        kept[index] = RELEASED;
        row.listingHash = listingHash(row);
        if (unchangedRow(stored.get(row.remoteId), row)) {
          unchanged.push(row.remoteId);
          continue;
        }
        written++;
        yield row;
      }
    }
    kept.length = folderIds.length = groups.length = 0;
  }
  await deps.media.upsertListed(changedRows(), seenAt);
  await deps.media.touchSeen(deps.source ?? 'drive', unchanged, seenAt);
  return { written, unchanged: unchanged.length };
}

/** What a placed group and a written item are replaced with, so that they can be collected. */
const EMPTY_GROUP: PlanGroup = { members: [], unlisted: [] };
const RELEASED = '' as PackedMedia;

type ListedRow = Parameters<MediaRepo['upsertListed']>[0] extends Iterable<infer R> ? R : never;

export function compact(row: BriefMediaRow): StoredItem {
  return {
    relPath: row.relPath,
    dupNumber: row.dupNumber,
    originalName: row.originalName,
    createdTime: row.createdTime?.toISOString() ?? null,
    listingHash: row.listingHash,
    wanted: row.state !== 'skipped' && row.state !== 'gone',
  };
}

/**
 * A hash of every column a listing writes, stored with the row: a rerun compares hashes instead
 * of reading and comparing every column of 100,000 rows.
 */
export function listingHash(r: ListedRow): string {
  const t = (d: Date | null) => (d ? d.getTime() : '');
  const text = [
    r.folderId,
    r.relPath,
    r.pathKey,
    r.originalName,
    r.baseName,
    r.dupNumber,
    r.size,
    r.md5,
    r.mimeType,
    t(r.takenTime),
    t(r.createdTime),
    t(r.modifiedTime),
    r.state,
    // Appended only when set, so rows listed without them keep their hashes.
    ...(r.sha256 ? [r.sha256] : []),
    ...(r.restriction ? [r.restriction] : []),
  ].join('\u0000');
  return createHash('sha1').update(text).digest('base64');
}

/** The row of a listed item at its placement. */
export function toRow(
  item: RemoteMedia,
  folderId: string | null,
  p: Omit<Placement, 'id'>,
  filters: FilterOptions,
  source: MediaSource = 'drive',
): ListedRow {
  const when = fileMtime(item.exifTime, item.createdTime);
  const why = filteredOut({ mimeType: item.mimeType, when }, filters);
  return {
    source,
    remoteId: item.id,
    folderId,
    relPath: p.relPath,
    pathKey: p.pathKey,
    // Postgres text cannot hold NUL; the sanitised name on disk has `_` there anyway.
    originalName: item.name.replaceAll('\u0000', '\ufffd'),
    baseName: p.baseName,
    dupNumber: p.dupNumber,
    size: item.size,
    md5: item.md5,
    sha256: item.sha256,
    mimeType: item.mimeType,
    takenTime: parseTakenTime(item.exifTime),
    createdTime: toDate(item.createdTime),
    modifiedTime: toDate(item.modifiedTime),
    // A filter wins: a file left out is not recorded as restricted either.
    state: why !== null ? 'skipped' : item.canDownload ? 'pending' : 'restricted',
    restriction: why === null && !item.canDownload ? 'no-download' : null,
  };
}
