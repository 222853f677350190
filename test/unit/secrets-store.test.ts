import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SyncError, UsageError, exitCodeOf } from '../../src/errors/errors.ts';
import { parseClientSecret } from '../../src/secrets/client-secret.ts';
import { crc32c } from '../../src/secrets/crc32c.ts';
import { codeFromPasted, loopbackRedirectUri } from '../../src/secrets/redirect.ts';
import { Secret } from '../../src/secrets/secret.ts';
import { parseSecretVersionName } from '../../src/secrets/secret-name.ts';
import { openTokenStore } from '../../src/secrets/store.ts';
import type { TokenStoreSettings } from '../../src/secrets/store.ts';
import { authorizedUserJson, writeTokenFile } from '../../src/secrets/token-file.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'gphotos-secrets-store-'));
const SECRET = 'GOCSPX-topsecret';
const REFRESH = '1//0refreshTOKENvalue123';
const good = {
  type: 'authorized_user' as const,
  client_id: 'cid.apps.googleusercontent.com',
  client_secret: SECRET,
  refresh_token: REFRESH,
};

const none: TokenStoreSettings = {
  token: null,
  tokenFile: null,
  tokenSecret: null,
  secretManagerUrl: null,
  retries: 3,
  backoffBase: 1,
  backoffMax: 2,
};

async function usageText(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    const text = [...err.problems, ...err.hints].join('\n');
    assert.ok(!text.includes('topsecret') && !text.includes('refreshTOKEN'), `leak: ${text}`);
    return text;
  }
  assert.fail('expected UsageError');
}

test('crc32c: Castagnoli check value and RFC 3720 vectors', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
  assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
});

test('Secret Manager version names: accepted forms and a clear reason otherwise', () => {
  const ok = parseSecretVersionName('projects/my-proj/secrets/gphotos_token-1/versions/latest');
  assert.ok(!('problem' in ok));
  assert.equal(ok.secretName, 'projects/my-proj/secrets/gphotos_token-1');
  assert.equal(ok.version, 'latest');
  const numbered = parseSecretVersionName('projects/123456789/secrets/t/versions/12');
  assert.ok(!('problem' in numbered) && numbered.version === '12');
  const reason = (name: string): string => {
    const r = parseSecretVersionName(name);
    assert.ok('problem' in r, name);
    return r.problem;
  };
  assert.match(reason('projects/p1234/secrets/s'), /no version: add \/versions\/latest/);
  assert.match(reason('my-secret'), /projects\/P\/secrets\/S\/versions\/V/);
  assert.match(reason('projects/p1234/secrets/s/versions/0'), /version `0`/);
  assert.match(reason('projects/p1234/secrets/s/versions/newest'), /version `newest`/);
  assert.match(reason('projects/p1234/secrets/a b/versions/1'), /secret ID `a b`/);
  assert.match(reason('projects/My_Proj/secrets/s/versions/1'), /project `My_Proj`/);
});

test('openTokenStore: exactly one source, a valid name, every problem named', async () => {
  assert.match(await usageText(openTokenStore(none)), /no token configured.*GPHOTOS_TOKEN_SECRET/);
  const file = path.join(dir, 'good.json');
  writeFileSync(file, JSON.stringify(good));
  const both = await usageText(
    openTokenStore({
      ...none,
      tokenFile: file,
      token: new Secret(JSON.stringify(good)),
      tokenSecret: 'projects/p1234/secrets/s/versions/latest',
    }),
  );
  assert.match(
    both,
    /Secret Manager token \(projects\/p1234\/secrets\/s\/versions\/latest, from env GPHOTOS_TOKEN_SECRET\) and a token file/,
  );
  assert.match(both, /and an inline token \(env GPHOTOS_TOKEN\)/);
  const bad = await usageText(
    openTokenStore(
      { ...none, tokenSecret: 'projects/p1234/secrets/s' },
      {
        sourceOf: () => '--token-secret',
      },
    ),
  );
  assert.match(
    bad,
    /`tokenSecret` names a secret but no version.*got `projects\/p1234\/secrets\/s` \(from --token-secret\)/,
  );
  // Opening a Secret Manager store makes no call: the name is all it checks.
  const sm = await openTokenStore({ ...none, tokenSecret: 'projects/p1234/secrets/s/versions/3' });
  assert.equal(sm.kind, 'secret-manager');
  assert.equal(sm.describe(), 'Secret Manager projects/p1234/secrets/s/versions/3');
  await sm.close();
});

