// Drive shortcuts in the emulator, through the real googleapis client, against the reference
// (../shared/google-apis.md, "Drive of today").
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { realClients, type RealClients } from '../fakes/google/clients.ts';
import {
  addShortcut,
  currentToken,
  deleteFile,
  LibraryBuilder,
  SHORTCUT_MIME,
  type Library,
} from '../fakes/google/library.ts';
import { startEmulator, type Emulator } from '../fakes/google/server.ts';
import { apiError, noRetry } from '../helpers/google.ts';

describe('Drive shortcuts in the emulator', () => {
  let emu: Emulator;
  let lib: Library;
  let c: RealClients;
  const ids = {} as Record<'photo' | 'toPhoto' | 'toFolder' | 'toUnseen' | 'gp', string>;

  before(async () => {
    const b = new LibraryBuilder();
    const gp = b.folder('Google Photos');
    const outside = b.folder('Elsewhere');
    ids.photo = b.photo('a.jpg', outside, { size: 500 });
    ids.toPhoto = b.shortcut('a.jpg', gp, ids.photo);
    ids.toFolder = b.shortcut('Elsewhere', gp, outside);
    ids.toUnseen = b.shortcut('gone.jpg', gp, '1NotVisibleToThisAccount00', 'image/jpeg');
    ids.gp = gp;
    lib = b.build();
    emu = await startEmulator({ library: lib });
    c = realClients(emu);
  });
  after(() => emu.close());

  it('serves shortcutDetails and no size or checksums', async () => {
    const res = await c.drive.files.get({
      fileId: ids.toPhoto,
      fields: 'id,mimeType,size,md5Checksum,sha256Checksum,shortcutDetails',
    });
    assert.deepEqual(res.data, {
      id: ids.toPhoto,
      mimeType: SHORTCUT_MIME,
      shortcutDetails: { targetId: ids.photo, targetMimeType: 'image/jpeg' },
    });
    const folder = await c.drive.files.get({ fileId: ids.toFolder, fields: 'shortcutDetails' });
    assert.equal(folder.data.shortcutDetails?.targetMimeType, 'application/vnd.google-apps.folder');
  });

  it('lists shortcuts by mimeType in a folder', async () => {
    const res = await c.drive.files.list({
      q: `'${ids.gp}' in parents and mimeType = '${SHORTCUT_MIME}' and trashed = false`,
      fields: 'files(id)',
    });
    assert.deepEqual(
      new Set(res.data.files?.map((f) => f.id)),
      new Set([ids.toPhoto, ids.toFolder, ids.toUnseen]),
    );
  });

  it('answers 403 fileNotDownloadable to alt=media on a shortcut', async () => {
    const err = await apiError(
      c.drive.files.get(
        { fileId: ids.toPhoto, alt: 'media' },
        { ...noRetry, responseType: 'text' },
      ),
    );
    assert.equal(err.status, 403);
    assert.match(JSON.stringify(err.response.data), /fileNotDownloadable/);
  });

  it('answers 404 for a target the account cannot see', async () => {
    const err = await apiError(
      c.drive.files.get({ fileId: '1NotVisibleToThisAccount00', fields: 'id' }, noRetry),
    );
    assert.equal(err.status, 404);
  });

  it('puts a new and a deleted shortcut in the changes feed', async () => {
    const token = currentToken(lib);
    const added = addShortcut(lib, 'again.jpg', ids.gp, ids.photo);
    deleteFile(lib, ids.toPhoto);
    const res = await c.drive.changes.list({
      pageToken: token,
      fields: 'newStartPageToken,changes(fileId,removed,file(id,shortcutDetails))',
    });
    const byId = new Map(res.data.changes?.map((ch) => [ch.fileId, ch]));
    assert.deepEqual(byId.get(added)?.file?.shortcutDetails, {
      targetId: ids.photo,
      targetMimeType: 'image/jpeg',
    });
    assert.equal(byId.get(ids.toPhoto)?.removed, true);
  });
});
