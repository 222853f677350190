/**
 * The emulator's data model: a My Drive as a flat map of files, a builder for hand-made
 * scenarios and a deterministic generator for large libraries.
 *
 * The library is plain mutable data: tests may add, change or trash files between passes and
 * the emulator sees the change on the next request (listings snapshot their result only for
 * the pages of one paging sequence). Drive's changes feed sees only mutations made through the
 * helpers re-exported below (`changes-mutate.ts`: addPhoto, renameFile, trashFile, ...) or
 * announced with `recordChange`. Picasa albums and Picasa-only media live beside the files
 * (`picasa-model.ts`; mutate albums with `addToAlbum` / `removeFromAlbum`).
 */
import { bufferMd5Of, generatedContent, generatedMd5 } from './content.ts';
import { spreadAlbums } from './picasa-generate.ts';
import { createAlbum, resolveMember } from './picasa-model.ts';
import { shortcutTo } from './shortcuts.ts';
import type {
  AlbumMemberRef,
  AlbumType,
  CreationKind,
  FakeAlbum,
  PicasaMedia,
  PicasaMediaRef,
} from './picasa-model.ts';

export {
  addToAlbum,
  picasaContentOf,
  picasaMd5Of,
  removeFromAlbum,
  resolveMember,
} from './picasa-model.ts';
export {
  addFile,
  addFolder,
  addPhoto,
  addVideo,
  deleteFile,
  editFile,
  moveFile,
  renameFile,
  trashFile,
  untrashFile,
  updateFile,
} from './changes-mutate.ts';
export { currentToken, expireChangeTokensBefore, recordChange } from './changes-journal.ts';
export { addShortcut, SHORTCUT_MIME, shortcutTo } from './shortcuts.ts';
export type {
  AlbumMember,
  AlbumMemberRef,
  AlbumType,
  CreationKind,
  FakeAlbum,
  PicasaItem,
  PicasaMedia,
  PicasaMediaRef,
} from './picasa-model.ts';

export const FOLDER_MIME = 'application/vnd.google-apps.folder';

export interface FakeFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  /** RFC 3339 with milliseconds and `Z`. */
  createdTime: string;
  modifiedTime: string;
  trashed?: boolean;
  originalFilename?: string;
  imageMediaMetadata?: {
    width?: number;
    height?: number;
    rotation?: number;
    /** EXIF style `YYYY:MM:DD HH:MM:SS`, no zone. */
    time?: string;
    cameraMake?: string;
    cameraModel?: string;
    location?: { latitude: number; longitude: number; altitude?: number };
  };
  videoMediaMetadata?: { width?: number; height?: number; durationMillis?: string };
  /** Explicit bytes; when absent the content is generated from (id, size). */
  content?: Buffer;
  /** Bytes of generated content (ignored when `content` is set); folders omit it. */
  size?: number;
  /** Why its bytes cannot be downloaded (restrictions.ts); absent: they can. */
  restriction?: 'owner-restricted' | 'refused' | 'abuse';
  /** `ownedByMe`; absent: true (restrictions.ts: an owner-restricted file is never ours). */
  ownedByMe?: boolean;
  /** Shortcuts only (`shortcuts.ts`): set once at creation, as Drive does. */
  shortcutDetails?: { targetId: string; targetMimeType: string };
  /** The shared drive the file is in (shared-drives.ts); absent in My Drive. */
  driveId?: string;
}

export interface Library {
  /** The My Drive root folder id (what `root` resolves to). */
  rootId: string;
  files: Map<string, FakeFile>;
  /** Picasa albums, in the order the user feed lists them. */
  albums: FakeAlbum[];
  /** Picasa-only media (creations, edited copies) by id. */
  picasaMedia: Map<string, PicasaMedia>;
}

export interface CreationOpts {
  name: string;
  /** Default: from the name's extension. */
  mimeType?: string;
  size?: number;
  content?: Buffer;
  /** RFC 3339 UTC capture time (gphoto:timestamp). */
  takenAt: string;
  /** RFC 3339 UTC upload time (published); default `takenAt`. */
  uploadedAt?: string;
  video?: boolean;
  /** Default: movie for a video, animation for a GIF, else collage. */
  kind?: CreationKind;
  width?: number;
  height?: number;
}

