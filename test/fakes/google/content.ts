/**
 * Deterministic file content for the emulator.
 *
 * A file without explicit bytes has content that is a pure function of (id, size), produced
 * without holding per-file buffers:
 * - BLOCK is one 64 KiB block expanded from sha256 in counter mode (computed once).
 * - Each id gets a 64 KiB base: BLOCK rotated by an id-derived word offset, XORed word-wise with
 *   sha256(id) (host-endian 32-bit words: the bytes are the same on every little-endian host).
 * - Chunk k (bytes [k*64Ki, (k+1)*64Ki)) is the base rotated by k*STRIDE, so a client that
 *   re-reads the wrong chunk (a resume bug) gets different bytes and a different md5.
 * md5 of generated content is cached per (id, size).
 */
import { createHash } from 'node:crypto';

const CHUNK = 65536;
const MASK = CHUNK - 1;
const STRIDE = 4099;

const BLOCK32: Uint32Array = (() => {
  const out = Buffer.alloc(CHUNK);
  for (let i = 0; i * 32 < CHUNK; i++) {
    createHash('sha256')
      .update(`gphotos-sync emulator block ${i}`)
      .digest()
      .copy(out, i * 32);
  }
  return new Uint32Array(out.buffer.slice(out.byteOffset, out.byteOffset + CHUNK));
})();

/**
 * The per-id 64 KiB base (or only its first `len` bytes when the file is smaller), computed on
 * 32-bit words: word i = BLOCK word (off + i) XOR digest word (i mod 8).
 */
function baseOf(id: string, len: number): Buffer {
  const digest = createHash('sha256').update(id).digest();
  const d = new Uint32Array(8);
  for (let k = 0; k < 8; k++) d[k] = digest.readUInt32LE(k * 4);
  const off = d[0]! & (MASK >>> 2);
  const words = (len + 3) >>> 2;
  const out = new Uint32Array(words);
  for (let i = 0; i < words; i++) out[i] = BLOCK32[(off + i) & (MASK >>> 2)]! ^ d[i & 7]!;
  return Buffer.from(out.buffer, 0, len);
}

/**
 * Yields the bytes [start, end] (inclusive) of the generated content of `id`, in pieces of at
 * most 64 KiB. `end` must be < size of the file; the generator never allocates more than two
 * 64 KiB buffers.
 */
export function* generatedRange(
  id: string,
  size: number,
  start: number,
  end: number,
): Generator<Buffer> {
  if (end < start) return;
  const base = baseOf(id, Math.min(size, CHUNK));
  if (size <= CHUNK) {
    yield base.subarray(start, end + 1);
    return;
  }
  let pos = start;
  while (pos <= end) {
    const k = Math.floor(pos / CHUNK);
    const rot = (k * STRIDE) & MASK;
    const from = pos % CHUNK;
    const to = Math.min(CHUNK, end - k * CHUNK + 1); // exclusive, within this chunk
    const piece = Buffer.allocUnsafe(to - from);
    // chunk[j] = base[(j + rot) & MASK]; copy the two contiguous runs of the rotation.
    let j = from;
    while (j < to) {
      const src = (j + rot) & MASK;
      const run = Math.min(to - j, CHUNK - src);
      base.copy(piece, j - from, src, src + run);
      j += run;
    }
    yield piece;
    pos += to - from;
  }
}

/** The whole generated content of `id` as one Buffer (tests; not for large files). */
export function generatedContent(id: string, size: number): Buffer {
  if (size === 0) return Buffer.alloc(0);
  return Buffer.concat([...generatedRange(id, size, 0, size - 1)]);
}

const md5Cache = new Map<string, string>();
const MD5_CACHE_MAX = 1_000_000;

/** Lower-case hex md5 of the generated content of `id`; cached per (id, size). */
export function generatedMd5(id: string, size: number): string {
  const key = `${size}:${id}`;
  let md5 = md5Cache.get(key);
  if (md5 === undefined) {
    const h = createHash('md5');
    if (size > 0) for (const piece of generatedRange(id, size, 0, size - 1)) h.update(piece);
    md5 = h.digest('hex');
    if (md5Cache.size >= MD5_CACHE_MAX) md5Cache.clear();
    md5Cache.set(key, md5);
  }
  return md5;
}

const bufferMd5 = new WeakMap<Buffer, string>();

/** Lower-case hex md5 of explicit bytes; cached per Buffer object. */
export function bufferMd5Of(buf: Buffer): string {
  let md5 = bufferMd5.get(buf);
  if (md5 === undefined) {
    md5 = createHash('md5').update(buf).digest('hex');
    bufferMd5.set(buf, md5);
  }
  return md5;
}
