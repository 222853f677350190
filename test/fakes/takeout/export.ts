/**
 * Turns a library (library.ts) into a Google Takeout export of Google Photos: archive parts whose
 * entries are named, laid out and dated as Google does (../shared/takeout-samples/README.md).
 *
 * `makeExport` only plans: paths, parts, mtimes. Bytes are made when an entry is read, so a
 * 100,000-item export never holds its Buffers at once: read a part with `entriesOf(part)` (or
 * `part.entries`, which builds them all). Reading a part twice gives the same bytes.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { FALLBACK_EXTENSION, itemBytes, prng } from './library.ts';
import type { GeoPoint, Library, LibraryAlbum, LibraryItem, QuirkName } from './library.ts';
import {
  albumFolderName,
  albumJsonName,
  exportIdOf,
  mediaFileName,
  partFileName,
  productFolder,
  sidecarFileName,
  trashFolder,
  untitledAlbumFolder,
  yearFolder,
} from './naming.ts';
import type { Language } from './naming.ts';

export interface ExportOptions {
  /**
   * When the export was requested (UTC): the part names and every entry's mtime follow from it.
   * Should come after the library's last upload (the quirk catalogue's is in April 2025).
   */
  requestedAt: Date;
  /** Number of parts, entries split evenly by count. Default 1 unless `partBytes` is given. */
  partCount?: number;
  /** Fill parts in order up to this many bytes of entry data (at least one entry a part). */
  partBytes?: number;
  /** `mixed` alternates zip and tgz, starting with zip (real exports use one format). */
  format: 'zip' | 'tgz' | 'mixed';
  /** `takeout-…Z-1-001.zip` instead of `takeout-…Z-001.zip`. */
  newPartNaming?: boolean;
  language?: Language;
  /** Only these originals (and their edited copies and companions) are exported. */
  include?: (item: LibraryItem) => boolean;
  /** One album copy (media and sidecar) appears again, same path and bytes, in another part. */
  samePathInTwoParts?: boolean;
}

export interface ExportEntry {
  path: string;
  data: Buffer;
  mtime: Date;
}

export interface ExportPart {
  fileName: string;
  format: 'zip' | 'tgz';
  /** From 1. */
  number: number;
  /** Entry paths in part order (cheap). */
  readonly paths: string[];
  /** Every entry with its bytes, built on each read: use `entriesOf` for large exports. */
  readonly entries: ExportEntry[];
}

export interface TakeoutExport {
  /** As `PartName.exportId` reads it from a part name. */
  exportId: string;
  parts: ExportPart[];
}

/** What an entry is made of; its bytes are made from this when it is read. */
type Source =
  | { kind: 'media'; item: LibraryItem }
  | { kind: 'sidecar'; item: LibraryItem }
  | { kind: 'album'; album: LibraryAlbum }
  | { kind: 'static'; name: string };

/** Which copy of an item an entry is: its library one (year or trash folder) or an album's. */
type Copy = 'library' | 'album' | 'other';

interface Planned {
  path: string;
  source: Source;
  copy: Copy;
}

interface Context {
  library: Library;
  language: Language;
  exportId: string;
  requestedAt: Date;
  rand: () => number;
}

/** Plans the export; no entry bytes are made here except to size parts for `partBytes`. */
export function makeExport(library: Library, options: ExportOptions): TakeoutExport {
  const newNaming = options.newPartNaming ?? false;
  const ctx: Context = {
    library,
    language: options.language ?? 'en',
    exportId: exportIdOf(options.requestedAt, newNaming),
    requestedAt: options.requestedAt,
    rand: prng(library.seed * 31 + 7),
  };
  const planned = planEntries(ctx, includedItems(library, options.include));
  const parts = splitParts(planned, options, (e) => dataOf(ctx, e.source).length);
  // archive_browser.html closes the first part, as in small.lst.
  parts[0]!.push(staticEntry(`Takeout/archive_browser.html`, 'archive_browser.html'));
  if (parts.length > 1) {
    separateSidecar(parts, library);
    separateAlbumCopy(parts, library);
    if (options.samePathInTwoParts) repeatAlbumCopy(parts, library);
  }
  const formatOf = (i: number): 'zip' | 'tgz' =>
    options.format === 'mixed' ? (i % 2 === 0 ? 'zip' : 'tgz') : options.format;
  return {
    exportId: ctx.exportId,
    parts: parts.map((entries, i) => new PlannedPart(ctx, i + 1, formatOf(i), entries)),
  };
}

