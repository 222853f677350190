/** Index rows for tests of pure decisions: a downloaded Drive item unless told otherwise. */
import type { MediaRow } from '../../src/index/media-repo.ts';

export function mediaRow(id: string, over: Partial<MediaRow> = {}): MediaRow {
  const relPath = over.relPath ?? `drive/Google Photos/${id}.jpg`;
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  return {
    source: 'drive',
    remoteId: id,
    folderId: 'gp',
    relPath,
    pathKey: relPath.toLowerCase(),
    originalName: name,
    baseName: name,
    dupNumber: 0,
    size: 10,
    md5: null,
    sha256: null,
    mimeType: 'image/jpeg',
    takenTime: null,
    createdTime: null,
    modifiedTime: null,
    state: 'done',
    error: null,
    attempts: 1,
    downloadedAt: null,
    listingHash: null,
    movedFrom: null,
    restriction: null,
    ...over,
  };
}
