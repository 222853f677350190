/**
 * Files an export whose parts were all read: every item dated, new items renamed from staging
 * into `photos/YYYY/MM/<title>`, changed ones given their new bytes, albums recorded, and (for an
 * export the user says is complete) what it no longer holds recorded gone. Then the staging
 * folder and the catalogue are dropped.
 *
 * Crash safety: media rows are written `pending` with their paths before any rename and marked
 * `done` after; a pass killed in between files the export again from the same catalogue, finds
 * the rows (same ids, same paths) and the files already moved, and completes them.
 */
import type { Logger } from 'pino';
import type { AlbumRepo } from '../../../index/album-repo.ts';
import { mediaStates, type ListedMediaRow, type MediaRepo } from '../../../index/media-repo.ts';
import type { TakeoutItemRow, TakeoutRepo } from '../../../index/takeout-repo.ts';
import { ownString } from '../../../lib/own-string.ts';
import { readExifDate } from '../../../tree/exif-date.ts';
import { resolveInside } from '../../../tree/layout.ts';
import { dropStaging, stagedRel } from '../../../tree/staging.ts';
import type { SidecarFacts } from '../../../remote/takeout/types.ts';
import { buildCatalogue, reviveJson, type Catalogue, type ItemDraft } from './catalogue.ts';
import {
  bySidecar,
  dateSources,
  dateItem,
  decide,
  identityOf,
  itemIdOf,
  takenOf,
  type Action,
  type Dated,
  type DateSource,
  type ItemRef,
  type Known,
} from './decide.ts';
import { fileItems, mediaOf, type MediaRef, type Placed } from './place.ts';
import { StepClock } from './steps.ts';
import { recordAlbums } from './takeout-albums.ts';

export interface FileExportDeps {
  root: string;
  repo: TakeoutRepo;
  media: MediaRepo;
  albums: AlbumRepo;
  log: Logger;
  signal: AbortSignal;
  exportId: string;
  /** The user says this export holds the whole library: what it lacks is recorded gone. */
  complete: boolean;
}

export interface FileExportResult {
  added: number;
  changed: number;
  unchanged: number;
  /** Items the Drive tree already holds (linked, not copied). */
  inDrive: number;
  trashed: number;
  bad: number;
  dated: Record<DateSource, number>;
  albums: number;
  gone: number;
  bytes: number;
}

/**
 * One item with everything decided, its date among it (a Dated of its own was 40 bytes an item,
 * and filing holds every item).
 */
export interface Resolved extends Dated {
  draft: ItemDraft;
  /**
   * Who it is from export to export (decide.ts `identityOf`); null when that is `url:` and its
   * URL, which the item holds already (most items: 150 bytes an item not held twice).
   */
  identity: string | null;
  itemId: string;
  action: Action;
  /** Its bytes are in photos/ (place.ts sets it once they are; see `mediaOf`). */
  filed: boolean;
}

/** An item's identity, made again when it is null (see Resolved). */
const identityOfResolved = (r: Resolved): string => r.identity ?? `url:${r.draft.facts?.url ?? ''}`;

export async function fileExport(deps: FileExportDeps): Promise<FileExportResult> {
  const { log } = deps;
  const clock = new StepClock(log);
  const cat = await buildCatalogue(deps.repo.entriesOf(deps.exportId));
  clock.done('catalogue', { items: cat.items.size });
  // What was filed before (two map entries an item) is let go once every item is decided.
  const resolved = await resolveAll(deps, cat, await loadKnown(deps));
  // Every draft is in `resolved` now; the map by content is not read again.
  cat.items.clear();
  clock.done('date');
  const placed = await fileItems(deps, resolved);
  // The planner does not know of the rows just written: without statistics it read each album's
  // members through the wrong index of media_items, a scan of every Takeout row per member
  // (20,000 items: 11 s recording albums on server Postgres, 40 s on the embedded index).
  if (placed.added + placed.changed > ANALYZE_AFTER) await deps.media.analyze();
  clock.done('place', { filed: placed.added + placed.changed });
  await recordItems(deps, resolved);
  clock.done('record items');
  const albums = await recordAlbums(deps, cat, resolved);
  clock.done('record albums', { albums });
  const gone = deps.complete ? await recordGone(deps) : 0;
  const anyBad = (await deps.repo.parts(deps.exportId)).some((p) => p.state === 'bad');
  await deps.repo.finishExport(deps.exportId, placed.added, anyBad);
  await dropStaging(deps.root, deps.exportId);
  const result = summarize(cat, resolved, placed, albums, gone);
  logFallbacks(log, resolved);
  log.info({ exportId: deps.exportId, ...result }, 'Takeout export filed');
  return result;
}

