/**
 * A whole Drive listing placed, as the index phase places it group by group (placement.ts): the
 * decision tables read placements by listed item.
 */
import type { RemoteMedia } from '../../src/remote/types.ts';
import type { FolderPaths } from '../../src/sync/sources/drive/folders.ts';
import {
  placeGroup,
  planListing,
  type StoredItem,
} from '../../src/sync/sources/drive/placement.ts';
import type { Placement } from '../../src/tree/layout.ts';

export function placeListing<T = RemoteMedia>(
  listed: readonly T[],
  paths: FolderPaths,
  stored: ReadonlyMap<string, StoredItem>,
  replaceStored: boolean,
  read: (item: T) => RemoteMedia = (item) => item as RemoteMedia,
): { kept: T[]; folderIds: string[]; placements: Placement[] } {
  const plan = planListing(listed, paths, stored, read);
  const placements: Placement[] = [];
  for (const group of plan.groups) {
    for (const p of placeGroup(plan, group, paths, stored, replaceStored, read)) {
      placements[p.index] = p.placement;
    }
  }
  return { kept: plan.kept, folderIds: plan.folderIds, placements };
}
