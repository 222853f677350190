import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Secret } from '../../src/secrets/secret.ts';
import { parseAuthorizedUser, readAuthorizedUser } from '../../src/secrets/token.ts';
import { UsageError } from '../../src/errors/errors.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'gphotos-secrets-'));
const SECRET = 'GOCSPX-topsecret';
const REFRESH = '1//0refreshTOKENvalue123';
const good = {
  type: 'authorized_user',
  client_id: 'cid.apps.googleusercontent.com',
  client_secret: SECRET,
  refresh_token: REFRESH,
};

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function problems(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    const text = [...err.problems, ...err.hints].join('\n');
    assert.ok(!text.includes('topsecret') && !text.includes('refreshTOKEN'), `leak: ${text}`);
    return text;
  }
  assert.fail('expected UsageError');
}

test('Secret prints [redacted] every way but reveal()', () => {
  const s = new Secret('hunter2');
  assert.equal(s.reveal(), 'hunter2');
  assert.equal(String(s), '[redacted]');
  assert.equal(`${s}`, '[redacted]');
  assert.equal(JSON.stringify({ s }), '{"s":"[redacted]"}');
  assert.equal(inspect({ s }), '{ s: [redacted] }');
  assert.ok(!inspect(s, { showHidden: true }).includes('hunter2'));
});

test('a valid token file and inline token', async () => {
  const file = write('good.json', JSON.stringify(good));
  const fromFile = await readAuthorizedUser({ token: null, tokenFile: file });
  assert.equal(fromFile.clientId, good.client_id);
  assert.equal(fromFile.clientSecret.reveal(), SECRET);
  assert.equal(fromFile.refreshToken.reveal(), REFRESH);
  assert.equal(fromFile.source, `file ${file}`);
  assert.ok(!JSON.stringify(fromFile).includes('topsecret'));
  const inline = await readAuthorizedUser({
    token: new Secret(JSON.stringify(good)),
    tokenFile: null,
  });
  assert.equal(inline.source, 'env GPHOTOS_TOKEN');
});

test('client_secret.json (installed/web) is recognised and explained', async () => {
  for (const kind of ['installed', 'web']) {
    const file = write(
      `client-${kind}.json`,
      JSON.stringify({ [kind]: { client_id: 'x', client_secret: SECRET } }),
    );
    const text = await problems(readAuthorizedUser({ token: null, tokenFile: file }));
    assert.match(text, /OAuth client file \(client_secret\.json\), not a token/);
    assert.match(text, /gphotos-sync auth/);
  }
});

test('bad JSON gives a position and never the content', async () => {
  const file = write(
    'bad.json',
    `{\n  "type": "authorized_user",\n  "client_secret": ${SECRET}\n}`,
  );
  const text = await problems(readAuthorizedUser({ token: null, tokenFile: file }));
  assert.match(text, /bad\.json is not valid JSON \(at line 3, column 20\)/);
  const trailing = await problems(() =>
    parseAuthorizedUser(`{"refresh_token": "${REFRESH}",}`, 'env GPHOTOS_TOKEN'),
  );
  assert.match(trailing, /GPHOTOS_TOKEN is not valid JSON \(at line 1, column \d+\)/);
  assert.match(await problems(() => parseAuthorizedUser('', 'env GPHOTOS_TOKEN')), /empty/);
  assert.match(
    await problems(() => parseAuthorizedUser('{"a":', 'env GPHOTOS_TOKEN')),
    /ends too early/,
  );
});

test('type and required fields are checked, all at once', async () => {
  const text = await problems(() =>
    parseAuthorizedUser(
      JSON.stringify({ type: 'user', client_id: '', refresh_token: 5 }),
      'env GPHOTOS_TOKEN',
    ),
  );
  assert.match(text, /type "user"; expected "authorized_user"/);
  assert.match(text, /empty or non-string "client_id"/);
  assert.match(text, /missing "client_secret"/);
  assert.match(text, /non-string "refresh_token"/);
  assert.match(
    await problems(() =>
      parseAuthorizedUser(JSON.stringify({ type: 'service_account' }), 'env GPHOTOS_TOKEN'),
    ),
    /service account key/,
  );
  assert.match(
    await problems(() => parseAuthorizedUser('[1]', 'env GPHOTOS_TOKEN')),
    /JSON object/,
  );
});

test('unreadable token files: missing, directory, no permission, both sources, none', async () => {
  assert.match(
    await problems(readAuthorizedUser({ token: null, tokenFile: path.join(dir, 'nope.json') })),
    /nope\.json cannot be read: no such file \(ENOENT\)/,
  );
  const sub = path.join(dir, 'a-dir');
  mkdirSync(sub);
  assert.match(
    await problems(readAuthorizedUser({ token: null, tokenFile: sub })),
    /is a directory/,
  );
  if (process.getuid?.() !== 0) {
    const locked = write('locked.json', JSON.stringify(good));
    chmodSync(locked, 0o000);
    assert.match(
      await problems(readAuthorizedUser({ token: null, tokenFile: locked })),
      /permission denied \(EACCES\)/,
    );
  }
  const big = write('big.json', ' '.repeat(100_000));
  assert.match(await problems(readAuthorizedUser({ token: null, tokenFile: big })), /100000 bytes/);
  assert.match(
    await problems(readAuthorizedUser({ token: new Secret('{}'), tokenFile: big })),
    /both a token file .* and an inline token/,
  );
  assert.match(
    await problems(readAuthorizedUser({ token: null, tokenFile: null })),
    /no token configured/,
  );
});
