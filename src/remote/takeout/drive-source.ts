/**
 * A ByteSource over a Drive file: a Takeout part "Add to Drive" delivered, read in place with
 * HTTP Range requests, never copied to disk.
 *
 * Contract (beyond ByteSource's):
 * - `read(start, end)` is one Range request (`bytes=start-(end-1)`) streamed as it arrives. When
 *   the connection drops, stalls (no byte for `stallMs`, headers included) or the body ends early,
 *   the same iteration asks again from the byte where it stopped (`bytes=<next>-(end-1)`) and goes
 *   on: the consumer sees one unbroken stream. Every request goes through the pacer with Google's
 *   shouldRetry (rate limits with Retry-After, 5xx, resets); a break that made progress is resumed
 *   at once, `maxBreaks` breaks in a row without a byte of progress give up with a RemoteError.
 * - Abandoning the iteration (`return()`) or aborting `signal` aborts the request in flight.
 * - The md5 of the part is computed on the way, over the bytes read in order from byte 0;
 *   `check()` completes it and compares it with Drive's md5. It completes it only by reading
 *   again bytes that were read once already (a zip's central directory and tail, read before its
 *   entries): a part not read in order from its start (a zip resumed after a killed pass, or one
 *   that jumped over a large run of entries filed before) is never read again for its md5;
 *   `check()` then says `crc`, the zip reader's CRC-32 of every entry read being the check. The
 *   md5 is hashed on a worker thread and never holds the read back: when the link outruns it
 *   (a busy machine on a fast link), it is given up and `check()` says `crc` too.
 */
import type { Pacer } from '../../lib/pacer.ts';
import { sleep } from '../../lib/sleep.ts';
import { RemoteError } from '../errors.ts';
import { classifyGoogleError, finalError } from '../google-errors.ts';
import type { Download } from '../types.ts';
import { ThreadedMd5 } from './md5-thread.ts';
import { PartError, type ByteSource } from './types.ts';

/** Opens bytes [start, end) of the file (DriveClient.downloadRange). */
export type OpenRange = (start: number, end: number, signal: AbortSignal) => Promise<Download>;

export interface DriveSourceOptions {
  /** The part's file name, for messages. */
  name: string;
  size: number;
  /** Drive's md5Checksum of the file (null: the whole-part check is not possible). */
  md5: string | null;
  open: OpenRange;
  pacer: Pacer;
  /** No byte (or no answer) for this long: the connection is dropped and asked again. */
  stallMs: number;
  /** Breaks in a row without progress before the read fails. */
  maxBreaks: number;
  onResume?: (info: { name: string; at: number; breaks: number; reason: string }) => void;
}

export interface DriveSourceStats {
  /** Range requests that got an answer. */
  requests: number;
  /** Reads resumed after a break. */
  resumes: number;
  bytes: number;
  /** The md5 was given up: the link outran the hashing (see md5-thread.ts). */
  md5GivenUp?: boolean;
}

/** How a part's bytes were checked: its md5 as a whole, or only its entries' CRC-32s. */
export type PartCheck = 'md5' | 'crc';

