/**
 * Reads one archive part in place, in stream order, and records its catalogue: each JSON entry
 * parsed, each media entry's bytes written once to the export's staging folder (tree/staging.ts)
 * with their md5. Nothing is extracted anywhere else, nothing is kept in memory but one entry.
 *
 * Contract:
 * - Resumable: entries are recorded in batches together with the part's `next_entry`; a pass
 *   killed mid-part resumes there, and an entry staged but not yet recorded is found by its
 *   staged name and hashed, never fetched or written again.
 * - A zip entry whose bytes the backup already holds (same size, CRC-32 and name but for Google's
 *   `(n)`) is not fetched at all: the album copies of a photo and the photos of a later export
 *   that were filed before cost no bytes. A tgz entry is known only once read: one of up to
 *   4 MiB is read into memory and hashed first, and not written when its md5 and size are held
 *   (staged or filed); a larger one is staged, and its copy dropped when the export is filed.
 * - A bad entry (unsafe name, CRC, bomb, encrypted, not JSON…) is recorded with its problem and
 *   named in the log; the rest of the part goes on. A part that breaks (cut, no directory) is
 *   marked `bad` with the reason; what was recorded before stays.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { EntryRecord, PartRow, TakeoutRepo } from '../../../index/takeout-repo.ts';
import { checkEntryName } from '../../../remote/takeout/entry-name.ts';
import { classifyPath } from '../../../remote/takeout/paths.ts';
import { parseTakeoutJson } from '../../../remote/takeout/sidecar.ts';
import {
  EntryError,
  PartError,
  type ArchiveEntry,
  type PartReader,
} from '../../../remote/takeout/types.ts';
import {
  describeStaged,
  stagedEntries,
  stagedRel,
  stageEntry,
  syncStaged,
  type Staged,
} from '../../../tree/staging.ts';

/** JSON entries larger than this are not sidecars (a sidecar is a few KB). */
const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** Entries recorded per transaction, and the longest a batch waits. */
const BATCH_ENTRIES = 500;
const BATCH_MS = 2000;

export interface ReadPartDeps {
  root: string;
  repo: TakeoutRepo;
  log: Logger;
  signal: AbortSignal;
  exportId: string;
  /** `contentKey` -> md5 of bytes already filed or staged; grows as the part is read. */
  known: Map<string, string>;
  /**
   * `md5:size` of the bytes the backup holds or has staged; grows as the part is read. A tgz
   * entry (no CRC-32 before its bytes, so never skipped unread) small enough to hash in memory
   * first is not written when it is one of these.
   */
  held: Set<string>;
}

export interface PartCounts {
  media: number;
  json: number;
  bad: number;
  bytesWritten: number;
  /** The part broke: the reason, else null. */
  broken: string | null;
}

/** `size:crc32:name`, the name without the `(n)` Google adds to duplicates. */
export function contentKey(size: number, crc32: number, name: string): string {
  const plain = name.replace(/\(\d+\)(?=\.[^.]*$|$)/, '');
  return `${size}:${crc32}:${plain}`;
}

const isJsonName = (p: string): boolean => p.toLowerCase().endsWith('.json');
const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

