/**
 * The pacer: every remote call goes through one, so retries, backoff and rate limiting live in one
 * place (rclone lib/pacer). The pacer knows nothing of HTTP: each API client supplies a `classify`
 * function (its "shouldRetry") that turns an error into a decision.
 *
 * Contract of `call`:
 * - runs `fn`; on success returns its value;
 * - on error asks `classify`: `permanent` rethrows at once; `retry` waits and tries again, up to
 *   `retries` attempts in all, then rethrows the last error;
 * - the wait is exponential (`baseMs * 2^(n-1)`, capped at `maxMs`) with jitter in [d/2, d], and
 *   never shorter than a server's Retry-After;
 * - a `rateLimited` decision also pauses every other call of this pacer until the wait is over, so
 *   eight downloads that hit a quota back off together instead of hammering in turn;
 * - an aborted signal ends waiting at once and rejects with the signal's reason; no new attempt
 *   starts on an aborted signal.
 */
import { sleep } from './sleep.ts';

export type RetryDecision =
  | { action: 'permanent' }
  | {
      action: 'retry';
      /** Short reason for logs, e.g. `403 userRateLimitExceeded`. */
      reason: string;
      /** The server's Retry-After in ms, when it sent one. */
      retryAfterMs?: number;
      /** True for quota/rate-limit answers: every caller of this pacer waits. */
      rateLimited?: boolean;
    };

export interface PacerOptions {
  /** Attempts per call, the first included (>= 1). */
  retries: number;
  baseMs: number;
  maxMs: number;
  /** Longest Retry-After honoured; longer ones are cut to this. */
  maxRetryAfterMs?: number;
  random?: () => number;
  onRetry?: (info: { what: string; attempt: number; delayMs: number; reason: string }) => void;
}

export interface PacerStats {
  calls: number;
  retries: number;
  rateLimited: number;
}

export class Pacer {
  readonly #opts: Required<Omit<PacerOptions, 'onRetry'>> & Pick<PacerOptions, 'onRetry'>;
  #pausedUntil = 0;
  readonly stats: PacerStats = { calls: 0, retries: 0, rateLimited: 0 };

  constructor(opts: PacerOptions) {
    if (!Number.isInteger(opts.retries) || opts.retries < 1) {
      throw new TypeError(`Expected \`retries\` to be an integer >= 1, got \`${opts.retries}\``);
    }
    this.#opts = {
      maxRetryAfterMs: 10 * 60_000,
      random: Math.random,
      ...opts,
    };
  }

  /** The delay before attempt `attempt + 1`, given the decision for attempt `attempt` (1-based). */
  delayFor(attempt: number, decision: Extract<RetryDecision, { action: 'retry' }>): number {
    const { baseMs, maxMs, maxRetryAfterMs, random } = this.#opts;
    const exp = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
    const jittered = exp / 2 + (random() * exp) / 2;
    const floor = Math.min(decision.retryAfterMs ?? 0, maxRetryAfterMs);
    return Math.round(Math.max(jittered, floor));
  }

  async call<T>(
    what: string,
    fn: (attempt: number) => Promise<T>,
    classify: (err: unknown) => RetryDecision,
    signal?: AbortSignal,
  ): Promise<T> {
    this.stats.calls++;
    for (let attempt = 1; ; attempt++) {
      await this.#waitForPause(signal);
      signal?.throwIfAborted();
      try {
        return await fn(attempt);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        const decision = classify(err);
        if (decision.action === 'permanent' || attempt >= this.#opts.retries) throw err;
        const delayMs = this.delayFor(attempt, decision);
        this.stats.retries++;
        if (decision.rateLimited) {
          this.stats.rateLimited++;
          this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + delayMs);
        }
        this.#opts.onRetry?.({ what, attempt, delayMs, reason: decision.reason });
        await sleep(delayMs, signal);
      }
    }
  }

  async #waitForPause(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.#pausedUntil - Date.now();
      if (wait <= 0) return;
      await sleep(wait, signal);
    }
  }
}

/** Parses a Retry-After header (delta-seconds or an HTTP date) into ms; undefined when absent or invalid. */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