export class DriveByteSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  readonly stats: DriveSourceStats = { requests: 0, resumes: 0, bytes: 0 };
  readonly #opts: DriveSourceOptions;
  /** On a worker thread: the read does not wait for it (md5-thread.ts). */
  readonly #hash = new ThreadedMd5();
  /** The md5 covers bytes [0, #hashedTo). */
  #hashedTo = 0;
  /** The ranges read so far, [start, end) each (a part is read in a few long reads). */
  readonly #seen: Array<[number, number]> = [];

  constructor(opts: DriveSourceOptions) {
    this.#opts = opts;
    this.name = opts.name;
    this.size = opts.size;
  }

  read(start: number, end: number | undefined, signal: AbortSignal): AsyncIterable<Uint8Array> {
    return this.#read(start, Math.min(end ?? this.size, this.size), signal);
  }

  /**
   * `md5` when the whole part's md5 matches Drive's; `crc` when it cannot be known (see the
   * module's contract). Throws a PartError when it does not match.
   */
  async check(signal: AbortSignal): Promise<PartCheck> {
    const md5 = this.#opts.md5;
    if (md5 === null || this.#hash.gaveUp || this.#hashedTo < this.#readToEndFrom()) {
      if (this.#hash.gaveUp) this.stats.md5GivenUp = true;
      this.#hash.close();
      return 'crc';
    }
    if (this.#hashedTo < this.size) {
      for await (const _ of this.#read(this.#hashedTo, this.size, signal));
    }
    const got = this.#hashedTo === this.size ? await this.#hash.digest() : null;
    this.#hash.close();
    if (this.#hash.gaveUp) this.stats.md5GivenUp = true;
    if (got === null) return 'crc';
    if (got !== md5) {
      throw new PartError(
        this.name,
        `${this.name}: the bytes read have md5 ${got}, Drive says ${md5} (the part changed while it was read, or was damaged in transfer)`,
      );
    }
    return 'md5';
  }

  /** The lowest offset from which every byte to the end of the part was read at least once. */
  #readToEndFrom(): number {
    let from = this.size;
    for (let grew = true; grew;) {
      grew = false;
      for (const [s, e] of this.#seen) {
        if (s < from && e >= from) {
          from = s;
          grew = true;
        }
      }
    }
    return from;
  }

  #hashAt(pos: number, chunk: Buffer): void {
    if (this.#opts.md5 === null) return;
    if (pos > this.#hashedTo || pos + chunk.length <= this.#hashedTo) return;
    this.#hash.update(chunk.subarray(this.#hashedTo - pos));
    this.#hashedTo = pos + chunk.length;
  }

  async *#read(start: number, end: number, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    const { name, pacer, maxBreaks } = this.#opts;
    let pos = start;
    let breaks = 0;
    while (pos < end) {
      signal.throwIfAborted();
      const from = pos;
      const what = `reading Takeout part ${name} from byte ${from}`;
      let opened: Opened;
      try {
        opened = await pacer.call(
          what,
          () => this.#open(from, end, signal),
          classifyGoogleError,
          signal,
        );
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        throw finalError(err, what);
      }
      this.stats.requests++;
      const { dl, ctl } = opened;
      try {
        // A 200 to a Range request starts at byte 0: pass over what was asked not to be sent.
        let skip = pos - dl.offset;
        for await (const piece of untilStall(dl.body, this.#opts.stallMs, ctl)) {
          let chunk = Buffer.isBuffer(piece)
            ? piece
            : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
          if (skip > 0) {
            if (chunk.length <= skip) {
              skip -= chunk.length;
              continue;
            }
            chunk = chunk.subarray(skip);
            skip = 0;
          }
          if (chunk.length > end - pos) chunk = chunk.subarray(0, end - pos);
          this.#hashAt(pos, chunk);
          pos += chunk.length;
          this.stats.bytes += chunk.length;
          yield chunk;
          if (pos >= end) break;
        }
        if (pos < end) throw coded('ERR_STREAM_PREMATURE_CLOSE', `the answer ended at byte ${pos}`);
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        const decision = classifyGoogleError(err);
        breaks = pos > from ? 1 : breaks + 1;
        if (decision.action === 'permanent' || breaks >= maxBreaks) {
          throw finalError(err, `reading Takeout part ${name} at byte ${pos}`);
        }
        this.stats.resumes++;
        this.#opts.onResume?.({ name, at: pos, breaks, reason: decision.reason });
        // Progress: ask again at once; none: back off as the pacer would.
        if (pos === from) await sleep(pacer.delayFor(breaks, decision), signal);
      } finally {
        ctl.abort();
        if (pos > from) this.#seen.push([from, pos]);
      }
    }
  }

  /** One attempt at opening [from, end): a stall before the answer is an error to retry. */
  async #open(from: number, end: number, signal: AbortSignal): Promise<Opened> {
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, this.#opts.stallMs);
    try {
      const dl = await this.#opts.open(from, end, AbortSignal.any([signal, ctl.signal]));
      if (dl.offset > from) throw new Error(`Drive answered from byte ${dl.offset}, not ${from}`);
      return { dl, ctl };
    } catch (err) {
      ctl.abort();
      if (timedOut && !signal.aborted) {
        throw new RemoteError(`no answer for ${this.#opts.stallMs / 1000} s`, { fault: 'stalled' });
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}

interface Opened {
  dl: Download;
  /** Aborts the request (the body too). */
  ctl: AbortController;
}

function coded(code: string, message: string): Error {
  const err = new Error(message);
  (err as { code?: string }).code = code;
  return err;
}

/**
 * The body's chunks; when none arrives for `ms` while one is awaited, the request is aborted and
 * the iteration fails with code `stalled` (retryable). Time the consumer takes is not counted.
 * One watchdog per read, not a timer per chunk: a part is tens of thousands of chunks.
 */
async function* untilStall(
  body: AsyncIterable<Uint8Array>,
  ms: number,
  ctl: AbortController,
): AsyncGenerator<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  let waitingSince: number | null = null;
  let stalled = false;
  const watchdog = setInterval(
    () => {
      if (waitingSince !== null && Date.now() - waitingSince >= ms) {
        stalled = true;
        ctl.abort();
      }
    },
    Math.max(10, Math.min(1000, ms / 4)),
  );
  const stall = (): Error =>
    new RemoteError(`no bytes received for ${ms / 1000} s`, { fault: 'stalled' });
  try {
    for (;;) {
      waitingSince = Date.now();
      let next: IteratorResult<Uint8Array>;
      try {
        next = await it.next();
      } catch (err) {
        throw stalled ? stall() : err;
      } finally {
        waitingSince = null;
      }
      if (stalled) throw stall();
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    clearInterval(watchdog);
    // The request is aborted first, so the stream's own clean-up cannot wait on the network.
    ctl.abort();
    void it.return?.()?.catch(() => undefined);
  }
}
