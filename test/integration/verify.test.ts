/**
 * `gphotos-sync verify` end to end on the demo library: the real CLI, the emulator, a real index
 * (server Postgres with TEST_DATABASE_URL, else the embedded one) and a real tree that the tests
 * damage on purpose.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdir, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { md5Of } from '../fakes/google/library.ts';
import { demoLibrary, type DemoLibrary } from '../fakes/google/scenarios.ts';
import { openIndex } from '../../src/index/db.ts';
import { acquirePassLock } from '../../src/index/pass-lock.ts';
import { runCli, type RunResult } from '../helpers/cli.ts';
import { world, type World } from '../helpers/pass.ts';
import { readTree } from '../helpers/tree.ts';

const out = (r: RunResult) => `exit ${r.code}\n${r.stdout}\n${r.stderr.slice(-3000)}`;

/** The problem lines of a text report: kind -> paths. */
function problems(r: RunResult): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of r.stdout.split('\n')) {
    const match = /^(missing|changed|unknown|broken-link|leftover|repaired) +(.+?) {2}/.exec(line);
    if (!match) continue;
    const [, kind, p] = match as unknown as [string, string, string];
    m.set(kind, [...(m.get(kind) ?? []), p].sort());
  }
  return m;
}

const summaryLine = (r: RunResult) => r.stdout.trimEnd().split('\n').at(-1) ?? '';

const y = (year: string, name: string) => `drive/Google Photos/${year}/${name}`;

