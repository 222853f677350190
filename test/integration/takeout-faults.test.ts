/**
 * Bad Takeout input end to end, through the real CLI on the index backend of the run: each bad
 * entry or part is named with what to do, the rest of the export is filed, nothing is written
 * outside ROOT, and the next pass picks up what a replaced part holds.
 *
 * Exit codes: 3 when an entry or a part could not be read (a sidecar that is not JSON is a bad
 * entry too: its media is still filed, dated by the fallbacks); 2 when `--takeout` names no
 * Takeout; 0 while an export waits (a part still being written, a part missing).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  dropCentralDirectory,
  flipByte,
  truncateFile,
  writeTgz,
  writeZip,
  type ArchiveInput,
  type ZipLayout,
} from '../fakes/takeout/archive-writer.ts';
import {
  entriesOf,
  makeExport,
  type ExportPart,
  type TakeoutExport,
} from '../fakes/takeout/export.ts';
import {
  expectedTree,
  makeLibrary,
  type Library,
  type LibraryItem,
} from '../fakes/takeout/library.ts';
import { runCli, type RunResult } from '../helpers/cli.ts';
import { readTop, takeoutWorld, utcMonth, type TakeoutWorld } from '../helpers/takeout.ts';
import { dateFromName } from '../../src/remote/takeout/name-date.ts';

const REQUESTED = new Date('2025-07-25T03:52:35Z');
const YEAR = 'Takeout/Google Photos/Photos from 2021';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const show = (r: RunResult): string => `${r.stderr}\n${r.stdout.slice(-4000)}`;
const summaryOf = (r: RunResult): Record<string, unknown> => r.summary ?? {};

function smallExport(
  seed: number,
  format: 'zip' | 'tgz',
  partCount: number,
): { lib: Library; exp: TakeoutExport } {
  const lib = makeLibrary({ items: 10, albums: 1, quirks: false, seed });
  return { lib, exp: makeExport(lib, { requestedAt: REQUESTED, partCount, format }) };
}

/** Writes one part (its planned entries, then `extra`) into the drop folder; a zip's layout. */
async function writePart(
  drop: string,
  part: ExportPart,
  extra: ArchiveInput[] = [],
): Promise<{ file: string; layout: ZipLayout | null }> {
  await mkdir(drop, { recursive: true });
  const file = path.join(drop, part.fileName);
  const inputs: ArchiveInput[] = [...entriesOf(part), ...extra];
  if (part.format === 'zip') return { file, layout: await writeZip(file, inputs) };
  await writeTgz(file, inputs);
  return { file, layout: null };
}

/** Where an entry's data starts in a written zip. */
function dataOffsetOf(layout: ZipLayout, entryPath: string): number {
  const e = layout.entries.find((x) => x.path === entryPath);
  assert.ok(e, `${entryPath} is in the part`);
  return e.dataOffset;
}

/** The `Takeout entry skipped` lines of a pass: entry name -> problem. */
function skippedEntries(r: RunResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of r.lines) {
    if (l.msg === 'Takeout entry skipped') out.set(String(l.entry), String(l.problem));
  }
  return out;
}

/** Files of photos/ by content. */
async function photosBySha(root: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const e of (await readTop(root, 'photos')).values())
    out.set(e.sha256, [...(out.get(e.sha256) ?? []), e.rel]);
  return out;
}

/** Every expected item is exactly one file of photos/; besides them, `extra` files. */
async function assertAllFiled(
  root: string,
  lib: Library,
  extra = 0,
): Promise<Map<string, string[]>> {
  const shas = await photosBySha(root);
  const expected = expectedTree(lib);
  for (const item of expected.items)
    assert.equal(shas.get(item.sha256)?.length, 1, `${item.title} filed once`);
  const files = [...shas.values()].flat();
  assert.equal(files.length, expected.items.length + extra, files.join('\n'));
  return shas;
}

/** Every file and folder under `dir`, relative, '/'-separated. */
async function listAll(dir: string): Promise<string[]> {
  const ents = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return ents.map((e) =>
    path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'),
  );
}

