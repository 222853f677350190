/**
 * An md5 computed on a worker thread, so that checking a part read from Drive does not slow the
 * read: the reading thread only gathers chunks into 1 MiB batches and hands each over (the
 * batch's memory moves to the worker, no copy). Hashing runs at ~600 MB/s on one core, which a
 * fast link (a LAN, the emulator) would otherwise feel on every byte.
 *
 * The worker is started at the first byte and never keeps the process alive (`unref`);
 * `digest()` or `close()` ends it. A worker that fails makes `digest()` resolve to null (the
 * md5 is then unknown, never wrong). A worker that falls behind (a busy machine) holds at most
 * `MAX_BEHIND` batches: `behind()` is then a promise the reader awaits.
 */
import { Worker } from 'node:worker_threads';

const BATCH_BYTES = 1024 * 1024;
/** Batches handed over and not hashed yet before the reader waits: 16 MiB. */
const MAX_BEHIND = 16;

const WORKER = `
const { parentPort } = require('node:worker_threads');
const hash = require('node:crypto').createHash('md5');
parentPort.on('message', (m) => {
  if (m === null) parentPort.postMessage(hash.digest('hex'));
  else {
    hash.update(new Uint8Array(m));
    parentPort.postMessage(1);
  }
});
`;

export class ThreadedMd5 {
  #worker: Worker | null = null;
  #failed = false;
  #batch: Uint8Array[] = [];
  #batchBytes = 0;
  /** Batches posted and not acknowledged. */
  #behind = 0;
  #caughtUp: (() => void) | null = null;

  update(chunk: Uint8Array): void {
    if (this.#failed) return;
    this.#batch.push(chunk);
    this.#batchBytes += chunk.byteLength;
    if (this.#batchBytes >= BATCH_BYTES) this.#flush();
  }

  /** Null, or a promise when the worker is too far behind: the caller waits before reading on. */
  behind(): Promise<void> | null {
    if (this.#behind < MAX_BEHIND || this.#failed) return null;
    return new Promise((resolve) => (this.#caughtUp = resolve));
  }

  /** The hex md5 of every byte given; null when the worker failed. Ends the worker. */
  async digest(): Promise<string | null> {
    this.#flush();
    const worker = this.#start();
    if (worker === null) return null;
    try {
      return await new Promise<string | null>((resolve) => {
        worker.on('message', (hex: unknown) => {
          if (typeof hex === 'string') resolve(hex);
        });
        worker.once('error', () => resolve(null));
        worker.once('exit', () => resolve(null));
        worker.postMessage(null);
      });
    } finally {
      this.close();
    }
  }

  /** Ends the worker without a digest (the bytes will not all come). */
  close(): void {
    this.#batch = [];
    this.#batchBytes = 0;
    void this.#worker?.terminate();
    this.#worker = null;
    this.#failed = true;
    this.#release();
  }

  #start(): Worker | null {
    if (this.#failed) return null;
    if (this.#worker === null) {
      const worker = new Worker(WORKER, { eval: true });
      worker.unref();
      worker.on('error', () => {
        this.#failed = true;
        this.#release();
      });
      worker.on('message', (m: unknown) => {
        if (m !== 1) return;
        this.#behind--;
        if (this.#behind < MAX_BEHIND / 2) this.#release();
      });
      this.#worker = worker;
    }
    return this.#worker;
  }

  #flush(): void {
    if (this.#batchBytes === 0) return;
    const worker = this.#start();
    if (worker === null) return;
    const joined = new Uint8Array(this.#batchBytes);
    let at = 0;
    for (const c of this.#batch) {
      joined.set(c, at);
      at += c.byteLength;
    }
    this.#batch = [];
    this.#batchBytes = 0;
    this.#behind++;
    worker.postMessage(joined.buffer, [joined.buffer]);
  }

  #release(): void {
    const resume = this.#caughtUp;
    this.#caughtUp = null;
    resume?.();
  }
}
