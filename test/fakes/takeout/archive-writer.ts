/**
 * Writes real Takeout-like archive parts for tests, the bench and the demo: zip parts written by
 * hand to the letter of PKWARE's APPNOTE (so `unzip -t` and `zipinfo` accept them, and so the
 * options a reader must handle can be switched on: zip64, data descriptors, no UTF-8 flag), and
 * tgz parts through tar-stream and gzip. Both stream to disk: an entry may be bigger than memory.
 * Runs of 64 KiB or more of zeros are left as holes, so a 4.3 GiB entry of zeros costs no disk.
 *
 * The tweaks and helpers at the end damage parts the ways the readers must survive, and two
 * probes watch a reader: a source that counts its reads, and a reader drained into plain values.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { crc32, createDeflateRaw, createGzip, deflateRawSync } from 'node:zlib';
import tar from 'tar-stream';
import type {
  ByteSource,
  EntryProblem,
  PartReader,
  ReadOptions,
} from '../../../src/remote/takeout/types.ts';
import { EntryError } from '../../../src/remote/takeout/types.ts';

/** `chunks` must yield exactly `size` bytes, each chunk a buffer not reused afterwards. */
export type Chunked = { size: number; chunks: () => AsyncIterable<Buffer> | Iterable<Buffer> };
export type Bytes = { data: Buffer } | Chunked;

export type FileInput = { path: string; mtime?: Date; zip?: ZipTweaks } & Bytes;

/** Not a file. A zip takes only directories (written as `name/`); a tgz takes all. */
export interface SpecialInput {
  path: string;
  mtime?: Date;
  type: 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  linkname?: string;
}

export type ArchiveInput = FileInput | SpecialInput;
type Inputs = Iterable<ArchiveInput> | AsyncIterable<ArchiveInput>;

export interface ZipOptions {
  /** For every entry; by default JSON is deflated and media stored, as Takeout does. */
  method?: 'store' | 'deflate';
  /** `auto`: zip64 records only where a size, offset or count needs them; `force`: everywhere. */
  zip64?: 'auto' | 'force';
  /** Bit 3: sizes and CRC follow the data in a descriptor instead of the local header. */
  dataDescriptor?: boolean;
  /** Whether a data descriptor starts with its optional signature; default true. */
  descriptorSignature?: boolean;
  /** Bit 11 (names are UTF-8); default true. Names are UTF-8 bytes either way. */
  utf8Flag?: boolean;
}

/** Per-entry changes that make a bad part. */
export interface ZipTweaks {
  method?: 'store' | 'deflate';
  /** The headers declare this uncompressed size instead of the real one (smaller: a bomb). */
  declaredSize?: number;
  /** Sets the encryption bit; the bytes stay plain. */
  encrypted?: boolean;
  /** The headers name this compression method; the bytes are stored as they are. */
  methodCode?: number;
}

export interface ZipLayout {
  size: number;
  cdOffset: number;
  entries: Array<{ path: string; localOffset: number; dataOffset: number; compressedSize: number }>;
}

export const DEFAULT_MTIME = new Date('2025-07-25T03:52:34Z');
const U32 = 0xffffffff;
/** Entries from this size get zip64 sizes in `auto` (deflate may grow data by ~0.03 %). */
const ZIP64_FROM = 0xff000000;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const FLUSH_BYTES = 1024 * 1024;
const HOLE_MIN = 64 * 1024;
const ZEROS = Buffer.alloc(FLUSH_BYTES);

