/**
 * Pairs the media files of one folder with their JSON sidecars. Pure and deterministic: the
 * result does not depend on the order of `sidecars`, and media order only orders the output.
 * O(n log n) in the folder's files: every rule is a hash lookup; one sort of candidate pairs.
 *
 * Rules, in the order they apply (README §2 "Sidecar naming", §3; each file cites its samples):
 *  1. title: a sidecar whose `title` (cut and numbered as Takeout names files) names exactly one
 *     media file, which no other sidecar's title names (garzj's rule, the most robust). The pair
 *     is labelled with the name rule that also explains it, else `title`.
 *  2. names: every key a media name can have (match-names.ts) against every reading of a sidecar
 *     name; best pairing first (exact before cut before extension dropped; case-blind last),
 *     each sidecar and media used once. Labels: exact, supplemental, numbered, truncated,
 *     no-extension.
 *  3. edited: a copy named with an edited suffix takes its original's sidecar (`partner`); with no
 *     original in the folder it takes the sidecar the original's name would have.
 *  4. forgotten duplicate (immich-go #68): `X(k).jpg` left alone takes the sidecar of `X.jpg` when
 *     that sidecar's name was cut (46 units) so that its `(k)` may have been lost. Labelled
 *     `truncated`; the one case where a sidecar serves two media files.
 *  5. companion: `X.MP`/`X.MP~2` with a still `X.MP.jpg`/`X.MP~2.jpg`; a .mov/.mp4/.m4v whose
 *     stem is that of a HEIC/JPG still that has a sidecar. `partner` is the still.
 */
import { editedOriginal, motionStills } from './match-derived.ts';
import {
  MEDIA_STEM_UNITS,
  STILL_EXT,
  VIDEO_EXT,
  cuts,
  mediaKeys,
  nameRank,
  nameRule,
  sidecarKeys,
  splitExt,
} from './match-names.ts';
import type { MediaKey, SidecarKey } from './match-names.ts';
import type { FolderFiles, MatchRule, MediaMatch } from './types.ts';

interface Edge {
  media: number;
  sidecar: number;
  rank: number;
  rule: MatchRule;
}

interface Own {
  sidecar: number;
  rule: MatchRule;
}

interface Derived {
  rule: 'edited' | 'companion';
  partner: number | null;
  sidecar: number | null;
}