/** No temp file anywhere in ROOT, and no staging folder once every export is filed. */
async function assertNoLeftovers(root: string): Promise<void> {
  const all = await listAll(root);
  assert.deepEqual(
    all.filter((p) => p.endsWith('.gphotos-part')),
    [],
    'no temp files',
  );
  assert.deepEqual(
    all.filter((p) => p.startsWith('.gphotos/takeout/')),
    [],
    'no staging leftovers',
  );
}

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

/** The second pass over unchanged parts: nothing read, nothing changed, exit 0. */
async function assertQuietPass(w: TakeoutWorld): Promise<void> {
  const before = await readTop(w.root, 'photos');
  const again = await w.sync();
  assert.equal(again.code, 0, show(again));
  assert.equal(summaryOf(again).takeoutParts ?? 0, 0, 'no part read again');
  assert.deepEqual(await readTop(w.root, 'photos'), before);
}

describe('Takeout faults: bad entries of a zip are skipped and named, the rest filed', () => {
  let w: TakeoutWorld;
  let lib: Library;
  let exp: TakeoutExport;
  let r: RunResult;
  const tag = randomBytes(6).toString('hex');
  const escape = `gphotos-escape-${tag}.jpg`;
  const absolute = `/tmp/gphotos-absolute-${tag}.jpg`;
  const crcName = `${YEAR}/broken-crc.jpg`;
  const crcBytes = randomBytes(20_000);
  const names = {
    crc: crcName,
    passwd: 'Takeout/Google Photos/../../../etc/passwd-x',
    climb: `${YEAR}/../../../../../../../../../../../../tmp/${escape}`,
    absolute,
    encrypted: `${YEAR}/secret.jpg`,
    method: `${YEAR}/lzma.jpg`,
    bomb: `${YEAR}/bomb.jpg`,
    jsonBomb: `${YEAR}/bomb.jpg.json`,
    ratio: `${YEAR}/ratio.jpg`,
  };
  /** 1 GiB of zeros, deflated to ~1 MB: a body that did not stop at the declared size would fill memory. */
  const GIB = 1024 ** 3;
  const zeros = (size: number) => ({
    size,
    *chunks() {
      for (let left = size; left > 0; left -= 4 * 1024 * 1024)
        yield Buffer.alloc(Math.min(left, 4 * 1024 * 1024));
    },
  });

  before(async () => {
    w = await takeoutWorld();
    ({ lib, exp } = smallExport(3, 'zip', 2));
    const [p1, p2] = exp.parts as [ExportPart, ExportPart];
    const first = await writePart(w.drop, p1, [
      { path: names.crc, data: crcBytes },
      { path: names.passwd, data: Buffer.from('root:x:0:0\n') },
      { path: names.climb, data: randomBytes(500) },
      { path: names.absolute, data: randomBytes(500) },
    ]);
    await flipByte(first.file, dataOffsetOf(first.layout as ZipLayout, names.crc) + 100);
    await writePart(w.drop, p2, [
      { path: names.encrypted, data: randomBytes(1000), zip: { encrypted: true } },
      { path: names.method, data: randomBytes(1000), zip: { methodCode: 14 } },
      { path: names.bomb, ...zeros(GIB), zip: { method: 'deflate', declaredSize: 4096 } },
      {
        path: names.jsonBomb,
        ...zeros(256 * 1024 ** 2),
        zip: { method: 'deflate', declaredSize: 200 },
      },
      {
        path: names.ratio,
        data: Buffer.alloc(100_000),
        zip: { method: 'deflate', declaredSize: 2 * GIB },
      },
    ]);
    r = await w.sync();
  });
  after(() => w.close());

  it('exits 3, says how many entries were skipped, and files every good item', async () => {
    assert.equal(r.code, 3, show(r));
    const s = summaryOf(r);
    assert.equal(s.takeoutBadEntries, Object.keys(names).length);
    assert.equal(s.takeoutBadParts, 0);
    assert.match(String(s.error), /Takeout entr\(ies\).*could not be read \(named in the log\)/);
    await assertAllFiled(w.root, lib);
    await assertNoLeftovers(w.root);
  });

  it('case 1: an entry with a bad CRC-32 is named, and none of its bytes are filed', async () => {
    assert.match(
      skippedEntries(r).get(names.crc) ?? '',
      /takeout-.*-001\.zip: .*broken-crc\.jpg is damaged: its CRC-32 is/,
    );
    const all = await listAll(w.root);
    assert.deepEqual(
      all.filter((p) => p.includes('broken-crc')),
      [],
    );
  });

  it('case 2: names that climb out or are absolute are named and never written anywhere', async () => {
    const skipped = skippedEntries(r);
    for (const n of [names.passwd, names.climb, names.absolute]) {
      assert.match(skipped.get(n) ?? '', /is not a safe path/, `${n} named`);
    }
    assert.equal(await exists(path.join('/tmp', escape)), false);
    assert.equal(await exists(absolute), false);
    assert.equal(await exists('/etc/passwd-x'), false);
    const base = path.dirname(w.root);
    const staging = path.join(w.root, '.gphotos/takeout', exp.exportId);
    for (const dir of [
      base,
      w.root,
      w.drop,
      staging,
      path.join(w.root, 'photos/2021/01'),
      process.cwd(),
      os.tmpdir(),
    ]) {
      assert.equal(
        await exists(path.resolve(dir, '../../../etc/passwd-x')),
        false,
        `nothing beside ${dir}`,
      );
      assert.equal(await exists(path.join(dir, 'etc/passwd-x')), false);
    }
    const written = (await listAll(base)).filter((p) => p.includes('passwd') || p.includes(tag));
    assert.deepEqual(written, []);
    assert.deepEqual(
      (await readdir(w.drop)).sort(),
      exp.parts.map((p) => p.fileName).sort(),
      'the drop folder is untouched',
    );
  });

  it('case 3: an encrypted entry and an unsupported compression method are named', () => {
    const skipped = skippedEntries(r);
    assert.match(skipped.get(names.encrypted) ?? '', /secret\.jpg is encrypted; it was not read/);
    assert.match(
      skipped.get(names.method) ?? '',
      /lzma\.jpg uses compression method 14 \(only store and deflate are read\)/,
    );
  });

  it('case 4: zip bombs are stopped at their declared size, memory stays bounded', () => {
    const skipped = skippedEntries(r);
    assert.match(
      skipped.get(names.bomb) ?? '',
      /bomb\.jpg inflates to more than the 4096 bytes it declares/,
    );
    assert.match(
      skipped.get(names.jsonBomb) ?? '',
      /bomb\.jpg\.json inflates to more than the 200 bytes/,
    );
    assert.match(
      skipped.get(names.ratio) ?? '',
      /ratio\.jpg declares 2147483648 bytes packed into \d+, over 1000:1/,
    );
    const rss = Number(summaryOf(r).peakRssMb);
    assert.ok(rss > 0 && rss < 600, `peak RSS ${rss} MB while 1 GiB bombs were read`);
  });

  it('the next pass reads nothing again; a replaced part files the entry it now holds whole', async () => {
    await assertQuietPass(w);
    const [p1] = exp.parts as [ExportPart];
    await writePart(w.drop, p1, [{ path: names.crc, data: crcBytes }]);
    const fixed = await w.sync();
    assert.equal(fixed.code, 0, show(fixed));
    const s = summaryOf(fixed);
    assert.equal(s.takeoutParts, 1);
    assert.equal(s.takeoutAdded, 1, 'only the repaired entry is new');
    assert.equal(s.takeoutBadEntries, 0);
    const shas = await assertAllFiled(w.root, lib, 1);
    assert.equal(
      shas.get(sha256(crcBytes))?.length,
      1,
      'the repaired entry is filed with its bytes',
    );
    await assertNoLeftovers(w.root);
  });
});

