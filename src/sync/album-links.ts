/**
 * The albums phase: one folder per album under albums/, each entry a link (or copy) of the file
 * (in drive/, picasa/: a source's top folder) that holds the member's bytes. Albums of any source
 * are linked alike: only the album and album item rows count.
 *
 * Contract:
 * - Folders: `albums/YYYY/MMDD <title>` (the album's own date, UTC), `(n)` for a second album
 *   with the same folder name, kept from pass to pass. Auto Backup (InstantUpload) and
 *   ProfilePhotos albums, albums with no members and albums gone upstream get no folder.
 * - Entries: the members' file names, `stem (n).ext` for two members with one name, kept from
 *   pass to pass; only members whose file is downloaded are linked (the next pass links the rest).
 * - In place: a folder whose wanted entries did not change since it was last fully linked is not
 *   even read (the stored links hash); otherwise it is reconciled entry by entry, so a pass killed
 *   half way is completed by the next one, never rebuilt from scratch.
 * - Folders of renamed or vanished albums are removed (they hold only our links) unless the pass
 *   is limited to one album (`--album`).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AlbumRepo, AlbumRow, AlbumTarget } from '../index/album-repo.ts';
import { assignAlbumEntries, assignAlbumFolders } from '../tree/album-layout.ts';
import { reconcileAlbumFolder, removeAlbumFolders, type LinkMode } from '../tree/links.ts';
import { pathKey } from '../tree/sanitize.ts';

export interface AlbumLinksDeps {
  root: string;
  albums: AlbumRepo;
  log: Logger;
  signal: AbortSignal;
  mode: LinkMode;
  /** Only the album with this exact title (`--album`); null for all. */
  albumTitle: string | null;
}

export interface AlbumLinksResult {
  /** Album folders that should exist. */
  folders: number;
  /** Folders reconciled this pass (the others were unchanged). */
  visited: number;
  added: number;
  replaced: number;
  removed: number;
  /** Members not linked because their file is not downloaded. */
  waiting: number;
  /** Folders of renamed or gone albums removed. */
  removedFolders: number;
}

/** Album types that never get a folder: Google's own streams, not albums a person made. */
const NO_FOLDER_TYPES = new Set(['InstantUpload', 'ProfilePhotos']);

function wantsFolder(a: AlbumRow): boolean {
  return a.goneAt === null && a.listedCount > 0 && !NO_FOLDER_TYPES.has(a.albumType ?? '');
}

export async function linkAlbums(deps: AlbumLinksDeps): Promise<AlbumLinksResult> {
  const { log } = deps;
  const started = Date.now();
  const all = await deps.albums.all();
  const eligible = all.filter(wantsFolder);
  const folders = assignAlbumFolders(
    eligible.map((a) => ({ id: a.albumId, title: a.title, timestamp: a.albumTime })),
    new Map(
      eligible.filter((a) => a.relPath !== null).map((a) => [a.albumId, a.relPath as string]),
    ),
  );
  const result: AlbumLinksResult = {
    folders: folders.size,
    visited: 0,
    added: 0,
    replaced: 0,
    removed: 0,
    waiting: 0,
    removedFolders: 0,
  };
  // Every folder change at once: a renamed album may free a name another album takes now.
  const changes = folderChanges(all, folders);
  await deps.albums.setFolders(changes);
  for (const a of all) {
    if (!changes.has(a.albumId)) continue;
    a.relPath = changes.get(a.albumId)?.relPath ?? null;
    a.linksHash = null;
  }
  const warn = { fellBack: false };
  for (const album of eligible) {
    if (deps.albumTitle !== null && album.title !== deps.albumTitle) continue;
    deps.signal.throwIfAborted();
    await linkAlbum(deps, album, folders.get(album.albumId) as string, result, warn);
  }
  if (deps.albumTitle === null) {
    const removed = await removeAlbumFolders(deps.root, new Set(folders.values()), {
      mode: deps.mode,
      log,
      signal: deps.signal,
    });
    result.removedFolders = removed.removedFolders;
  }
  log.info({ ...result, seconds: (Date.now() - started) / 1000 }, 'album folders linked');
  return result;
}

/** The folder of every album whose folder changes (null: it has none now). Pure. */
export function folderChanges(
  all: readonly AlbumRow[],
  folders: ReadonlyMap<string, string>,
): Map<string, { relPath: string; pathKey: string } | null> {
  const changes = new Map<string, { relPath: string; pathKey: string } | null>();
  for (const a of all) {
    const folder = folders.get(a.albumId) ?? null;
    if (folder !== a.relPath) {
      changes.set(
        a.albumId,
        folder === null ? null : { relPath: folder, pathKey: pathKey(folder) },
      );
    }
  }
  return changes;
}

/**
 * The entries of an album folder (entry name -> target), those to link now (their file is
 * downloaded), and how many members still wait for their file. Pure.
 */
export function wantedEntries(targets: readonly AlbumTarget[]): {
  entries: Map<string, string>;
  desired: Map<string, string>;
  waiting: number;
} {
  const previous = new Map<string, string>();
  for (const t of targets) if (t.entryName !== null) previous.set(t.entryName, t.relPath);
  const entries = assignAlbumEntries(
    targets.map((t) => ({ target: t.relPath, name: t.name })),
    previous,
  );
  const ready = new Set(targets.filter((t) => t.state === 'done').map((t) => t.relPath));
  const desired = new Map([...entries].filter(([, target]) => ready.has(target)));
  return { entries, desired, waiting: entries.size - desired.size };
}

/** Brings one album folder in line with its members, unless nothing changed since last time. */
async function linkAlbum(
  deps: AlbumLinksDeps,
  album: AlbumRow,
  folder: string,
  result: AlbumLinksResult,
  warn: { fellBack: boolean },
): Promise<void> {
  const targets = await deps.albums.targetsOf(album.albumId);
  const { entries, desired, waiting } = wantedEntries(targets);
  const hash = linksHash(folder, deps.mode, desired);
  if (album.linksHash === hash && waiting === 0) return;

  const res = await reconcileAlbumFolder(deps.root, folder, desired, deps.mode, {
    log: deps.log.child({ album: album.title }),
    signal: deps.signal,
  });
  result.visited++;
  result.added += res.added;
  result.replaced += res.replaced;
  result.removed += res.removed;
  result.waiting += waiting + res.missingTargets;
  if (res.fellBackToCopy && !warn.fellBack) {
    warn.fellBack = true;
    deps.log.warn(
      { album: album.title },
      'hard links are not possible between albums/ and the files (another file system?): copying instead',
    );
  }
  const entryOf = new Map<string, string>();
  const nameOfTarget = new Map([...entries].map(([name, target]) => [target, name]));
  for (const t of targets) {
    const name = nameOfTarget.get(t.relPath);
    if (name !== undefined) entryOf.set(t.photoId, name);
  }
  const complete = waiting === 0 && res.missingTargets === 0;
  await deps.albums.setLinks(album.albumId, entryOf, complete ? hash : null);
}

/** What a folder's content depends on: where it is, how it links, and every entry. */
function linksHash(folder: string, mode: LinkMode, desired: ReadonlyMap<string, string>): string {
  const h = createHash('sha1').update(`${folder}\u0000${mode}\n`);
  for (const [name, target] of [...desired].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    h.update(`${name}\u0000${target}\n`);
  }
  return h.digest('base64');
}
