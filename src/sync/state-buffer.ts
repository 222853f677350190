/**
 * Collects per-item state changes and writes them in batches (1,000 updates or 3 s), so 100,000
 * downloads cost a hundred statements. Losing the last unflushed batch (kill -9) is safe: the next
 * pass finds those files on disk with the right size and checks their md5 instead of downloading
 * them again.
 *
 * Durability: an update may name the folders whose fsync makes its file's name durable (a
 * download committed without its folder fsync, a move). Each batch fsyncs the distinct folders
 * of its updates first and writes the updates only after: an item is recorded done only once its
 * bytes and its name are on disk, for one folder fsync per folder per batch instead of one per
 * file. A failed fsync fails the batch like a failed write (nothing of it is recorded).
 */
import { SyncError, findSyncError } from '../errors/errors.ts';
import type { MediaRepo } from '../index/media-repo.ts';
import { classifyFsError } from '../tree/fs-errors.ts';
import { syncDir } from '../tree/writer.ts';

type Update = Parameters<MediaRepo['markMany']>[0][number];

export class StateBuffer {
  readonly #repo: MediaRepo;
  readonly #max: number;
  #pending: Update[] = [];
  #folders = new Set<string>();
  #flushing: Promise<void> = Promise.resolve();
  #error: unknown = undefined;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(repo: MediaRepo, opts: { maxRows?: number; intervalMs?: number } = {}) {
    this.#repo = repo;
    this.#max = opts.maxRows ?? 1000;
    this.#timer = setInterval(() => void this.flush().catch(() => {}), opts.intervalMs ?? 3000);
    this.#timer.unref();
  }

  /** Queues `update`; it is written after `folders` (absolute paths) are fsynced. */
  add(update: Update, folders: readonly string[] = []): void {
    this.#pending.push(update);
    for (const f of folders) this.#folders.add(f);
    if (this.#pending.length >= this.#max) void this.flush().catch(() => {});
  }

  /** Writes everything added so far; the returned promise rejects when the write fails. */
  flush(): Promise<void> {
    const batch = this.#pending;
    const folders = this.#folders;
    this.#pending = [];
    this.#folders = new Set();
    const run = this.#flushing.then(async () => {
      for (const f of folders) await syncFolder(f);
      if (batch.length) await this.#repo.markMany(batch);
    });
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

/** fsyncs `f`; a failure stops the pass (the batch's files are checked again by the next one). */
async function syncFolder(f: string): Promise<void> {
  try {
    await syncDir(f);
  } catch (err) {
    const classified = classifyFsError(err, 'fsync the folder', f);
    if (findSyncError(classified)) throw classified;
    throw new SyncError('fatal', `cannot fsync the folder ${f}: ${(err as Error).message}`, {
      cause: err,
      hints: [
        'Check the backup disk (dmesg, its mount); the next pass checks the files written since the last recorded batch.',
      ],
    });
  }
}
