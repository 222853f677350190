/**
 * The contract of the Takeout source: what the archive readers, the sidecar parser and the
 * matcher give the sync layer. Plain values; nothing here knows of the index or the tree.
 *
 * A Google Takeout export of Google Photos is a set of archive parts (`.zip` or `.tgz`) whose
 * entries are `Takeout/<Google Photos, localized>/<folder>/<file>`: media files, one JSON sidecar
 * per media file, and one album JSON per album folder. See ../shared/takeout-samples/README.md.
 */

/** Where the bytes of one archive part come from: a local file now, a Drive file over HTTP later. */
export interface ByteSource {
  /** The part's file name (`takeout-20250725T035235Z-1-001.zip`), for messages. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /**
   * The bytes from `start` (inclusive) to `end` (exclusive; the end of the part when absent), as
   * one stream. Rejects or throws from the iterator on an I/O error or when `signal` aborts.
   */
  read(start: number, end: number | undefined, signal: AbortSignal): AsyncIterable<Uint8Array>;
}

/** `dir`: an already extracted `Takeout/` folder, read file by file. */
export type ArchiveFormat = 'zip' | 'tgz' | 'dir';

/** One entry of an archive part, as its central directory (zip) or its header (tar) says. */
export interface ArchiveEntry {
  /** The stored name, UTF-8, '/'-separated, exactly as in the archive (not yet checked as safe). */
  path: string;
  /** Position of the entry in the part's stream order, from 0. Stable across reads of a part. */
  index: number;
  /** Uncompressed size in bytes, as declared. */
  size: number;
  /** CRC-32 of the uncompressed bytes as the zip declares it; null in a tar. */
  crc32: number | null;
  /** The entry's stored time. Takeout sets it to the export time: never a photo's date. */
  mtime: Date | null;
  /** Directories (a tar has them, Takeout zips do not) carry no bytes. */
  isDirectory: boolean;
}

/**
 * Why one entry cannot be used. The reader names it and goes on with the next entry.
 * - `unsafe-name`: absolute, `..`, a drive letter, a NUL or a backslash path.
 * - `encrypted`, `unsupported`: an encrypted entry, a compression method other than store/deflate,
 *   a tar entry that is neither a file nor a directory (links, devices).
 * - `crc`, `size`: the bytes do not match what the archive declared.
 * - `bomb`: the entry inflates to more than it declared, or declares a ratio no real photo has.
 * - `corrupt`: the entry's local header or deflate data cannot be read.
 */
export type EntryProblemKind =
  'unsafe-name' | 'encrypted' | 'unsupported' | 'crc' | 'size' | 'bomb' | 'corrupt';

export interface EntryProblem {
  kind: EntryProblemKind;
  /** Says what is wrong with the entry, naming it, in words a user understands. */
  message: string;
}

/**
 * One entry handed out while a part is read. Exactly one of `body` and `problem` is set for an
 * entry that was wanted; neither for one that was skipped.
 * `body` must be consumed to its end (or abandoned by breaking out of the whole iteration)
 * before the next entry is asked for. It yields the uncompressed bytes and, after the last
 * byte, checks them: a CRC-32 or length mismatch, or a bomb, makes the body's iterator throw an
 * `EntryError` whose `problem` says why; the part's iteration then goes on with the next entry.
 */
export interface EntryRead {
  entry: ArchiveEntry;
  body?: AsyncIterable<Buffer>;
  problem?: EntryProblem;
}

export interface ReadOptions {
  /** Entries with a smaller index are passed over without reading their bytes (zip: not even fetched). */
  fromIndex?: number;
  /** Entries for which this is false are passed over: zip does not fetch them, tgz drains them. */
  want?: (entry: ArchiveEntry) => boolean;
  signal: AbortSignal;
}

/** Reads one archive part in place: never extracted, never copied. */
export interface PartReader {
  readonly format: ArchiveFormat;
  readonly source: ByteSource;
  /**
   * Every entry, from the zip's central directory (cheap: the part's tail only); null for a tgz,
   * whose entries are known only by streaming it. Rejects with a `PartError` when the part has no
   * readable directory (truncated, not a zip).
   */
  list(signal: AbortSignal): Promise<ArchiveEntry[] | null>;
  /**
   * The entries in stream order, each with its bytes or its problem. The number of reads of the
   * source does not grow with the number of entries (one long stream; a zip may start a new one
   * past a large run of unwanted bytes). Throws a `PartError` when the part itself breaks
   * (a cut tgz, a bad gzip trailer, a zip whose data ends early); entries yielded before that
   * were whole and checked.
   */
  entries(options: ReadOptions): AsyncIterable<EntryRead>;
}

/** A part that cannot be read at all, or broke while being read. */
export class PartError extends Error {
  readonly part: string;
  constructor(part: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PartError';
    this.part = part;
  }
}