export async function readPart(
  deps: ReadPartDeps,
  part: PartRow,
  reader: PartReader,
): Promise<PartCounts> {
  const { log } = deps;
  const counts: PartCounts = {
    media: 0,
    json: 0,
    bad: part.badEntries,
    bytesWritten: part.bytesWritten,
    broken: null,
  };
  const staged = await leftByKilledPass(deps, part);
  const batch = new Batch(deps, part, counts);
  const { held } = deps;
  const knownMd5 = (e: ArchiveEntry): string | undefined =>
    e.crc32 === null ? undefined : deps.known.get(contentKey(e.size, e.crc32, baseName(e.path)));
  const want = (e: ArchiveEntry): boolean => {
    // A file with an unsafe name (absolute, `..`) is asked for so that the reader refuses it by
    // name: it is reported as a bad entry, never passed over in silence, never written.
    if (!e.isDirectory && !checkEntryName(e.path).ok) return true;
    const tp = e.isDirectory ? null : classifyPath(e.path);
    if (tp === null || tp.folderKind === 'trash') return false;
    if (isJsonName(e.path)) return e.size <= MAX_JSON_BYTES;
    const left = staged.get(e.index);
    if (left !== undefined && isWhole(left, e)) return false;
    return knownMd5(e) === undefined;
  };
  try {
    for await (const r of reader.entries({
      fromIndex: part.nextEntry,
      want,
      signal: deps.signal,
    })) {
      if (r.entry.index < part.nextEntry) continue;
      const rec = r.problem
        ? badRecord(part, r.entry, r.problem.message)
        : r.body
          ? await readEntry(deps, part, r.entry, r.body, batch.unsynced)
          : skippedRecord(part, r.entry, staged, knownMd5(r.entry), deps.known);
      if (rec?.kind === 'media' && rec.md5 !== null && rec.size !== null)
        held.add(`${rec.md5}:${rec.size}`);
      if (rec?.kind === 'bad')
        log.warn({ entry: rec.path, problem: rec.problem }, 'Takeout entry skipped');
      await batch.add(r.entry.index, rec);
    }
  } catch (err) {
    if (!(err instanceof PartError)) {
      await batch.flush().catch(() => undefined);
      throw err;
    }
    counts.broken = err.message;
  }
  await batch.flush();
  return counts;
}

/** Tgz entries up to this size are read into memory and hashed before anything is written. */
const HASH_FIRST_BYTES = 4 * 1024 * 1024;

/** Reads a wanted entry: a JSON parsed, a media file staged (unless its bytes are held). */
async function readEntry(
  deps: ReadPartDeps,
  part: PartRow,
  e: ArchiveEntry,
  body: AsyncIterable<Buffer>,
  unsynced: string[],
): Promise<EntryRecord> {
  try {
    if (isJsonName(e.path)) {
      const parsed = parseTakeoutJson((await readAll(body)).toString('utf8'));
      if (parsed.kind === 'invalid') {
        return badRecord(
          part,
          e,
          `${e.path} is not valid JSON (${parsed.error}): its item is dated by other means`,
        );
      }
      return { ...base(part, e), kind: 'json', facts: parsed };
    }
    let bytesOf: AsyncIterable<Buffer> = body;
    if (e.crc32 === null && e.size <= HASH_FIRST_BYTES) {
      const data = await readAll(body);
      const md5 = createHash('md5').update(data).digest('hex');
      // Another copy of these bytes (an album's) is staged or filed: recorded, not written.
      if (deps.held.has(`${md5}:${data.byteLength}`))
        return { ...base(part, e), kind: 'media', size: data.byteLength, md5 };
      bytesOf = (async function* () {
        yield data;
      })();
    }
    const rel = stagedRel(deps.exportId, part.number, e.index);
    const { bytes, md5 } = await stageEntry(deps.root, rel, bytesOf, deps.signal);
    unsynced.push(rel);
    if (e.crc32 !== null) deps.known.set(contentKey(bytes, e.crc32, baseName(e.path)), md5);
    return { ...base(part, e), kind: 'media', size: bytes, md5, facts: { staged: true, bytes } };
  } catch (err) {
    if (err instanceof EntryError) return badRecord(part, e, err.message);
    throw err;
  }
}

async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c);
  return Buffer.concat(chunks);
}

