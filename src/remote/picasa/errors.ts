/**
 * shouldRetry for the Picasa feeds, and their final errors. Picasa answers errors in plain text
 * (Content-Type text/html, ../shared/google-apis.md "Errors and downloads"), so the JSON `reason`
 * that google-errors.ts reads is never there; the text is matched here instead:
 * - `Deprecated offset is too large` (500, once 400): permanent, never retried: the album listing
 *   stops there (reason `offsetTooLarge`);
 * - 401/403 `Token invalid` / `Token expired`: retry; the OAuth client (forceRefreshOnFailure)
 *   refreshes the access token and repeats the request, and a token Picasa still refuses after
 *   every attempt ends the pass as an auth problem (exit 4);
 * - 403 whose text speaks of a rate limit or too many requests: retry, rate limited;
 * - everything else as for Google's REST APIs (classifyGoogleError): 429 and 5xx and resets and
 *   answers that are not a feed retried, 404 and other 4xx permanent.
 */
import { SyncError } from '../../errors/errors.ts';
import type { RetryDecision } from '../../lib/pacer.ts';
import { RemoteError, findFault } from '../errors.ts';
import { classifyGoogleError, factsOf, finalError } from '../google-errors.ts';

export const OFFSET_TOO_LARGE = 'offsetTooLarge';
const TOKEN_INVALID = 'tokenInvalid';
const RATE_LIMITED = 'rateLimited';

/** The plain-text body of a failed Picasa request, when the error carries one. */
function bodyText(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const data = (cur as { response?: { data?: unknown } }).response?.data;
    if (typeof data === 'string') return data;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The Picasa reason read from an error's status and text, if any. */
export function picasaReason(err: unknown): string | undefined {
  if (err instanceof RemoteError && err.reason === OFFSET_TOO_LARGE) return OFFSET_TOO_LARGE;
  const { status } = factsOf(err);
  const body = bodyText(err);
  if (status === undefined || body === undefined) return undefined;
  if ((status === 500 || status === 400) && /deprecated offset is too large/i.test(body)) {
    return OFFSET_TOO_LARGE;
  }
  if ((status === 403 || status === 401) && /token (invalid|expired)|invalid token/i.test(body)) {
    return TOKEN_INVALID;
  }
  if (status === 403 && /rate ?limit|too many requests/i.test(body)) return RATE_LIMITED;
  return undefined;
}

export function classifyPicasaError(err: unknown): RetryDecision {
  const reason = picasaReason(err);
  if (reason === OFFSET_TOO_LARGE) return { action: 'permanent' };
  const { status, retryAfterMs } = factsOf(err);
  if (reason === TOKEN_INVALID) return { action: 'retry', reason: `${status} token invalid` };
  if (reason === RATE_LIMITED) {
    return { action: 'retry', reason: `${status} rate limited`, retryAfterMs, rateLimited: true };
  }
  return classifyGoogleError(err);
}

/**
 * The error to hand up once the pacer gave up: a SyncError when the pass must stop (auth, quota),
 * else a RemoteError whose message says `what` failed and why, safe to log (no URL, no token; at
 * most a short line of Picasa's own text). An offset refusal keeps reason `offsetTooLarge`.
 */
export function finalPicasaError(err: unknown, what: string): Error {
  const reason = picasaReason(err);
  if (reason === TOKEN_INVALID) {
    return new SyncError(
      'auth',
      `Picasa refused the access token while ${what}, even after refreshing it`,
      {
        cause: err,
        hints: [
          'the token may lack the Picasa scope https://picasaweb.google.com/data/: authorize again with it',
        ],
      },
    );
  }
  const base = finalError(err, what);
  if (!(base instanceof RemoteError)) return base;
  const f = factsOf(err);
  if (f.status === undefined && f.fault === 'malformed') {
    const parse = findFault(err);
    return new RemoteError(`${what} failed: ${parse?.message ?? 'the answer is not a feed'}`, {
      reason: 'malformed',
      cause: err,
    });
  }
  const said = f.status !== undefined ? shortText(bodyText(err)) : undefined;
  return new RemoteError(
    said ? `${base.message} (Picasa said: ${JSON.stringify(said)})` : base.message,
    {
      status: base.status,
      reason: reason ?? base.reason,
      cause: err,
    },
  );
}

/** The first line of a plain-text body, when it is short text and not an HTML page. */
function shortText(body: string | undefined): string | undefined {
  const line = body?.trim().split('\n')[0]?.trim();
  if (!line || line.startsWith('<')) return undefined;
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
