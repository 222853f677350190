/**
 * The Secret Manager token store through the REAL @google-cloud/secret-manager client (REST
 * transport) and google-auth-library's Application Default Credentials (a service account key
 * named by GOOGLE_APPLICATION_CREDENTIALS), against the emulator in test/fakes/google/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SyncError, UsageError, exitCodeOf } from '../../src/errors/errors.ts';
import { createOAuthClient } from '../../src/remote/oauth.ts';
import { crc32c } from '../../src/secrets/crc32c.ts';
import { keepRotatedRefreshTokens } from '../../src/secrets/rotation.ts';
import { Secret } from '../../src/secrets/secret.ts';
import { openTokenStore } from '../../src/secrets/store.ts';
import type { TokenStore, TokenStoreSettings } from '../../src/secrets/store.ts';
import { demoLibrary } from '../fakes/google/scenarios.ts';
import { startEmulator } from '../fakes/google/server.ts';
import { secretManagerWorld, type SecretManagerWorld } from '../helpers/secret-manager.ts';

const TOKEN = {
  type: 'authorized_user',
  client_id: 'test-client.apps.googleusercontent.com',
  client_secret: 'test-secret',
  refresh_token: '1//test-refresh-token',
  quota_project_id: 'kept-as-is',
};

let w: SecretManagerWorld;
const saved: Record<string, string | undefined> = {};

before(async () => {
  w = await secretManagerWorld({
    secrets: {
      'gphotos-token': ['{"old":true}', JSON.stringify(TOKEN)],
      'not-json': ['{"type": "authorized_user", "client_id": '],
      private: [JSON.stringify(TOKEN)],
      readonly: [JSON.stringify(TOKEN)],
      empty: [],
    },
    access: ['gphotos-token', 'not-json', 'empty', 'missing', 'readonly', 'rotating'],
    add: ['gphotos-token', 'rotating'],
  });
  // google-auth-library reads these when the client resolves its credentials.
  for (const [k, v] of Object.entries(w.env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});

after(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await w.close();
});

function settings(
  tokenSecret: string,
  extra: Partial<TokenStoreSettings> = {},
): TokenStoreSettings {
  return {
    token: null,
    tokenFile: null,
    tokenSecret,
    secretManagerUrl: w.sm.url,
    retries: 3,
    backoffBase: 5,
    backoffMax: 20,
    ...extra,
  };
}

async function failure(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SyncError, `expected a SyncError, got ${String(err)}`);
    assert.ok(
      !err.message.includes('test-secret') && !err.message.includes('1//test'),
      err.message,
    );
    return err;
  }
  assert.fail('expected the read to fail');
}

async function withStore<T>(
  name: string,
  fn: (s: TokenStore) => Promise<T>,
  extra = {},
): Promise<T> {
  const store = await openTokenStore(settings(name, extra));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('Secret Manager token store (real client, ADC service account, emulator)', () => {
  it('reads the latest version, checked by CRC32C, authenticated by a verified JWT', async () => {
    const from = w.sm.requests.length;
    const creds = await withStore(w.name('gphotos-token'), (s) => s.read());
    assert.equal(creds.clientId, TOKEN.client_id);
    assert.equal(creds.refreshToken.reveal(), TOKEN.refresh_token);
    assert.equal(
      creds.source,
      'Secret Manager projects/test-project/secrets/gphotos-token/versions/2',
    );
    const reqs = w.sm.requests.slice(from);
    assert.deepEqual(
      reqs.map((r) => [r.route, r.status, r.principal]),
      [['access', 200, w.key.email]],
    );
    assert.equal(
      reqs[0]?.path,
      '/v1/projects/test-project/secrets/gphotos-token/versions/latest:access',
    );
  });

  it('a pinned version that is no token: a usage error naming it, not its content', async () => {
    const doc = await withStore(w.name('gphotos-token', '1'), (s) => failure(s.read()));
    // Version 1 is not a token: a usage error that names where it came from, not its content.
    assert.ok(doc instanceof UsageError);
    assert.match(
      doc.message,
      /token in Secret Manager projects\/test-project\/secrets\/gphotos-token\/versions\/1 has no "type"/,
    );
  });

  it('a corrupted payload is refused (no token used); one corruption is retried away', async () => {
    w.sm.faults.add({ route: 'access', kind: 'corruptPayload', times: Infinity });
    try {
      const err = await withStore(w.name('gphotos-token'), (s) => failure(s.read()));
      assert.equal(exitCodeOf(err), 1);
      assert.match(
        err.message,
        /checksum mismatch \(dataCrc32c \d+, computed \d+\).*no token was used/,
      );
    } finally {
      w.sm.faults.clear();
    }
    w.sm.faults.add({ route: 'access', kind: 'corruptPayload', times: 1 });
    const creds = await withStore(w.name('gphotos-token'), (s) => s.read());
    assert.equal(creds.refreshToken.reveal(), TOKEN.refresh_token);
  });

  it('not found: a missing secret, a missing version, a secret without versions (exit 2)', async () => {
    for (const [name, pattern] of [
      [
        w.name('missing'),
        /NOT_FOUND: Secret \[projects\/123456789012\/secrets\/missing\] not found/,
      ],
      [w.name('gphotos-token', '9'), /NOT_FOUND: Secret Version \[.*versions\/9\] not found/],
      [w.name('empty'), /NOT_FOUND: .*not found or has no versions/],
    ] as const) {
      const err = await withStore(name, (s) => failure(s.read()));
      assert.ok(err instanceof UsageError, name);
      assert.equal(exitCodeOf(err), 2);
      assert.match(err.message, pattern);
    }
  });

  it('a disabled version is a usage error; a broken document too, without its content', async () => {
    w.sm.setState('gphotos-token', 1, 'DISABLED');
    try {
      const err = await withStore(w.name('gphotos-token', '1'), (s) => failure(s.read()));
      assert.equal(exitCodeOf(err), 2);
      assert.match(err.message, /FAILED_PRECONDITION: .*is in DISABLED state/);
    } finally {
      w.sm.setState('gphotos-token', 1, 'ENABLED');
    }
    const broken = await withStore(w.name('not-json'), (s) => failure(s.read()));
    assert.equal(exitCodeOf(broken), 2);
    assert.match(broken.message, /not valid JSON \(it ends too early/);
  });

  it('denied: no IAM permission, an unknown project, an unknown key (exit 4)', async () => {
    const denied = await withStore(w.name('private'), (s) => failure(s.read()));
    assert.equal(exitCodeOf(denied), 4);
    assert.match(
      denied.message,
      /PERMISSION_DENIED: Permission 'secretmanager.versions.access' denied/,
    );
    assert.match(denied.hints.join('\n'), /roles\/secretmanager.secretAccessor/);
    const project = await withStore(
      'projects/other-project/secrets/gphotos-token/versions/latest',
      (s) => failure(s.read()),
    );
    assert.equal(exitCodeOf(project), 4);

    // A key the service does not know: its JWT's signature cannot be verified.
    const stranger = await secretManagerWorld();
    const file = path.join(path.dirname(w.credentialsFile), 'stranger.json');
    await writeFile(file, JSON.stringify({ ...stranger.key.json, client_email: w.key.email }));
    await stranger.close();
    process.env.GOOGLE_APPLICATION_CREDENTIALS = file;
    try {
      const from = w.sm.requests.length;
      const err = await withStore(w.name('gphotos-token'), (s) => failure(s.read()));
      assert.equal(exitCodeOf(err), 4);
      assert.match(err.message, /UNAUTHENTICATED: Request had invalid authentication credentials/);
      assert.equal(w.sm.requests[from]?.status, 401);
    } finally {
      process.env.GOOGLE_APPLICATION_CREDENTIALS = w.credentialsFile;
    }
  });

  it('no credentials at all is a usage error that says where credentials come from', async () => {
    process.env.GOOGLE_APPLICATION_CREDENTIALS = path.join(
      path.dirname(w.credentialsFile),
      'nope.json',
    );
    try {
      const from = w.sm.requests.length;
      const err = await withStore(w.name('gphotos-token'), (s) => failure(s.read()));
      assert.equal(exitCodeOf(err), 2);
      assert.match(
        err.message,
        /credentials file \(GOOGLE_APPLICATION_CREDENTIALS\) does not exist/,
      );
      assert.match(err.hints.join('\n'), /Workload Identity/);
      assert.equal(w.sm.requests.length, from, 'nothing was sent');
      // A broken key file: its content (a private key) is never quoted.
      await writeFile(
        process.env.GOOGLE_APPLICATION_CREDENTIALS,
        '{"private_key": "-----BEGIN SECRETKEY',
      );
      const broken = await withStore(w.name('gphotos-token'), (s) => failure(s.read()));
      assert.equal(exitCodeOf(broken), 2);
      assert.match(broken.message, /cannot be read or is not a valid credentials file/);
      assert.ok(!broken.message.includes('SECRETKEY'));
      // None at all (no variable, no gcloud file, no metadata server).
      delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      const home = process.env.HOME;
      process.env.HOME = path.dirname(w.credentialsFile);
      try {
        const nothing = await withStore(w.name('gphotos-token'), (s) => failure(s.read()));
        assert.equal(exitCodeOf(nothing), 2);
        assert.match(nothing.message, /no Google Cloud credentials found/);
      } finally {
        process.env.HOME = home;
      }
    } finally {
      process.env.GOOGLE_APPLICATION_CREDENTIALS = w.credentialsFile;
    }
  });

  it('unavailable: retried with backoff, then a transient failure (exit 1)', async () => {
    w.sm.faults.add({ route: 'access', kind: 'unavailable', times: 2 });
    const from = w.sm.requests.length;
    const retries: string[] = [];
    const store = await openTokenStore(settings(w.name('gphotos-token')), {
      onRetry: (r) => retries.push(`${r.attempt} ${r.reason}`),
    });
    const creds = await store.read();
    await store.close();
    assert.equal(creds.clientId, TOKEN.client_id);
    assert.deepEqual(
      w.sm.requests.slice(from).map((r) => r.status),
      [503, 503, 200],
    );
    assert.deepEqual(retries, ['1 UNAVAILABLE', '2 UNAVAILABLE']);

    w.sm.faults.add({ route: 'access', kind: 'reset', times: Infinity });
    try {
      const err = await withStore(w.name('gphotos-token'), (s) => failure(s.read()));
      assert.equal(exitCodeOf(err), 1);
      assert.match(err.message, /failed \(after 3 attempts\): UNAVAILABLE/);
    } finally {
      w.sm.faults.clear();
    }
    const closed = await withStore(w.name('gphotos-token'), (s) => failure(s.read()), {
      secretManagerUrl: 'http://127.0.0.1:9/',
      retries: 1,
    });
    assert.equal(exitCodeOf(closed), 1);
    assert.match(closed.message, /UNAVAILABLE: .*ECONNREFUSED/);
  });

  it('a rotated refresh token is written back as a new version with its CRC32C', async () => {
    const before = w.sm.versions('gphotos-token').length;
    const result = await withStore(w.name('gphotos-token'), async (s) => {
      await s.read();
      return s.saveRefreshToken(new Secret('1//rotated-token'));
    });
    assert.deepEqual(result, {
      saved: true,
      where: `Secret Manager projects/test-project/secrets/gphotos-token/versions/${before + 1}`,
    });
    const latest = w.sm.versions('gphotos-token').at(-1);
    assert.ok(latest);
    const doc = JSON.parse(latest.data.toString('utf8')) as Record<string, string>;
    assert.deepEqual(doc, { ...TOKEN, refresh_token: '1//rotated-token' }, 'other fields kept');
    const reread = await withStore(w.name('gphotos-token'), (s) => s.read());
    assert.equal(reread.refreshToken.reveal(), '1//rotated-token');
    assert.equal(crc32c(latest.data), crc32c(Buffer.from(JSON.stringify(doc, null, 2) + '\n')));

    // A pinned version: saved, with a warning that later runs still read the pinned one.
    const pinned = await withStore(w.name('gphotos-token', '2'), (s) =>
      s.saveRefreshToken(new Secret('1//rotated-again')),
    );
    assert.ok(pinned.saved && /pins version 2/.test(pinned.warning ?? ''));
  });

  it('a write without the add permission is denied (exit 4), nothing added', async () => {
    const err = await withStore(w.name('readonly'), (s) =>
      failure(s.saveRefreshToken(new Secret('1//x'))),
    );
    assert.equal(exitCodeOf(err), 4);
    assert.match(
      err.message,
      /write to projects\/test-project\/secrets\/readonly: PERMISSION_DENIED: Permission 'secretmanager.versions.add'/,
    );
    assert.match(err.hints.join('\n'), /roles\/secretmanager.secretVersionAdder/);
    assert.equal(w.sm.versions('readonly').length, 1);
  });

  it('the OAuth client reports a new refresh token and the keeper stores it', async () => {
    const emu = await startEmulator({ library: demoLibrary() });
    const secret = 'rotating';
    w.sm.addVersion(secret, JSON.stringify(emu.defaultToken()));
    const original = emu.defaultToken().refresh_token;
    emu.rotateRefreshToken(original, '1//next-generation', { revokeOld: true });
    const store = await openTokenStore(settings(w.name(secret)));
    try {
      const creds = await store.read();
      const lines: string[] = [];
      const log = {
        info: (o: object, m: string) => lines.push(`info ${m} ${JSON.stringify(o)}`),
        warn: (o: object, m: string) => lines.push(`warn ${m} ${JSON.stringify(o)}`),
        error: (o: object, m: string) => lines.push(`error ${m} ${JSON.stringify(o)}`),
      };
      const keeper = keepRotatedRefreshTokens(store, log);
      const auth = createOAuthClient({
        clientId: creds.clientId,
        clientSecret: creds.clientSecret.reveal(),
        refreshToken: creds.refreshToken.reveal(),
        tokenUrl: emu.tokenUrl,
        onNewRefreshToken: keeper.onNewRefreshToken,
      });
      await auth.getAccessToken();
      await keeper.settled();
      assert.deepEqual(lines, [
        `info Google issued a new refresh token; saved it {"tokenSource":"Secret Manager projects/test-project/secrets/${secret}/versions/2"}`,
      ]);
      const stored = JSON.parse(w.sm.versions(secret)[1]?.data.toString('utf8') ?? '{}');
      assert.equal(stored.refresh_token, '1//next-generation');
    } finally {
      await store.close();
      await emu.close();
    }
  });
});