/** An entry passed over: staged by a killed pass, already held, or not ours (trash, other). */
function skippedRecord(
  part: PartRow,
  e: ArchiveEntry,
  staged: ReadonlyMap<number, Staged>,
  knownMd5: string | undefined,
  known: Map<string, string>,
): EntryRecord | null {
  const tp = e.isDirectory ? null : classifyPath(e.path);
  if (tp === null || isJsonName(e.path)) return null;
  if (tp.folderKind === 'trash') return { ...base(part, e), kind: 'media' };
  const left = staged.get(e.index);
  if (left !== undefined && isWhole(left, e)) {
    // Known from here on, as if this pass had staged it: a later copy of the same bytes (an
    // album's) is then not fetched nor staged again, as in a pass that was never killed.
    if (e.crc32 !== null) known.set(contentKey(left.bytes, e.crc32, baseName(e.path)), left.md5);
    return {
      ...base(part, e),
      kind: 'media',
      size: left.bytes,
      md5: left.md5,
      facts: { staged: true, bytes: left.bytes },
    };
  }
  return { ...base(part, e), kind: 'media', md5: knownMd5 ?? null };
}

/**
 * The staged files of this part that a killed pass wrote but did not record (entries from
 * `next_entry` on), with what they hold: they are recorded without reading the archive again
 * when they are whole (isWhole).
 */
async function leftByKilledPass(deps: ReadPartDeps, part: PartRow): Promise<Map<number, Staged>> {
  const out = new Map<number, Staged>();
  for (const index of await stagedEntries(deps.root, deps.exportId, part.number)) {
    if (index < part.nextEntry) continue;
    out.set(index, await describeStaged(deps.root, stagedRel(deps.exportId, part.number, index)));
  }
  return out;
}

/**
 * Whether a staged file holds the whole entry: its CRC-32 and size as the zip's directory says
 * (a staged name only ever holds a complete write, but a power cut can undo unsynced data); a tar
 * entry has no CRC, its size must match.
 */
function isWhole(staged: Staged, e: ArchiveEntry): boolean {
  return staged.bytes === e.size && (e.crc32 === null || staged.crc32 === e.crc32);
}

function base(part: PartRow, e: ArchiveEntry): EntryRecord {
  return {
    partNumber: part.number,
    entryIndex: e.index,
    path: e.path,
    kind: 'media',
    size: e.size,
    crc32: e.crc32,
    md5: null,
    facts: null,
    problem: null,
  };
}

function badRecord(part: PartRow, e: ArchiveEntry, problem: string): EntryRecord {
  return { ...base(part, e), kind: 'bad', problem };
}

/** Records entries in batches with the part's progress (see the module's contract). */
class Batch {
  readonly #deps: ReadPartDeps;
  readonly #part: PartRow;
  readonly #counts: PartCounts;
  #records: EntryRecord[] = [];
  #next: number;
  #since = Date.now();

  constructor(deps: ReadPartDeps, part: PartRow, counts: PartCounts) {
    this.#deps = deps;
    this.#part = part;
    this.#counts = counts;
    this.#next = part.nextEntry;
  }

  async add(index: number, rec: EntryRecord | null): Promise<void> {
    this.#next = index + 1;
    if (rec !== null) {
      this.#records.push(rec);
      if (rec.kind === 'bad') this.#counts.bad++;
      else if (rec.kind === 'json') this.#counts.json++;
      else if (rec.md5 !== null) this.#counts.media++;
      const f = rec.facts as { bytes?: number } | null;
      if (rec.kind === 'media' && typeof f?.bytes === 'number')
        this.#counts.bytesWritten += f.bytes;
    }
    if (this.#records.length >= BATCH_ENTRIES || Date.now() - this.#since >= BATCH_MS)
      await this.flush();
  }

  /** Files staged since the last flush: fsynced before the entries that name them are recorded. */
  readonly unsynced: string[] = [];

  async flush(): Promise<void> {
    await syncStaged(this.#deps.root, this.unsynced.splice(0));
    const records = this.#records;
    this.#records = [];
    this.#since = Date.now();
    await this.#deps.repo.recordEntries(this.#deps.exportId, this.#part.number, records, {
      nextEntry: this.#next,
      badEntries: this.#counts.bad,
      bytesWritten: this.#counts.bytesWritten,
    });
  }
}
