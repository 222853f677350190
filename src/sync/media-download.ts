/**
 * The download phase of a pass, for one source (drive/ or picasa/): bring the tree in line with
 * the index.
 *
 * Contract: every indexed item that is not `skipped` ends the phase on disk (counted `present`,
 * `adopted` or `downloaded`) or counted `failed` with its reason in the index. A SyncError from any
 * item (auth, quota, disk full, index gone) stops the phase: nothing new starts, downloads in flight
 * are aborted (their temp files removed), finished states are written, and the error is rethrown.
 * Work is fed to the queue with backpressure, so 100,000 items never sit in memory as promises.
 */
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { SyncError, findSyncError } from '../errors/errors.ts';
import type { BriefMediaRow as MediaRow, MediaRepo } from '../index/media-repo.ts';
import type { Pacer } from '../lib/pacer.ts';
import type { Progress } from '../logging/progress.ts';
import type { MediaSource } from '../index/media-repo.ts';
import { moveLocal } from '../tree/local.ts';
import { md5File, setMtime, statLocal, type WriteTarget } from '../tree/writer.ts';
import { downloadItem, type FetchBytes } from './download.ts';
import { decide, type Decision } from './planner.ts';
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
  failed: number;
  bytes: number;
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

async function statAll(root: string, rows: MediaRow[], width: number) {
  const out = new Array<Awaited<ReturnType<typeof statLocal>>>(rows.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, rows.length) }, async () => {
      for (let i = next++; i < rows.length; i = next++) {
        out[i] = await statLocal(root, (rows[i] as MediaRow).relPath);
      }
    }),
  );
  return out;
}

export async function downloadMedia(deps: DownloadPhaseDeps): Promise<DownloadCounts> {
  const { root, log, progress, media, source } = deps;
  const counts: DownloadCounts = {
    present: 0,
    moved: 0,
    adopted: 0,
    downloaded: 0,
    failed: 0,
    bytes: 0,
  };
  const stopper = new AbortController();
  const signal = AbortSignal.any([deps.signal, stopper.signal]);
  const buffer = new StateBuffer(media);
  const queue = new PQueue({ concurrency: deps.concurrency });
  let fatal: unknown;
  const started = Date.now();

  const stop = (err: unknown) => {
    fatal ??= err;
    if (!stopper.signal.aborted) stopper.abort(err);
    queue.clear();
  };

  /** The file is in place: `done`, and an attempt counted when it was downloaded (not adopted). */
  const markDone = (row: MediaRow, downloaded: boolean) =>
    buffer.add({
      source,
      remoteId: row.remoteId,
      state: 'done',
      error: null,
      downloadedAt: new Date(),
      incrementAttempts: downloaded,
    });

  const task = async (row: MediaRow, decision: Decision) => {
    const mtime = mtimeOf(row);
    const target: WriteTarget = {
      root,
      relPath: row.relPath,
      expectedSize: row.size,
      expectedMd5: row.md5,
      mtime,
    };
    try {
      if (decision === 'download' && row.movedFrom !== null && row.movedFrom !== row.relPath) {
        // Renamed or moved upstream: move the local file rather than download it again.
        const was = await statLocal(root, row.movedFrom);
        if (was.isFile && (row.size === null || was.size === row.size)) {
          if (await moveLocal(root, row.movedFrom, row.relPath)) {
            if (mtime) await setMtime(root, row.relPath, mtime);
            log.info({ from: row.movedFrom, to: row.relPath }, 'moved, as upstream');
            markDone(row, false);
            counts.moved++;
            progress.downloaded++;
            return;
          }
        }
      }
      if (decision === 'verify') {
        const md5 = row.md5 === null ? null : await md5File(root, row.relPath);
        if (md5 === row.md5) {
          if (mtime) await setMtime(root, row.relPath, mtime);
          markDone(row, false);
          counts.adopted++;
          progress.downloaded++;
          return;
        }
        log.info({ path: row.relPath }, 'local file differs from Google; downloading the original');
      }
      const bytes = await downloadItem(
        {
          pacer: deps.pacer,
          signal,
          stallMs: deps.stallMs,
          onBytes: (n) => {
            progress.bytes += n;
          },
        },
        deps.fetchBytes(row.remoteId),
        target,
      );
      counts.downloaded++;
      counts.bytes += bytes;
      progress.downloaded++;
      markDone(row, true);
    } catch (err) {
      if (signal.aborted) return;
      if (findSyncError(err)) {
        stop(err);
        return;
      }
      counts.failed++;
      progress.failed++;
      log.warn({ path: row.relPath, id: row.remoteId, reason: reasonOf(err) }, 'download failed');
      buffer.add({
        source,
        remoteId: row.remoteId,
        state: 'failed',
        error: reasonOf(err),
        incrementAttempts: true,
      });
    }
  };

  try {
    const byState = await media.countByState(source).catch((err: unknown) => {
      throw indexFailure(err, 'reading the index');
    });
    progress.toDownload = byState.pending + byState.failed;
    for await (const rows of fromIndex(
      media.iterateBrief(source, {
        states: deps.checkDone ? ['pending', 'failed', 'done'] : ['pending', 'failed'],
      }),
    )) {
      if (signal.aborted) break;
      const disk = await statAll(root, rows, 32);
      for (let i = 0; i < rows.length && !signal.aborted; i++) {
        const row = rows[i] as MediaRow;
        const d = disk[i] as (typeof disk)[number];
        const decision = decide(
          {
            state: row.state as 'pending' | 'done' | 'failed',
            size: row.size,
            expectedMtimeMs: mtimeOf(row)?.getTime() ?? null,
          },
          d,
        );
        if (decision === 'present') {
          counts.present++;
          if (row.state !== 'done') progress.downloaded++;
          continue;
        }
        if (row.state === 'done') progress.toDownload++;
        if (buffer.error !== undefined) stop(indexFailure(buffer.error, 'recording downloads'));
        await queue.onSizeLessThan(deps.concurrency * 2);
        if (signal.aborted) break;
        void queue.add(() => task(row, decision)).catch(() => {});
      }
    }
    await queue.onIdle();
    log.debug({ seconds: (Date.now() - started) / 1000, ...counts }, 'download phase done');
  } finally {
    queue.clear();
    await queue.onIdle();
    try {
      await buffer.close();
    } catch (err) {
      fatal ??= indexFailure(err, 'recording downloads');
    }
  }
  if (deps.signal.aborted) throw deps.signal.reason;
  if (fatal !== undefined) throw fatal;
  return counts;
}
