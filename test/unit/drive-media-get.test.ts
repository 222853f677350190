// Drive downloads on node's fetch without gaxios (src/remote/authorized-get.ts): the same bytes,
// the same error facts for the pacer and the pass, the same one refresh-and-repeat after a 401,
// and gaxios' path kept for a client whose transport is not node's fetch (a proxy set).
// Real DriveClient and OAuth clients against the emulator.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { OAuth2Client } from 'google-auth-library';
import { Pacer } from '../../src/lib/pacer.ts';
import { HttpStatusError } from '../../src/remote/authorized-get.ts';
import { DriveClient } from '../../src/remote/drive/client.ts';
import { factsOf } from '../../src/remote/google-errors.ts';
import type { FaultKind } from '../fakes/google/faults.ts';
import { contentOf, LibraryBuilder } from '../fakes/google/library.ts';
import { emulatorOAuth } from '../helpers/google.ts';
import { startEmulator, type Emulator } from '../fakes/google/server.ts';

async function bytesOf(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('Drive media GET on node fetch', () => {
  let emu: Emulator;
  let direct: DriveClient;
  /** The same client on gaxios' default transport (node-fetch): what a proxy setting gives. */
  let viaGaxios: DriveClient;
  let id: string;
  /** Calls of the direct client's OAuth `request` (gaxios' path): none for a download. */
  let gaxiosCalls = 0;

  before(async () => {
    const b = new LibraryBuilder();
    id = b.photo('IMG_1.jpg', b.folder('Google Photos'));
    emu = await startEmulator({ library: b.build() });
    const t = emu.defaultToken();
    const pacer = new Pacer({ retries: 1, baseMs: 1, maxMs: 1 });
    const auth = emulatorOAuth(emu);
    const request = auth.request.bind(auth);
    auth.request = ((opts: Parameters<typeof request>[0]) => {
      gaxiosCalls++;
      return request(opts);
    }) as typeof auth.request;
    direct = new DriveClient({ auth, rootUrl: emu.url, pacer });
    const gaxiosAuth = new OAuth2Client({
      clientId: t.client_id,
      clientSecret: t.client_secret,
      endpoints: { oauth2TokenUrl: emu.tokenUrl },
      forceRefreshOnFailure: true,
    });
    gaxiosAuth.setCredentials({ refresh_token: t.refresh_token });
    viaGaxios = new DriveClient({ auth: gaxiosAuth, rootUrl: emu.url, pacer });
  });
  beforeEach(() => emu.faults.clear());
  after(() => emu.close());

  const route = (r: string, from: number) =>
    emu.requests.slice(from).filter((q) => q.route === r).length;

  it('gives the same bytes and offsets as the OAuth client, whole and from an offset', async () => {
    const want = contentOf(emu.library, id);
    for (const client of [direct, viaGaxios]) {
      const whole = await client.download(id, 0);
      assert.equal(whole.offset, 0);
      assert.equal(whole.length, want.length);
      assert.deepEqual(await bytesOf(whole.body), want);
      const tail = await client.download(id, 100);
      assert.equal(tail.offset, 100);
      assert.deepEqual(await bytesOf(tail.body), want.subarray(100));
    }
  });

  it('after a 401 on a token that looked fresh: one refresh, the GET once more, no error', async () => {
    await bytesOf((await direct.download(id, 0)).body);
    emu.expireAccessTokens();
    const [media, token] = [route('media', 0), route('token', 0)];
    const dl = await direct.download(id, 0);
    assert.deepEqual(await bytesOf(dl.body), contentOf(emu.library, id));
    assert.equal(route('media', 0) - media, 2, 'the 401, then the GET again');
    assert.equal(route('token', 0) - token, 1, 'one refresh');
  });

  const cases: Array<{ kind: FaultKind | 'missing'; retryAfterSeconds?: number }> = [
    { kind: 'userRateLimit403', retryAfterSeconds: 7 },
    { kind: 'rateLimit429', retryAfterSeconds: 3 },
    { kind: 'downloadQuota403' },
    { kind: 'dailyLimit403' },
    { kind: 'backend500' },
    { kind: 'backend503', retryAfterSeconds: 2 },
    { kind: 'htmlError502' },
    { kind: 'missing' },
  ];
  for (const c of cases) {
    it(`a failed GET (${c.kind}) gives the facts gaxios' error gave`, async () => {
      const facts = async (client: DriveClient) => {
        emu.faults.clear();
        if (c.kind !== 'missing') {
          const { kind, retryAfterSeconds } = c;
          emu.faults.add({ route: 'media', fileId: id, kind, retryAfterSeconds, times: Infinity });
        }
        const err = await client.download(c.kind === 'missing' ? 'no-such-file' : id, 0).then(
          () => assert.fail('the GET should have failed'),
          (e: unknown) => e,
        );
        const f = factsOf(err);
        return { status: f.status, reason: f.reason, retryAfterMs: f.retryAfterMs };
      };
      const want = await facts(viaGaxios);
      const got = await facts(direct);
      assert.ok(want.status !== undefined && want.status >= 400, JSON.stringify(want));
      assert.deepEqual(got, want);
    });
  }

  it('never goes through gaxios when the client transport is node fetch', () => {
    assert.equal(gaxiosCalls, 0);
  });

  it('keeps no URL and no token in its error', async () => {
    emu.faults.add({ route: 'media', fileId: id, kind: 'backend500' });
    const err = await direct.download(id, 0).catch((e: unknown) => e);
    assert.ok(err instanceof HttpStatusError);
    const text = `${err.message} ${JSON.stringify(err)}`;
    assert.doesNotMatch(text, /Bearer|ya29|access_token|alt=media/);
  });
});
