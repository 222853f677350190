/**
 * `gphotos-sync auth` end to end: the built CLI, the emulator's consent page and token endpoint
 * (authorization_code grant with PKCE), the CLI's loopback redirect server, a pasted redirect,
 * and the outputs (a 0600 file, a Secret Manager version) that a pass then uses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseAuthorizedUser } from '../../src/secrets/token.ts';
import { realClients } from '../fakes/google/clients.ts';
import { demoLibrary } from '../fakes/google/scenarios.ts';
import { startEmulator, type Emulator } from '../fakes/google/server.ts';
import { authEnv, consent, startAuth, writeClientSecret } from '../helpers/auth.ts';
import { runCli } from '../helpers/cli.ts';
import { secretManagerWorld } from '../helpers/secret-manager.ts';

const DRIVE = 'https://www.googleapis.com/auth/drive.readonly';
const PICASA = 'https://picasaweb.google.com/data/';

let emu: Emulator;
let dir: string;
let clientFile: string;

before(async () => {
  emu = await startEmulator({ library: demoLibrary() });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gphotos-auth-'));
  clientFile = await writeClientSecret(emu, dir);
});

after(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

/** The refresh token in `file` is a valid, usable token: the emulator's Drive answers with it. */
async function assertUsable(text: string, source: string): Promise<string> {
  const creds = parseAuthorizedUser(text, source);
  assert.equal(creds.clientId, emu.defaultToken().client_id);
  assert.equal(creds.clientSecret.reveal(), emu.defaultToken().client_secret);
  const { drive } = realClients(emu, { refreshToken: creds.refreshToken.reveal() });
  const res = await drive.files.get({ fileId: 'root', fields: 'id' });
  assert.equal(res.status, 200);
  return creds.refreshToken.reveal();
}

