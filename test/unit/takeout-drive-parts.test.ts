// DriveParts (sync/sources/takeout/drive-parts.ts) against a fake Drive: when the Takeout folder is
// listed (first look, no changes feed this pass, the feed named it, a day old) and when the
// stored listing is reused at no request; what a page of the changes feed counts as naming the
// folder; the trash clean-up without write access; and the metric of the last export read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from 'pino';
import type { StateRepo } from '../../src/index/state-repo.ts';
import type { PartRow, TakeoutRepo } from '../../src/index/takeout-repo.ts';
import { Pacer } from '../../src/lib/pacer.ts';
import { renderMetrics } from '../../src/monitor/metrics.ts';
import { RemoteError } from '../../src/remote/errors.ts';
import type { RemoteChange, RemoteDriveFile, RemoteFolder } from '../../src/remote/types.ts';
import { DriveParts, type DrivePartsApi } from '../../src/sync/sources/takeout/drive-parts.ts';

const FOLDER = 'fTakeout';
const DAY = 24 * 3600 * 1000;

function file(
  name: string,
  id = `id-${name}`,
  modifiedTime = '2025-07-25T04:00:00.000Z',
): RemoteDriveFile {
  return {
    id,
    name,
    mimeType: 'application/zip',
    parents: [FOLDER],
    size: 1000,
    md5: 'a'.repeat(32),
    modifiedTime,
    createdTime: modifiedTime,
  };
}

class FakeDrive implements DrivePartsApi {
  folders: RemoteFolder[] = [{ kind: 'folder', id: FOLDER, name: 'Takeout', parents: ['root'] }];
  files: RemoteDriveFile[] = [];
  lists = 0;
  trashed: string[] = [];
  trashError: Error | null = null;
  async findFolders(name: string, parentId: string): Promise<RemoteFolder[]> {
    return this.folders.filter((f) => f.name === name && f.parents.includes(parentId));
  }
  async *listFiles(folderId: string): AsyncGenerator<RemoteDriveFile[]> {
    this.lists++;
    yield this.files.filter((f) => f.parents.includes(folderId));
  }
  fileInfo(): Promise<RemoteDriveFile | null> {
    return Promise.resolve(null);
  }
  downloadRange(): never {
    throw new Error('not read here');
  }
  trash(id: string): Promise<void> {
    if (this.trashError) return Promise.reject(this.trashError);
    this.trashed.push(id);
    return Promise.resolve();
  }
}

function fakeState(): StateRepo & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  return {
    values,
    get: <T>(key: string) => Promise.resolve(values.get(key) as T | undefined),
    set: (key: string, value: unknown) => {
      values.set(key, JSON.parse(JSON.stringify(value)) as unknown);
      return Promise.resolve();
    },
  } as unknown as StateRepo & { values: Map<string, unknown> };
}

function row(p: Partial<PartRow> & Pick<PartRow, 'number'>): PartRow {
  return {
    exportId: 'takeout-20250725T035235Z',
    fileName: `takeout-20250725T035235Z-00${p.number}.zip`,
    location: `drive:id-${p.number}`,
    driveId: `id-${p.number}`,
    format: 'zip',
    size: 1000,
    mtime: new Date(),
    state: 'read',
    nextEntry: 0,
    badEntries: 0,
    bytesWritten: 0,
    error: null,
    md5: null,
    ...p,
  };
}

function fakeRepo(rows: PartRow[] = []): TakeoutRepo & { trashed: number[] } {
  const trashed: number[] = [];
  return {
    trashed,
    exports: () => Promise.resolve([{ exportId: 'takeout-20250725T035235Z', state: 'read' }]),
    parts: () => Promise.resolve(rows),
    notePartTrashed: (_e: string, n: number) => {
      trashed.push(n);
      return Promise.resolve();
    },
  } as unknown as TakeoutRepo & { trashed: number[] };
}

function logger(): Logger & { warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  return {
    warnings,
    info: () => undefined,
    warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ ...obj, msg }),
  } as unknown as Logger & { warnings: Array<Record<string, unknown>> };
}