describe('verify on the demo library', () => {
  let w: World;
  let lib: DemoLibrary;
  /** Files under drive/ (md5 in the index), and under drive/ and picasa/. */
  let files: string[];
  let media: string[];
  let driveBytes: number;
  const verify = (args: string[] = [], env: Record<string, string | undefined> = {}) =>
    runCli(['verify', w.root, ...args], { ...w.env, ...env });
  /** The index id of a file, by the emulator's md5 of its content (unique in the demo). */
  const idOf = async (rel: string): Promise<string> => {
    const md5 = (await readTree(w.root)).get(rel)?.md5;
    const id = [...lib.files.keys()].find((k) => {
      try {
        return md5Of(lib, k) === md5;
      } catch {
        return false;
      }
    });
    assert.ok(id, `no library item for ${rel}`);
    return id;
  };

  before(async () => {
    lib = demoLibrary();
    w = await world(lib);
    w.env.GPHOTOS_PICASA_API_URL = w.emu.picasaUrl;
    const r = await w.sync();
    assert.equal(r.code, 0, out(r));
    const tree = await readTree(w.root, { skip: ['.gphotos', 'albums'] });
    media = [...tree.keys()];
    files = media.filter((p) => p.startsWith('drive/')).sort();
    driveBytes = files.reduce((n, p) => n + (tree.get(p)?.size ?? 0), 0);
    // The demo library has Photos-only items too; verify checks them by size (no md5).
    assert.ok(media.length > files.length);
  });
  after(() => w.close());

  it('a clean tree: no problem lines, a summary, exit 0', async () => {
    const r = await verify();
    assert.equal(r.code, 0, out(r));
    assert.equal(problems(r).size, 0, out(r));
    assert.match(summaryLine(r), new RegExp(`^verify: ${media.length} files checked; no problems`));
    const j = await verify(['--json', '--checksums']);
    assert.equal(j.code, 0, out(j));
    assert.deepEqual(JSON.parse(j.stdout.trim()).summary, {
      stage: 'verify',
      files: media.length,
      hashed: files.length,
      bytesHashed: driveBytes,
      problems: 0,
      missing: 0,
      changed: 0,
      unknown: 0,
      brokenLinks: 0,
      leftover: 0,
      notDownloaded: 0,
      exitCode: 0,
    });
  });

  it('reports missing, changed (size), unknown and leftover files and exits 3', async () => {
    const [deleted, truncated, appended] = files.slice(0, 3) as [string, string, string];
    await rm(path.join(w.root, deleted));
    await truncate(path.join(w.root, truncated), 10);
    await appendFile(path.join(w.root, appended), 'x');
    const extra = y('2017', 'not-from-google.jpg');
    await writeFile(path.join(w.root, extra), 'mine');
    const part = y('2015', '.IMG_x.jpg.gphotos-part');
    await writeFile(path.join(w.root, part), 'half');
    // NAS litter is not reported.
    await mkdir(path.join(w.root, 'drive/Google Photos/2016/@eaDir'));
    await writeFile(path.join(w.root, 'drive/Google Photos/2016/@eaDir/thumb.jpg'), 't');
    await writeFile(path.join(w.root, 'drive/Google Photos/.DS_Store'), 't');

    const r = await verify();
    assert.equal(r.code, 3, out(r));
    assert.deepEqual(
      Object.fromEntries(problems(r)),
      {
        missing: [deleted],
        changed: [appended, truncated].sort(),
        unknown: [extra],
        leftover: [part],
      },
      out(r),
    );
    assert.match(
      r.stdout,
      new RegExp(`^changed +${truncated}  size 10 bytes, the index says \\d+$`, 'm'),
    );
    assert.match(
      summaryLine(r),
      /^verify: \d+ files checked; 4 problem\(s\): 1 missing, 2 changed, 1 unknown; 1 temp file/,
    );
    // Logs go to stderr, the report alone to stdout.
    assert.ok(
      r.stdout.split('\n').every((l) => !l.startsWith('{')),
      r.stdout,
    );

    const j = await verify(['--json']);
    assert.equal(j.code, 3);
    const lines = j.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.find((l) => l.kind === 'missing'),
      {
        kind: 'missing',
        path: deleted,
        detail: 'not on disk',
      },
    );
    assert.equal((lines.at(-1)?.summary as Record<string, unknown>).exitCode, 3);
  });

  it('a flipped byte (same size) shows only with --checksums', async () => {
    const flipped = files[3] as string;
    const fh = await open(path.join(w.root, flipped), 'r+');
    try {
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, 7);
      b[0] = (b[0] as number) ^ 0xff;
      await fh.write(b, 0, 1, 7);
    } finally {
      await fh.close();
    }
    const plain = await verify();
    assert.ok(!(problems(plain).get('changed') ?? []).includes(flipped), out(plain));
    const r = await verify(['--checksums']);
    assert.equal(r.code, 3, out(r));
    assert.ok(problems(r).get('changed')?.includes(flipped), out(r));
    assert.match(
      r.stdout,
      // A Drive file: checked by Drive's sha256.
      new RegExp(`^changed +${flipped}  sha256 [0-9a-f]{64}, the index says`, 'm'),
    );
  });

  it('--repair downloads again without listing, leaves unknown files alone; then exit 0', async () => {
    const damaged = files.slice(0, 4);
    const extra = y('2017', 'not-from-google.jpg');
    const lists = w.emu.stats().byRoute['files.list'] ?? 0;
    const r = await verify(['--repair', '--checksums']);
    // The unknown file is never touched, so something is still wrong.
    assert.equal(r.code, 3, out(r));
    assert.equal(w.emu.stats().byRoute['files.list'] ?? 0, lists, 'drive items need no listing');
    const p = problems(r);
    assert.deepEqual(p.get('repaired'), [...damaged, y('2015', '.IMG_x.jpg.gphotos-part')].sort());
    assert.equal(await readFile(path.join(w.root, extra), 'utf8'), 'mine');
    assert.match(summaryLine(r), /^after repair: \d+ files checked.*; 1 problem\(s\): 1 unknown$/);
    const tree = await readTree(w.root);
    for (const rel of damaged) assert.equal(tree.get(rel)?.md5, md5Of(lib, await idOf(rel)), rel);

    // Without the unknown file, and with one more file gone: repaired, exit 0, then clean.
    await rm(path.join(w.root, extra));
    const big = y('2018', 'PANO_20180704_201500.jpg');
    const bigMd5 = md5Of(lib, lib.ids.bigPhoto);
    await rm(path.join(w.root, big));
    const fixed = await verify(['--repair']);
    assert.equal(fixed.code, 0, out(fixed));
    // The file, and the album entries that link to it.
    const repaired = problems(fixed).get('repaired') ?? [];
    assert.ok(repaired.includes(big), out(fixed));
    assert.ok(
      repaired.every((p) => p === big || p.startsWith('albums/')),
      out(fixed),
    );
    assert.match(
      summaryLine(fixed),
      /^after repair: \d+ files checked \(1 hashed, [\d.]+ MB\); no problems/,
    );
    assert.equal((await readTree(w.root)).get(big)?.md5, bigMd5);
    const again = await verify(['--checksums']);
    assert.equal(again.code, 0, out(again));
    assert.equal(problems(again).size, 0, out(again));
  });

  it('--repair needs a token (exit 2); plain verify does not', async () => {
    const noToken = { GPHOTOS_TOKEN: undefined, GPHOTOS_TOKEN_FILE: undefined };
    const r = await verify(['--repair'], noToken);
    assert.equal(r.code, 2, out(r));
    assert.match(r.stderr, /token/i);
    const plain = await verify([], noToken);
    assert.equal(plain.code, 0, out(plain));
  });

  it('exits 6 while a pass holds the index, naming the holder', async () => {
    const databaseUrl = w.env.DATABASE_URL ?? null;
    const db = await openIndex({ databaseUrl, embeddedDir: path.join(w.root, '.gphotos') });
    const lock = databaseUrl === null ? undefined : await acquirePassLock(db.knex, 'default');
    try {
      const r = await verify();
      assert.equal(r.code, 6, out(r));
      assert.match(r.stderr, new RegExp(`pid[ =]${process.pid}\\b`));
      assert.equal(r.stdout, '');
    } finally {
      await lock?.release();
      await db.close();
    }
  });
});

describe('verify without a backup', () => {
  it('a missing ROOT or an embedded index that does not exist: exit 1, nothing created', async () => {
    const w = await world(demoLibrary());
    try {
      const missing = path.join(w.root, 'nope');
      const r = await runCli(['verify', missing], w.env);
      assert.equal(r.code, 1, out(r));
      assert.match(r.stderr, /missing or not a folder/);
      if (w.env.DATABASE_URL === undefined) {
        const empty = await runCli(['verify', w.root], w.env);
        assert.equal(empty.code, 1, out(empty));
        assert.match(empty.stderr, /no index in .*\.gphotos\/index.*sync/s);
        assert.deepEqual([...(await readTree(w.root, { skip: [] })).keys()], []);
      }
    } finally {
      await w.close();
    }
  });
});
