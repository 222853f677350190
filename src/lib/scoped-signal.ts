/**
 * A signal of one request's own, aborted (with the same reason) when `parent` aborts, for handing
 * to node's fetch in place of a long-lived signal. `release()` takes its one listener off `parent`
 * again; call it when the request and its body are done with (aborting after that is a no-op).
 *
 * Why: undici's fetch adds an abort listener to the signal it is given and takes it off only when
 * the request's own controller is garbage-collected. On the download phase's signal, which lives
 * for the whole pass, those listeners piled up by the thousand between collections, and node's
 * EventTarget walks the whole list on every add (it refuses duplicates): 15 µs of main-thread CPU
 * per download at 20,000 downloads, growing with the pile. A signal per request keeps the long-
 * lived one's list as short as the requests in flight.
 */
export interface ScopedSignal {
  readonly signal: AbortSignal;
  release(): void;
}

export function scopedSignal(parent: AbortSignal): ScopedSignal {
  const own = new AbortController();
  if (parent.aborted) {
    own.abort(parent.reason);
    return { signal: own.signal, release: () => {} };
  }
  const onAbort = () => own.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return {
    signal: own.signal,
    release: () => parent.removeEventListener('abort', onAbort),
  };
}
