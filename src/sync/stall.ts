/**
 * Reads a body, failing with a `stalled` fault (retryable) when no bytes arrive for `ms`.
 * A hung connection would otherwise hold a download slot forever.
 *
 * One timer per body, re-armed (`refresh`) before each read, rather than a new timer and a
 * Promise.race per chunk: per-chunk allocations are what a pass of 100,000 small files pays
 * for. The clock runs only while a read is waiting; a timer that fires between reads does nothing.
 */
import { RemoteError } from '../remote/errors.ts';

export async function* guardStall(
  body: AsyncIterable<Uint8Array>,
  ms: number,
): AsyncGenerator<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  let fail: ((err: unknown) => void) | null = null;
  const timer = setTimeout(() => {
    fail?.(new RemoteError(`no bytes received for ${ms / 1000} s`, { fault: 'stalled' }));
  }, ms);
  try {
    for (;;) {
      timer.refresh();
      const next = await new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
        fail = reject;
        it.next().then(resolve, reject);
      });
      fail = null;
      if (next.done) return;
      yield next.value;
    }
  } catch (err) {
    fail = null;
    await it.return?.();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