/** Names every item filed this pass whose date did not come from a sidecar (its own or its partner's). */
function logFallbacks(log: Logger, resolved: readonly Resolved[]): void {
  for (const r of resolved) {
    if (r.action.kind === 'unchanged' || r.dateSource === 'sidecar' || r.dateSource === 'partner')
      continue;
    log.info(
      {
        item: r.draft.facts?.title ?? r.draft.archiveName,
        dateSource: r.dateSource,
        taken: takenOf(r),
      },
      'Takeout item dated without a sidecar date',
    );
  }
}

async function loadKnown(deps: FileExportDeps): Promise<Known> {
  const known: Known = { byIdentity: new Map(), byContent: new Map(), drive: new Map() };
  // One ref an item filed before, keyed twice: a later export of the whole library holds them
  // all (the identity by its hash: a quarter of its length).
  for await (const page of deps.repo.iterateContents()) {
    for (const c of page) {
      const ref: ItemRef = {
        itemId: c.itemId,
        mediaSource: c.mediaSource,
        mediaRemoteId: c.mediaRemoteId === c.itemId ? c.itemId : c.mediaRemoteId,
        dateSource: dateSources.find((s) => s === c.dateSource) ?? c.dateSource,
      };
      known.byIdentity.set(itemIdOf(c.identity), ref);
      known.byContent.set(`${c.md5}:${c.size}`, ref);
    }
  }
  // Drive items still upstream, with only what matching by name and size needs.
  const states = mediaStates.filter((s) => s !== 'gone');
  for await (const rows of deps.media.iterateNames('drive', { states })) {
    for (const r of rows) {
      if (r.size !== null) known.drive.set(`${r.originalName}|${r.size}`, r.remoteId);
    }
  }
  return known;
}

/** Dates (partners first: edited copies and companions take their dates) and decides each item. */
async function resolveAll(deps: FileExportDeps, cat: Catalogue, known: Known): Promise<Resolved[]> {
  const datedOf = new Map<string, Dated>();
  const used = new Set<string>();
  const order = [...cat.items.values()].sort(
    (a, b) => Number(a.partner !== null) - Number(b.partner !== null),
  );
  const out: Resolved[] = [];
  for (const draft of order) {
    deps.signal.throwIfAborted();
    const partner = draft.partner === null ? undefined : cat.items.get(draft.partner);
    const dated = await dateItem(draft, partner, () => exifOf(deps, draft));
    datedOf.set(draft.content, dated);
    const partnerDated = partner === undefined ? undefined : datedOf.get(partner.content);
    const { identity, key } = uniqueIdentity(
      identityOf(draft, dated, partner, partnerDated),
      draft,
      used,
    );
    const action = decide(draft, key, known);
    const itemId =
      action.kind === 'unchanged' || action.kind === 'changed' ? action.ref.itemId : key;
    const url = draft.facts?.url ?? null;
    const held = url !== null && identity === `url:${url}` ? null : ownString(identity);
    out.push({
      draft,
      takenMs: dated.takenMs,
      dateSource: dated.dateSource,
      identity: held,
      itemId,
      action,
      filed: false,
    });
  }
  return out;
}

/**
 * Two items of one export with one identity are two files one sidecar describes (a "forgotten
 * duplicate": `IMG_P.jpg` and `IMG_P(1).jpg` share `IMG_P.jpg.json`): the second is told apart by
 * its archive name, then by its bytes.
 */
function uniqueIdentity(
  identity: string,
  draft: ItemDraft,
  used: Set<string>,
): { identity: string; key: string } {
  // `used` holds each identity's key (itemIdOf: 25 characters, and the id of a new item), not
  // the identity: filing holds one an item.
  let id = identity;
  let key = itemIdOf(id);
  if (used.has(key)) {
    id = `${identity}#${draft.archiveName}`;
    key = itemIdOf(id);
  }
  if (used.has(key)) {
    id = `${identity}#${draft.md5}`;
    key = itemIdOf(id);
  }
  used.add(key);
  return { identity: id, key };
}

/** The EXIF date of an item's staged copy; null when it has none staged (filed before). */
function exifOf(deps: FileExportDeps, draft: ItemDraft): Promise<Date | null> {
  if (draft.staged === null) return Promise.resolve(null);
  const rel = stagedRel(deps.exportId, draft.staged.part, draft.staged.entry);
  return readExifDate(resolveInside(deps.root, rel));
}

/**
 * Writes the takeout_items rows of the items of this export. An item filed before keeps what it
 * had unless this export says more (a sidecar where it was dated by a fallback); else only its
 * `last_export` moves.
 */