describe('Takeout faults: unsafe names and links in a tgz', () => {
  it('case 2 (tgz): climbing, absolute and link entries are named, never written; exit 3', async () => {
    const w = await takeoutWorld();
    try {
      const tag = randomBytes(6).toString('hex');
      const { lib, exp } = smallExport(5, 'tgz', 1);
      const bad: ArchiveInput[] = [
        { path: 'Takeout/Google Photos/../../../etc/passwd-x', data: Buffer.from('root:x:0:0\n') },
        {
          path: `${YEAR}/../../../../../../../../../../../../tmp/gphotos-escape-${tag}.jpg`,
          data: randomBytes(300),
        },
        { path: `/tmp/gphotos-absolute-${tag}.jpg`, data: randomBytes(300) },
        { path: `${YEAR}/link-${tag}.jpg`, type: 'symlink', linkname: '/etc/passwd' },
        { path: `${YEAR}/hard-${tag}.jpg`, type: 'link', linkname: '/etc/passwd' },
      ];
      await writePart(w.drop, exp.parts[0] as ExportPart, bad);
      const r = await w.sync();
      assert.equal(r.code, 3, show(r));
      assert.equal(summaryOf(r).takeoutBadEntries, bad.length);
      const skipped = skippedEntries(r);
      for (const b of bad.slice(0, 3))
        assert.match(skipped.get(b.path) ?? '', /is not a safe path/, b.path);
      for (const b of bad.slice(3))
        assert.match(skipped.get(b.path) ?? '', /is a (symlink|link), not a file/, b.path);
      await assertAllFiled(w.root, lib);
      await assertNoLeftovers(w.root);
      assert.deepEqual(
        (await listAll(path.dirname(w.root))).filter(
          (p) => p.includes(tag) || p.includes('passwd'),
        ),
        [],
      );
      for (const p of [
        `/tmp/gphotos-escape-${tag}.jpg`,
        `/tmp/gphotos-absolute-${tag}.jpg`,
        '/etc/passwd-x',
      ]) {
        assert.equal(await exists(p), false, p);
      }
    } finally {
      await w.close();
    }
  });
});

