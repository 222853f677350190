/**
 * Where each remote item lives in the local tree: unique relative paths with stable duplicate
 * numbers, the containment check every write goes through, and the mtime a file gets. Pure.
 */
import path from 'node:path';
import { SyncError } from '../errors/errors.ts';
import { pathKey, sanitizeName, withDuplicateSuffix } from './sanitize.ts';

export { parseTakenTime, fileMtime } from './taken-time.ts';

export interface LayoutInput {
  /** Remote id; must be unique within one call. */
  id: string;
  /** Folder relative to ROOT, already sanitised, '/' separated, '' for ROOT itself. */
  dir: string;
  /** Remote name, not yet sanitised. */
  name: string;
  /** RFC 3339; orders duplicates (null or unparsable sorts last). */
  createdTime: string | null;
  /** What the index assigned last time, if anything. */
  stored?: { relPath: string; dupNumber: number } | null;
}

export interface Placement {
  id: string;
  /** Relative to ROOT, '/' separated: `dir/baseName` or `dir/stem (n).ext`. */
  relPath: string;
  /** The sanitised remote name before any duplicate suffix (the collision base). */
  baseName: string;
  /** 0 for no suffix, else the n of `stem (n).ext`. */
  dupNumber: number;
  /** pathKey(relPath): unique across the result. */
  pathKey: string;
}

interface Entry {
  item: LayoutInput;
  /** createdTime in ms (+Infinity when null or unparsable); computed only for entries sorted. */
  order: number;
  baseName: string;
  /** joinRel(dir, baseName) and its pathKey: the placement when the number is 0. */
  baseRel: string;
  baseKey: string;
  group: Group;
  dupNumber: number;
  relPath: string;
  key: string;
}

interface Group {
  size: number;
  /** Numbers given out in this group; created on first use (most groups hold one item). */
  used: Set<number> | null;
  /** Lowest number that may still be free (numbers below it are used or taken). */
  next: number;
}

const joinRel = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);

const timeOf = (t: string | null): number => {
  const ms = t === null ? NaN : Date.parse(t);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
};

/** (createdTime, id) order; ids compare by code unit so the order never depends on the locale. */
function byCreatedThenId(a: Entry, b: Entry): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  return a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0;
}

/** The stored number when it still describes the item: same dir, same sanitised name. */
function validClaim(e: Entry, suffix: DuplicateNamer): number | null {
  const s = e.item.stored;
  if (!s || !Number.isSafeInteger(s.dupNumber) || s.dupNumber < 0) return null;
  return s.relPath === placedAs(e, s.dupNumber, suffix) ? s.dupNumber : null;
}

const placedAs = (e: Entry, n: number, suffix: DuplicateNamer): string =>
  n === 0 ? e.baseRel : joinRel(e.item.dir, suffix(e.baseName, n));

/**
 * The n-th duplicate (n >= 1) of a sanitised name, at most 255 bytes. Files use
 * withDuplicateSuffix (`stem (n).ext`); folders, whose names have no extension, put ` (n)` last.
 */
export type DuplicateNamer = (name: string, n: number) => string;

/**
 * Assigns every item a unique relative path; the result is in input order and does not depend on
 * input order otherwise.
 *
 * Items whose (dir, sanitised name) collide, compared by pathKey, get `stem (1).ext`,
 * `stem (2).ext`, … in (createdTime, id) order, as Google's Backup and Sync did; the first has no
 * suffix.
 * - Stability: an item whose stored relPath equals what its current base and stored number give
 *   keeps that number; when two stored items claim the same number the earlier in (createdTime, id)
 *   order keeps it. Items without a valid claim take the lowest free numbers in (createdTime, id)
 *   order. Without stored placements (an index rebuild) the numbers of a first pass are reproduced.
 * - A generated name never takes the pathKey of another item's real name (`x (1).jpg` that exists
 *   remotely wins over the first duplicate of `x.jpg`) nor of another generated name: the number is
 *   bumped until free. A stored claim that became taken this way is given a new number.
 * `suffix` names the duplicates (album folders pass their own, see album-layout.ts).
 * O(n log n); only items that share a base or claim a suffix are sorted. Throws Error on a
 * repeated id (a caller bug).
 */
