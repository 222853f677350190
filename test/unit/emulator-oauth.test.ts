// The emulator's OAuth token endpoint, through google-auth-library's OAuth2Client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OAuth2Client } from 'google-auth-library';
import { realClients } from '../fakes/google/clients.ts';
import { demoLibrary } from '../fakes/google/scenarios.ts';
import { startEmulator } from '../fakes/google/server.ts';
import type { Emulator } from '../fakes/google/server.ts';

const CLIENT = 'cid.apps.googleusercontent.com';
const SECRET = 'csecret';

async function rejection(p: Promise<unknown>): Promise<{
  status: number;
  message: string;
  response: { data: unknown };
}> {
  try {
    await p;
  } catch (err) {
    assert.equal((err as Error).constructor.name, 'GaxiosError');
    return err as { status: number; message: string; response: { data: unknown } };
  }
  assert.fail('expected a rejection');
}

describe('OAuth token endpoint emulator', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({
      library: demoLibrary(),
      clients: [{ clientId: CLIENT, clientSecret: SECRET, refreshTokens: ['1//a', '1//b'] }],
    });
  });
  after(() => emu.close());

  const post = (body: Record<string, string>) =>
    fetch(emu.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });

  it('refreshes: 200 JSON with the real headers and members', async () => {
    const res = await post({
      refresh_token: '1//a',
      client_id: CLIENT,
      client_secret: SECRET,
      grant_type: 'refresh_token',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(
      res.headers.get('cache-control'),
      'no-cache, no-store, max-age=0, must-revalidate',
    );
    assert.equal(res.headers.get('pragma'), 'no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['access_token', 'expires_in', 'scope', 'token_type']);
    assert.match(body.access_token as string, /^ya29\./);
    assert.equal(body.expires_in, 3599);
    assert.equal(body.scope, 'https://www.googleapis.com/auth/drive.readonly');
    assert.equal(body.token_type, 'Bearer');
  });

  it('google-auth-library obtains a token and the Drive call carries it', async () => {
    const c = realClients(emu, { clientId: CLIENT, clientSecret: SECRET, refreshToken: '1//a' });
    const tokens: unknown[] = [];
    c.auth.on('tokens', (t) => tokens.push(t));
    const res = await c.drive.files.get({ fileId: 'root', fields: 'id' });
    assert.equal(res.status, 200);
    assert.equal(tokens.length, 1);
    const routes = emu.requests.slice(-2).map((r) => r.route);
    assert.deepEqual(routes, ['token', 'files.get']);
  });

  it('after revocation the client fails with invalid_grant (400) and sends no Drive request', async () => {
    const c = realClients(emu, { clientId: CLIENT, clientSecret: SECRET, refreshToken: '1//b' });
    await c.drive.files.get({ fileId: 'root' });
    emu.revokeRefreshToken('1//b');
    // revocation also kills the issued access token
    const e401 = await rejection(c.drive.files.get({ fileId: 'root' }, { retry: false }));
    assert.equal(e401.status, 401);

    const fresh = realClients(emu, {
      clientId: CLIENT,
      clientSecret: SECRET,
      refreshToken: '1//b',
    });
    const before = emu.stats().byRoute['files.get'] ?? 0;
    const e = await rejection(fresh.drive.files.get({ fileId: 'root' }));
    assert.equal(e.status, 400);
    assert.equal(e.message, 'invalid_grant');
    assert.deepEqual(e.response.data, {
      error: 'invalid_grant',
      error_description: 'Token has been expired or revoked.',
    });
    assert.equal(emu.stats().byRoute['files.get'] ?? 0, before);
  });

  it('rejects unknown clients, wrong secrets and incomplete requests', async () => {
    const unknown = await post({
      refresh_token: '1//a',
      client_id: 'other',
      client_secret: 'x',
      grant_type: 'refresh_token',
    });
    assert.equal(unknown.status, 401);
    assert.deepEqual(await unknown.json(), {
      error: 'invalid_client',
      error_description: 'The OAuth client was not found.',
    });
    const wrong = await post({
      refresh_token: '1//a',
      client_id: CLIENT,
      client_secret: 'nope',
      grant_type: 'refresh_token',
    });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_client');
    const noToken = await post({
      client_id: CLIENT,
      client_secret: SECRET,
      grant_type: 'refresh_token',
    });
    assert.equal(noToken.status, 400);
    assert.equal(((await noToken.json()) as { error: string }).error, 'invalid_request');
    const noGrant = await post({ client_id: CLIENT, client_secret: SECRET });
    assert.equal(noGrant.status, 400);
    assert.equal(((await noGrant.json()) as { error: string }).error, 'unsupported_grant_type');
    const bad = await post({
      refresh_token: '1//never-issued',
      client_id: CLIENT,
      client_secret: SECRET,
      grant_type: 'refresh_token',
    });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: string }).error, 'invalid_grant');
  });

  it('exchanges an authorization code once, returning a usable refresh token', async () => {
    emu.issueAuthCode('4/code-1', CLIENT, '1//from-code');
    const auth = new OAuth2Client({
      clientId: CLIENT,
      clientSecret: SECRET,
      redirectUri: 'http://127.0.0.1:8085/callback',
      endpoints: { oauth2TokenUrl: emu.tokenUrl },
    });
    const { tokens } = await auth.getToken('4/code-1');
    assert.equal(tokens.refresh_token, '1//from-code');
    assert.match(tokens.access_token ?? '', /^ya29\./);
    const again = await rejection(auth.getToken('4/code-1'));
    assert.equal(again.status, 400);
    assert.equal((again.response.data as { error: string }).error, 'invalid_grant');

    const c = realClients(emu, {
      clientId: CLIENT,
      clientSecret: SECRET,
      refreshToken: '1//from-code',
    });
    const res = await c.drive.files.get({ fileId: 'root', fields: 'id' });
    assert.equal(res.status, 200);
  });

  it('short access-token lifetimes are honoured (expires_in)', async () => {
    const short = await startEmulator({ library: demoLibrary(), accessTokenTtlSeconds: 1 });
    try {
      const c = realClients(short);
      await c.drive.files.get({ fileId: 'root' });
      await c.drive.files.get({ fileId: 'root' });
      // expires_in 1 < the 5-minute eager threshold: the client refreshes before every call
      assert.equal(short.stats().byRoute.token, 2);
    } finally {
      await short.close();
    }
  });
});
