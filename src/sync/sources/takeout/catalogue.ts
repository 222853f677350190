/**
 * What an export holds, worked out from its catalogue (the recorded entries), folder by folder.
 * Pure: entries in, library items and albums out; the caller dates, files and records them.
 *
 * - An item is one set of bytes (md5 and size): the copy in a year folder and the copies in album
 *   folders are one item, filed once. Its facts come from a sidecar, the year folder's first.
 * - A media file the matcher calls `edited` or `companion` is an item of its own that takes its
 *   partner's sidecar date (an edited copy sits beside its original; a motion or live photo's
 *   video beside its still).
 * - An album is a folder that is not a year, date, trash or special folder. Its members are the
 *   items of its media files, and the items its sidecars describe when the folder holds only the
 *   sidecars (their media sit in a year folder).
 * - Media in the trash are counted, never filed.
 *
 * Memory: a catalogue holds every item of an export at once (some 100,000), so an item holds only
 * what dating, deciding and filing read (`HeldFacts`: title, URL, times as numbers) and strings
 * of its own; the rest of its sidecar stays in the index, where recording the item reads it
 * again by `sidecar` (file-export.ts).
 */
import { dateFromFolder } from '../../../remote/takeout/name-date.ts';
import { matchFolder } from '../../../remote/takeout/match.ts';
import { classifyPath } from '../../../remote/takeout/paths.ts';
import type {
  AlbumFacts,
  MatchRule,
  SidecarFacts,
  TakeoutJson,
  TakeoutPath,
} from '../../../remote/takeout/types.ts';
import type { EntryRecord } from '../../../index/takeout-repo.ts';
import { ownString } from '../../../lib/own-string.ts';

export type ItemKind = 'original' | 'edited' | 'companion';

/** One library item of an export. */
export interface ItemDraft {
  /** `md5:size`: the item's bytes. */
  content: string;
  md5: string;
  size: number;
  crc32: number | null;
  /** The archive name of its first copy (cut and numbered as the archive has it). */
  archiveName: string;
  facts: HeldFacts | null;
  /** The rule that matched its sidecar; null when it has none. */
  rule: MatchRule | null;
  kind: ItemKind;
  /** For edited copies and companions: the content of the item whose date they take. */
  partner: string | null;
  /** For edited copies and companions: their partner's sidecar (they have none of their own). */
  partnerFacts: HeldFacts | null;
  /** A staged copy of its bytes (`part-entry` of the export), or null when none was read. */
  staged: { part: number; entry: number } | null;
  /** The day or year of a dated folder that holds it (the last fallback for its date). */
  folderDate: Date | null;
}

export interface AlbumDraft {
  /** The folder below the product folder: the album's identity from export to export. */
  folder: string;
  facts: AlbumFacts | null;
  /** Contents of its members, in entry-name order, each once. */
  members: string[];
  /** Sidecars in the folder whose media is elsewhere (an album of only sidecars). */
  sidecarOnly: HeldFacts[];
}

/** Where an entry of the export's catalogue is recorded. */
export interface EntryRef {
  part: number;
  entry: number;
}

/**
 * What filing reads of a sidecar before it records its item. Times are milliseconds since the
 * epoch (a Date costs 96 bytes, three an item); `sidecar` is where the whole of it is recorded.
 */
export interface HeldFacts {
  title: string;
  url: string | null;
  takenMs: number | null;
  createdMs: number | null;
  modifiedMs: number | null;
  sidecar: EntryRef;
}

/** The part of a sidecar an item holds (see HeldFacts), with strings of its own. */
export function holdFacts(f: SidecarFacts, sidecar: EntryRef): HeldFacts {
  return {
    title: ownString(f.title),
    url: f.url === null ? null : ownString(f.url),
    takenMs: f.takenTime?.getTime() ?? null,
    createdMs: f.createdTime?.getTime() ?? null,
    modifiedMs: f.modifiedTime?.getTime() ?? null,
    sidecar,
  };
}

/** A time held as milliseconds, as a Date again (null stays null). */
export const dateOf = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

