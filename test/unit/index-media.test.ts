import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SyncError } from '../../src/errors/errors.ts';
import type { IndexDb } from '../../src/index/db.ts';
import { MediaRepo, type ListedMediaRow, type MediaRow } from '../../src/index/media-repo.ts';
import { runQuery } from '../../src/index/query.ts';
import { testIndex, type TestIndex } from '../helpers/db.ts';

// One index for the file; every test uses its own account, which the repository scopes to.
let ti: TestIndex;
let db: IndexDb;
before(async () => {
  ti = await testIndex();
  db = ti.db;
});
after(() => ti.cleanup());

function listed(i: number, over: Partial<ListedMediaRow> = {}): ListedMediaRow {
  const name = `IMG_${String(i).padStart(6, '0')}.jpg`;
  return {
    source: 'drive',
    remoteId: `id${String(i).padStart(6, '0')}`,
    folderId: 'f1',
    relPath: `drive/Google Photos/2017/${name}`,
    pathKey: `drive/google photos/2017/${name.toLowerCase()}`,
    originalName: name,
    baseName: name,
    dupNumber: 0,
    size: 1000 + i,
    md5: `md5-${i}`,
    mimeType: 'image/jpeg',
    takenTime: new Date(Date.UTC(2017, 0, 1, 0, 0, i % 60)),
    createdTime: new Date(Date.UTC(2017, 0, 2)),
    modifiedTime: null,
    state: 'pending',
    ...over,
  };
}

/** Counts the SQL statements knex sends while `fn` runs. */
async function countQueries(fn: () => Promise<void>): Promise<number> {
  let n = 0;
  const onQuery = (): void => {
    n++;
  };
  db.knex.on('query', onQuery);
  try {
    await fn();
  } finally {
    db.knex.off('query', onQuery);
  }
  return n;
}

test(
  '100k rows: upsert is set-based (statements counted; its time is printed, `npm run bench` measures it), iterate pages by 5,000 in remote_id order',
  { timeout: 300_000 },
  async () => {
    const repo = new MediaRepo(db.knex, 'big');
    const rows = Array.from({ length: 100_000 }, (_, i) => listed(i));
    const t0 = Date.now();
    const inserts = await countQueries(() => repo.upsertListed(rows, new Date()));
    const insertMs = Date.now() - t0;
    // 100 INSERTs of 1,000 rows (one array per column), plus BEGIN/COMMIT.
    assert.ok(inserts >= 100 && inserts <= 105, `statements: ${inserts}`);

    const t1 = Date.now();
    const updates = await countQueries(() => repo.upsertListed(rows, new Date()));
    assert.ok(updates <= 105, `statements: ${updates}`);
    const updateMs = Date.now() - t1;

    const pages: number[] = [];
    let prev = '';
    let total = 0;
    for await (const page of repo.iterate('drive')) {
      pages.push(page.length);
      for (const r of page) {
        assert.ok(r.remoteId > prev, `order at ${r.remoteId}`);
        prev = r.remoteId;
      }
      total += page.length;
    }
    assert.equal(total, 100_000);
    assert.deepEqual(
      pages,
      Array.from({ length: 20 }, () => 5000),
    );
    assert.deepEqual(await repo.countByState('drive'), {
      pending: 100_000,
      done: 0,
      failed: 0,
      skipped: 0,
      gone: 0,
      restricted: 0,
    });

    const t2 = Date.now();
    const marks = await countQueries(() =>
      repo.markMany(
        rows.map((r) => ({
          source: 'drive',
          remoteId: r.remoteId,
          state: 'done',
          downloadedAt: new Date(),
        })),
      ),
    );
    assert.ok(marks <= 55, `statements: ${marks}`);
    assert.deepEqual(await repo.countByState(), {
      pending: 0,
      done: 100_000,
      failed: 0,
      skipped: 0,
      gone: 0,
      restricted: 0,
    });
    console.log(
      `# ${db.backend}: upsert 100k ${insertMs} ms, re-upsert ${updateMs} ms, markMany ${Date.now() - t2} ms`,
    );
  },
);

