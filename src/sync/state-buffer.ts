/**
 * Collects per-item state changes and writes them in batches, so 100,000 downloads cost a few
 * hundred statements. Losing the last unflushed batch (kill -9) is safe: the next pass finds those
 * files on disk with the right size and checks their md5 instead of downloading them again.
 */
import type { MediaRepo } from '../index/media-repo.ts';

type Update = Parameters<MediaRepo['markMany']>[0][number];

export class StateBuffer {
  readonly #repo: MediaRepo;
  readonly #max: number;
  #pending: Update[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #error: unknown = undefined;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(repo: MediaRepo, opts: { maxRows?: number; intervalMs?: number } = {}) {
    this.#repo = repo;
    this.#max = opts.maxRows ?? 500;
    this.#timer = setInterval(() => void this.flush().catch(() => {}), opts.intervalMs ?? 2000);
    this.#timer.unref();
  }

  add(update: Update): void {
    this.#pending.push(update);
    if (this.#pending.length >= this.#max) void this.flush().catch(() => {});
  }

  /** Writes everything added so far; the returned promise rejects when the write fails. */
  flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    const run = this.#flushing.then(() => (batch.length ? this.#repo.markMany(batch) : undefined));
    this.#flushing = run.catch((err: unknown) => {
      this.#error ??= err;
    });
    return run;
  }

  /** The first failed write, if any: the pass should stop, the index is not being updated. */
  get error(): unknown {
    return this.#error;
  }

  /** Flushes the rest; rejects with the first write error seen during the pass. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
    if (this.#error !== undefined) throw this.#error;
  }
}
