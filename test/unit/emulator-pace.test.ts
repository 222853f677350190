// The emulator's mediaPaceMs: media bodies slowed piece by piece, the bytes unchanged, and the
// pace changeable between requests (the kill test slows the downloads it kills, then lifts it).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LibraryBuilder, md5Of, type Library } from '../fakes/google/library.ts';
import { startEmulator, type Emulator } from '../fakes/google/server.ts';

describe('emulator mediaPaceMs', () => {
  let emu: Emulator;
  let lib: Library;
  let id: string;
  let token: string;

  before(async () => {
    const b = new LibraryBuilder();
    // Four 64 KiB pieces.
    id = b.photo('BIG.jpg', b.folder('Google Photos'), { size: 4 * 65536 });
    lib = b.build();
    emu = await startEmulator({ library: lib, mediaPaceMs: 60 });
    const t = emu.defaultToken();
    const res = await fetch(emu.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', ...t }),
    });
    token = ((await res.json()) as { access_token: string }).access_token;
  });
  after(() => emu.close());

  async function download(): Promise<{ ms: number; md5: string }> {
    const t0 = Date.now();
    const res = await fetch(`${emu.url}drive/v3/files/${id}?alt=media`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    const body = Buffer.from(await res.arrayBuffer());
    return { ms: Date.now() - t0, md5: createHash('md5').update(body).digest('hex') };
  }

  it('pauses before each piece; the bytes are the same', async () => {
    assert.equal(emu.mediaPaceMs, 60);
    const slow = await download();
    assert.equal(slow.md5, md5Of(lib, id));
    assert.ok(slow.ms >= 4 * 60 - 10, `a 4-piece body took ${slow.ms} ms at 60 ms a piece`);
  });

  it('set at run time, it applies to the next request (0: none)', async () => {
    emu.mediaPaceMs = 0;
    const fast = await download();
    assert.equal(fast.md5, md5Of(lib, id));
    emu.mediaPaceMs = 1000;
    const t0 = Date.now();
    const res = await fetch(`${emu.url}drive/v3/files/${id}?alt=media`, {
      headers: { authorization: `Bearer ${token}`, range: 'bytes=0-9' },
    });
    assert.equal((await res.arrayBuffer()).byteLength, 10);
    assert.ok(Date.now() - t0 >= 990, 'one piece, one pause of 1 s');
  });
});
