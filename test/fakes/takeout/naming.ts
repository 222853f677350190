/**
 * Google Takeout's naming rules for Google Photos, as the real exports in
 * ../shared/takeout-samples show them. Written from those samples alone, independently of the
 * product's matcher, so that the generator can catch the matcher's mistakes.
 *
 * Lengths are UTF-16 code units (what JavaScript's `length` counts) and a cut never splits a
 * surrogate pair: it keeps the whole pair, so an emoji name can end one unit later than the rule
 * says (`😀…😛.jpg` keeps 48 units of stem). ZWJ sequences and variation selectors can be split
 * between code points, as Google does.
 */

/** The languages the generator localizes folders and texts for. */
export type Language = 'en' | 'fr' | 'de' | 'it';

/** `<title>.json` (older exports) or `<title>.supplemental-metadata.json` (from late 2024). */
export type SidecarScheme = 'json' | 'supplemental';

/** A media file's stem keeps 47 units; its extension is kept whole. */
export const MEDIA_STEM_UNITS = 47;
/** A sidecar's base (`title` or `title.supplemental-metadata`) keeps 46 units before `(n).json`. */
export const SIDECAR_BASE_UNITS = 46;
/** An album folder keeps 50 units of the sanitized title (`…Castello De Albertis e Mostra d`). */
export const ALBUM_FOLDER_UNITS = 50;

const SUPPLEMENTAL = '.supplemental-metadata';

/** Extensions Google keeps as the media extension; anything else in a title is part of the stem. */
const MEDIA_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.heic',
  '.png',
  '.gif',
  '.mp4',
  '.mov',
  '.m4v',
  '.avi',
  '.mp',
  '.mp~2',
]);

/** The first `units` UTF-16 units of `text`, one more when the cut would split a surrogate pair. */
export function cutUnits(text: string, units: number): string {
  if (text.length <= units) return text;
  const last = text.charCodeAt(units - 1);
  const splitsPair = last >= 0xd800 && last <= 0xdbff;
  return text.slice(0, splitsPair ? units + 1 : units);
}

/** `[stem, extension]`; the extension (with its dot) only when it is a known media extension. */
export function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return [name, ''];
  const ext = name.slice(dot);
  return MEDIA_EXTENSIONS.has(ext.toLowerCase()) ? [name.slice(0, dot), ext] : [name, ''];
}

/** Google replaces `/` in a title by `_` in file names (`27/06/12 - 2` → `27_06_12 - 2.jpg`). */
export function sanitizeFileTitle(title: string): string {
  return title.replaceAll('/', '_');
}

/**
 * The name of a media file in its folder: the sanitized title, given `fallbackExtension` when the
 * title has none, the stem cut to 47 units, then `(n)` before the extension for the n-th duplicate.
 */
export function mediaFileName(title: string, n: number, fallbackExtension: string): string {
  const [stem, ext] = splitExtension(sanitizeFileTitle(title));
  return `${cutUnits(stem, MEDIA_STEM_UNITS)}${numberSuffix(n)}${ext || fallbackExtension}`;
}

/**
 * The name of a media item's sidecar: the sanitized title (with `.supplemental-metadata` in the
 * new scheme) cut to 46 units, then `(n)` for the n-th duplicate, then `.json`. A title without
 * extension gets none here (`Peanut Butter Balls.supplemental-metadata.json`).
 */
export function sidecarFileName(title: string, scheme: SidecarScheme, n: number): string {
  const base = sanitizeFileTitle(title) + (scheme === 'supplemental' ? SUPPLEMENTAL : '');
  return `${cutUnits(base, SIDECAR_BASE_UNITS)}${numberSuffix(n)}.json`;
}

function numberSuffix(n: number): string {
  return n > 0 ? `(${n})` : '';
}

/** The uncut name of an edited copy: the suffix goes between stem and extension. */
export function editedTitle(title: string, suffix: string, fallbackExtension: string): string {
  const [stem, ext] = splitExtension(title);
  return `${stem}${suffix}${ext || fallbackExtension}`;
}

/** Edited-copy suffixes as Google writes them, per account language (samples README §2). */
export const EDIT_SUFFIXES = {
  en: '-edited',
  fr: '-modifié',
  de: '-bearbeitet',
  it: '-modificato',
  es: '-ha editado',
  ja: '-編集済み',
} as const;

interface Localized {
  product: string;
  albumJson: string;
  untitled: string;
  trash: string;
}

/**
 * Per-language folder and file names. Seen in real listings: `Google Photos` (en, fr),
 * `Google Fotos` (de), `Google Foto` (it), `metadata.json`, `métadonnées.json`, `Metadaten.json`,
 * `Untitled(1)`, `Sans titre(9)`, `Bin`. From secondary sources (README §2): `metadati.json`,
 * `Unbenannt`, `Corbeille`, `Papierkorb`. Not found anywhere, so guessed: Italian `Cestino` and
 * Italian untitled albums keeping the English `Untitled`.
 */
const LOCALIZED: Record<Language, Localized> = {
  en: { product: 'Google Photos', albumJson: 'metadata.json', untitled: 'Untitled', trash: 'Bin' },
  fr: {
    product: 'Google Photos',
    albumJson: 'métadonnées.json',
    untitled: 'Sans titre',
    trash: 'Corbeille',
  },
  de: {
    product: 'Google Fotos',
    albumJson: 'Metadaten.json',
    untitled: 'Unbenannt',
    trash: 'Papierkorb',
  },
  it: {
    product: 'Google Foto',
    albumJson: 'metadati.json',
    untitled: 'Untitled',
    trash: 'Cestino',
  },
};

export function productFolder(language: Language): string {
  return LOCALIZED[language].product;
}

export function albumJsonName(language: Language): string {
  return LOCALIZED[language].albumJson;
}

export function trashFolder(language: Language): string {
  return LOCALIZED[language].trash;
}

/** Year folders keep the English name in fr and it exports too (small.lst, issue 380). */
export function yearFolder(year: number): string {
  return `Photos from ${year}`;
}

/** The n-th untitled album's folder (from 1): `Untitled(1)`, `Sans titre(9)`. */
export function untitledAlbumFolder(language: Language, n: number): string {
  return `${LOCALIZED[language].untitled}(${n})`;
}

/**
 * An album folder's name: `/` and `&` become `_` (`One & Two` → `One _ Two`, issue immich-go#36),
 * then the name is cut to 50 units. Real listings disagree on `&` (`[E&S] 2016-…` kept it);
 * the folder name is never the album's title either way: the title is in the album JSON.
 */
export function albumFolderName(title: string): string {
  return cutUnits(title.replaceAll('/', '_').replaceAll('&', '_'), ALBUM_FOLDER_UNITS);
}

/** `YYYYMMDDTHHMMSSZ` of an instant, UTC. */
export function compactUtc(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * The export id, as `PartName.exportId` reads it: `takeout-20240525T201456Z`, or with the newer
 * naming `takeout-20250725T035235Z-1` (what the middle number means is unknown; always 1 here).
 */
export function exportIdOf(requestedAt: Date, newPartNaming: boolean): string {
  return `takeout-${compactUtc(requestedAt)}${newPartNaming ? '-1' : ''}`;
}

/** `takeout-20240525T201456Z-001.zip`, `takeout-20250725T035235Z-1-001.tgz`. */
export function partFileName(exportId: string, n: number, format: 'zip' | 'tgz'): string {
  return `${exportId}-${String(n).padStart(3, '0')}.${format}`;
}
