/**
 * Whole passes (the built CLI) whose token lives in Secret Manager: read at run time through the
 * real client with a service account key (ADC), a rotated refresh token written back as a new
 * version and used by the next pass, the run recorded in the index, and the failures a person
 * must fix (denied, not found) or that the next run may not see (unreachable).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LibraryBuilder, type Library } from '../fakes/google/library.ts';
import { runCli } from '../helpers/cli.ts';
import { world, type World } from '../helpers/pass.ts';
import { secretManagerWorld, type SecretManagerWorld } from '../helpers/secret-manager.ts';

function library(): Library {
  const b = new LibraryBuilder();
  const gp = b.folder('Google Photos');
  for (let i = 0; i < 5; i++) b.photo(`p${i}.jpg`, gp, { size: 20_000 });
  return b.build();
}

let w: World;
let sm: SecretManagerWorld;

before(async () => {
  w = await world(library());
  sm = await secretManagerWorld({
    secrets: { token: [JSON.stringify(w.emu.defaultToken())], other: ['{}'] },
    access: ['token', 'missing'],
    add: ['token'],
  });
});

after(async () => {
  await w.close();
  await sm.close();
});

/** The pass's environment: the token from Secret Manager, no inline token. */
function smEnv(name: string): Record<string, string | undefined> {
  return { ...sm.env, GPHOTOS_TOKEN: undefined, GPHOTOS_TOKEN_SECRET: name };
}

describe('a pass with its token in Secret Manager', () => {
  it('reads it at run time, keeps a rotated refresh token, and the next pass uses that', async () => {
    const original = w.emu.defaultToken().refresh_token;
    // Google hands out a new refresh token on the next refresh and the old one stops working.
    w.emu.rotateRefreshToken(original, '1//rotated-by-google', { revokeOld: true });
    const from = sm.sm.requests.length;
    const r = await w.sync(['--skip-picasa'], smEnv(sm.name('token')));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.summary?.downloaded, 5);
    const started = r.lines.find((l) => l.msg === 'sync started');
    assert.equal(started?.tokenSource, `Secret Manager ${sm.name('token')}`);
    const saved = r.lines.find((l) => /new refresh token; saved it/.test(String(l.msg)));
    assert.equal(
      saved?.tokenSource,
      'Secret Manager projects/test-project/secrets/token/versions/2',
    );
    assert.ok(!r.stdout.includes('1//rotated-by-google') && !r.stdout.includes(original));
    assert.deepEqual(
      sm.sm.requests.slice(from).map((q) => [q.route, q.status, q.principal]),
      [
        ['access', 200, sm.key.email],
        ['addVersion', 200, sm.key.email],
      ],
    );
    const stored = JSON.parse(sm.sm.versions('token')[1]?.data.toString('utf8') ?? '{}');
    assert.equal(stored.refresh_token, '1//rotated-by-google');

    // The old token is revoked: only the written-back one can authorize the next pass.
    const r2 = await w.sync(['--skip-picasa'], smEnv(sm.name('token')));
    assert.equal(r2.code, 0, r2.stdout + r2.stderr);
    // An incremental pass: the changes feed (read with the written-back token) has nothing new.
    assert.equal(r2.summary?.downloaded, 0);
    assert.ok(w.emu.requests.some((q) => q.route === 'changes.list' && q.status === 200));

    const runs = await runCli(
      ['query', w.root, 'SELECT exit_code, downloaded::int AS n FROM runs ORDER BY id', '--json'],
      w.env,
    );
    assert.equal(runs.code, 0, runs.stderr);
    assert.deepEqual(JSON.parse(runs.stdout), [
      { exit_code: 0, n: 5 },
      { exit_code: 0, n: 0 },
    ]);
  });

  it('a token file cannot keep a rotated refresh token: a warning, the pass goes on', async () => {
    const current = '1//rotated-by-google';
    w.emu.rotateRefreshToken(current, '1//rotated-again');
    const r = await w.sync(['--skip-picasa'], {
      GPHOTOS_TOKEN: JSON.stringify({ ...w.emu.defaultToken(), refresh_token: current }),
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const warning = r.lines.find((l) => /not saved/.test(String(l.msg)));
    assert.equal(warning?.level, 'warn');
    assert.match(
      String(warning?.msg),
      /new refresh token; it was not saved: the token in GPHOTOS_TOKEN cannot be changed/,
    );
  });

  it('denied, not found, unreachable, malformed: clear errors with their exit codes', async () => {
    const denied = await w.sync(['--skip-picasa'], smEnv(sm.name('other')));
    assert.equal(denied.code, 4, denied.stdout + denied.stderr);
    assert.match(
      String(denied.summary?.error),
      /PERMISSION_DENIED: Permission 'secretmanager.versions.access' denied/,
    );

    const missing = await w.sync(['--skip-picasa'], smEnv(sm.name('missing')));
    assert.equal(missing.code, 2, missing.stdout + missing.stderr);
    assert.match(String(missing.summary?.error), /NOT_FOUND/);

    const unreachable = await w.sync(['--skip-picasa'], {
      ...smEnv(sm.name('token')),
      GPHOTOS_SECRET_MANAGER_URL: 'http://127.0.0.1:9/',
      GPHOTOS_RETRIES: '2',
    });
    assert.equal(unreachable.code, 1, unreachable.stdout + unreachable.stderr);
    assert.match(String(unreachable.summary?.error), /failed \(after 2 attempts\): UNAVAILABLE/);

    // A malformed name is a usage error before any pass (no summary line).
    const malformed = await w.sync(['--skip-picasa'], smEnv('projects/test-project/secrets/token'));
    assert.equal(malformed.code, 2);
    assert.equal(malformed.summary, undefined);
    assert.match(malformed.stderr, /`tokenSecret` names a secret but no version/);
  });
});