/** Appends to a file through a small buffer; zero runs become holes; earlier bytes can be patched. */
class Appender {
  pos = 0;
  readonly #file: FileHandle;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(file: FileHandle) {
    this.#file = file;
  }

  async append(chunk: Buffer): Promise<void> {
    if (chunk.length >= HOLE_MIN && chunk.length <= ZEROS.length && isZeros(chunk)) {
      await this.flush();
      this.pos += chunk.length;
      return;
    }
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    this.pos += chunk.length;
    if (this.#pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  async patch(offset: number, bytes: Buffer): Promise<void> {
    await this.flush();
    await this.#file.write(bytes, 0, bytes.length, offset);
  }

  async flush(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    await this.#file.writev(this.#pending, this.pos - this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}

const isZeros = (chunk: Buffer): boolean => chunk.equals(ZEROS.subarray(0, chunk.length));

/** What the central directory needs to know of a written entry. */
interface Written {
  name: Buffer;
  flags: number;
  method: number;
  mtime: Date;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  dataOffset: number;
  zip64: boolean;
  isDirectory: boolean;
}

export async function writeZip(
  filePath: string,
  inputs: Inputs,
  options: ZipOptions = {},
): Promise<ZipLayout> {
  const file = await fs.open(filePath, 'w');
  try {
    const out = new Appender(file);
    const written: Written[] = [];
    for await (const input of inputs) written.push(await writeZipEntry(out, input, options));
    const cdOffset = out.pos;
    for (const w of written) await out.append(centralHeader(w, options.zip64 === 'force'));
    await out.append(endRecords(written.length, cdOffset, out.pos - cdOffset, options));
    await out.flush();
    await file.truncate(out.pos);
    const entries = written.map((w) => ({
      path: w.name.toString('utf8'),
      localOffset: w.localOffset,
      dataOffset: w.dataOffset,
      compressedSize: w.compressedSize,
    }));
    return { size: out.pos, cdOffset, entries };
  } finally {
    await file.close();
  }
}

async function writeZipEntry(
  out: Appender,
  input: ArchiveInput,
  options: ZipOptions,
): Promise<Written> {
  if ('type' in input && input.type !== 'directory')
    throw new Error(`zip: no ${input.type} entries`);
  const tweaks = ('zip' in input ? input.zip : undefined) ?? {};
  const deflate =
    !('type' in input) && tweaks.methodCode === undefined && methodOf(input, options, tweaks);
  const w = startEntry(input, options, tweaks, deflate, out.pos);
  const descriptorFollows = options.dataDescriptor === true;
  const inMemory = 'type' in input ? Buffer.alloc(0) : 'data' in input ? input.data : null;
  if (inMemory !== null) {
    const packed = deflate ? deflateRawSync(inMemory) : inMemory;
    w.crc = crc32(inMemory);
    w.size = tweaks.declaredSize ?? inMemory.length;
    w.compressedSize = packed.length;
    await out.append(localHeader(w, !descriptorFollows));
    w.dataOffset = out.pos;
    await out.append(packed);
  } else {
    await out.append(localHeader(w, false));
    w.dataOffset = out.pos;
    Object.assign(w, await writeStreamed(out, input as FileInput & Chunked, deflate));
    w.compressedSize = out.pos - w.dataOffset;
    w.size = tweaks.declaredSize ?? w.size;
    if (!descriptorFollows) await out.patch(w.localOffset, localHeader(w, true));
  }
  if (descriptorFollows) await out.append(descriptor(w, options.descriptorSignature ?? true));
  return w;
}

/** The entry's header fields; CRC and sizes are filled in once the data is known. */
function startEntry(
  input: ArchiveInput,
  options: ZipOptions,
  tweaks: ZipTweaks,
  deflate: boolean,
  localOffset: number,
): Written {
  const isDirectory = 'type' in input;
  const size = isDirectory ? 0 : sizeOf(input);
  return {
    name: Buffer.from(isDirectory && !input.path.endsWith('/') ? `${input.path}/` : input.path),
    flags:
      (options.dataDescriptor ? FLAG_DESCRIPTOR : 0) |
      (options.utf8Flag === false ? 0 : FLAG_UTF8) |
      (tweaks.encrypted ? FLAG_ENCRYPTED : 0),
    method: tweaks.methodCode ?? (deflate ? 8 : 0),
    mtime: input.mtime ?? DEFAULT_MTIME,
    crc: 0,
    compressedSize: 0,
    size: 0,
    localOffset,
    dataOffset: 0,
    zip64: options.zip64 === 'force' || size >= ZIP64_FROM,
    isDirectory,
  };
}

function methodOf(input: FileInput, options: ZipOptions, tweaks: ZipTweaks): boolean {
  const method = tweaks.method ?? options.method;
  return method === undefined ? input.path.endsWith('.json') : method === 'deflate';
}

const sizeOf = (input: FileInput): number => ('data' in input ? input.data.length : input.size);

/** Streams a chunked entry's bytes (deflated or not); returns their CRC-32 and length. */
async function writeStreamed(
  out: Appender,
  input: FileInput & Chunked,
  deflate: boolean,
): Promise<{ crc: number; size: number }> {
  let crc = 0;
  let size = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of input.chunks()) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      yield chunk;
    }
  }
  const append = async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) await out.append(chunk);
  };
  if (deflate) await pipeline(counted, createDeflateRaw(), append);
  else await append(counted());
  if (size !== input.size) throw new Error(`${input.path}: ${size} bytes, ${input.size} said`);
  return { crc, size };
}

function versionNeeded(w: Written): number {
  return w.zip64 ? 45 : w.method === 8 ? 20 : 10;
}

