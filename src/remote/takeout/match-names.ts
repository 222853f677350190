/**
 * How Takeout names a media file and its sidecar, as keys the matcher can look up. Pure.
 * Every rule cites ../shared/takeout-samples/README.md §2 "Sidecar naming" or a listing.
 *
 * The naming law (checked there on 14 real names): a sidecar is named
 * `cut46(title)` or `cut46(title + ".supplemental-metadata")`, then `(n)` for the n-th duplicate
 * name in the folder, then `.json`; the media file is `cut47(stem(title)) + (n) + ext`.
 * Lengths are UTF-16 code units. Names are compared in NFC.
 */
import type { MatchRule } from './types.ts';

/** Sidecar bases keep 46 UTF-16 units; media stems keep 47. */
export const JSON_BASE_UNITS = 46;
export const MEDIA_STEM_UNITS = 47;

const SUPPLEMENTAL = 'supplemental-metadata';

const isHigh = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;

/**
 * `s` cut to `n` UTF-16 units. A cut through a surrogate pair keeps the pair whole: the emoji
 * file of small.lst has a 48-unit stem. The sidecar side has not been seen cut through a pair,
 * so then both readings are given, the pair kept and the pair dropped.
 */
export function cuts(s: string, n: number): string[] {
  if (s.length <= n) return [s];
  if (!isHigh(s.charCodeAt(n - 1))) return [s.slice(0, n)];
  return [s.slice(0, n + 1), s.slice(0, n - 1)];
}

/** A name without a trailing `(digits)`, and the number; n is null when there is none. */
export function splitNumber(s: string): { base: string; n: number | null } {
  const m = /\((\d+)\)$/.exec(s);
  if (!m) return { base: s, n: null };
  return { base: s.slice(0, m.index), n: Number(m[1]) };
}

/**
 * A name's extension, with its dot: 1–5 letters or digits, and a `~N` copy mark (`….MP~2`,
 * issue-immich-go-405). '' when there is none (a title such as `27/06/12 - 2`).
 */
export function splitExt(name: string): { stem: string; ext: string } {
  const m = /\.[A-Za-z0-9]{1,5}(?:~\d+)?$/.exec(name);
  if (!m || m.index === 0) return { stem: name, ext: '' };
  return { stem: name.slice(0, m.index), ext: m[0] };
}

/**
 * What a sidecar name may say its media is called: `base`, the duplicate number `n`, whether a
 * `.supplemental-metadata` suffix (whole or cut to any length, `..json` included) was removed,
 * and `fallback` for the least likely reading.
 */
export interface SidecarKey {
  base: string;
  n: number | null;
  suffix: boolean;
  fallback: boolean;
}

/** `r` without a trailing `.` + a prefix of `supplemental-metadata`, or null. */
function stripSupplemental(r: string): string | null {
  const dot = r.lastIndexOf('.');
  if (dot <= 0 || !SUPPLEMENTAL.startsWith(r.slice(dot + 1))) return null;
  return r.slice(0, dot);
}

/**
 * The readings of a sidecar name, most likely first. `(n)` sits just before `.json`
 * (`NAME.EXT(n).json`, `….supplemental-metadata(n).json`, `…_(494).json`); a suffix cut to any
 * length is removed, as in the outlier `PXL_….MP.supplemental-met.json` (GPTH-X); `(n)` before
 * the suffix is read too (GPTH-X's constructed `IMG_2367.HEIC(1).supplemental-metadata.json`).
 * Fallback readings: a title that itself ends in `(k)`, and a media name carrying the same `(n)`
 * as the sidecar. [] for a name not ending in .json.
 */
export function sidecarKeys(name: string): SidecarKey[] {
  if (!/\.json$/i.test(name)) return [];
  const r = name.slice(0, -5).normalize('NFC');
  const keys: SidecarKey[] = [];
  const add = (base: string, n: number | null, suffix: boolean, fallback: boolean): void => {
    if (base && !keys.some((k) => k.base === base && k.n === n)) {
      keys.push({ base, n, suffix, fallback });
    }
  };
  const { base, n } = splitNumber(r);
  add(base, n, false, false);
  const stripped = stripSupplemental(base);
  if (stripped !== null) {
    add(stripped, n, true, false);
    const swapped = splitNumber(stripped);
    if (n === null && swapped.n !== null) add(swapped.base, swapped.n, true, false);
  }
  if (n === null) return keys;
  add(r, null, false, true);
  // `(n)` on both sides: `img(18).jpg.supple(18).json` (Wacheee/GPTH#15) may be `img(18).jpg`'s.
  const named = stripped ?? base;
  if (splitExt(named).stem.endsWith(`(${n})`)) add(named, null, stripped !== null, true);
  return keys;
}

