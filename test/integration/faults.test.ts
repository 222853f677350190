/**
 * Faults the pass rides out, faults that end it with the documented exit code, and a kill -9 in
 * the middle of a pass followed by a rerun.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LibraryBuilder, md5Of, type Library } from '../fakes/google/library.ts';
import { collect, runCli, startCli } from '../helpers/cli.ts';
import { world, type World } from '../helpers/pass.ts';
import { readTree } from '../helpers/tree.ts';

function smallLibrary(n: number, size = 4096): { lib: Library; ids: string[] } {
  const b = new LibraryBuilder();
  const gp = b.folder('Google Photos');
  const y = b.folder('2019', gp);
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    ids.push(b.photo(`P${String(i).padStart(4, '0')}.jpg`, y, { size: size + i }));
  return { lib: b.build(), ids };
}

async function assertComplete(root: string, lib: Library, ids: string[]) {
  const tree = await readTree(root);
  const md5s = new Set([...tree.values()].map((f) => f.md5));
  for (const id of ids) assert.ok(md5s.has(md5Of(lib, id)), `missing ${lib.files.get(id)?.name}`);
  assert.equal(tree.size, ids.length, [...tree.keys()].join('\n'));
}

/** Starts a pass, lets it download about 40 files (at most 15 s), then sends `signal`. */
async function interruptMidPass(w: World, signal: NodeJS.Signals) {
  const child = startCli(['sync', w.root, '--concurrency', '4'], w.env);
  const done = collect(child);
  for (let i = 0; i < 600 && (w.emu.stats().byRoute.media ?? 0) < 40; i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill(signal);
  return done;
}

async function assertNoTempFiles(root: string) {
  for (const p of (await readTree(root)).keys()) {
    assert.ok(!p.includes('.gphotos-part'), `temp file left: ${p}`);
  }
}

function outputOf(r: { stdout: string; stderr: string }) {
  return r.stdout + r.stderr;
}

describe('faults', () => {
  it('rides out rate limits, 429 with Retry-After, 500s, resets and a broken body', async () => {
    const { lib, ids } = smallLibrary(12, 200_000);
    const w = await world(lib);
    try {
      // Rules fire in the order added: a 200 with broken JSON first, then two rate limits.
      w.emu.faults.add({ route: 'files.list', kind: 'malformedJson200' });
      w.emu.faults.add({ route: 'files.list', kind: 'userRateLimit403', times: 2 });
      w.emu.faults.add({ route: 'files.get', kind: 'rateLimit403', times: 1 });
      w.emu.faults.add({
        route: 'media',
        fileId: ids[0],
        kind: 'rateLimit429',
        retryAfterSeconds: 1,
      });
      w.emu.faults.add({ route: 'media', fileId: ids[1], kind: 'backend500', times: 2 });
      w.emu.faults.add({ route: 'media', fileId: ids[2], kind: 'resetMidBody', times: 2 });
      w.emu.faults.add({ route: 'media', fileId: ids[3], kind: 'reset' });
      w.emu.faults.add({
        route: 'media',
        fileId: ids[4],
        kind: 'backend503',
        retryAfterSeconds: 1,
      });
      w.emu.faults.add({ route: 'files.list', kind: 'htmlError502', skip: 2 });
      const started = Date.now();
      const r = await w.sync();
      assert.equal(r.code, 0, outputOf(r).slice(-3000));
      assert.equal(w.emu.faults.pending(), 0, 'every injected fault was hit');
      await assertComplete(w.root, lib, ids);
      assert.ok((r.summary?.retries as number) >= 10, JSON.stringify(r.summary));
      // Retry-After: 1 was honoured (the pacer waited at least that long).
      assert.ok(Date.now() - started >= 1000);
      const retried = r.lines.filter((l) => l.msg === 'retrying a Google call');
      assert.ok(retried.some((l) => String(l.reason).includes('userRateLimitExceeded')));
      // A broken body resumes with a Range request instead of starting over.
      const ranged = w.emu.requests.filter((q) => q.route === 'media' && q.path.includes(ids[2]!));
      assert.ok(ranged.length >= 3);
    } finally {
      await w.close();
    }
  });

  it('an item that keeps failing is counted, the rest finishes, exit 3; the next pass completes it', async () => {
    const { lib, ids } = smallLibrary(6);
    const w = await world(lib);
    try {
      w.emu.faults.add({ route: 'media', fileId: ids[3], kind: 'backend500', times: Infinity });
      const r = await w.sync(['--retries', '3']);
      assert.equal(r.code, 3, outputOf(r).slice(-2000));
      assert.equal(r.summary?.failed, 1);
      assert.equal(r.summary?.downloaded, 5);
      const warn = r.lines.find((l) => l.msg === 'download failed');
      assert.match(String(warn?.path), /P0003\.jpg$/);
      assert.match(String(warn?.reason), /500/);
      const tree = await readTree(w.root);
      assert.equal(tree.size, 5);
      w.emu.faults.clear();
      const r2 = await w.sync();
      assert.equal(r2.code, 0, outputOf(r2));
      assert.equal(r2.summary?.downloaded, 1);
      await assertComplete(w.root, lib, ids);
    } finally {
      await w.close();
    }
  });

  it('a revoked refresh token stops the pass with exit 4 and says how to re-authorize', async () => {
    const { lib } = smallLibrary(3);
    const w = await world(lib);
    try {
      const token = w.emu.defaultToken();
      w.emu.revokeRefreshToken(token.refresh_token);
      const r = await w.sync();
      assert.equal(r.code, 4, outputOf(r));
      assert.match(outputOf(r), /invalid_grant/);
      assert.match(outputOf(r), /authorize again/);
      assert.equal(r.summary?.exitCode, 4);
      assert.ok(!outputOf(r).includes(token.refresh_token), 'refresh token leaked');
      assert.ok(!outputOf(r).includes(token.client_secret), 'client secret leaked');
    } finally {
      await w.close();
    }
  });

  it('a daily quota stops the pass with exit 5 and keeps what was done', async () => {
    const { lib, ids } = smallLibrary(8);
    const w = await world(lib);
    try {
      w.emu.faults.add({ route: 'media', kind: 'dailyLimit403', skip: 4, times: Infinity });
      const r = await w.sync(['--concurrency', '1']);
      assert.equal(r.code, 5, outputOf(r).slice(-2000));
      assert.match(outputOf(r), /quota/);
      assert.equal(r.summary?.downloaded, 4);
      w.emu.faults.clear();
      const r2 = await w.sync();
      assert.equal(r2.code, 0);
      assert.equal(r2.summary?.downloaded, 4);
      await assertComplete(w.root, lib, ids);
    } finally {
      await w.close();
    }
  });

  it('kill -9 mid-pass leaves no partial file under a final name; a rerun completes the tree', async () => {
    const { lib, ids } = smallLibrary(300, 64 * 1024);
    const w = await world(lib);
    try {
      const killed = await interruptMidPass(w, 'SIGKILL');
      assert.equal(killed.signal, 'SIGKILL');
      const partial = await readTree(w.root, { skip: ['.gphotos'] });
      const valid = new Set(ids.map((id) => md5Of(lib, id)));
      for (const [p, f] of partial) {
        if (p.includes('.gphotos-part')) continue; // temp files are allowed to remain; never under a final name
        assert.ok(valid.has(f.md5), `corrupt file under a final name: ${p}`);
      }
      assert.ok(partial.size < ids.length, 'the kill came too late to test anything');
      // A temp file of an item that is gone upstream is never overwritten by a download: the
      // next pass must sweep it because the last one was killed.
      const ghost = path.join(w.root, 'drive/Google Photos/2019/.ghost.jpg.gphotos-part');
      await writeFile(ghost, 'half a photo');
      const r = await w.sync();
      assert.equal(r.code, 0, outputOf(r).slice(-2000));
      const swept = r.lines.find((l) => String(l.msg).includes('removed the temp files'));
      assert.ok((swept?.removed as number) >= 1, JSON.stringify(swept));
      await assertNoTempFiles(w.root);
      await assertComplete(w.root, lib, ids);
    } finally {
      await w.close();
    }
  });

  it('SIGTERM stops the pass: exit 143, a summary, no temp file; the next pass completes', async () => {
    const { lib, ids } = smallLibrary(300, 64 * 1024);
    const w = await world(lib);
    try {
      const r = await interruptMidPass(w, 'SIGTERM');
      assert.equal(r.code, 143, outputOf(r).slice(-2000));
      assert.equal(r.summary?.exitCode, 143);
      assert.ok((r.summary?.downloaded as number) < ids.length);
      await assertNoTempFiles(w.root);
      const r2 = await w.sync();
      assert.equal(r2.code, 0, outputOf(r2).slice(-2000));
      await assertComplete(w.root, lib, ids);
    } finally {
      await w.close();
    }
  });

  it('SIGTERM with downloads hanging mid-body: exit 143 within 10 s, temp files removed, run recorded', async () => {
    const { lib, ids } = smallLibrary(40, 256 * 1024);
    const w = await world(lib);
    try {
      // Every download sends half its bytes, then nothing: only an abort ends them.
      w.emu.faults.add({ route: 'media', kind: 'stallMidBody', times: 1000 });
      const child = startCli(['sync', w.root, '--concurrency', '4'], w.env);
      const done = collect(child);
      for (let i = 0; i < 600 && (w.emu.stats().byRoute.media ?? 0) < 4; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.ok((w.emu.stats().byRoute.media ?? 0) >= 4, 'downloads in flight');
      const sentAt = Date.now();
      child.kill('SIGTERM');
      const r = await done;
      // Kubernetes' default grace period is 30 s; the job promises 10.
      const seconds = (Date.now() - sentAt) / 1000;
      assert.ok(seconds < 10, `exited ${seconds} s after SIGTERM`);
      assert.equal(r.code, 143, outputOf(r).slice(-2000));
      assert.equal(r.summary?.exitCode, 143);
      await assertNoTempFiles(w.root);
      const runs = await runCli(
        ['query', w.root, 'SELECT exit_code FROM runs ORDER BY id DESC LIMIT 1', '--json'],
        w.env,
      );
      assert.deepEqual(JSON.parse(runs.stdout), [{ exit_code: 143 }]);
      w.emu.faults.clear();
      const r2 = await w.sync();
      assert.equal(r2.code, 0, outputOf(r2).slice(-2000));
      await assertComplete(w.root, lib, ids);
    } finally {
      await w.close();
    }
  });
});
