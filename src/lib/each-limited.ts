/** Bounded concurrency for a list of independent tasks (file system work that waits on the disk). */

/**
 * Runs `fn` on every item, at most `width` at a time, in order of start. The first error stops
 * new starts; it is thrown once the calls in flight have ended (none is left running).
 */
export async function eachLimited<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: { err: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failed === null && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  if (failed !== null) throw (failed as { err: unknown }).err;
}
