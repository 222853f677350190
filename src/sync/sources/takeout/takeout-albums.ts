/**
 * Records an export's albums in the `albums` tables (source `takeout`), so the albums phase gives
 * each one its `albums/YYYY/MMDD <title>/` folder of links, as for Picasa's albums.
 *
 * - An album is its folder (`takeout:<folder>`), titled by its album JSON (`metadata.json` in any
 *   language: the folder name is cut and sanitised), else by the folder name; dated by the JSON's
 *   date, else by its earliest member.
 * - Members are the album folder's items and, for sidecars whose media sit only in a year folder,
 *   the item each sidecar describes (by Photos URL, else title and taken time).
 * - An export the user says is incremental only adds members; a complete one replaces them and
 *   records albums it no longer holds gone.
 */
import type { AlbumItemRow, ListedAlbum } from '../../../index/album-repo.ts';
import { dateOf, type AlbumDraft, type Catalogue, type HeldFacts } from './catalogue.ts';
import { mimeOf, takenOf } from './decide.ts';
import type { FileExportDeps, Resolved } from './file-export.ts';
import { fileNameOf, mediaOf } from './place.ts';

const albumIdOf = (folder: string): string => `takeout:${folder}`;

interface Member {
  r: Resolved | null;
  itemId: string;
  media: { source: 'drive' | 'takeout'; remoteId: string };
  name: string;
  size: number | null;
  takenMs: number | null;
}

export async function recordAlbums(
  deps: FileExportDeps,
  cat: Catalogue,
  resolved: readonly Resolved[],
): Promise<number> {
  const byContent = new Map(resolved.map((r) => [r.draft.content, r]));
  const describe = await describedBy(deps, cat, resolved);
  const seenAt = new Date();
  const listed: ListedAlbum[] = [];
  for (const a of cat.albums) {
    const members = albumMembers(a, byContent, describe);
    if (members.length === 0 && a.facts === null) continue;
    listed.push(listedAlbum(a, albumIdOf(a.folder), members, seenAt));
  }
  await deps.albums.upsertListed(listed, seenAt);
  const ids = new Set(listed.map((a) => a.albumId));
  // The members again, an album at a time (they are lookups): every album's members held at once
  // were the top of filing's memory on the embedded index (112,783 items: RSS 354 MiB after
  // recording albums, 331 after placing; 327 and 324 now).
  for (const a of cat.albums) {
    const id = albumIdOf(a.folder);
    if (ids.has(id)) await replaceMembers(deps, id, albumMembers(a, byContent, describe));
  }
  if (deps.complete) {
    const vanished = (await deps.albums.all()).filter(
      (a) => a.source === 'takeout' && !ids.has(a.albumId) && a.goneAt === null,
    );
    await deps.albums.markGone(
      vanished.map((a) => a.albumId),
      seenAt,
    );
  }
  return listed.length;
}

/** Finds the item a sidecar describes: by Photos URL, else by title and taken time. */
type Describe = (f: HeldFacts) => Member | null;

async function describedBy(
  deps: FileExportDeps,
  cat: Catalogue,
  resolved: readonly Resolved[],
): Promise<Describe> {
  const keysOf = (title: string, taken: Date | null, url: string | null): string[] => [
    ...(url ? [`url:${url}`] : []),
    `t:${title}|${taken?.toISOString() ?? ''}`,
  ];
  // Only the keys some album's sidecar asks for are kept: a map of every item's keys would
  // hold two strings and a member per item (the peak of filing a 100,000-item export).
  const wanted = new Set<string>();
  for (const a of cat.albums)
    for (const f of a.sidecarOnly)
      for (const k of keysOf(f.title, dateOf(f.takenMs), f.url)) wanted.add(k);
  const byKey = new Map<string, Member>();
  if (wanted.size === 0) return () => null;
  for await (const page of deps.repo.iterateContents()) {
    for (const c of page) {
      const m = /^t:(.*)\|([^|]*)\|\d+$/.exec(c.identity);
      const key = c.identity.startsWith('url:') ? c.identity : m ? `t:${m[1]}|${m[2]}` : null;
      if (key === null || !wanted.has(key)) continue;
      byKey.set(key, {
        r: null,
        itemId: c.itemId,
        media: { source: c.mediaSource, remoteId: c.mediaRemoteId },
        name: c.archiveName,
        size: c.size,
        takenMs: null,
      });
    }
  }
  for (const r of resolved) {
    const keys = keysOf(
      r.draft.facts?.title ?? r.draft.archiveName,
      takenOf(r),
      r.draft.facts?.url ?? null,
    );
    for (const k of keys) if (wanted.has(k)) byKey.set(k, memberOf(r));
  }
  return (f) => {
    for (const k of keysOf(f.title, dateOf(f.takenMs), f.url)) {
      const hit = byKey.get(k);
      if (hit) return hit;
    }
    return null;
  };
}

function memberOf(r: Resolved): Member {
  const media = mediaOf(r) ?? { source: 'takeout' as const, remoteId: r.itemId };
  return {
    r,
    itemId: r.itemId,
    media,
    name: fileNameOf(r),
    size: r.draft.size,
    takenMs: r.takenMs,
  };
}

function albumMembers(
  a: AlbumDraft,
  byContent: Map<string, Resolved>,
  describe: Describe,
): Member[] {
  const out = new Map<string, Member>();
  for (const content of a.members) {
    const r = byContent.get(content);
    if (r && mediaOf(r) !== undefined) out.set(r.itemId, memberOf(r));
  }
  for (const f of a.sidecarOnly) {
    const m = describe(f);
    if (m && (m.r === null || mediaOf(m.r) !== undefined)) {
      out.set(m.itemId, m.r ? memberOf(m.r) : m);
    }
  }
  return [...out.values()];
}

function listedAlbum(
  a: AlbumDraft,
  id: string,
  members: readonly Member[],
  seenAt: Date,
): ListedAlbum {
  const earliest = members
    .map((m) => m.takenMs)
    .filter((t): t is number => t !== null)
    .reduce((x, y) => Math.min(x, y), Number.POSITIVE_INFINITY);
  const folderName = a.folder.slice(a.folder.lastIndexOf('/') + 1);
  return {
    albumId: id,
    title: a.facts?.title || folderName,
    albumType: 'takeout',
    albumTime: a.facts?.date ?? (Number.isFinite(earliest) ? new Date(earliest) : seenAt),
    updated: '',
    numPhotos: members.length,
    source: 'takeout',
    description: a.facts?.description || null,
  };
}

async function replaceMembers(
  deps: FileExportDeps,
  albumId: string,
  members: readonly Member[],
): Promise<void> {
  const rows: AlbumItemRow[] = members.map((m, position) => ({
    albumId,
    photoId: m.itemId,
    position,
    name: m.name,
    size: m.size,
    takenTime: dateOf(m.takenMs),
    mimeType: mimeOf(m.name),
    isVideo: mimeOf(m.name).startsWith('video/'),
    mediaUrl: m.r?.draft.facts?.url ?? '',
    mediaSource: m.media.source,
    mediaRemoteId: m.media.remoteId,
    entryName: null,
  }));
  if (!deps.complete) {
    const have = new Set(rows.map((r) => r.photoId));
    for (const old of await deps.albums.itemsOf(albumId)) {
      if (!have.has(old.photoId)) rows.push({ ...old, position: rows.length });
    }
  }
  await deps.albums.replaceItems(albumId, rows, {
    count: rows.length,
    complete: true,
    changed: true,
  });
}
