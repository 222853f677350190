/**
 * Monitoring of one pass from outside: a healthchecks.io-style ping URL (start, success, failure)
 * and a Prometheus Pushgateway (the pass's metrics, grouped by job and account).
 *
 * Contract: nothing here throws or changes a pass's exit code. Every request has a short timeout
 * and one retry; a failure is one warning in the log. Bodies carry the summary only: its `error`
 * is already scrubbed by the caller and is scrubbed once more here, so no token leaves the job.
 *
 * - Ping: `URL/start` when the pass starts, `URL` (success, exit 0) or `URL/fail` (any other
 *   exit code) when it ends, each with `?rid=<uuid>` so healthchecks.io pairs start and end;
 *   the end ping POSTs the summary (at most 10 KB).
 * - Pushgateway: POST to `URL/metrics/job/gphotos_sync/account/ACCOUNT`. POST replaces only the
 *   metrics of the same name in the group, so a failed pass, which does not send
 *   `gphotos_sync_last_success_timestamp_seconds`, leaves the last success in place.
 */
import { randomUUID } from 'node:crypto';
import { scrubSecrets } from '../logging/redact.ts';
import { describeEndpoint, send } from './http.ts';
import {
  EXPOSITION_CONTENT_TYPE,
  PUSH_JOB,
  pushgatewayGroupUrl,
  renderMetrics,
  type MetricsInput,
} from './metrics.ts';

export interface MonitorLog {
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface MonitorOptions {
  pushgatewayUrl: string | null;
  pingUrl: string | null;
  account: string;
  log: MonitorLog;
  /** Per request attempt; default 10 s. */
  timeoutMs?: number;
  /** Pause before the one retry; default 1 s. */
  retryDelayMs?: number;
  now?: () => Date;
}

/** The summary a pass ends with (the `sync finished` line). */
export interface MonitoredSummary extends MetricsInput {
  account: string;
  error?: string;
  [more: string]: unknown;
}

export interface PassMonitor {
  /** Sends the end ping and the metrics; resolves when both are done or given up. Never rejects. */
  finish(summary: MonitoredSummary): Promise<void>;
}

/** Ping bodies are cut to this many bytes (healthchecks.io keeps more; a summary needs less). */
export const PING_BODY_MAX_BYTES = 10 * 1024;

/** Starts monitoring a pass: sends the start ping in the background. */
export function startMonitor(opts: MonitorOptions): PassMonitor {
  const rid = randomUUID();
  const http = { timeoutMs: opts.timeoutMs ?? 10_000, retryDelayMs: opts.retryDelayMs ?? 1000 };
  const warn = (what: string, url: string, err: unknown): void =>
    opts.log.warn(
      {
        component: 'monitor',
        endpoint: describeEndpoint(url),
        reason: err instanceof Error ? err.message : String(err),
      },
      `${what} failed; the pass goes on`,
    );
  const started =
    opts.pingUrl === null
      ? Promise.resolve()
      : send(pingUrl(opts.pingUrl, '/start', rid), { method: 'POST', body: '', ...http }).catch(
          (err: unknown) => warn('the start ping', opts.pingUrl ?? '', err),
        );
  return {
    async finish(summary) {
      const jobs: Array<Promise<void>> = [];
      if (opts.pingUrl !== null) {
        const url = pingUrl(opts.pingUrl, summary.exitCode === 0 ? '' : '/fail', rid);
        // The end ping must not overtake the start ping.
        jobs.push(
          started
            .then(() =>
              send(url, {
                method: 'POST',
                body: pingBody(summary),
                contentType: 'text/plain; charset=utf-8',
                ...http,
              }),
            )
            .catch((err: unknown) => warn('the end ping', url, err)),
        );
      }
      if (opts.pushgatewayUrl !== null) {
        const url = pushgatewayGroupUrl(opts.pushgatewayUrl, PUSH_JOB, {
          account: summary.account,
        });
        const body = renderMetrics(summary, (opts.now ?? (() => new Date()))());
        jobs.push(
          send(url, { method: 'POST', body, contentType: EXPOSITION_CONTENT_TYPE, ...http })
            .then(() => opts.log.debug({ component: 'monitor' }, 'pushed metrics'))
            .catch((err: unknown) => warn('pushing metrics to the Pushgateway', url, err)),
        );
      }
      await Promise.all(jobs);
    },
  };
}

/** `URL` + suffix in its path, its query kept, plus `rid`. */
export function pingUrl(base: string, suffix: '' | '/start' | '/fail', rid: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${suffix}`;
  url.searchParams.set('rid', rid);
  return url.toString();
}

/** A headline, the error, then the summary as JSON; cut to PING_BODY_MAX_BYTES of UTF-8. */
export function pingBody(summary: MonitoredSummary): string {
  const lines = [
    `gphotos-sync pass of account ${summary.account}: exit code ${summary.exitCode}`,
    ...(summary.error === undefined ? [] : [`error: ${summary.error}`]),
    JSON.stringify(summary),
  ];
  return truncateUtf8(scrubSecrets(lines.join('\n')), PING_BODY_MAX_BYTES);
}

export function truncateUtf8(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  const marker = '\n[truncated]';
  let end = maxBytes - Buffer.byteLength(marker);
  // Back up to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${buf.subarray(0, end).toString('utf8')}${marker}`;
}
