/**
 * The emulator's consent page and authorization_code grant against the REAL google-auth-library
 * (generateAuthUrl, generateCodeVerifierAsync, getToken): what `gphotos-sync auth` relies on,
 * and what Google refuses (wrong PKCE verifier, another redirect URI, reused code, bad requests).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CodeChallengeMethod, OAuth2Client } from 'google-auth-library';
import { demoLibrary } from '../fakes/google/scenarios.ts';
import { startEmulator, type Emulator } from '../fakes/google/server.ts';
import { apiError } from '../helpers/google.ts';
import { consent } from '../helpers/auth.ts';

let emu: Emulator;
const REDIRECT = 'http://127.0.0.1:43210/';

before(async () => {
  emu = await startEmulator({ library: demoLibrary() });
});
after(() => emu.close());

function client(redirectUri = REDIRECT): OAuth2Client {
  const t = emu.defaultToken();
  return new OAuth2Client({
    clientId: t.client_id,
    clientSecret: t.client_secret,
    redirectUri,
    endpoints: { oauth2AuthBaseUrl: emu.authUrl, oauth2TokenUrl: emu.tokenUrl },
  });
}

async function authorize(
  c: OAuth2Client,
  scope = ['https://www.googleapis.com/auth/drive.readonly'],
) {
  const { codeVerifier, codeChallenge } = await c.generateCodeVerifierAsync();
  const url = c.generateAuthUrl({
    access_type: 'offline',
    prompt: 'consent',
    scope,
    state: 'xyz',
    code_challenge: codeChallenge,
    code_challenge_method: CodeChallengeMethod.S256,
  });
  const location = await consent(new URL(url));
  return { location, code: location.searchParams.get('code') ?? '', codeVerifier };
}

describe('emulator: consent page and authorization_code grant with PKCE', () => {
  it('redirects with state, code and the granted scopes; the exchange gives a usable token', async () => {
    const c = client();
    const { location, code, codeVerifier } = await authorize(c);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    assert.deepEqual([...location.searchParams.keys()], ['state', 'code', 'scope']);
    assert.equal(location.searchParams.get('state'), 'xyz');
    const { tokens } = await c.getToken({ code, codeVerifier });
    assert.match(tokens.refresh_token ?? '', /^1\/\/0/);
    assert.equal(tokens.scope, 'https://www.googleapis.com/auth/drive.readonly');
    const again = await apiError(c.getToken({ code, codeVerifier }));
    assert.equal(again.status, 400);
    assert.deepEqual(again.response.data, {
      error: 'invalid_grant',
      error_description: 'Malformed auth code.',
    });
  });

  it('refuses a wrong or missing PKCE verifier and another redirect URI', async () => {
    const c = client();
    const wrong = await authorize(c);
    const bad = await apiError(
      c.getToken({ code: wrong.code, codeVerifier: `${wrong.codeVerifier}x` }),
    );
    assert.deepEqual(bad.response.data, {
      error: 'invalid_grant',
      error_description: 'Invalid code verifier.',
    });
    const none = await authorize(c);
    const missing = await apiError(c.getToken({ code: none.code }));
    assert.deepEqual(missing.response.data, {
      error: 'invalid_grant',
      error_description: 'Missing code verifier.',
    });
    const moved = await authorize(c);
    const mismatch = await apiError(
      c.getToken({
        code: moved.code,
        codeVerifier: moved.codeVerifier,
        redirect_uri: 'http://127.0.0.1:1/',
      }),
    );
    assert.deepEqual(mismatch.response.data, {
      error: 'redirect_uri_mismatch',
      error_description: 'Bad Request',
    });
  });

  it('deny: access_denied with the state; bad requests get an error page, no redirect', async () => {
    emu.setConsent({ answer: 'deny' });
    try {
      const { location } = await authorize(client());
      assert.equal(location.searchParams.get('error'), 'access_denied');
      assert.equal(location.searchParams.get('state'), 'xyz');
      assert.equal(location.searchParams.get('code'), null);
    } finally {
      emu.setConsent({ answer: 'approve' });
    }
    const page = async (params: Record<string, string>): Promise<[number, string]> => {
      const res = await fetch(`${emu.authUrl}?${new URLSearchParams(params)}`, {
        redirect: 'manual',
      });
      return [res.status, await res.text()];
    };
    const base = {
      client_id: emu.defaultToken().client_id,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'https://www.googleapis.com/auth/drive.readonly',
    };
    const [unknown, unknownText] = await page({ ...base, client_id: 'nobody' });
    assert.equal(unknown, 401);
    assert.match(unknownText, /invalid_client/);
    const [remote, remoteText] = await page({ ...base, redirect_uri: 'https://example.com/cb' });
    assert.equal(remote, 400);
    assert.match(remoteText, /redirect_uri_mismatch/);
    const [token] = await page({ ...base, response_type: 'token' });
    assert.equal(token, 400);
    const [noScope] = await page({ ...base, scope: '' });
    assert.equal(noScope, 400);
  });
});
