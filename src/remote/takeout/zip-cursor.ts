/**
 * A forward-only reader over a zip part's entry data: one `source.read` stream, consumed in
 * order. Moving forward by up to `MAX_SKIP` bytes reads through them; moving further, or back,
 * starts a new read at the target. So a whole part costs one read plus one per large gap of
 * unwanted entries, whatever the number of entries.
 */
import { readAbortably } from './byte-source.ts';
import type { ByteSource } from './types.ts';
import { PartError } from './types.ts';
import { asBuffer } from './zip-records.ts';

/** Unwanted bytes read through rather than jumped over (for HTTP a new Range request costs ~RTT). */
export const MAX_SKIP = 8 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

export class ByteCursor {
  readonly #source: ByteSource;
  readonly #end: number;
  readonly #signal: AbortSignal;
  #stream: AsyncGenerator<Uint8Array> | null = null;
  /** Bytes read from the stream and not consumed yet; they start at #position. */
  #pending: Buffer = EMPTY;
  #position = 0;

  /** Reads never go past `end` (the start of the central directory). */
  constructor(source: ByteSource, end: number, signal: AbortSignal) {
    this.#source = source;
    this.#end = end;
    this.#signal = signal;
  }

  /** Offset in the part of the next byte `exactly` or `take` hands out. */
  get position(): number {
    return this.#position;
  }

  async seek(offset: number): Promise<void> {
    const ahead = offset - this.#position;
    if (this.#stream === null || ahead < 0 || ahead > MAX_SKIP) {
      await this.close();
      this.#stream = readAbortably(this.#source, offset, this.#end, this.#signal);
      this.#position = offset;
      return;
    }
    for await (const _ of this.take(ahead));
  }

  /** The next `length` bytes as one buffer; for headers, so `length` is small. */
  async exactly(length: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this.take(length)) parts.push(chunk);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * The next `length` bytes as they arrive, without copying. The position moves before each
   * chunk is handed out, so a consumer that stops early leaves the cursor consistent. An abort
   * stops it before the next chunk, even one already read.
   */
  async *take(length: number): AsyncGenerator<Buffer> {
    for (let left = length; left > 0;) {
      this.#signal.throwIfAborted();
      if (this.#pending.length === 0) await this.#pull();
      const chunk = this.#pending.subarray(0, Math.min(left, this.#pending.length));
      this.#pending = this.#pending.subarray(chunk.length);
      this.#position += chunk.length;
      left -= chunk.length;
      yield chunk;
    }
  }

  /** Ends the current read, closing what the source holds open. */
  async close(): Promise<void> {
    const stream = this.#stream;
    this.#stream = null;
    this.#pending = EMPTY;
    await stream?.return(undefined);
  }

  async #pull(): Promise<void> {
    const next = this.#stream === null ? null : await this.#stream.next();
    if (next === null || next.done === true) {
      const name = this.#source.name;
      const message = `${name} is truncated or corrupt: its entry data ends early, at byte ${this.#position}`;
      throw new PartError(name, message);
    }
    this.#pending = asBuffer(next.value);
  }
}
