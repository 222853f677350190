/**
 * Reads a zip part's central directory from its tail: the EOCD in the last 64 KiB + 22 bytes,
 * the zip64 locator and record when present, then the directory itself as one ranged read.
 * Entries come back in file order (by local header offset), which is the order `entries()`
 * streams them in; `index` is the position in that order.
 */
import { readAbortably } from './byte-source.ts';
import type { ArchiveEntry, ByteSource } from './types.ts';
import { PartError } from './types.ts';
import {
  asBuffer,
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

export interface ZipDirectory {
  items: ZipItem[];
  /** Where the central directory starts: every entry's data lies before it. */
  dataEnd: number;
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
    const records = await readCentral(source, facts, signal);
    return { items: toItems(records), dataEnd: facts.cdOffset };
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
): Promise<CentralRecord[]> {
  const records: CentralRecord[] = [];
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
  return records;
}

function toItems(records: CentralRecord[]): ZipItem[] {
  const sorted = records.map((r, i) => ({ r, i }));
  sorted.sort((a, b) => a.r.localOffset - b.r.localOffset || a.i - b.i);
  return sorted.map(({ r }, index) => ({
    entry: {
      path: r.name,
      index,
      size: r.size,
      crc32: r.crc32,
      mtime: r.mtime,
      isDirectory: r.name.endsWith('/'),
    },
    flags: r.flags,
    method: r.method,
    compressedSize: r.compressedSize,
    localOffset: r.localOffset,
  }));
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
