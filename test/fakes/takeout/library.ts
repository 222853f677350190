/**
 * The truth behind a generated Takeout export: a deterministic Google Photos library of items
 * (photos, videos, their edited copies and companions) and albums. `makeExport` (export.ts) turns
 * it into archive parts; `expectedTree` says what the product should make of it.
 *
 * Everything follows from `seed` through one PRNG: the same options give the same library and the
 * same bytes. With `quirks` the library also holds a fixed catalogue (below) of every case in
 * ../shared/takeout-samples/README.md, using the real names of the samples where there are some;
 * `Library.quirks` lists the items and albums that show each case.
 */
import { createHash } from 'node:crypto';
import { prng } from '../google/library.ts';
import { mediaBytes } from './media-bytes.ts';
import type { MediaFormat } from './media-bytes.ts';
import { EDIT_SUFFIXES, editedTitle, mediaFileName, splitExtension } from './naming.ts';
import type { SidecarScheme } from './naming.ts';

export type ItemKind = 'original' | 'edited' | 'companion';
export type Origin = 'mobileUpload' | 'fromPartnerSharing' | 'fromSharedAlbum';

export interface GeoPoint {
  latitude: number;
  longitude: number;
  altitude: number;
}

/**
 * What an item's sidecar says besides the item's own fields. Styles: `modern` (2019–2024:
 * imageViews, geoData, geoDataExif, url, googlePhotosOrigin), `legacy` (2017: modificationTime,
 * no url, no origin), `minimal` (2025: no imageViews, no geo blocks).
 */
export interface SidecarSpec {
  scheme: SidecarScheme;
  style: 'modern' | 'legacy' | 'minimal';
  /** false: `photoTakenTime` says "0" although the item has a taken time (then its bytes do). */
  takenKnown: boolean;
  origin: Origin;
  deviceType: 'ANDROID_PHONE' | 'IOS_PHONE' | null;
  /** `deviceFolder.localFolderName` (often ""); null: no deviceFolder object. */
  deviceFolder: string | null;
  appSource: string | null;
  /** `geoData`; null writes zeros (Google's "no place"). */
  geo: GeoPoint | null;
  /** `geoDataExif`; null writes zeros, 'absent' leaves the block out. */
  geoExif: GeoPoint | null | 'absent';
  people: string[];
  description: string;
  imageViews: number;
  /** `https://photos.google.com/photo/…`; "" for partner-shared items. */
  url: string;
  /** `photoLastModifiedTime`, when set. */
  lastModified: Date | null;
}

export interface LibraryItem {
  /** Index in `Library.items`; followers (edited copies, companions) come right after their partner. */
  id: number;
  kind: ItemKind;
  /** The original whose sidecar and date an edited copy or companion takes; null for originals. */
  partnerId: number | null;
  /**
   * An original's title (the uploaded file name, in its sidecar; may lack an extension or hold
   * `/`). For edited copies and companions, which have no sidecar, the name Google gives the file
   * before cutting and numbering (`IMG_8416-modifié.JPG`, `PXL_….MP`).
   */
  title: string;
  format: MediaFormat;
  mime: string;
  /** When it was taken (UTC). Whole seconds, except where only a file name with ms says it. */
  takenTime: Date;
  /** When it was uploaded. */
  createdTime: Date;
  /** null: no sidecar of its own (edited copies, companions, and a few lost ones). */
  sidecar: SidecarSpec | null;
  /** The bytes carry the taken time: EXIF (jpeg, heic) or mvhd (mp4, mov). */
  embeddedDate: boolean;
  camera: { make: string; model: string };
  /** Album ids. Followers are in their partner's albums. */
  albums: number[];
  /** false: Google exports it only in album folders (a shared album's item from someone else). */
  inYearFolder: boolean;
  trashed: boolean;
  archived: boolean;
  favorited: boolean;
}

/**
 * How an album's JSON is written: `plain` {title, description, access, date}, `full` (older,
 * plus location "" and geoData), `albumData` (≤ 2017: all that wrapped in {albumData}),
 * `title-only` (2025), `shared` (title, enrichments, sharedAlbumComments).
 */
export type AlbumStyle = 'plain' | 'full' | 'albumData' | 'title-only' | 'shared';

export interface LibraryAlbum {
  id: number;
  /** '' for an untitled album. */
  title: string;
  description: string;
  /** The album JSON's date; null writes "0" (or nothing in `title-only` and `shared`). */
  date: Date | null;
  style: AlbumStyle;
  /** false: the album folder holds the members' sidecars but not their media. */
  mediaInFolder: boolean;
  /** `protected` for most albums, '' for some. */
  access: string;
}

export interface Library {
  seed: number;
  items: LibraryItem[];
  albums: LibraryAlbum[];
  /**
   * Each quirk (QUIRKS) → the ids showing it: album ids for names starting `album-`, item ids
   * otherwise. Empty lists without `quirks`.
   */
  quirks: Map<QuirkName, number[]>;
}

export interface LibraryOptions {
  /** Ordinary items (originals; their followers come on top). With quirks the catalogue adds ~90. */
  items: number;
  /** Ordinary albums, each a run of items close in time. Default: items / 40, at most 50. */
  albums?: number;
  seed?: number;
  /** Add the quirk catalogue. Default true. */
  quirks?: boolean;
}

