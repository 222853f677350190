/**
 * Drive's `sha1Checksum` and `sha256Checksum` of a file's bytes (lowercase hex, binary files
 * only), cached per (id, size) for generated content and per Buffer for explicit bytes, as md5 is
 * in content.ts: a listing of 100,000 files must not hash 100,000 files every time.
 */
import { createHash } from 'node:crypto';
import { generatedRange } from './content.ts';
import type { Library } from './library.ts';
import { isGoogleType } from './library.ts';

type Algorithm = 'sha1' | 'sha256';

const generated = new Map<string, string>();
const GENERATED_MAX = 1_000_000;
const explicit: Record<Algorithm, WeakMap<Buffer, string>> = {
  sha1: new WeakMap(),
  sha256: new WeakMap(),
};

function digestOf(lib: Library, id: string, algorithm: Algorithm): string {
  const f = lib.files.get(id);
  if (!f) throw new Error(`no such file: ${id}`);
  if (isGoogleType(f.mimeType)) throw new Error(`file has no binary content: ${id}`);
  if (f.content) {
    let hex = explicit[algorithm].get(f.content);
    if (hex === undefined) {
      hex = createHash(algorithm).update(f.content).digest('hex');
      explicit[algorithm].set(f.content, hex);
    }
    return hex;
  }
  const size = f.size ?? 0;
  const key = `${algorithm}:${size}:${id}`;
  let hex = generated.get(key);
  if (hex === undefined) {
    const h = createHash(algorithm);
    if (size > 0) for (const piece of generatedRange(id, size, 0, size - 1)) h.update(piece);
    hex = h.digest('hex');
    if (generated.size >= GENERATED_MAX) generated.clear();
    generated.set(key, hex);
  }
  return hex;
}

/** Lowercase hex sha256 of the bytes of `id` (what `sha256Checksum` reports). */
export const sha256Of = (lib: Library, id: string): string => digestOf(lib, id, 'sha256');

/** Lowercase hex sha1 of the bytes of `id` (what `sha1Checksum` reports). */
export const sha1Of = (lib: Library, id: string): string => digestOf(lib, id, 'sha1');