describe('Takeout faults: damaged parts', () => {
  /** Shas of the media entries of `parts` that the export files. */
  function shasIn(parts: ExportPart[], lib: Library): Set<string> {
    const wanted = new Set(expectedTree(lib).items.map((i) => i.sha256));
    const out = new Set<string>();
    for (const p of parts) {
      for (const e of entriesOf(p)) if (wanted.has(sha256(e.data))) out.add(sha256(e.data));
    }
    return out;
  }

  async function damagedThenReplaced(
    format: 'zip' | 'tgz',
    damage: (file: string, layout: ZipLayout | null) => Promise<void>,
    problem: RegExp,
  ) {
    const w = await takeoutWorld();
    try {
      const { lib, exp } = smallExport(format === 'zip' ? 7 : 9, format, 3);
      const [p1, p2, p3] = exp.parts as [ExportPart, ExportPart, ExportPart];
      await writePart(w.drop, p1);
      const bad = await writePart(w.drop, p2);
      await writePart(w.drop, p3);
      await damage(bad.file, bad.layout);

      const r = await w.sync();
      assert.equal(r.code, 3, show(r));
      const s = summaryOf(r);
      assert.equal(s.takeoutBadParts, 1);
      assert.equal(s.takeoutParts, 3);
      const line = r.lines.find(
        (l) => l.msg === 'Takeout part is damaged; its entries read so far are kept',
      );
      assert.ok(line, 'the damaged part is logged');
      assert.equal(line.part, p2.fileName);
      assert.match(String(line.problem), problem);
      assert.match(
        String(line.hint),
        new RegExp(`download ${p2.fileName.replaceAll('.', '\\.')} again`),
      );
      assert.match(
        String(s.error),
        /part\(s\) could not be read.*A damaged part is read again once it is replaced/,
      );
      const shas = await photosBySha(w.root);
      for (const sha of shasIn([p1, p3], lib))
        assert.equal(shas.get(sha)?.length, 1, 'the good parts are filed');
      for (const files of shas.values())
        assert.equal(files.length, 1, `${files.join(', ')}: filed once`);
      await assertNoLeftovers(w.root);

      // Unchanged, the damaged part is not read again; downloaded again, it is.
      await assertQuietPass(w);
      await rm(bad.file);
      await writePart(w.drop, p2);
      const again = await w.sync();
      assert.equal(again.code, 0, show(again));
      assert.equal(summaryOf(again).takeoutParts, 1, 'only the replaced part is read');
      assert.equal(summaryOf(again).takeoutBadParts, 0);
      await assertAllFiled(w.root, lib);
      await assertDated(w.root, lib);
      await assertNoLeftovers(w.root);
      await assertQuietPass(w);
    } finally {
      await w.close();
    }
  }

  it('case 5: a zip without its central directory is reported, the others filed; replaced, it is read', async () => {
    await damagedThenReplaced(
      'zip',
      (file, layout) => dropCentralDirectory(file, layout as ZipLayout),
      /is not a complete zip: no central directory found \(was the download cut short\?\)/,
    );
  });

  it('case 5: a cut tgz is reported, the others filed; replaced, it is read', async () => {
    await damagedThenReplaced('tgz', (file) => cutHalf(file), /is truncated or corrupt/);
  });
});