/**
 * With zero CRC and sizes unless `known`: a streamed entry's header is rewritten in place once
 * its data is written, unless bit 3 puts CRC and sizes in a descriptor.
 */
function localHeader(w: Written, known: boolean): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(versionNeeded(w), 4);
  h.writeUInt16LE(w.flags, 6);
  h.writeUInt16LE(w.method, 8);
  writeDosTime(h, 10, w.mtime);
  h.writeUInt32LE(known ? w.crc : 0, 14);
  h.writeUInt32LE(w.zip64 ? U32 : known ? w.compressedSize : 0, 18);
  h.writeUInt32LE(w.zip64 ? U32 : known ? w.size : 0, 22);
  h.writeUInt16LE(w.name.length, 26);
  const extra = w.zip64 ? zip64Extra(known ? [w.size, w.compressedSize] : [0, 0]) : Buffer.alloc(0);
  h.writeUInt16LE(extra.length, 28);
  return Buffer.concat([h, w.name, extra]);
}

function descriptor(w: Written, signature: boolean): Buffer {
  const d = Buffer.alloc(w.zip64 ? 24 : 16);
  d.writeUInt32LE(0x08074b50, 0);
  d.writeUInt32LE(w.crc, 4);
  if (w.zip64) {
    d.writeBigUInt64LE(BigInt(w.compressedSize), 8);
    d.writeBigUInt64LE(BigInt(w.size), 16);
  } else {
    d.writeUInt32LE(w.compressedSize, 8);
    d.writeUInt32LE(w.size, 12);
  }
  return signature ? d : d.subarray(4);
}

/** Central header; zip64 extra fields for exactly the values marked 0xFFFFFFFF. */
function centralHeader(w: Written, force: boolean): Buffer {
  const wide = [w.size, w.compressedSize, w.localOffset].filter((v) => force || v >= U32);
  const zip64 = w.zip64 || wide.length > 0;
  const field = (v: number) => (force || v >= U32 ? U32 : v);
  const extra = wide.length > 0 ? zip64Extra(wide) : Buffer.alloc(0);
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE((3 << 8) | (zip64 ? 45 : 20), 4);
  h.writeUInt16LE(zip64 ? 45 : versionNeeded(w), 6);
  h.writeUInt16LE(w.flags, 8);
  h.writeUInt16LE(w.method, 10);
  writeDosTime(h, 12, w.mtime);
  h.writeUInt32LE(w.crc, 16);
  h.writeUInt32LE(field(w.compressedSize), 20);
  h.writeUInt32LE(field(w.size), 24);
  h.writeUInt16LE(w.name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  const mode = w.isDirectory ? 0o40755 : 0o100644;
  h.writeUInt32LE(((mode << 16) | (w.isDirectory ? 0x10 : 0)) >>> 0, 38);
  h.writeUInt32LE(field(w.localOffset), 42);
  return Buffer.concat([h, w.name, extra]);
}

function zip64Extra(values: number[]): Buffer {
  const e = Buffer.alloc(4 + 8 * values.length);
  e.writeUInt16LE(0x0001, 0);
  e.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => e.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return e;
}

/** The zip64 EOCD record and locator when needed, then the EOCD. */
function endRecords(count: number, cdOffset: number, cdSize: number, options: ZipOptions): Buffer {
  const force = options.zip64 === 'force';
  const zip64 = force || count >= 0xffff || cdOffset >= U32 || cdSize >= U32;
  const records: Buffer[] = [];
  if (zip64) {
    const r = Buffer.alloc(56 + 20);
    r.writeUInt32LE(0x06064b50, 0);
    r.writeBigUInt64LE(44n, 4);
    r.writeUInt16LE((3 << 8) | 45, 12);
    r.writeUInt16LE(45, 14);
    r.writeBigUInt64LE(BigInt(count), 24);
    r.writeBigUInt64LE(BigInt(count), 32);
    r.writeBigUInt64LE(BigInt(cdSize), 40);
    r.writeBigUInt64LE(BigInt(cdOffset), 48);
    r.writeUInt32LE(0x07064b50, 56);
    r.writeBigUInt64LE(BigInt(cdOffset + cdSize), 64);
    r.writeUInt32LE(1, 72);
    records.push(r);
  }
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  const count16 = force || count >= 0xffff ? 0xffff : count;
  e.writeUInt16LE(count16, 8);
  e.writeUInt16LE(count16, 10);
  e.writeUInt32LE(force || cdSize >= U32 ? U32 : cdSize, 12);
  e.writeUInt32LE(force || cdOffset >= U32 ? U32 : cdOffset, 16);
  records.push(e);
  return Buffer.concat(records);
}

/** DOS time from the Date's UTC fields, as the reader reads it back. */
function writeDosTime(buf: Buffer, at: number, when: Date): void {
  const year = Math.min(Math.max(when.getUTCFullYear(), 1980), 2107);
  const time =
    (when.getUTCHours() << 11) | (when.getUTCMinutes() << 5) | (when.getUTCSeconds() >> 1);
  buf.writeUInt16LE(time, at);
  buf.writeUInt16LE(
    ((year - 1980) << 9) | ((when.getUTCMonth() + 1) << 5) | when.getUTCDate(),
    at + 2,
  );
}

/** A gzipped tar; names over 100 bytes get pax headers (tar-stream). */
export async function writeTgz(filePath: string, inputs: Inputs): Promise<void> {
  const pack = tar.pack();
  const written = pipeline(pack, createGzip(), createWriteStream(filePath));
  try {
    for await (const input of inputs) await addTarEntry(pack, input);
    pack.finalize();
  } catch (error) {
    pack.destroy(error instanceof Error ? error : new Error(String(error)));
    await written.catch(() => undefined);
    throw error;
  }
  await written;
}

async function addTarEntry(pack: tar.Pack, input: ArchiveInput): Promise<void> {
  const mtime = input.mtime ?? DEFAULT_MTIME;
  let sink: ReturnType<tar.Pack['entry']> | undefined;
  const added = new Promise<void>((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if ('type' in input) {
      pack.entry({ name: input.path, type: input.type, linkname: input.linkname, mtime }, done);
    } else if ('data' in input) {
      const header = { name: input.path, size: input.data.length, mtime, mode: 0o644 };
      pack.entry(header, input.data, done);
    } else {
      sink = pack.entry({ name: input.path, size: input.size, mtime, mode: 0o644 }, done);
    }
  });
  if (sink !== undefined && 'chunks' in input) {
    for await (const chunk of input.chunks()) {
      if (!sink.write(chunk)) await once(sink, 'drain');
    }
    sink.end(null);
  }
  await added;
}

/** Cuts the file to its first `length` bytes (a download cut short). */
export async function truncateFile(filePath: string, length: number): Promise<void> {
  await fs.truncate(filePath, length);
}

/** Inverts the byte at `offset` (a damaged disk or transfer). */
export async function flipByte(filePath: string, offset: number): Promise<void> {
  const file = await fs.open(filePath, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, offset);
    byte[0] = byte[0]! ^ 0xff;
    await file.write(byte, 0, 1, offset);
  } finally {
    await file.close();
  }
}