export interface AlbumOpts {
  title: string;
  /** RFC 3339: the album date (gphoto:timestamp) and its creation time (published). */
  date: string;
  type?: AlbumType;
  /** Default: the latest of `date` and the members' modification times. */
  updated?: string;
  access?: 'private' | 'protected' | 'public';
  summary?: string;
  location?: string;
  /** Drive file ids or Picasa-only media, in album order. */
  members: AlbumMemberRef[];
}

const CREATION_SIZE: Record<CreationKind, [number, number]> = {
  animation: [1024, 768],
  collage: [2048, 2048],
  movie: [1920, 1080],
  panorama: [8000, 2000],
};

export interface MediaOpts {
  size?: number;
  content?: Buffer;
  createdTime?: string;
  /** EXIF time `YYYY:MM:DD HH:MM:SS` (photos only; Drive has no capture time for videos). */
  takenTime?: string;
  mimeType?: string;
  id?: string;
  trashed?: boolean;
  /** Overrides `[parent]` (multi-parent items). */
  parents?: string[];
}

export const DEFAULT_ROOT_ID = '0AFakeRootFolderUk9PVA';

/** True for Google Docs editors types and folders: no binary content, no md5, no size. */
export function isGoogleType(mimeType: string): boolean {
  return mimeType.startsWith('application/vnd.google-apps.');
}

/** Byte length of a file's content (0 for folders and Google types). */
export function sizeOf(f: FakeFile): number {
  if (isGoogleType(f.mimeType)) return 0;
  return f.content ? f.content.length : (f.size ?? 0);
}

function getBinary(lib: Library, id: string): FakeFile {
  const f = lib.files.get(id);
  if (!f) throw new Error(`no such file: ${id}`);
  if (isGoogleType(f.mimeType)) throw new Error(`file has no binary content: ${id}`);
  return f;
}

/** The bytes a download of `id` returns. Throws for unknown ids and Google types. */
export function contentOf(lib: Library, id: string): Buffer {
  const f = getBinary(lib, id);
  return f.content ?? generatedContent(f.id, f.size ?? 0);
}

/** Lower-case hex md5 of the content of `id` (what `md5Checksum` reports). */
export function md5Of(lib: Library, id: string): string {
  const f = getBinary(lib, id);
  return f.content ? bufferMd5Of(f.content) : generatedMd5(f.id, f.size ?? 0);
}

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const idBytes = Buffer.alloc(24);

/** A Drive-looking id: 33 characters of base64url starting with `1`. */
export function makeId(rand: () => number): string {
  for (let i = 0; i < 24; i += 4) idBytes.writeUInt32LE(Math.floor(rand() * 4294967296), i);
  return '1' + idBytes.toString('base64url');
}

const MIME_BY_EXT: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  heic: 'image/heic',
  webp: 'image/webp',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  avi: 'video/x-msvideo',
  '3gp': 'video/3gpp',
  pdf: 'application/pdf',
};

export function mimeOfName(name: string, fallback: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? fallback : (MIME_BY_EXT[name.slice(dot + 1).toLowerCase()] ?? fallback);
}

/** `YYYY:MM:DD HH:MM:SS` -> RFC 3339 with ms, treating the camera time as UTC. */
export function exifToRfc3339(exif: string): string {
  const m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(exif);
  if (!m) throw new Error(`not an EXIF time: ${exif}`);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`;
}

/** Date -> `YYYY:MM:DD HH:MM:SS` (UTC fields). */
export function toExif(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 4)}:${iso.slice(5, 7)}:${iso.slice(8, 10)} ${iso.slice(11, 19)}`;
}

/**
 * A photo or video file of `name` in `parent`, its id and creation time chosen by the caller
 * (`files`: how many files the library holds, which picks a default size).
 */
