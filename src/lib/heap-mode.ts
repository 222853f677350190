/**
 * V8's `--optimize-for-size`, switched at run time by phase, for a process that asked for a lean
 * heap (the embedded index: its WebAssembly memory never shrinks, so the JavaScript heap has less
 * room; see index/pglite.ts).
 *
 * Contract: nothing changes unless `wantLeanHeap()` was called. After it, the heap is lean until
 * `heapFor('download')` or `heapFor('read')`, and lean again from `heapFor('index')` (the engine
 * calls that for the index phases and the album links; the Takeout phase once its parts are
 * read). Those hold what is large (a full listing, album feeds, Takeout catalogues, album
 * folders); the download phase holds a few rows at a time, and reading a Takeout part a batch of
 * entries and the keys of what it may skip, so there V8 may spend memory to save CPU (a
 * 112,783-item export, embedded index: reading 112 -> 79 s, peak RSS of the pass unchanged, as
 * filing holds more). V8 reads the flag as it sizes and collects its
 * heap, so a switch takes effect from the next collection (node documents flags set at run time as
 * unsupported; this one was measured: README, "Memory and V8's flags").
 */
import { setFlagsFromString } from 'node:v8';

let wanted = false;

/** Asks for a lean heap for the rest of the process, starting now. */
export function wantLeanHeap(): void {
  wanted = true;
  setFlagsFromString('--optimize-for-size');
}

/**
 * The heap for a phase: lean for `index`, fast for `download` and Takeout's `read`; a no-op
 * unless wanted.
 */
export function heapFor(phase: 'index' | 'download' | 'read'): void {
  if (!wanted) return;
  setFlagsFromString(phase === 'index' ? '--optimize-for-size' : '--no-optimize-for-size');
}
