// DriveClient.startPageToken() and changes() against the emulator, through the real OAuth client
// and a real Pacer: each mutation helper's change as a RemoteChange, paging to newStartPageToken,
// an expired token as `changesTokenExpired` without retries, transient errors retried, a refused
// page token restarting the feed.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Pacer } from '../../src/lib/pacer.ts';
import { DriveClient } from '../../src/remote/drive/client.ts';
import { RemoteError } from '../../src/remote/errors.ts';
import type { RemoteChange } from '../../src/remote/types.ts';
import {
  addFile,
  addFolder,
  addPhoto,
  addVideo,
  currentToken,
  deleteFile,
  editFile,
  FOLDER_MIME,
  md5Of,
  moveFile,
  renameFile,
  trashFile,
  untrashFile,
  updateFile,
} from '../fakes/google/library.ts';
import { sha256Of } from '../fakes/google/checksums.ts';
import { demoLibrary } from '../fakes/google/scenarios.ts';
import type { DemoLibrary } from '../fakes/google/scenarios.ts';
import { emulatorOAuth } from '../helpers/google.ts';
import { startEmulator } from '../fakes/google/server.ts';
import type { Emulator, FaultKind } from '../fakes/google/server.ts';

describe('DriveClient changes feed', () => {
  let emu: Emulator;
  let lib: DemoLibrary;
  let pacer: Pacer;
  let drive: DriveClient;

  before(async () => {
    lib = demoLibrary();
    emu = await startEmulator({ library: lib });
    const auth = emulatorOAuth(emu);
    pacer = new Pacer({ retries: 5, baseMs: 1, maxMs: 5 });
    drive = new DriveClient({ auth, rootUrl: emu.url, pacer });
  });
  beforeEach(() => {
    emu.faults.clear();
    emu.shortPages = false;
  });
  after(() => emu.close());

  /** Every page of `changes(token)` and the token it returns. */
  async function read(token: string): Promise<{ pages: RemoteChange[][]; next: string }> {
    const pages: RemoteChange[][] = [];
    const gen = drive.changes(token);
    for (;;) {
      const r = await gen.next();
      if (r.done) return { pages, next: r.value };
      pages.push(r.value);
    }
  }

  /** The single change since `token` (for one mutation). */
  async function only(token: string): Promise<RemoteChange> {
    const { pages, next } = await read(token);
    const all = pages.flat();
    assert.equal(all.length, 1, JSON.stringify(all));
    assert.equal(next, currentToken(lib));
    return all[0]!;
  }

  const callsTo = (route: string): number => emu.stats().byRoute[route] ?? 0;

  it('reads the start token and returns it again when nothing changed', async () => {
    const t = await drive.startPageToken();
    assert.equal(t, currentToken(lib));
    const { pages, next } = await read(t);
    assert.deepEqual(pages, [[]]);
    assert.equal(next, t);
    const sent = emu.requests.filter((r) => r.route === 'changes.list').at(-1)!.query;
    assert.equal(sent.pageSize, '1000');
    assert.equal(sent.includeRemoved, 'true');
    assert.equal(sent.spaces, 'drive');
    assert.equal(sent.restrictToMyDrive, 'true');
    assert.match(
      sent.fields!,
      /^nextPageToken,newStartPageToken,changes\(fileId,removed,time,file\(/,
    );
  });

  it('parses each mutation into a RemoteChange', async () => {
    const year = lib.ids.years['2016'];

    let t = await drive.startPageToken();
    const photo = addPhoto(lib, 'new.jpg', year, { takenTime: '2016:07:01 10:00:00', size: 2222 });
    let ch = await only(t);
    assert.deepEqual(ch, {
      fileId: photo,
      removed: false,
      entry: {
        kind: 'media',
        id: photo,
        name: 'new.jpg',
        mimeType: 'image/jpeg',
        parents: [year],
        size: 2222,
        md5: md5Of(lib, photo),
        sha256: sha256Of(lib, photo),
        canDownload: true,
        createdTime: '2016-07-01T10:00:00.000Z',
        modifiedTime: '2016-07-01T10:00:00.000Z',
        exifTime: '2016:07:01 10:00:00',
      },
      trashed: false,
      mimeType: 'image/jpeg',
      time: ch.time,
    });
    assert.match(ch.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    t = await drive.startPageToken();
    const video = addVideo(lib, 'clip.mp4', year);
    ch = await only(t);
    assert.equal(ch.entry?.kind, 'media');
    assert.equal(ch.mimeType, 'video/mp4');
    assert.equal(ch.fileId, video);

    t = await drive.startPageToken();
    const folder = addFolder(lib, 'Trips', year);
    ch = await only(t);
    assert.deepEqual(ch.entry, { kind: 'folder', id: folder, name: 'Trips', parents: [year] });
    assert.equal(ch.mimeType, FOLDER_MIME);

    t = await drive.startPageToken();
    renameFile(lib, photo, 'renamed.jpg');
    ch = await only(t);
    assert.equal(ch.entry?.name, 'renamed.jpg');

    t = await drive.startPageToken();
    moveFile(lib, photo, folder);
    ch = await only(t);
    assert.deepEqual(ch.entry?.parents, [folder]);

    t = await drive.startPageToken();
    const md5 = md5Of(lib, photo);
    editFile(lib, photo, { content: Buffer.from('new bytes') });
    ch = await only(t);
    assert.ok(ch.entry?.kind === 'media');
    assert.equal(ch.entry.size, 9);
    assert.notEqual(ch.entry.md5, md5);
    assert.equal(ch.entry.md5, md5Of(lib, photo));

    t = await drive.startPageToken();
    trashFile(lib, photo);
    ch = await only(t);
    assert.equal(ch.removed, false);
    assert.equal(ch.trashed, true);
    assert.equal(ch.entry?.kind, 'media');

    t = await drive.startPageToken();
    untrashFile(lib, photo);
    ch = await only(t);
    assert.equal(ch.trashed, false);

    t = await drive.startPageToken();
    updateFile(lib, photo, { mimeType: 'application/pdf' });
    ch = await only(t);
    assert.deepEqual(ch.entry, {
      kind: 'other',
      id: photo,
      name: 'renamed.jpg',
      mimeType: 'application/pdf',
      parents: [folder],
    });
    assert.equal(ch.mimeType, 'application/pdf');

    t = await drive.startPageToken();
    const doc = addFile(lib, {
      name: 'Notes',
      mimeType: 'application/vnd.google-apps.document',
      parents: [year],
    });
    ch = await only(t);
    assert.equal(ch.entry?.kind, 'other');
    assert.equal(ch.fileId, doc);

    t = await drive.startPageToken();
    deleteFile(lib, video);
    ch = await only(t);
    assert.deepEqual(ch, {
      fileId: video,
      removed: true,
      entry: null,
      trashed: false,
      mimeType: null,
      time: ch.time,
    });
  });

  it('reports a trashed folder with everything below it as trashed', async () => {
    const folder = lib.ids.years['2015'];
    const t = await drive.startPageToken();
    trashFile(lib, folder);
    const { pages } = await read(t);
    const all = pages.flat();
    const children = [...lib.files.values()].filter((f) => f.parents.includes(folder));
    assert.equal(all.length, children.length + 1);
    assert.ok(all.every((c) => c.trashed && !c.removed && c.entry !== null));
    assert.equal(all[0]!.fileId, folder);
    untrashFile(lib, folder);
  });

  it('pages past 1000 changes and in shortPages mode, returning the new start token', async () => {
    const t = await drive.startPageToken();
    const ids: string[] = [];
    for (let i = 0; i < 1100; i++) ids.push(addPhoto(lib, `bulk_${i}.jpg`, lib.ids.years['2018']));
    const big = await read(t);
    assert.deepEqual(
      big.pages.map((p) => p.length),
      [1000, 100],
    );
    assert.deepEqual(
      big.pages.flat().map((c) => c.fileId),
      ids,
    );
    assert.equal(big.next, currentToken(lib));
    for (const id of ids) lib.files.delete(id);

    const t2 = await drive.startPageToken();
    const moved = lib.ids.outsidePhotos;
    for (const id of moved) renameFile(lib, id, `${id}.jpg`);
    emu.shortPages = true;
    const short = await read(t2);
    assert.ok(short.pages.length > 1);
    assert.deepEqual(
      short.pages.flat().map((c) => c.fileId),
      moved,
    );
    assert.equal(short.next, currentToken(lib));
  });

  it('throws changesTokenExpired for a refused token, without retries', async () => {
    const t = await drive.startPageToken();
    renameFile(lib, lib.ids.videos[0]!, 'expired.mp4');
    emu.expireChangeTokensBefore();
    const before = callsTo('changes.list');
    const retries = pacer.stats.retries;
    await assert.rejects(read(t), (err: unknown) => {
      assert.ok(err instanceof RemoteError);
      assert.equal(err.reason, 'changesTokenExpired');
      assert.equal(err.status, 400);
      assert.match(err.message, new RegExp(`token ${t}\\b`));
      return true;
    });
    assert.equal(callsTo('changes.list') - before, 1);
    assert.equal(pacer.stats.retries, retries);

    for (const bad of ['not-a-token', '99999999']) {
      await assert.rejects(read(bad), { name: 'RemoteError', reason: 'changesTokenExpired' });
    }
  });

  it('retries 5xx, rate limits, HTML pages and broken JSON', async () => {
    const t = await drive.startPageToken();
    renameFile(lib, lib.ids.videos[2]!, 'retried.mp4');
    const kinds: FaultKind[] = [
      'backend500',
      'backend503',
      'rateLimit429',
      'htmlError502',
      'malformedJson200',
      'reset',
    ];
    for (const kind of kinds) {
      emu.faults.add({ route: 'changes.list', kind });
      const before = callsTo('changes.list');
      const retries = pacer.stats.retries;
      const { pages } = await read(t);
      assert.deepEqual(
        pages.flat().map((c) => c.entry?.name),
        ['retried.mp4'],
        kind,
      );
      assert.equal(callsTo('changes.list') - before, 2, kind);
      assert.equal(pacer.stats.retries - retries, 1, kind);
    }
    // google-auth-library answers a 403 by refreshing the token and trying once more itself;
    // the pacer backs off from the second one
    emu.faults.add({ route: 'changes.list', kind: 'rateLimit403', times: 2 });
    const before = callsTo('changes.list');
    const rateLimited = pacer.stats.rateLimited;
    assert.equal((await read(t)).pages.flat().length, 1);
    assert.equal(callsTo('changes.list') - before, 3);
    assert.equal(pacer.stats.rateLimited - rateLimited, 1);

    emu.faults.add({ route: 'changes.getStartPageToken', kind: 'backend503', times: 2 });
    assert.equal(await drive.startPageToken(), currentToken(lib));
    assert.equal(emu.faults.pending(), 0);

    emu.faults.add({ route: 'changes.list', kind: 'dailyLimit403', times: 2 });
    await assert.rejects(read(t), { name: 'SyncError' });
  });

  it('restarts from the stored token when Drive refuses a later page token', async () => {
    const t = await drive.startPageToken();
    const ids = lib.ids.outsidePhotos;
    for (const id of ids) renameFile(lib, id, `again_${id}.jpg`);
    emu.shortPages = true;
    emu.faults.add({ route: 'changes.list', kind: 'invalidPageToken400', skip: 1 });
    const before = callsTo('changes.list');
    const { pages, next } = await read(t);
    const seen = pages.flat().map((c) => c.fileId);
    assert.deepEqual([...new Set(seen)], ids);
    assert.ok(seen.length > ids.length, 'the first page came again');
    assert.equal(next, currentToken(lib));
    assert.ok(callsTo('changes.list') - before > pages.length);
  });
});