/** Cuts a zip just before its central directory: all data there, no directory. */
export async function dropCentralDirectory(filePath: string, layout: ZipLayout): Promise<void> {
  await truncateFile(filePath, layout.cdOffset);
}

/** A source that counts the reads started and those still open (not ended, failed or returned). */
export function countingSource(source: ByteSource): ByteSource & { reads: number; open: number } {
  const counted = {
    name: source.name,
    size: source.size,
    reads: 0,
    open: 0,
    async *read(start: number, end: number | undefined, signal: AbortSignal) {
      counted.reads++;
      counted.open++;
      try {
        yield* source.read(start, end, signal);
      } finally {
        counted.open--;
      }
    },
  };
  return counted;
}

/** One entry as a test sees it: bytes, a problem (`late`: thrown by the body), or neither. */
export interface EntryOutcome {
  path: string;
  index: number;
  isDirectory: boolean;
  data?: Buffer;
  problem?: EntryProblem;
  late?: boolean;
}

/** Reads every entry of a part, consuming each body; a PartError rejects. */
export async function readAll(
  reader: PartReader,
  options: Partial<ReadOptions> = {},
): Promise<EntryOutcome[]> {
  const out: EntryOutcome[] = [];
  const signal = options.signal ?? new AbortController().signal;
  for await (const { entry, body, problem } of reader.entries({ ...options, signal })) {
    const seen: EntryOutcome = {
      path: entry.path,
      index: entry.index,
      isDirectory: entry.isDirectory,
    };
    if (problem) seen.problem = problem;
    if (body) {
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of body) chunks.push(chunk);
        seen.data = Buffer.concat(chunks);
      } catch (error) {
        if (!(error instanceof EntryError)) throw error;
        Object.assign(seen, { problem: error.problem, late: true });
      }
    }
    out.push(seen);
  }
  return out;
}
