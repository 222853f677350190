/**
 * The Takeout source end to end, through the real CLI on the index backend of the run: a
 * generated export with every quirk of the real samples, written as real zip and tgz parts,
 * becomes the photos/ and albums/ trees it describes; later passes and exports add only what is
 * new.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeExport } from '../fakes/takeout/export.ts';
import {
  expectedTree,
  makeLibrary,
  type ExpectedTree,
  type Library,
} from '../fakes/takeout/library.ts';
import {
  readTop,
  takeoutWorld,
  utcMonth,
  type TakeoutWorld,
  type TreeEntry,
} from '../helpers/takeout.ts';
import { sanitizeName } from '../../src/tree/sanitize.ts';

const REQUESTED = new Date('2025-07-25T03:52:35Z');

function bySha(tree: Map<string, TreeEntry>): Map<string, TreeEntry[]> {
  const out = new Map<string, TreeEntry[]>();
  for (const e of tree.values()) out.set(e.sha256, [...(out.get(e.sha256) ?? []), e]);
  return out;
}

const stripDup = (name: string): string => name.replace(/ \(\d+\)(?=\.[^.]*$|$)/, '');
const stem = (name: string): string => name.replace(/\.[^.]*$/, '');

/** Every expected item is exactly one file of photos/, in its month, named by its title. */
async function assertPhotos(root: string, expected: ExpectedTree): Promise<Map<string, TreeEntry>> {
  const photos = await readTop(root, 'photos');
  const shas = bySha(photos);
  assert.equal(photos.size, expected.items.length, 'one file per item, no item twice');
  for (const item of expected.items) {
    const files = shas.get(item.sha256) ?? [];
    assert.equal(files.length, 1, `${item.title}: one file with its bytes`);
    const f = files[0] as TreeEntry;
    const base = path.posix.basename(f.rel);
    const want = stem(sanitizeName(item.title));
    assert.ok(
      stem(base) === want || stem(stripDup(base)) === want,
      `${f.rel} is named by ${item.title}`,
    );
    if (item.dateFrom === 'folder') {
      assert.ok(
        f.rel.startsWith(`photos/${item.takenTime.getUTCFullYear()}/`),
        `${f.rel}: its year folder dates it`,
      );
      continue;
    }
    assert.ok(
      f.rel.startsWith(`photos/${utcMonth(item.takenTime)}/`),
      `${f.rel} (${item.dateFrom}) in ${utcMonth(item.takenTime)}`,
    );
    assert.ok(
      Math.abs(f.mtimeMs - item.takenTime.getTime()) < 1000,
      `${f.rel}: mtime is its taken time`,
    );
  }
  return photos;
}

