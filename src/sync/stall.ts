/**
 * Reads a body, failing with a `stalled` fault (retryable) when no bytes arrive for `ms`.
 * A hung connection would otherwise hold a download slot forever.
 */
import { RemoteError } from '../remote/errors.ts';

export async function* guardStall(
  body: AsyncIterable<Uint8Array>,
  ms: number,
): AsyncGenerator<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new RemoteError(`no bytes received for ${ms / 1000} s`, { fault: 'stalled' }));
      }, ms);
    });
    try {
      const next = await Promise.race([it.next(), stalled]);
      if (next.done) return;
      yield next.value;
    } catch (err) {
      await it.return?.();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}
