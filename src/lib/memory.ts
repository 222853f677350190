/**
 * The process's memory in MiB, for the debug lines of long phases: RSS; the JavaScript heap in
 * use (live objects only with node --expose-gc, which collects first: diagnostics only) and as
 * reserved from the system; and external memory, which holds the embedded index's WebAssembly
 * memory and the Buffers.
 */
export function memoryMib(): {
  rssMb: number;
  heapMb: number;
  heapTotalMb: number;
  externalMb: number;
} {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round(n / 2 ** 20);
  return {
    rssMb: mib(m.rss),
    heapMb: mib(m.heapUsed),
    heapTotalMb: mib(m.heapTotal),
    externalMb: mib(m.external),
  };
}