/** The items exported: those `include` keeps, edited copies and companions with their partner. */
function includedItems(library: Library, include?: (item: LibraryItem) => boolean): LibraryItem[] {
  if (!include) return library.items;
  const kept = new Set<number>();
  for (const item of library.items) {
    const original = item.partnerId === null ? item : library.items[item.partnerId]!;
    if (include(original)) kept.add(item.id);
  }
  return library.items.filter((i) => kept.has(i.id));
}

/** Every entry in archive order: root JSONs, then the library and album folders, shuffled. */
function planEntries(ctx: Context, items: LibraryItem[]): Planned[] {
  const product = `Takeout/${productFolder(ctx.language)}`;
  const folders: Planned[][] = [];
  for (const [folder, members] of libraryFolders(ctx, items)) {
    folders.push(folderEntries(ctx, `${product}/${folder}`, members, null));
  }
  for (const { folder, album, members } of albumFolders(ctx, items)) {
    folders.push(folderEntries(ctx, `${product}/${folder}`, members, album));
  }
  shuffle(folders, ctx.rand);
  const root = STATIC_ROOT_FILES.map((name) => staticEntry(`${product}/${name}`, name));
  return [...root, ...folders.flat()];
}

function shuffle<T>(values: T[], rand: () => number): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
}

function staticEntry(path: string, name: string): Planned {
  return { path, source: { kind: 'static', name }, copy: 'other' };
}

/** Year folders (`Photos from YYYY`) and the trash folder, each with its items in library order. */
function libraryFolders(ctx: Context, items: LibraryItem[]): Map<string, LibraryItem[]> {
  const folders = new Map<string, LibraryItem[]>();
  for (const item of items) {
    const folder = item.trashed
      ? trashFolder(ctx.language)
      : item.inYearFolder
        ? yearFolder(item.takenTime.getUTCFullYear())
        : null;
    if (folder === null) continue;
    const list = folders.get(folder) ?? [];
    if (list.length === 0) folders.set(folder, list);
    list.push(item);
  }
  return folders;
}

interface AlbumFolder {
  folder: string;
  album: LibraryAlbum;
  members: LibraryItem[];
}

/** One folder per album with an exported member; untitled ones numbered `Untitled(1)`, … */
function albumFolders(ctx: Context, items: LibraryItem[]): AlbumFolder[] {
  const members = new Map<number, LibraryItem[]>();
  for (const item of items) {
    if (item.trashed) continue;
    for (const id of item.albums) {
      const list = members.get(id) ?? [];
      if (list.length === 0) members.set(id, list);
      list.push(item);
    }
  }
  const out: AlbumFolder[] = [];
  let untitled = 0;
  for (const album of ctx.library.albums) {
    const list = members.get(album.id);
    if (!list) continue;
    const folder =
      album.title === ''
        ? untitledAlbumFolder(ctx.language, ++untitled)
        : albumFolderName(album.title);
    out.push({ folder, album, members: list });
  }
  return out;
}

/**
 * One folder's entries: per item its media (unless the album holds sidecars only) and its
 * sidecar, in either order; an album's JSON among the first entries, as in real listings.
 */
function folderEntries(
  ctx: Context,
  folder: string,
  items: LibraryItem[],
  album: LibraryAlbum | null,
): Planned[] {
  const copy: Copy = album ? 'album' : 'library';
  const used = new Set<string>();
  const out: Planned[] = [];
  for (const item of items) {
    const [media, sidecar] = fileNames(item, used);
    const pair: Planned[] = [];
    if (!album || album.mediaInFolder)
      pair.push({ path: `${folder}/${media}`, source: { kind: 'media', item }, copy });
    if (sidecar)
      pair.push({ path: `${folder}/${sidecar}`, source: { kind: 'sidecar', item }, copy });
    if (ctx.rand() < 0.5) pair.reverse();
    out.push(...pair);
  }
  if (album) {
    const json: Planned = {
      path: `${folder}/${albumJsonName(ctx.language)}`,
      source: { kind: 'album', album },
      copy,
    };
    out.splice(Math.floor(ctx.rand() * Math.min(3, out.length + 1)), 0, json);
  }
  return out;
}

