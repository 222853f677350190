/**
 * The zip records the reader needs (PKWARE APPNOTE 6.3.10): the end of central directory record
 * (EOCD), the zip64 EOCD locator and record, central directory headers and local headers. Pure
 * parsing of buffers; a malformed record throws ZipFormatError, which the directory reader turns
 * into a PartError naming the part.
 */
import { decodeName, dosTimeToDate } from './zip-text.ts';

export const SIG = {
  local: 0x04034b50,
  central: 0x02014b50,
  eocd: 0x06054b50,
  zip64Eocd: 0x06064b50,
  zip64Locator: 0x07064b50,
} as const;

export const LOCAL_SIZE = 30;
export const EOCD_SIZE = 22;
export const ZIP64_LOCATOR_SIZE = 20;
export const ZIP64_EOCD_SIZE = 56;
export const CENTRAL_SIZE = 46;
/** The most an EOCD comment can add: the EOCD is in the last 64 KiB + 22 bytes of a part. */
export const MAX_COMMENT = 0xffff;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const ZIP64_EXTRA_ID = 0x0001;

export class ZipFormatError extends Error {}

/** What the EOCD (or the zip64 EOCD that replaces its fields) says about the directory. */
export interface DirectoryFacts {
  entryCount: number;
  cdSize: number;
  cdOffset: number;
}

/** One central directory header, zip64 fields resolved. */
export interface CentralRecord {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  mtime: Date | null;
}

/**
 * Where the EOCD starts in `tail` (the end of the part), or -1. Scans backwards for the last
 * signature whose comment fits in what follows it, as Go's archive/zip does.
 */
export function findEndRecord(tail: Buffer): number {
  for (let at = tail.length - EOCD_SIZE; at >= 0; at--) {
    if (tail.readUInt32LE(at) !== SIG.eocd) continue;
    if (at + EOCD_SIZE + tail.readUInt16LE(at + 20) <= tail.length) return at;
  }
  return -1;
}

/** The EOCD at `at`, zip64 markers (0xFFFF, 0xFFFFFFFF) as they are. */
export function parseEndRecord(tail: Buffer, at: number): DirectoryFacts {
  const disk = tail.readUInt16LE(at + 4);
  if (disk !== 0 && disk !== U16_MAX) throw new ZipFormatError('it is split across several disks');
  return {
    entryCount: tail.readUInt16LE(at + 10),
    cdSize: tail.readUInt32LE(at + 12),
    cdOffset: tail.readUInt32LE(at + 16),
  };
}

/** The zip64 EOCD's offset from the locator that ends at `eocdAt`, or null when there is none. */
export function parseZip64Locator(tail: Buffer, eocdAt: number): number | null {
  const at = eocdAt - ZIP64_LOCATOR_SIZE;
  if (at < 0 || tail.readUInt32LE(at) !== SIG.zip64Locator) return null;
  return readU64(tail, at + 8);
}

export function parseZip64End(record: Buffer): DirectoryFacts {
  if (record.length < ZIP64_EOCD_SIZE || record.readUInt32LE(0) !== SIG.zip64Eocd) {
    throw new ZipFormatError('its zip64 end of central directory record is missing');
  }
  return {
    entryCount: readU64(record, 32),
    cdSize: readU64(record, 40),
    cdOffset: readU64(record, 48),
  };
}

/** The central header at `at`, or null when `buf` ends before the whole header. */
export function parseCentral(
  buf: Buffer,
  at: number,
): { record: CentralRecord; length: number } | null {
  if (buf.length - at < CENTRAL_SIZE) return null;
  if (buf.readUInt32LE(at) !== SIG.central) {
    throw new ZipFormatError('its central directory holds something that is not an entry');
  }
  const nameEnd = at + CENTRAL_SIZE + buf.readUInt16LE(at + 28);
  const extraEnd = nameEnd + buf.readUInt16LE(at + 30);
  const length = extraEnd + buf.readUInt16LE(at + 32) - at;
  if (buf.length - at < length) return null;
  const flags = buf.readUInt16LE(at + 8);
  const name = decodeName(buf.subarray(at + CENTRAL_SIZE, nameEnd), flags);
  const wide = resolveZip64(buf.subarray(nameEnd, extraEnd), name, {
    size: buf.readUInt32LE(at + 24),
    compressedSize: buf.readUInt32LE(at + 20),
    localOffset: buf.readUInt32LE(at + 42),
  });
  const record: CentralRecord = {
    name,
    flags,
    method: buf.readUInt16LE(at + 10),
    crc32: buf.readUInt32LE(at + 16),
    mtime: dosTimeToDate(buf.readUInt16LE(at + 12), buf.readUInt16LE(at + 14)),
    ...wide,
  };
  return { record, length };
}

type WideFields = Pick<CentralRecord, 'size' | 'compressedSize' | 'localOffset'>;

/**
 * Replaces each 0xFFFFFFFF field with its 8-byte value from the zip64 extended information
 * extra field, which holds only the marked fields, in the order size, compressed size, offset.
 */
function resolveZip64(extra: Buffer, name: string, fields: WideFields): WideFields {
  const marked = (['size', 'compressedSize', 'localOffset'] as const).filter(
    (key) => fields[key] === U32_MAX,
  );
  if (marked.length === 0) return fields;
  const data = findExtra(extra, ZIP64_EXTRA_ID);
  if (data === null || data.length < marked.length * 8) {
    throw new ZipFormatError(`entry ${JSON.stringify(name)} lacks its zip64 sizes`);
  }
  const out = { ...fields };
  marked.forEach((key, i) => (out[key] = readU64(data, i * 8)));
  return out;
}

/** The data of the first extra field with this id, or null. */
function findExtra(extra: Buffer, id: number): Buffer | null {
  for (let at = 0; at + 4 <= extra.length;) {
    const size = extra.readUInt16LE(at + 2);
    if (extra.readUInt16LE(at) === id) return extra.subarray(at + 4, at + 4 + size);
    at += 4 + size;
  }
  return null;
}

/** The fields of a local header the reader uses, or null when `header` is not one. */
export function parseLocal(
  header: Buffer,
): { method: number; nameLength: number; extraLength: number } | null {
  if (header.length < LOCAL_SIZE || header.readUInt32LE(0) !== SIG.local) return null;
  return {
    method: header.readUInt16LE(8),
    nameLength: header.readUInt16LE(26),
    extraLength: header.readUInt16LE(28),
  };
}

function readU64(buf: Buffer, at: number): number {
  const value = buf.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ZipFormatError('it declares an offset or size beyond 8 PiB');
  }
  return Number(value);
}

/** A source chunk as a Buffer, without copying. */
export const asBuffer = (chunk: Uint8Array): Buffer =>
  Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