test('rows round-trip with their types', async () => {
  const repo = new MediaRepo(db.knex, 'types');
  const row = listed(1, {
    size: 5_000_000_000,
    folderId: null,
    modifiedTime: new Date('2020-02-03T04:05:06.789Z'),
    listingHash: 'h1',
  });
  await repo.upsertListed([row], new Date());
  const [got] = await repo.all('drive');
  const expected: MediaRow = {
    ...row,
    listingHash: 'h1',
    state: 'pending',
    error: null,
    attempts: 0,
    downloadedAt: null,
    movedFrom: null,
    sha256: null,
    restriction: null,
  };
  assert.deepEqual(got, expected);
  const [brief] = (await repo.iterateBrief('drive').next()).value ?? [];
  assert.deepEqual(brief, {
    remoteId: row.remoteId,
    relPath: row.relPath,
    dupNumber: 0,
    originalName: row.originalName,
    size: 5_000_000_000,
    md5: row.md5,
    sha256: null,
    state: 'pending',
    takenTime: row.takenTime,
    createdTime: row.createdTime,
    listingHash: 'h1',
    movedFrom: null,
  });
  const [named] = (await repo.iterateNames('drive', { states: ['pending'] }).next()).value ?? [];
  assert.deepEqual(named, {
    remoteId: row.remoteId,
    relPath: row.relPath,
    originalName: row.originalName,
    size: 5_000_000_000,
  });
  assert.deepEqual(
    (await repo.iterateNames('drive', { states: ['done'] }).next()).value,
    undefined,
  );
  assert.deepEqual(await repo.all('picasa'), []);
});

test('iterate filters by state', async () => {
  const repo = new MediaRepo(db.knex, 'filter');
  await repo.upsertListed([listed(1), listed(2), listed(3, { state: 'skipped' })], new Date());
  await repo.markMany([
    { source: 'drive', remoteId: listed(2).remoteId, state: 'failed', error: 'boom' },
  ]);
  const ids = async (states: MediaRow['state'][]) => {
    const out: string[] = [];
    for await (const page of repo.iterate('drive', { states }))
      out.push(...page.map((r) => r.remoteId));
    return out;
  };
  assert.deepEqual(await ids(['pending', 'failed']), [listed(1).remoteId, listed(2).remoteId]);
  assert.deepEqual(await ids(['skipped']), [listed(3).remoteId]);
  assert.deepEqual(await ids([]), []);
});

test('markMany sets state, error, downloadedAt and attempts as documented', async () => {
  const repo = new MediaRepo(db.knex, 'mark');
  await repo.upsertListed([listed(1), listed(2), listed(3)], new Date());
  const when = new Date('2024-05-06T07:08:09.000Z');
  const fail = {
    source: 'drive' as const,
    remoteId: listed(2).remoteId,
    state: 'failed' as const,
    incrementAttempts: true,
  };
  await repo.markMany([
    { source: 'drive', remoteId: listed(1).remoteId, state: 'done', downloadedAt: when },
    { ...fail, error: 'HTTP 500' },
    { source: 'drive', remoteId: 'no-such-id', state: 'done' },
  ]);
  await repo.markMany([{ ...fail, error: 'HTTP 503' }]);
  const byId = new Map((await repo.all('drive')).map((r) => [r.remoteId, r]));
  assert.deepEqual(
    { ...byId.get(listed(1).remoteId) },
    {
      ...byId.get(listed(1).remoteId),
      state: 'done',
      downloadedAt: when,
      error: null,
      attempts: 0,
    },
  );
  const failed = byId.get(listed(2).remoteId);
  assert.equal(failed?.state, 'failed');
  assert.equal(failed?.error, 'HTTP 503');
  assert.equal(failed?.attempts, 2);
  assert.equal(byId.get(listed(3).remoteId)?.state, 'pending');
  assert.equal(byId.size, 3);

  // Omitted downloadedAt keeps it; omitted error clears it; null downloadedAt clears it.
  await repo.markMany([{ source: 'drive', remoteId: listed(1).remoteId, state: 'gone' }]);
  await repo.markMany([{ source: 'drive', remoteId: listed(2).remoteId, state: 'done' }]);
  const again = new Map((await repo.all('drive')).map((r) => [r.remoteId, r]));
  assert.deepEqual(again.get(listed(1).remoteId)?.downloadedAt, when);
  assert.equal(again.get(listed(2).remoteId)?.error, null);
  await repo.markMany([
    { source: 'drive', remoteId: listed(1).remoteId, state: 'pending', downloadedAt: null },
  ]);
  assert.equal(
    (await repo.all('drive')).find((r) => r.remoteId === listed(1).remoteId)?.downloadedAt,
    null,
  );
});