/** Every expected album is one albums/ folder whose links lead to its members' bytes. */
async function assertAlbums(root: string, expected: ExpectedTree): Promise<void> {
  const entries = await readTop(root, 'albums');
  const folders = new Map<string, TreeEntry[]>();
  for (const e of entries.values()) {
    const folder = e.rel.split('/').slice(0, 3).join('/');
    folders.set(folder, [...(folders.get(folder) ?? []), e]);
  }
  assert.equal(folders.size, expected.albums.length, 'one folder per album');
  for (const album of expected.albums) {
    const want = [...new Set(album.memberSha256)].sort();
    const match = [...folders].find(
      ([, es]) =>
        JSON.stringify([...new Set(es.map((e) => e.sha256))].sort()) === JSON.stringify(want),
    );
    assert.ok(match, `album ${JSON.stringify(album.title)} has a folder with exactly its members`);
    const [folder, es] = match;
    const d = album.date;
    const mmdd = `${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
    assert.ok(
      folder.startsWith(`albums/${d.getUTCFullYear()}/${mmdd} `),
      `${folder} dated ${d.toISOString()}`,
    );
    if (album.title !== '')
      assert.ok(
        folder.endsWith(` ${sanitizeName(album.title)}`) ||
          folder.includes(sanitizeName(album.title)),
        `${folder} titled ${album.title}`,
      );
    for (const e of es)
      assert.ok(e.link !== null && !e.link.startsWith('/'), `${e.rel} is a relative link`);
  }
}

function trashedCount(lib: Library): number {
  return lib.items.filter((i) => i.trashed).length;
}

describe('Takeout: a multi-part zip export with every quirk', () => {
  let w: TakeoutWorld;
  let lib: Library;
  let first: Awaited<ReturnType<TakeoutWorld['sync']>>;
  before(async () => {
    w = await takeoutWorld();
    lib = makeLibrary({ items: 40, albums: 3, seed: 7 });
    await w.write(
      makeExport(lib, {
        requestedAt: REQUESTED,
        partCount: 3,
        format: 'zip',
        samePathInTwoParts: true,
      }),
    );
    first = await w.sync();
  });
  after(() => w.close());

  it('files every item once into photos/YYYY/MM by its taken time, and every album as links', async () => {
    assert.equal(first.code, 0, first.stderr + first.stdout.slice(-3000));
    const expected = expectedTree(lib);
    await assertPhotos(w.root, expected);
    await assertAlbums(w.root, expected);
    const s = first.summary as Record<string, unknown>;
    assert.equal(s.takeoutExports, 1);
    assert.equal(s.takeoutParts, 3);
    assert.equal(s.takeoutAdded, expected.items.length);
    assert.equal(s.takeoutTrashed, trashedCount(lib));
    assert.equal(s.takeoutBadEntries, 0);
  });

  it('counts the items dated by each rule and names every fallback in the log', () => {
    const expected = expectedTree(lib);
    const s = first.summary as Record<string, number>;
    const dated = {
      partner: s.takeoutDatedPartner,
      exif: s.takeoutDatedExif,
      name: s.takeoutDatedName,
      folder: s.takeoutDatedFolder,
      none: s.takeoutDatedNone,
    };
    const want = (k: string): number => expected.items.filter((i) => i.dateFrom === k).length;
    assert.equal(dated.partner, want('partner'));
    assert.equal(dated.exif, want('embedded'));
    assert.equal(dated.name, want('name'));
    assert.equal(dated.folder, want('folder'));
    assert.equal(dated.none, 0);
    const fallbacks = first.lines.filter(
      (l) => l.msg === 'Takeout item dated without a sidecar date',
    );
    assert.equal(fallbacks.length, want('embedded') + want('name') + want('folder'));
  });

  it('keeps what the sidecars say in the index, queryable', async () => {
    const expected = expectedTree(lib);
    const r = await w.run([
      'query',
      w.root,
      "SELECT count(*) FILTER (WHERE favorited) AS fav, count(*) FILTER (WHERE archived) AS arch, count(*) FILTER (WHERE file_path LIKE 'photos/%') AS filed FROM takeout_library",
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const row = (JSON.parse(r.stdout) as Array<Record<string, unknown>>)[0] as Record<
      string,
      unknown
    >;
    assert.equal(Number(row.filed), expected.items.length);
    assert.equal(Number(row.fav), expected.items.filter((i) => i.favorited).length);
    assert.equal(Number(row.arch), expected.items.filter((i) => i.archived).length);
  });

  it('a second pass reads no part again and changes nothing', async () => {
    const before = await readTop(w.root, 'photos');
    const again = await w.sync();
    assert.equal(again.code, 0, again.stderr);
    const s = again.summary as Record<string, unknown>;
    assert.equal(s.takeoutParts ?? 0, 0);
    assert.equal(s.takeoutAdded ?? 0, 0);
    assert.deepEqual(await readTop(w.root, 'photos'), before);
  });
});

describe('Takeout: tgz parts give the same tree as zip parts', () => {
  it('files the same export, split in two tgz parts, into the same photos/ tree', async () => {
    const lib = makeLibrary({ items: 20, albums: 2, seed: 11 });
    const trees: Array<Map<string, TreeEntry>> = [];
    for (const format of ['zip', 'tgz'] as const) {
      const w = await takeoutWorld();
      try {
        await w.write(makeExport(lib, { requestedAt: REQUESTED, partCount: 2, format }));
        const r = await w.sync();
        assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
        trees.push(await assertPhotos(w.root, expectedTree(lib)));
        await assertAlbums(w.root, expectedTree(lib));
      } finally {
        await w.close();
      }
    }
    const [zip, tgz] = trees as [Map<string, TreeEntry>, Map<string, TreeEntry>];
    assert.deepEqual([...tgz.keys()].sort(), [...zip.keys()].sort());
  });
});

describe('Takeout: a later export adds only what is new', () => {
  it('an incremental export, then a full one: each item filed once, the second adds the rest', async () => {
    const w = await takeoutWorld();
    try {
      const lib = makeLibrary({ items: 30, albums: 2, seed: 23 });
      const early = (i: { id: number }): boolean => i.id % 2 === 0;
      await w.write(
        makeExport(lib, { requestedAt: REQUESTED, partCount: 1, format: 'zip', include: early }),
      );
      const r1 = await w.sync();
      assert.equal(r1.code, 0, r1.stderr + r1.stdout.slice(-2000));
      const firstCount = expectedTree(lib, { include: early }).items.length;
      assert.equal((r1.summary as Record<string, unknown>).takeoutAdded, firstCount);

      const later = new Date(REQUESTED.getTime() + 60 * 24 * 3600 * 1000);
      await w.write(makeExport(lib, { requestedAt: later, partCount: 2, format: 'zip' }));
      const r2 = await w.sync();
      assert.equal(r2.code, 0, r2.stderr + r2.stdout.slice(-2000));
      const all = expectedTree(lib);
      const s = r2.summary as Record<string, unknown>;
      assert.equal(s.takeoutExports, 1, 'only the new export is read');
      assert.equal(s.takeoutAdded, all.items.length - firstCount);
      assert.equal(s.takeoutChanged, 0);
      await assertPhotos(w.root, all);
      await assertAlbums(w.root, all);
    } finally {
      await w.close();
    }
  });
});

describe('Takeout: localized exports and the newer part names', () => {
  for (const language of ['fr', 'de', 'it'] as const) {
    it(`a ${language} export (localized product, album JSON and trash folders, takeout-…Z-1-NNN parts) gives the same trees`, async () => {
      const w = await takeoutWorld();
      try {
        const lib = makeLibrary({ items: 16, albums: 2, seed: 5 });
        await w.write(
          makeExport(lib, {
            requestedAt: REQUESTED,
            partCount: 2,
            format: 'zip',
            language,
            newPartNaming: true,
          }),
        );
        const r = await w.sync();
        assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
        await assertPhotos(w.root, expectedTree(lib));
        await assertAlbums(w.root, expectedTree(lib));
        assert.equal((r.summary as Record<string, unknown>).takeoutTrashed, trashedCount(lib));
      } finally {
        await w.close();
      }
    });
  }
});
