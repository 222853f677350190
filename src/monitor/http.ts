/**
 * One small HTTP request to a monitoring endpoint (Pushgateway, ping URL), with a short timeout and
 * one retry, through the pacer as every remote call. Monitoring must never hold a pass up for
 * long nor change its outcome: callers turn a rejection into a warning.
 *
 * A URL may carry basic-auth credentials (`https://user:pass@host/`): fetch refuses those, so they
 * move to an Authorization header. Messages name the endpoint by its origin and path only, never
 * its credentials or query.
 */
import { RemoteError } from '../errors/errors.ts';
import { Pacer, type RetryDecision } from '../lib/pacer.ts';

export interface SendOptions {
  method: 'GET' | 'POST' | 'PUT';
  body?: string;
  contentType?: string;
  /** Per attempt; default 10 s. */
  timeoutMs?: number;
  /** Attempts in all; default 2 (one retry). */
  attempts?: number;
  /** Pause before the retry (at most; the pacer's jitter may halve it); default 1 s. */
  retryDelayMs?: number;
}

/** A monitoring request that failed: its status when the endpoint answered. */
export class MonitorHttpError extends RemoteError {
  constructor(message: string, status?: number, cause?: unknown) {
    super(message, { ...(status === undefined ? {} : { status }), cause });
    this.name = 'MonitorHttpError';
  }
}

/** A 4xx other than 408/429 says the request itself is wrong: a retry cannot help. */
export function classifyMonitorError(err: unknown): RetryDecision {
  const s = (err as { status?: number }).status;
  if (s !== undefined && s >= 400 && s < 500 && s !== 408 && s !== 429) {
    return { action: 'permanent' };
  }
  return { action: 'retry', reason: s === undefined ? 'no answer' : `HTTP ${s}` };
}

/** `https://host:port/path`, without credentials or query: fit for logs. */
export function describeEndpoint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}

/** Resolves when an attempt got a 2xx answer; rejects with MonitorHttpError after the last one. */
export async function send(url: string, opts: SendOptions): Promise<void> {
  const delay = opts.retryDelayMs ?? 1000;
  const pacer = new Pacer({
    retries: Math.max(1, opts.attempts ?? 2),
    baseMs: delay,
    maxMs: delay,
  });
  await pacer.call(
    `${opts.method} ${describeEndpoint(url)}`,
    () => sendOnce(url, opts),
    classifyMonitorError,
  );
}

async function sendOnce(url: string, opts: SendOptions): Promise<void> {
  const where = `${opts.method} ${describeEndpoint(url)}`;
  let target: URL;
  try {
    target = new URL(url);
  } catch (err) {
    throw new MonitorHttpError(`${where}: not a valid URL`, undefined, err);
  }
  const headers: Record<string, string> = { 'user-agent': 'gphotos-sync' };
  if (opts.contentType !== undefined) headers['content-type'] = opts.contentType;
  if (target.username !== '' || target.password !== '') {
    const user = decodeURIComponent(target.username);
    const pass = decodeURIComponent(target.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  let res: Response;
  try {
    res = await fetch(target, {
      method: opts.method,
      headers,
      ...(opts.body === undefined ? {} : { body: opts.body }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      redirect: 'follow',
    });
  } catch (err) {
    throw new MonitorHttpError(`${where} failed: ${networkReason(err)}`, undefined, err);
  }
  // Drain the body so the connection can be reused or closed; its content is not needed.
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    const detail = text.trim().split('\n')[0]?.slice(0, 200) ?? '';
    throw new MonitorHttpError(
      `${where} answered HTTP ${res.status}${detail ? `: ${detail}` : ''}`,
      res.status,
    );
  }
}

function networkReason(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  const code = e.cause?.code;
  if (typeof code === 'string') return code;
  return e.cause?.message ?? (err instanceof Error ? err.message : String(err));
}