test('re-listing keeps or resets state by the documented rules', async () => {
  const repo = new MediaRepo(db.knex, 'rules');
  const first = new Date('2024-01-01T00:00:00Z');
  const ids = [1, 2, 3, 4, 5, 6, 7].map((i) => listed(i));
  await repo.upsertListed(ids, first);
  const done = new Date('2024-01-02T00:00:00Z');
  const d = (i: number) => listed(i).remoteId;
  await repo.markMany([
    { source: 'drive', remoteId: d(1), state: 'done', downloadedAt: done },
    { source: 'drive', remoteId: d(2), state: 'done', downloadedAt: done },
    { source: 'drive', remoteId: d(3), state: 'done', downloadedAt: done },
    { source: 'drive', remoteId: d(4), state: 'failed', error: 'x', incrementAttempts: true },
    { source: 'drive', remoteId: d(5), state: 'skipped' },
    { source: 'drive', remoteId: d(6), state: 'gone' },
    { source: 'drive', remoteId: d(7), state: 'done', downloadedAt: done },
  ]);
  const second = new Date('2024-02-01T00:00:00Z');
  await repo.upsertListed(
    [
      listed(1, { relPath: 'drive/renamed.jpg', pathKey: 'drive/renamed.jpg' }), // unchanged content
      listed(2, { size: 1 }), // size changed
      listed(3, { md5: null }), // md5 changed (value -> null)
      listed(4), // failed, unchanged
      listed(5), // skipped -> wanted again
      listed(6), // gone -> back
      listed(7, { state: 'skipped' }), // caller now skips it
    ],
    second,
  );
  const got = new Map((await repo.all('drive')).map((r) => [r.remoteId, r]));
  const pick = (i: number) => {
    const r = got.get(d(i));
    return {
      state: r?.state,
      error: r?.error,
      attempts: r?.attempts,
      downloadedAt: r?.downloadedAt,
    };
  };
  // Renamed: pending again, and the file is moved from where it is rather than downloaded.
  assert.deepEqual(pick(1), { state: 'pending', error: null, attempts: 0, downloadedAt: done });
  assert.equal(got.get(d(1))?.relPath, 'drive/renamed.jpg');
  assert.equal(got.get(d(1))?.movedFrom, listed(1).relPath);
  assert.deepEqual(pick(2), { state: 'pending', error: null, attempts: 0, downloadedAt: done });
  assert.equal(got.get(d(2))?.size, 1);
  assert.deepEqual(pick(3), { state: 'pending', error: null, attempts: 0, downloadedAt: done });
  assert.deepEqual(pick(4), { state: 'failed', error: 'x', attempts: 1, downloadedAt: null });
  assert.deepEqual(pick(5), { state: 'pending', error: null, attempts: 0, downloadedAt: null });
  assert.deepEqual(pick(6), { state: 'pending', error: null, attempts: 0, downloadedAt: null });
  assert.deepEqual(pick(7), { state: 'skipped', error: null, attempts: 0, downloadedAt: done });

  const seen = (await db
    .knex('media_items')
    .where({ account: 'rules', remote_id: d(1) })
    .first('first_seen_at', 'last_seen_at')) as { first_seen_at: Date; last_seen_at: Date };
  assert.deepEqual(seen, { first_seen_at: first, last_seen_at: second });
});

