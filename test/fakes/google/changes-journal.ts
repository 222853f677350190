/**
 * The change journal behind Drive's changes feed: every mutation made through the helpers in
 * `changes-mutate.ts` bumps a per-library change counter and records the file id; `changes.list`
 * reads it from a token.
 *
 * Tokens are decimal strings, as Google's are: a token is the id of the first change not yet
 * seen, so `startPageToken` is the id the next change will get, and a token equal to it lists
 * nothing. A file that changed several times is listed once, at its latest change (Google
 * coalesces): an entry is live only while it is its file's latest. Entries are an array indexed by
 * change id, so a listing costs O(changes scanned), never O(library).
 *
 * The journal belongs to the library's `files` map (kept in a WeakMap), so `{ ...lib, ids }`
 * copies share it; a library gets its journal on first use, starting at `FIRST_CHANGE_ID`.
 * Direct edits of `lib.files` bypass it: the feed does not see them (use `recordChange`).
 */
import type { Library } from './library.ts';

/** The first change id of a fresh journal (real accounts have long histories: any number works). */
export const FIRST_CHANGE_ID = 1000;

export interface JournalEntry {
  id: number;
  fileId: string;
  /** RFC 3339 with ms. */
  time: string;
}

export interface ChangeJournal {
  /** Id of `entries[0]`. */
  offset: number;
  entries: JournalEntry[];
  /** The id the next change gets (= the current start page token). */
  next: number;
  /** Tokens below this are refused (expired or before the journal began). */
  floor: number;
  /** Latest change id per file: entries with another id for that file are coalesced away. */
  latest: Map<string, number>;
  /** Last time handed out, so change times never go backwards. */
  lastMs: number;
}

const journals = new WeakMap<Map<string, unknown>, ChangeJournal>();

export function journalOf(lib: Library): ChangeJournal {
  let j = journals.get(lib.files);
  if (!j) {
    j = {
      offset: FIRST_CHANGE_ID,
      entries: [],
      next: FIRST_CHANGE_ID,
      floor: FIRST_CHANGE_ID,
      latest: new Map(),
      lastMs: 0,
    };
    journals.set(lib.files, j);
  }
  return j;
}

/** The current time for a change (never earlier than the previous one), RFC 3339 with ms. */
export function changeTime(lib: Library): string {
  const j = journalOf(lib);
  j.lastMs = Math.max(Date.now(), j.lastMs);
  return new Date(j.lastMs).toISOString();
}

/**
 * Records that `ids` changed now (their state as it is when the feed is read is what it lists;
 * an id no longer in `lib.files` is listed as removed). For tests that mutated `lib.files`
 * directly and want the feed to see it.
 */
export function recordChange(lib: Library, ...ids: string[]): void {
  const j = journalOf(lib);
  const time = changeTime(lib);
  for (const fileId of ids) {
    const id = j.next++;
    j.entries.push({ id, fileId, time });
    j.latest.set(fileId, id);
  }
}

/** The token `changes.getStartPageToken` hands out now. */
export function currentToken(lib: Library): string {
  return String(journalOf(lib).next);
}

/**
 * Refuses every token below `token` from now on (default: the current start token, so every
 * earlier token is refused), as Google may refuse a token it no longer keeps history for; drops
 * the entries below it.
 */
export function expireChangeTokensBefore(lib: Library, token?: string): void {
  const j = journalOf(lib);
  const t = token === undefined ? j.next : Number(token);
  if (!Number.isSafeInteger(t)) throw new Error(`not a change token: ${token}`);
  j.floor = Math.max(j.floor, Math.min(t, j.next));
  const drop = Math.max(0, Math.min(j.entries.length, j.floor - j.offset));
  if (drop > 0) {
    j.entries.splice(0, drop);
    j.offset += drop;
  }
}

/** The change id a token names, or undefined when it is malformed, expired or from the future. */
export function parseChangeToken(lib: Library, token: string): number | undefined {
  if (!/^\d{1,15}$/.test(token)) return undefined;
  const j = journalOf(lib);
  const t = Number(token);
  return t < j.floor || t > j.next ? undefined : t;
}

export interface ChangeWindow {
  /** Live entries in id order. */
  entries: JournalEntry[];
  /** The token of the next page, or undefined when the scan reached the end of the journal. */
  nextToken: string | undefined;
}

/**
 * Up to `max` live entries from change id `from`. With `windowSize`, the scan stops after that
 * many change ids whatever it found (short or empty pages while a next token is present).
 */
export function readChanges(
  lib: Library,
  from: number,
  max: number,
  windowSize?: number,
): ChangeWindow {
  const j = journalOf(lib);
  const out: JournalEntry[] = [];
  const stop = windowSize === undefined ? j.next : Math.min(j.next, from + windowSize);
  let id = from;
  while (id < stop && out.length < max) {
    const e = j.entries[id - j.offset];
    if (e && isLive(j, id)) out.push(e);
    id++;
  }
  // A full page followed only by coalesced entries is the last page.
  while (windowSize === undefined && id < j.next && !isLive(j, id)) id++;
  return { entries: out, nextToken: id < j.next ? String(id) : undefined };
}

function isLive(j: ChangeJournal, id: number): boolean {
  const e = j.entries[id - j.offset];
  return e !== undefined && j.latest.get(e.fileId) === e.id;
}
