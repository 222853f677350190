/**
 * `gphotos-sync check` run as a user would, against the emulator, on the index backend of this run
 * (server Postgres with TEST_DATABASE_URL, else the embedded index): the passing case and each
 * failure with its line and exit code.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openIndex } from '../../src/index/db.ts';
import { acquirePassLock } from '../../src/index/pass-lock.ts';
import { LibraryBuilder, type Library } from '../fakes/google/library.ts';
import { runCli, type RunResult } from '../helpers/cli.ts';
import { world, type World } from '../helpers/pass.ts';

function library(withPhotosFolder = true): Library {
  const b = new LibraryBuilder();
  const parent = withPhotosFolder ? b.folder('Google Photos') : b.folder('Other');
  b.photo('IMG_0001.jpg', b.folder('2019', parent), { size: 2048 });
  return b.build();
}

interface Line {
  status: string;
  name: string;
  detail: string;
}

/** The check lines of stdout by name. */
function linesOf(r: RunResult): Map<string, Line> {
  const out = new Map<string, Line>();
  for (const l of r.stdout.split('\n')) {
    const m = /^(ok|warn|FAIL|skip) +([a-z]+) {2}(.*)$/.exec(l);
    if (m)
      out.set(m[2] as string, {
        status: m[1] as string,
        name: m[2] as string,
        detail: m[3] as string,
      });
  }
  return out;
}