/** Cuts a part to half its size (a download cut short). */
async function cutHalf(file: string): Promise<void> {
  const st = await stat(file);
  await truncateFile(file, Math.floor(st.size / 2));
}

/** Every item is in the month of its taken time (year folders: its year). */
async function assertDated(root: string, lib: Library): Promise<void> {
  const shas = await photosBySha(root);
  for (const item of expectedTree(lib).items) {
    const rel = (shas.get(item.sha256) ?? [])[0] ?? '';
    const want =
      item.dateFrom === 'folder'
        ? `photos/${item.takenTime.getUTCFullYear()}/`
        : `photos/${utcMonth(item.takenTime)}/`;
    assert.ok(rel.startsWith(want), `${item.title}: ${rel} in ${want}`);
  }
}

describe('Takeout faults: a damaged part holds the only sidecar of an item of another part', () => {
  it('case 5: once the part is replaced, the item takes its sidecar date (and facts)', async () => {
    const w = await takeoutWorld();
    try {
      const lib = makeLibrary({ items: 40, albums: 1, quirks: false, seed: 13 });
      // Dated to the second by its sidecar alone: no EXIF, its name says only the day (a
      // WhatsApp name), no album copy, no edited copy or companion.
      const item = lib.items.find(
        (i) =>
          i.kind === 'original' &&
          !i.embeddedDate &&
          i.sidecar?.takenKnown === true &&
          dateFromName(i.title)?.getTime() !== i.takenTime.getTime() &&
          i.albums.length === 0 &&
          i.inYearFolder &&
          !i.trashed &&
          !lib.items.some((f) => f.partnerId === i.id),
      );
      assert.ok(item, 'the library has an item only its sidecar dates');
      const exp = makeExport(lib, { requestedAt: REQUESTED, partCount: 1, format: 'zip' });
      const all = [...entriesOf(exp.parts[0] as ExportPart)];
      const sidecar = all.find(
        (e) =>
          e.path.endsWith('.json') &&
          e.path.includes('/Photos from ') &&
          (JSON.parse(e.data.toString()) as { title?: string }).title === item.title,
      );
      assert.ok(sidecar);
      const rest = all.filter((e) => e !== sidecar);
      const half = Math.floor(rest.length / 2);
      const parts = [rest.slice(0, half), [sidecar], rest.slice(half)];
      await mkdir(w.drop, { recursive: true });
      const file = (n: number): string => path.join(w.drop, `${exp.exportId}-00${n}.zip`);
      for (const [i, entries] of parts.entries()) {
        const layout = await writeZip(file(i + 1), entries);
        if (i === 1) await dropCentralDirectory(file(2), layout);
      }
      assert.equal((await w.sync()).code, 3);
      await rm(file(2));
      await writeZip(file(2), parts[1] as ArchiveInput[]);
      const again = await w.sync();
      assert.equal(again.code, 0, show(again));
      const shas = await assertAllFiled(w.root, lib);
      const want = expectedTree(lib).items.find((i) => i.title === item.title);
      const rel = (shas.get(want?.sha256 ?? '') ?? [])[0] ?? '';
      const filed = (await readTop(w.root, 'photos')).get(rel);
      assert.ok(
        filed && Math.abs(filed.mtimeMs - item.takenTime.getTime()) < 1000,
        `${rel}: mtime is the sidecar's taken time`,
      );
      const q = await w.run([
        'query',
        w.root,
        `SELECT date_source FROM takeout_items WHERE title = '${item.title}'`,
        '--json',
      ]);
      assert.deepEqual(JSON.parse(q.stdout), [{ date_source: 'sidecar' }]);
    } finally {
      await w.close();
    }
  });
});

