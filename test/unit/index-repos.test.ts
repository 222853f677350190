import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FolderRepo } from '../../src/index/folder-repo.ts';
import { MediaRepo } from '../../src/index/media-repo.ts';
import { runQuery } from '../../src/index/query.ts';
import { StateRepo } from '../../src/index/state-repo.ts';
import { testIndex, type TestIndex } from '../helpers/db.ts';

let ti: TestIndex;
before(async () => {
  ti = await testIndex();
});
after(() => ti.cleanup());

test('FolderRepo upserts by folder id, per account', async () => {
  const repo = new FolderRepo(ti.db.knex, 'folders');
  const seen = new Date('2024-03-01T00:00:00Z');
  await repo.upsertMany(
    [
      { folderId: 'root', name: 'Google Photos', parentId: null, relPath: 'drive/Google Photos' },
      { folderId: 'y17', name: '2017', parentId: 'root', relPath: 'drive/Google Photos/2017' },
    ],
    seen,
  );
  await repo.upsertMany(
    [{ folderId: 'y17', name: '2017b', parentId: 'root', relPath: 'drive/Google Photos/2017b' }],
    seen,
  );
  assert.deepEqual(await repo.all(), [
    { folderId: 'root', name: 'Google Photos', parentId: null, relPath: 'drive/Google Photos' },
    { folderId: 'y17', name: '2017b', parentId: 'root', relPath: 'drive/Google Photos/2017b' },
  ]);
  assert.deepEqual(await new FolderRepo(ti.db.knex, 'folders-other').all(), []);

  const many = Array.from({ length: 2500 }, (_, i) => ({
    folderId: `f${i}`,
    name: `n${i}`,
    parentId: 'root',
    relPath: `drive/x/${i}`,
  }));
  let statements = 0;
  const onQuery = (): void => {
    statements++;
  };
  ti.db.knex.on('query', onQuery);
  await new FolderRepo(ti.db.knex, 'folders-many').upsertMany(many, seen);
  ti.db.knex.off('query', onQuery);
  assert.ok(statements <= 5, `statements: ${statements}`);
  assert.equal((await new FolderRepo(ti.db.knex, 'folders-many').all()).length, 2500);
});

test('StateRepo stores JSON values by key, per account', async () => {
  const a = new StateRepo(ti.db.knex, 'state-a');
  const b = new StateRepo(ti.db.knex, 'state-b');
  assert.equal(await a.get('pageToken'), undefined);
  await a.set('pageToken', 'tok-1');
  await a.set('lastRun', { at: '2024-01-01T00:00:00Z', counts: { done: 3 }, list: [1, null, 'x'] });
  await a.set('flag', false);
  assert.equal(await a.get<string>('pageToken'), 'tok-1');
  assert.deepEqual(await a.get('lastRun'), {
    at: '2024-01-01T00:00:00Z',
    counts: { done: 3 },
    list: [1, null, 'x'],
  });
  assert.equal(await a.get('flag'), false);
  await a.set('pageToken', 'tok-2');
  assert.equal(await a.get('pageToken'), 'tok-2');
  assert.equal(await b.get('pageToken'), undefined);
  await assert.rejects(a.set('bad', undefined), TypeError);
});

test('runQuery returns columns and rows, read-only by default', async () => {
  await new MediaRepo(ti.db.knex, 'query').upsertListed(
    [
      {
        source: 'drive',
        remoteId: 'r1',
        folderId: null,
        relPath: 'drive/a.jpg',
        pathKey: 'drive/a.jpg',
        originalName: 'a.jpg',
        baseName: 'a.jpg',
        dupNumber: 0,
        size: 10,
        md5: null,
        mimeType: 'image/jpeg',
        takenTime: null,
        createdTime: null,
        modifiedTime: null,
        state: 'pending',
      },
    ],
    new Date(),
  );
  const res = await runQuery(
    ti.db,
    "SELECT remote_id, rel_path, state FROM media_items WHERE account = 'query' ORDER BY remote_id",
  );
  assert.deepEqual(res, {
    columns: ['remote_id', 'rel_path', 'state'],
    rows: [{ remote_id: 'r1', rel_path: 'drive/a.jpg', state: 'pending' }],
  });

  // `?` is SQL here (jsonb key test), not a placeholder.
  const q = await runQuery(ti.db, `SELECT '{"a":1}'::jsonb ? 'a' AS has_a`);
  assert.deepEqual(q.rows, [{ has_a: true }]);

  await assert.rejects(
    runQuery(ti.db, "DELETE FROM media_items WHERE account = 'query'"),
    /read-only/,
  );
  assert.equal((await new MediaRepo(ti.db.knex, 'query').all('drive')).length, 1);

  const del = await runQuery(ti.db, "DELETE FROM media_items WHERE account = 'query'", {
    readOnly: false,
  });
  assert.deepEqual(del.rows, []);
  assert.equal((await new MediaRepo(ti.db.knex, 'query').all('drive')).length, 0);

  await assert.rejects(runQuery(ti.db, 'SELECT * FROM no_such_table'), /no_such_table/);
});