export interface Catalogue {
  items: Map<string, ItemDraft>;
  albums: AlbumDraft[];
  /** Media files in the trash (not filed). */
  trashed: number;
  /** Media files no sidecar matched, by path (their date falls back to EXIF, name, folder). */
  unmatched: string[];
  /** Entries the reader could not use, with the reason. */
  bad: Array<{ path: string; problem: string }>;
}

interface FolderEntries {
  tp: TakeoutPath;
  media: EntryRecord[];
  json: Array<{ entry: EntryRecord; parsed: TakeoutJson }>;
}

/** Builds the catalogue from entries sorted so that each folder's entries are adjacent. */
export async function buildCatalogue(pages: AsyncIterable<EntryRecord[]>): Promise<Catalogue> {
  const cat: Catalogue = { items: new Map(), albums: [], trashed: 0, unmatched: [], bad: [] };
  let folderKey: string | null = null;
  let current: FolderEntries | null = null;
  for await (const page of pages) {
    for (const e of page) {
      if (e.kind === 'bad') {
        cat.bad.push({ path: e.path, problem: e.problem ?? 'unreadable' });
        continue;
      }
      const tp = classifyPath(e.path);
      if (tp === null) continue;
      const key = `${tp.product}/${tp.folder}`;
      if (key !== folderKey) {
        if (current) addFolder(cat, current);
        folderKey = key;
        current = { tp, media: [], json: [] };
      }
      addEntry(current as FolderEntries, e);
    }
  }
  if (current) addFolder(cat, current);
  return cat;
}

function addEntry(f: FolderEntries, e: EntryRecord): void {
  if (e.kind === 'json') {
    f.json.push({ entry: e, parsed: reviveJson(e.facts) });
  } else {
    f.media.push(e);
  }
}

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** Files one folder's media into the catalogue: matched, merged by content, album noted. */
function addFolder(cat: Catalogue, f: FolderEntries): void {
  const { tp } = f;
  if (tp.folderKind === 'trash') {
    cat.trashed += f.media.length;
    return;
  }
  // The same path in two parts is one file: keep the copy read first.
  const media = dedupeByPath(f.media);
  const sidecars = new Map<string, { facts: SidecarFacts; ref: EntryRef }>();
  let albumFacts: AlbumFacts | null = null;
  for (const { entry, parsed } of f.json) {
    const ref = { part: entry.partNumber, entry: entry.entryIndex };
    if (parsed.kind === 'media') sidecars.set(baseName(entry.path), { facts: parsed.facts, ref });
    else if (parsed.kind === 'album') albumFacts ??= parsed.facts;
  }
  const byName = new Map(media.map((m) => [baseName(m.path), m]));
  const matches = matchFolder({
    media: [...byName.keys()],
    sidecars: [...sidecars].map(([name, { facts }]) => ({ name, title: facts.title })),
  });
  const claimed = new Set<string>();
  const contentOf = new Map<string, string>();
  for (const m of matches) {
    const e = byName.get(m.media) as EntryRecord;
    if (e.md5 === null || e.size === null) continue;
    contentOf.set(m.media, `${e.md5}:${e.size}`);
  }
  const members: string[] = [];
  // One Date for the folder's items: each would otherwise hold a copy (96 bytes).
  const folderDate = dateFromFolder(tp);
  // One HeldFacts a sidecar: an original and its edited copy or companion share it.
  const held = new Map<string, HeldFacts>();
  const heldOf = (name: string, s: { facts: SidecarFacts; ref: EntryRef }): HeldFacts => {
    let h = held.get(name);
    if (h === undefined) held.set(name, (h = holdFacts(s.facts, s.ref)));
    return h;
  };
  for (const m of matches) {
    const e = byName.get(m.media) as EntryRecord;
    const content = contentOf.get(m.media);
    if (content === undefined) {
      // Recorded without bytes: a trashed copy outside the trash folder cannot occur; count it.
      cat.trashed++;
      continue;
    }
    if (m.sidecar !== null) claimed.add(m.sidecar);
    const found = m.sidecar === null ? undefined : sidecars.get(m.sidecar);
    if (found?.facts.trashed === true) {
      cat.trashed++;
      continue;
    }
    const sidecar = found === undefined ? null : heldOf(m.sidecar as string, found);
    if (m.rule === null) cat.unmatched.push(e.path);
    const kind: ItemKind =
      m.rule === 'edited' ? 'edited' : m.rule === 'companion' ? 'companion' : 'original';
    mergeItem(cat, e, content, {
      // An edited copy or companion is not what its partner's sidecar describes (title, URL).
      facts: kind === 'original' ? sidecar : null,
      partnerFacts: kind === 'original' ? null : sidecar,
      rule: m.rule,
      kind,
      partner: m.partner === null ? null : (contentOf.get(m.partner) ?? null),
      inYear: tp.folderKind === 'year' || tp.folderKind === 'date',
      folderDate,
    });
    members.push(content);
  }
  if (tp.folderKind === 'album') {
    const sidecarOnly = [...sidecars]
      .filter(([n]) => !claimed.has(n))
      .map(([, { facts, ref }]) => holdFacts(facts, ref));
    cat.albums.push({
      folder: tp.folder,
      facts: albumFacts,
      members: [...new Set(members)],
      sidecarOnly,
    });
  }
}