describe('Takeout faults: a sidecar that is not JSON', () => {
  /** An original with EXIF, one sidecar, no album, no edited copy or companion. */
  function loneExifItem(lib: Library): LibraryItem | undefined {
    return lib.items.find(
      (i) =>
        i.kind === 'original' &&
        i.embeddedDate &&
        i.sidecar?.takenKnown === true &&
        i.albums.length === 0 &&
        i.inYearFolder &&
        !i.trashed &&
        !lib.items.some((f) => f.partnerId === i.id),
    );
  }

  it('case 6: its media is filed, dated by EXIF, the sidecar named; exit 3', async () => {
    const w = await takeoutWorld();
    try {
      const lib = makeLibrary({ items: 10, albums: 1, quirks: false, seed: 13 });
      const item = loneExifItem(lib);
      assert.ok(item, 'the library has an item dated by EXIF alone once its sidecar is gone');
      const exp = makeExport(lib, { requestedAt: REQUESTED, partCount: 1, format: 'zip' });
      const part = exp.parts[0] as ExportPart;
      const sidecar = part.entries.find(
        (e) =>
          e.path.endsWith('.json') &&
          e.path.includes('/Photos from ') &&
          (JSON.parse(e.data.toString()) as { title?: string }).title === item.title,
      );
      assert.ok(sidecar, `${item.title} has a sidecar in a year folder`);
      const cut = Buffer.from('{"title": "x", ');
      await mkdir(w.drop, { recursive: true });
      await writeZip(
        path.join(w.drop, part.fileName),
        [...entriesOf(part)].map((e) => (e.path === sidecar.path ? { ...e, data: cut } : e)),
      );
      const r = await w.sync();
      assert.equal(r.code, 3, show(r));
      const s = summaryOf(r);
      assert.equal(s.takeoutBadEntries, 1);
      assert.equal(s.takeoutDatedExif, 1);
      assert.match(
        skippedEntries(r).get(sidecar.path) ?? '',
        /is not valid JSON .*: its item is dated by other means/,
      );
      const shas = await assertAllFiled(w.root, lib);
      const rel =
        (shas.get(expectedTree(lib).items.find((i) => i.title === item.title)?.sha256 ?? '') ??
          [])[0] ?? '';
      assert.ok(rel.startsWith(`photos/${utcMonth(item.takenTime)}/`), `${rel}: dated by its EXIF`);
      const fallback = r.lines.find((l) => l.msg === 'Takeout item dated without a sidecar date');
      assert.equal(fallback?.dateSource, 'exif');
      await assertDated(w.root, lib);
      await assertNoLeftovers(w.root);
    } finally {
      await w.close();
    }
  });
});

describe('Takeout faults: --takeout names no Takeout', () => {
  /** ROOT holds only what any pass makes (the embedded index, the lock): no tree, no staging. */
  async function assertRootUntouched(root: string): Promise<void> {
    const top = await readdir(root).catch(() => [] as string[]);
    assert.deepEqual(
      top.filter((n) => n !== '.gphotos'),
      [],
    );
    assert.equal(await exists(path.join(root, '.gphotos/takeout')), false);
  }

  it('case 7: a missing path and a folder without Takeout exit 2, naming the path', async () => {
    const w = await takeoutWorld();
    try {
      const missing = await w.sync();
      assert.equal(missing.code, 2, show(missing));
      assert.ok(
        String(summaryOf(missing).error).includes(`--takeout ${w.drop}: no such file or folder`),
        show(missing),
      );
      await assertRootUntouched(w.root);

      await mkdir(w.drop, { recursive: true });
      await mkdir(path.join(w.drop, 'holiday'));
      for (const f of ['notes.txt', 'IMG_0001.jpg', 'takeout-notes.zip.crdownload']) {
        await writeZip(path.join(w.drop, f), [{ path: 'x.txt', data: Buffer.from('x') }]);
      }
      const empty = await w.sync();
      assert.equal(empty.code, 2, show(empty));
      const msg = String(summaryOf(empty).error);
      assert.ok(msg.includes(`--takeout ${w.drop}: no Takeout parts`), msg);
      const logged = empty.lines.find((l) => l.level === 'error' && String(l.msg).includes(w.drop));
      assert.ok(logged, 'the error is logged');
      assert.ok(
        String(logged.hints).includes('--takeout names a Takeout part'),
        JSON.stringify(logged),
      );
      await assertRootUntouched(w.root);

      const check = await w.run(['check', w.root, '--takeout', w.drop]);
      assert.equal(check.code, 2, show(check));
      assert.match(check.stdout, /^FAIL\s+takeout\s+--takeout .*: no Takeout parts/m);
    } finally {
      await w.close();
    }
  });
});