/** Every case of the samples README the catalogue holds; `makeLibrary` lists each one's ids. */
export const QUIRKS = [
  'long-title-47',
  'long-title-51',
  'long-title-emoji',
  'long-title-zwj',
  'long-title-cyrillic',
  'non-latin-cyrillic',
  'non-latin-japanese',
  'title-with-number',
  'supplemental-cut',
  'supplemental-gone',
  'same-title',
  'same-title-supplemental',
  'same-title-large-n',
  'same-title-cut',
  'cut-collision',
  'no-extension',
  'slash-in-title',
  'edited-en',
  'edited-fr',
  'edited-de',
  'edited-ja',
  'edited-numbered',
  'edited-cut',
  'edited-no-extension',
  'motion-photo',
  'motion-photo-tilde2',
  'live-photo',
  'live-photo-numbered',
  'tilde2-copy',
  'sidecar-json',
  'sidecar-supplemental',
  'taken-zero-exif',
  'no-sidecar-name-date',
  'no-sidecar-no-date',
  'trashed',
  'archived',
  'favorited',
  'partner-shared',
  'geo',
  'geo-exif-differs',
  'geo-exif-absent',
  'altitude-negative-zero',
  'people',
  'video',
  'legacy-sidecar',
  'minimal-sidecar',
  'app-source',
  'heic-exif',
  'album-only-item',
  'sidecar-apart',
  'album-copy-apart',
  'same-path-two-parts',
  'album-plain',
  'album-full',
  'album-emoji-title',
  'album-data-wrapper',
  'album-title-only',
  'album-title-only-cyrillic',
  'album-untitled',
  'album-sanitized',
  'album-long-title',
  'album-sidecars-only',
  'album-date-zero',
  'album-shared',
] as const;

export type QuirkName = (typeof QUIRKS)[number];

const MIME: Record<MediaFormat, string> = {
  jpeg: 'image/jpeg',
  heic: 'image/heic',
  png: 'image/png',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
};

/** The extension Google adds to a title that has none, per format. */
export const FALLBACK_EXTENSION: Record<MediaFormat, string> = {
  jpeg: '.jpg',
  heic: '.HEIC',
  png: '.png',
  mp4: '.mp4',
  mov: '.MOV',
};

/** The emulator's seedable PRNG (mulberry32), shared so both fakes draw the same way. */
export { prng };

/** The item's media bytes: deterministic, distinct per (seed, item). */
export function itemBytes(library: Library, item: LibraryItem): Buffer {
  return mediaBytes({
    format: item.format,
    takenTime: item.embeddedDate ? item.takenTime : null,
    tag: `gphotos-sync takeout fake; seed ${library.seed}; item ${item.id}`,
    camera: item.camera,
  });
}

/** The format a title's extension implies (jpeg for none or an unknown one). */
export function formatOfTitle(title: string): MediaFormat {
  const ext = splitExtension(title)[1].toLowerCase();
  if (ext === '.heic') return 'heic';
  if (ext === '.png') return 'png';
  if (ext === '.mov') return 'mov';
  if (['.mp4', '.m4v', '.mp', '.mp~2'].includes(ext)) return 'mp4';
  return 'jpeg';
}

export interface PhotoOptions {
  /** ISO instant or Date; default: a random time in 2008–2024. */
  taken?: string | Date;
  format?: MediaFormat;
  /** null: no sidecar; fields given override the defaults. */
  sidecar?: Partial<SidecarSpec> | null;
  embeddedDate?: boolean;
  camera?: { make: string; model: string };
  trashed?: boolean;
  archived?: boolean;
  favorited?: boolean;
  inYearFolder?: boolean;
}

const URL_ID_LENGTH = 38;
const URL_ALPHABET = Buffer.from(
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  'latin1',
);
const URL_SCRATCH = Buffer.alloc(URL_ID_LENGTH);

/** Builds a library item by item; ids are positions, so followers right after their partner. */
export class LibraryBuilder {
  readonly rand: () => number;
  readonly library: Library;