function check(w: World, args: string[] = [], env: Record<string, string | undefined> = {}) {
  return runCli(['check', w.root, ...args], {
    ...w.env,
    GPHOTOS_PICASA_API_URL: w.emu.picasaUrl,
    ...env,
  });
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

const out = (r: RunResult) => `exit ${r.code}\n${r.stdout}${r.stderr}`;

describe('gphotos-sync check', () => {
  it('passes against the emulator: one ok line per check, exit 0', async () => {
    const w = await world(library());
    try {
      const r = await check(w);
      assert.equal(r.code, 0, out(r));
      const lines = linesOf(r);
      assert.deepEqual(
        [...lines.keys()],
        [
          'config',
          'token',
          'google',
          'picasa',
          'folder',
          'links',
          'space',
          'database',
          'photos',
          'exports',
        ],
      );
      // Nothing indexed yet: whether the Google Photos folder still changes is told later.
      assert.equal(lines.get('photos')?.status, 'skip', out(r));
      assert.match(lines.get('exports')?.detail ?? '', /no "Takeout" folder in My Drive yet/);
      for (const name of ['config', 'token', 'google', 'picasa', 'folder', 'links', 'database']) {
        assert.equal(lines.get(name)?.status, 'ok', out(r));
      }
      // A tmpfs or a small CI disk may have less than 1 GiB: a warning, never a failure.
      assert.match(lines.get('space')?.status ?? '', /^(ok|warn)$/);
      assert.match(lines.get('space')?.detail ?? '', /[0-9.]+ (B|KiB|MiB|GiB|TiB) free of /);
      assert.match(lines.get('token')?.detail ?? '', /refreshed an access token/);
      assert.match(lines.get('google')?.detail ?? '', /"Google Photos" found/);
      assert.match(lines.get('picasa')?.detail ?? '', /album feed .* answered/);
      assert.match(
        lines.get('database')?.detail ?? '',
        // A fresh database is migrated now; a new embedded index comes migrated.
        /schema current \(\d+ migrations, (\d+ applied|index created) now\)/,
      );
      assert.match(r.stdout, /^check passed/m);
      assert.ok(!r.stdout.includes(w.emu.defaultToken().refresh_token), 'refresh token leaked');
      // Nothing left behind in ROOT but the embedded index.
      const { readdir } = await import('node:fs/promises');
      const left = (await readdir(w.root)).filter((n) => n !== '.gphotos');
      assert.deepEqual(left, []);

      // After a pass: the schema is current, nothing applied, and the last run is shown.
      const s = await w.sync(['--skip-picasa']);
      assert.equal(s.code, 0, out(s));
      const again = await check(w, ['--skip-picasa']);
      assert.equal(again.code, 0, out(again));
      assert.equal(linesOf(again).get('picasa')?.status, 'skip');
      const db = linesOf(again).get('database')?.detail ?? '';
      assert.match(db, /schema current \(\d+ migrations\)/);
      assert.match(db, /last pass ended \S+ with exit 0/);
    } finally {
      await w.close();
    }
  });

  it('a revoked token: FAIL token, Google not checked, exit 4, no secret printed', async () => {
    const w = await world(library());
    try {
      const token = w.emu.defaultToken();
      w.emu.revokeRefreshToken(token.refresh_token);
      const r = await check(w);
      assert.equal(r.code, 4, out(r));
      const lines = linesOf(r);
      assert.equal(lines.get('token')?.status, 'FAIL');
      assert.match(lines.get('token')?.detail ?? '', /invalid_grant/);
      assert.match(lines.get('token')?.detail ?? '', /authorize again/);
      assert.equal(lines.get('google')?.status, 'skip');
      assert.equal(lines.get('picasa')?.status, 'skip');
      assert.equal(lines.get('folder')?.status, 'ok');
      assert.match(r.stdout, /^check failed: 1 of 8 checks \(exit 4\)$/m);
      assert.ok(!out(r).includes(token.refresh_token), 'refresh token leaked');
      assert.ok(!out(r).includes(token.client_secret), 'client secret leaked');
    } finally {
      await w.close();
    }
  });

  it('no token configured: FAIL token with the way to set one, exit 2', async () => {
    const w = await world(library());
    try {
      const r = await check(w, [], { GPHOTOS_TOKEN: undefined });
      assert.equal(r.code, 2, out(r));
      assert.equal(linesOf(r).get('token')?.status, 'FAIL');
      assert.match(linesOf(r).get('token')?.detail ?? '', /no token configured/);
    } finally {
      await w.close();
    }
  });

  it('Google unreachable (a closed port): FAIL google and picasa, exit 1', async () => {
    const w = await world(library());
    try {
      const port = await closedPort();
      const r = await check(w, [], {
        GPHOTOS_GOOGLE_API_URL: `http://127.0.0.1:${port}/`,
        GPHOTOS_PICASA_API_URL: `http://127.0.0.1:${port}/data/feed/api/`,
      });
      assert.equal(r.code, 1, out(r));
      const lines = linesOf(r);
      assert.equal(lines.get('token')?.status, 'ok');
      assert.equal(lines.get('google')?.status, 'FAIL');
      assert.match(
        lines.get('google')?.detail ?? '',
        new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`),
      );
      assert.equal(lines.get('picasa')?.status, 'FAIL');
      assert.match(lines.get('picasa')?.detail ?? '', new RegExp(`127\\.0\\.0\\.1:${port}`));
    } finally {
      await w.close();
    }
  });

  it('no Google Photos folder: FAIL google, unless --all-drive', async () => {
    const w = await world(library(false));
    try {
      const r = await check(w);
      assert.equal(r.code, 1, out(r));
      assert.match(
        linesOf(r).get('google')?.detail ?? '',
        /no "Google Photos" folder.*--all-drive/,
      );
      const all = await check(w, ['--all-drive']);
      assert.equal(all.code, 0, out(all));
      assert.equal(linesOf(all).get('google')?.status, 'ok');
    } finally {
      await w.close();
    }
  });

  it('an unwritable ROOT: FAIL folder, links and space not checked, exit 1', async () => {
    const w = await world(library());
    try {
      // chmod does not stop root, and tests may run as root: then ROOT is /sys, a directory
      // where nobody may create files (sysfs refuses even root).
      let root = path.join(w.root, 'readonly');
      if (process.getuid?.() === 0) {
        root = '/sys';
      } else {
        await mkdir(root);
        await chmod(root, 0o555);
      }
      const r = await runCli(['check', root], {
        ...w.env,
        GPHOTOS_PICASA_API_URL: w.emu.picasaUrl,
      });
      assert.equal(r.code, 1, out(r));
      const lines = linesOf(r);
      assert.equal(lines.get('folder')?.status, 'FAIL', out(r));
      assert.match(lines.get('folder')?.detail ?? '', /is not writable \((EACCES|EPERM|EROFS)\)/);
      assert.equal(lines.get('links')?.status, 'skip');
      assert.equal(lines.get('space')?.status, 'skip');
      if (root !== '/sys') await chmod(root, 0o755);
    } finally {
      await w.close();
    }
  });

  it('an index in use: exit 6 on the embedded index, a warning on a server', async () => {
    const w = await world(library());
    try {
      const databaseUrl = w.env.DATABASE_URL ?? null;
      const db = await openIndex({ databaseUrl, embeddedDir: path.join(w.root, '.gphotos') });
      const lock = databaseUrl === null ? undefined : await acquirePassLock(db.knex, 'default');
      try {
        const r = await check(w);
        const line = linesOf(r).get('database');
        if (databaseUrl === null) {
          assert.equal(r.code, 6, out(r));
          assert.equal(line?.status, 'FAIL');
          assert.match(
            line?.detail ?? '',
            new RegExp(`in use by another gphotos-sync process \\(pid ${process.pid}`),
          );
        } else {
          // A server index stays usable while a pass runs: check says so and passes.
          assert.equal(r.code, 0, out(r));
          assert.equal(line?.status, 'warn');
          assert.match(line?.detail ?? '', /another pass of account "default" is running/);
        }
      } finally {
        await lock?.release();
        await db.close();
      }
    } finally {
      await w.close();
    }
  });

  it('an invalid configuration is a usage error before any check (exit 2)', async () => {
    const w = await world(library());
    try {
      const r = await check(w, ['--concurrency', '0']);
      assert.equal(r.code, 2, out(r));
      assert.match(r.stderr, /concurrency/);
      assert.equal(linesOf(r).size, 0);
    } finally {
      await w.close();
    }
  });
});
