/**
 * Downloads one item into the tree: remote bytes through the pacer into an AtomicFile.
 *
 * Contract: resolves when the file is in place with the right size and md5 and its mtime set;
 * rejects with a SyncError when the pass must stop (auth, quota, disk full, read-only tree) or
 * with another error when only this item failed. Either way no partial file is left under the
 * final name. A body that breaks half way is resumed with a Range request; a file whose md5 does
 * not match is downloaded again from the start.
 */
import { findSyncError } from '../errors/errors.ts';
import type { Pacer, RetryDecision } from '../lib/pacer.ts';
import type { DriveClient } from '../remote/drive/client.ts';
import { classifyGoogleError, finalError } from '../remote/google-errors.ts';
import { AtomicFile, IntegrityError, type WriteTarget } from '../tree/writer.ts';
import { guardStall } from './stall.ts';

export interface DownloadDeps {
  drive: DriveClient;
  pacer: Pacer;
  signal: AbortSignal;
  stallMs: number;
  onBytes: (n: number) => void;
}

function classify(err: unknown): RetryDecision {
  if (err instanceof IntegrityError) return { action: 'retry', reason: 'size or md5 mismatch' };
  if (findSyncError(err)) return { action: 'permanent' };
  return classifyGoogleError(err);
}

export async function downloadItem(
  deps: DownloadDeps,
  remoteId: string,
  target: WriteTarget,
): Promise<number> {
  const { drive, pacer, signal } = deps;
  let file: AtomicFile | null = null;
  try {
    await pacer.call(
      `downloading ${target.relPath}`,
      async () => {
        // Any failed write, reset or commit discards the temp file: start over on a fresh one.
        if (!(file as AtomicFile | null)?.isOpen) file = await AtomicFile.open(target);
        const f = file as AtomicFile;
        const dl = await drive.download(remoteId, f.bytesWritten, signal);
        if (dl.offset !== f.bytesWritten) {
          deps.onBytes(-f.bytesWritten);
          await f.reset();
        }
        for await (const chunk of guardStall(dl.body, deps.stallMs)) {
          await f.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          deps.onBytes(chunk.byteLength);
        }
        const written = f.bytesWritten;
        try {
          await f.commit();
        } catch (err) {
          deps.onBytes(-written);
          throw err;
        }
      },
      classify,
      signal,
    );
    return target.expectedSize ?? 0;
  } catch (err) {
    await (file as AtomicFile | null)?.abort();
    if (signal.aborted || findSyncError(err) || err instanceof IntegrityError) throw err;
    throw finalError(err, `downloading ${target.relPath}`);
  }
}
