/**
 * Where an entry sits in a Takeout export: `Takeout/<Google Photos, localized>/<folder>/<file>`.
 * Pure; names only. Facts from ../shared/takeout-samples/README.md §2 "Layout".
 */
import type { FolderKind, TakeoutPath } from './types.ts';

/**
 * The product folder in every language the samples cite. Seen in listings: `Google Photos`
 * (en, fr), `Google Foto` (it), `Google Fotos` (de). From immich-go's docs and garzj's
 * langs.ts (not seen in a listing): sk, ru, bg, fi, ja, tr, zh. Compared after NFC and with
 * U+00A0 read as a space: immich-go's 0.9.0 test data had `Google\u00a0Photos`.
 */
const PRODUCTS = new Set([
  'Google Photos',
  'Google Foto',
  'Google Fotos',
  'Fotky Google',
  'Google Фото',
  'Google Снимки',
  'Google Kuvat',
  'Google フォト',
  'Google Fotoğraflar',
  'Google 相册',
  'Google 相簿',
]);

/**
 * `Photos from YYYY` (also in Italian and French exports) and the localized forms GPTH-X
 * matches (`Fotos del`, `Fotos von`; GPTH issues #472, #480 report localized year folders in
 * 2026). Years 1800–2099, as GPTH-X accepts.
 */
const YEAR_FOLDER = /^(?:Photos from|Fotos del|Fotos von) ((?:18|19|20)\d{2})$/;

/** 2020-era exports used one folder per day (GPTH#8 `2005-02-05`, google-photos-exif README). */
const DATE_FOLDER = /^((?:18|19|20)\d{2})-(\d{2})-(\d{2})$/;

/**
 * The trash: `Trash`, `Bin` (TakeoutExtractor#20), `Corbeille`, `Papierkorb` (PhotoMigrator's
 * aliases, unverified), `Papelera`, `Cestino`. An album with one of these exact names would be
 * taken for the trash; the caller may check its items' sidecars (`trashed: true`).
 */
const TRASH = new Set(['Trash', 'Bin', 'Corbeille', 'Papierkorb', 'Papelera', 'Cestino']);

/** Folders of library items that are no album (README §2: none seen in a listing yet). */
const SPECIAL = new Set(['Failed Videos', 'Archive', 'Locked folder']);

/**
 * The album JSON's localized names: `metadata.json`, `métadonnées.json` (seen), `Metadaten.json`
 * (seen, 2020) and those immich-go's docs list. A hint only: `parseTakeoutJson` decides.
 */
const ALBUM_JSON_NAMES = new Set([
  'metadata.json',
  'métadonnées.json',
  'Metadaten.json',
  'metadati.json',
  'metadatos.json',
  'metadades.json',
  'metadáta.json',
  'метаданные.json',
  'метаданни.json',
]);

const canonical = (segment: string): string => segment.normalize('NFC').replace(/\u00a0/g, ' ');

/** True for the product folder's name in any known language. */
export function isProductFolder(segment: string): boolean {
  return PRODUCTS.has(canonical(segment));
}

/** True for a localized album JSON name (a hint: content decides). */
export function isAlbumJsonName(name: string): boolean {
  return ALBUM_JSON_NAMES.has(name.normalize('NFC'));
}

/** The calendar day of a `YYYY-MM-DD` folder name, or null when it names no real day. */
export function dateFolderDay(folder: string): { year: number; month: number; day: number } | null {
  const m = DATE_FOLDER.exec(folder);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > last) return null;
  return { year, month, day };
}

function folderKind(top: string): { kind: FolderKind; year: number | null } {
  const year = YEAR_FOLDER.exec(top);
  if (year) return { kind: 'year', year: Number(year[1]) };
  const day = dateFolderDay(top);
  if (day) return { kind: 'date', year: day.year };
  if (TRASH.has(canonical(top))) return { kind: 'trash', year: null };
  if (SPECIAL.has(canonical(top))) return { kind: 'special', year: null };
  return { kind: 'album', year: null };
}

/**
 * Classifies an archive entry's path. Null when it is not a file under
 * `Takeout/<product folder>/`: `Takeout/archive_browser.html`, another product's entries, a
 * directory (a path ending in '/', tar has them), an empty segment. A file directly in the
 * product folder is `root`; deeper folders are classified by the one below the product folder.
 */
export function classifyPath(entryPath: string): TakeoutPath | null {
  const parts = entryPath.split('/');
  if (parts.length < 3 || parts[0] !== 'Takeout' || parts.some((p) => p === '')) return null;
  const product = parts[1] ?? '';
  if (!isProductFolder(product)) return null;
  const name = parts[parts.length - 1] ?? '';
  const folders = parts.slice(2, -1);
  const top = folders[0];
  if (top === undefined) return { product, folder: '', name, folderKind: 'root', year: null };
  const { kind, year } = folderKind(top);
  return { product, folder: folders.join('/'), name, folderKind: kind, year };
}