/** One entry that cannot be used; the rest of the part can. */
export class EntryError extends Error {
  readonly problem: EntryProblem;
  readonly path: string;
  constructor(path: string, problem: EntryProblem) {
    super(problem.message);
    this.name = 'EntryError';
    this.path = path;
    this.problem = problem;
  }
}

/** A part's file name, parsed (`takeout-20250725T035235Z-1-001.zip`). */
export interface PartName {
  /** The export the part belongs to: the name without its part number and extension. */
  exportId: string;
  /** The part's number, from 1. */
  number: number;
  format: ArchiveFormat;
  /** When the export was requested (UTC), from the name. */
  requestedAt: Date;
}

/** A place on the map, from a sidecar's `geoData`/`geoDataExif`; null when Google said 0,0. */
export interface Geo {
  latitude: number;
  longitude: number;
  altitude: number | null;
}

/** What a media item's JSON sidecar says. Times are UTC instants; null when absent or "0". */
export interface SidecarFacts {
  /** The original file name as uploaded (the archive cuts long names; this does not). */
  title: string;
  description: string;
  takenTime: Date | null;
  /** When the item was uploaded (`creationTime`). */
  createdTime: Date | null;
  /** `photoLastModifiedTime` or `modificationTime`. */
  modifiedTime: Date | null;
  /** `geoDataExif` when it is set, else `geoData`; null when both are 0,0 or absent. */
  geo: Geo | null;
  people: string[];
  favorited: boolean;
  archived: boolean;
  trashed: boolean;
  /** The Photos URL (`https://photos.google.com/photo/…` or an older lh3 address); null when empty. */
  url: string | null;
  /** `mobileUpload`, `fromPartnerSharing`, `fromSharedAlbum`, `webUpload`, `composition`, or null. */
  origin: string | null;
  /** `deviceType` of a mobile upload, or null. */
  deviceType: string | null;
  /** `deviceFolder.localFolderName`, or null. */
  deviceFolder: string | null;
  /** `appSource.androidPackageName`, or null. */
  appSource: string | null;
}

/** What an album's JSON (`metadata.json`, `métadonnées.json`, …; or `{albumData: …}`) says. */
export interface AlbumFacts {
  /** May be '' (an untitled album). */
  title: string;
  description: string;
  /** The album's own date; null when absent or "0". */
  date: Date | null;
  access: string | null;
}

/** A JSON entry of the Photos tree, classified by content (never by its name alone). */
export type TakeoutJson =
  | { kind: 'media'; facts: SidecarFacts }
  | { kind: 'album'; facts: AlbumFacts }
  /** Valid JSON that is neither: print orders, shared_album_comments.json, … */
  | { kind: 'other' }
  | { kind: 'invalid'; error: string };

/**
 * How a folder directly under the product folder is treated:
 * - `year`: `Photos from YYYY` (and its localized forms); `date`: a 2020-era `YYYY-MM-DD` folder.
 *   Both hold the library's items, never an album.
 * - `album`: any other folder: an album (its title comes from its album JSON, not the folder name).
 * - `trash`: the trash (Trash, Bin, Corbeille, Papierkorb, …): not backed up.
 * - `special`: folders that are neither albums nor the library (Failed Videos, Archive, Locked
 *   folder): their items are library items, they get no album folder.
 * - `root`: a file directly in the product folder (e.g. print-subscriptions.json).
 */
export type FolderKind = 'year' | 'date' | 'album' | 'trash' | 'special' | 'root';

/** Where an entry sits in a Takeout tree. */
export interface TakeoutPath {
  /** The localized product folder: `Google Photos`, `Google Fotos`, `Google Foto`, … */
  product: string;
  /** The folder below the product folder ('' for `root`); nested folders joined with '/'. */
  folder: string;
  /** The last path segment. */
  name: string;
  folderKind: FolderKind;
  /** The year of a `year` or `date` folder; null otherwise. */
  year: number | null;
}

/** The files of one folder of the Photos tree, as the matcher sees them. */
export interface FolderFiles {
  /** Media file names (last segments), unique within the folder. */
  media: string[];
  /** JSON sidecars of media items, with the `title` each one states (null if unreadable). */
  sidecars: Array<{ name: string; title: string | null }>;
}

/**
 * How a media file found its sidecar. `edited` and `companion` files have none of their own:
 * they take their partner's (an edited copy's original; a motion photo's or live photo's still).
 */
export type MatchRule =
  | 'exact'
  | 'numbered'
  | 'truncated'
  | 'supplemental'
  | 'no-extension'
  | 'title'
  | 'edited'
  | 'companion';

export interface MediaMatch {
  media: string;
  /** The sidecar's name in the same folder, or null when none matched. */
  sidecar: string | null;
  rule: MatchRule | null;
  /** For `edited` and `companion`: the media file whose sidecar and date this one takes. */
  partner: string | null;
}