function parts(
  drive: FakeDrive,
  state: StateRepo,
  opts: { now?: () => number; repo?: TakeoutRepo; log?: Logger; trash?: boolean } = {},
) {
  return new DriveParts({
    drive,
    pacer: new Pacer({ retries: 1, baseMs: 1, maxMs: 1 }),
    state,
    repo: opts.repo ?? fakeRepo(),
    log: opts.log ?? logger(),
    folder: 'Takeout',
    trashParts: opts.trash ?? false,
    stallMs: 1000,
    maxBreaks: 3,
    now: opts.now,
  });
}

const signal = new AbortController().signal;

const change = (c: Partial<RemoteChange> & Pick<RemoteChange, 'fileId'>): RemoteChange => ({
  removed: false,
  entry: null,
  trashed: false,
  mimeType: null,
  time: '',
  ...c,
});

describe('DriveParts: finding the parts in Drive', () => {
  it('lists on the first look and when the feed was not read; reuses the listing otherwise', async () => {
    const drive = new FakeDrive();
    drive.files = [file('takeout-20250725T035235Z-001.zip'), file('notes.txt')];
    const state = fakeState();
    const first = await parts(drive, state).find(signal);
    assert.equal(drive.lists, 1);
    assert.deepEqual(
      first.map((p) => [p.fileName, p.location, p.number]),
      [['takeout-20250725T035235Z-001.zip', 'drive:id-takeout-20250725T035235Z-001.zip', 1]],
    );

    // A pass that did not read the changes feed (a full listing, --skip-drive) lists.
    await parts(drive, state).find(signal);
    assert.equal(drive.lists, 2);

    // The feed read, naming nothing there: the stored listing, no request.
    const quiet = parts(drive, state);
    await quiet.onChanges([
      change({
        fileId: 'x',
        entry: {
          kind: 'other',
          id: 'x',
          name: 'a.pdf',
          mimeType: 'application/pdf',
          parents: ['elsewhere'],
        },
      }),
    ]);
    quiet.feedApplied();
    assert.equal((await quiet.find(signal)).length, 1);
    assert.equal(drive.lists, 2);
  });

  it('a part appearing in the folder, a part trashed, the folder itself: the next find lists, even after a kill', async () => {
    const drive = new FakeDrive();
    const state = fakeState();
    await parts(drive, state).find(signal);
    drive.files = [file('takeout-20250725T035235Z-001.zip', 'p1')];
    const cases: RemoteChange[] = [
      change({
        fileId: 'p1',
        entry: {
          kind: 'other',
          id: 'p1',
          name: 'takeout-20250725T035235Z-001.zip',
          mimeType: 'application/zip',
          parents: [FOLDER],
        },
      }),
      change({ fileId: 'p1', removed: true }),
      change({
        fileId: FOLDER,
        trashed: true,
        entry: { kind: 'folder', id: FOLDER, name: 'Takeout', parents: ['root'] },
      }),
    ];
    for (const c of cases) {
      // The pass that saw the change was killed before it looked: the next one lists.
      await parts(drive, state).onChanges([c]);
      assert.equal(state.values.get('takeout.drive.stale'), true, JSON.stringify(c));
      const next = parts(drive, state);
      next.feedApplied();
      const before = drive.lists;
      await next.find(signal);
      assert.equal(drive.lists, before + 1, JSON.stringify(c));
      assert.equal(state.values.get('takeout.drive.stale'), false);
    }
  });

  it('no Takeout folder yet: a new folder of that name in the feed makes the next find list', async () => {
    const drive = new FakeDrive();
    drive.folders = [];
    const state = fakeState();
    assert.deepEqual(await parts(drive, state).find(signal), []);
    assert.equal(drive.lists, 0, 'no folder, nothing to list');
    const p = parts(drive, state);
    await p.onChanges([
      change({
        fileId: 'new',
        entry: { kind: 'folder', id: 'new', name: 'Takeout', parents: ['root'] },
      }),
    ]);
    p.feedApplied();
    drive.folders = [{ kind: 'folder', id: FOLDER, name: 'Takeout', parents: ['root'] }];
    drive.files = [file('takeout-20250725T035235Z-001.tgz')];
    assert.equal((await p.find(signal)).length, 1);
  });

  it('a listing a day old is made again, whatever the feed says', async () => {
    const drive = new FakeDrive();
    const state = fakeState();
    let now = Date.parse('2025-08-01T00:00:00Z');
    await parts(drive, state, { now: () => now }).find(signal);
    now += DAY - 1000;
    const fresh = parts(drive, state, { now: () => now });
    fresh.feedApplied();
    await fresh.find(signal);
    assert.equal(drive.lists, 1);
    now += 2000;
    const old = parts(drive, state, { now: () => now });
    old.feedApplied();
    await old.find(signal);
    assert.equal(drive.lists, 2);
  });

  it('of two files with one part name, the newest is the part', async () => {
    const drive = new FakeDrive();
    drive.files = [
      file('takeout-20250725T035235Z-001.zip', 'old', '2025-07-25T04:00:00.000Z'),
      file('takeout-20250725T035235Z-001.zip', 'new', '2025-07-26T04:00:00.000Z'),
    ];
    const found = await parts(drive, fakeState()).find(signal);
    assert.deepEqual(
      found.map((p) => p.location),
      ['drive:new'],
    );
  });
});