describe('Takeout faults: an export not ready yet waits', () => {
  const settle = (seconds: number) => ({ GPHOTOS_TAKEOUT_SETTLE: String(seconds) });

  it('case 8: parts written just now wait for the settle time, then are read', async () => {
    const w = await takeoutWorld();
    try {
      const { lib, exp } = smallExport(17, 'zip', 2);
      const files = await w.write(exp);
      const r = await w.sync([], settle(60));
      assert.equal(r.code, 0, show(r));
      const s = summaryOf(r);
      assert.equal(s.takeoutWaiting, 1);
      assert.equal(s.takeoutExports, 0);
      assert.equal(s.takeoutParts, 0);
      const why = r.lines.find(
        (l) => l.msg === 'Takeout export not read yet; a later pass reads it',
      );
      assert.match(
        String(why?.reason),
        /takeout-.*-00[12]\.zip changed less than 60 s ago \(still being written\?\)/,
      );
      assert.equal(await exists(path.join(w.root, 'photos')), false, 'nothing filed');

      const check = await runCli(['check', w.root, '--takeout', w.drop], {
        ...w.env,
        ...settle(60),
      });
      assert.match(
        check.stdout,
        /^warn\s+takeout\s+1 export\(s\): takeout-\S+ \(2 part\(s\), waiting: .*still being written/m,
        show(check),
      );

      const old = new Date(Date.now() - 120_000);
      for (const f of files) await utimes(f, old, old);
      const later = await w.sync([], settle(60));
      assert.equal(later.code, 0, show(later));
      assert.equal(summaryOf(later).takeoutWaiting, 0);
      assert.equal(summaryOf(later).takeoutParts, 2);
      await assertAllFiled(w.root, lib);
      const ok = await runCli(['check', w.root, '--takeout', w.drop], { ...w.env, ...settle(60) });
      assert.match(
        ok.stdout,
        /^ok\s+takeout\s+1 export\(s\): takeout-\S+ \(2 part\(s\), complete\)/m,
        show(ok),
      );
    } finally {
      await w.close();
    }
  });

  it('case 8: parts 1 and 3 without 2 wait, naming the missing part; once it comes, all are read', async () => {
    const w = await takeoutWorld();
    try {
      const { lib, exp } = smallExport(19, 'zip', 3);
      const [p1, p2, p3] = exp.parts as [ExportPart, ExportPart, ExportPart];
      await writePart(w.drop, p1);
      await writePart(w.drop, p3);
      const r = await w.sync();
      assert.equal(r.code, 0, show(r));
      assert.equal(summaryOf(r).takeoutWaiting, 1);
      const why = r.lines.find(
        (l) => l.msg === 'Takeout export not read yet; a later pass reads it',
      );
      assert.equal(why?.reason, 'part(s) 2 of 3 are missing');
      assert.equal(await exists(path.join(w.root, 'photos')), false, 'nothing filed');
      const check = await w.run(['check', w.root, '--takeout', w.drop]);
      assert.match(
        check.stdout,
        /^warn\s+takeout\s+.*waiting: part\(s\) 2 of 3 are missing/m,
        show(check),
      );

      await writePart(w.drop, p2);
      const later = await w.sync();
      assert.equal(later.code, 0, show(later));
      assert.equal(summaryOf(later).takeoutParts, 3);
      await assertAllFiled(w.root, lib);
      await assertDated(w.root, lib);
      await assertNoLeftovers(w.root);
    } finally {
      await w.close();
    }
  });
});