export function newMediaFile(
  at: { id: string; createdTime: string; files: number },
  name: string,
  parent: string,
  opts: MediaOpts,
  fallbackMime: string,
): FakeFile {
  const f: FakeFile = {
    id: at.id,
    name,
    mimeType: opts.mimeType ?? mimeOfName(name, fallbackMime),
    parents: opts.parents ?? [parent],
    createdTime: at.createdTime,
    modifiedTime: at.createdTime,
    originalFilename: name,
  };
  if (opts.trashed) f.trashed = true;
  if (opts.content) f.content = opts.content;
  else f.size = opts.size ?? 1024 + ((at.files * 397) % 4096);
  return f;
}

/** A photo's EXIF-like metadata (`time` only when `takenTime` is given). */
export function withPhotoMetadata(f: FakeFile, opts: MediaOpts): FakeFile {
  f.imageMediaMetadata = {
    width: 4032,
    height: 3024,
    rotation: 0,
    cameraMake: 'Google',
    cameraModel: 'Pixel 2',
    ...(opts.takenTime ? { time: opts.takenTime } : {}),
  };
  return f;
}

/** A video's metadata (Drive has no capture time for videos). */
export function withVideoMetadata(f: FakeFile): FakeFile {
  f.videoMediaMetadata = { width: 1920, height: 1080, durationMillis: '12345' };
  return f;
}

/**
 * Builds a hand-made library. Ids are deterministic for the order of calls; timestamps default
 * to a clock that advances one hour per created item from 2016-01-01T00:00:00Z.
 */
export class LibraryBuilder {
  readonly rootId: string;
  private readonly files = new Map<string, FakeFile>();
  private readonly rand = prng(0x5eed);
  /** Separate from `rand` so adding albums never changes Drive ids. */
  private readonly picasaRand = prng(0xa1b0);
  private readonly albums: FakeAlbum[] = [];
  private readonly picasaMedia = new Map<string, PicasaMedia>();
  private clock = Date.UTC(2016, 0, 1);

  constructor(opts?: { rootId?: string }) {
    this.rootId = opts?.rootId ?? DEFAULT_ROOT_ID;
  }

  private nextTime(): string {
    const t = new Date(this.clock).toISOString();
    this.clock += 3600_000;
    return t;
  }

  private add(f: FakeFile): string {
    if (this.files.has(f.id)) throw new Error(`duplicate id ${f.id}`);
    this.files.set(f.id, f);
    return f.id;
  }

  /** Adds a folder (default parent: My Drive root) and returns its id. */
  folder(name: string, parent: string = this.rootId, extra?: Partial<FakeFile>): string {
    const t = this.nextTime();
    return this.add({
      id: makeId(this.rand),
      name,
      mimeType: FOLDER_MIME,
      parents: [parent],
      createdTime: t,
      modifiedTime: t,
      ...extra,
    });
  }

  private media(name: string, parent: string, opts: MediaOpts, fallbackMime: string): FakeFile {
    const createdTime =
      opts.createdTime ?? (opts.takenTime ? exifToRfc3339(opts.takenTime) : this.nextTime());
    const id = opts.id ?? makeId(this.rand);
    return newMediaFile(
      { id, createdTime, files: this.files.size },
      name,
      parent,
      opts,
      fallbackMime,
    );
  }

  /** Adds a photo with EXIF-like metadata (`time` only when `takenTime` is given). */
  photo(name: string, parent: string, opts: MediaOpts = {}): string {
    return this.add(withPhotoMetadata(this.media(name, parent, opts, 'image/jpeg'), opts));
  }

  /** Adds a video (videoMediaMetadata; `takenTime` only sets the default createdTime). */
  video(name: string, parent: string, opts: MediaOpts = {}): string {
    return this.add(withVideoMetadata(this.media(name, parent, opts, 'video/mp4')));
  }

  /** Adds any file (Google Docs, PDFs ...); missing id/times are filled in. */
  file(f: Partial<FakeFile> & { name: string; mimeType: string; parents: string[] }): string {
    const t = f.createdTime ?? this.nextTime();
    const full: FakeFile = {
      ...f,
      id: f.id ?? makeId(this.rand),
      createdTime: t,
      modifiedTime: f.modifiedTime ?? t,
    };
    if (!isGoogleType(full.mimeType) && !full.content && full.size === undefined) full.size = 1000;
    return this.add(full);
  }

