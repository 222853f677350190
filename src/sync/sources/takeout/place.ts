/**
 * Files the new and changed items of an export into photos/ (see file-export.ts for the crash
 * contract): paths assigned with the other trees' rules (sanitised names, `stem (n).ext` for
 * case-folded collisions, stored numbers kept), rows written `pending`, staged files renamed into
 * place with their taken time as mtime, folders fsynced, rows marked `done`.
 */
import PQueue from 'p-queue';
import type { ListedMediaRow, MediaRow } from '../../../index/media-repo.ts';
import { assignPlacements, type LayoutInput } from '../../../tree/layout.ts';
import { datedDir } from '../../../tree/photos-layout.ts';
import { pathKey } from '../../../tree/sanitize.ts';
import { fileStaged, stagedRel, syncDirs } from '../../../tree/staging.ts';
import { setMtime, statLocal } from '../../../tree/local.ts';
import { dateOf } from './catalogue.ts';
import { bySidecar, mimeOf, takenOf } from './decide.ts';
import type { FileExportDeps, Resolved } from './file-export.ts';

export const PHOTOS_DIR = 'photos';

/** Files renamed into place at once. */
const FILE_WIDTH = 8;
/** Items placed, renamed and marked done per chunk (see chunksByDir). */
const FILE_CHUNK = 2000;

export interface Placed {
  added: number;
  changed: number;
  bytes: number;
}

/** The media row that holds an item's bytes. */
export type MediaRef = { source: 'drive' | 'takeout'; remoteId: string };

/**
 * The media row of a resolved item once filing placed it: the Drive item or the file filed before
 * that its action names, or its own file in photos/ (the row's id is the item's); undefined when
 * it was to be filed and was not. Made when asked for: a map of them held one an item.
 */
export function mediaOf(r: Resolved): MediaRef | undefined {
  const a = r.action;
  if (a.kind === 'drive') return { source: 'drive', remoteId: a.driveId };
  if (a.kind === 'unchanged') return { source: a.ref.mediaSource, remoteId: a.ref.mediaRemoteId };
  return r.filed ? { source: 'takeout', remoteId: r.itemId } : undefined;
}

/**
 * The name an item is filed under: its sidecar's title (the original name, never cut), with the
 * archive's extension when the title has none; without a sidecar, its archive name less the
 * `(n)` Takeout adds to tell two files of one folder apart (the tree numbers its own duplicates).
 */
export function fileNameOf(r: Resolved): string {
  const title = r.draft.facts?.title ?? r.draft.archiveName.replace(/\(\d+\)(?=\.[^.]*$)/, '');
  if (/\.[A-Za-z0-9]{2,5}$/.test(title)) return title;
  const ext = /\.[A-Za-z0-9]{2,5}$/.exec(r.draft.archiveName)?.[0] ?? '';
  return title + ext;
}

export async function fileItems(
  deps: FileExportDeps,
  resolved: readonly Resolved[],
): Promise<Placed> {
  const placed: Placed = { added: 0, changed: 0, bytes: 0 };
  const toFile = resolved.filter((r) => r.action.kind === 'new' || r.action.kind === 'changed');
  const chunks = chunksByDir(toFile);
  for (const [i, chunk] of chunks.entries()) {
    await fileChunk(deps, chunk, placed);
    // Statistics once the first chunk is written: without any, the planner read every Takeout
    // row for each chunk's folders (inDirs) instead of their index (57 asks, 2 -> 116 ms each).
    if (i === 0 && chunks.length > 1) await deps.media.analyze();
  }
  await redate(deps, resolved);
  return placed;
}

/**
 * The items to file in chunks of about FILE_CHUNK, in folder order: a chunk's rows, layout
 * inputs and renames are all that is held at once, and a chunk's neighbours (the rows of its
 * folders, earlier chunks' among them) are few. The order is a pure function of the items, so
 * a pass killed while filing assigns the same paths again (and a row's stored path is kept).
 */
export function chunksByDir(toFile: readonly Resolved[]): Resolved[][] {
  const keyed = toFile.map((r, i) => ({ r, i, dir: datedDir(PHOTOS_DIR, takenOf(r)) }));
  keyed.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : a.i - b.i));
  const out: Resolved[][] = [];
  for (let i = 0; i < keyed.length; i += FILE_CHUNK)
    out.push(keyed.slice(i, i + FILE_CHUNK).map((k) => k.r));
  return out;
}

