/**
 * The albums/ tree: one folder per album, `albums/YYYY/MMDD <title>`, and inside it one entry per
 * member, named after the member's file. Pure; links.ts makes the entries.
 *
 * - The folder is dated by the album's own timestamp (UTC), not by its photos, so adding photos
 *   never renames it. The title is sanitised like a file name (sanitize.ts: `/` and controls
 *   become `_`, `.`/`..`, NFC, emoji kept) and the whole name is cut to 255 bytes.
 * - Two albums with the same folder (case-folded) get `MMDD <title> (1)`, `(2)`, … in (timestamp,
 *   id) order; a folder assigned before is kept while the album's title and date still give it.
 * - Entries use the drive/ rules: `stem (n).ext` for case-folded collisions, numbers kept across
 *   passes, the same target twice is one entry.
 */
import path from 'node:path';
import { assignPlacements, type LayoutInput } from './layout.ts';
import { utcDateParts } from './picasa-layout.ts';
import { cutToBytes, MAX_NAME_BYTES, sanitizeName, withDuplicateSuffix } from './sanitize.ts';

export const ALBUMS_DIR = 'albums';

/** `MMDD <sanitised title>`, at most 255 bytes. */
export function albumFolderName(title: string, timestamp: Date): string {
  const { mm, dd } = utcDateParts(timestamp);
  // The result is already clean; sanitizeName only re-normalises a cut that split a sequence.
  return sanitizeName(cutToBytes(`${mm}${dd} ${sanitizeName(title)}`, MAX_NAME_BYTES));
}

/** `albums/YYYY/MMDD <sanitised title>`, the folder before any duplicate suffix. */
export function albumFolderRel(title: string, timestamp: Date): string {
  return `${ALBUMS_DIR}/${utcDateParts(timestamp).yyyy}/${albumFolderName(title, timestamp)}`;
}

/** `<name> (n)` for n >= 1 (`name` for 0), the name cut so the result fits in 255 bytes. */
export function withFolderSuffix(name: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Expected \`n\` to be a non-negative integer, got \`${n}\``);
  }
  if (n === 0) return name;
  const tail = ` (${n})`;
  return cutToBytes(name, MAX_NAME_BYTES - Buffer.byteLength(tail)) + tail;
}

/**
 * The n for which `suffix(base, n)` is `name`, or null: lets a name given out last time be
 * claimed again. Only numbers that appear in `name` as ` (n)` are tried.
 */
function numberOf(
  base: string,
  name: string,
  suffix: (b: string, n: number) => string,
): number | null {
  if (name === base) return 0;
  for (const m of name.matchAll(/ \((\d{1,15})\)/g)) {
    const n = Number(m[1]);
    if (n > 0 && suffix(base, n) === name) return n;
  }
  return null;
}

export interface AlbumInput {
  /** Album id; unique within one call. */
  id: string;
  title: string;
  /** The album's date (gphoto:timestamp). */
  timestamp: Date;
}

/**
 * Album id -> folder relative to ROOT, unique case-folded. `previous` is last pass's result (album
 * id -> folder): an album keeps its folder while its title and date still give that folder (with
 * or without a number); a renamed or re-dated album gets a new one (the caller removes the old
 * folder with removeAlbumFolders). Albums without a kept folder take the lowest free number in
 * (timestamp, id) order. Throws RangeError for an invalid timestamp, Error for a repeated id.
 */
export function assignAlbumFolders(
  albums: readonly AlbumInput[],
  previous: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  const items: LayoutInput[] = albums.map((a) => {
    const dir = `${ALBUMS_DIR}/${utcDateParts(a.timestamp).yyyy}`;
    const name = albumFolderName(a.title, a.timestamp);
    const prev = previous.get(a.id);
    let stored: LayoutInput['stored'] = null;
    if (prev !== undefined && prev.startsWith(`${dir}/`)) {
      const n = numberOf(name, prev.slice(dir.length + 1), withFolderSuffix);
      if (n !== null) stored = { relPath: prev, dupNumber: n };
    }
    return { id: a.id, dir, name, createdTime: a.timestamp.toISOString(), stored };
  });
  const out = new Map<string, string>();
  for (const p of assignPlacements(items, withFolderSuffix)) out.set(p.id, p.relPath);
  return out;
}

export interface AlbumMember {
  /** The file relative to ROOT, `/`-separated: `drive/…` or `picasa/…`. */
  target: string;
  /** The entry's desired name; defaults to the target's file name. Sanitised here. */
  name?: string;
}

/**
 * Entry name -> target, the `desired` map of reconcileAlbumFolder. Names are unique case-folded;
 * collisions get `stem (n).ext` in target order (code units), except that a target keeps the name
 * it had in `previous` (last pass's result, same shape) while that name still fits its desired
 * name. The same target twice is one entry, named after its first occurrence.
 */
export function assignAlbumEntries(
  members: readonly AlbumMember[],
  previous: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  const prevName = new Map<string, string>();
  for (const [name, target] of previous) {
    const had = prevName.get(target);
    if (had === undefined || name < had) prevName.set(target, name);
  }
  const items: LayoutInput[] = [];
  const seen = new Set<string>();
  for (const m of members) {
    if (seen.has(m.target)) continue;
    seen.add(m.target);
    const name = sanitizeName(m.name ?? path.posix.basename(m.target));
    const prev = prevName.get(m.target);
    const n = prev === undefined ? null : numberOf(name, prev, withDuplicateSuffix);
    items.push({
      id: m.target,
      dir: '',
      name,
      createdTime: null,
      stored: n === null || prev === undefined ? null : { relPath: prev, dupNumber: n },
    });
  }
  const out = new Map<string, string>();
  for (const p of assignPlacements(items)) out.set(p.relPath, p.id);
  return out;
}