/**
 * The item's media and sidecar names in a folder: the smallest `(n)` (none first) for which
 * neither name is taken yet, so a media file and its sidecar always share their number.
 */
function fileNames(item: LibraryItem, used: Set<string>): [string, string | null] {
  const fallback = FALLBACK_EXTENSION[item.format];
  for (let n = 0; ; n++) {
    const media = mediaFileName(item.title, n, fallback);
    const sidecar = item.sidecar ? sidecarFileName(item.title, item.sidecar.scheme, n) : null;
    if (used.has(media) || (sidecar !== null && used.has(sidecar))) continue;
    used.add(media);
    if (sidecar !== null) used.add(sidecar);
    return [media, sidecar];
  }
}

// --- Parts ---

/** Contiguous runs of entries: `partCount` even runs, or runs of at most `partBytes` bytes. */
function splitParts(
  entries: Planned[],
  options: ExportOptions,
  sizeOf: (e: Planned) => number,
): Planned[][] {
  if (options.partBytes !== undefined && options.partCount === undefined) {
    const parts: Planned[][] = [[]];
    let bytes = 0;
    for (const entry of entries) {
      const size = sizeOf(entry);
      if (bytes + size > options.partBytes && parts.at(-1)!.length > 0) {
        parts.push([]);
        bytes = 0;
      }
      parts.at(-1)!.push(entry);
      bytes += size;
    }
    return parts;
  }
  const count = Math.max(1, Math.min(options.partCount ?? 1, entries.length));
  return Array.from({ length: count }, (_, k) =>
    entries.slice(
      Math.floor((k * entries.length) / count),
      Math.floor(((k + 1) * entries.length) / count),
    ),
  );
}

type Where = [part: number, index: number];

function locate(parts: Planned[][], test: (e: Planned) => boolean): Where | null {
  for (let p = 0; p < parts.length; p++) {
    const i = parts[p]!.findIndex(test);
    if (i >= 0) return [p, i];
  }
  return null;
}

/** The part next to `p`: the following one, or the previous one for the last part. */
function neighbour(p: number, count: number): number {
  return p + 1 < count ? p + 1 : p - 1;
}

/** Moves an entry to the start of a later part or the end of an earlier one. */
function move(parts: Planned[][], [p, i]: Where, to: number): void {
  const [entry] = parts[p]!.splice(i, 1);
  if (to > p) parts[to]!.unshift(entry!);
  else parts[to]!.push(entry!);
}

function entryOf(
  kind: 'media' | 'sidecar',
  copy: Copy,
  item: LibraryItem,
): (e: Planned) => boolean {
  return (e) => e.copy === copy && e.source.kind === kind && e.source.item === item;
}

/** The quirk's designated item, or else the first item `fits` accepts among the entries. */
function chosenItem(
  parts: Planned[][],
  library: Library,
  quirk: QuirkName,
  fits: (e: Planned) => boolean,
): LibraryItem | null {
  const designated = library.quirks.get(quirk)?.[0];
  const item = designated === undefined ? undefined : library.items[designated];
  const isDesignated = (e: Planned): boolean =>
    e.source.kind === 'media' && e.source.item === item && fits(e);
  const where = (item && locate(parts, isDesignated)) || locate(parts, fits);
  if (!where) return null;
  const source = parts[where[0]]![where[1]]!.source;
  return source.kind === 'media' ? source.item : null;
}

/** A library media file whose sidecar lands in another part (as in issue #380's parts 003/004). */
function separateSidecar(parts: Planned[][], library: Library): void {
  const fits = (e: Planned): boolean =>
    e.copy === 'library' && e.source.kind === 'media' && e.source.item.sidecar !== null;
  const item = chosenItem(parts, library, 'sidecar-apart', fits);
  if (!item) return;
  const media = locate(parts, entryOf('media', 'library', item))!;
  const sidecar = locate(parts, entryOf('sidecar', 'library', item));
  if (sidecar && sidecar[0] === media[0]) move(parts, media, neighbour(media[0], parts.length));
}

