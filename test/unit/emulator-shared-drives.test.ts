// Shared drives in the emulator through the REAL @googleapis/drive client, checked against
// ../shared/google-apis.md ("Drive of today"): drives.list / drives.get, files.list with
// corpora=drive, the 400 and 403 of driveId and includeItemsFromAllDrives, 404 without
// supportsAllDrives, driveId on items (no ownedByMe), and one changes feed per shared drive.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { realClients, type RealClients } from '../fakes/google/clients.ts';
import {
  addFolder,
  addPhoto,
  deleteFile,
  LibraryBuilder,
  renameFile,
  type Library,
} from '../fakes/google/library.ts';
import { startEmulator, type Emulator } from '../fakes/google/server.ts';
import {
  addSharedDrive,
  loseSharedDrive,
  renameSharedDrive,
} from '../fakes/google/shared-drives.ts';
import { apiError, noRetry } from '../helpers/google.ts';

const ALL = { includeItemsFromAllDrives: true, supportsAllDrives: true };
const FILE_FIELDS = 'files(id,name,parents,driveId,ownedByMe,owners)';

function reasonOf(err: { response: { data: unknown } }): string | undefined {
  return (err.response.data as { error: { errors: Array<{ reason: string }> } }).error.errors[0]
    ?.reason;
}