  /** Adds a shortcut to `targetId` (`shortcuts.ts`); `targetMimeType` when the target is not here. */
  shortcut(name: string, parent: string, targetId: string, targetMimeType?: string): string {
    return this.file(shortcutTo(this.files, name, parent, targetId, targetMimeType));
  }

  private addMedia(m: Omit<PicasaMedia, 'id'>): PicasaMediaRef {
    const id = `m${this.picasaMedia.size + 1}`;
    this.picasaMedia.set(id, { id, ...m });
    return { picasaMediaId: id };
  }

  /** Adds a Picasa-only creation (animation, collage, movie, panorama): in no Drive folder. */
  creation(opts: CreationOpts): PicasaMediaRef {
    const video = opts.video ?? false;
    const mimeType = opts.mimeType ?? mimeOfName(opts.name, video ? 'video/mp4' : 'image/jpeg');
    const kind =
      opts.kind ?? (video ? 'movie' : mimeType === 'image/gif' ? 'animation' : 'collage');
    const [width, height] = CREATION_SIZE[kind];
    const m: Omit<PicasaMedia, 'id'> = {
      origin: 'creation',
      creation: kind,
      name: opts.name,
      mimeType,
      size: opts.size ?? 2048 + ((this.picasaMedia.size * 397) % 4096),
      takenAt: new Date(opts.takenAt).toISOString(),
      uploadedAt: new Date(opts.uploadedAt ?? opts.takenAt).toISOString(),
      video,
      width: opts.width ?? width,
      height: opts.height ?? height,
    };
    if (opts.content) m.content = opts.content;
    if (video) m.durationMs = 30_000;
    return this.addMedia(m);
  }

  /**
   * Adds a copy of a Drive photo or video as edited in Photos: same name, capture time and
   * camera, different bytes (default size: the original's + 1..500), uploaded a day later.
   */
  edited(driveFileId: string, opts: { size?: number; content?: Buffer } = {}): PicasaMediaRef {
    const src = this.files.get(driveFileId);
    if (!src || isGoogleType(src.mimeType)) throw new Error(`no such media file: ${driveFileId}`);
    const item = resolveMember({ files: this.files, albums: [], picasaMedia: new Map() }, src.id)!;
    const m: Omit<PicasaMedia, 'id'> = {
      origin: 'edited',
      sourceFileId: src.id,
      name: item.name,
      mimeType: item.mimeType,
      size: opts.size ?? item.size + 1 + ((this.picasaMedia.size * 37) % 500),
      takenAt: new Date(item.takenMs).toISOString(),
      uploadedAt: new Date(Date.parse(src.createdTime) + 86_400_000).toISOString(),
      video: item.video,
      width: item.width,
      height: item.height,
    };
    if (opts.content) m.content = opts.content;
    if (item.durationMs !== undefined) m.durationMs = item.durationMs;
    return this.addMedia(m);
  }

  /** Adds a Picasa album and returns its id (gphoto:id); photo ids are assigned per album. */
  album(opts: AlbumOpts): string {
    const lib = { files: this.files, albums: this.albums, picasaMedia: this.picasaMedia };
    return createAlbum(lib, this.picasaRand, opts).id;
  }

  build(): Library {
    return {
      rootId: this.rootId,
      files: new Map(this.files),
      albums: this.albums.map((a) => ({ ...a, members: [...a.members] })),
      picasaMedia: new Map(this.picasaMedia),
    };
  }
}

const CAMERAS: Array<[string, string]> = [
  ['Google', 'Pixel 2'],
  ['Apple', 'iPhone 8'],
  ['samsung', 'SM-G950F'],
  ['Canon', 'Canon EOS 80D'],
];

/**
 * A deterministic library of `items` media files for a seed: a `Google Photos` folder in root,
 * year folders 2010..2019, month subfolders (`2017-05`) in even years, about 2% of names
 * repeated within a folder, `videoRatio` (default 0.03) videos, about 1% photos without EXIF
 * time. Generated content only (no Buffers held). 100k items take well under a second.
 * `albums` (default 0) spreads the photos over that many Picasa albums (`picasa-generate.ts`);
 * the Drive files are the same with or without them.
 */
