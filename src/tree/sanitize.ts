/**
 * Turning a remote name into ONE safe path component on Linux, and the key that decides when two
 * paths collide. Pure: no I/O.
 *
 * Rules (Linux ext4/xfs/btrfs allow every byte except '/' and NUL, names up to 255 bytes):
 * - '/', NUL and the C0 controls U+0000–U+001F plus U+007F become '_' (controls break terminals, logs
 *   and shell scripts that read the tree).
 * - Backslash is KEPT: Linux allows it and it is part of the user's name. A Windows/SMB client will
 *   show it mangled; that is the share's business, not ours.
 * - Trailing spaces and dots are KEPT: Linux allows them (Windows would not).
 * - Everything else, emoji and non-Latin scripts included, is kept; the result is NFC so one name
 *   has one byte sequence (macOS uploads arrive in NFD). Lone UTF-16 surrogates become U+FFFD.
 * - '.' -> '_', '..' -> '__', '' -> '_' : a component can never mean "here" or "up".
 * - Over 255 UTF-8 bytes: cut at a code point boundary, keeping the extension (see splitExt).
 */

/** The longest file name, in UTF-8 bytes, that Linux file systems accept. */
export const MAX_NAME_BYTES = 255;

/** An extension (the part after the last '.') counts only if it is 1–16 bytes long. */
const MAX_EXT_BYTES = 16;

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f/]/g;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * The longest prefix of `s` that fits in `maxBytes` UTF-8 bytes, cut between code points (a
 * surrogate pair, i.e. one emoji, is never split).
 */
export function cutToBytes(s: string, maxBytes: number): string {
  if (utf8Bytes(s) <= maxBytes) return s;
  let bytes = 0;
  let end = 0;
  for (const cp of s) {
    const n = utf8Bytes(cp);
    if (bytes + n > maxBytes) break;
    bytes += n;
    end += cp.length;
  }
  return s.slice(0, end);
}

/**
 * Splits a name into stem and extension. The extension includes its dot and is '' when there is
 * none: no dot, a leading dot only (`.bashrc`), a trailing dot (`name.`), or more than 16 bytes
 * after the last dot (then the "extension" is more likely part of a sentence than a type).
 */
export function splitExt(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { stem: name, ext: '' };
  const after = utf8Bytes(name) - utf8Bytes(name.slice(0, dot + 1));
  if (after < 1 || after > MAX_EXT_BYTES) return { stem: name, ext: '' };
  return { stem: name.slice(0, dot), ext: name.slice(dot) };
}

/** Cuts `stem + tail + ext` to `maxBytes` by shortening the stem only. */
function fitStem(stem: string, tail: string, ext: string): string {
  const room = MAX_NAME_BYTES - utf8Bytes(tail) - utf8Bytes(ext);
  return cutToBytes(stem, room) + tail + ext;
}

/** One safe path component from a remote name (rules above). Idempotent. */
export function sanitizeName(name: string): string {
  const s = name.replace(LONE_SURROGATE, '\uFFFD').normalize('NFC').replace(UNSAFE, '_');
  if (s === '' || s === '.') return '_';
  if (s === '..') return '__';
  if (utf8Bytes(s) <= MAX_NAME_BYTES) return s;
  const { stem, ext } = splitExt(s);
  return fitStem(stem, '', ext);
}

/**
 * `name` for n = 0, else `stem (n).ext`, with the stem cut so the result is at most 255 bytes.
 * `name` must already be sanitised. Throws RangeError unless n is a non-negative safe integer.
 */
export function withDuplicateSuffix(name: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Expected \`n\` to be a non-negative integer, got \`${n}\``);
  }
  if (n === 0) return name;
  const { stem, ext } = splitExt(name);
  return fitStem(stem, ` (${n})`, ext);
}

/**
 * The collision key of a relative path: NFC, then lower case. Two items whose keys are equal must
 * not share a folder, because case-insensitive file systems (an SMB share, exFAT, NTFS on a NAS)
 * would merge `IMG.JPG` and `img.jpg` into one file, and macOS clients would merge NFC and NFD
 * spellings. `toLowerCase()` is simple (not full) case folding, close to what NTFS and exFAT do.
 */
export function pathKey(relPath: string): string {
  return relPath.normalize('NFC').toLowerCase();
}
