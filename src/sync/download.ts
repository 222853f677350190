/**
 * Downloads one item into the tree: remote bytes through the pacer into an AtomicFile.
 *
 * Contract: resolves when the file is in place with the right size and md5, its mtime set and
 * its bytes fsynced, with the folder whose fsync makes its name durable: the caller fsyncs it
 * (once for many files) before recording the item as done. Rejects with a SyncError when the pass must stop (auth, quota, disk full, read-only tree) or
 * with another error when only this item failed. Either way no partial file is left under the
 * final name. A body that breaks half way is resumed with a Range request; a file whose md5 does
 * not match is downloaded again from the start.
 */
import { findSyncError } from '../errors/errors.ts';
import type { Pacer, RetryDecision } from '../lib/pacer.ts';
import { scopedSignal } from '../lib/scoped-signal.ts';
import type { Download } from '../remote/types.ts';
import { classifyGoogleError, finalError } from '../remote/google-errors.ts';
import { AtomicFile, IntegrityError, type WriteTarget } from '../tree/writer.ts';
import { findRestriction } from './restriction.ts';
import { guardStall } from './stall.ts';

/** Opens the remote bytes of one item from `offset` (a Range request when offset > 0). */
export type FetchBytes = (offset: number, signal: AbortSignal) => Promise<Download>;

export interface DownloadDeps {
  pacer: Pacer;
  signal: AbortSignal;
  stallMs: number;
  onBytes: (n: number) => void;
}

/** Bytes gathered before one write to the temp file. */
const WRITE_BATCH = 1024 * 1024;

function classify(err: unknown): RetryDecision {
  if (err instanceof IntegrityError) return { action: 'retry', reason: 'size or md5 mismatch' };
  if (findSyncError(err) || findRestriction(err)) return { action: 'permanent' };
  return classifyGoogleError(err);
}

/** Resolves with the bytes written and the folder the caller must fsync (see above). */
export async function downloadItem(
  deps: DownloadDeps,
  fetchBytes: FetchBytes,
  target: WriteTarget,
): Promise<{ bytes: number; folder: string }> {
  const { pacer, signal } = deps;
  const file: { open: AtomicFile | null } = { open: null };
  try {
    return await pacer.call(
      `downloading ${target.relPath}`,
      async () => {
        // Each attempt's request gets a signal of its own (scoped-signal.ts says why).
        const scope = scopedSignal(signal);
        try {
          return await attempt(deps, fetchBytes, target, file, scope.signal);
        } finally {
          scope.release();
        }
      },
      classify,
      signal,
    );
  } catch (err) {
    await file.open?.abort();
    if (signal.aborted || findSyncError(err) || err instanceof IntegrityError) throw err;
    throw finalError(err, `downloading ${target.relPath}`);
  }
}

/**
 * One attempt: the bytes from where the temp file in `file` stops (a fresh one when there is
 * none open), then the commit. A broken body leaves what arrived in the temp file for the next.
 */
async function attempt(
  deps: DownloadDeps,
  fetchBytes: FetchBytes,
  target: WriteTarget,
  file: { open: AtomicFile | null },
  signal: AbortSignal,
): Promise<{ bytes: number; folder: string }> {
  // Any failed write, reset or commit discards the temp file: start over on a fresh one.
  if (!file.open?.isOpen) file.open = await AtomicFile.open(target);
  const f = file.open;
  const dl = await fetchBytes(f.bytesWritten, signal);
  if (dl.offset !== f.bytesWritten) {
    deps.onBytes(-f.bytesWritten);
    await f.reset();
  }
  // Network chunks are small (16-64 KiB); one file write per ~1 MiB costs far fewer
  // thread-pool round trips. Bytes are counted as they arrive, written in batches.
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batchBytes === 0) return;
    const buf = batch.length === 1 ? (batch[0] as Buffer) : Buffer.concat(batch, batchBytes);
    batch = [];
    batchBytes = 0;
    await f.write(buf);
  };
  try {
    for await (const chunk of guardStall(dl.body, deps.stallMs)) {
      batch.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      batchBytes += chunk.byteLength;
      deps.onBytes(chunk.byteLength);
      if (batchBytes >= WRITE_BATCH) await flush();
    }
  } catch (err) {
    // A broken body: keep what arrived, so the next attempt resumes after it.
    if (f.isOpen) await flush().catch(() => {});
    throw err;
  }
  await flush();
  const written = f.bytesWritten;
  try {
    const { bytes, folder } = await f.commit({ syncFolder: false });
    return { bytes, folder };
  } catch (err) {
    deps.onBytes(-written);
    throw err;
  }
}
