// Drive v3 changes feed of the emulator (changes.getStartPageToken, changes.list) through the REAL
// @googleapis/drive + google-auth-library clients: token flow, one coalesced entry per mutation
// helper, paging, fields, validation errors, expired tokens, faults; compared with the captured
// change entries in ../shared/api-samples/.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { drive_v3 } from '@googleapis/drive';
import { realClients } from '../fakes/google/clients.ts';
import type { RealClients } from '../fakes/google/clients.ts';
import {
  addFile,
  addFolder,
  addPhoto,
  addVideo,
  currentToken,
  deleteFile,
  editFile,
  FOLDER_MIME,
  generateLibrary,
  md5Of,
  moveFile,
  recordChange,
  renameFile,
  trashFile,
  untrashFile,
  updateFile,
} from '../fakes/google/library.ts';
import { demoLibrary } from '../fakes/google/scenarios.ts';
import type { DemoLibrary } from '../fakes/google/scenarios.ts';
import { sha256Of } from '../fakes/google/checksums.ts';
import { startEmulator } from '../fakes/google/server.ts';
import type { Emulator, FaultKind } from '../fakes/google/server.ts';
import { apiError, noRetry, sample } from '../helpers/google.ts';

const FIELDS =
  'nextPageToken,newStartPageToken,changes(kind,changeType,fileId,removed,time,file(id,name,mimeType,parents,size,md5Checksum,modifiedTime,trashed,explicitlyTrashed))';
const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

type Change = drive_v3.Schema$Change;