/** Files one chunk: rows `pending` with their paths, renames, folders fsynced, rows `done`. */
async function fileChunk(
  deps: FileExportDeps,
  toFile: readonly Resolved[],
  placed: Placed,
): Promise<void> {
  const rows = await placeRows(deps, toFile);
  await deps.media.upsertListed(rows.values(), new Date());
  const dirs = new Set<string>();
  const done: string[] = [];
  // Renames are cheap but each waits on the disk: a few in flight keep it busy.
  const queue = new PQueue({ concurrency: FILE_WIDTH });
  const fileIt = async (r: Resolved): Promise<void> => {
    deps.signal.throwIfAborted();
    const row = rows.get(r.itemId) as ListedMediaRow;
    if (!(await fileOne(deps, r, row))) return;
    dirs.add(row.relPath.slice(0, row.relPath.lastIndexOf('/')));
    done.push(r.itemId);
    r.filed = true;
    placed.bytes += r.draft.size;
    if (r.action.kind === 'changed') placed.changed++;
    else placed.added++;
  };
  try {
    await Promise.all(toFile.map((r) => queue.add(() => fileIt(r))));
  } catch (err) {
    // Nothing new starts; what is in flight ends before the error goes up.
    queue.clear();
    await queue.onIdle();
    throw err;
  }
  await syncDirs(deps.root, dirs);
  await deps.media.markMany(
    done.map((id) => ({
      source: 'takeout',
      remoteId: id,
      state: 'done',
      downloadedAt: new Date(),
    })),
  );
}

/**
 * Gives the better date to items filed before with a fallback date whose sidecar this export
 * matched (it sat in a part that was damaged then): their mtime becomes the sidecar's taken
 * time. Their path stays: a filed item never moves.
 */
async function redate(deps: FileExportDeps, resolved: readonly Resolved[]): Promise<void> {
  const better = resolved.filter(
    (r) =>
      r.action.kind === 'unchanged' &&
      r.action.ref.mediaSource === 'takeout' &&
      r.takenMs !== null &&
      bySidecar(r.dateSource) &&
      !bySidecar(r.action.ref.dateSource),
  );
  if (better.length === 0) return;
  const rows = await deps.media.byIds(
    'takeout',
    better.map((r) => r.itemId),
  );
  const taken = new Map(better.map((r) => [r.itemId, takenOf(r) as Date]));
  for (const row of rows) {
    if (row.state === 'done')
      await setMtime(deps.root, row.relPath, taken.get(row.remoteId) as Date);
  }
}

/** Moves one staged copy into place; false (logged) when it has none and is not in place. */
async function fileOne(deps: FileExportDeps, r: Resolved, row: ListedMediaRow): Promise<boolean> {
  const staged = r.draft.staged;
  if (staged !== null) {
    const from = stagedRel(deps.exportId, staged.part, staged.entry);
    if (await fileStaged(deps.root, from, row.relPath, takenOf(r))) return true;
  }
  // Filed by a pass killed before it recorded it: the file is in place already.
  const here = await statLocal(deps.root, row.relPath);
  if (here.exists && here.size === r.draft.size) return true;
  deps.log.warn(
    { item: fileNameOf(r), path: row.relPath },
    'Takeout item has no readable copy in this export; not filed',
  );
  return false;
}

/** Assigns photos/ paths to the items to file, beside what those folders already hold. */
async function placeRows(
  deps: FileExportDeps,
  toFile: readonly Resolved[],
): Promise<Map<string, ListedMediaRow>> {
  const dirOf = (r: Resolved, existing: MediaRow | undefined): string =>
    existing
      ? existing.relPath.slice(0, existing.relPath.lastIndexOf('/'))
      : datedDir(PHOTOS_DIR, takenOf(r));
  // A takeout item's media row has the item's id: a changed item keeps its path, a pass killed
  // while filing finds the paths it had assigned.
  const ids = toFile.map((r) => r.itemId);
  const mine = new Map((await deps.media.byIds('takeout', ids)).map((m) => [m.remoteId, m]));
  const dirs = [...new Set(toFile.map((r) => dirOf(r, mine.get(r.itemId))))];
  const neighbours = (await deps.media.inDirs('takeout', dirs.map(pathKey))).filter(
    (m) => !mine.has(m.remoteId),
  );
  const inputs: LayoutInput[] = [
    ...neighbours.map((m) => ({
      id: m.remoteId,
      dir: m.relPath.slice(0, m.relPath.lastIndexOf('/')),
      name: m.originalName,
      createdTime: m.createdTime?.toISOString() ?? null,
      stored: { relPath: m.relPath, dupNumber: m.dupNumber },
    })),
    ...toFile.map((r) => {
      const m = mine.get(r.itemId);
      return {
        id: r.itemId,
        dir: dirOf(r, m),
        name: fileNameOf(r),
        createdTime: takenOf(r)?.toISOString() ?? null,
        stored: m ? { relPath: m.relPath, dupNumber: m.dupNumber } : null,
      };
    }),
  ];
  const byId = new Map(assignPlacements(inputs).map((p) => [p.id, p]));
  const rows = new Map<string, ListedMediaRow>();
  for (const r of toFile) {
    const p = byId.get(r.itemId);
    if (p === undefined) continue;
    rows.set(r.itemId, {
      source: 'takeout',
      remoteId: r.itemId,
      folderId: null,
      relPath: p.relPath,
      pathKey: p.pathKey,
      originalName: fileNameOf(r),
      baseName: p.baseName,
      dupNumber: p.dupNumber,
      size: r.draft.size,
      md5: r.draft.md5,
      mimeType: mimeOf(r.draft.archiveName),
      takenTime: takenOf(r),
      createdTime: dateOf(r.draft.facts?.createdMs ?? null),
      modifiedTime: dateOf(r.draft.facts?.modifiedMs ?? null),
      state: 'pending',
    });
  }
  return rows;
}
