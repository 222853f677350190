/**
 * The Drive pass end to end: the real CLI against the emulator and a real index (server Postgres
 * when TEST_DATABASE_URL is set, else the embedded one), checking the tree byte for byte.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { contentOf, md5Of, LibraryBuilder, type Library } from '../fakes/google/library.ts';
import { demoLibrary, type DemoLibrary } from '../fakes/google/scenarios.ts';
import { readTree } from '../helpers/tree.ts';
import { world, type World } from '../helpers/pass.ts';
import { createHash } from 'node:crypto';

/** Every non-trashed photo/video below `Google Photos`, by id. */
function mediaUnder(lib: Library, rootFolder: string): string[] {
  const inTree = (id: string, depth = 0): boolean => {
    if (id === rootFolder) return true;
    const f = lib.files.get(id);
    if (!f || depth > 50) return false;
    return f.parents.some((p) => inTree(p, depth + 1));
  };
  return [...lib.files.values()]
    .filter(
      (f) => !f.trashed && /^(image|video)\//.test(f.mimeType) && f.parents.some((p) => inTree(p)),
    )
    .map((f) => f.id);
}

function byMd5(tree: Map<string, { md5: string }>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [p, f] of tree) out.set(f.md5, [...(out.get(f.md5) ?? []), p]);
  return out;
}

describe('drive pass on the demo library', () => {
  let w: World;
  let lib: DemoLibrary;
  before(async () => {
    lib = demoLibrary();
    w = await world(lib);
    // This file is about the Drive pass; albums.test.ts covers the demo library's albums.
    w.env.GPHOTOS_SKIP_PICASA = 'true';
  });
  after(() => w.close());

  it('backs up every photo and video of Google Photos, byte for byte, and exits 0', async () => {
    const r = await w.sync();
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
    const tree = await readTree(w.root);
    const want = mediaUnder(lib, lib.ids.googlePhotos);
    assert.equal(tree.size, want.length, [...tree.keys()].join('\n'));
    const md5s = byMd5(tree);
    for (const id of want) {
      assert.ok(md5s.has(md5Of(lib, id)), `missing ${lib.files.get(id)?.name}`);
    }
    for (const p of tree.keys()) {
      assert.ok(p.startsWith('drive/Google Photos/'), p);
      assert.ok(!p.includes('.gphotos-part'), `temp file left: ${p}`);
    }
    // Docs, PDFs and trashed items are never downloaded.
    for (const id of [lib.ids.googleDoc, lib.ids.pdf, lib.ids.trashed]) {
      const name = lib.files.get(id)?.name ?? '';
      assert.ok(![...tree.keys()].some((p) => p.endsWith(`/${name}`)), name);
    }
    assert.equal(r.summary?.exitCode, 0);
    assert.equal(r.summary?.downloaded, want.length);
    assert.equal(r.summary?.failed, 0);
    assert.equal(r.lines.at(-1)?.msg, 'sync finished');
  });

  it('places files under their folder path and names duplicates by creation time', async () => {
    const tree = await readTree(w.root);
    const dupPaths = lib.ids.duplicates.map((id) => byMd5(tree).get(md5Of(lib, id))?.[0]);
    assert.deepEqual(dupPaths, [
      'drive/Google Photos/2016/IMG_0001.JPG',
      'drive/Google Photos/2016/IMG_0001 (1).JPG',
      'drive/Google Photos/2016/IMG_0001 (2).JPG',
    ]);
    const slash = byMd5(tree).get(md5Of(lib, lib.ids.slashName))?.[0];
    assert.equal(slash, 'drive/Google Photos/2017/Paris 2017_08_14.jpg');
  });

  it('sets each file mtime to the taken time (UTC), else the creation time', async () => {
    const tree = await readTree(w.root);
    const md5s = byMd5(tree);
    for (const id of mediaUnder(lib, lib.ids.googlePhotos)) {
      const f = lib.files.get(id)!;
      const p = md5s.get(md5Of(lib, id))![0]!;
      const exif = f.imageMediaMetadata?.time;
      const want = exif
        ? Date.UTC(
            +exif.slice(0, 4),
            +exif.slice(5, 7) - 1,
            +exif.slice(8, 10),
            +exif.slice(11, 13),
            +exif.slice(14, 16),
            +exif.slice(17, 19),
          )
        : Date.parse(f.createdTime);
      assert.equal(Math.round(tree.get(p)!.mtimeMs / 1000), Math.round(want / 1000), p);
    }
  });

  it('a second pass downloads nothing and changes nothing', async () => {
    const before = await readTree(w.root);
    const media0 = w.emu.stats().byRoute.media ?? 0;
    const r = await w.sync();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.summary?.downloaded, 0);
    assert.equal((w.emu.stats().byRoute.media ?? 0) - media0, 0);
    assert.deepEqual(await readTree(w.root), before);
  });

  it('--all-drive adds the rest of My Drive at the same paths', async () => {
    const r = await w.sync(['--all-drive']);
    assert.equal(r.code, 0, r.stderr);
    const tree = await readTree(w.root);
    const want = mediaUnder(lib, lib.rootId);
    assert.equal(tree.size, want.length);
    assert.equal(r.summary?.downloaded, want.length - mediaUnder(lib, lib.ids.googlePhotos).length);
    for (const id of lib.ids.outsidePhotos) {
      const p = byMd5(tree).get(md5Of(lib, id))?.[0] ?? '';
      assert.ok(p.startsWith('drive/Camera Uploads/'), p);
    }
  });
});