describe('DriveParts: the trash clean-up', () => {
  it('without write access: one warning saying what to run, no failure, nothing else tried', async () => {
    const drive = new FakeDrive();
    drive.trashError = new RemoteError(
      'moving a Takeout part to the Drive trash failed: HTTP 403 insufficientPermissions',
      {
        status: 403,
        reason: 'insufficientPermissions',
      },
    );
    const log = logger();
    const rows = [row({ number: 1 }), row({ number: 2 })];
    const repo = fakeRepo(rows);
    await parts(drive, fakeState(), { repo, log, trash: true }).afterFiled(
      'takeout-20250725T035235Z',
      rows,
      signal,
    );
    assert.equal(log.warnings.length, 1);
    assert.match(String(log.warnings[0]!.hint), /gphotos-sync auth --takeout-trash/);
    assert.deepEqual(repo.trashed, []);
  });

  it('an export with a bad part keeps its parts in Drive', async () => {
    const drive = new FakeDrive();
    const rows = [row({ number: 1 }), row({ number: 2, state: 'bad' })];
    await parts(drive, fakeState(), { repo: fakeRepo(rows), trash: true }).afterFiled(
      'takeout-20250725T035235Z',
      rows,
      signal,
    );
    assert.deepEqual(drive.trashed, []);
  });

  it('an export read whole: its Drive parts go to the trash and are recorded', async () => {
    const drive = new FakeDrive();
    const rows = [row({ number: 1 }), row({ number: 2 })];
    const repo = fakeRepo(rows);
    const p = parts(drive, fakeState(), { repo, trash: true });
    await p.afterFiled('takeout-20250725T035235Z', rows, signal);
    assert.deepEqual(drive.trashed, ['id-1', 'id-2']);
    assert.deepEqual(repo.trashed, [1, 2]);
    assert.equal(p.counts.takeoutPartsTrashed, 2);
  });
});

describe('metrics: the last Takeout export read', () => {
  it('is a gauge in Unix seconds when an export was ever read, absent otherwise', () => {
    const base = {
      indexed: 0,
      downloaded: 0,
      skipped: 0,
      failed: 0,
      bytes: 0,
      durationSeconds: 1,
      exitCode: 0,
    };
    const text = renderMetrics(
      { ...base, takeoutLastReadAt: '2026-01-02T03:04:05.000Z' },
      new Date(),
    );
    assert.match(text, /^# TYPE gphotos_sync_takeout_last_export_read_timestamp_seconds gauge$/m);
    assert.match(text, /^gphotos_sync_takeout_last_export_read_timestamp_seconds 1767323045$/m);
    assert.doesNotMatch(renderMetrics(base, new Date()), /takeout_last_export/);
  });
});
