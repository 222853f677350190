// Monitoring: the exposition text, the Pushgateway and ping URLs, and the HTTP behaviour (retry,
// no retry on 4xx, timeout, basic auth) against a real node:http server on loopback.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { MonitorHttpError, describeEndpoint, send } from '../../src/monitor/http.ts';
import {
  EXPOSITION_CONTENT_TYPE,
  pushgatewayGroupUrl,
  renderMetrics,
  type MetricsInput,
} from '../../src/monitor/metrics.ts';
import {
  PING_BODY_MAX_BYTES,
  pingBody,
  pingUrl,
  startMonitor,
  truncateUtf8,
  type MonitoredSummary,
} from '../../src/monitor/monitor.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Records every request; `answer` decides the reply (default 200 "OK"). */
async function recorder(answer?: (req: Seen, n: number) => number | 'hang') {
  const seen: Seen[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      const status = answer?.(s, seen.length) ?? 200;
      if (status === 'hang') hanging.push(res);
      else res.writeHead(status).end(status === 200 ? 'OK' : `error ${status}\nmore`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const input: MetricsInput = {
  indexed: 10,
  downloaded: 4,
  adopted: 1,
  present: 5,
  skipped: 2,
  failed: 0,
  bytes: 123456,
  durationSeconds: 12.5,
  exitCode: 0,
  peakRssMb: 100,
};
const now = new Date('2026-05-01T12:00:00.900Z');

describe('exposition text', () => {
  test('a successful pass: every metric with HELP and TYPE, values, no timestamps', () => {
    const text = renderMetrics(input, now);
    assert.ok(text.endsWith('\n'));
    const lines = text.trimEnd().split('\n');
    const samples = lines.filter((l) => !l.startsWith('#'));
    // name{labels} value: two fields, the value a number (a third field would be a timestamp).
    for (const s of samples) assert.match(s, /^[a-z_]+(\{[a-z_]+="[^"]*"\})? -?[0-9.e+]+$/, s);
    const names = new Set(samples.map((s) => s.split(/[{ ]/)[0]));
    for (const name of names) {
      assert.ok(lines.includes(`# TYPE ${name} gauge`), `TYPE of ${name}`);
      assert.ok(
        lines.some((l) => l.startsWith(`# HELP ${name} `)),
        `HELP of ${name}`,
      );
      // HELP and TYPE come right before the samples of their family.
      const first = lines.findIndex((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
      assert.equal(lines[first - 1], `# TYPE ${name} gauge`);
    }
    assert.ok(samples.includes('gphotos_sync_last_success_timestamp_seconds 1777636800'));
    assert.ok(samples.includes('gphotos_sync_last_run_timestamp_seconds 1777636800'));
    assert.ok(samples.includes('gphotos_sync_exit_code 0'));
    assert.ok(samples.includes('gphotos_sync_duration_seconds 12.5'));
    assert.ok(samples.includes('gphotos_sync_bytes_downloaded 123456'));
    assert.ok(samples.includes('gphotos_sync_items{kind="indexed"} 10'));
    assert.ok(samples.includes('gphotos_sync_items{kind="downloaded"} 4'));
    assert.ok(samples.includes('gphotos_sync_items{kind="failed"} 0'));
    assert.ok(samples.includes('gphotos_sync_items{kind="goneNoticed"} 0'));
    assert.ok(samples.includes(`gphotos_sync_peak_rss_bytes ${100 * 1024 * 1024}`));
    assert.ok(!/\bjob=|\baccount=/.test(text), 'grouping labels belong in the URL');
  });

  test('a failed pass leaves out the last success timestamp', () => {
    const text = renderMetrics({ ...input, exitCode: 4 }, now);
    assert.ok(!text.includes('gphotos_sync_last_success_timestamp_seconds'));
    assert.match(text, /^gphotos_sync_exit_code 4$/m);
    assert.match(text, /^gphotos_sync_last_run_timestamp_seconds 1777636800$/m);
  });
});

describe('URLs', () => {
  test('the Pushgateway group is job and account, encoded', () => {
    assert.equal(
      pushgatewayGroupUrl('http://pgw:9091', 'gphotos_sync', { account: 'default' }),
      'http://pgw:9091/metrics/job/gphotos_sync/account/default',
    );
    assert.equal(
      pushgatewayGroupUrl('https://mon.example/pushgateway/', 'gphotos_sync', {
        account: 'me@example.com',
      }),
      'https://mon.example/pushgateway/metrics/job/gphotos_sync/account/me%40example.com',
    );
    assert.equal(
      pushgatewayGroupUrl('http://pgw:9091/', 'gphotos_sync', { account: 'a/b' }),
      `http://pgw:9091/metrics/job/gphotos_sync/account@base64/${Buffer.from('a/b').toString('base64url')}`,
    );
    assert.equal(
      pushgatewayGroupUrl('http://pgw:9091', 'gphotos_sync', { account: '' }),
      'http://pgw:9091/metrics/job/gphotos_sync/account@base64/=',
    );
  });

  test('ping URLs keep their path and query and carry the run id', () => {
    assert.equal(
      pingUrl('https://hc-ping.com/5d0f/', '/start', 'r1'),
      'https://hc-ping.com/5d0f/start?rid=r1',
    );
    assert.equal(pingUrl('https://hc-ping.com/5d0f', '', 'r1'), 'https://hc-ping.com/5d0f?rid=r1');
    assert.equal(
      pingUrl('https://hc.example/ping/key/slug?create=1', '/fail', 'r1'),
      'https://hc.example/ping/key/slug/fail?create=1&rid=r1',
    );
  });

  test('endpoints in messages lose credentials and query', () => {
    assert.equal(
      describeEndpoint('https://user:pw@pgw.example:9091/x?token=abc'),
      'https://pgw.example:9091/x',
    );
  });
});

describe('ping body', () => {
  const summary: MonitoredSummary = { account: 'a', ...input, exitCode: 4, error: 'refused' };

  test('headline, error and the summary as JSON; tokens scrubbed', () => {
    const body = pingBody({ ...summary, error: 'bad "refresh_token":"1//secret-value"' });
    const [head, err, json] = body.split('\n');
    assert.equal(head, 'gphotos-sync pass of account a: exit code 4');
    assert.match(err ?? '', /^error: /);
    assert.ok(!body.includes('1//secret-value'));
    assert.equal((JSON.parse(json ?? '') as { exitCode: number }).exitCode, 4);
  });

  test('at most 10 KB, cut on a UTF-8 boundary', () => {
    const body = pingBody({ ...summary, error: 'é'.repeat(20_000) });
    assert.ok(Buffer.byteLength(body) <= PING_BODY_MAX_BYTES);
    assert.ok(body.endsWith('\n[truncated]'));
    assert.ok(!body.includes('\uFFFD'), 'no broken character');
    assert.equal(truncateUtf8('short', 100), 'short');
    const cut = truncateUtf8('aé'.repeat(100), 40);
    assert.ok(Buffer.byteLength(cut) <= 40);
    assert.ok(!cut.includes('\uFFFD'));
  });
});

describe('send', () => {
  test('retries once after a 5xx, then succeeds', async () => {
    const r = await recorder((_s, n) => (n === 1 ? 503 : 200));
    try {
      await send(`${r.url}/x`, { method: 'POST', body: 'b', retryDelayMs: 1 });
      assert.equal(r.seen.length, 2);
      assert.deepEqual(
        r.seen.map((s) => [s.method, s.url, s.body]),
        [
          ['POST', '/x', 'b'],
          ['POST', '/x', 'b'],
        ],
      );
    } finally {
      await r.close();
    }
  });

  test('gives up after the retry with the status and the first line of the answer', async () => {
    const r = await recorder(() => 500);
    try {
      const err = await send(`${r.url}/x`, { method: 'PUT', retryDelayMs: 1 }).then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e as MonitorHttpError,
      );
      assert.ok(err instanceof MonitorHttpError);
      assert.equal(err.status, 500);
      assert.equal(err.message, `PUT ${r.url}/x answered HTTP 500: error 500`);
      assert.equal(r.seen.length, 2);
    } finally {
      await r.close();
    }
  });

  test('a 400 is not retried', async () => {
    const r = await recorder(() => 400);
    try {
      await assert.rejects(send(`${r.url}/x`, { method: 'POST', retryDelayMs: 1 }), /HTTP 400/);
      assert.equal(r.seen.length, 1);
    } finally {
      await r.close();
    }
  });

  test('a server that never answers times out, twice', async () => {
    const r = await recorder(() => 'hang');
    try {
      await assert.rejects(
        send(`${r.url}/x`, { method: 'POST', timeoutMs: 200, retryDelayMs: 1 }),
        /timed out/,
      );
      assert.equal(r.seen.length, 2);
    } finally {
      await r.close();
    }
  });

  test('a closed port is a connection error', async () => {
    const r = await recorder();
    const url = r.url;
    await r.close();
    await assert.rejects(send(`${url}/x`, { method: 'POST', retryDelayMs: 1 }), /ECONNREFUSED/);
  });

  test('credentials in the URL become basic auth and never reach the message', async () => {
    const r = await recorder(() => 401);
    try {
      const base = r.url.replace('http://', 'http://us%40er:p%3Ass@');
      const err = await send(`${base}/x`, { method: 'POST', retryDelayMs: 1 }).then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e as Error,
      );
      assert.equal(
        r.seen[0]?.headers.authorization,
        `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`,
      );
      assert.ok(!err.message.includes('p:ss') && !err.message.includes('p%3Ass'));
    } finally {
      await r.close();
    }
  });
});

describe('startMonitor', () => {
  let r: Awaited<ReturnType<typeof recorder>>;
  before(async () => {
    r = await recorder();
  });
  after(() => r.close());

  const warnings: string[] = [];
  const log = {
    warn: (obj: object, msg?: string) => warnings.push(`${msg} ${JSON.stringify(obj)}`),
    debug: () => undefined,
  };

  test('a successful pass: start, success ping, and a POST of the metrics', async () => {
    r.seen.length = 0;
    const mon = startMonitor({
      pushgatewayUrl: `${r.url}/pgw/`,
      pingUrl: `${r.url}/ping/uuid`,
      account: 'me@example.com',
      log,
      now: () => now,
    });
    await mon.finish({ account: 'me@example.com', ...input });
    const pings = r.seen.filter((s) => s.url.startsWith('/ping/'));
    assert.equal(pings.length, 2);
    const [start, end] = pings;
    const rid = new URL(`http://x${start?.url}`).searchParams.get('rid');
    assert.match(rid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(start?.url, `/ping/uuid/start?rid=${rid}`);
    assert.equal(end?.url, `/ping/uuid?rid=${rid}`);
    assert.equal(end?.method, 'POST');
    assert.match(end?.body ?? '', /exit code 0/);
    const push = r.seen.find((s) => s.url.startsWith('/pgw/'));
    assert.equal(push?.method, 'POST');
    assert.equal(push?.url, '/pgw/metrics/job/gphotos_sync/account/me%40example.com');
    assert.equal(push?.headers['content-type'], EXPOSITION_CONTENT_TYPE);
    assert.equal(push?.body, renderMetrics(input, now));
    assert.deepEqual(warnings, []);
  });

  test('a failed pass: fail ping with the error, metrics without the last success', async () => {
    r.seen.length = 0;
    const mon = startMonitor({
      pushgatewayUrl: `${r.url}/pgw`,
      pingUrl: `${r.url}/ping/uuid`,
      account: 'a',
      log,
    });
    await mon.finish({ account: 'a', ...input, exitCode: 3, error: '2 item(s) failed' });
    const end = r.seen.find((s) => s.url.startsWith('/ping/uuid/fail?rid='));
    assert.match(end?.body ?? '', /^error: 2 item\(s\) failed$/m);
    const push = r.seen.find((s) => s.url.startsWith('/pgw/'));
    assert.ok(!push?.body.includes('last_success'));
    assert.match(push?.body ?? '', /^gphotos_sync_exit_code 3$/m);
  });

  test('unreachable endpoints only warn, and finish still resolves', async () => {
    const dead = await recorder();
    const url = dead.url;
    await dead.close();
    warnings.length = 0;
    const mon = startMonitor({
      pushgatewayUrl: url,
      pingUrl: `${url}/ping`,
      account: 'a',
      log,
      retryDelayMs: 1,
    });
    await mon.finish({ account: 'a', ...input });
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.ok(warnings.some((w) => w.startsWith('the start ping failed')));
    assert.ok(warnings.some((w) => w.startsWith('the end ping failed')));
    assert.ok(warnings.some((w) => w.startsWith('pushing metrics to the Pushgateway failed')));
    assert.ok(warnings.every((w) => w.includes('ECONNREFUSED')));
  });

  test('nothing configured: no requests', async () => {
    r.seen.length = 0;
    await startMonitor({ pushgatewayUrl: null, pingUrl: null, account: 'a', log }).finish({
      account: 'a',
      ...input,
    });
    assert.equal(r.seen.length, 0);
  });
});