describe('Drive changes feed of the emulator through the real clients', () => {
  let emu: Emulator;
  let lib: DemoLibrary;
  let c: RealClients;

  before(async () => {
    lib = demoLibrary();
    emu = await startEmulator({ library: lib });
    c = realClients(emu);
  });
  beforeEach(() => {
    emu.faults.clear();
    emu.shortPages = false;
  });
  after(() => emu.close());

  const start = async (): Promise<string> =>
    (await c.drive.changes.getStartPageToken({})).data.startPageToken!;

  /** Every page from `token`, checking nextPageToken XOR newStartPageToken on each. */
  async function listAll(token: string, pageSize = 1000, fields = FIELDS, extra = {}) {
    const changes: Change[] = [];
    const pages: number[] = [];
    let pageToken = token;
    for (;;) {
      const { data } = await c.drive.changes.list({ pageToken, pageSize, fields, ...extra });
      assert.equal(data.nextPageToken === undefined, data.newStartPageToken !== undefined);
      pages.push(data.changes!.length);
      changes.push(...data.changes!);
      if (data.newStartPageToken) return { changes, pages, newStart: data.newStartPageToken };
      pageToken = data.nextPageToken!;
    }
  }

  /** Every file below `folder`, at any depth. */
  function below(folder: string): string[] {
    const out: string[] = [];
    const todo = [folder];
    while (todo.length > 0) {
      const p = todo.pop()!;
      for (const f of lib.files.values()) {
        if (f.parents.includes(p) && !out.includes(f.id)) {
          out.push(f.id);
          todo.push(f.id);
        }
      }
    }
    return out;
  }

  /** The changes since `token`, which must name each file once. */
  async function since(token: string): Promise<Map<string, Change>> {
    const { changes } = await listAll(token);
    const byId = new Map(changes.map((ch) => [ch.fileId!, ch]));
    assert.equal(byId.size, changes.length, 'one entry per file');
    return byId;
  }

  it('hands out decimal start tokens; nothing changed lists nothing and keeps the token', async () => {
    const { data } = await c.drive.changes.getStartPageToken({});
    assert.deepEqual(Object.keys(data), ['kind', 'startPageToken']);
    assert.equal(data.kind, 'drive#startPageToken');
    assert.match(data.startPageToken!, /^\d+$/);
    const projected = await c.drive.changes.getStartPageToken({ fields: 'startPageToken' });
    assert.deepEqual(projected.data, { startPageToken: data.startPageToken });

    const page = await c.drive.changes.list({ pageToken: data.startPageToken! });
    assert.deepEqual(page.data, {
      kind: 'drive#changeList',
      newStartPageToken: data.startPageToken,
      changes: [],
    });
    assert.equal(await start(), data.startPageToken);
    const s = emu.stats().byRoute;
    assert.ok((s['changes.getStartPageToken'] ?? 0) >= 3);
    assert.ok((s['changes.list'] ?? 0) >= 1);
  });

  it('renders a change as the captured entries do (members, types, default file members)', async () => {
    const t = await start();
    renameFile(lib, lib.ids.noExifTime, 'renamed.jpg');
    const { data } = await c.drive.changes.list({ pageToken: t });
    const [ch] = data.changes!;
    const [captured] = sample('drive-change-entries.demisto-readme.json') as Array<
      Record<string, unknown>
    >;
    assert.deepEqual(Object.keys(ch!).sort(), Object.keys(captured!).sort());
    assert.deepEqual(Object.keys(ch!), [
      'kind',
      'removed',
      'file',
      'fileId',
      'time',
      'type',
      'changeType',
    ]);
    assert.equal(ch!.kind, 'drive#change');
    assert.equal(ch!.changeType, 'file');
    assert.equal(ch!.type, 'file');
    assert.equal(ch!.removed, false);
    assert.match(ch!.time!, RFC3339_MS);
    assert.deepEqual(ch!.file, {
      kind: 'drive#file',
      id: lib.ids.noExifTime,
      name: 'renamed.jpg',
      mimeType: 'image/jpeg',
    });

    // fields=changes(*): the whole File resource, with members the captured file also has
    const full = await c.drive.changes.list({ pageToken: t, fields: 'changes(*)' });
    const file = full.data.changes![0]!.file as Record<string, unknown>;
    const capturedFile = captured!.file as Record<string, unknown>;
    // ...or members of Drive of today the 2017 capture predates (../shared/google-apis.md).
    const today = new Set([
      'sha1Checksum',
      'sha256Checksum',
      'capabilities',
      'downloadRestrictions',
    ]);
    for (const k of Object.keys(file)) assert.ok(k in capturedFile || today.has(k), k);
    assert.equal(typeof file.size, 'string');
    assert.equal(file.md5Checksum, md5Of(lib, lib.ids.noExifTime));
    assert.equal(file.sha256Checksum, sha256Of(lib, lib.ids.noExifTime));
    assert.equal((file.capabilities as { canDownload?: unknown }).canDownload, true);
    assert.deepEqual(Object.keys(full.data), ['changes']);
  });

  it('lists each mutation helper once, with the state after it', async () => {
    const year = lib.ids.years['2016'];
    const photoMd5 = md5Of(lib, lib.ids.bigPhoto);
    const steps: Array<[string, () => string, (ch: Change) => void]> = [
      [
        'addPhoto',
        () => addPhoto(lib, 'new.jpg', year, { takenTime: '2016:07:01 10:00:00' }),
        (ch) => {
          assert.equal(ch.file!.name, 'new.jpg');
          assert.equal(ch.file!.mimeType, 'image/jpeg');
          assert.deepEqual(ch.file!.parents, [year]);
          assert.match(ch.file!.md5Checksum!, /^[0-9a-f]{32}$/);
        },
      ],
      [
        'addVideo',
        () => addVideo(lib, 'clip.mp4', year),
        (ch) => assert.equal(ch.file!.mimeType, 'video/mp4'),
      ],
      [
        'addFolder',
        () => addFolder(lib, 'Trips', year),
        (ch) => {
          assert.equal(ch.file!.mimeType, FOLDER_MIME);
          assert.equal(ch.file!.size, undefined);
        },
      ],
      [
        'addFile (a PDF)',
        () => addFile(lib, { name: 'scan.pdf', mimeType: 'application/pdf', parents: [year] }),
        (ch) => assert.equal(ch.file!.mimeType, 'application/pdf'),
      ],
      [
        'renameFile',
        () => (renameFile(lib, lib.ids.videos[0]!, 'holiday.mp4'), lib.ids.videos[0]!),
        (ch) => assert.equal(ch.file!.name, 'holiday.mp4'),
      ],
      [
        'moveFile',
        () => (moveFile(lib, lib.ids.videos[1]!, lib.ids.outsideFolder), lib.ids.videos[1]!),
        (ch) => assert.deepEqual(ch.file!.parents, [lib.ids.outsideFolder]),
      ],
      [
        'editFile',
        () => {
          const before = lib.files.get(lib.ids.bigPhoto)!.modifiedTime;
          editFile(lib, lib.ids.bigPhoto, { size: 4096 });
          assert.notEqual(lib.files.get(lib.ids.bigPhoto)!.modifiedTime, before);
          return lib.ids.bigPhoto;
        },
        (ch) => {
          assert.equal(ch.file!.size, '4096');
          assert.notEqual(ch.file!.md5Checksum, photoMd5);
          assert.equal(ch.file!.md5Checksum, md5Of(lib, lib.ids.bigPhoto));
          assert.equal(ch.file!.modifiedTime, lib.files.get(lib.ids.bigPhoto)!.modifiedTime);
        },
      ],
      [
        'updateFile (became a PDF)',
        () => (
          updateFile(lib, lib.ids.duplicates[0]!, { mimeType: 'application/pdf' }),
          lib.ids.duplicates[0]!
        ),
        (ch) => assert.equal(ch.file!.mimeType, 'application/pdf'),
      ],
      [
        'trashFile',
        () => (trashFile(lib, lib.ids.duplicates[1]!), lib.ids.duplicates[1]!),
        (ch) => {
          assert.equal(ch.removed, false);
          assert.equal(ch.file!.trashed, true);
          assert.equal(ch.file!.explicitlyTrashed, true);
        },
      ],
      [
        'untrashFile',
        () => (untrashFile(lib, lib.ids.trashed), lib.ids.trashed),
        (ch) => assert.equal(ch.file!.trashed, false),
      ],
      [
        'deleteFile',
        () => (deleteFile(lib, lib.ids.slashName), lib.ids.slashName),
        (ch) => {
          assert.equal(ch.removed, true);
          assert.equal('file' in ch, false);
        },
      ],
    ];
    for (const [name, act, check] of steps) {
      const t = await start();
      const id = act();
      const got = await since(t);
      assert.deepEqual([...got.keys()], [id], name);
      const ch = got.get(id)!;
      assert.equal(ch.kind, 'drive#change', name);
      assert.equal(ch.changeType, 'file', name);
      assert.match(ch.time!, RFC3339_MS, name);
      if (!ch.removed) assert.equal(ch.file!.id, id, name);
      check(ch);
      assert.ok(Number(await start()) > Number(t), name);
    }
  });

  it('reports a trashed folder and every descendant; rename and move report the folder only', async () => {
    const folder = lib.ids.years['2017'];
    const shared = lib.ids.twoParentsFolder;
    const inside = below(folder);
    assert.ok(inside.includes(shared));
    assert.ok(lib.ids.twoParentsPhotos.every((id) => inside.includes(id)));

    let t = await start();
    trashFile(lib, folder);
    let got = await since(t);
    assert.deepEqual(new Set(got.keys()), new Set([folder, ...inside]));
    assert.equal(got.get(folder)!.file!.explicitlyTrashed, true);
    for (const id of inside) {
      assert.equal(got.get(id)!.file!.trashed, true, id);
      assert.equal(got.get(id)!.file!.explicitlyTrashed, false, id);
    }

    t = await start();
    untrashFile(lib, folder);
    got = await since(t);
    assert.equal(got.size, inside.length + 1);
    for (const ch of got.values()) assert.equal(ch.file!.trashed, false);

    t = await start();
    renameFile(lib, folder, '2017 (old)');
    moveFile(lib, folder, lib.ids.outsideFolder);
    got = await since(t);
    assert.deepEqual([...got.keys()], [folder]);
    assert.equal(got.get(folder)!.file!.name, '2017 (old)');
    assert.deepEqual(got.get(folder)!.file!.parents, [lib.ids.outsideFolder]);
    assert.throws(() => moveFile(lib, lib.ids.outsideFolder, folder), /into itself/);

    // the two-parent folder survives in its other parent, with what it holds
    t = await start();
    deleteFile(lib, folder);
    got = await since(t);
    const survivors = [shared, ...lib.ids.twoParentsPhotos];
    const gone = [folder, ...inside].filter((id) => !survivors.includes(id));
    assert.deepEqual(new Set(got.keys()), new Set([...gone, shared]));
    for (const id of gone) {
      assert.deepEqual([got.get(id)!.removed, got.get(id)!.file], [true, undefined]);
      assert.equal(lib.files.has(id), false);
    }
    assert.equal(got.get(shared)!.removed, false);
    assert.deepEqual(got.get(shared)!.file!.parents, [lib.ids.outsideFolder]);
    for (const id of survivors) assert.ok(lib.files.has(id));
  });

  it('coalesces several changes of one file into its latest state, from any token', async () => {
    const id = lib.ids.videos[2]!;
    const t0 = await start();
    renameFile(lib, id, 'a.mp4');
    const t1 = await start();
    renameFile(lib, id, 'b.mp4');
    editFile(lib, id);
    renameFile(lib, id, 'c.mp4');
    for (const t of [t0, t1]) {
      const got = await since(t);
      assert.deepEqual([...got.keys()], [id]);
      assert.equal(got.get(id)!.file!.name, 'c.mp4');
    }
    // includeRemoved=false leaves removals out
    const t2 = await start();
    deleteFile(lib, id);
    renameFile(lib, lib.ids.videos[0]!, 'kept.mp4');
    const all = await listAll(t2);
    assert.deepEqual(
      all.changes.map((ch) => ch.removed),
      [true, false],
    );
    const kept = await listAll(t2, 1000, FIELDS, { includeRemoved: false });
    assert.deepEqual(
      kept.changes.map((ch) => ch.fileId),
      [lib.ids.videos[0]],
    );
  });

  it('pages many changes by pageSize and clamps pageSize to 1000', async () => {
    const t = await start();
    const ids: string[] = [];
    for (let i = 0; i < 1250; i++) {
      ids.push(addPhoto(lib, `bulk_${i}.jpg`, lib.ids.years['2018']));
    }
    const small = await listAll(t, 400, 'nextPageToken,newStartPageToken,changes(fileId)');
    assert.deepEqual(small.pages, [400, 400, 400, 50]);
    assert.deepEqual(
      small.changes.map((ch) => ch.fileId),
      ids,
    );
    assert.equal(small.newStart, await start());
    const big = await listAll(t, 5000, 'nextPageToken,newStartPageToken,changes(fileId)');
    assert.deepEqual(big.pages, [1000, 250]);
    const def = await c.drive.changes.list({ pageToken: t, fields: 'changes(fileId)' });
    assert.equal(def.data.changes!.length, 100);
    for (const f of ids) lib.files.delete(f);
    recordChange(lib, ...ids);
  });

  it('gives short and empty pages while nextPageToken is present in shortPages mode', async () => {
    const t = await start();
    const id = lib.ids.videos[0]!;
    const ids = [
      lib.ids.googlePhotos,
      lib.ids.outsideFolder,
      lib.ids.pdf,
      lib.ids.outsidePhotos[0]!,
    ];
    for (const x of ids) updateFile(lib, x, {});
    for (let i = 0; i < 6; i++) renameFile(lib, id, `v${i}.mp4`);
    emu.shortPages = true;
    const got = await listAll(t, 1000, 'nextPageToken,newStartPageToken,changes(fileId)');
    assert.ok(got.pages.length > 2);
    assert.ok(got.pages.includes(0), `an empty page: ${got.pages.join(',')}`);
    assert.deepEqual(
      got.changes.map((ch) => ch.fileId),
      [...ids, id],
    );
  });

  it('does not see direct edits of lib.files until recordChange', async () => {
    const t = await start();
    lib.files.get(lib.ids.videos[0]!)!.name = 'direct.mp4';
    assert.deepEqual((await since(t)).size, 0);
    recordChange(lib, lib.ids.videos[0]!);
    assert.equal((await since(t)).get(lib.ids.videos[0]!)!.file!.name, 'direct.mp4');
    assert.equal(currentToken(lib), await start());
  });

  it('projects fields and refuses unknown ones', async () => {
    const t = await start();
    renameFile(lib, lib.ids.videos[0]!, 'p.mp4');
    const { data } = await c.drive.changes.list({
      pageToken: t,
      fields: 'newStartPageToken,changes(fileId,file/name)',
    });
    assert.deepEqual(data, {
      newStartPageToken: await start(),
      changes: [{ file: { name: 'p.mp4' }, fileId: lib.ids.videos[0] }],
    });
    for (const fields of [
      'changes(bogus)',
      'changes(file(bogus))',
      'nextPageToken,files',
      'changes(',
    ]) {
      const e = await apiError(c.drive.changes.list({ pageToken: t, fields }, noRetry));
      assert.equal(e.status, 400, fields);
      const err = (e.response.data as { error: { errors: Array<Record<string, string>> } }).error;
      assert.equal(err.errors[0]!.reason, 'invalidParameter', fields);
      assert.equal(err.errors[0]!.location, 'fields', fields);
    }
  });

  it('answers 400 to a missing, malformed, future or expired token', async () => {
    const token = (await c.auth.getAccessToken()).token!;
    const raw = await fetch(`${emu.url}drive/v3/changes?pageSize=10`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(raw.status, 400);
    assert.deepEqual(await raw.json(), {
      error: {
        errors: [
          {
            domain: 'global',
            reason: 'required',
            message: 'Required parameter: pageToken',
            locationType: 'parameter',
            location: 'pageToken',
          },
        ],
        code: 400,
        message: 'Required parameter: pageToken',
      },
    });
    const invalid = {
      error: {
        errors: [
          {
            domain: 'global',
            reason: 'invalid',
            message: 'Invalid Value',
            locationType: 'parameter',
            location: 'pageToken',
          },
        ],
        code: 400,
        message: 'Invalid Value',
      },
    };
    const now = await start();
    for (const bad of ['abc', '12.5', '-3', String(Number(now) + 1), '1']) {
      const e = await apiError(c.drive.changes.list({ pageToken: bad }, noRetry));
      assert.equal(e.status, 400, bad);
      assert.deepEqual(e.response.data, invalid, bad);
    }
    const e = await apiError(c.drive.changes.list({ pageToken: now, pageSize: 0 }, noRetry));
    assert.equal(e.status, 400);

    // retention: tokens older than the one given are refused, later ones still work
    const old = await start();
    renameFile(lib, lib.ids.videos[0]!, 'e1.mp4');
    const mid = await start();
    renameFile(lib, lib.ids.videos[1]!, 'e2.mp4');
    emu.expireChangeTokensBefore(mid);
    const refused = await apiError(c.drive.changes.list({ pageToken: old }, noRetry));
    assert.deepEqual([refused.status, refused.response.data], [400, invalid]);
    assert.deepEqual([...(await since(mid)).keys()], [lib.ids.videos[1]]);
    emu.expireChangeTokensBefore();
    const later = await apiError(c.drive.changes.list({ pageToken: mid }, noRetry));
    assert.equal(later.status, 400);
    assert.equal((await since(await start())).size, 0);
  });

  it('injects faults on changes.list and changes.getStartPageToken', async () => {
    const t = await start();
    const cases: Array<[FaultKind, number]> = [
      ['backend500', 500],
      ['backend503', 503],
      ['rateLimit403', 403],
      ['rateLimit429', 429],
      ['htmlError502', 502],
    ];
    for (const [kind, status] of cases) {
      emu.faults.add({ route: 'changes.list', kind });
      const e = await apiError(c.drive.changes.list({ pageToken: t }, noRetry));
      assert.equal(e.status, status, kind);
    }
    emu.faults.add({ route: 'changes.list', kind: 'malformedJson200' });
    const bad = await c.drive.changes.list({ pageToken: t }, noRetry);
    assert.equal(typeof bad.data, 'string');
    emu.faults.add({ route: 'changes.getStartPageToken', kind: 'backend500' });
    assert.equal((await apiError(c.drive.changes.getStartPageToken({}, noRetry))).status, 500);
    assert.equal(emu.faults.pending(), 0);
    assert.equal((await c.drive.changes.list({ pageToken: t })).status, 200);
  });

  it('answers 404 for a shared drive id', async () => {
    const e = await apiError(
      c.drive.changes.list({ pageToken: await start(), driveId: 'nope' }, noRetry),
    );
    assert.equal(e.status, 404);
  });
});

describe('changes feed on a generated 100,000-item library', () => {
  it('lists nothing when nothing changed, and a trashed year folder with its items', async () => {
    const lib = generateLibrary({ items: 100_000 });
    const emu = await startEmulator({ library: lib });
    try {
      const c = realClients(emu);
      const t = (await c.drive.changes.getStartPageToken({})).data.startPageToken!;
      const empty = await c.drive.changes.list({ pageToken: t, pageSize: 1000 });
      assert.deepEqual(empty.data.changes, []);
      assert.equal(empty.data.newStartPageToken, t);

      const y2015 = [...lib.files.values()].find((f) => f.name === '2015')!;
      trashFile(lib, y2015.id);
      const below = [...lib.files.values()].filter((f) => f.parents.includes(y2015.id));
      let pageToken = t;
      let n = 0;
      for (;;) {
        const { data } = await c.drive.changes.list({
          pageToken,
          pageSize: 1000,
          fields: 'nextPageToken,newStartPageToken,changes(fileId,file(trashed))',
        });
        for (const ch of data.changes!) {
          assert.equal(ch.file!.trashed, true);
          n++;
        }
        if (data.newStartPageToken) break;
        pageToken = data.nextPageToken!;
      }
      assert.equal(n, below.length + 1);
    } finally {
      await emu.close();
    }
  });
});