/** How a media name relates to a sidecar base: E1 equal, E2 cut to 46, E4 extension dropped. */
export type KeyKind = 'equal' | 'cut' | 'no-extension';

/** One key a media file's sidecar base may equal, for the media read with duplicate number `n`. */
export interface MediaKey {
  key: string;
  n: number | null;
  kind: KeyKind;
  /** True when the key comes from reading a trailing `(k)` of the name as a duplicate number. */
  renumbered: boolean;
  /** True when the name's stem ends in `(k)`, whichever way it is read. */
  numberedName: boolean;
}

/**
 * The keys of a media name. The name is read as it is, and, when its stem ends in `(k)`, as
 * duplicate k of `stem-without-(k)` (trailing spaces dropped) + ext (`DSC_0238(1).JPG` ↔ `DSC_0238.JPG(1).json`). For each
 * reading x: x itself; x cut to 46 units when longer (`…ORIGINA.jpg` ↔ `…ORIGIN.json`; a media
 * stem cut to 47 keeps its first 46); x without its extension (`Peanut Butter Balls.jpg` ↔
 * `Peanut Butter Balls.supplemental-metadata.json`, `IMG~2.jpg` ↔ `IMG~2.json`).
 */
export function mediaKeys(name: string): MediaKey[] {
  const m = name.normalize('NFC');
  const { stem, ext } = splitExt(m);
  const readings: Array<{ x: string; n: number | null; renumbered: boolean }> = [
    { x: m, n: null, renumbered: false },
  ];
  const numbered = splitNumber(stem);
  const base = numbered.base.trimEnd();
  if (numbered.n !== null && base) {
    // `skytree (2).jpg` may be duplicate 2 of `skytree.jpg` too (ente's metadata-json.ts).
    readings.push({ x: base + ext, n: numbered.n, renumbered: true });
  }
  const numberedName = numbered.n !== null;
  const keys: MediaKey[] = [];
  for (const { x, n, renumbered } of readings) {
    keys.push({ key: x, n, kind: 'equal', renumbered, numberedName });
    for (const c of cuts(x, JSON_BASE_UNITS)) {
      if (c !== x) keys.push({ key: c, n, kind: 'cut', renumbered, numberedName });
    }
    const bare = splitExt(x);
    if (bare.ext) keys.push({ key: bare.stem, n, kind: 'no-extension', renumbered, numberedName });
  }
  return keys;
}

/** The rule a name pairing shows: a cut beats a number beats a suffix; exact is none of them. */
export function nameRule(kind: KeyKind, sidecar: SidecarKey): MatchRule {
  if (kind === 'cut') return 'truncated';
  if (kind === 'no-extension') return 'no-extension';
  if (sidecar.n !== null) return 'numbered';
  return sidecar.suffix ? 'supplemental' : 'exact';
}

/**
 * Sort weight of a pairing, lower wins: the key's kind; the sidecar's fallback reading; a media
 * name read as a duplicate, or one that looks numbered but whose number a cut or a dropped
 * extension ignores (`…_P(1).jpg` cut to 46 is `…_P.jpg` cut to 46: immich-go#68's `_P.jpg`
 * comes first); a removed suffix; last `video`, since a cut or extension-less base fits a live
 * photo's still and its video alike and the sidecar is the still's.
 */
export function nameRank(media: MediaKey, sidecar: SidecarKey, video: boolean): number {
  const kind = media.kind === 'equal' ? 0 : media.kind === 'cut' ? 1 : 2;
  const renumbered = media.renumbered || (kind > 0 && media.numberedName);
  return (
    kind * 16 +
    (sidecar.fallback ? 8 : 0) +
    (renumbered ? 4 : 0) +
    (sidecar.suffix ? 2 : 0) +
    (kind > 0 && video ? 1 : 0)
  );
}

/** Media extensions of a live photo's video half and of a still (README §2, 1321, 180, small.lst). */
export const VIDEO_EXT = /^\.(?:mov|mp4|m4v)$/i;
export const STILL_EXT = /^\.(?:heic|heif|jpg|jpeg)$/i;
