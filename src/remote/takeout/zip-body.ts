/**
 * The bytes of one zip entry, checked as they stream: stored bytes pass through, deflated ones
 * go through zlib's raw inflater; the CRC-32 (node's zlib.crc32, incremental) and the length are
 * compared with the central directory after the last byte. Output beyond the declared size stops
 * the inflater at once (`bomb`): a body never hands out more than the entry declares.
 */
import { once } from 'node:events';
import { crc32, createInflateRaw, type InflateRaw, inflateRawSync } from 'node:zlib';
import type { EntryProblemKind } from './types.ts';
import { EntryError } from './types.ts';
import type { ByteCursor } from './zip-cursor.ts';

export const METHOD_STORE = 0;
export const METHOD_DEFLATE = 8;
/** Inflater output chunk: big enough that per-chunk overhead vanishes, small against memory. */
const INFLATE_CHUNK = 256 * 1024;
/**
 * Entries this small, packed and unpacked, are inflated in one synchronous call (a few ms of
 * event loop at most): a zlib stream costs ~0.5 ms or more an entry in thread pool round trips,
 * which 100,000 JSON sidecars would feel.
 */
const SMALL_ENTRY = 1024 * 1024;

export interface BodySpec {
  part: string;
  path: string;
  method: typeof METHOD_STORE | typeof METHOD_DEFLATE;
  compressedSize: number;
  size: number;
  crc32: number;
}

/** A problem found in one entry, as the EntryError its body throws. */
export function entryError(spec: BodySpec, kind: EntryProblemKind, what: string): EntryError {
  return new EntryError(spec.path, { kind, message: `${spec.part}: ${spec.path} ${what}` });
}

/** Reads the entry's compressed bytes from `cursor`, which must stand at its data. */
export async function* zipBody(cursor: ByteCursor, spec: BodySpec): AsyncGenerator<Buffer> {
  let length = 0;
  let crc = 0;
  for await (const chunk of decoded(cursor, spec)) {
    length += chunk.length;
    if (length > spec.size) throw bomb(spec);
    crc = crc32(chunk, crc);
    yield chunk;
  }
  if (length !== spec.size) {
    throw entryError(spec, 'size', `holds ${length} bytes where the zip declares ${spec.size}`);
  }
  if (crc !== spec.crc32) {
    const [got, want] = [crc, spec.crc32].map((n) => n.toString(16).padStart(8, '0'));
    throw entryError(spec, 'crc', `is damaged: its CRC-32 is ${got}, the zip says ${want}`);
  }
}

async function* decoded(cursor: ByteCursor, spec: BodySpec): AsyncGenerator<Buffer> {
  if (spec.method === METHOD_STORE) {
    yield* cursor.take(spec.compressedSize);
  } else if (spec.compressedSize <= SMALL_ENTRY && spec.size <= SMALL_ENTRY) {
    yield inflateSmall(await cursor.exactly(spec.compressedSize), spec);
  } else {
    yield* inflate(cursor.take(spec.compressedSize), spec);
  }
}

/** One synchronous inflate, its output capped one byte past the declared size. */
function inflateSmall(packed: Buffer, spec: BodySpec): Buffer {
  try {
    return inflateRawSync(packed, { maxOutputLength: spec.size + 1 });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw bomb(spec);
    throw corrupt(spec, error);
  }
}

/**
 * Inflates `raw` with backpressure: the feeder writes only as fast as the inflater's output is
 * read, so a bomb is stopped after one output chunk. Errors of `raw` (the part ends, the signal
 * aborts) pass through unchanged; zlib's own errors mean the deflate data is damaged (`corrupt`).
 */
async function* inflate(raw: AsyncIterable<Buffer>, spec: BodySpec): AsyncGenerator<Buffer> {
  const inflater = createInflateRaw({ chunkSize: INFLATE_CHUNK });
  const stop = new AbortController();
  const feeding = feed(raw, inflater, stop.signal).catch((error: unknown) => {
    inflater.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (error) {
    if (!isZlibError(error)) throw error;
    throw corrupt(spec, error);
  } finally {
    stop.abort();
    inflater.destroy();
    await feeding;
  }
}

const bomb = (spec: BodySpec) =>
  entryError(spec, 'bomb', `inflates to more than the ${spec.size} bytes it declares`);

const corrupt = (spec: BodySpec, error: unknown) =>
  entryError(spec, 'corrupt', `cannot be inflated: ${(error as Error).message}`);

async function feed(raw: AsyncIterable<Buffer>, inflater: InflateRaw, stop: AbortSignal) {
  for await (const chunk of raw) {
    if (stop.aborted) return;
    if (!inflater.write(chunk)) await once(inflater, 'drain', { signal: stop });
  }
  inflater.end();
}

function isZlibError(error: unknown): error is Error {
  return error instanceof Error && /^Z_/.test(String((error as { code?: unknown }).code));
}