test('the unique path key: a clash fails the whole call, a swap in one call is fine', async () => {
  const repo = new MediaRepo(db.knex, 'paths');
  const clash = [listed(1), listed(2, { pathKey: listed(1).pathKey })];
  await assert.rejects(repo.upsertListed(clash, new Date()), (e: unknown) => {
    assert.ok(e instanceof SyncError);
    assert.equal(e.kind, 'fatal');
    assert.match(e.message, /would share one path/);
    assert.ok(e.message.includes(listed(1).pathKey), e.message);
    return true;
  });
  assert.deepEqual(await repo.all('drive'), [], 'all-or-nothing');

  // A clash spread over two chunks (rows 0 and 1,500) also rolls everything back.
  const many = Array.from({ length: 1500 }, (_, i) => listed(i));
  many.push(listed(9999, { pathKey: listed(0).pathKey }));
  await assert.rejects(repo.upsertListed(many, new Date()), SyncError);
  assert.equal((await repo.all('drive')).length, 0);

  await repo.upsertListed([listed(1), listed(2)], new Date());
  const a = listed(1);
  const b = listed(2);
  await repo.upsertListed(
    [
      { ...a, relPath: b.relPath, pathKey: b.pathKey },
      { ...b, relPath: a.relPath, pathKey: a.pathKey },
    ],
    new Date(),
  );
  const rows = await repo.all('drive');
  assert.deepEqual(
    rows.map((r) => [r.remoteId, r.pathKey]),
    [
      [a.remoteId, b.pathKey],
      [b.remoteId, a.pathKey],
    ],
  );

  // Another account may use the same path.
  await new MediaRepo(db.knex, 'paths-other').upsertListed([listed(1)], new Date());
});

test('every method is scoped to its account and sources are separate', async () => {
  const a = new MediaRepo(db.knex, 'acct-a');
  const b = new MediaRepo(db.knex, 'acct-b');
  await a.upsertListed([listed(1), listed(2, { source: 'picasa' })], new Date());
  await b.upsertListed([listed(1)], new Date());
  await b.markMany([{ source: 'drive', remoteId: listed(1).remoteId, state: 'done' }]);
  assert.equal((await a.all('drive'))[0]?.state, 'pending');
  assert.deepEqual(await a.countByState('picasa'), {
    pending: 1,
    done: 0,
    failed: 0,
    skipped: 0,
    gone: 0,
    restricted: 0,
  });
  assert.deepEqual(await a.countByState(), {
    pending: 2,
    done: 0,
    failed: 0,
    skipped: 0,
    gone: 0,
    restricted: 0,
  });
  assert.deepEqual(await b.countByState(), {
    pending: 0,
    done: 1,
    failed: 0,
    skipped: 0,
    gone: 0,
    restricted: 0,
  });
  assert.deepEqual(
    (await a.all('picasa')).map((r) => r.remoteId),
    [listed(2).remoteId],
  );
});

test('touchSeen moves last_seen_at of the named rows only, ids with quotes included', async () => {
  const repo = new MediaRepo(db.knex, 'touch');
  const t0 = new Date(Date.UTC(2020, 0, 1));
  const t1 = new Date(Date.UTC(2021, 0, 1));
  await repo.upsertListed([listed(1), listed(2), listed(3, { remoteId: 'odd"id\\x' })], t0);
  await repo.touchSeen('drive', ['id000001', 'odd"id\\x'], t1);
  const rows = await db
    .knex('media_items')
    .where({ account: 'touch' })
    .select('remote_id', 'last_seen_at');
  const seen = Object.fromEntries(
    rows.map((r) => [r.remote_id, new Date(r.last_seen_at).getTime()]),
  );
  assert.deepEqual(seen, {
    id000001: t1.getTime(),
    id000002: t0.getTime(),
    'odd"id\\x': t1.getTime(),
  });
  const before = await repo.all('drive');
  assert.deepEqual(
    before.map((r) => r.state),
    ['pending', 'pending', 'pending'],
  );
});