  constructor(seed: number) {
    this.rand = prng(seed);
    this.library = { seed, items: [], albums: [], quirks: new Map(QUIRKS.map((q) => [q, []])) };
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.rand() * values.length)]!;
  }

  randomTime(): Date {
    const from = Date.UTC(2008, 0, 1) / 1000;
    const to = Date.UTC(2024, 11, 31) / 1000;
    return new Date(this.int(from, to) * 1000);
  }

  /** An original with a sidecar (unless `sidecar: null`). */
  photo(title: string, options: PhotoOptions = {}): LibraryItem {
    const takenTime = options.taken ? new Date(options.taken) : this.randomTime();
    const format = options.format ?? formatOfTitle(title);
    const sidecar = options.sidecar === null ? null : this.sidecar(format, options.sidecar ?? {});
    const item: LibraryItem = {
      id: this.library.items.length,
      kind: 'original',
      partnerId: null,
      title,
      format,
      mime: MIME[format],
      takenTime,
      createdTime: new Date(takenTime.getTime() + this.int(60, 5 * 86400) * 1000),
      sidecar,
      embeddedDate: options.embeddedDate ?? format !== 'png',
      camera: options.camera ?? cameraFor(format),
      albums: [],
      inYearFolder: options.inYearFolder ?? true,
      trashed: options.trashed ?? false,
      archived: options.archived ?? false,
      favorited: options.favorited ?? false,
    };
    this.library.items.push(item);
    return item;
  }

  private sidecar(format: MediaFormat, given: Partial<SidecarSpec>): SidecarSpec {
    const ios = format === 'heic' || format === 'mov';
    return {
      scheme: 'json',
      style: 'modern',
      takenKnown: true,
      origin: 'mobileUpload',
      deviceType: ios ? 'IOS_PHONE' : 'ANDROID_PHONE',
      deviceFolder: ios ? null : '',
      appSource: null,
      geo: null,
      geoExif: null,
      people: [],
      description: '',
      imageViews: this.int(0, 40),
      url: `https://photos.google.com/photo/AF1Qip${this.urlId()}`,
      lastModified: null,
      ...given,
    };
  }

  /** 38 characters of a Photos URL id, decoded at once from a scratch buffer (a flat string). */
  private urlId(): string {
    for (let i = 0; i < URL_ID_LENGTH; i++)
      URL_SCRATCH[i] = URL_ALPHABET[Math.floor(this.rand() * 64)]!;
    return URL_SCRATCH.toString('latin1', 0, URL_ID_LENGTH);
  }

  /** A follower without sidecar: same date, albums and flags as its partner. */
  follower(
    of: LibraryItem,
    kind: 'edited' | 'companion',
    title: string,
    format: MediaFormat,
  ): LibraryItem {
    const item: LibraryItem = {
      ...of,
      id: this.library.items.length,
      kind,
      partnerId: of.id,
      title,
      format,
      mime: MIME[format],
      sidecar: null,
      embeddedDate: true,
      albums: of.albums,
    };
    this.library.items.push(item);
    return item;
  }

  edited(of: LibraryItem, suffix: string = EDIT_SUFFIXES.en): LibraryItem {
    const title = editedTitle(of.title, suffix, FALLBACK_EXTENSION[of.format]);
    return this.follower(of, 'edited', title, of.format === 'png' ? 'png' : 'jpeg');
  }

  album(
    title: string,
    style: AlbumStyle,
    date: string | null,
    extra: Partial<LibraryAlbum> = {},
  ): LibraryAlbum {
    const album: LibraryAlbum = {
      id: this.library.albums.length,
      title,
      description: '',
      date: date === null ? null : new Date(date),
      style,
      mediaInFolder: true,
      access: 'protected',
      ...extra,
    };
    this.library.albums.push(album);
    return album;
  }

  /** Puts originals in an album; their followers share the same `albums` array. */
  addToAlbum(album: LibraryAlbum, ...items: LibraryItem[]): void {
    for (const item of items) item.albums.push(album.id);
  }

  mark(quirk: QuirkName, ...ids: number[]): void {
    this.library.quirks.get(quirk)!.push(...ids);
  }
}

const IPHONE = { make: 'Apple', model: 'iPhone 12' };
const PIXEL = { make: 'Google', model: 'Pixel 7' };
const NIKON = { make: 'NIKON CORPORATION', model: 'NIKON D3300' };

function cameraFor(format: MediaFormat): { make: string; model: string } {
  return format === 'heic' || format === 'mov' ? IPHONE : PIXEL;
}

export function makeLibrary(options: LibraryOptions): Library {
  const b = new LibraryBuilder(options.seed ?? 1);
  if (options.quirks ?? true) addQuirks(b);
  const first = b.library.items.length;
  addOrdinaryItems(b, options.items);
  const albums = options.albums ?? Math.min(50, Math.floor(options.items / 40));
  addOrdinaryAlbums(b, first, albums);
  return b.library;
}

// --- Ordinary items: phone and camera habits of 2008–2024, names carrying their dates ---

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `YYYYMMDD` and `HHMMSS` of an instant's UTC wall clock. */
function ymd(t: Date): string {
  return `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}`;
}

