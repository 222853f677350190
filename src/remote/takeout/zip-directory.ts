/**
 * Reads a zip part's central directory from its tail: the EOCD in the last 64 KiB + 22 bytes,
 * the zip64 locator and record when present, then the directory itself as one ranged read.
 * Entries come back in file order (by local header offset), which is the order `entries()`
 * streams them in; `index` is the position in that order.
 *
 * Memory: a 100,000-photo export has some 300,000 entries, and the directory is held while the
 * part is read. It is kept as columns (one array per field, numbers unboxed) and a name per
 * entry, 140 bytes an entry; a `ZipItem` is made only when an entry is asked for. (As one object
 * an entry, with its Date, it was 350 bytes, and parsing held records and items at once: 103 MiB
 * of heap for the 312,792 entries of the bench's export, the top of a pass's memory.)
 */
import { readAbortably } from './byte-source.ts';
import type { ArchiveEntry, ByteSource } from './types.ts';
import { PartError } from './types.ts';
import {
  asBuffer,
  CENTRAL_SIZE,
  type CentralRecord,
  type DirectoryFacts,
  EOCD_SIZE,
  findEndRecord,
  MAX_COMMENT,
  parseCentral,
  parseEndRecord,
  parseZip64End,
  parseZip64Locator,
  ZIP64_EOCD_SIZE,
  ZIP64_LOCATOR_SIZE,
  ZipFormatError,
} from './zip-records.ts';

/** An entry with what the reader needs to find and decode its bytes. */
export interface ZipItem {
  entry: ArchiveEntry;
  flags: number;
  method: number;
  compressedSize: number;
  localOffset: number;
}

/** The central directory, in file order (see the module's memory note). */
export class ZipDirectory {
  /** Where the central directory starts: every entry's data lies before it. */
  readonly dataEnd: number;
  readonly #c: Columns;
  /** Position in file order -> position in the directory. */
  readonly #order: Uint32Array;

  constructor(columns: Columns, dataEnd: number) {
    this.#c = columns;
    this.dataEnd = dataEnd;
    const { localOffset } = columns;
    this.#order = new Uint32Array(columns.length)
      .map((_, i) => i)
      .sort((a, b) => (localOffset[a] as number) - (localOffset[b] as number) || a - b);
  }

  get count(): number {
    return this.#order.length;
  }

  /** The entry at `index` in file order, as a new ZipItem. */
  item(index: number): ZipItem {
    const c = this.#c;
    const at = this.#order[index] as number;
    const path = c.names[at] as string;
    const mtime = c.mtime[at] as number;
    return {
      entry: {
        path,
        index,
        size: c.size[at] as number,
        crc32: c.crc32[at] as number,
        mtime: Number.isNaN(mtime) ? null : new Date(mtime),
        isDirectory: path.endsWith('/'),
      },
      flags: c.flags[at] as number,
      method: c.method[at] as number,
      compressedSize: c.compressedSize[at] as number,
      localOffset: c.localOffset[at] as number,
    };
  }

  /** Lets go of the name of an entry read (names are most of what a directory holds). */
  release(index: number): void {
    this.#c.names[this.#order[index] as number] = '';
  }
}

/**
 * The directory's fields, one typed array each, in directory order (an absent mtime is NaN), sized
 * for the count the end record declares (at most what the directory's size can hold) and grown
 * only when a writer declared too few.
 */
class Columns {
  names: string[];
  flags: Uint16Array;
  method: Uint16Array;
  crc32: Uint32Array;
  compressedSize: Float64Array;
  size: Float64Array;
  localOffset: Float64Array;
  mtime: Float64Array;
  length = 0;

  constructor(capacity: number) {
    this.names = new Array<string>(capacity);
    this.flags = new Uint16Array(capacity);
    this.method = new Uint16Array(capacity);
    this.crc32 = new Uint32Array(capacity);
    this.compressedSize = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.localOffset = new Float64Array(capacity);
    this.mtime = new Float64Array(capacity);
  }

  push(r: CentralRecord): void {
    if (this.length === this.flags.length) this.#grow(Math.max(1024, this.length * 2));
    const i = this.length++;
    this.names[i] = r.name;
    this.flags[i] = r.flags;
    this.method[i] = r.method;
    this.crc32[i] = r.crc32;
    this.compressedSize[i] = r.compressedSize;
    this.size[i] = r.size;
    this.localOffset[i] = r.localOffset;
    this.mtime[i] = r.mtime === null ? Number.NaN : r.mtime.getTime();
  }

