import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import {
  createLogger,
  scrubSecrets,
  serializeError,
  summaryLine,
  usesPretty,
} from '../../src/logging/logger.ts';
import type { LoggerOptions } from '../../src/logging/logger.ts';
import { Secret } from '../../src/secrets/secret.ts';
import { SyncError } from '../../src/errors/errors.ts';

function capture(): {
  stream: Writable;
  text: () => string;
  lines: () => Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    stream,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

function jsonLogger(extra: Partial<LoggerOptions> = {}) {
  const out = capture();
  const logger = createLogger({
    level: 'trace',
    format: 'json',
    account: 'alice',
    stream: out.stream,
    ...extra,
  });
  return { logger, out };
}

const ACCESS = 'ya29.a0AfB_byCdefGhIjkLmnOP-qrs.tuv';
const REFRESH = '1//0gRefreshTokenValue_abc-XYZ';
const CLIENT_SECRET = 'GOCSPX-clientSecretValue_123';
const PLAIN = 'plainSecretWithoutPattern';

/** A GaxiosError as google-auth-library throws it for a failed token refresh. */
function gaxiosLike(): Error {
  const err = new Error('invalid_grant') as Error & Record<string, unknown>;
  err.name = 'GaxiosError';
  err.status = 400;
  err.code = '400';
  err.config = {
    url: 'https://oauth2.googleapis.com/token',
    method: 'POST',
    headers: {
      Authorization: `Bearer ${ACCESS}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    data: `refresh_token=${encodeURIComponent(REFRESH)}&client_id=cid&client_secret=${PLAIN}&grant_type=refresh_token`,
  };
  err.response = {
    status: 400,
    data: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
    config: err.config,
    headers: {},
  };
  return err;
}

function driveErrorLike(): Error {
  const err = new Error('User rate limit exceeded.') as Error & Record<string, unknown>;
  err.name = 'GaxiosError';
  err.config = { headers: { authorization: `Bearer ${ACCESS}` } };
  err.response = {
    status: 403,
    data: {
      error: { code: 403, errors: [{ reason: 'userRateLimitExceeded', domain: 'usageLimits' }] },
    },
  };
  return err;
}

function assertNoSecrets(text: string): void {
  for (const s of [
    ACCESS,
    'a0AfB_by',
    REFRESH,
    'RefreshTokenValue',
    CLIENT_SECRET,
    'clientSecretValue',
    PLAIN,
  ]) {
    assert.ok(!text.includes(s), `leaked ${s} in:\n${text}`);
  }
}

test('tokens inside logged objects never appear, at any depth', () => {
  const { logger, out } = jsonLogger();
  logger.info(
    {
      refresh_token: PLAIN,
      creds: { client_secret: PLAIN, access_token: PLAIN },
      deep: { a: { b: { c: { refresh_token: PLAIN, Authorization: PLAIN } } } },
      req: { headers: { authorization: `Bearer ${PLAIN}` } },
      token: new Secret(PLAIN),
      settings: { token: new Secret(REFRESH) },
      url: `https://example.test/cb?access_token=${PLAIN}&x=1`,
      note: `got ${ACCESS} and ${REFRESH} and ${CLIENT_SECRET}`,
      body: JSON.stringify({ refresh_token: PLAIN }),
    },
    `message with Bearer ${PLAIN}`,
  );
  const text = out.text();
  assertNoSecrets(text);
  const [line] = out.lines();
  assert.ok(line);
  assert.equal(line.refresh_token, '[redacted]');
  assert.equal((line.creds as Record<string, unknown>).client_secret, '[redacted]');
  assert.equal(line.msg, 'message with Bearer [redacted]');
  assert.match(String(line.url), /access_token=\[redacted\]&x=1/);
});

test('errors: message, stack and a nested GaxiosError do not leak; status and reason are kept', () => {
  const { logger, out } = jsonLogger();
  logger.error(new Error(`refresh failed for ${REFRESH} with ${ACCESS}`));
  logger.error({ err: gaxiosLike() }, 'token refresh failed');
  logger.warn({ error: driveErrorLike() }, 'drive call failed');
  logger.error(
    { err: new SyncError('auth', 'token revoked', { cause: gaxiosLike() }) },
    'giving up',
  );
  logger.info(
    { response: { config: (gaxiosLike() as unknown as { config: unknown }).config } },
    'raw',
  );
  const text = out.text();
  assertNoSecrets(text);
  const [first, second, third, fourth] = out.lines();
  assert.equal(
    (first?.err as Record<string, unknown>).message,
    'refresh failed for [redacted] with [redacted]',
  );
  const e2 = second?.err as Record<string, unknown>;
  assert.deepEqual(
    [e2.type, e2.status, e2.reason, e2.message],
    ['GaxiosError', 400, 'invalid_grant', 'invalid_grant'],
  );
  assert.equal(e2.config, undefined);
  assert.equal(e2.response, undefined);
  const e3 = third?.error as Record<string, unknown>;
  assert.deepEqual([e3.status, e3.reason], [403, 'userRateLimitExceeded']);
  const e4 = fourth?.err as Record<string, unknown>;
  assert.equal(e4.kind, 'auth');
  assert.equal((e4.cause as Record<string, unknown>).reason, 'invalid_grant');
});