describe('hostile names', () => {
  let w: World;
  let lib: Library;
  const ids: Record<string, string> = {};
  before(async () => {
    const b = new LibraryBuilder();
    const gp = b.folder('Google Photos');
    const dotdot = b.folder('..', gp);
    const slashy = b.folder('a/b', gp);
    ids.passwd = b.photo('../../etc/passwd', gp);
    ids.inDotdot = b.photo('x.jpg', dotdot);
    ids.inSlashy = b.photo('y.jpg', slashy);
    ids.nul = b.photo('nul\u0000byte\u0007.jpg', gp);
    ids.dot = b.photo('.', gp, { mimeType: 'image/jpeg' });
    ids.long = b.photo(`${'é'.repeat(200)}.jpg`, gp);
    ids.emoji = b.photo('🎉 party.jpg', gp);
    ids.upper = b.photo('Case.JPG', gp, { createdTime: '2016-01-01T00:00:00.000Z' });
    ids.lower = b.photo('case.jpg', gp, { createdTime: '2016-01-02T00:00:00.000Z' });
    lib = b.build();
    w = await world(lib);
  });
  after(() => w.close());

  it('sanitises every name, stays inside ROOT, and keeps every item', async () => {
    const r = await w.sync();
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
    const tree = await readTree(w.root);
    const paths = new Map([...tree].map(([p, f]) => [f.md5, p]));
    const at = (id: string) => paths.get(md5Of(lib, id));
    assert.equal(at(ids.passwd!), 'drive/Google Photos/.._.._etc_passwd');
    assert.equal(at(ids.inDotdot!), 'drive/Google Photos/__/x.jpg');
    assert.equal(at(ids.inSlashy!), 'drive/Google Photos/a_b/y.jpg');
    assert.equal(at(ids.nul!), 'drive/Google Photos/nul_byte_.jpg');
    assert.equal(at(ids.dot!), 'drive/Google Photos/_');
    assert.equal(at(ids.emoji!), 'drive/Google Photos/🎉 party.jpg');
    const long = at(ids.long!)!;
    assert.ok(Buffer.byteLength(path.basename(long)) <= 255, long);
    assert.ok(long.endsWith('.jpg'));
    // Names that differ only in case get numbers, so a case-insensitive NAS share keeps both.
    assert.equal(at(ids.upper!), 'drive/Google Photos/Case.JPG');
    assert.equal(at(ids.lower!), 'drive/Google Photos/case (1).jpg');
    assert.equal(tree.size, Object.keys(ids).length);
    for (const p of tree.keys()) assert.ok(!p.split('/').includes('..'), p);
  });
});

describe('byte-for-byte content of a larger file', () => {
  it('streams multi-chunk files intact', async () => {
    const b = new LibraryBuilder();
    const gp = b.folder('Google Photos');
    const big = b.video('clip.mp4', gp, { size: 5 * 1024 * 1024 + 17 });
    const lib = b.build();
    const w = await world(lib);
    try {
      const r = await w.sync();
      assert.equal(r.code, 0, r.stderr);
      const tree = await readTree(w.root);
      const want = createHash('md5').update(contentOf(lib, big)).digest('hex');
      assert.equal(tree.get('drive/Google Photos/clip.mp4')?.md5, want);
      assert.equal(tree.get('drive/Google Photos/clip.mp4')?.size, 5 * 1024 * 1024 + 17);
    } finally {
      await w.close();
    }
  });
});

describe('secrets', () => {
  it('no token or client secret reaches the output, even at trace level', async () => {
    const b = new LibraryBuilder();
    const gp = b.folder('Google Photos');
    b.photo('a.jpg', gp);
    const w = await world(b.build(), { accessTokenTtlSeconds: 100 });
    try {
      const r = await w.sync(['--log-level', 'trace']);
      assert.equal(r.code, 0, r.stderr);
      const out = r.stdout + r.stderr;
      assert.ok(r.lines.length > 3, 'trace logging produced lines');
      const token = w.emu.defaultToken();
      for (const secret of [token.refresh_token, token.client_secret]) {
        assert.ok(!out.includes(secret), 'a secret reached the output');
      }
      assert.doesNotMatch(out, /ya29\.[A-Za-z0-9_-]{8,}/, 'an access token reached the output');
    } finally {
      await w.close();
    }
  });
});
