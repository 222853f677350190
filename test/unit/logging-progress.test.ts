import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/logging/logger.ts';
import { Progress, formatBytes, formatDuration } from '../../src/logging/progress.ts';

function sink(columns?: number) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    }),
    { columns },
  );
  return { stream, chunks };
}

function jsonLines(chunks: string[]): Record<string, unknown>[] {
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('a progress line has every field, with rates and ETA from a fake clock', () => {
  let now = 1_000_000;
  const out = sink();
  const logger = createLogger({ level: 'info', format: 'json', account: 'a', stream: out.stream });
  const p = new Progress({ now: () => now });
  p.indexed = 100;
  now += 4000;
  assert.equal(p.snapshot().rate, 25);
  p.setPhase('download');
  p.toDownload = 10;
  p.bytesPlanned = 10_000;
  p.downloaded = 3;
  p.skipped = 1;
  p.bytes = 4000;
  now += 2000;
  p.tick(logger);
  const [line] = jsonLines(out.chunks);
  assert.equal(line?.msg, 'progress');
  assert.equal(line?.account, 'a');
  const { level: _l, time: _t, account: _a, msg: _m, ...fields } = line ?? {};
  assert.deepEqual(fields, {
    phase: 'download',
    indexed: 100,
    downloaded: 3,
    toDownload: 10,
    skipped: 1,
    failed: 0,
    bytes: 4000,
    rate: 1.5,
    bytesPerSecond: 2000,
    etaSeconds: 3,
  });
});

test('start emits lines on the interval and stop ends them; 0 means off', async () => {
  const out = sink();
  const logger = createLogger({ level: 'info', format: 'json', account: 'a', stream: out.stream });
  const p = new Progress();
  p.start(logger, 0, false);
  await sleep(30);
  assert.equal(out.chunks.length, 0);
  p.start(logger, 0.01, false);
  await sleep(60);
  p.stop();
  const count = out.chunks.length;
  assert.ok(count >= 2, `expected lines, got ${count}`);
  assert.ok(jsonLines(out.chunks).every((l) => l.msg === 'progress' && l.phase === 'index'));
  await sleep(30);
  assert.equal(out.chunks.length, count, 'no lines after stop');
});

test('on a TTY: a width-aware bar on stderr instead of log lines, cleared at stop', async () => {
  const log = sink();
  const logger = createLogger({ level: 'info', format: 'json', account: 'a', stream: log.stream });
  const err = sink(40);
  const p = new Progress({ stderr: err.stream });
  p.setPhase('download');
  p.toDownload = 4;
  p.downloaded = 2;
  p.bytes = 2048;
  p.start(logger, 0.01, true);
  await sleep(40);
  p.stop();
  assert.equal(log.chunks.length, 0, 'no log lines on a TTY');
  const draws = err.chunks.slice(0, -1);
  assert.ok(draws.length >= 1);
  for (const d of draws) {
    assert.ok(d.startsWith('\r\x1b[2K'));
    const visible = d.slice('\r\x1b[2K'.length);
    assert.ok(visible.length < 40, `fits the width: ${JSON.stringify(visible)}`);
    assert.match(visible, /^\[#+\.+\] 2\/4 2\.0KB/);
  }
  assert.equal(err.chunks.at(-1), '\r\x1b[2K', 'cleared at stop');
});

test('the timer does not keep the process alive', () => {
  const progress = new URL('../../src/logging/progress.ts', import.meta.url).href;
  const logger = new URL('../../src/logging/logger.ts', import.meta.url).href;
  const script = `
    import { Progress } from ${JSON.stringify(progress)};
    import { createLogger } from ${JSON.stringify(logger)};
    new Progress().start(createLogger({ level: 'info', format: 'json', account: 'a' }), 60, false);`;
  const started = Date.now();
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 });
  assert.ok(Date.now() - started < 10_000);
});

test('formatting helpers', () => {
  assert.equal(formatBytes(512), '512B');
  assert.equal(formatBytes(1536), '1.5KB');
  assert.equal(formatDuration(59), '59s');
  assert.equal(formatDuration(61), '1m01s');
  assert.equal(formatDuration(3700), '1h01m');
});

test('a pretty log line wipes the terminal bar first, so the two never share a line', () => {
  const bar = sink(80);
  const out = sink();
  const logger = createLogger({
    level: 'info',
    format: 'pretty',
    account: 'a',
    stream: out.stream,
    isTTY: true,
  });
  const p = new Progress({ stderr: bar.stream });
  p.start(logger, 5, true);
  p.setPhase('download');
  p.toDownload = 10;
  p.downloaded = 3;
  p.tick(logger);
  assert.match(bar.chunks.at(-1) ?? '', /3\/10/);
  logger.info('something happened');
  assert.equal(bar.chunks.at(-1), '\r\x1b[2K', 'the bar was wiped before the log line');
  assert.match(out.chunks.join(''), /something happened/);
  p.stop();
  // Already wiped: stopping writes nothing more.
  assert.equal(bar.chunks.filter((c) => c === '\r\x1b[2K').length, 1);
});