test('serializeError and scrubSecrets work on their own', () => {
  const s = serializeError(gaxiosLike());
  assert.deepEqual(Object.keys(s).sort(), ['code', 'message', 'reason', 'stack', 'status', 'type']);
  assertNoSecrets(JSON.stringify(serializeError({ refresh_token: REFRESH })));
  assert.equal(scrubSecrets(`Authorization: Bearer ${ACCESS}`), 'Authorization: Bearer [redacted]');
  assert.equal(
    scrubSecrets('nextPageToken=abc "pageToken":"def"'),
    'nextPageToken=abc "pageToken":"def"',
  );
  assertNoSecrets(scrubSecrets(`x ${encodeURIComponent(REFRESH)} ${CLIENT_SECRET}`));
});

test('every line carries account; child loggers add component', () => {
  const { logger, out } = jsonLogger();
  logger.child({ component: 'drive' }).info({ id: 'f1' }, 'listed');
  const [line] = out.lines();
  assert.equal(line?.account, 'alice');
  assert.equal(line?.component, 'drive');
  assert.equal(line?.level, 'info');
  assert.equal(line?.msg, 'listed');
  assert.match(String(line?.time), /^\d{4}-\d\d-\d\dT/);
});

test('format selection: json, pretty, auto by TTY; level filters', () => {
  assert.equal(usesPretty('auto', true), true);
  assert.equal(usesPretty('auto', false), false);
  assert.equal(usesPretty('pretty', false), true);
  assert.equal(usesPretty('json', true), false);

  const pretty = capture();
  createLogger({
    level: 'info',
    format: 'auto',
    account: 'alice',
    stream: pretty.stream,
    isTTY: true,
  }).info({ refresh_token: PLAIN, note: ACCESS }, 'hello');
  assert.match(pretty.text(), /INFO.*hello/);
  assert.throws(() => JSON.parse(pretty.text()));
  assertNoSecrets(pretty.text());

  const json = capture();
  const logger = createLogger({
    level: 'warn',
    format: 'auto',
    account: 'alice',
    stream: json.stream,
    isTTY: false,
  });
  logger.info('dropped');
  logger.warn('kept');
  assert.deepEqual(
    json.lines().map((l) => l.msg),
    ['kept'],
  );
});

test('summaryLine writes the summary as the last line', () => {
  const { logger, out } = jsonLogger();
  logger.info('working');
  summaryLine(logger, {
    account: 'alice',
    indexed: 3,
    downloaded: 2,
    skipped: 1,
    failed: 0,
    bytes: 10,
    durationSeconds: 1.5,
    exitCode: 0,
    peakRssMb: 80,
  });
  const last = out.lines().at(-1);
  assert.equal(last?.msg, 'sync finished');
  assert.equal((last?.summary as Record<string, unknown>).downloaded, 2);
});

test('with the default stdout destination, lines written right before process.exit are not lost', () => {
  const logger = new URL('../../src/logging/logger.ts', import.meta.url).href;
  for (const format of ['json', 'pretty']) {
    const script = `
      import { createLogger, summaryLine } from ${JSON.stringify(logger)};
      const log = createLogger({ level: 'info', format: '${format}', account: 'a' });
      for (let i = 0; i < 5000; i++) log.info({ i, pad: 'x'.repeat(100) }, 'line');
      summaryLine(log, { account: 'a', indexed: 0, downloaded: 0, skipped: 0, failed: 0, bytes: 0,
        durationSeconds: 0, exitCode: 3, peakRssMb: 0 });
      process.exit(3);`;
    let stdout = '';
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        maxBuffer: 64 << 20,
      });
    } catch (err) {
      const e = err as { status: number; stdout: Buffer };
      assert.equal(e.status, 3);
      stdout = e.stdout.toString();
    }
    const finished = stdout.lastIndexOf('sync finished');
    assert.ok(finished > stdout.lastIndexOf('line'), `${format}: the summary comes last`);
    if (format === 'json') assert.match(stdout.trimEnd().split('\n').at(-1) ?? '', /sync finished/);
    assert.equal(stdout.match(/\bline\b/g)?.length, 5000, format);
  }
});