export function assignPlacements(
  items: LayoutInput[],
  suffix: DuplicateNamer = withDuplicateSuffix,
): Placement[] {
  // Every base key is owned by its real name, whoever ends up holding number 0 in that group.
  const groups = new Map<string, Group>();
  // Keys of suffixed names given out so far.
  const generated = new Set<string>();
  const taken = (key: string): boolean => groups.has(key) || generated.has(key);
  const entries = entriesOf(items, groups);

  const assign = (e: Entry, n: number, relPath: string): boolean => {
    const key = n === 0 ? e.baseKey : pathKey(relPath);
    if (n > 0 && taken(key)) return false;
    e.dupNumber = n;
    e.relPath = relPath;
    e.key = key;
    // A lone item's group is never asked again.
    if (e.group.size > 1) (e.group.used ??= new Set()).add(n);
    if (n > 0) generated.add(key);
    return true;
  };

  // An item alone with its base and no suffix to keep gets the base: nothing can compete for it.
  const contested: Entry[] = [];
  for (const e of entries) {
    if (e.group.size === 1 && !validClaim(e, suffix)) assign(e, 0, e.baseRel);
    else {
      e.order = timeOf(e.item.createdTime);
      contested.push(e);
    }
  }
  contested.sort(byCreatedThenId);

  // 1. Stored claims that still describe the item, earliest first.
  for (const e of contested) {
    const n = validClaim(e, suffix);
    if (n === null || e.group.used?.has(n)) continue;
    assign(e, n, placedAs(e, n, suffix));
  }

  // 2. Everyone else: the lowest number free in the group and, for suffixed names, in the tree.
  for (const e of contested) {
    if (e.dupNumber >= 0) continue;
    const g = e.group;
    for (;;) {
      const n = g.next++;
      if (!g.used?.has(n) && assign(e, n, placedAs(e, n, suffix))) break;
    }
  }

  return entries.map((e) => ({
    id: e.item.id,
    relPath: e.relPath,
    baseName: e.baseName,
    dupNumber: e.dupNumber,
    pathKey: e.key,
  }));
}

/** One Entry per item, each in the Group of its base key (created in `groups`). */
function entriesOf(items: readonly LayoutInput[], groups: Map<string, Group>): Entry[] {
  const ids = new Set<string>();
  return items.map((item) => {
    if (ids.has(item.id)) throw new Error(`assignPlacements: id ${item.id} appears twice`);
    ids.add(item.id);
    const baseName = sanitizeName(item.name);
    const baseRel = joinRel(item.dir, baseName);
    const baseKey = pathKey(baseRel);
    let group = groups.get(baseKey);
    if (group) group.size++;
    else groups.set(baseKey, (group = { size: 1, used: null, next: 0 }));
    return {
      item,
      order: 0,
      baseName,
      baseRel,
      baseKey,
      group,
      dupNumber: -1,
      relPath: '',
      key: '',
    };
  });
}

/**
 * Joins ROOT and a relative path and proves, lexically, that the result stays inside ROOT; throws
 * SyncError('fatal') otherwise: empty path, absolute path, empty, '.' or '..' segments, NUL.
 * Every write of the tree layer goes through it. Symlinks inside ROOT are not inspected: ROOT's
 * content is ours.
 */
export function resolveInside(root: string, relPath: string): string {
  const bad = (why: string): SyncError =>
    new SyncError('fatal', `refusing path outside the root (${why}): ${JSON.stringify(relPath)}`);
  if (relPath === '') throw bad('empty path');
  if (relPath.startsWith('/')) throw bad('absolute path');
  if (relPath.includes('\0')) throw bad('NUL byte');
  for (const seg of relPath.split('/')) {
    if (seg === '') throw bad('empty segment');
    if (seg === '.' || seg === '..') throw bad(`'${seg}' segment`);
  }
  const base = path.resolve(root);
  const full = path.join(base, relPath);
  if (!full.startsWith(base === '/' ? '/' : base + path.sep) || full === base) {
    throw bad('escapes the root');
  }
  return full;
}
