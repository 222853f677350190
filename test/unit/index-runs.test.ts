// The runs table on the backend of this run (server Postgres with TEST_DATABASE_URL, else PGlite).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runQuery } from '../../src/index/query.ts';
import { ABANDONED_ERROR, RunsRepo, type RunOutcome } from '../../src/index/runs-repo.ts';
import { testIndex, type TestIndex } from '../helpers/db.ts';

let ti: TestIndex;
before(async () => {
  ti = await testIndex();
});
after(() => ti.cleanup());

const outcome = (over: Partial<RunOutcome> = {}): RunOutcome => ({
  account: 'x',
  indexed: 104_211,
  downloaded: 312,
  adopted: 0,
  present: 103_650,
  skipped: 249,
  failed: 0,
  // Above 2^32: bigint comes back as a string from pg and must still be a number.
  bytes: 5_000_000_000,
  durationSeconds: 41.2,
  requests: 431,
  retries: 2,
  peakRssMb: 160,
  exitCode: 0,
  ...over,
});

test('a run is a row from its start, completed at its end', async () => {
  const repo = new RunsRepo(ti.db.knex, 'one');
  const t0 = new Date('2026-01-01T03:00:00Z');
  const id = await repo.start({ host: 'pod-1', pid: 42 }, t0);
  assert.ok(Number.isInteger(id) && id > 0);

  const [running] = await repo.latest();
  assert.equal(running?.id, id);
  assert.deepEqual(running?.startedAt, t0);
  assert.equal(running?.finishedAt, null);
  assert.equal(running?.exitCode, null);
  assert.equal(running?.host, 'pod-1');
  assert.equal(running?.pid, 42);

  const t1 = new Date('2026-01-01T03:00:41Z');
  await repo.finish(id, outcome(), t1);
  const [done] = await repo.latest();
  assert.deepEqual(done?.finishedAt, t1);
  assert.equal(done?.exitCode, 0);
  assert.equal(done?.error, null);
  assert.equal(done?.indexed, 104_211);
  assert.equal(done?.downloaded, 312);
  assert.equal(done?.failed, 0);
  assert.equal(done?.bytes, 5_000_000_000);
  assert.equal(done?.durationSeconds, 41.2);
  assert.equal(done?.summary?.peakRssMb, 160);
  assert.equal(done?.summary?.requests, 431);
});

test('a failed run keeps its exit code and error; SQL reads the history', async () => {
  const repo = new RunsRepo(ti.db.knex, 'two');
  const a = await repo.start({ host: 'h', pid: 1 }, new Date('2026-02-01T00:00:00Z'));
  await repo.finish(a, outcome({ exitCode: 0 }), new Date('2026-02-01T00:01:00Z'));
  const b = await repo.start({ host: 'h', pid: 2 }, new Date('2026-02-02T00:00:00Z'));
  await repo.finish(
    b,
    outcome({ exitCode: 4, error: 'Google refused the refresh token (invalid_grant)' }),
    new Date('2026-02-02T00:00:05Z'),
  );
  const rows = await repo.latest();
  assert.deepEqual(
    rows.map((r) => [r.id, r.exitCode, r.error]),
    [
      [b, 4, 'Google refused the refresh token (invalid_grant)'],
      [a, 0, null],
    ],
  );
  const { rows: sql } = await runQuery(
    ti.db,
    "SELECT exit_code, summary->>'peakRssMb' AS rss FROM runs WHERE account = 'two' ORDER BY started_at",
  );
  assert.deepEqual(
    sql.map((r) => [Number(r.exit_code), r.rss]),
    [
      [0, '160'],
      [4, '160'],
    ],
  );
});

test('starting a run marks the unfinished runs of the account as abandoned, not others', async () => {
  const repo = new RunsRepo(ti.db.knex, 'three');
  const other = new RunsRepo(ti.db.knex, 'three-other');
  const killed = await repo.start({ host: 'h', pid: 10 }, new Date('2026-03-01T00:00:00Z'));
  const otherRunning = await other.start({ host: 'h', pid: 11 }, new Date('2026-03-01T00:00:00Z'));
  const next = await repo.start({ host: 'h', pid: 12 }, new Date('2026-03-02T00:00:00Z'));

  const rows = await repo.latest();
  assert.deepEqual(
    rows.map((r) => [r.id, r.finishedAt, r.error]),
    [
      [next, null, null],
      [killed, null, ABANDONED_ERROR],
    ],
  );
  assert.equal((await other.latest())[0]?.id, otherRunning);
  assert.equal((await other.latest())[0]?.error, null);
  assert.equal((await repo.latest(1)).length, 1);
});

test('finishing an id of another account changes nothing', async () => {
  const mine = new RunsRepo(ti.db.knex, 'four');
  const theirs = new RunsRepo(ti.db.knex, 'four-other');
  const id = await mine.start({ host: 'h', pid: 1 });
  await theirs.finish(id, outcome({ exitCode: 1 }));
  assert.equal((await mine.latest())[0]?.finishedAt, null);
});
