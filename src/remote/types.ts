/**
 * The contract between the remote layer and the rest of the program: plain values, no wire types,
 * and the interfaces of the clients (DriveApi, PicasaApi) that the sync layer depends on; the
 * classes in drive/ and picasa/ implement them, and tests may give fakes. Anything the sync layer
 * needs from Google arrives through one of these.
 */
import type { AlbumListingEnd, PicasaAlbum, PicasaItem } from './picasa/types.ts';

export type { AlbumListingEnd, PicasaAlbum, PicasaItem } from './picasa/types.ts';

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
  /** Lowercase hex sha256 of the bytes (`sha256Checksum`); null when Drive did not say. */
  sha256: string | null;
  /**
   * False when Drive says the bytes cannot be downloaded (`capabilities.canDownload`: the owner
   * restricted downloads, or the account may only view); true when it allows it or did not say.
   */
  canDownload: boolean;
  /** RFC 3339. */
  createdTime: string | null;
  modifiedTime: string | null;
  /** `imageMediaMetadata.time` as Drive sends it (EXIF style, no zone), or null. */
  exifTime: string | null;
}

/**
 * A Drive shortcut (`application/vnd.google-apps.shortcut`): no bytes of its own, a target set once
 * at creation (a "retarget" is a new shortcut). The target may be a folder, a file anywhere, or
 * something this account cannot see.
 */
export interface RemoteShortcut {
  kind: 'shortcut';
  id: string;
  name: string;
  parents: string[];
  targetId: string;
  /** The target's mimeType as Drive copied it when the shortcut was made. */
  targetMimeType: string;
}

export type RemoteEntry = RemoteFolder | RemoteMedia | RemoteShortcut;

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

/** A shared drive as drives.get describes it. */
export interface SharedDriveInfo {
  /** Also the id of its root folder. */
  id: string;
  name: string;
}

/** Name of the folder of My Drive's root that Drive showed Google Photos in. */
export const GOOGLE_PHOTOS_FOLDER = 'Google Photos';

/**
 * Drive v3 as a pass uses it (DriveClient). Every call goes through the pass's pacer; a call that
 * keeps failing throws a SyncError when the pass must stop (auth: exit 4, quota: exit 5), else a
 * RemoteError naming what failed.
 */
export interface DriveApi {
  /** My Drive's root folder (its real id; `root` is only an alias). */
  myDriveRoot(signal?: AbortSignal): Promise<RemoteFolder>;
  /**
   * The non-trashed folders named `name` directly in My Drive's root (none: an empty list), each
   * with its `modifiedTime` (RFC 3339, null when Drive did not say).
   */
  findRootFoldersDated(
    name: string,
    signal?: AbortSignal,
  ): Promise<Array<RemoteFolder & { modifiedTime: string | null }>>;
  /** The non-trashed folders named `name` directly in My Drive's root (none: an empty list). */
  findRootFolders(name: string, signal?: AbortSignal): Promise<RemoteFolder[]>;
  /**
   * Every folder and photo/video below `rootIds`, page by page, each entry at most once, trashed
   * items and other types left out. A page token the server rejects restarts that listing from its
   * first page (entries already yielded are not yielded again).
   */
  walk(rootIds: string[], signal?: AbortSignal): AsyncGenerator<RemoteEntry[]>;
  /**
   * A folder, photo/video or shortcut by id, as walk() yields it; null when the account cannot see
   * it (404), or it is trashed or of another type.
   */
  entry(id: string, signal?: AbortSignal): Promise<RemoteEntry | null>;
  /** The changes token of "now": `changes()` from it lists what changes after. */
  startPageToken(signal?: AbortSignal): Promise<string>;
  /**
   * Pages of changes since `token` (each file's latest state: trashed ones and other types
   * included, removed ones as `removed`); returns the token to store once every change is applied.
   * Drive refusing `token` itself is a RemoteError with reason `changesTokenExpired` (not retried:
   * the caller lists everything instead).
   */
  changes(token: string, signal?: AbortSignal): AsyncGenerator<RemoteChange[], string>;
  /**
   * Opens the bytes of file `id` from `offset` (a Range request when offset > 0; a server that
   * ignores it answers from 0). Not retried: the caller runs it through the pacer and resumes a
   * broken body. `acknowledgeAbuse`: fetch a file flagged as malware or spam anyway (Drive allows
   * it to the file's owner only; anyone else gets 403 `cannotDownloadAbusiveFile` still). A file
   * that cannot be downloaded answers 403 `cannotDownloadFile`.
   */
  download(
    id: string,
    offset: number,
    signal?: AbortSignal,
    opts?: { acknowledgeAbuse?: boolean },
  ): Promise<Download>;
  /** The non-trashed folders named `name` directly in folder `parentId` (`root`: My Drive). */
  findFolders(name: string, parentId: string, signal?: AbortSignal): Promise<RemoteFolder[]>;
  /** Pages of the non-trashed files (not folders) directly in `folderId`, any type. */
  listFiles(folderId: string, signal?: AbortSignal): AsyncGenerator<RemoteDriveFile[]>;
  /** File `id` as it is now; null when it is gone, trashed or a folder. */
  fileInfo(id: string, signal?: AbortSignal): Promise<RemoteDriveFile | null>;
  /**
   * Opens bytes [start, end) of file `id` (`end` absent: to the end) with a Range request. Not
   * retried, as `download`: a 200 (Range ignored) starts at 0, as `offset` says.
   */
  downloadRange(
    id: string,
    start: number,
    end: number | undefined,
    signal?: AbortSignal,
  ): Promise<Download>;
  /**
   * Moves file `id` to the Drive trash (restorable for 30 days). Needs the `drive` scope: a 403
   * `insufficientPermissions` otherwise (a SyncError or RemoteError as any call).
   */
  trash(id: string, signal?: AbortSignal): Promise<void>;
  /** Shared drive `driveId` (drives.get); null when it does not exist or the account lost it. */
  sharedDrive(driveId: string, signal?: AbortSignal): Promise<SharedDriveInfo | null>;
  /**
   * The same client reading shared drive `driveId` instead of My Drive: `walk` (from the drive's
   * id, its root folder), `startPageToken` and `changes` are that drive's, each shared drive
   * having its own changes feed; downloads work for items of any drive.
   */
  inSharedDrive(driveId: string): DriveApi;
}

/**
 * The Picasa Web Albums feeds as a pass uses them (PicasaClient): the albums of the user and their
 * members. Errors as DriveApi's.
 */
export interface PicasaApi {
  /** Every album of the user, page by page, each at most once. */
  albums(signal: AbortSignal): AsyncGenerator<PicasaAlbum[]>;
  /**
   * The photos and videos of `album`, page by page, each at most once; returns how the listing
   * ended: Picasa refuses to list past about the 10,000th item of large albums, which ends the
   * listing with `complete: false` (no exception) so the pass can go on with the next album.
   */
  albumItems(
    album: PicasaAlbum,
    signal: AbortSignal,
  ): AsyncGenerator<PicasaItem[], AlbumListingEnd>;
  /**
   * Opens the bytes at `mediaUrl` from `offset`, without Authorization (the URL is the
   * capability). Not retried, as DriveApi.download.
   */
  download(mediaUrl: string, offset: number, signal: AbortSignal): Promise<Download>;
}

/** The remote clients of a pass, built once by the command that runs it. */
export interface RemoteClients {
  drive: DriveApi;
  picasa: PicasaApi;
}
