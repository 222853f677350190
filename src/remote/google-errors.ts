/**
 * shouldRetry for Google's REST APIs, and the mapping of their final errors to error kinds.
 *
 * Decisions (../shared/google-apis.md, "Errors"; rclone backend/drive shouldRetry):
 * - OAuth invalid_grant / invalid_client / unauthorized_client: permanent, and the pass stops (exit 4);
 * - 403 userRateLimitExceeded / rateLimitExceeded, 429: retry, rate limited (everyone waits);
 * - 403 dailyLimitExceeded / downloadQuotaExceeded / quotaExceeded: permanent, the pass stops (exit 5);
 * - 401: retry (the OAuth client refreshes its access token on the next attempt);
 * - 408, 5xx, a connection reset or timeout, a fault (an answer that is not the JSON asked for, a
 *   stalled body: RemoteError.fault): retry;
 * - anything else (400, 404, other 403s): permanent, counted against the item.
 * Match on `reason`, never on `message`: Google's wording changes.
 */
import { SyncError } from '../errors/errors.ts';
import { parseRetryAfter, type RetryDecision } from '../lib/pacer.ts';
import { RemoteError, authError, findFault, isAuthReason, type Fault } from './errors.ts';

const rateLimitReasons = new Set(['userRateLimitExceeded', 'rateLimitExceeded']);
const quotaReasons = new Set(['dailyLimitExceeded', 'downloadQuotaExceeded', 'quotaExceeded']);
const networkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'TimeoutError',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

export interface ErrorFacts {
  status: number | undefined;
  reason: string | undefined;
  retryAfterMs: number | undefined;
  /** A network-level error code found anywhere in the cause chain. */
  code: string | undefined;
  /** A fault found anywhere in the cause chain (RemoteError.fault). */
  fault: Fault | undefined;
}

interface ResponseLike {
  status?: number;
  data?: unknown;
  headers?: { get?: (name: string) => string | null } | Record<string, string>;
}

function headerOf(res: ResponseLike | undefined, name: string): string | undefined {
  const h = res?.headers;
  if (!h) return undefined;
  if (typeof (h as { get?: unknown }).get === 'function') {
    return (h as { get: (n: string) => string | null }).get(name) ?? undefined;
  }
  return (h as Record<string, string>)[name.toLowerCase()];
}

function reasonOf(body: unknown): string | undefined {
  let data = body;
  // A failed `responseType: 'stream'` request (a download) carries its error body as text.
  if (typeof data === 'string' && data.trimStart().startsWith('{')) {
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  if (data === null || typeof data !== 'object') return undefined;
  const error = (data as { error?: unknown }).error;
  if (typeof error === 'string') return error; // OAuth: {"error":"invalid_grant"}
  if (error && typeof error === 'object') {
    const errors = (error as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors[0] && typeof errors[0].reason === 'string') {
      return errors[0].reason as string;
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'string') return status;
  }
  return undefined;
}

/** Reads what matters out of a GaxiosError, a fetch error or a RemoteError. */
export function factsOf(err: unknown): ErrorFacts {
  const facts: ErrorFacts = {
    status: undefined,
    reason: undefined,
    retryAfterMs: undefined,
    code: undefined,
    fault: undefined,
  };
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const e = cur as {
      status?: unknown;
      code?: unknown;
      reason?: unknown;
      response?: ResponseLike;
      cause?: unknown;
    };
    if (cur instanceof RemoteError) {
      facts.status ??= cur.status;
      facts.reason ??= cur.reason;
      facts.fault ??= cur.fault;
    }
    const res = e.response;
    if (res && facts.status === undefined && typeof res.status === 'number') {
      facts.status = res.status;
      facts.reason ??= reasonOf(res.data);
      facts.retryAfterMs = parseRetryAfter(headerOf(res, 'retry-after'));
    }
    if (facts.status === undefined && typeof e.status === 'number') facts.status = e.status;
    // A failed `responseType: 'stream'` request (a download) has no parsed body: gaxios puts the
    // error body's text in the message.
    if (facts.reason === undefined && typeof e.status === 'number') {
      facts.reason = reasonOf((e as { message?: unknown }).message);
    }
    if (typeof e.code === 'string' && networkCodes.has(e.code)) facts.code ??= e.code;
    if (
      facts.reason === undefined &&
      typeof (e as { message?: unknown }).message === 'string' &&
      isAuthReason((e as { message: string }).message)
    ) {
      facts.reason = (e as { message: string }).message;
    }
    cur = e.cause;
  }
  return facts;
}

export function classifyGoogleError(err: unknown): RetryDecision {
  const f = factsOf(err);
  if (isAuthReason(f.reason)) return { action: 'permanent' };
  if (f.reason && quotaReasons.has(f.reason)) return { action: 'permanent' };
  const label = `${f.status ?? f.fault ?? f.code ?? 'error'}${f.reason ? ` ${f.reason}` : ''}`;
  if ((f.status === 403 && f.reason && rateLimitReasons.has(f.reason)) || f.status === 429) {
    return { action: 'retry', reason: label, retryAfterMs: f.retryAfterMs, rateLimited: true };
  }
  if (f.status === 401 || f.status === 408 || (f.status !== undefined && f.status >= 500)) {
    return { action: 'retry', reason: label, retryAfterMs: f.retryAfterMs };
  }
  if (f.status === undefined && (f.fault ?? f.code) !== undefined) {
    return { action: 'retry', reason: label };
  }
  if (f.status === undefined && f.code === undefined && isFetchFailure(err)) {
    return { action: 'retry', reason: 'network error' };
  }
  return { action: 'permanent' };
}

function isFetchFailure(err: unknown): boolean {
  return (
    err instanceof Error && /fetch failed|socket|terminated|other side closed/i.test(err.message)
  );
}

/**
 * The error to hand up once the pacer gave up: a SyncError when the whole pass must stop
 * (auth: exit 4, quota: exit 5), else a RemoteError whose message is safe to log (no URLs with
 * tokens, no bodies).
 */
export function finalError(err: unknown, what: string): Error {
  const f = factsOf(err);
  if (isAuthReason(f.reason)) return authError(f.reason, err);
  if (f.reason && quotaReasons.has(f.reason)) {
    return new SyncError('quota', `Google's ${f.reason} while ${what}: the daily quota is spent`, {
      cause: err,
      hints: [
        'progress is saved; run again tomorrow (or after the quota resets) and the pass continues',
      ],
    });
  }
  if (f.status === undefined && f.fault === 'malformed') {
    const parse = findFault(err);
    return new RemoteError(
      `${what} failed: Google's answer was unusable (${parse?.message ?? 'not what was asked for'})`,
      { reason: 'malformed', cause: err },
    );
  }
  const detail = f.status
    ? `HTTP ${f.status}${f.reason ? ` ${f.reason}` : ''}${isHtmlPage(err) ? ' (Google answered with an HTML error page)' : ''}`
    : (f.fault ?? f.code ?? (err instanceof Error ? err.message : String(err)));
  return new RemoteError(`${what} failed: ${detail}`, {
    status: f.status,
    reason: f.reason ?? f.fault ?? f.code,
    cause: err,
  });
}

/** True when the failed request's body is an HTML page (a front end's error page, not JSON). */
function isHtmlPage(err: unknown): boolean {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const data = (cur as { response?: ResponseLike }).response?.data;
    if (typeof data === 'string') return /^\s*<(!doctype html|html)/i.test(data);
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}