/** An album copy in another part than the same item's library copy. */
function separateAlbumCopy(parts: Planned[][], library: Library): void {
  const inLibrary = (item: LibraryItem): boolean =>
    locate(parts, entryOf('media', 'library', item)) !== null;
  const fits = (e: Planned): boolean =>
    e.copy === 'album' && e.source.kind === 'media' && inLibrary(e.source.item);
  const item = chosenItem(parts, library, 'album-copy-apart', fits);
  if (!item) return;
  const own = locate(parts, entryOf('media', 'library', item))!;
  const copy = locate(parts, entryOf('media', 'album', item))!;
  if (own[0] !== copy[0]) return;
  const to = neighbour(copy[0], parts.length);
  const sidecar = locate(parts, entryOf('sidecar', 'album', item));
  move(parts, copy, to);
  if (sidecar && sidecar[0] !== to)
    move(parts, locate(parts, entryOf('sidecar', 'album', item))!, to);
}

/** One album copy (media and sidecar) written again into another part, same paths and bytes. */
function repeatAlbumCopy(parts: Planned[][], library: Library): void {
  const fits = (e: Planned): boolean => e.copy === 'album' && e.source.kind === 'media';
  const item = chosenItem(parts, library, 'same-path-two-parts', fits);
  if (!item) return;
  const media = locate(parts, entryOf('media', 'album', item))!;
  const to = media[0] === parts.length - 1 ? 0 : parts.length - 1;
  const again = [parts[media[0]]![media[1]]!];
  const sidecar = locate(parts, entryOf('sidecar', 'album', item));
  if (sidecar) again.unshift(parts[sidecar[0]]![sidecar[1]]!);
  parts[to]!.push(...again);
}

/** Entry mtimes: the time Google wrote the part (a few minutes apart per part), never a photo's. */
function partTime(requestedAt: Date, number: number): Date {
  return new Date(requestedAt.getTime() + (60 + (number - 1) * 180) * 1000);
}

class PlannedPart implements ExportPart {
  readonly fileName: string;
  readonly format: 'zip' | 'tgz';
  readonly number: number;
  readonly #ctx: Context;
  readonly #planned: Planned[];

  constructor(ctx: Context, number: number, format: 'zip' | 'tgz', planned: Planned[]) {
    this.fileName = partFileName(ctx.exportId, number, format);
    this.format = format;
    this.number = number;
    this.#ctx = ctx;
    this.#planned = planned;
  }

  get paths(): string[] {
    return this.#planned.map((e) => e.path);
  }

  get entries(): ExportEntry[] {
    return [...this.read()];
  }

