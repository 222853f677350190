/**
 * `verify` of albums/: in every album folder, a symlink that does not lead to a file is
 * `broken-link`. In a folder the last pass linked completely (its links hash is set), an entry of
 * a downloaded member that is absent is `missing` and a name that is no member's is `unknown`; a
 * folder under albums/YEAR/ that belongs to no album is `unknown` (one line for the folder).
 */
import type { AlbumRepo, AlbumRow } from '../index/album-repo.ts';
import { ALBUMS_DIR } from '../tree/album-layout.ts';
import { isPartName } from '../tree/writer.ts';
import { isFolder, isIgnoredName, nfc, readFolder, symlinkTarget } from './verify-disk.ts';
import { strayEntry, type VerifyProblem } from './verify-problems.ts';

export interface AlbumsVerifyDeps {
  root: string;
  albums: AlbumRepo;
  signal: AbortSignal;
}

export async function verifyAlbums(
  deps: AlbumsVerifyDeps,
  report: (p: VerifyProblem) => void,
): Promise<void> {
  const { root, signal } = deps;
  if (!(await isFolder(root, ALBUMS_DIR))) return;
  const albums = (await deps.albums.all()).filter(
    (a): a is AlbumRow & { relPath: string } => a.relPath !== null,
  );
  const folders = new Set(albums.map((a) => nfc(a.relPath)));
  for (const album of albums) {
    signal.throwIfAborted();
    await verifyAlbumFolder(deps, album, report);
  }
  // Folders of no album, and files where only folders belong: albums/YEAR/FOLDER.
  for (const e of await readFolder(root, ALBUMS_DIR)) {
    if (isIgnoredName(e.name)) continue;
    if (e.kind !== 'dir') {
      report(strayEntry(e));
      continue;
    }
    for (const f of await readFolder(root, e.rel)) {
      if (isIgnoredName(f.name) || folders.has(nfc(f.rel))) continue;
      if (f.kind === 'dir') {
        report({
          kind: 'unknown',
          path: f.rel,
          detail: 'folder of no album (renamed or deleted? the next full pass removes it)',
        });
      } else {
        report(strayEntry(f));
      }
    }
  }
}

async function verifyAlbumFolder(
  deps: AlbumsVerifyDeps,
  album: AlbumRow & { relPath: string },
  report: (p: VerifyProblem) => void,
): Promise<void> {
  const { root } = deps;
  const albumId = album.albumId;
  const entries = await readFolder(root, album.relPath);
  const complete = album.linksHash !== null;
  const members = new Set<string>();
  const expected = new Map<string, string>();
  if (complete) {
    for (const t of await deps.albums.targetsOf(albumId)) {
      if (t.entryName === null) continue;
      members.add(nfc(t.entryName));
      if (t.state === 'done') expected.set(nfc(t.entryName), t.relPath);
    }
  }
  const present = new Set<string>();
  for (const e of entries) {
    present.add(nfc(e.name));
    if (isPartName(e.name)) {
      report({ kind: 'leftover', path: e.rel, detail: 'temp file of a stopped pass', albumId });
      continue;
    }
    if (e.kind === 'dir' || isIgnoredName(e.name)) continue;
    if (e.kind === 'symlink') {
      const link = await symlinkTarget(root, e.rel);
      if (!link.resolves) {
        report({
          kind: 'broken-link',
          path: e.rel,
          detail: `leads to ${link.text}, which is not a file`,
          albumId,
        });
        continue;
      }
    }
    if (complete && !members.has(nfc(e.name))) {
      report({ kind: 'unknown', path: e.rel, detail: 'not a member of the album', albumId });
    }
  }
  for (const [name, target] of expected) {
    if (present.has(name)) continue;
    report({
      kind: 'missing',
      path: `${album.relPath}/${name}`,
      detail: `album entry for ${target} is not there`,
      albumId,
    });
  }
}
