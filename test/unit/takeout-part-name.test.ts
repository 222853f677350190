// Part names: every one the sample listings mention, and the shapes Takeout and browsers produce.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { groupExports, missingParts, parsePartName } from '../../src/remote/takeout/part-name.ts';

const listings = new URL('../../../shared/takeout-samples/listings/', import.meta.url);

/** Every part name a listing mentions; `-00{1,2,3}.zip` (small.lst's header) is expanded. */
async function partNamesInListings(): Promise<string[]> {
  const found = new Set<string>();
  const token = /takeout-\d{8}T\d{6}Z(?:-\d+)*(?:\{[\d,]+\})?(?:\.(?:zip|tgz|tar\.gz))?/g;
  for (const file of await readdir(listings)) {
    const text = await readFile(new URL(file, listings), 'utf8');
    for (const [name] of text.matchAll(token)) {
      const brace = /\{([\d,]+)\}/.exec(name);
      if (!brace) found.add(name);
      else for (const d of brace[1]?.split(',') ?? []) found.add(name.replace(brace[0], d));
    }
  }
  return [...found].sort();
}

test('every part name in the listings: archives parse, extension-less names do not', async () => {
  const names = await partNamesInListings();
  assert.ok(names.length >= 25, `only ${names.length} part names found`);
  for (const name of names) {
    const part = parsePartName(name);
    if (!/\.(zip|tgz|tar\.gz)$/.test(name)) {
      // A log's or an extracted folder's name (`takeout-20250725T035235Z-1-001`): no archive.
      assert.equal(part, null, name);
      assert.ok(parsePartName(`${name}.zip`), name);
      continue;
    }
    assert.ok(part, name);
    assert.equal(name.startsWith(`${part.exportId}-`), true, name);
    assert.equal(part.format, name.endsWith('.zip') ? 'zip' : 'tgz', name);
    assert.equal(part.number, Number(/-(\d+)\.[a-z.]+$/.exec(name)?.[1]), name);
  }
});

test('parsePartName: fields', () => {
  assert.deepEqual(parsePartName('takeout-20240525T201456Z-003.zip'), {
    exportId: 'takeout-20240525T201456Z',
    number: 3,
    format: 'zip',
    requestedAt: new Date('2024-05-25T20:14:56Z'),
  });
  // The middle number stays in the id: its meaning is unconfirmed.
  assert.deepEqual(parsePartName('takeout-20260529T043328Z-3-002.zip'), {
    exportId: 'takeout-20260529T043328Z-3',
    number: 2,
    format: 'zip',
    requestedAt: new Date('2026-05-29T04:33:28Z'),
  });
  assert.equal(parsePartName('takeout-20231209T153001Z-001.tgz')?.format, 'tgz');
  assert.equal(parsePartName('takeout-20231209T153001Z-001.tar.gz')?.format, 'tgz');
  assert.equal(parsePartName('takeout-20231209T153001Z-1234.zip')?.number, 1234);
  // A blog post's name with minute 81 is a real part: the time rolls over rather than refusing it.
  assert.deepEqual(
    parsePartName('takeout-20210718T158137Z-001.zip')?.requestedAt,
    new Date('2021-07-18T16:21:37Z'),
  );
});

test('parsePartName: not parts', () => {
  for (const name of [
    'takeout-20240525T201456Z-001.zip.crdownload',
    'takeout-20240525T201456Z-001.zip.part',
    'takeout-20240525T201456Z-001.zip.download',
    'takeout-20240525T201456Z-001.zip (1)',
    'takeout-20240525T201456Z-000.zip',
    'takeout-20240525T201456Z-01.zip',
    'takeout-20240525T201456Z.zip',
    'takeout-20240525-001.zip',
    'takeout-20250725T035235Z-1-001',
    'photos.zip',
    'Takeout/Google Photos/a.jpg',
    '',
  ]) {
    assert.equal(parsePartName(name), null, name);
  }
});

test('groupExports: parts by export, sorted; other names left out', () => {
  const exports = groupExports([
    'takeout-20240712T112341Z-010.zip',
    'notes.txt',
    'takeout-20260529T043328Z-3-002.zip',
    'takeout-20240712T112341Z-002.zip',
    'takeout-20240712T112341Z-001.zip.crdownload',
    'takeout-20240712T112341Z-001.zip',
    'takeout-20260529T043328Z-3-001.zip',
    'takeout-20260529T043328Z-1-001.zip',
  ]);
  assert.deepEqual(
    exports.map((e) => [e.exportId, e.parts.map((p) => p.name)]),
    [
      [
        'takeout-20240712T112341Z',
        [
          'takeout-20240712T112341Z-001.zip',
          'takeout-20240712T112341Z-002.zip',
          'takeout-20240712T112341Z-010.zip',
        ],
      ],
      ['takeout-20260529T043328Z-1', ['takeout-20260529T043328Z-1-001.zip']],
      [
        'takeout-20260529T043328Z-3',
        ['takeout-20260529T043328Z-3-001.zip', 'takeout-20260529T043328Z-3-002.zip'],
      ],
    ],
  );
  assert.deepEqual(exports[0]?.requestedAt, new Date('2024-07-12T11:23:41Z'));
  assert.deepEqual(missingParts(exports[0]!), [3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(missingParts(exports[2]!), []);
  assert.deepEqual(groupExports([]), []);
});

test('groupExports: independent of input order; a number twice keeps both, by name', () => {
  const names = [
    'takeout-20231209T153001Z-002.tgz',
    'takeout-20231209T153001Z-001.zip',
    'takeout-20231209T153001Z-001.tgz',
  ];
  const a = groupExports(names);
  const b = groupExports([...names].reverse());
  assert.deepEqual(a, b);
  assert.deepEqual(
    a[0]?.parts.map((p) => p.name),
    [
      'takeout-20231209T153001Z-001.tgz',
      'takeout-20231209T153001Z-001.zip',
      'takeout-20231209T153001Z-002.tgz',
    ],
  );
  assert.deepEqual(missingParts(a[0]!), []);
  assert.deepEqual(missingParts({ exportId: 'x', requestedAt: new Date(0), parts: [] }), []);
});
