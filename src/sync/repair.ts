/**
 * `verify --repair`: what verify found missing or damaged goes back to pending and is downloaded
 * again by one pass, exactly as `sync` downloads; album folders with broken or missing entries are
 * linked again; temp files of a stopped pass are removed. Unknown files are never touched.
 */
import { removeStaleParts } from '../tree/sweep.ts';
import { runPass, type PassDeps, type PassResult } from './engine.ts';
import { SOURCES } from './sources/registry.ts';
import { itemKey, type VerifyProblem } from './verify-problems.ts';

export interface RepairPlan {
  /** Media rows set back to `pending` (their keys, for the recheck). */
  items: Set<string>;
  /** Albums whose folder the link phase must look at again. */
  albums: number;
  /** Temp files removed. */
  leftovers: number;
  /** Whether a pass must run (something to download or to link). */
  pass: boolean;
  /** Whether the pass lists Google first (Photos-only items need fresh URLs from album feeds). */
  listing: boolean;
}

/**
 * The first half of a repair, while the caller holds the pass lock: missing and changed files of
 * downloaded rows go back to `pending`, album folders with broken or missing entries lose their
 * links hash (so the link phase reconciles them), and temp files of a stopped pass are removed.
 * Rows in state `gone` are left alone (nothing to download); unknown files are never touched.
 */
export async function prepareRepair(
  deps: Pick<PassDeps, 'root' | 'media' | 'albums' | 'log'>,
  problems: readonly VerifyProblem[],
): Promise<RepairPlan> {
  const items = new Set<string>();
  const updates = [];
  const albumIds = new Set<string>();
  const leftoverDirs = new Set<string>();
  let listing = false;
  for (const p of problems) {
    if (p.albumId !== undefined && p.kind !== 'leftover') albumIds.add(p.albumId);
    if (p.kind === 'leftover') leftoverDirs.add(p.path.slice(0, p.path.lastIndexOf('/')));
    if (!p.item || p.item.state === 'gone') continue;
    if (p.kind !== 'missing' && p.kind !== 'changed') continue;
    items.add(itemKey(p.item.source, p.item.remoteId));
    if (refetchNeedsIndex(p.item.source)) listing = true;
    updates.push({ source: p.item.source, remoteId: p.item.remoteId, state: 'pending' as const });
  }
  await deps.media.markMany(updates);
  for (const id of albumIds) await deps.albums.setLinks(id, new Map(), null);
  const plan: RepairPlan = {
    items,
    albums: albumIds.size,
    leftovers: await removeStaleParts(deps.root, leftoverDirs),
    pass: items.size > 0 || albumIds.size > 0,
    listing,
  };
  deps.log.info(
    { items: items.size, albums: plan.albums, leftovers: plan.leftovers, listing },
    'repair planned',
  );
  return plan;
}

/**
 * The second half: one pass (`runPass`: the pacer, md5-checked atomic downloads, album links,
 * exactly as `sync`). It lists Google only when the plan says so: Photos-only items are fetched
 * from URLs the album feeds give, and those expire. Without a listing the pass downloads what the
 * index lists, so items still pending from an earlier pass are downloaded too.
 */
export function runRepairPass(deps: PassDeps, plan: RepairPlan): Promise<PassResult> {
  deps.log.info('repairing: downloading again what is missing or damaged');
  return runPass({
    ...deps,
    options: { ...deps.options, indexOnly: false, skipIndex: !plan.listing },
  });
}

/** Whether fetching an item of `source` again needs its index phase first (Source.refetch). */
const refetchNeedsIndex = (source: string): boolean =>
  SOURCES.find((s) => s.name === source)?.refetch === 'index';