describe('gphotos-sync auth', () => {
  it('loopback: consent URL, redirect to the CLI, code exchanged with PKCE, 0600 file, usage lines', async () => {
    const tokenFile = path.join(dir, 'token.json');
    const run = startAuth(['--client-secret', clientFile, '--token-file', tokenFile], authEnv(emu));
    const url = await run.consentUrl;
    assert.equal(url.origin + url.pathname, emu.authUrl);
    const q = url.searchParams;
    assert.equal(q.get('client_id'), emu.defaultToken().client_id);
    assert.equal(q.get('response_type'), 'code');
    assert.deepEqual(q.get('scope')?.split(' '), [DRIVE, PICASA]);
    assert.equal(q.get('access_type'), 'offline');
    assert.equal(q.get('prompt'), 'consent');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(q.get('state') ?? '', /^[A-Za-z0-9_-]{20,}$/);
    const redirectUri = new URL(q.get('redirect_uri') ?? '');
    assert.equal(redirectUri.hostname, '127.0.0.1');
    assert.ok(Number(redirectUri.port) > 0);

    const location = await consent(url);
    assert.equal(location.origin, redirectUri.origin);
    assert.equal(location.searchParams.get('state'), q.get('state'));
    assert.match(location.searchParams.get('code') ?? '', /^4\/0A/);
    const page = await fetch(location);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /you can close this tab/);

    const r = await run.done;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
    const text = await readFile(tokenFile, 'utf8');
    assert.equal(JSON.parse(text).type, 'authorized_user');
    const refresh = await assertUsable(text, `file ${tokenFile}`);
    assert.ok(
      !r.stdout.includes(refresh) && !r.stderr.includes(refresh),
      'the token is never printed',
    );
    assert.ok(!r.stdout.includes(emu.defaultToken().client_secret));
    assert.ok(
      r.stdout.includes(
        `kubectl -n gphotos create secret generic gphotos-sync-token --from-file=token.json=${tokenFile}`,
      ),
      r.stdout,
    );
    assert.ok(
      r.stdout.includes(
        // The same user as the sync container (it reads the token), and the published image.
        `docker run --rm --user "$(id -u):$(id -g)" --stop-timeout 90 -v /volume1/photos:/data -v ${tokenFile}:/run/secrets/gphotos-token:ro -e GPHOTOS_TOKEN_FILE=/run/secrets/gphotos-token ghcr.io/gphotos-sync/gphotos-sync`,
      ),
      r.stdout,
    );
    assert.match(r.stdout, /"Testing" status.*7 days/s);

    // The file exists now: a second run refuses before any consent, --force replaces it.
    const again = await runCli(
      ['auth', '--client-secret', clientFile, '--token-file', tokenFile],
      authEnv(emu),
    );
    assert.equal(again.code, 2, again.stderr);
    assert.match(again.stderr, /token\.json exists already: pass --force/);
    assert.doesNotMatch(again.stdout, /oauth2/);
    const forced = startAuth(
      ['--client-secret', clientFile, '--token-file', tokenFile, '--force'],
      authEnv(emu),
    );
    await fetch(await consent(await forced.consentUrl));
    assert.equal((await forced.done).code, 0);
    const replaced = await assertUsable(await readFile(tokenFile, 'utf8'), 'file');
    assert.notEqual(replaced, refresh);
  });

  it('paste: the redirected address typed on stdin (browser on another machine)', async () => {
    const tokenFile = path.join(dir, 'pasted.json');
    const run = startAuth(
      ['--client-secret', clientFile, '--token-file', tokenFile, '--paste'],
      authEnv(emu),
    );
    const location = await consent(await run.consentUrl);
    await run.waitFor(/paste it here/);
    // The loopback page never loads on the other machine; the person copies its address.
    run.child.stdin?.write('not the address\n');
    run.child.stdin?.write(`${location.toString()}\n`);
    const r = await run.done;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /neither the redirected address nor a code/);
    await assertUsable(await readFile(tokenFile, 'utf8'), 'file');

    // Just the code works too.
    const bare = path.join(dir, 'bare.json');
    const run2 = startAuth(
      ['--client-secret', clientFile, '--token-file', bare, '--paste'],
      authEnv(emu),
    );
    const loc2 = await consent(await run2.consentUrl);
    run2.child.stdin?.end(`${loc2.searchParams.get('code')}\n`);
    const r2 = await run2.done;
    assert.equal(r2.code, 0, r2.stdout + r2.stderr);
    await assertUsable(await readFile(bare, 'utf8'), 'file');
  });

  it('consent refused: a clear error, exit 4, nothing written', async () => {
    emu.setConsent({ answer: 'deny' });
    try {
      const tokenFile = path.join(dir, 'denied.json');
      const run = startAuth(
        ['--client-secret', clientFile, '--token-file', tokenFile],
        authEnv(emu),
      );
      const location = await consent(await run.consentUrl);
      assert.equal(location.searchParams.get('error'), 'access_denied');
      const page = await fetch(location);
      assert.equal(page.status, 400);
      const r = await run.done;
      assert.equal(r.code, 4, r.stdout + r.stderr);
      assert.match(
        r.stderr,
        /consent was refused on Google's page \(access_denied\); nothing was saved/,
      );
      await assert.rejects(stat(tokenFile), { code: 'ENOENT' });
    } finally {
      emu.setConsent({ answer: 'approve' });
    }
  });

  it('a redirect with another state is rejected (exit 4), its code never exchanged', async () => {
    const tokenFile = path.join(dir, 'forged.json');
    const run = startAuth(['--client-secret', clientFile, '--token-file', tokenFile], authEnv(emu));
    const location = await consent(await run.consentUrl);
    location.searchParams.set('state', 'forged-state-value');
    const before = emu.stats().byRoute.token ?? 0;
    const page = await fetch(location);
    assert.equal(page.status, 400);
    const r = await run.done;
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stderr, /different state than this run sent/);
    assert.equal(emu.stats().byRoute.token ?? 0, before, 'no code exchange');
    await assert.rejects(stat(tokenFile), { code: 'ENOENT' });
  });

  it('Drive unticked on the consent page: refused; Picasa unticked: a warning', async () => {
    emu.setConsent({ answer: 'approve', grantScopes: [PICASA] });
    try {
      const tokenFile = path.join(dir, 'partial.json');
      const run = startAuth(
        ['--client-secret', clientFile, '--token-file', tokenFile],
        authEnv(emu),
      );
      await fetch(await consent(await run.consentUrl));
      const r = await run.done;
      assert.equal(r.code, 4, r.stdout + r.stderr);
      assert.match(r.stderr, /Drive read access was not granted/);
      await assert.rejects(stat(tokenFile), { code: 'ENOENT' });

      emu.setConsent({ answer: 'approve', grantScopes: [DRIVE] });
      const run2 = startAuth(
        ['--client-secret', clientFile, '--token-file', tokenFile],
        authEnv(emu),
      );
      await fetch(await consent(await run2.consentUrl));
      const r2 = await run2.done;
      assert.equal(r2.code, 0, r2.stdout + r2.stderr);
      assert.match(r2.stdout, /Picasa Web Albums access was not granted/);
    } finally {
      emu.setConsent({ answer: 'approve' });
    }
  });

  it('--token-secret: adds a Secret Manager version that a pass can read', async () => {
    const w = await secretManagerWorld({ secrets: { 'gphotos-token': [] } });
    try {
      const name = w.name('gphotos-token');
      const run = startAuth(
        ['--client-secret', clientFile, '--token-secret', name],
        authEnv(emu, w.env),
      );
      await fetch(await consent(await run.consentUrl));
      const r = await run.done;
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const versions = w.sm.versions('gphotos-token');
      assert.equal(versions.length, 1);
      await assertUsable(versions[0]?.data.toString('utf8') ?? '', 'Secret Manager');
      assert.match(
        r.stdout,
        /Added the token to Secret Manager as projects\/test-project\/secrets\/gphotos-token\/versions\/1/,
      );
      assert.ok(r.stdout.includes(`-e GPHOTOS_TOKEN_SECRET=${name}`), r.stdout);
      assert.equal(w.sm.requests.at(-1)?.principal, w.key.email);
    } finally {
      await w.close();
    }
  });

  it('usage errors are listed before any consent: no client file, no output, a token as client', async () => {
    const none = await runCli(['auth'], authEnv(emu));
    assert.equal(none.code, 2, none.stdout + none.stderr);
    assert.match(none.stderr, /missing --client-secret PATH/);
    assert.match(none.stderr, /--token-file PATH.*--token-secret/);
    const tokenAsClient = path.join(dir, 'a-token.json');
    await writeFile(tokenAsClient, JSON.stringify(emu.defaultToken()));
    const wrong = await runCli(
      [
        'auth',
        '--client-secret',
        tokenAsClient,
        '--token-secret',
        'projects/p/secrets/s',
        '--token-file',
        path.join(dir, 'x.json'),
      ],
      authEnv(emu),
    );
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /already a token/);
    assert.match(wrong.stderr, /auth writes one of them/);
    const badName = await runCli(
      ['auth', '--client-secret', clientFile, '--token-secret', 'projects/p/secrets/s'],
      authEnv(emu),
    );
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /`tokenSecret` names a secret but no version/);
    const help = await runCli(['auth', '--help'], authEnv(emu));
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--client-secret/);
    assert.match(help.stdout, /--paste/);
  });
});