function hms(t: Date): string {
  return `${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
}

interface Shot {
  title: string;
  companion?: string;
  options?: PhotoOptions;
}

/** One ordinary upload's names, by device habit. */
function ordinaryShot(b: LibraryBuilder, t: Date): Shot {
  const r = b.rand();
  const day = ymd(t);
  const time = hms(t);
  if (r < 0.3) {
    const stem = `PXL_${day}_${time}${pad(b.int(0, 999), 3)}`;
    const v = b.rand();
    if (v < 0.08) return { title: `${stem}.mp4` };
    return v < 0.16
      ? { title: `${stem}.MP.jpg`, companion: `${stem}.MP` }
      : { title: `${stem}.jpg` };
  }
  if (r < 0.55) {
    const stem = `IMG_${pad(b.int(0, 9999), 4)}`;
    const v = b.rand();
    if (v < 0.1) return { title: `${stem}.MOV` };
    return v < 0.4
      ? { title: `${stem}.HEIC`, companion: `${stem}.MP4` }
      : { title: `${stem}.HEIC` };
  }
  if (r < 0.7)
    return { title: b.rand() < 0.1 ? `VID_${day}_${time}.mp4` : `IMG_${day}_${time}.jpg` };
  if (r < 0.8) {
    return { title: `DSC_${pad(b.int(0, 9999), 4)}.JPG`, options: { camera: NIKON } };
  }
  if (r < 0.9) {
    const sidecar = { appSource: 'com.whatsapp', deviceFolder: 'WhatsApp Images' };
    return {
      title: `IMG-${day}-WA${pad(b.int(0, 999), 4)}.jpg`,
      options: { embeddedDate: false, sidecar },
    };
  }
  return { title: `Screenshot_${day}-${time}.png` };
}

const PEOPLE = ['Susan', 'Justin', 'Marietta', 'Noé', 'Ana', 'Jürgen', 'Yuki'];

function randomGeo(b: LibraryBuilder): GeoPoint {
  const latitude = Math.round((b.rand() * 120 - 60) * 1e7) / 1e7;
  const longitude = Math.round((b.rand() * 360 - 180) * 1e7) / 1e7;
  return { latitude, longitude, altitude: Math.round(b.rand() * 50000) / 100 };
}

/** The sidecar habits shared by ordinary items: scheme, place, people, partner sharing. */
function ordinarySidecar(
  b: LibraryBuilder,
  given: Partial<SidecarSpec> = {},
): Partial<SidecarSpec> {
  const geo = b.rand() < 0.4 ? randomGeo(b) : null;
  const people = b.rand() < 0.05 ? [b.pick(PEOPLE), b.pick(PEOPLE)] : [];
  const scheme: SidecarScheme = b.rand() < 0.6 ? 'supplemental' : 'json';
  const partner = b.rand() < 0.02;
  const shared = partner
    ? { origin: 'fromPartnerSharing' as const, url: '', deviceType: null, deviceFolder: null }
    : {};
  return { scheme, geo, geoExif: geo, people, ...shared, ...given };
}

function addOrdinaryItems(b: LibraryBuilder, count: number): void {
  for (let i = 0; i < count; i++) {
    const t = b.randomTime();
    const shot = ordinaryShot(b, t);
    const item = b.photo(shot.title, {
      ...shot.options,
      taken: t,
      sidecar: ordinarySidecar(b, shot.options?.sidecar ?? {}),
      favorited: b.rand() < 0.03,
      archived: b.rand() < 0.02,
      trashed: b.rand() < 0.005,
    });
    if (shot.companion) b.follower(item, 'companion', shot.companion, 'mp4');
    if (item.format !== 'mp4' && item.format !== 'mov' && b.rand() < 0.03) b.edited(item);
  }
}

const PLACES = ['Lisbonne', 'Garros', 'Amsterdam', 'Kyoto', 'Gdańsk', 'Chengdu', 'Berlin', 'Roma'];

/** Albums of items close in time (events); members are originals in the library, not trashed. */
function addOrdinaryAlbums(b: LibraryBuilder, first: number, count: number): void {
  const pool = b.library.items
    .slice(first)
    .filter((i) => i.kind === 'original' && !i.trashed && i.inYearFolder)
    .sort((x, y) => x.takenTime.getTime() - y.takenTime.getTime());
  if (pool.length === 0) return;
  for (let k = 0; k < count; k++) {
    const length = b.int(3, Math.max(3, Math.floor(pool.length / count)));
    const start = b.int(0, Math.max(0, pool.length - length));
    const members = pool.slice(start, start + length);
    const year = members[0]!.takenTime.getUTCFullYear();
    const round = Math.floor(k / PLACES.length);
    const title = `${PLACES[k % PLACES.length]} ${year}${round > 0 ? ` (${round + 1})` : ''}`;
    const made = Math.max(...members.map((m) => m.createdTime.getTime())) + 3600_000;
    const album = b.album(title, k % 5 === 4 ? 'full' : 'plain', new Date(made).toISOString());
    b.addToAlbum(album, ...members);
  }
}

// --- The quirk catalogue: one or more instances of every case of the samples README ---

const SUPPLEMENTAL = { sidecar: { scheme: 'supplemental' as const } };

function addQuirks(b: LibraryBuilder): void {
  longTitleQuirks(b);
  duplicateQuirks(b);
  editedQuirks(b);
  companionQuirks(b);
  dateQuirks(b);
  flagQuirks(b);
  albumQuirks(b);
  for (const item of b.library.items) {
    if (item.sidecar)
      b.mark(item.sidecar.scheme === 'json' ? 'sidecar-json' : 'sidecar-supplemental', item.id);
  }
}

/** Names cut at 46/47 units (real titles from issues google-photos-exif#28, immich-go#35, memories#1559). */
function longTitleQuirks(b: LibraryBuilder): void {
  const t = (taken: string, extra: PhotoOptions = {}): PhotoOptions => ({ taken, ...extra });
  const long51 = [
    b.photo(
      '01D1C847-D498-4814-9F10-6B81D768077B-1050-0000012BFC8FF17F_tmp.jpg',
      t('2019-05-04T10:11:12Z'),
    ),
    b.photo('PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINAL.jpg', t('2023-08-09T20:34:49Z')),
  ];
  b.mark('long-title-51', ...long51.map((i) => i.id));
  const long47 = [
    b.photo('05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg', t('2021-03-02T08:00:00Z')),
    b.photo('PXL_20230814_201154491.LONG_EXPOSURE-01.COVER.jpg', t('2023-08-14T20:11:54Z')),
  ];
  b.mark('long-title-47', ...long47.map((i) => i.id));
  const emoji =
    '😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛😝😜🤪🤨🧐🤓😎🥸🤩🥳😏😒😞😔😟😕🙁☹️😣😖😫😩🥺😢😭😤😠😡🤬🤯😳🥵🥶.jpg';
  b.mark('long-title-emoji', b.photo(emoji, t('2023-08-13T10:00:00Z')).id);
  const zwj = 'Pique-nique au bord du lac avec la famille 👨‍👩‍👧‍👦 et les cousins.jpg';
  b.mark('long-title-zwj', b.photo(zwj, t('2022-07-14T12:00:00Z', SUPPLEMENTAL)).id);
  const cyrillic = 'Семейный ужин у бабушки в деревне под Новгородом летом 2019 года.jpg';
  b.mark('long-title-cyrillic', b.photo(cyrillic, t('2019-07-20T18:30:00Z')).id);
  b.mark('non-latin-cyrillic', b.photo('Прогулка по набережной.jpg', t('2019-07-21T09:00:00Z')).id);
  b.mark(
    'title-with-number',
    b.photo('Urlaub in Knaufspesch in der Schneifel (38).JPG', t('2005-02-05T14:00:00Z')).id,
  );
  const cut = [
    b.photo('Screenshot_2017-07-05-10-05-26.png', t('2017-07-05T10:05:26Z', SUPPLEMENTAL)),
    b.photo('Screenshot_20241227_105539_Edge.jpg', t('2024-12-27T10:55:39Z', SUPPLEMENTAL)),
    b.photo('D7157814-D2D5-4A62-AFCE-9CF465CB7D66.jpeg', t('2022-03-03T03:03:03Z', SUPPLEMENTAL)),
    b.photo('MVIMG_20191230_232926.jpg', t('2019-12-30T23:29:26Z', SUPPLEMENTAL)),
  ];
  b.mark('supplemental-cut', ...cut.map((i) => i.id));
  const gone = b.photo(
    'Screenshot_20220207_102421_com.snapchat.android.jpg',
    t('2022-02-07T10:24:21Z', SUPPLEMENTAL),
  );
  b.mark('supplemental-gone', gone.id);
}

/** `count` items of one title in one year folder, from `taken` on, a minute apart. */
function sameTitle(
  b: LibraryBuilder,
  title: string,
  count: number,
  taken: string,
  o: PhotoOptions = {},
): LibraryItem[] {
  const start = new Date(taken).getTime();
  return Array.from({ length: count }, (_, i) =>
    b.photo(title, { ...o, taken: new Date(start + i * 60_000).toISOString() }),
  );
}

/** `(n)` numbering (immich-go fixtures, issues #39, #162, #652, #673). */
function duplicateQuirks(b: LibraryBuilder): void {
  const ids = (items: LibraryItem[]): number[] => items.map((i) => i.id);
  b.mark('same-title', ...ids(sameTitle(b, 'IMG_3479.JPG', 3, '2009-06-01T10:00:00Z')));
  b.mark(
    'same-title-supplemental',
    ...ids(sameTitle(b, 'Scan35.jpg', 2, '2015-03-01T10:00:00Z', SUPPLEMENTAL)),
  );
  b.mark(
    'same-title-large-n',
    ...ids(sameTitle(b, 'EFFECTS.jpg', 12, '2020-05-01T10:00:00Z', SUPPLEMENTAL)),
  );
  const facebook = 'Screenshot_20231027_123303_Facebook.jpg';
  b.mark('same-title-cut', ...ids(sameTitle(b, facebook, 2, '2023-10-27T12:33:03Z', SUPPLEMENTAL)));
  const backyard = 'Backyard_ceremony_wedding_photography_xxxxxxx_magnoliastudios-';
  const collide = [
    b.photo(`${backyard}371.jpg`, { taken: '2020-09-12T15:00:00Z' }),
    b.photo(`${backyard}181.jpg`, { taken: '2020-09-12T15:05:00Z' }),
  ];
  b.mark('cut-collision', ...ids(collide));
  const noExt = b.photo('Peanut Butter Balls', { taken: '2016-11-20T19:00:00Z', ...SUPPLEMENTAL });
  b.mark('no-extension', noExt.id);
  b.mark('slash-in-title', b.photo('27/06/12 - 2', { taken: '2012-06-27T16:00:00Z' }).id);
}

/** Edited copies: no sidecar, a localized suffix, numbered and cut like any file (#674, #698, #756, #884). */
function editedQuirks(b: LibraryBuilder): void {
  const fr = b.photo('IMG_8416.JPG', { taken: '2018-07-25T10:21:33Z' });
  b.mark('edited-fr', b.edited(fr, EDIT_SUFFIXES.fr).id);
  const en = [
    b.photo('IMAG0061.JPG', { taken: '2011-04-02T09:00:00Z', ...SUPPLEMENTAL }),
    b.photo('IMG-20150125-WA0005.jpeg', { taken: '2015-01-25T13:00:00Z', ...SUPPLEMENTAL }),
  ];
  b.mark('edited-en', ...en.map((i) => b.edited(i).id));
  const de = b.photo('DSC_0100.JPG', { taken: '2013-05-01T11:00:00Z' });
  b.mark('edited-de', b.edited(de, EDIT_SUFFIXES.de).id);
  const ja = b.photo('東京タワーの夜景.JPG', { taken: '2019-11-03T11:00:00Z', ...SUPPLEMENTAL });
  b.mark('non-latin-japanese', ja.id);
  b.mark('edited-ja', b.edited(ja, EDIT_SUFFIXES.ja).id);
  // Twins, each followed by its edited copy: the second copy becomes `-edited(1)`.
  const twinEdits = ['2012-02-16T09:40:16Z', '2012-02-16T09:41:16Z'].map((taken) =>
    b.edited(b.photo('IMG_20120216_094016.jpg', { taken, ...SUPPLEMENTAL })),
  );
  b.mark('edited-numbered', twinEdits[1]!.id);
  const es = b.photo('Con Yoli por Málaga en el piso nuevo_001.JPG', {
    taken: '2016-09-10T18:00:00Z',
  });
  b.mark('edited-cut', b.edited(es, EDIT_SUFFIXES.es).id);
  const noExt = b.photo('2234089303984509579', { taken: '2014-08-30T12:00:00Z', ...SUPPLEMENTAL });
  b.mark('edited-no-extension', b.edited(noExt).id);
}

/** Motion photos (`.MP`, `.MP~2`, #68, #405), live photos (#1321) and a `~2` copy (#698). */
function companionQuirks(b: LibraryBuilder): void {
  const motion = b.photo('PXL_20221228_185930354.MP.jpg', { taken: '2022-12-28T18:59:30Z' });
  b.mark('motion-photo', b.follower(motion, 'companion', 'PXL_20221228_185930354.MP', 'mp4').id);
  const live = b.photo('IMG_1234.HEIC', { taken: '2021-06-05T17:20:00Z' });
  b.mark('live-photo', b.follower(live, 'companion', 'IMG_1234.MP4', 'mp4').id);
  for (const [i, taken] of ['2025-03-01T10:00:00Z', '2025-03-01T10:05:00Z'].entries()) {
    const heic = b.photo('IMG_0769.HEIC', { taken, ...SUPPLEMENTAL });
    const mp4 = b.follower(heic, 'companion', 'IMG_0769.mp4', 'mp4');
    if (i === 1) b.mark('live-photo-numbered', heic.id, mp4.id);
  }
  b.photo('IMG-20230325-WA0122.jpg', { taken: '2023-03-25T17:51:00Z', ...SUPPLEMENTAL });
  const tilde = b.photo('IMG-20230325-WA0122~2.jpg', {
    taken: '2023-03-25T17:51:00Z',
    ...SUPPLEMENTAL,
  });
  b.mark('tilde2-copy', tilde.id);
  b.mark('edited-en', b.edited(tilde).id);
}

/** Items dated by their bytes, their name or only their year folder. */
function dateQuirks(b: LibraryBuilder): void {
  const zero = b.photo('IMG_20190612_101500.jpg', {
    taken: '2019-06-12T10:15:00Z',
    sidecar: { takenKnown: false },
  });
  b.mark('taken-zero-exif', zero.id);
  const named = b.photo('IMG_20170803_115431469.jpg', {
    taken: '2017-08-03T11:54:31.469Z',
    sidecar: null,
    embeddedDate: false,
  });
  b.mark('no-sidecar-name-date', named.id);
  const bare = b.photo('scan-grandma-letter.jpg', {
    taken: '2005-04-10T12:00:00Z',
    sidecar: null,
    embeddedDate: false,
  });
  b.mark('no-sidecar-no-date', bare.id);
  b.mark(
    'heic-exif',
    b.photo('IMG_0350.HEIC', { taken: '2020-02-02T20:20:20Z', sidecar: null }).id,
  );
}

const EIFFEL: GeoPoint = { latitude: 48.8583736, longitude: 2.291901, altitude: 82.09 };
const NOT_MOBILE = { deviceType: null, deviceFolder: null };

/** Flags, places, people, partner sharing, videos and older or newer sidecar shapes. */
function flagQuirks(b: LibraryBuilder): void {
  const trashed = [
    b.photo('PXL_20220101_120000000.jpg', { taken: '2022-01-01T12:00:00Z', trashed: true }),
    b.photo('IMG_5000.HEIC', { taken: '2021-01-01T12:00:00Z', trashed: true, ...SUPPLEMENTAL }),
  ];
  b.mark('trashed', ...trashed.map((i) => i.id));
  const gopher = b.photo('PinClipart.com_gopher-clipart_4000224.jpg', {
    taken: '2025-03-13T17:05:10Z',
    archived: true,
    sidecar: { scheme: 'supplemental', style: 'minimal' },
  });
  b.mark('archived', gopher.id);
  b.mark('minimal-sidecar', gopher.id);
  const geo = { geo: EIFFEL, geoExif: EIFFEL };
  const fav = b.photo('PXL_20230922_144936000.jpg', {
    taken: '2023-09-22T14:49:36Z',
    favorited: true,
    sidecar: geo,
  });
  b.mark('favorited', fav.id);
  b.mark(
    'geo',
    fav.id,
    b.photo('PXL_20231006_063000139.jpg', { taken: '2023-10-06T06:30:00Z', sidecar: geo }).id,
  );
  const chengdu = b.photo('IMG_3397.JPG', {
    taken: '2009-11-16T12:51:58Z',
    sidecar: {
      scheme: 'supplemental',
      geo: { latitude: 30.657819000000003, longitude: 104.0739, altitude: 0 },
      geoExif: { latitude: 30.6578197, longitude: 104.0738983, altitude: 486.2175925925926 },
    },
  });
  b.mark('geo-exif-differs', chengdu.id);
  const whatsapp = b.photo('IMG-20161219-WA0000.jpg', {
    taken: '2017-11-23T23:34:26Z',
    embeddedDate: false,
    archived: true,
    sidecar: {
      scheme: 'supplemental',
      geoExif: 'absent',
      appSource: 'com.whatsapp',
      deviceFolder: 'WhatsApp Images',
    },
  });
  b.mark('geo-exif-absent', whatsapp.id);
  b.mark('app-source', whatsapp.id);
  b.mark('archived', whatsapp.id);
  const carolina = { latitude: 35.012184, longitude: -82.5663982 };
  const negZero = b.photo('IMG_20250411_101010.jpg', {
    taken: '2025-04-11T10:10:10Z',
    sidecar: {
      scheme: 'supplemental',
      geo: { ...carolina, altitude: -0 },
      geoExif: { ...carolina, altitude: 0 },
    },
  });
  b.mark('altitude-negative-zero', negZero.id);
  b.mark(
    'people',
    b.photo('IMG_0186.HEIC', {
      taken: '2023-06-09T10:19:47Z',
      sidecar: { people: ['Susan', 'Justin'] },
    }).id,
  );
  sharingAndVideoQuirks(b);
}

function sharingAndVideoQuirks(b: LibraryBuilder): void {
  const partner = { origin: 'fromPartnerSharing' as const, url: '', ...NOT_MOBILE };
  const heic = b.photo('IMG_1559.HEIC', { taken: '2023-06-26T15:06:08Z', sidecar: partner });
  const mov = b.photo('0100E30E-AA4F-4D02-A1E8-727A4107063D.mov', {
    taken: '2022-11-03T19:00:10Z',
    sidecar: { ...partner, people: ['Marietta'], lastModified: new Date('2022-12-05T19:06:16Z') },
  });
  b.mark('partner-shared', heic.id, mov.id);
  b.mark('people', mov.id);
  const videos = [
    b.photo('PXL_20231006_063909898.LS.mp4', { taken: '2023-10-06T06:39:09Z' }),
    b.photo('IMG_1772.MOV', { taken: '2023-08-13T11:00:00Z' }),
    b.photo('Bebop2_20180723180057+0200.m4v', { taken: '2018-07-23T16:00:57Z' }),
  ];
  b.mark('video', mov.id, ...videos.map((i) => i.id));
  const gdansk = { latitude: 54.51708608333333, longitude: 18.54171638888889, altitude: 0 };
  const legacy = b.photo('IMG_20170803_115431469_HDR.jpg', {
    taken: '2017-08-03T09:54:31Z',
    sidecar: {
      style: 'legacy',
      lastModified: new Date('2020-03-27T14:08:12Z'),
      geo: gdansk,
      geoExif: gdansk,
    },
  });
  b.mark('legacy-sidecar', legacy.id);
}

function quirkItem(b: LibraryBuilder, quirk: QuirkName): LibraryItem {
  return b.library.items[b.library.quirks.get(quirk)![0]!]!;
}

function partnerOf(b: LibraryBuilder, item: LibraryItem): LibraryItem {
  return b.library.items[item.partnerId!]!;
}

/** Albums as real exports write them (small.lst, Takeout1-3, json_test.go, issue #380). */
function albumQuirks(b: LibraryBuilder): void {
  const guillaumes = b.album('Guillaumes 2018', 'plain', '2018-07-28T08:24:00Z');
  const img8213 = b.photo('IMG_8213.JPG', { taken: '2018-07-24T15:00:00Z' });
  b.addToAlbum(guillaumes, img8213, partnerOf(b, quirkItem(b, 'edited-fr')));
  b.mark('album-plain', guillaumes.id);
  const garros = b.album('Garros 19 Juillet 2018', 'full', '2018-07-21T07:08:00Z');
  const garrosPhoto = b.photo('IMG_20180719_191506.jpg', { taken: '2018-07-19T17:15:06Z' });
  b.addToAlbum(
    garros,
    garrosPhoto,
    b.library.items.find((i) => i.title.startsWith('Bebop2_'))!,
  );
  b.mark('album-full', garros.id);
  const lisbon = b.album('🇵🇹 Lisbonne ❤️ en famille 👨‍👩‍👦‍👦', 'plain', '2023-08-21T17:24:00Z');
  const apart = b.photo('PXL_20230813_045311490.jpg', { taken: '2023-08-13T04:53:11Z' });
  const heic = b.photo('IMG_1849.HEIC', { taken: '2023-08-14T09:00:00Z' });
  b.addToAlbum(lisbon, apart, heic, quirkItem(b, 'long-title-emoji'));
  b.mark('album-emoji-title', lisbon.id);
  b.mark('album-copy-apart', apart.id);
  b.mark('sidecar-apart', heic.id);
  const gdansk = b.album('Trip to Gdańsk', 'albumData', '2017-08-11T08:20:26Z');
  b.addToAlbum(gdansk, quirkItem(b, 'legacy-sidecar'));
  b.mark('album-data-wrapper', gdansk.id);
  const basement = b.album('basement finishing', 'title-only', null);
  b.addToAlbum(basement, b.photo('IMG_20240302_140000.jpg', { taken: '2024-03-02T14:00:00Z' }));
  b.addToAlbum(basement, b.photo('IMG_20240303_150000.jpg', { taken: '2024-03-03T15:00:00Z' }));
  b.mark('album-title-only', basement.id);
  const bulgarian = b.album('Фокус върху един ден', 'title-only', null);
  b.addToAlbum(bulgarian, quirkItem(b, 'non-latin-cyrillic'));
  b.mark('album-title-only-cyrillic', bulgarian.id);
  oddAlbumQuirks(b);
}

/** Untitled, sanitized, cut, sidecars-only, zero-dated and shared albums. */
function oddAlbumQuirks(b: LibraryBuilder): void {
  const untitled = b.album('', 'plain', '2024-01-21T15:52:00Z');
  for (const stem of ['PXL_20210102_221126856.MP', 'PXL_20210102_221126856.MP~2']) {
    const still = b.photo(`${stem}.jpg`, { taken: '2021-01-02T22:11:26Z' });
    b.addToAlbum(untitled, still);
    const video = b.follower(still, 'companion', stem, 'mp4');
    if (stem.endsWith('~2')) b.mark('motion-photo-tilde2', video.id);
  }
  b.mark('album-untitled', untitled.id);
  const mum = b.album('Mum & Dad / 2019', 'plain', '2019-12-25T20:00:00Z');
  b.addToAlbum(mum, b.photo('PXL_20191225_190000123.jpg', { taken: '2019-12-25T19:00:00Z' }));
  b.mark('album-sanitized', mum.id);
  const genoa = b.album(
    '2016-01-05 - Castello De Albertis e Mostra di Rubens',
    'plain',
    '2016-01-06T10:00:00Z',
  );
  const lls = b.photo('20160105_121621_LLS.jpg', { taken: '2016-01-05T12:16:21Z' });
  b.addToAlbum(genoa, lls);
  b.mark('album-long-title', genoa.id);
  b.mark('same-path-two-parts', lls.id);
  const yoga = b.album('Chair yoga', 'plain', '2022-12-31T09:10:16Z', { mediaInFolder: false });
  b.addToAlbum(yoga, b.photo('PXL_20221230_100000000.jpg', { taken: '2022-12-30T10:00:00Z' }));
  b.addToAlbum(yoga, b.photo('PXL_20221230_101500000.jpg', { taken: '2022-12-30T10:15:00Z' }));
  b.mark('album-sidecars-only', yoga.id);
  const gophers = b.album("Gopher's gallery", 'plain', null, { access: '' });
  b.addToAlbum(gophers, quirkItem(b, 'archived'));
  b.mark('album-date-zero', gophers.id);
  const amsterdam = b.album('Amsterdam 2022', 'shared', null);
  const only = b.photo('130917ad28385b5a-photo.jpg', {
    taken: '2022-07-12T11:00:00Z',
    inYearFolder: false,
    sidecar: { origin: 'fromSharedAlbum', ...NOT_MOBILE },
  });
  b.addToAlbum(
    amsterdam,
    only,
    b.photo('PXL_20220712_120000000.jpg', { taken: '2022-07-12T12:00:00Z' }),
  );
  b.mark('album-shared', amsterdam.id);
  b.mark('album-only-item', only.id);
}

// --- The expected result: what the product should back up from an export of this library ---

/**
 * Where the product can learn an item's taken time: its sidecar, its bytes (EXIF, mvhd), its file
 * name (`IMG_20170803_115431469.jpg`: to the name's precision), its partner (edited copies and
 * companions), or only its year folder (then only the year of `takenTime` can be checked).
 */
export type DateSource = 'sidecar' | 'embedded' | 'name' | 'partner' | 'folder';

export interface ExpectedItem {
  /** An original's title; for edited copies and companions, their file name without `(n)`. */
  title: string;
  kind: ItemKind;
  /** The original's title, for edited copies and companions; else null. */
  partner: string | null;
  takenTime: Date;
  dateFrom: DateSource;
  mime: string;
  size: number;
  /** Hex SHA-256 of the bytes (each item's bytes are distinct). */
  sha256: string;
  /** Titles of its albums ('' for an untitled one), in library order. */
  albums: string[];
  /** false: the export has it only in album folders. */
  inYearFolder: boolean;
  archived: boolean;
  favorited: boolean;
  /** Shared by a partner (`fromPartnerSharing`, `url: ""`). */
  partnerShared: boolean;
}

export interface ExpectedAlbum {
  /** '' for an untitled album. */
  title: string;
  /** The album JSON's date, else its earliest member's taken time. */
  date: Date;
  /** Member titles (ExpectedItem.title), in library order; titles may repeat. */
  members: string[];
  /** The members' ExpectedItem.sha256, same order: unambiguous where titles repeat. */
  memberSha256: string[];
  /** false: the album folder holds only sidecars, the media are in year folders. */
  mediaInFolder: boolean;
}

export interface ExpectedTree {
  /** Every exported item that is not trashed, in library order. */
  items: ExpectedItem[];
  /** Every album with at least one such item. */
  albums: ExpectedAlbum[];
}

/** What the product should make of an export of `library` (with the same `include`). */
export function expectedTree(
  library: Library,
  options: { include?: (item: LibraryItem) => boolean } = {},
): ExpectedTree {
  const original = (i: LibraryItem): LibraryItem =>
    i.partnerId === null ? i : library.items[i.partnerId]!;
  const kept = library.items.filter((i) => !i.trashed && (options.include?.(original(i)) ?? true));
  const items = kept.map((i) => expectedItem(library, i));
  const albums: ExpectedAlbum[] = [];
  for (const album of library.albums) {
    const members = kept.flatMap((item, k) =>
      item.albums.includes(album.id) ? [{ item, expected: items[k]! }] : [],
    );
    if (members.length === 0) continue;
    const earliest = Math.min(...members.map((m) => m.item.takenTime.getTime()));
    albums.push({
      title: album.title,
      date: album.date ?? new Date(earliest),
      members: members.map((m) => m.expected.title),
      memberSha256: members.map((m) => m.expected.sha256),
      mediaInFolder: album.mediaInFolder,
    });
  }
  return { items, albums };
}

function expectedItem(library: Library, item: LibraryItem): ExpectedItem {
  const bytes = itemBytes(library, item);
  const partner = item.partnerId === null ? null : library.items[item.partnerId]!;
  return {
    title: partner ? mediaFileName(item.title, 0, FALLBACK_EXTENSION[item.format]) : item.title,
    kind: item.kind,
    partner: partner ? partner.title : null,
    takenTime: item.takenTime,
    dateFrom: dateSource(item),
    mime: item.mime,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    albums: item.albums.map((id) => library.albums[id]!.title),
    inYearFolder: item.inYearFolder,
    archived: item.archived,
    favorited: item.favorited,
    partnerShared: (partner ?? item).sidecar?.origin === 'fromPartnerSharing',
  };
}

function dateSource(item: LibraryItem): DateSource {
  if (item.partnerId !== null) return 'partner';
  if (item.sidecar?.takenKnown) return 'sidecar';
  if (item.embeddedDate) return 'embedded';
  return /(19|20)\d{6}_\d{6}/.test(item.title) ? 'name' : 'folder';
}
