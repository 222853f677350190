/**
 * The download phase of a pass, for one source (drive/ or picasa/): bring the tree in line with
 * the index.
 *
 * Contract: every indexed item that is not `skipped` ends the phase on disk (counted `present`,
 * `adopted` or `downloaded`), counted `restricted` (the source will not hand out its bytes: state
 * `restricted` with the reason, not a failure, not asked for again; restriction.ts) or counted
 * `failed` with its reason in the index. A SyncError from any
 * item (auth, quota, disk full, index gone) stops the phase: nothing new starts, downloads in flight
 * are aborted (their temp files removed), finished states are written, and the error is rethrown.
 * `concurrency` workers pull their next item from the index reader as they finish one, so 100,000
 * items never sit in memory as promises and a page is read only as fast as it is worked off.
 */
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { SyncError, findSyncError } from '../errors/errors.ts';
import type {
  BriefMediaRow as MediaRow,
  MediaRepo,
  MediaSource,
  MediaState,
} from '../index/media-repo.ts';
import type { Pacer } from '../lib/pacer.ts';
import type { Progress } from '../logging/progress.ts';
import { eachLimited } from '../lib/each-limited.ts';
import { resolveInside } from '../tree/layout.ts';
import { moveLocal } from '../tree/local.ts';
import { md5File, setMtime, statLocal, type LocalState, type WriteTarget } from '../tree/writer.ts';
import { downloadItem, type FetchBytes } from './download.ts';
import { findRestriction, type RestrictedError } from './restriction.ts';
import { adopts, canMove, decide, mayMove, type Decision, type PlanFacts } from './planner.ts';
import { StateBuffer } from './state-buffer.ts';

export interface DownloadPhaseDeps {
  root: string;
  source: MediaSource;
  /**
   * The remote bytes of one indexed item. Rejects (a plain Error: the item is counted failed)
   * when the item cannot be fetched at all, e.g. no URL is known for it.
   */
  fetchBytes: (remoteId: string) => FetchBytes;
  pacer: Pacer;
  media: MediaRepo;
  log: Logger;
  progress: Progress;
  signal: AbortSignal;
  concurrency: number;
  stallMs: number;
  /**
   * Also stat every `done` item (a pass after a full listing). Incremental passes leave done
   * items alone, so their cost follows what changed; `verify` checks the whole tree.
   */
  checkDone: boolean;
}

export interface DownloadCounts {
  present: number;
  /** Files moved to a new path (renamed or moved upstream) instead of downloaded. */
  moved: number;
  adopted: number;
  downloaded: number;
  /** Items the source will not hand out (recorded `restricted`; a kind of skipped, not failed). */
  restricted: number;
  failed: number;
  bytes: number;
}

export const noCounts = (): DownloadCounts => ({
  present: 0,
  moved: 0,
  adopted: 0,
  downloaded: 0,
  restricted: 0,
  failed: 0,
  bytes: 0,
});

/** Adds the counts of one download phase to a pass's. */
export function addCounts(into: DownloadCounts, counts: DownloadCounts): void {
  for (const k of Object.keys(counts) as Array<keyof DownloadCounts>) into[k] += counts[k];
}

