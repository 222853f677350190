/**
 * Monitoring of real passes, on the index backend of this run (server Postgres with
 * TEST_DATABASE_URL, else the embedded index): the runs table read back through
 * `gphotos-sync query`, and the Pushgateway and ping requests received by a small node:http
 * server in the test that records them.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import path from 'node:path';
import { openIndex } from '../../src/index/db.ts';
import { ABANDONED_ERROR } from '../../src/index/runs-repo.ts';
import { LibraryBuilder, type Library } from '../fakes/google/library.ts';
import { collect, runCli, startCli, type RunResult } from '../helpers/cli.ts';
import { world, type World } from '../helpers/pass.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function recorder() {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.end('OK');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

function library(n = 3): Library {
  const b = new LibraryBuilder();
  const y = b.folder('2020', b.folder('Google Photos'));
  for (let i = 0; i < n; i++)
    b.photo(`IMG_${String(i).padStart(4, '0')}.jpg`, y, { size: 3000 + i });
  return b.build();
}

interface RunRecord {
  id: number;
  account: string;
  started_at: string;
  finished_at: string | null;
  exit_code: number | null;
  error: string | null;
  indexed: number | null;
  downloaded: number | null;
  bytes: number | null;
  summary: Record<string, unknown> | null;
  pid: number | null;
}

/** The runs of `account` through `gphotos-sync query` (pg gives bigints as strings: normalised). */
async function runsOf(w: World, account: string): Promise<RunRecord[]> {
  const r = await runCli(
    ['query', w.root, `SELECT * FROM runs WHERE account = '${account}' ORDER BY id`, '--json'],
    w.env,
  );
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  const num = (v: unknown) => (v === null ? null : Number(v));
  return rows.map((row) => ({
    ...(row as unknown as RunRecord),
    id: Number(row.id),
    exit_code: num(row.exit_code),
    indexed: num(row.indexed),
    downloaded: num(row.downloaded),
    bytes: num(row.bytes),
    pid: num(row.pid),
  }));
}

const out = (r: RunResult) => `exit ${r.code}\n${r.stdout.slice(-3000)}${r.stderr}`;
const ACCOUNT = 'family@nas';
const GROUP = '/pgw/metrics/job/gphotos_sync/account/family%40nas';

