import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pacer, parseRetryAfter, type RetryDecision } from '../../src/lib/pacer.ts';
import { classifyGoogleError, finalError } from '../../src/remote/google-errors.ts';
import { SyncError, exitCodeOf } from '../../src/errors/errors.ts';
import { RemoteError } from '../../src/remote/errors.ts';

const retry = (
  extra: Partial<Extract<RetryDecision, { action: 'retry' }>> = {},
): RetryDecision => ({
  action: 'retry',
  reason: 'test',
  ...extra,
});

/** A GaxiosError-like value: what the googleapis client rejects with. */
function gaxios(status: number, reason?: string, retryAfter?: string) {
  const err = new Error(`HTTP ${status}`) as Error & { status: number; response: unknown };
  err.status = status;
  err.response = {
    status,
    headers: new Headers(retryAfter ? { 'retry-after': retryAfter } : {}),
    data: reason
      ? {
          error: {
            code: status,
            message: reason,
            errors: [{ reason, domain: 'usageLimits', message: reason }],
          },
        }
      : '',
  };
  return err;
}

describe('pacer', () => {
  it('retries until success and counts retries', async () => {
    const p = new Pacer({ retries: 5, baseMs: 1, maxMs: 4 });
    let n = 0;
    const v = await p.call(
      'x',
      async () => {
        if (++n < 3) throw new Error('boom');
        return 42;
      },
      () => retry(),
    );
    assert.equal(v, 42);
    assert.equal(n, 3);
    assert.equal(p.stats.retries, 2);
  });

  it('gives up after `retries` attempts with the last error', async () => {
    const p = new Pacer({ retries: 3, baseMs: 1, maxMs: 2 });
    let n = 0;
    await assert.rejects(
      p.call(
        'x',
        async () => {
          throw new Error(`fail ${++n}`);
        },
        () => retry(),
      ),
      /fail 3/,
    );
    assert.equal(n, 3);
  });

  it('does not retry a permanent error', async () => {
    const p = new Pacer({ retries: 5, baseMs: 1, maxMs: 2 });
    let n = 0;
    await assert.rejects(
      p.call(
        'x',
        async () => {
          n++;
          throw new Error('no');
        },
        () => ({ action: 'permanent' }),
      ),
    );
    assert.equal(n, 1);
  });

  it('backs off exponentially with jitter in [d/2, d], capped', () => {
    const lo = new Pacer({ retries: 9, baseMs: 100, maxMs: 1000, random: () => 0 });
    const hi = new Pacer({ retries: 9, baseMs: 100, maxMs: 1000, random: () => 1 });
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((a) => lo.delayFor(a, { action: 'retry', reason: '' })),
      [50, 100, 200, 400, 500],
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((a) => hi.delayFor(a, { action: 'retry', reason: '' })),
      [100, 200, 400, 800, 1000],
    );
  });

  it('never waits less than Retry-After, but caps absurd ones', () => {
    const p = new Pacer({
      retries: 9,
      baseMs: 10,
      maxMs: 100,
      random: () => 0,
      maxRetryAfterMs: 5000,
    });
    assert.equal(p.delayFor(1, { action: 'retry', reason: '', retryAfterMs: 3000 }), 3000);
    assert.equal(p.delayFor(1, { action: 'retry', reason: '', retryAfterMs: 999_999 }), 5000);
  });

  it('a rate-limited answer pauses every other call of the pacer', async () => {
    const p = new Pacer({ retries: 3, baseMs: 150, maxMs: 150, random: () => 1 });
    let first = true;
    const t0 = Date.now();
    const a = p.call(
      'a',
      async () => {
        if (first) {
          first = false;
          throw new Error('429');
        }
        return 'a';
      },
      () => retry({ rateLimited: true }),
    );
    await new Promise((r) => setTimeout(r, 10));
    let startedB = 0;
    const b = p.call(
      'b',
      async () => {
        startedB = Date.now() - t0;
        return 'b';
      },
      () => retry(),
    );
    assert.deepEqual(await Promise.all([a, b]), ['a', 'b']);
    assert.ok(startedB >= 140, `b started after ${startedB} ms, inside the pause`);
    assert.equal(p.stats.rateLimited, 1);
  });

  it('an abort ends the wait at once and starts nothing new', async () => {
    const p = new Pacer({ retries: 5, baseMs: 10_000, maxMs: 10_000 });
    const ctl = new AbortController();
    let n = 0;
    const t0 = Date.now();
    const run = p.call(
      'x',
      async () => {
        n++;
        throw new Error('x');
      },
      () => retry(),
      ctl.signal,
    );
    setTimeout(() => ctl.abort(new Error('stop')), 20);
    await assert.rejects(run, /stop/);
    assert.equal(n, 1);
    assert.ok(Date.now() - t0 < 5000);
  });

  it('rejects a bad retries option with a uniform message', () => {
    assert.throws(
      () => new Pacer({ retries: 0, baseMs: 1, maxMs: 1 }),
      /Expected `retries` to be an integer >= 1, got `0`/,
    );
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('7'), 7000);
    assert.equal(
      parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1)),
      10_000,
    );
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});