export function generateLibrary(opts: {
  items: number;
  seed?: number;
  meanSize?: number;
  videoRatio?: number;
  albums?: number;
  /** Members of the Auto Backup (InstantUpload) album; default 12% of `items`. */
  instantUpload?: number;
}): Library {
  const rand = prng(opts.seed ?? 1);
  const meanSize = opts.meanSize ?? 2048;
  const videoRatio = opts.videoRatio ?? 0.03;
  const files = new Map<string, FakeFile>();
  const rootId = DEFAULT_ROOT_ID;
  const base = Date.UTC(2010, 0, 1);
  const span = Date.UTC(2020, 0, 1) - base;

  const mkFolder = (name: string, parent: string, time: number): string => {
    const id = makeId(rand);
    const t = new Date(time).toISOString();
    files.set(id, {
      id,
      name,
      mimeType: FOLDER_MIME,
      parents: [parent],
      createdTime: t,
      modifiedTime: t,
    });
    return id;
  };
  const gp = mkFolder('Google Photos', rootId, Date.UTC(2015, 5, 1));
  const yearIds = new Map<number, string>();
  const monthIds = new Map<string, string>();
  const folderFor = (d: Date): string => {
    const y = d.getUTCFullYear();
    let yid = yearIds.get(y);
    if (!yid) {
      yid = mkFolder(String(y), gp, Date.UTC(y, 0, 1));
      yearIds.set(y, yid);
    }
    if (y % 2 === 1) return yid;
    const key = `${y}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    let mid = monthIds.get(key);
    if (!mid) {
      mid = mkFolder(key, yid, Date.UTC(y, d.getUTCMonth(), 1));
      monthIds.set(key, mid);
    }
    return mid;
  };

  const lastName = new Map<string, string>();
  for (let i = 0; i < opts.items; i++) {
    const taken = new Date(base + Math.floor((i / opts.items) * span + rand() * 3600_000));
    const parent = folderFor(taken);
    const isVideo = rand() < videoRatio;
    const iso = taken.toISOString();
    const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
    let name = isVideo ? `VID_${stamp}.mp4` : `IMG_${stamp}.jpg`;
    const prev = lastName.get(parent);
    if (prev && rand() < 0.02) name = prev;
    lastName.set(parent, name);
    const uploaded = new Date(taken.getTime() + Math.floor(rand() * 86400_000)).toISOString();
    const size = Math.max(1, Math.floor(meanSize * (0.5 + rand())));
    const f: FakeFile = {
      id: makeId(rand),
      name,
      mimeType: isVideo ? 'video/mp4' : 'image/jpeg',
      parents: [parent],
      createdTime: uploaded,
      modifiedTime: uploaded,
      originalFilename: name,
      size,
    };
    if (isVideo) {
      f.videoMediaMetadata = {
        width: 1920,
        height: 1080,
        durationMillis: String(1000 + Math.floor(rand() * 60_000)),
      };
    } else {
      const cam = CAMERAS[Math.floor(rand() * CAMERAS.length)]!;
      f.imageMediaMetadata = { width: 4032, height: 3024, rotation: 0 };
      if (rand() >= 0.01) {
        f.imageMediaMetadata.time = `${iso.slice(0, 4)}:${iso.slice(5, 7)}:${iso.slice(8, 10)} ${iso.slice(11, 19)}`;
      }
      f.imageMediaMetadata.cameraMake = cam[0];
      f.imageMediaMetadata.cameraModel = cam[1];
    }
    files.set(f.id, f);
  }
  const lib: Library = { rootId, files, albums: [], picasaMedia: new Map() };
  if (opts.albums) {
    spreadAlbums(lib, prng(((opts.seed ?? 1) * 7919 + 0xa1b0) >>> 0), {
      albums: opts.albums,
      instantUpload: opts.instantUpload ?? Math.floor(opts.items * 0.12),
    });
  }
  return lib;
}
