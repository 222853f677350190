/**
 * Media files that have no sidecar of their own and take another file's: edited copies and the
 * video halves of motion and live photos (README §2, "Files without their own sidecar"). Pure.
 */
import { MEDIA_STEM_UNITS, splitExt, splitNumber } from './match-names.ts';

/**
 * Suffixes Google Photos gives an edited copy, per language: en, fr (small.lst), de, it, es
 * (GPTH-X #29), ca, pl, nl, ja. NFC.
 */
const EDITED = [
  '-edited',
  '-modifié',
  '-bearbeitet',
  '-modificato',
  '-ha editado',
  '-editat',
  '-edytowane',
  '-bewerkt',
  '-編集済み',
].map((s) => s.normalize('NFC'));

/** A suffix cut by the 47-unit stem limit must keep this many units to count (`-ha` of `-ha editado`). */
const MIN_CUT_SUFFIX = 3;

/**
 * The original's stem for an edited copy's stem (no `(k)`), or null when it is no edited copy.
 * A stem at the 47-unit limit may end in a cut suffix: `…nuevo_001-ha edi.JPG` (GPTH-X #29).
 */
function originalStem(stem: string): string | null {
  for (const e of EDITED) {
    if (stem.length > e.length && stem.endsWith(e)) return stem.slice(0, -e.length);
  }
  if (stem.length < MEDIA_STEM_UNITS) return null;
  for (const e of EDITED) {
    for (let len = e.length - 1; len >= MIN_CUT_SUFFIX; len--) {
      if (stem.endsWith(e.slice(0, len))) return stem.slice(0, -len);
    }
  }
  return null;
}

/**
 * Where to look for an edited copy's original: stems to try in order, and the copy's extension.
 * `X-edited(k).jpg` is first taken for the edit of duplicate `X(k).jpg`, then of `X.jpg` (GPTH
 * test: `simple_file_20200101-edited(1).jpg` ↔ `simple_file_20200101.jpg.json`). Null when the
 * name is no edited copy's. The name must be NFC.
 */
export function editedOriginal(name: string): { stems: string[]; ext: string } | null {
  const { stem, ext } = splitExt(name);
  const { base, n } = splitNumber(stem);
  const orig = originalStem(base);
  if (!orig) return null;
  return { stems: n === null ? [orig] : [`${orig}(${n})`, orig], ext };
}

/**
 * The still a Pixel motion photo's video belongs to: `X.MP` and `X.MP~2` go with `X.MP.jpg`
 * and `X.MP~2.jpg` (immich-go #405, #1326, testgp checkMPissue405). [] for other names.
 */
export function motionStills(name: string): string[] {
  if (!/\.MP(?:~\d+)?$/.test(name)) return [];
  return ['.jpg', '.jpeg', '.JPG', '.JPEG'].map((ext) => name + ext);
}