test('file and env stores: read at open, read-only, never printed', async () => {
  const file = path.join(dir, 'token.json');
  writeFileSync(file, JSON.stringify(good));
  const store = await openTokenStore({ ...none, tokenFile: file });
  assert.equal(store.kind, 'file');
  assert.equal(store.describe(), `file ${file}`);
  const creds = await store.read();
  assert.equal(creds.refreshToken.reveal(), REFRESH);
  const saved = await store.saveRefreshToken(new Secret('1//new'));
  assert.equal(saved.saved, false);
  assert.ok(!saved.saved && /read-only/.test(saved.reason));
  assert.ok(!JSON.stringify({ store, creds }).includes('topsecret'));

  const env = await openTokenStore({ ...none, token: new Secret(JSON.stringify(good)) });
  assert.equal(env.kind, 'env');
  assert.equal(env.describe(), 'env GPHOTOS_TOKEN');
  const envSave = await env.saveRefreshToken(new Secret('1//new'));
  assert.ok(!envSave.saved && /GPHOTOS_TOKEN cannot be changed/.test(envSave.reason));

  assert.match(
    await usageText(openTokenStore({ ...none, tokenFile: path.join(dir, 'missing.json') })),
    /missing\.json cannot be read: no such file/,
  );
});

test('pasted redirects: the whole address, its query, or a bare code; state checked', () => {
  const state = 'st4te';
  assert.equal(
    codeFromPasted(`http://127.0.0.1:40123/?state=${state}&code=4/0Aabc-def_123&scope=x`, state),
    '4/0Aabc-def_123',
  );
  assert.equal(codeFromPasted(`  ?state=${state}&code=4%2F0Axyz  `, state), '4/0Axyz');
  assert.equal(codeFromPasted('4/0AX4XfWjabcdefghijklmnop', state), '4/0AX4XfWjabcdefghijklmnop');
  const wrong = codeFromPasted('http://127.0.0.1:1/?state=other&code=4/0Aabc', state);
  assert.ok(wrong instanceof SyncError && exitCodeOf(wrong) === 4);
  assert.match(wrong.message, /different state/);
  const denied = codeFromPasted(`http://127.0.0.1:1/?error=access_denied&state=${state}`, state);
  assert.ok(denied instanceof SyncError && /refused.*access_denied/.test(denied.message));
  assert.equal(codeFromPasted('hello there', state), undefined);
  assert.equal(codeFromPasted('', state), undefined);
  assert.equal(codeFromPasted('http://127.0.0.1:1/favicon.ico', state), undefined);
});

test('client_secret.json: installed and web clients; a token or junk is explained', () => {
  const installed = parseClientSecret(
    JSON.stringify({
      installed: {
        client_id: 'x.apps.googleusercontent.com',
        client_secret: SECRET,
        redirect_uris: ['http://localhost'],
      },
    }),
    '/c.json',
  );
  assert.equal(installed.kind, 'installed');
  assert.equal(installed.clientSecret.reveal(), SECRET);
  assert.ok(!JSON.stringify(installed).includes('topsecret'));
  const web = parseClientSecret(
    JSON.stringify({
      web: {
        client_id: 'w',
        client_secret: 's',
        redirect_uris: ['https://x', 'http://127.0.0.1:8085/cb'],
      },
    }),
    '/w.json',
  );
  assert.equal(web.kind, 'web');
  assert.equal(loopbackRedirectUri(web.redirectUris), 'http://127.0.0.1:8085/cb');
  assert.equal(loopbackRedirectUri(['http://localhost']), undefined);
  const problems = (text: string): string => {
    try {
      parseClientSecret(text, '/f.json');
    } catch (err) {
      assert.ok(err instanceof UsageError);
      return err.problems.join('\n');
    }
    assert.fail('expected UsageError');
  };
  assert.match(problems(JSON.stringify(good)), /already a token/);
  assert.match(problems('{"other":{}}'), /neither "installed" nor "web"/);
  assert.match(
    problems('{"installed":{"client_id":""}}'),
    /installed\.client_id.*\n.*installed\.client_secret/,
  );
  assert.match(problems('{'), /not valid JSON/);
});

test('writeTokenFile: 0600, atomic, refuses to replace unless forced', async () => {
  const sub = mkdtempSync(path.join(dir, 'out-'));
  const file = path.join(sub, 'token.json');
  const content = new Secret(authorizedUserJson(good));
  const oldMask = process.umask(0o022);
  try {
    await writeTokenFile(file, content, { force: false });
  } finally {
    process.umask(oldMask);
  }
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), good);
  const again = await usageText(writeTokenFile(file, new Secret('{}'), { force: false }));
  assert.match(again, /exists already.*\n.*--force/);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), good, 'untouched');
  await writeTokenFile(file, new Secret('{"replaced":true}\n'), { force: true });
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { replaced: true });
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(sub), ['token.json'], 'no temp file left behind');
  assert.match(
    await usageText(
      writeTokenFile(path.join(sub, 'no/such/dir/t.json'), content, { force: false }),
    ),
    /does not exist \(ENOENT\)/,
  );
});
