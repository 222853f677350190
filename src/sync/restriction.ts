/**
 * An item whose source will not hand out its bytes, whatever we do: not a failure of the pass.
 * A fetcher throws `RestrictedError`; the download phase records the item `restricted` with the
 * reason, counts it as skipped, and does not ask for it again until a listing or change says
 * something about it changed (media-repo upsertListed).
 */
import type { Restriction } from '../index/media-repo.ts';

export class RestrictedError extends Error {
  readonly restriction: Restriction;
  constructor(restriction: Restriction, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'RestrictedError';
    this.restriction = restriction;
  }
}

/** The RestrictedError in `err`'s cause chain, if any. */
export function findRestriction(err: unknown): RestrictedError | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    if (cur instanceof RestrictedError) return cur;
    seen.add(cur);
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
