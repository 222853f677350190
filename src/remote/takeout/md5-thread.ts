/**
 * An md5 computed on a worker thread, so that checking a part read from Drive never slows the
 * read: the reading thread only gathers chunks into 1 MiB batches and hands each over (the
 * batch's memory moves to the worker, no copy).
 *
 * Best effort, by design: md5 runs at a few hundred MB/s on one core, far above what Drive sends,
 * but a fast link (a LAN, the emulator) on a busy machine can outrun it. Then, rather than hold
 * the read back or queue its bytes, the md5 is given up (`digest()` resolves to null: unknown,
 * never wrong) and the caller relies on the CRC-32s it checks anyway. At most `MAX_BEHIND`
 * batches wait for the worker.
 *
 * The worker is started at the first byte and never keeps the process alive (`unref`);
 * `digest()` or `close()` ends it, as does a worker that fails (its md5 is then unknown too).
 */
import { Worker } from 'node:worker_threads';

const BATCH_BYTES = 1024 * 1024;
/** Batches handed over and not hashed yet before the md5 is given up: 16 MiB. */
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
  /** True once the md5 was given up because the worker fell behind. */
  gaveUp = false;
  readonly #maxBehind: number;

  /** `maxBehind`: batches that may wait for the worker (tests lower it). */
  constructor(opts: { maxBehind?: number } = {}) {
    this.#maxBehind = opts.maxBehind ?? MAX_BEHIND;
  }

  update(chunk: Uint8Array): void {
    if (this.#failed) return;
    this.#batch.push(chunk);
    this.#batchBytes += chunk.byteLength;
    if (this.#batchBytes >= BATCH_BYTES) this.#flush();
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
  }

  #start(): Worker | null {
    if (this.#failed) return null;
    if (this.#worker === null) {
      const worker = new Worker(WORKER, { eval: true });
      worker.unref();
      worker.on('error', () => {
        this.#failed = true;
      });
      worker.on('message', (m: unknown) => {
        if (m === 1) this.#behind--;
      });
      this.#worker = worker;
    }
    return this.#worker;
  }

  #flush(): void {
    if (this.#batchBytes === 0) return;
    const worker = this.#start();
    if (worker === null) return;
    if (this.#behind >= this.#maxBehind) {
      this.gaveUp = true;
      this.close();
      return;
    }
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
}
