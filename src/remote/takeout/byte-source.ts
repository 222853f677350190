/**
 * A ByteSource over a local file: each `read` opens the file, reads it with positional reads in
 * 1 MiB chunks and closes it when the stream ends, fails, is abandoned (`return()` on the
 * iterator) or the signal aborts. Nothing stays open between reads, so a reader that is dropped
 * half-way leaks no handle once its iterator is returned.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ByteSource } from './types.ts';

/** Chunk size of one positional read: large enough for throughput, small enough to never matter. */
export const FILE_CHUNK_BYTES = 1024 * 1024;

/** A ByteSource for the file at `filePath`, sized when opened. Rejects when the file is missing. */
export async function fileByteSource(filePath: string): Promise<ByteSource> {
  const { size } = await fs.stat(filePath);
  return {
    name: path.basename(filePath),
    size,
    read: (start, end, signal) => readFile(filePath, start, end ?? size, signal),
  };
}

/**
 * Yields the bytes of [start, end). Each chunk is a fresh buffer the consumer may keep. A file
 * that ends before `end` (cut while being read) throws rather than yielding fewer bytes.
 */
async function* readFile(
  filePath: string,
  start: number,
  end: number,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  signal.throwIfAborted();
  const handle = await fs.open(filePath, 'r');
  try {
    for (let pos = start; pos < end;) {
      signal.throwIfAborted();
      const want = Math.min(FILE_CHUNK_BYTES, end - pos);
      const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(want), 0, want, pos);
      signal.throwIfAborted();
      if (bytesRead === 0) {
        throw new Error(`${path.basename(filePath)} ended at byte ${pos}, expected ${end}`);
      }
      pos += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/**
 * `source.read` with every wait also ended by the signal, so a source that is slow to notice an
 * abort cannot hang a reader: on abort the iteration rejects at once with the signal's reason
 * and the source's stream is returned in the background (the file source then closes its handle
 * as soon as its current positional read ends).
 */
export async function* readAbortably(
  source: ByteSource,
  start: number,
  end: number | undefined,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const stream = source.read(start, end, signal)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await untilAborted(stream.next(), signal);
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    const closing = stream.return?.();
    if (signal.aborted) closing?.catch(() => undefined);
    else await closing;
  }
}

function untilAborted<T>(step: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    step.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
