/**
 * Drive of today end to end (issue 15): files Drive will not hand out are recorded once, counted
 * as skipped (exit 0), and cost no request after the first pass (incremental and full listings
 * alike) until the changes feed says their capabilities changed; the owner's own flagged file is
 * fetched with acknowledgeAbuse; sha256 is stored, checked and used by verify --checksums; the
 * Google Photos folder that stopped changing is warned about, by a pass and by `check`.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sha256Of } from '../fakes/google/checksums.ts';
import { contentOf, LibraryBuilder, type Library } from '../fakes/google/library.ts';
import { setRestriction } from '../fakes/google/restrictions.ts';
import { runCli } from '../helpers/cli.ts';
import { world, type World } from '../helpers/pass.ts';

function library(createdTime?: string) {
  const b = new LibraryBuilder();
  const y = b.folder('2019', b.folder('Google Photos'));
  const at = (i: number) => ({ createdTime, takenTime: `2019:05:0${i} 10:00:00` });
  const ids = {
    ok: b.photo('ok.jpg', y, at(1)),
    viewOnly: b.photo('view-only.jpg', y, at(2)),
    refused: b.photo('refused.jpg', y, at(3)),
    flaggedMine: b.photo('flagged-mine.jpg', y, at(4)),
    flaggedShared: b.photo('flagged-shared.jpg', y, at(5)),
  };
  const lib = b.build();
  const file = (id: string) => lib.files.get(id)!;
  file(ids.viewOnly).restriction = 'owner-restricted';
  file(ids.refused).restriction = 'refused';
  file(ids.flaggedMine).restriction = 'abuse';
  file(ids.flaggedShared).restriction = 'abuse';
  file(ids.flaggedShared).ownedByMe = false;
  return { lib, ids };
}

async function query(w: World, sql: string): Promise<Array<Record<string, unknown>>> {
  const r = await runCli(['query', w.root, sql, '--json'], w.env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
}

/** The requests since `from` that name file `id` (metadata or bytes). */
const requestsFor = (w: World, from: number, id: string) =>
  w.emu.requests.slice(from).filter((r) => r.path.includes(id));

const mediaOf = (w: World, from: number, id: string) =>
  requestsFor(w, from, id).filter((r) => r.query.alt === 'media');

const restrictedRows = (w: World) =>
  query(
    w,
    "SELECT original_name, restriction FROM media_items WHERE state = 'restricted' ORDER BY original_name",
  );

const STALE = /"Google Photos" folder of My Drive has not changed since/;
const warned = (lines: Array<Record<string, unknown>>) =>
  lines.some((l) => STALE.test(String(l.msg)));

async function sync(w: World, args: string[] = []) {
  const r = await w.sync(args);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
  assert.equal(r.summary?.failed, 0, JSON.stringify(r.summary));
  return r;
}