function mtimeOf(row: MediaRow): Date | null {
  return row.takenTime ?? row.createdTime ?? null;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The index could not be read or written: the pass cannot go on, as the states of its downloads
 * would be lost. The message keeps the database's own words, not the SQL knex puts before them.
 */
function indexFailure(err: unknown, doing: string): unknown {
  if (findSyncError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SyncError(
    'fatal',
    `the index database failed while ${doing}: ${message.split(' - ').at(-1) ?? message}`,
    {
      cause: err,
      hints: [
        'Check that the index database (DATABASE_URL) is reachable; the next pass resumes where this one stopped.',
      ],
    },
  );
}

/** `rows`, with a failure to read them reported as the index's. */
async function* fromIndex<T>(rows: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    for await (const r of rows) yield r;
  } catch (err) {
    throw indexFailure(err, 'reading the index');
  }
}

/** The states of the files of `rows`, `width` stats at once. */
async function statAll(root: string, rows: MediaRow[], width: number): Promise<LocalState[]> {
  const states = new Array<LocalState>(rows.length);
  const at = rows.map((_, i) => i);
  await eachLimited(at, width, async (i) => {
    states[i] = await statLocal(root, (rows[i] as MediaRow).relPath);
  });
  return states;
}

/** Rows whose files are stat'ed together, ahead of the ones being handed out. */
const STAT_SLICE = 256;

/**
 * Each row of `pages` with the state of its file. The stats of the next slice run while the
 * current slice is handed out (and downloaded), so the download queue never stands idle while a
 * whole page of 5,000 files is stat'ed (before: one pause per page, all downloads waiting).
 */
async function* withDiskStates(
  root: string,
  pages: AsyncIterable<MediaRow[]>,
): AsyncGenerator<[MediaRow, LocalState]> {
  let ahead: Promise<[MediaRow[], LocalState[]]> | null = null;
  for await (const page of pages) {
    for (let i = 0; i < page.length; i += STAT_SLICE) {
      const slice = page.slice(i, i + STAT_SLICE);
      const next = statAll(root, slice, 32).then((s): [MediaRow[], LocalState[]] => [slice, s]);
      // Awaited below; a pass that stops before that must not leave it unhandled.
      next.catch(() => undefined);
      if (ahead) yield* pairs(await ahead);
      ahead = next;
    }
  }
  if (ahead) yield* pairs(await ahead);
}

function* pairs([rows, states]: [MediaRow[], LocalState[]]): Generator<[MediaRow, LocalState]> {
  for (let i = 0; i < rows.length; i++) yield [rows[i] as MediaRow, states[i] as LocalState];
}

export async function downloadMedia(deps: DownloadPhaseDeps): Promise<DownloadCounts> {
  return new DownloadRun(deps).run();
}

/**
 * One download phase: its workers, its counters, and the state writes of its items. The workers
 * pull from one generator (`#work`); an async generator serves concurrent `next()` calls one at
 * a time, in order. Before: a p-queue fed with backpressure, whose `onSizeLessThan` built an
 * AbortController and a DOMException per item and whose events were dispatched per task.
 */
class DownloadRun {
  readonly counts = noCounts();
  readonly #deps: DownloadPhaseDeps;
  readonly #stopper = new AbortController();
  readonly #signal: AbortSignal;
  readonly #buffer: StateBuffer;
  #fatal: unknown;
  /** The index could not be read: thrown once the items in flight are done. */
  #feedError: { err: unknown } | null = null;

  constructor(deps: DownloadPhaseDeps) {
    this.#deps = deps;
    this.#signal = AbortSignal.any([deps.signal, this.#stopper.signal]);
    this.#buffer = new StateBuffer(deps.media);
  }

  async run(): Promise<DownloadCounts> {
    const started = Date.now();
    try {
      const work = this.#work();
      const workers = Array.from({ length: Math.max(1, this.#deps.concurrency) }, () =>
        this.#worker(work),
      );
      await Promise.all(workers);
      // Workers that stopped early leave the reader suspended: close it (and the index cursor).
      await work.return(undefined).catch(() => undefined);
      if (this.#feedError) throw this.#feedError.err;
      this.#deps.log.debug(
        { seconds: (Date.now() - started) / 1000, ...this.counts },
        'download phase done',
      );
    } finally {
      try {
        await this.#buffer.close();
      } catch (err) {
        this.#fatal ??= indexFailure(err, 'recording downloads');
      }
    }
    if (this.#deps.signal.aborted) throw this.#deps.signal.reason;
    if (this.#fatal !== undefined) throw this.#fatal;
    return this.counts;
  }

  /** Takes items until there are none or the phase stops; never rejects. */
  async #worker(work: AsyncGenerator<[MediaRow, Decision]>): Promise<void> {
    for (;;) {
      let next: IteratorResult<[MediaRow, Decision]>;
      try {
        next = await work.next();
      } catch (err) {
        // A generator that threw is done: every other worker's next() ends too.
        this.#feedError ??= { err };
        return;
      }
      if (next.done || this.#signal.aborted) return;
      await this.#item(...next.value);
    }
  }

  /** Reads the index in pages, decides each item, and yields the ones that need work. */
  async *#work(): AsyncGenerator<[MediaRow, Decision]> {
    const { root, media, source, progress } = this.#deps;
    const byState = await media.countByState(source).catch((err: unknown) => {
      throw indexFailure(err, 'reading the index');
    });
    progress.toDownload = byState.pending + byState.failed;
    const states: MediaState[] = this.#deps.checkDone
      ? ['pending', 'failed', 'done']
      : ['pending', 'failed'];
    const rows = withDiskStates(root, fromIndex(media.iterateBrief(source, { states })));
    for await (const [row, disk] of rows) {
      if (this.#signal.aborted) return;
      const decision = decide(planFacts(row), disk);
      if (decision === 'present') {
        this.counts.present++;
        if (row.state !== 'done') progress.downloaded++;
        continue;
      }
      if (row.state === 'done') progress.toDownload++;
      if (this.#buffer.error !== undefined) {
        this.#stop(indexFailure(this.#buffer.error, 'recording downloads'));
        return;
      }
      yield [row, decision];
    }
  }

  /** One item: a move, an adoption or a download; a failure counts against the item only. */
  async #item(row: MediaRow, decision: Decision): Promise<void> {
    try {
      if (decision === 'download' && (await this.#tryMove(row))) return;
      if (decision === 'verify' && (await this.#tryAdopt(row))) return;
      await this.#download(row);
    } catch (err) {
      if (this.#signal.aborted) return;
      if (findSyncError(err)) {
        this.#stop(err);
        return;
      }
      const restricted = findRestriction(err);
      if (restricted) {
        this.#restricted(row, restricted);
        return;
      }
      this.counts.failed++;
      this.#deps.progress.failed++;
      this.#deps.log.warn(
        { path: row.relPath, id: row.remoteId, reason: reasonOf(err) },
        'download failed',
      );
      this.#buffer.add({
        source: this.#deps.source,
        remoteId: row.remoteId,
        state: 'failed',
        error: reasonOf(err),
        incrementAttempts: true,
      });
    }
  }

  /** The source will not hand out the bytes: recorded once, counted as skipped, not failed. */
  #restricted(row: MediaRow, err: RestrictedError): void {
    this.counts.restricted++;
    this.#deps.progress.skipped++;
    this.#deps.log.warn(
      { path: row.relPath, id: row.remoteId, restriction: err.restriction, reason: err.message },
      'cannot be downloaded: recorded as restricted, not asked for again until Drive says it changed',
    );
    this.#buffer.add({
      source: this.#deps.source,
      remoteId: row.remoteId,
      state: 'restricted',
      restriction: err.restriction,
      error: err.message,
      incrementAttempts: true,
    });
  }

  /** Renamed or moved upstream: moves the local file rather than download it again. */
  async #tryMove(row: MediaRow): Promise<boolean> {
    const { root } = this.#deps;
    if (!mayMove(row)) return false;
    const was = await statLocal(root, row.movedFrom as string);
    if (!canMove(row, was) || !(await moveLocal(root, row.movedFrom as string, row.relPath))) {
      return false;
    }
    const folders = [row.movedFrom as string, row.relPath].map((p) =>
      dirname(resolveInside(root, p)),
    );
    await this.#inPlace(row, 'moved', folders);
    this.#deps.log.info({ from: row.movedFrom, to: row.relPath }, 'moved, as upstream');
    return true;
  }

  /** A file this job did not record: kept when its md5 is Google's. */
  async #tryAdopt(row: MediaRow): Promise<boolean> {
    const { root } = this.#deps;
    const md5 = row.md5 === null ? null : await md5File(root, row.relPath);
    if (!adopts(row.md5, md5)) {
      this.#deps.log.info(
        { path: row.relPath },
        'local file differs from Google; downloading the original',
      );
      return false;
    }
    await this.#inPlace(row, 'adopted');
    return true;
  }

  /** A file moved or adopted, not downloaded: its mtime set, `done` (after `folders`' fsync). */
  async #inPlace(row: MediaRow, how: 'moved' | 'adopted', folders: string[] = []): Promise<void> {
    const mtime = mtimeOf(row);
    if (mtime) await setMtime(this.#deps.root, row.relPath, mtime);
    this.#markDone(row, false, folders);
    this.counts[how]++;
    this.#deps.progress.downloaded++;
  }

  async #download(row: MediaRow): Promise<void> {
    const { progress } = this.#deps;
    const target: WriteTarget = {
      root: this.#deps.root,
      relPath: row.relPath,
      expectedSize: row.size,
      // One hash while writing, the stronger one Drive gave: sha256, else md5.
      expectedMd5: row.sha256 === null ? row.md5 : null,
      expectedSha256: row.sha256,
      mtime: mtimeOf(row),
    };
    const { bytes, folder } = await downloadItem(
      {
        pacer: this.#deps.pacer,
        signal: this.#signal,
        stallMs: this.#deps.stallMs,
        onBytes: (n) => {
          progress.bytes += n;
        },
      },
      this.#deps.fetchBytes(row.remoteId),
      target,
    );
    this.counts.downloaded++;
    this.counts.bytes += bytes;
    progress.downloaded++;
    this.#markDone(row, true, [folder]);
  }

  /**
   * The file is in place: `done`, and an attempt counted when it was downloaded (not adopted).
   * Recorded only after `folders` are fsynced (the buffer batches that), so a power cut never
   * leaves an item `done` whose new name was not yet on disk.
   */
  #markDone(row: MediaRow, downloaded: boolean, folders: string[]): void {
    this.#buffer.add(
      {
        source: this.#deps.source,
        remoteId: row.remoteId,
        state: 'done',
        error: null,
        downloadedAt: new Date(),
        incrementAttempts: downloaded,
      },
      folders,
    );
  }

  /** A SyncError: nothing new starts, downloads in flight are aborted. */
  #stop(err: unknown): void {
    this.#fatal ??= err;
    if (!this.#stopper.signal.aborted) this.#stopper.abort(err);
  }
}

function planFacts(row: MediaRow): PlanFacts {
  return {
    state: row.state as PlanFacts['state'],
    size: row.size,
    expectedMtimeMs: mtimeOf(row)?.getTime() ?? null,
  };
}
