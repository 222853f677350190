/**
 * Options of a pass (--index-only, --skip-index, --skip-video, --start-date/--end-date), bad
 * configuration, the embedded index lock, and the query command, through the real CLI.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LibraryBuilder, type Library } from '../fakes/google/library.ts';
import { collect, runCli, startCli } from '../helpers/cli.ts';
import { world } from '../helpers/pass.ts';
import { readTree } from '../helpers/tree.ts';

function datedLibrary(): Library {
  const b = new LibraryBuilder();
  const gp = b.folder('Google Photos');
  b.photo('a-2015.jpg', gp, { takenTime: '2015:06:01 12:00:00' });
  b.photo('b-2016.jpg', gp, { takenTime: '2016:06:01 12:00:00' });
  b.photo('c-2017-first.jpg', gp, { takenTime: '2017:01:01 00:00:00' });
  b.photo('d-2017-last.jpg', gp, { takenTime: '2017:12:31 23:59:59' });
  b.video('e-2017.mp4', gp, { createdTime: '2017-05-05T10:00:00.000Z' });
  b.photo('f-2018.jpg', gp, { takenTime: '2018:06:01 12:00:00' });
  return b.build();
}

const names = async (root: string) =>
  [...(await readTree(root)).keys()].map((p) => p.replace('drive/Google Photos/', '')).sort();

describe('options', () => {
  it('--index-only downloads nothing; --skip-index then downloads without listing', async () => {
    const w = await world(datedLibrary());
    try {
      const r = await w.sync(['--index-only']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.summary?.indexed, 6);
      assert.equal(r.summary?.downloaded, 0);
      assert.equal(w.emu.stats().byRoute.media ?? 0, 0);
      assert.deepEqual(await names(w.root), []);
      const lists = w.emu.stats().byRoute['files.list'] ?? 0;
      const r2 = await w.sync(['--skip-index']);
      assert.equal(r2.code, 0, r2.stderr);
      assert.equal(r2.summary?.downloaded, 6);
      assert.equal(w.emu.stats().byRoute['files.list'] ?? 0, lists, 'no listing with --skip-index');
      assert.equal((await names(w.root)).length, 6);
    } finally {
      await w.close();
    }
  });

  it('--start-date/--end-date are inclusive on the taken date; --skip-video skips videos', async () => {
    const w = await world(datedLibrary());
    try {
      const r = await w.sync([
        '--start-date',
        '2017-01-01',
        '--end-date',
        '2017-12-31',
        '--skip-video',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await names(w.root), ['c-2017-first.jpg', 'd-2017-last.jpg']);
      assert.equal(r.summary?.skipped, 4);
      // Widening the filter later downloads the rest.
      const r2 = await w.sync();
      assert.equal(r2.code, 0);
      assert.equal(r2.summary?.downloaded, 4);
      assert.equal((await names(w.root)).length, 6);
    } finally {
      await w.close();
    }
  });

  it('query reads the index of a finished pass', async () => {
    const w = await world(datedLibrary());
    try {
      assert.equal((await w.sync()).code, 0);
      const r = await runCli(
        [
          'query',
          w.root,
          "SELECT rel_path, state FROM media_items WHERE rel_path LIKE '%2015%'",
          '--json',
        ],
        w.env,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [
        { rel_path: 'drive/Google Photos/a-2015.jpg', state: 'done' },
      ]);
    } finally {
      await w.close();
    }
  });

  it('a second pass of the same account while one runs exits 6 and names the holder', async () => {
    const b = new LibraryBuilder();
    const gp = b.folder('Google Photos');
    for (let i = 0; i < 150; i++) b.photo(`x${i}.jpg`, gp, { size: 100_000 });
    const w = await world(b.build());
    try {
      const first = startCli(['sync', w.root, '--concurrency', '1'], w.env);
      const firstDone = collect(first);
      for (let i = 0; i < 400 && (w.emu.stats().byRoute.media ?? 0) < 2; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      const second = await w.sync();
      assert.equal(second.code, 6, second.stdout + second.stderr);
      assert.match(second.stdout + second.stderr, new RegExp(`pid[ =]${first.pid}\\b`));
      const r = await firstDone;
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await w.close();
    }
  });
});

describe('bad configuration', () => {
  it('lists every problem at once and exits 2', async () => {
    const r = await runCli(
      ['sync', '--start-date', '2020-02-30', '--bogus-flag', '--concurrency', '0'],
      { PATH: process.env.PATH, GPHOTOS_TOKEN_FILE: '/nonexistent/token.json' },
    );
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /bogus-flag/);
    assert.match(r.stderr, /2020-02-30/);
    assert.match(r.stderr, /concurrency/);
    assert.match(r.stderr, /root/i);
    assert.match(r.stderr, /\/nonexistent\/token\.json/);
  });

  it('--help lists the settings with their env vars; no command is a usage error', async () => {
    const help = await runCli(['sync', '--help'], { PATH: process.env.PATH });
    assert.equal(help.code, 0);
    for (const s of [
      'GPHOTOS_TOKEN_FILE',
      'DATABASE_URL',
      '--concurrency',
      '--skip-video',
      '--start-date',
    ]) {
      assert.ok(help.stdout.includes(s), s);
    }
    const none = await runCli([], { PATH: process.env.PATH });
    assert.equal(none.code, 2);
  });
});

describe('accounts', () => {
  it('two accounts pass side by side from one index database, each seeing only its rows', async () => {
    const b1 = new LibraryBuilder();
    const gp1 = b1.folder('Google Photos');
    for (let i = 0; i < 30; i++) b1.photo(`alice${i}.jpg`, gp1, { size: 50_000 });
    const b2 = new LibraryBuilder();
    const gp2 = b2.folder('Google Photos');
    for (let i = 0; i < 20; i++) b2.photo(`bob${i}.jpg`, gp2, { size: 50_000 });
    const alice = await world(b1.build());
    const bob = await world(b2.build());
    try {
      // One database for both when a server is configured (the account keys rows and the lock).
      const shared = { DATABASE_URL: alice.env.DATABASE_URL, GPHOTOS_CONCURRENCY: '2' };
      const [ra, rb] = await Promise.all([
        alice.sync(['--account', 'alice'], shared),
        bob.sync(['--account', 'bob'], shared),
      ]);
      assert.equal(ra.code, 0, ra.stdout + ra.stderr);
      assert.equal(rb.code, 0, rb.stdout + rb.stderr);
      assert.equal(ra.summary?.downloaded, 30);
      assert.equal(rb.summary?.downloaded, 20);
      assert.ok(ra.lines.every((l) => l.account === 'alice'));
      assert.equal((await names(alice.root)).length, 30);
      assert.equal((await names(bob.root)).length, 20);
      const count = async (w: typeof alice, account: string) => {
        const r = await runCli(
          [
            'query',
            w.root,
            '--account',
            account,
            'SELECT account, count(*)::int AS n FROM media_items GROUP BY account ORDER BY account',
            '--json',
          ],
          { ...w.env, ...shared },
        );
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout) as Array<{ account: string; n: number }>;
      };
      const rows = await count(alice, 'alice');
      // A server index holds both accounts' rows; an embedded one (per ROOT) only alice's.
      assert.deepEqual(
        rows,
        shared.DATABASE_URL
          ? [
              { account: 'alice', n: 30 },
              { account: 'bob', n: 20 },
            ]
          : [{ account: 'alice', n: 30 }],
      );
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});