  /** Album JSONs carry the album's date (or the part's time when it has none). */
  *read(): Generator<ExportEntry> {
    const written = partTime(this.#ctx.requestedAt, this.number);
    for (const e of this.#planned) {
      const mtime = e.source.kind === 'album' ? (e.source.album.date ?? written) : written;
      yield { path: e.path, data: dataOf(this.#ctx, e.source), mtime };
    }
  }
}

/** The part's entries one at a time, each Buffer made as it is reached. */
export function entriesOf(part: ExportPart): Generator<ExportEntry> {
  if (!(part instanceof PlannedPart))
    throw new TypeError(`${part.fileName} was not made by makeExport`);
  return part.read();
}

/** The archive writer's two functions (archive-writer.ts), passed in so this module needs neither. */
export interface ArchiveWriter {
  writeZip(filePath: string, entries: Iterable<ExportEntry>): Promise<unknown>;
  writeTgz(filePath: string, entries: Iterable<ExportEntry>): Promise<unknown>;
}

/** Writes every part into `dir` (created if missing) under its file name; returns the paths. */
export async function writeExport(
  dir: string,
  exp: TakeoutExport,
  writer: ArchiveWriter,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const part of exp.parts) {
    const file = path.join(dir, part.fileName);
    if (part.format === 'zip') await writer.writeZip(file, entriesOf(part));
    else await writer.writeTgz(file, entriesOf(part));
    written.push(file);
  }
  return written;
}

// --- Entry bytes: media, sidecars, album JSONs and the other files of a Takeout ---

function dataOf(ctx: Context, source: Source): Buffer {
  switch (source.kind) {
    case 'media':
      return itemBytes(ctx.library, source.item);
    case 'sidecar':
      return Buffer.from(sidecarJson(source.item, ctx.language));
    case 'album':
      return Buffer.from(albumJson(source.album, ctx.language));
    case 'static':
      return Buffer.from(staticText(source.name, ctx.exportId));
  }
}

const MONTHS: Record<Language, string[]> = {
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
  fr: [
    'janv.',
    'févr.',
    'mars',
    'avr.',
    'mai',
    'juin',
    'juil.',
    'août',
    'sept.',
    'oct.',
    'nov.',
    'déc.',
  ],
  de: [
    'Jan.',
    'Feb.',
    'März',
    'Apr.',
    'Mai',
    'Juni',
    'Juli',
    'Aug.',
    'Sept.',
    'Okt.',
    'Nov.',
    'Dez.',
  ],
  it: ['gen', 'feb', 'mar', 'apr', 'mag', 'giu', 'lug', 'ago', 'set', 'ott', 'nov', 'dic'],
};

/**
 * Google's `formatted` text in the account language: `Dec 5, 2022, 7:02:10 PM UTC` (en),
 * `21 oct. 2023, 07:12:31 UTC` (fr) as seen; de and it follow their locale's habit (not seen).
 */
export function formattedTime(at: Date, language: Language): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const [d, m, y] = [at.getUTCDate(), MONTHS[language][at.getUTCMonth()]!, at.getUTCFullYear()];
  const [h, min, s] = [at.getUTCHours(), two(at.getUTCMinutes()), two(at.getUTCSeconds())];
  if (language === 'en')
    return `${m} ${d}, ${y}, ${h % 12 || 12}:${min}:${s} ${h < 12 ? 'AM' : 'PM'} UTC`;
  const date = language === 'de' ? `${d}. ${m} ${y}` : `${d} ${m} ${y}`;
  return `${date}, ${two(h)}:${min}:${s} UTC`;
}

/** `{timestamp, formatted}`: epoch seconds as a string. */
function timeBlock(at: Date, language: Language): { timestamp: string; formatted: string } {
  return {
    timestamp: String(Math.floor(at.getTime() / 1000)),
    formatted: formattedTime(at, language),
  };
}

const GEO_KEYS = 'latitude|longitude|altitude|latitudeSpan|longitudeSpan';
/** A whole number in a geo block, which Google writes as a float (`0.0`, `82.0`). */
const WHOLE_GEO = new RegExp(`("(?:${GEO_KEYS})": )(-?\\d+)(,?\n)`, 'g');
/** -0, which JSON.stringify writes as `0`, marked to come out as Google's `-0.0`. */
const NEGATIVE_ZERO = '\u0001-0.0';

/** Two-space indented JSON with geo numbers written as Google writes them (`0.0`, `-0.0`). */
function stringify(value: unknown): string {
  const text = JSON.stringify(value, null, 2).replace(WHOLE_GEO, '$1$2.0$3');
  return text.includes('\\u0001') ? text.replaceAll('"\\u0001-0.0"', '-0.0') : text;
}

function geoBlock(point: GeoPoint | null): Record<string, number | string> {
  const f = (n = 0): number | string => (Object.is(n, -0) ? NEGATIVE_ZERO : n);
  return {
    latitude: f(point?.latitude),
    longitude: f(point?.longitude),
    altitude: f(point?.altitude),
    latitudeSpan: 0,
    longitudeSpan: 0,
  };
}

/** `favorited`, `archived`, `trashed`: written only when true, as in every sample. */
function flags(item: LibraryItem): Record<string, true> {
  const out: Record<string, true> = {};
  if (item.favorited) out.favorited = true;
  if (item.archived) out.archived = true;
  if (item.trashed) out.trashed = true;
  return out;
}

function origin(item: LibraryItem): Record<string, unknown> {
  const s = item.sidecar!;
  if (s.origin !== 'mobileUpload') return { [s.origin]: {} };
  const upload: Record<string, unknown> = {};
  if (s.deviceFolder !== null) upload.deviceFolder = { localFolderName: s.deviceFolder };
  if (s.deviceType !== null) upload.deviceType = s.deviceType;
  return { mobileUpload: upload };
}

/** An item's sidecar text, fields in the order of the samples for its style. */
export function sidecarJson(item: LibraryItem, language: Language): string {
  const s = item.sidecar!;
  const created = timeBlock(item.createdTime, language);
  const taken = timeBlock(s.takenKnown ? item.takenTime : new Date(0), language);
  const head = { title: item.title, description: s.description };
  if (s.style === 'minimal') {
    const tail = { url: s.url, googlePhotosOrigin: origin(item) };
    return stringify({
      ...head,
      ...flags(item),
      creationTime: created,
      photoTakenTime: taken,
      ...tail,
    });
  }
  const geo: Record<string, unknown> = { geoData: geoBlock(s.geo) };
  if (s.geoExif !== 'absent') geo.geoDataExif = geoBlock(s.geoExif);
  const views = { imageViews: String(s.imageViews), creationTime: created };
  if (s.style === 'legacy') {
    const modificationTime = timeBlock(s.lastModified ?? item.createdTime, language);
    return stringify({
      ...head,
      ...views,
      modificationTime,
      ...geo,
      photoTakenTime: taken,
      ...flags(item),
    });
  }
  const out: Record<string, unknown> = { ...head, ...views, photoTakenTime: taken, ...geo };
  if (s.people.length > 0) out.people = s.people.map((name) => ({ name }));
  Object.assign(out, flags(item), { url: s.url, googlePhotosOrigin: origin(item) });
  if (s.appSource !== null) out.appSource = { androidPackageName: s.appSource };
  if (s.lastModified !== null) out.photoLastModifiedTime = timeBlock(s.lastModified, language);
  return stringify(out);
}

/** An album's JSON in its style; a missing date is written "0" where the style has a date. */
export function albumJson(album: LibraryAlbum, language: Language): string {
  const date = timeBlock(album.date ?? new Date(0), language);
  const plain = { title: album.title, description: album.description, access: album.access, date };
  const full = { ...plain, location: '', geoData: geoBlock(null) };
  switch (album.style) {
    case 'plain':
      return stringify(plain);
    case 'full':
      return stringify(full);
    case 'albumData':
      return stringify({ albumData: full });
    case 'title-only':
      return stringify({ title: album.title });
    case 'shared':
      return stringify(sharedAlbum(album, language));
  }
}

/** A shared album's JSON: enrichments and comments, no date (json_test.go's 2025 sample). */
function sharedAlbum(album: LibraryAlbum, language: Language): Record<string, unknown> {
  const place = {
    name: 'Amsterdam',
    description: 'Noord-Holland',
    latitudeE7: 523675734,
    longitudeE7: 48945364,
  };
  const commented = timeBlock(new Date('2022-07-31T08:21:22Z'), language);
  return {
    title: album.title,
    enrichments: [
      { locationEnrichment: { location: [place] } },
      { narrativeEnrichment: { text: 'Day one' } },
    ],
    sharedAlbumComments: [
      { creationTime: commented, contentOwnerName: 'Noé', liked: true },
      { creationTime: commented, contentOwnerName: 'Ana', text: 'Trop beau !' },
    ],
  };
}

/** JSON files of the product folder that are neither sidecars nor album JSONs (no `title`). */
const STATIC_ROOT_FILES = [
  'print-subscriptions.json',
  'shared_album_comments.json',
  'user-generated-memory-titles.json',
];

function staticText(name: string, exportId: string): string {
  switch (name) {
    case 'print-subscriptions.json':
      return stringify({
        externalOrderId: '417796788285446498760',
        type: 'PURCHASED',
        quantity: 1,
        creationTime: { formatted: 'Dec 12, 2022, 5:51:01 AM UTC' },
        category: 'SHIPPED_PRINTS',
      });
    case 'shared_album_comments.json':
      return stringify([{ contentOwnerName: 'Ana', text: 'Trop beau !', liked: false }]);
    case 'user-generated-memory-titles.json':
      return stringify({ memoryTitles: [{ memoryTitle: 'Summer in Lisbon' }] });
    default:
      return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Takeout</title></head><body><h1>${exportId}</h1></body></html>\n`;
  }
}