describe("Google's shouldRetry", () => {
  it('retries 403 rate limits and 429 as rate limited, with Retry-After', () => {
    for (const reason of ['userRateLimitExceeded', 'rateLimitExceeded']) {
      const d = classifyGoogleError(gaxios(403, reason));
      assert.equal(d.action, 'retry');
      assert.equal(d.action === 'retry' && d.rateLimited, true);
    }
    const d = classifyGoogleError(gaxios(429, 'rateLimitExceeded', '3'));
    assert.deepEqual(d.action === 'retry' && [d.rateLimited, d.retryAfterMs], [true, 3000]);
  });

  it('retries 5xx, 408, 401 and network errors; not other 4xx', () => {
    for (const s of [500, 502, 503, 504, 408, 401])
      assert.equal(classifyGoogleError(gaxios(s)).action, 'retry', String(s));
    for (const s of [400, 404])
      assert.equal(classifyGoogleError(gaxios(s, 'notFound')).action, 'permanent', String(s));
    assert.equal(
      classifyGoogleError(gaxios(403, 'insufficientFilePermissions')).action,
      'permanent',
    );
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    assert.equal(classifyGoogleError(new Error('fetch failed', { cause: reset })).action, 'retry');
  });

  it('daily quotas end the pass with exit 5, invalid_grant with exit 4', () => {
    for (const reason of ['dailyLimitExceeded', 'downloadQuotaExceeded']) {
      const e = gaxios(403, reason);
      assert.equal(classifyGoogleError(e).action, 'permanent');
      const f = finalError(e, 'listing');
      assert.ok(f instanceof SyncError);
      assert.equal(exitCodeOf(f), 5);
    }
    const grant = Object.assign(new Error('invalid_grant'), {
      status: 400,
      response: {
        status: 400,
        headers: new Headers(),
        data: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      },
    });
    assert.equal(classifyGoogleError(grant).action, 'permanent');
    const f = finalError(grant, 'listing');
    assert.equal(exitCodeOf(f), 4);
    assert.match(f.message, /invalid_grant/);
  });

  it('other final errors are RemoteErrors that name the call and the status', () => {
    const f = finalError(gaxios(404, 'notFound'), 'downloading a.jpg');
    assert.ok(f instanceof RemoteError);
    assert.equal(f.message, 'downloading a.jpg failed: HTTP 404 notFound');
    assert.equal(exitCodeOf(f), 1);
  });
});

describe("Google's shouldRetry on downloads", () => {
  it('reads the reason of an error body that arrived as text (responseType stream)', () => {
    const body = JSON.stringify({
      error: { code: 403, errors: [{ reason: 'dailyLimitExceeded' }] },
    });
    // What gaxios 8 really rejects with: the body in the message, no parsed data.
    const err = Object.assign(new Error(body), {
      status: 403,
      response: { status: 403, headers: new Headers() },
    });
    assert.equal(exitCodeOf(finalError(err, 'downloading')), 5);
    const rate = Object.assign(new Error('x'), {
      status: 403,
      response: {
        status: 403,
        headers: new Headers(),
        data: body.replace('dailyLimitExceeded', 'userRateLimitExceeded'),
      },
    });
    assert.equal(classifyGoogleError(rate).action, 'retry');
  });
});