describe('shared drives of the emulator through the real client', () => {
  let emu: Emulator;
  let lib: Library;
  let c: RealClients;
  const ids = { team: '', other: '', folder: '', top: '', deep: '', mine: '' };

  before(async () => {
    const b = new LibraryBuilder();
    const gp = b.folder('Google Photos');
    ids.mine = b.photo('Mine.jpg', gp);
    lib = b.build();
    ids.team = addSharedDrive(lib, 'Team');
    ids.other = addSharedDrive(lib, 'Other');
    ids.folder = addFolder(lib, '2020', ids.team);
    ids.top = addPhoto(lib, 'Top.jpg', ids.team);
    ids.deep = addPhoto(lib, 'Deep.jpg', ids.folder);
    emu = await startEmulator({ library: lib });
    c = realClients(emu);
  });
  after(() => emu.close());

  it('drives.list and drives.get describe each drive; an unknown one is 404', async () => {
    const list = (await c.drive.drives.list({})).data;
    assert.equal(list.kind, 'drive#driveList');
    assert.deepEqual(
      list.drives?.map((d) => [d.kind, d.id, d.name]),
      [
        ['drive#drive', ids.team, 'Team'],
        ['drive#drive', ids.other, 'Other'],
      ],
    );
    const got = (await c.drive.drives.get({ driveId: ids.team, fields: 'id,name,createdTime' }))
      .data;
    assert.deepEqual(Object.keys(got).sort(), ['createdTime', 'id', 'name']);
    assert.equal(got.name, 'Team');
    const missing = await apiError(c.drive.drives.get({ driveId: 'nope' }, noRetry));
    assert.equal(missing.status, 404);
    assert.equal(reasonOf(missing), 'notFound');
    assert.match(missing.message, /Shared drive not found: nope/);
  });

  it('corpora=drive lists one drive, items carry driveId and no ownedByMe/owners', async () => {
    const res = await c.drive.files.list({
      corpora: 'drive',
      driveId: ids.team,
      ...ALL,
      fields: FILE_FIELDS,
    });
    const files = res.data.files ?? [];
    assert.deepEqual(files.map((f) => f.name).sort(), ['2020', 'Deep.jpg', 'Top.jpg']);
    for (const f of files) {
      assert.equal(f.driveId, ids.team);
      assert.equal(f.ownedByMe, undefined);
      assert.equal(f.owners, undefined);
    }
    assert.deepEqual(files.find((f) => f.id === ids.top)?.parents, [ids.team]);
    // The default corpus is My Drive alone; its items are owned and have no driveId.
    const mine = (await c.drive.files.list({ fields: FILE_FIELDS })).data.files ?? [];
    assert.deepEqual(mine.map((f) => f.name).sort(), ['Google Photos', 'Mine.jpg']);
    assert.ok(mine.every((f) => f.driveId === undefined && f.ownedByMe === true));
  });

  it('driveId only with corpora=drive (400), includeItemsFromAllDrives required (403)', async () => {
    const noCorpora = await apiError(c.drive.files.list({ driveId: ids.team, ...ALL }, noRetry));
    assert.equal(noCorpora.status, 400);
    const noDrive = await apiError(c.drive.files.list({ corpora: 'drive', ...ALL }, noRetry));
    assert.equal(noDrive.status, 400);
    const noInclude = await apiError(
      c.drive.files.list({ corpora: 'drive', driveId: ids.team, supportsAllDrives: true }, noRetry),
    );
    assert.equal(noInclude.status, 403);
    assert.equal(reasonOf(noInclude), 'teamDriveIncludeItemsRequired');
  });

  it('files.get and alt=media on a shared-drive item need supportsAllDrives=true', async () => {
    const hidden = await apiError(c.drive.files.get({ fileId: ids.deep }, noRetry));
    assert.equal(hidden.status, 404);
    const media = await apiError(c.drive.files.get({ fileId: ids.deep, alt: 'media' }, noRetry));
    assert.equal(media.status, 404);
    const got = await c.drive.files.get({
      fileId: ids.deep,
      supportsAllDrives: true,
      fields: 'id,driveId',
    });
    assert.equal(got.data.driveId, ids.team);
    const bytes = await c.drive.files.get(
      { fileId: ids.deep, alt: 'media', supportsAllDrives: true },
      { responseType: 'arraybuffer' },
    );
    assert.equal(bytes.status, 200);
  });

  it("each shared drive has its own changes feed; My Drive's leaves them out", async () => {
    const teamStart = (
      await c.drive.changes.getStartPageToken({ driveId: ids.team, supportsAllDrives: true })
    ).data.startPageToken!;
    const myStart = (await c.drive.changes.getStartPageToken({})).data.startPageToken!;
    renameFile(lib, ids.top, 'Top2.jpg');
    deleteFile(lib, ids.deep);
    const otherPhoto = addPhoto(lib, 'Elsewhere.jpg', ids.other);
    const minePhoto = addPhoto(lib, 'Mine2.jpg', lib.rootId);
    const feed = async (token: string, params: Record<string, unknown>) => {
      const res = await c.drive.changes.list({
        pageToken: token,
        fields: 'newStartPageToken,nextPageToken,changes(fileId,removed,file(name,driveId))',
        ...params,
      });
      return res.data.changes ?? [];
    };
    const team = await feed(teamStart, { driveId: ids.team, ...ALL });
    assert.deepEqual(
      team.map((ch) => [ch.fileId, ch.removed, ch.file?.name, ch.file?.driveId]),
      [
        [ids.top, false, 'Top2.jpg', ids.team],
        [ids.deep, true, undefined, undefined],
      ],
    );
    const other = await feed(teamStart, { driveId: ids.other, ...ALL });
    assert.deepEqual(
      other.map((ch) => ch.fileId),
      [otherPhoto],
    );
    const mine = await feed(myStart, { restrictToMyDrive: true });
    assert.deepEqual(
      mine.map((ch) => ch.fileId),
      [minePhoto],
    );
    const noInclude = await apiError(
      c.drive.changes.list(
        { pageToken: teamStart, driveId: ids.team, supportsAllDrives: true },
        noRetry,
      ),
    );
    assert.equal(noInclude.status, 403);
    assert.equal(reasonOf(noInclude), 'teamDriveIncludeItemsRequired');
  });

  it('a renamed drive is renamed in drives.get; a lost one is 404 everywhere', async () => {
    renameSharedDrive(lib, ids.other, 'Other 2');
    assert.equal((await c.drive.drives.get({ driveId: ids.other })).data.name, 'Other 2');
    loseSharedDrive(lib, ids.other);
    const got = await apiError(c.drive.drives.get({ driveId: ids.other }, noRetry));
    assert.equal(got.status, 404);
    const list = await apiError(
      c.drive.files.list({ corpora: 'drive', driveId: ids.other, ...ALL }, noRetry),
    );
    assert.equal(list.status, 404);
    const token = await apiError(
      c.drive.changes.getStartPageToken({ driveId: ids.other, supportsAllDrives: true }, noRetry),
    );
    assert.equal(token.status, 404);
  });
});
