/**
 * Where the items of a full Drive listing go, one local folder at a time. Pure.
 *
 * assignPlacements numbers the items whose paths collide by pathKey. Two paths can only share a
 * pathKey when their folders' paths do (a name holds no `/`, and neither NFC nor lowercasing
 * works across one), so placing each group of folders with one pathKey on its own gives exactly
 * what placing the whole listing at once gives (test/unit/drive-placement.test.ts proves it on
 * folders whose names differ by case). The index phase places a group just before it writes that
 * group's rows: it never holds more placements than the largest folder has items, where placing
 * the whole listing at once held every item's input, entry and placement together (100,000
 * items: 58 MB of heap at the embedded index's peak).
 */
import type { RemoteMedia } from '../../../remote/types.ts';
import { assignPlacements, type LayoutInput, type Placement } from '../../../tree/layout.ts';
import { pathKey } from '../../../tree/sanitize.ts';
import type { FolderPaths } from './folders.ts';

/** What the index phase needs of a stored row. */
export interface StoredItem {
  relPath: string;
  dupNumber: number;
  originalName: string;
  createdTime: string | null;
  listingHash: string | null;
  /** False for rows left out by a filter (`skipped`) or no longer upstream (`gone`). */
  wanted: boolean;
}

/** The listed items of one pathKey of folder, and the stored rows there that were not listed. */
export interface PlanGroup {
  /** Indices into the plan's `kept`, in listing order. */
  members: number[];
  /** Stored rows not listed now: their files are still on disk, so they take part in the numbering. */
  unlisted: LayoutInput[];
}

/** A full listing grouped for placement; `kept[i]` and `folderIds[i]` describe one item. */
export interface ListingPlan<T> {
  /** The items inside the backup, as listed (RemoteMedia, or packed). */
  kept: T[];
  /** Each kept item's parent folder: the first of its parents inside the backup. */
  folderIds: string[];
  /** In the order of their first item in the listing. */
  groups: PlanGroup[];
}

/** One kept item with its place. */
export interface PlacedItem {
  /** Its index in the plan's `kept`. */
  index: number;
  item: RemoteMedia;
  placement: Placement;
}

/**
 * Groups a full listing by folder. An item listed through a parent outside the backup is left out
 * (it cannot happen, but never guess). `read` unpacks one item (packed listings); the kept items
 * stay as they were given.
 */
export function planListing<T>(
  listed: readonly T[],
  paths: FolderPaths,
  stored: ReadonlyMap<string, StoredItem>,
  read: (item: T) => RemoteMedia,
): ListingPlan<T> {
  const plan: ListingPlan<T> = { kept: [], folderIds: [], groups: [] };
  const byKey = new Map<string, PlanGroup>();
  // Each parent folder's group and id: one pathKey and one id string per folder, not per item
  // (an unpacked item's parents are strings of its own).
  const byFolder = new Map<string, { group: PlanGroup; id: string }>();
  const groupOf = (dir: string): PlanGroup => {
    const key = pathKey(dir);
    let group = byKey.get(key);
    if (group === undefined) {
      byKey.set(key, (group = { members: [], unlisted: [] }));
      plan.groups.push(group);
    }
    return group;
  };
  // Listed ids, to find the stored rows not listed (none to find in a first pass).
  const listedIds = stored.size > 0 ? new Set<string>() : undefined;
  for (const listedItem of listed) {
    const item = read(listedItem);
    const parent = paths.firstKnown(item.parents);
    const dir = parent === undefined ? undefined : paths.pathOf(parent);
    if (parent === undefined || dir === undefined) continue;
    let folder = byFolder.get(parent);
    if (folder === undefined) byFolder.set(parent, (folder = { group: groupOf(dir), id: parent }));
    folder.group.members.push(plan.kept.length);
    plan.kept.push(listedItem);
    plan.folderIds.push(folder.id);
    listedIds?.add(item.id);
  }
  for (const [id, prev] of stored) {
    if (listedIds === undefined || listedIds.has(id)) continue;
    const dir = prev.relPath.slice(0, prev.relPath.lastIndexOf('/'));
    // A folder with no listed item: nothing there to place.
    byKey.get(pathKey(dir))?.unlisted.push({
      id,
      dir,
      name: prev.originalName,
      createdTime: prev.createdTime,
      stored: { relPath: prev.relPath, dupNumber: prev.dupNumber },
    });
  }
  return plan;
}

/**
 * Places one group. A listed item keeps its stored place unless `replaceStored` (--flush-index);
 * stored rows not listed keep theirs. Returns the group's listed items in its order.
 */
export function placeGroup<T>(
  plan: ListingPlan<T>,
  group: PlanGroup,
  paths: FolderPaths,
  stored: ReadonlyMap<string, StoredItem>,
  replaceStored: boolean,
  read: (item: T) => RemoteMedia,
): PlacedItem[] {
  const items = group.members.map((i) => read(plan.kept[i] as T));
  const inputs: LayoutInput[] = items.map((item, n) => {
    const prev = stored.get(item.id);
    return {
      id: item.id,
      dir: paths.pathOf(plan.folderIds[group.members[n] as number] as string) as string,
      name: item.name,
      createdTime: item.createdTime,
      stored: prev && !replaceStored ? { relPath: prev.relPath, dupNumber: prev.dupNumber } : null,
    };
  });
  // Placements past the listed ones' are of the unlisted rows: they only took part.
  const placements = assignPlacements(inputs.concat(group.unlisted));
  return items.map((item, n) => ({
    index: group.members[n] as number,
    item,
    placement: placements[n] as Placement,
  }));
}
