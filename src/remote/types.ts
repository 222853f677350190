/**
 * The contract between the remote layer and the rest of the program: plain values, no wire types.
 * Anything the sync layer needs from Google arrives as one of these.
 */

/** A Drive folder. `parents` keeps Drive's order; a folder with two parents is placed under the first. */
export interface RemoteFolder {
  kind: 'folder';
  id: string;
  name: string;
  parents: string[];
}

/** A photo or video in Drive (image/* or video/*, never trashed when listed). */
export interface RemoteMedia {
  kind: 'media';
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  /** Bytes; null when Drive did not say (then no size check is possible). */
  size: number | null;
  /** Lowercase hex md5 of the bytes; null when Drive did not say. */
  md5: string | null;
  /** RFC 3339. */
  createdTime: string | null;
  modifiedTime: string | null;
  /** `imageMediaMetadata.time` as Drive sends it (EXIF style, no zone), or null. */
  exifTime: string | null;
}

export type RemoteEntry = RemoteFolder | RemoteMedia;

/** A media download in flight. `offset` is where `body` starts in the file. */
export interface Download {
  body: AsyncIterable<Uint8Array>;
  /** 0 when the server sent the whole file (also when a Range was asked but ignored). */
  offset: number;
  /** Bytes the body will carry, when the server said. */
  length: number | null;
}