describe('monitoring a pass', () => {
  let rec: Awaited<ReturnType<typeof recorder>>;
  before(async () => {
    rec = await recorder();
  });
  after(() => rec.close());

  const monitorEnv = () => ({
    GPHOTOS_ACCOUNT: ACCOUNT,
    GPHOTOS_PUSHGATEWAY_URL: `${rec.url}/pgw/`,
    GPHOTOS_PING_URL: `${rec.url}/ping/3f2a9c`,
  });

  it('records each run, pings start and end, and pushes the metrics; a failed pass too', async () => {
    const w = await world(library());
    try {
      rec.seen.length = 0;
      const ok = await w.sync(['--skip-picasa'], monitorEnv());
      assert.equal(ok.code, 0, out(ok));
      assert.equal(ok.lines.at(-1)?.msg, 'sync finished', 'the summary stays the last line');

      // Ping: start, then success, paired by one run id; the body is the summary.
      const pings = rec.seen.filter((s) => s.url.startsWith('/ping/'));
      assert.deepEqual(
        pings.map((p) => [p.method, p.url.replace(/rid=[0-9a-f-]{36}$/, 'rid=RID')]),
        [
          ['POST', '/ping/3f2a9c/start?rid=RID'],
          ['POST', '/ping/3f2a9c?rid=RID'],
        ],
      );
      assert.equal(new Set(pings.map((p) => p.url.split('rid=')[1])).size, 1);
      const okBody = pings[1]?.body ?? '';
      assert.match(okBody, /^gphotos-sync pass of account family@nas: exit code 0$/m);
      assert.equal(JSON.parse(okBody.split('\n').at(-1) ?? '').downloaded, 3);

      // Pushgateway: one POST to the group of job and account, in the text format.
      const pushes = rec.seen.filter((s) => s.url.startsWith('/pgw/'));
      assert.equal(pushes.length, 1);
      assert.equal(pushes[0]?.method, 'POST');
      assert.equal(pushes[0]?.url, GROUP);
      assert.match(String(pushes[0]?.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      const metrics = pushes[0]?.body ?? '';
      assert.match(metrics, /^# TYPE gphotos_sync_last_success_timestamp_seconds gauge$/m);
      assert.match(metrics, /^gphotos_sync_last_success_timestamp_seconds \d{10}$/m);
      assert.match(metrics, /^gphotos_sync_exit_code 0$/m);
      assert.match(metrics, /^gphotos_sync_items\{kind="downloaded"\} 3$/m);
      assert.match(metrics, /^gphotos_sync_bytes_downloaded 9003$/m);
      assert.match(metrics, /^gphotos_sync_duration_seconds [0-9.]+$/m);

      // The run row.
      const [first] = await runsOf(w, ACCOUNT);
      assert.equal(first?.exit_code, 0);
      assert.equal(first?.error, null);
      assert.notEqual(first?.finished_at, null);
      assert.equal(first?.downloaded, 3);
      assert.equal(first?.indexed, 3);
      assert.equal(first?.bytes, 9003);
      assert.equal(first?.summary?.downloaded, 3);
      assert.equal(typeof first?.summary?.peakRssMb, 'number');

      // A revoked token: exit 4; the failure is pinged, pushed and recorded, with no secret.
      const token = w.emu.defaultToken();
      w.emu.revokeRefreshToken(token.refresh_token);
      rec.seen.length = 0;
      const bad = await w.sync(['--skip-picasa'], monitorEnv());
      assert.equal(bad.code, 4, out(bad));
      const fail = rec.seen.find((s) => s.url.startsWith('/ping/3f2a9c/fail?rid='));
      assert.ok(fail, JSON.stringify(rec.seen.map((s) => s.url)));
      assert.match(fail.body, /exit code 4/);
      assert.match(fail.body, /^error: .*invalid_grant/m);
      const push = rec.seen.find((s) => s.url === GROUP);
      assert.ok(push);
      assert.ok(
        !push.body.includes('gphotos_sync_last_success_timestamp_seconds'),
        'a failed pass must not replace the last success',
      );
      assert.match(push.body, /^gphotos_sync_exit_code 4$/m);
      for (const s of rec.seen) {
        assert.ok(!s.body.includes(token.refresh_token), `refresh token sent to ${s.url}`);
        assert.ok(!s.body.includes(token.client_secret), `client secret sent to ${s.url}`);
      }

      const runs = await runsOf(w, ACCOUNT);
      assert.equal(runs.length, 2);
      assert.equal(runs[1]?.exit_code, 4);
      assert.match(runs[1]?.error ?? '', /invalid_grant/);
      assert.notEqual(runs[1]?.finished_at, null);
      assert.equal(runs[1]?.summary?.exitCode, 4);
    } finally {
      await w.close();
    }
  });

  it('unreachable monitoring endpoints only warn: the exit code stays 0', async () => {
    const w = await world(library(1));
    try {
      const dead = await recorder();
      const url = dead.url;
      await dead.close();
      const r = await w.sync(['--skip-picasa'], {
        GPHOTOS_PUSHGATEWAY_URL: url,
        GPHOTOS_PING_URL: `${url}/ping`,
      });
      assert.equal(r.code, 0, out(r));
      const warnings = r.lines.filter((l) => l.level === 'warn' && l.component === 'monitor');
      assert.deepEqual(warnings.map((l) => l.msg).sort(), [
        'pushing metrics to the Pushgateway failed; the pass goes on',
        'the end ping failed; the pass goes on',
        'the start ping failed; the pass goes on',
      ]);
      assert.ok(warnings.every((l) => String(l.reason).includes('ECONNREFUSED')));
      assert.equal(r.summary?.exitCode, 0);
      assert.equal((await runsOf(w, 'default'))[0]?.exit_code, 0);
    } finally {
      await w.close();
    }
  });

  it('a run row that cannot be written only warns; the pass keeps its own error and exit code', async () => {
    const w = await world(library(1));
    try {
      // Break the table behind the index's back: the migration is recorded, the table is gone.
      const db = await openIndex({
        databaseUrl: w.env.DATABASE_URL ?? null,
        embeddedDir: path.join(w.root, '.gphotos'),
      });
      await db.knex.raw('DROP TABLE runs');
      await db.close();
      const token = w.emu.defaultToken();
      w.emu.revokeRefreshToken(token.refresh_token);
      const r = await w.sync(['--skip-picasa']);
      assert.equal(r.code, 4, out(r));
      assert.match(String(r.summary?.error), /invalid_grant/);
      const warned = r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
      assert.ok(warned.includes('recording the run in the index failed'), warned.join('\n'));
    } finally {
      await w.close();
    }
  });

  it('SIGTERM completes the run row (143); SIGKILL leaves it open, and the next pass marks it', async () => {
    const w = await world(library(4));
    try {
      // A download answered 429 with Retry-After: 300 holds the pass in a known place.
      const hold = () =>
        w.emu.faults.add({ route: 'media', kind: 'rateLimit429', retryAfterSeconds: 300 });
      const heldPass = async (signal: NodeJS.Signals) => {
        hold();
        const from = w.emu.requests.length;
        const child = startCli(['sync', w.root, '--skip-picasa', '--concurrency', '1'], {
          ...w.env,
          ...monitorEnv(),
        });
        const done = collect(child);
        for (let i = 0; i < 1200; i++) {
          if (w.emu.requests.slice(from).some((q) => q.route === 'media' && q.status === 429))
            break;
          await new Promise((r) => setTimeout(r, 25));
        }
        child.kill(signal);
        return { ...(await done), pid: child.pid };
      };

      rec.seen.length = 0;
      const term = await heldPass('SIGTERM');
      assert.equal(term.code, 143, out(term));
      let runs = await runsOf(w, ACCOUNT);
      assert.equal(runs.length, 1);
      assert.equal(runs[0]?.exit_code, 143);
      assert.notEqual(runs[0]?.finished_at, null);
      assert.ok(rec.seen.some((s) => s.url.startsWith('/ping/3f2a9c/fail?')));

      w.emu.faults.clear();
      const kill = await heldPass('SIGKILL');
      assert.equal(kill.signal, 'SIGKILL');
      runs = await runsOf(w, ACCOUNT);
      assert.equal(runs.length, 2);
      assert.equal(runs[1]?.finished_at, null, 'a killed pass leaves its row open');
      assert.equal(runs[1]?.exit_code, null);
      assert.equal(runs[1]?.error, null);
      assert.equal(runs[1]?.pid, kill.pid);

      w.emu.faults.clear();
      const next = await w.sync(['--skip-picasa'], monitorEnv());
      assert.equal(next.code, 0, out(next));
      runs = await runsOf(w, ACCOUNT);
      assert.equal(runs.length, 3);
      assert.equal(runs[1]?.finished_at, null);
      assert.equal(runs[1]?.error, ABANDONED_ERROR);
      assert.equal(runs[2]?.exit_code, 0);
    } finally {
      await w.close();
    }
  });
});