async function recordItems(deps: FileExportDeps, resolved: readonly Resolved[]): Promise<void> {
  // In chunks: a row carries every sidecar fact, read again from the catalogue (an item holds
  // only a few, catalogue.ts), and only one chunk's rows and sidecars are held at once.
  for (let i = 0; i < resolved.length; i += RECORD_CHUNK) {
    const write: Array<{ r: Resolved; media: MediaRef }> = [];
    const seen: string[] = [];
    for (const r of resolved.slice(i, i + RECORD_CHUNK)) {
      const media = mediaOf(r);
      if (media === undefined) continue;
      const a = r.action;
      if (a.kind === 'unchanged' && !(bySidecar(r.dateSource) && !bySidecar(a.ref.dateSource)))
        seen.push(r.itemId);
      else write.push({ r, media });
    }
    const refs = write.flatMap(({ r }) => (r.draft.facts ? [r.draft.facts.sidecar] : []));
    const stored = await deps.repo.factsAt(deps.exportId, refs);
    const sidecarOf = (r: Resolved): SidecarFacts | null => {
      const ref = r.draft.facts?.sidecar;
      if (ref === undefined) return null;
      const json = reviveJson(stored.get(`${ref.part}:${ref.entry}`));
      return json.kind === 'media' ? json.facts : null;
    };
    await deps.repo.upsertItems(
      write.map(({ r, media }) => itemRow(r, sidecarOf(r), media, deps.exportId)),
    );
    await deps.repo.touchItems(seen, deps.exportId);
  }
}

/** Items filed in a pass past which the planner's statistics of media_items are refreshed. */
const ANALYZE_AFTER = 1000;

/** Items recorded per round trip batch (upsertItems splits it further). */
const RECORD_CHUNK = 2000;

/** An item's row; `f` is its whole sidecar (null without one). */
function itemRow(
  r: Resolved,
  f: SidecarFacts | null,
  media: MediaRef,
  exportId: string,
): TakeoutItemRow {
  return {
    itemId: r.itemId,
    identity: identityOfResolved(r),
    mediaSource: media.source,
    mediaRemoteId: media.remoteId,
    kind: r.draft.kind,
    partnerId: null,
    title: r.draft.facts?.title ?? r.draft.archiveName,
    description: f?.description ?? '',
    takenTime: takenOf(r),
    dateSource: r.dateSource,
    createdTime: f?.createdTime ?? null,
    latitude: f?.geo?.latitude ?? null,
    longitude: f?.geo?.longitude ?? null,
    altitude: f?.geo?.altitude ?? null,
    people: f?.people ?? [],
    favorited: f?.favorited ?? false,
    archived: f?.archived ?? false,
    origin: f?.origin ?? null,
    deviceType: f?.deviceType ?? null,
    deviceFolder: f?.deviceFolder ?? null,
    appSource: f?.appSource ?? null,
    url: r.draft.facts?.url ?? null,
    size: r.draft.size,
    crc32: r.draft.crc32,
    md5: r.draft.md5,
    archiveName: r.draft.archiveName,
    firstExport: exportId,
    lastExport: exportId,
  };
}

/** Items of earlier exports that this complete export does not hold: recorded gone. */
async function recordGone(deps: FileExportDeps): Promise<number> {
  const missing = (await deps.repo.itemsNotIn(deps.exportId)).filter(
    (i) => i.mediaSource === 'takeout',
  );
  if (missing.length === 0) return 0;
  return await deps.media.markGone(
    'takeout',
    missing.map((i) => i.mediaRemoteId),
    new Date(),
    `not in the complete Takeout export ${deps.exportId}`,
  );
}

function summarize(
  cat: Catalogue,
  resolved: readonly Resolved[],
  placed: Placed,
  albums: number,
  gone: number,
): FileExportResult {
  const dated = Object.fromEntries(
    (['sidecar', 'partner', 'exif', 'name', 'folder', 'created', 'none'] as const).map((s) => [
      s,
      0,
    ]),
  ) as Record<DateSource, number>;
  for (const r of resolved) if (r.action.kind !== 'unchanged') dated[r.dateSource]++;
  return {
    added: placed.added,
    changed: placed.changed,
    unchanged: resolved.filter((r) => r.action.kind === 'unchanged').length,
    inDrive: resolved.filter((r) => r.action.kind === 'drive').length,
    trashed: cat.trashed,
    bad: cat.bad.length,
    dated,
    albums,
    gone,
    bytes: placed.bytes,
  };
}

export type { ListedMediaRow };