function dedupeByPath(media: EntryRecord[]): EntryRecord[] {
  const seen = new Map<string, EntryRecord>();
  for (const m of media) {
    const prev = seen.get(m.path);
    if (prev === undefined || (prev.md5 === null && m.md5 !== null)) seen.set(m.path, m);
  }
  return [...seen.values()];
}

interface CopyFacts {
  facts: HeldFacts | null;
  partnerFacts: HeldFacts | null;
  rule: MatchRule | null;
  kind: ItemKind;
  partner: string | null;
  inYear: boolean;
  folderDate: Date | null;
}

/**
 * Adds one copy to its item. A sidecar from a year folder wins over an album's (both describe the
 * same item; the year folder's is the library's own); any sidecar wins over none.
 */
function mergeItem(cat: Catalogue, e: EntryRecord, content: string, c: CopyFacts): void {
  const staged = stagedOf(e);
  const prev = cat.items.get(content);
  if (prev === undefined) {
    // The archive name is the sidecar's title unless Takeout cut or numbered it: one string then.
    const name = baseName(e.path);
    cat.items.set(content, {
      content,
      md5: e.md5 as string,
      size: e.size as number,
      crc32: e.crc32,
      archiveName: c.facts?.title === name ? c.facts.title : ownString(name),
      facts: c.facts,
      rule: c.rule,
      kind: c.kind,
      partner: c.partner,
      partnerFacts: c.partnerFacts,
      staged,
      folderDate: c.folderDate,
    });
    return;
  }
  prev.staged ??= staged;
  prev.folderDate ??= c.folderDate;
  if (c.facts !== null && (prev.facts === null || c.inYear)) {
    prev.facts = c.facts;
    prev.rule = c.rule;
  }
  if (prev.kind === 'original' && prev.facts === null && c.kind !== 'original') {
    prev.kind = c.kind;
    prev.partner = c.partner;
  }
  prev.partnerFacts ??= c.partnerFacts;
}

/** Media entries read into staging carry `staged: true` in their facts. */
function stagedOf(e: EntryRecord): { part: number; entry: number } | null {
  const f = e.facts as { staged?: boolean } | null;
  return f?.staged === true ? { part: e.partNumber, entry: e.entryIndex } : null;
}

const toDateOrNull = (v: unknown): Date | null =>
  typeof v === 'string' || v instanceof Date ? new Date(v) : null;

/** A TakeoutJson as the index stores it (JSON: its times are strings) with its times as Dates. */
export function reviveJson(stored: unknown): TakeoutJson {
  const j = (stored ?? { kind: 'other' }) as TakeoutJson;
  if (j.kind === 'media') {
    const f = j.facts;
    return {
      kind: 'media',
      facts: {
        ...f,
        takenTime: toDateOrNull(f.takenTime),
        createdTime: toDateOrNull(f.createdTime),
        modifiedTime: toDateOrNull(f.modifiedTime),
      },
    };
  }
  if (j.kind === 'album')
    return { kind: 'album', facts: { ...j.facts, date: toDateOrNull(j.facts.date) } };
  return j;
}
