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

/** A file that is neither a folder nor a photo/video: a Google Doc, a PDF, a shortcut... */
export interface RemoteOtherFile {
  kind: 'other';
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
}

/**
 * Any non-folder file of a Drive folder, whatever its type, with what tells one version of its
 * bytes from another (a Takeout part in the Takeout folder, for one).
 */
export interface RemoteDriveFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  /** Bytes; null when Drive did not say (Google Docs types). */
  size: number | null;
  /** Lowercase hex md5 of the bytes; null when Drive did not say. */
  md5: string | null;
  /** RFC 3339. */
  modifiedTime: string | null;
  createdTime: string | null;
}

/**
 * One entry of Drive's changes feed: the latest state of a file that changed since a token (Drive
 * coalesces several changes of one file into one entry).
 */
export interface RemoteChange {
  fileId: string;
  /** Gone for good (deleted, or no longer visible to this account). */
  removed: boolean;
  /**
   * The file's state now, trashed or not: a RemoteFolder or RemoteMedia as walk() yields, or a
   * RemoteOtherFile for any other type. Null when removed, and when Drive sent no usable file
   * (no id, name or mimeType): the caller cannot place such a change.
   */
  entry: RemoteEntry | RemoteOtherFile | null;
  /** True when the file (or a folder above it) is in the trash. Trashing is not a removal. */
  trashed: boolean;
  /** mimeType of the file when known (to tell non-media files apart). */
  mimeType: string | null;
  /** RFC 3339 time of the change; '' when Drive did not say. */
  time: string;
}

/** A media download in flight. `offset` is where `body` starts in the file. */
export interface Download {
  body: AsyncIterable<Uint8Array>;
  /** 0 when the server sent the whole file (also when a Range was asked but ignored). */
  offset: number;
  /** Bytes the body will carry, when the server said. */
  length: number | null;
}