describe('Drive files that cannot be downloaded', () => {
  it('are recorded once, skipped, and cost nothing until their capabilities change', async () => {
    const { lib, ids } = library();
    const w = await world(lib);
    try {
      const first = await sync(w);
      assert.equal(first.summary?.downloaded, 2, JSON.stringify(first.summary));
      assert.equal(first.summary?.restricted, 3);
      assert.ok((first.summary?.skipped as number) >= 3);
      assert.deepEqual(await restrictedRows(w), [
        { original_name: 'flagged-shared.jpg', restriction: 'abuse' },
        { original_name: 'refused.jpg', restriction: 'refused' },
        { original_name: 'view-only.jpg', restriction: 'no-download' },
      ]);
      // The listing said so: never requested. The others: asked (flagged: again with
      // acknowledgeAbuse, which Drive honours for the owner only). google-auth-library repeats
      // a request that got a 403 once after refreshing the token (forceRefreshOnFailure), so
      // each ask may show twice.
      const asks = (id: string) => [
        ...new Set(mediaOf(w, 0, id).map((r) => `${r.query.acknowledgeAbuse} ${r.status}`)),
      ];
      assert.deepEqual(asks(ids.viewOnly), []);
      assert.deepEqual(asks(ids.refused), ['false 403']);
      assert.deepEqual(asks(ids.flaggedShared), ['false 403', 'true 403']);
      assert.deepEqual(asks(ids.flaggedMine), ['false 403', 'true 200']);
      for (const id of [ids.refused, ids.flaggedShared, ids.flaggedMine]) {
        assert.ok(mediaOf(w, 0, id).length <= 4, id);
      }
      const mine = path.join(w.root, 'drive/Google Photos/2019/flagged-mine.jpg');
      assert.deepEqual(await readFile(mine), contentOf(lib, ids.flaggedMine));
      assert.ok(
        first.lines.some((l) => /malware or spam; downloaded it anyway/.test(String(l.msg))),
      );

      const restricted = [ids.viewOnly, ids.refused, ids.flaggedShared];
      for (const args of [[], ['--flush-index']]) {
        const from = w.emu.requests.length;
        const again = await sync(w, args);
        assert.equal(again.summary?.restricted, 3, args.join(' '));
        assert.equal(again.summary?.downloaded, 0);
        for (const id of restricted) assert.deepEqual(requestsFor(w, from, id), [], args.join());
      }

      setRestriction(w.emu.library, ids.viewOnly, null);
      setRestriction(w.emu.library, ids.refused, null);
      const from = w.emu.requests.length;
      const freed = await sync(w);
      assert.equal(freed.summary?.downloaded, 2, JSON.stringify(freed.summary));
      assert.equal(freed.summary?.restricted, 1);
      assert.equal(mediaOf(w, from, ids.flaggedShared).length, 0);
      for (const id of [ids.viewOnly, ids.refused]) {
        assert.deepEqual(
          mediaOf(w, from, id).map((r) => r.status),
          [200],
        );
      }
      assert.deepEqual(await restrictedRows(w), [
        { original_name: 'flagged-shared.jpg', restriction: 'abuse' },
      ]);
    } finally {
      await w.close();
    }
  });

  it('a file already backed up that becomes restricted keeps its bytes', async () => {
    const { lib, ids } = library();
    const w = await world(lib);
    try {
      await sync(w);
      setRestriction(w.emu.library, ids.ok, 'owner-restricted', { ownedByMe: false });
      const from = w.emu.requests.length;
      const r = await sync(w);
      assert.equal(r.summary?.restricted, 3);
      assert.equal(mediaOf(w, from, ids.ok).length, 0);
      const [row] = await query(w, `SELECT state FROM media_items WHERE remote_id = '${ids.ok}'`);
      assert.equal(row?.state, 'done');
    } finally {
      await w.close();
    }
  });
});

describe('sha256', () => {
  it('is stored, and verify --checksums checks with it', async () => {
    const { lib, ids } = library();
    const w = await world(lib);
    try {
      await sync(w);
      const [row] = await query(
        w,
        `SELECT sha256, md5 FROM media_items WHERE remote_id = '${ids.ok}'`,
      );
      assert.equal(row?.sha256, sha256Of(lib, ids.ok));
      const verify = () => runCli(['verify', w.root, '--checksums'], w.env);
      const good = await verify();
      assert.equal(good.code, 0, good.stdout + good.stderr);
      // Same size, other bytes: only a checksum can tell.
      const file = path.join(w.root, 'drive/Google Photos/2019/ok.jpg');
      const bytes = await readFile(file);
      bytes[0] = bytes[0]! ^ 0xff;
      await writeFile(file, bytes);
      const bad = await verify();
      assert.notEqual(bad.code, 0);
      assert.match(bad.stdout + bad.stderr, /ok\.jpg.*sha256 [0-9a-f]{64}, the index says/);
    } finally {
      await w.close();
    }
  });
});

describe('the Google Photos folder warning', () => {
  const check = (w: World, args: string[] = []) => runCli(['check', w.root, ...args], { ...w.env });

  it('a folder unchanged since 2019: the pass and check warn, not with --all-drive', async () => {
    const { lib } = library();
    const w = await world(lib);
    try {
      const r = await sync(w);
      assert.ok(warned(r.lines), 'the pass warns');
      const c = await check(w);
      assert.equal(c.code, 0, c.stdout);
      assert.match(
        c.stdout,
        /^warn\s+photos\s+The "Google Photos" folder .*--all-drive.*--takeout/m,
      );
      const all = await sync(w, ['--all-drive']);
      assert.ok(!warned(all.lines), 'no warning with --all-drive');
    } finally {
      await w.close();
    }
  });

  it('a folder with a photo from this week: no warning', async () => {
    const { lib } = library(new Date(Date.now() - 7 * 86_400_000).toISOString());
    const w = await world(lib as Library);
    try {
      const r = await sync(w);
      assert.ok(!warned(r.lines));
      const c = await check(w);
      assert.match(c.stdout, /^ok\s+photos\s+newest item/m);
    } finally {
      await w.close();
    }
  });
});
