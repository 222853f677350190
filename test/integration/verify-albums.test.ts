/**
 * `gphotos-sync verify` on picasa/ and albums/: Photos-only files (no md5 in the index: size
 * only), album links that no longer resolve, album entries that are gone, and folders of no
 * album; `--repair` lists the albums again for fresh URLs, downloads and relinks.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { picasaMd5Of } from '../fakes/google/picasa-model.ts';
import { albumScenario, readAlbums, type AlbumScenario } from '../helpers/albums.ts';
import { runCli, type RunResult } from '../helpers/cli.ts';
import { world, type World } from '../helpers/pass.ts';
import { readTree } from '../helpers/tree.ts';

const out = (r: RunResult) => `exit ${r.code}\n${r.stdout}\n${r.stderr.slice(-3000)}`;

function problems(r: RunResult): Record<string, string[]> {
  const m: Record<string, string[]> = {};
  for (const line of r.stdout.split('\n')) {
    const match = /^(missing|changed|unknown|broken-link|leftover|repaired) +(.+?) {2}/.exec(line);
    if (match) (m[match[1] as string] ??= []).push(match[2] as string);
  }
  for (const k of Object.keys(m)) m[k]?.sort();
  return m;
}

describe('verify on picasa/ and albums/', () => {
  let w: World;
  let s: AlbumScenario;
  const verify = (args: string[] = []) => runCli(['verify', w.root, ...args], w.env);
  const collage = 'picasa/2016/01/COLLAGE.jpg';
  const collageLinks = [
    'albums/2016/0109 Trip to Rome/COLLAGE.jpg',
    'albums/2016/0301 Best of/COLLAGE.jpg',
    'albums/2016/0505 Paris_Lyon 🎉/COLLAGE.jpg',
  ];
  const bestOfImg3 = 'albums/2016/0301 Best of/IMG_0003.jpg';
  const stray = 'albums/2016/0101 Old album';

  before(async () => {
    s = albumScenario();
    w = await world(s.lib);
    w.env.GPHOTOS_PICASA_API_URL = w.emu.picasaUrl;
    const r = await w.sync();
    assert.equal(r.code, 0, out(r));
  });
  after(() => w.close());

  it('a fresh backup with albums is clean, with and without --checksums', async () => {
    for (const args of [[], ['--checksums']]) {
      const r = await verify(args);
      assert.equal(r.code, 0, out(r));
      assert.deepEqual(problems(r), {}, out(r));
    }
  });

  it('reports a Photos-only file gone, the links to it broken, an entry gone, a stray folder', async () => {
    await rm(path.join(w.root, collage));
    await rm(path.join(w.root, bestOfImg3));
    await mkdir(path.join(w.root, stray));
    await symlink(
      '../../../drive/Google Photos/2016/IMG_0001.jpg',
      path.join(w.root, stray, 'a.jpg'),
    );
    await writeFile(path.join(w.root, 'albums/2016/0909 Dups/.x.jpg.gphotos-part'), '');
    // A Photos-only file has no md5 in the index: its size is what verify compares.
    await truncate(path.join(w.root, 'picasa/2016/02/AUTO.gif'), 3);
    const r = await verify();
    assert.equal(r.code, 3, out(r));
    assert.deepEqual(
      problems(r),
      {
        missing: [bestOfImg3, collage].sort(),
        changed: ['picasa/2016/02/AUTO.gif'],
        'broken-link': collageLinks,
        unknown: [stray],
        leftover: ['albums/2016/0909 Dups/.x.jpg.gphotos-part'],
      },
      out(r),
    );
    assert.match(
      r.stdout,
      /^broken-link +albums\/2016\/0109 Trip to Rome\/COLLAGE\.jpg {2}leads to \.\.\/\.\.\/\.\.\/picasa\/2016\/01\/COLLAGE\.jpg, which is not a file$/m,
    );
  });

  it('--repair downloads Photos-only files with fresh URLs, relinks, and exits 0', async () => {
    const from = w.emu.requests.length;
    const r = await verify(['--repair']);
    assert.equal(r.code, 0, out(r));
    assert.ok(
      w.emu.requests.slice(from).some((q) => q.path.includes('/albumid/')),
      'the album feeds are read for fresh URLs',
    );
    const tree = await readTree(w.root, { skip: ['.gphotos', 'albums'] });
    assert.equal(tree.get(collage)?.md5, picasaMd5Of(s.lib, s.ids.collage));
    assert.equal(tree.get('picasa/2016/02/AUTO.gif')?.md5, picasaMd5Of(s.lib, s.ids.auto));
    const albums = await readAlbums(w.root);
    for (const l of collageLinks) assert.equal(albums.get(l)?.resolved, collage, l);
    assert.equal(albums.get(bestOfImg3)?.resolved, 'drive/Google Photos/2016/IMG_0003.jpg');
    // The stray folder held only a link: the pass's link phase removed it, as every pass does.
    await assert.rejects(readFile(path.join(w.root, stray, 'a.jpg')), { code: 'ENOENT' });
    const again = await verify(['--checksums']);
    assert.equal(again.code, 0, out(again));
    assert.deepEqual(problems(again), {}, out(again));
  });
});