test('a rename upstream keeps where the file is; gone rows keep their first notice', async () => {
  const repo = new MediaRepo(db.knex, 'moves');
  const seen = new Date('2024-01-01T00:00:00Z');
  const a = listed(1);
  await repo.upsertListed([a], seen);
  await repo.markMany([{ source: 'drive', remoteId: a.remoteId, state: 'done' }]);
  const renamed = (n: string) =>
    listed(1, {
      relPath: `drive/Google Photos/2017/${n}`,
      pathKey: `drive/google photos/2017/${n}`,
    });
  await repo.upsertListed([renamed('x.jpg')], seen);
  let [row] = await repo.all('drive');
  assert.equal(row?.state, 'pending');
  assert.equal(row?.movedFrom, a.relPath);
  // A second rename before the move keeps the first location; moving back clears it.
  await repo.upsertListed([renamed('y.jpg')], seen);
  [row] = await repo.all('drive');
  assert.equal(row?.movedFrom, a.relPath);
  await repo.upsertListed([a], seen);
  [row] = await repo.all('drive');
  assert.equal(row?.movedFrom, null);
  // Done clears it.
  await repo.upsertListed([renamed('z.jpg')], seen);
  await repo.markMany([{ source: 'drive', remoteId: a.remoteId, state: 'done' }]);
  [row] = await repo.all('drive');
  assert.equal(row?.movedFrom, null);

  const t1 = new Date('2024-02-01T00:00:00Z');
  assert.equal(await repo.markGone('drive', [a.remoteId, 'nope'], t1, 'trashed in Drive'), 1);
  assert.equal(await repo.markGone('drive', [a.remoteId], new Date(), 'again'), 0);
  const gone = await runQuery(
    db,
    "SELECT state, gone_at, gone_reason FROM media_items WHERE account = 'moves'",
  );
  assert.equal(gone.rows[0]?.state, 'gone');
  assert.equal((gone.rows[0]?.gone_at as Date).toISOString(), t1.toISOString());
  assert.equal(gone.rows[0]?.gone_reason, 'trashed in Drive');
  // Restored from the trash: listed again, pending, the notice cleared.
  await repo.upsertListed([renamed('z.jpg')], seen);
  const back = await runQuery(
    db,
    "SELECT state, gone_at, moved_from FROM media_items WHERE account = 'moves'",
  );
  assert.equal(back.rows[0]?.state, 'pending');
  assert.equal(back.rows[0]?.gone_at, null);
});

test("inDirs on Takeout's rows reads its folders through their index, not every row", async () => {
  const repo = new MediaRepo(db.knex, 'takeout-dirs');
  // 40 folders of 50 photos each; the planner's statistics as filing leaves them (it analyzes).
  const rows = Array.from({ length: 2000 }, (_, i) => {
    const dir = `photos/20${String(10 + (i % 40)).padStart(2, '0')}/01`;
    const name = `IMG_${String(i).padStart(6, '0')}.jpg`;
    return listed(i, {
      source: 'takeout',
      remoteId: `t${i}`,
      folderId: null,
      relPath: `${dir}/${name}`,
      pathKey: `${dir}/${name.toLowerCase()}`,
    });
  });
  await repo.upsertListed(rows, new Date());
  await repo.analyze();
  const found = await repo.inDirs('takeout', ['photos/2013/01', 'photos/2047/01']);
  assert.equal(found.length, 100);
  assert.ok(found.every((r) => /^photos\/20(13|47)\/01\/[^/]+$/.test(r.relPath)));

  // The plan of the very statement inDirs sends.
  let sent: { sql: string; bindings: unknown[] } | undefined;
  const onQuery = (q: { sql: string; bindings?: unknown[] }): void => {
    sent = { sql: q.sql, bindings: q.bindings ?? [] };
  };
  db.knex.on('query', onQuery);
  try {
    await repo.inDirs('takeout', ['photos/2013/01']);
  } finally {
    db.knex.off('query', onQuery);
  }
  assert.ok(sent !== undefined);
  // The driver's $1, $2… as knex.raw's placeholders.
  const sql = sent.sql.replace(/\$\d+/g, '?');
  const plan = await db.knex.raw(`EXPLAIN ${sql}`, sent.bindings as readonly string[]);
  const text = (plan as { rows: Array<Record<string, string>> }).rows
    .map((r) => Object.values(r).join(' '))
    .join('\n');
  assert.match(text, /media_items_takeout_dir_idx/, text);
});