/** The folder, indexed once. Names are NFC; indexes point into `files.media`/`files.sidecars`. */
interface Folder {
  files: FolderFiles;
  names: string[];
  byName: Map<string, number>;
  /** Media by stem (name without extension), each list in name order. */
  byStem: Map<string, number[]>;
  /**
   * Sidecar readings by `n|base`, and by `n|base` lower-cased: GPTH#59 shows `IMG_4081(1).jpg`
   * with `IMG_4081.JPG(1).json`.
   */
  index: Map<string, Array<{ sidecar: number; key: SidecarKey }>>;
  folded: Map<string, Array<{ sidecar: number; key: SidecarKey }>>;
  /** Media by lower-cased name, for a title whose extension's case the file name does not keep. */
  byFolded: Map<string, number[]>;
  own: Array<Own | null>;
  derived: Array<Derived | null>;
  claimed: boolean[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const slot = (n: number | null, base: string): string => `${n ?? ''}|${base}`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function indexFolder(files: FolderFiles): Folder {
  const names = files.media.map((m) => m.normalize('NFC'));
  const byName = new Map(names.map((n, i) => [n, i] as const));
  const byStem = new Map<string, number[]>();
  const order = names.map((_, i) => i).sort((a, b) => cmp(names[a] ?? '', names[b] ?? ''));
  for (const i of order) push(byStem, splitExt(names[i] ?? '').stem, i);
  const byFolded = new Map<string, number[]>();
  for (const i of order) push(byFolded, (names[i] ?? '').toLowerCase(), i);
  const index = new Map<string, Array<{ sidecar: number; key: SidecarKey }>>();
  const folded = new Map<string, Array<{ sidecar: number; key: SidecarKey }>>();
  files.sidecars.forEach((s, i) => {
    for (const key of sidecarKeys(s.name)) {
      push(index, slot(key.n, key.base), { sidecar: i, key });
      push(folded, slot(key.n, key.base.toLowerCase()), { sidecar: i, key });
    }
  });
  return {
    files,
    names,
    byName,
    byStem,
    byFolded,
    index,
    folded,
    own: names.map(() => null),
    derived: names.map(() => null),
    claimed: files.sidecars.map(() => false),
  };
}

/** Rank added to a pairing found only when case is ignored: after every other name pairing. */
const FOLDED_RANK = 64;

/** Candidate pairings by name for one media name, from its keys; case-blind ones rank last. */
function edgesFor(f: Folder, media: number, keys: MediaKey[], video: boolean): Edge[] {
  const out: Edge[] = [];
  for (const mk of keys) {
    for (const { sidecar, key } of f.index.get(slot(mk.n, mk.key)) ?? []) {
      out.push({ media, sidecar, rank: nameRank(mk, key, video), rule: nameRule(mk.kind, key) });
    }
    for (const { sidecar, key } of f.folded.get(slot(mk.n, mk.key.toLowerCase())) ?? []) {
      if (key.base === mk.key) continue;
      const rank = FOLDED_RANK + nameRank(mk, key, video);
      out.push({ media, sidecar, rank, rule: nameRule(mk.kind, key) });
    }
  }
  return out;
}

/** Every name pairing in the folder, best first; ties go by media name, then sidecar name. */
function nameEdges(f: Folder): Edge[] {
  const edges = f.names.flatMap((name, i) =>
    edgesFor(f, i, mediaKeys(name), VIDEO_EXT.test(splitExt(name).ext)),
  );
  const sidecarName = (i: number): string => f.files.sidecars[i]?.name ?? '';
  return edges.sort(
    (a, b) =>
      a.rank - b.rank ||
      cmp(f.names[a.media] ?? '', f.names[b.media] ?? '') ||
      cmp(sidecarName(a.sidecar), sidecarName(b.sidecar)),
  );
}

/** Characters a title may hold that a file name may not (immich-go `sanitizedTitle`; `27/06/12 - 2`). */
const UNSAFE = /[/\\:|?\n]/g;

/**
 * The media files a sidecar's title names, read as Takeout names the file: unsafe characters
 * replaced, the stem cut to 47 units, the sidecar's `(n)` before the extension. A title with no
 * extension names the files with that stem (Google added one). A file whose name differs only in
 * case is taken when it is the only one.
 */
function titleTargets(f: Folder, title: string, n: number | null): number[] {
  const { stem, ext } = splitExt(title.normalize('NFC').replace(UNSAFE, '_'));
  const num = n === null ? '' : `(${n})`;
  const out = new Set<number>();
  for (const c of cuts(stem, MEDIA_STEM_UNITS)) {
    if (ext) {
      const name = c + num + ext;
      const folded = f.byFolded.get(name.toLowerCase()) ?? [];
      const i = f.byName.get(name) ?? (folded.length === 1 ? folded[0] : undefined);
      if (i !== undefined) out.add(i);
    } else {
      for (const i of f.byStem.get(c + num) ?? []) out.add(i);
    }
  }
  return [...out];
}

/** Rule 1: pairs named by a title on both sides unambiguously; labelled by `best` when it can. */
function titlePass(f: Folder, best: Map<string, Edge>): void {
  const bySidecar = new Map<number, number[]>();
  const byMedia = new Map<number, number[]>();
  f.files.sidecars.forEach((s, si) => {
    if (!s.title) return;
    const n = sidecarKeys(s.name).find((k) => k.n !== null)?.n ?? null;
    const targets = titleTargets(f, s.title, n);
    bySidecar.set(si, targets);
    for (const mi of targets) push(byMedia, mi, si);
  });
  for (const [si, targets] of bySidecar) {
    const mi = targets[0];
    if (targets.length !== 1 || mi === undefined || byMedia.get(mi)?.length !== 1) continue;
    f.own[mi] = { sidecar: si, rule: best.get(`${mi}:${si}`)?.rule ?? 'title' };
    f.claimed[si] = true;
  }
}

/** Rule 2: the best remaining name pairings, each media file and sidecar used once. */
function namePass(f: Folder, edges: Edge[]): void {
  for (const e of edges) {
    if (f.own[e.media] || f.claimed[e.sidecar]) continue;
    f.own[e.media] = { sidecar: e.sidecar, rule: e.rule };
    f.claimed[e.sidecar] = true;
  }
}

const isStill = (f: Folder, i: number): boolean => STILL_EXT.test(splitExt(f.names[i] ?? '').ext);

/**
 * The first media file other than `self` with one of these stems: the same extension first,
 * then a still (an edit of a HEIC may be saved as JPEG), then any.
 */
function findByStem(f: Folder, self: number, stems: string[], ext: string): number | null {
  for (const stem of stems) {
    const same = f.byName.get(stem + ext);
    if (same !== undefined && same !== self) return same;
    const others = (f.byStem.get(stem) ?? []).filter((i) => i !== self);
    const other = others.find((i) => isStill(f, i)) ?? others[0];
    if (other !== undefined) return other;
  }
  return null;
}

/** Rule 3: edited copies. Without an original they take the sidecar its name would have. */
function editedPass(f: Folder): void {
  f.names.forEach((name, i) => {
    if (f.own[i]) return;
    const orig = editedOriginal(name);
    if (!orig) return;
    const partner = findByStem(f, i, orig.stems, orig.ext);
    if (partner !== null) {
      f.derived[i] = { rule: 'edited', partner, sidecar: null };
      return;
    }
    const sidecarName = (e: Edge): string => f.files.sidecars[e.sidecar]?.name ?? '';
    for (const stem of orig.stems) {
      const edge = edgesFor(f, i, mediaKeys(stem + orig.ext), false).sort(
        (a, b) => a.rank - b.rank || cmp(sidecarName(a), sidecarName(b)),
      )[0];
      if (edge) {
        f.derived[i] = { rule: 'edited', partner: null, sidecar: edge.sidecar };
        return;
      }
    }
  });
}

/** A live photo's video: a still with the same stem, in name order. */
function liveStills(f: Folder, self: number): number[] {
  const { stem, ext } = splitExt(f.names[self] ?? '');
  if (!VIDEO_EXT.test(ext)) return [];
  return (f.byStem.get(stem) ?? []).filter((i) => isStill(f, i));
}

function motionStill(f: Folder, self: number): number | null {
  for (const still of motionStills(f.names[self] ?? '')) {
    const i = f.byName.get(still);
    if (i !== undefined) return i;
  }
  return null;
}

/** Rule 4: `X(k).jpg` takes the cut sidecar of `X.jpg` that lost its `(k)` (immich-go #68). */
function forgottenPass(f: Folder): void {
  f.names.forEach((name, i) => {
    if (f.own[i] || f.derived[i] || motionStill(f, i) !== null || liveStills(f, i).length > 0) {
      return;
    }
    for (const mk of mediaKeys(name)) {
      if (!mk.renumbered || mk.kind !== 'cut' || f.index.has(slot(mk.n, mk.key))) continue;
      const found = (f.index.get(slot(null, mk.key)) ?? [])
        .filter(({ key }) => !key.fallback)
        .map(({ sidecar }) => sidecar)
        .sort((a, b) => cmp(f.files.sidecars[a]?.name ?? '', f.files.sidecars[b]?.name ?? ''));
      const sidecar = found[0];
      if (sidecar === undefined) continue;
      f.own[i] = { sidecar, rule: 'truncated' };
      return;
    }
  });
}

/** Rule 5: motion photos' and live photos' videos. */
function companionPass(f: Folder): void {
  f.names.forEach((_, i) => {
    if (f.own[i] || f.derived[i]) return;
    const motion = motionStill(f, i);
    const partner = motion ?? liveStills(f, i).find((s) => sidecarOf(f, s) !== null) ?? null;
    if (partner !== null) f.derived[i] = { rule: 'companion', partner, sidecar: null };
  });
}

/** The sidecar a media file ends up with: its own, or its partner's (an edit of a video: two steps). */
function sidecarOf(f: Folder, i: number, depth = 0): number | null {
  const own = f.own[i];
  if (own) return own.sidecar;
  const d = f.derived[i];
  if (!d || depth > 2) return null;
  return d.partner === null ? d.sidecar : sidecarOf(f, d.partner, depth + 1);
}

/** Pairs each media file of a folder with its sidecar; one result per media name, same order. */
export function matchFolder(files: FolderFiles): MediaMatch[] {
  const f = indexFolder(files);
  const edges = nameEdges(f);
  const best = new Map<string, Edge>();
  for (const e of [...edges].reverse()) best.set(`${e.media}:${e.sidecar}`, e);
  titlePass(f, best);
  namePass(f, edges);
  editedPass(f);
  forgottenPass(f);
  companionPass(f);
  return files.media.map((media, i) => {
    const own = f.own[i];
    const d = f.derived[i];
    const s = sidecarOf(f, i);
    const sidecar = s === null ? null : (files.sidecars[s]?.name ?? null);
    if (own) return { media, sidecar, rule: own.rule, partner: null };
    if (!d) return { media, sidecar: null, rule: null, partner: null };
    const partner = d.partner === null ? null : (files.media[d.partner] ?? null);
    return { media, sidecar, rule: d.rule, partner };
  });
}