  /** The columns cut to the entries read. */
  trimmed(): Columns {
    if (this.length !== this.flags.length) this.#grow(this.length);
    return this;
  }

  #grow(capacity: number): void {
    const n = this.length;
    const to = <T extends Float64Array | Uint32Array | Uint16Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(capacity);
      b.set(a.subarray(0, n));
      return b;
    };
    this.names.length = capacity;
    this.flags = to(this.flags, (c) => new Uint16Array(c));
    this.method = to(this.method, (c) => new Uint16Array(c));
    this.crc32 = to(this.crc32, (c) => new Uint32Array(c));
    this.compressedSize = to(this.compressedSize, (c) => new Float64Array(c));
    this.size = to(this.size, (c) => new Float64Array(c));
    this.localOffset = to(this.localOffset, (c) => new Float64Array(c));
    this.mtime = to(this.mtime, (c) => new Float64Array(c));
  }
}

/**
 * Rejects with a PartError when the part is not a whole zip; I/O errors and aborts of the
 * source pass through as they are.
 */
export async function readDirectory(
  source: ByteSource,
  signal: AbortSignal,
): Promise<ZipDirectory> {
  try {
    const facts = await findDirectory(source, signal);
    const columns = await readCentral(source, facts, signal);
    return new ZipDirectory(columns, facts.cdOffset);
  } catch (error) {
    if (!(error instanceof ZipFormatError)) throw error;
    const message = `${source.name} is not a readable zip: ${error.message}`;
    throw new PartError(source.name, message, { cause: error });
  }
}

/** The directory's place, and whether its entry count is the EOCD's 16-bit one. */
type Found = DirectoryFacts & { shortCount: boolean };

async function findDirectory(source: ByteSource, signal: AbortSignal): Promise<Found> {
  const tailStart = Math.max(0, source.size - (MAX_COMMENT + EOCD_SIZE + ZIP64_LOCATOR_SIZE));
  const tail = await readRange(source, tailStart, source.size, signal);
  const at = findEndRecord(tail);
  if (at < 0) {
    const message = `${source.name} is not a complete zip: no central directory found (was the download cut short?)`;
    throw new PartError(source.name, message);
  }
  const eocdOffset = tailStart + at;
  let facts: Found = { ...parseEndRecord(tail, at), shortCount: true };
  let limit = eocdOffset;
  const zip64At = parseZip64Locator(tail, at);
  if (zip64At !== null) {
    if (zip64At + ZIP64_EOCD_SIZE > eocdOffset - ZIP64_LOCATOR_SIZE) {
      throw new ZipFormatError('its zip64 locator points outside the part');
    }
    const record = await readRange(source, zip64At, zip64At + ZIP64_EOCD_SIZE, signal);
    facts = { ...parseZip64End(record), shortCount: false };
    limit = zip64At;
  }
  if (facts.cdOffset + facts.cdSize > limit) {
    throw new ZipFormatError(
      'its central directory lies outside the part (was the download cut short?)',
    );
  }
  return facts;
}

/**
 * Parses the directory as it streams in (a 100,000-entry directory is ~10 MB). The count must
 * match the end record; without zip64 it is compared modulo 65536, as writers that overflow the
 * 16-bit count without switching to zip64 exist.
 */
async function readCentral(
  source: ByteSource,
  facts: Found,
  signal: AbortSignal,
): Promise<Columns> {
  // A central record is at least CENTRAL_SIZE bytes: a count beyond that is a lie.
  const records = new Columns(Math.min(facts.entryCount, Math.floor(facts.cdSize / CENTRAL_SIZE)));
  let carry: Buffer = Buffer.alloc(0);
  const end = facts.cdOffset + facts.cdSize;
  for await (const chunk of readAbortably(source, facts.cdOffset, end, signal)) {
    const buf = carry.length === 0 ? asBuffer(chunk) : Buffer.concat([carry, chunk]);
    let at = 0;
    for (let r = parseCentral(buf, at); r !== null; r = parseCentral(buf, at)) {
      records.push(r.record);
      at += r.length;
    }
    carry = buf.subarray(at);
  }
  const count = facts.shortCount ? records.length % 0x10000 : records.length;
  if (carry.length > 0 || count !== facts.entryCount) {
    throw new ZipFormatError(
      `its central directory is damaged (${records.length} entries read, ${facts.entryCount} declared)`,
    );
  }
  return records.trimmed();
}

/** A small range (a tail, a record) as one buffer. */
async function readRange(
  source: ByteSource,
  start: number,
  end: number,
  signal: AbortSignal,
): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of readAbortably(source, start, end, signal)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
