// Entry names that may become paths under the backup root, and the ones that must not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkEntryName, isWanted } from '../../src/remote/takeout/entry-name.ts';
import type { ArchiveEntry } from '../../src/remote/takeout/types.ts';

const pathOf = (name: string): string | null => {
  const checked = checkEntryName(name);
  return checked.ok ? checked.path : null;
};

test('safe names come back normalised: "." segments and a trailing "/" dropped', () => {
  assert.equal(pathOf('Takeout/Google Photos/a.jpg'), 'Takeout/Google Photos/a.jpg');
  assert.equal(pathOf('./Takeout/x.json'), 'Takeout/x.json');
  assert.equal(pathOf('Takeout/./x.json'), 'Takeout/x.json');
  assert.equal(pathOf('Takeout/Google Photos/'), 'Takeout/Google Photos');
  assert.equal(pathOf('Takeout/🏳️‍🌈 Été/IMG..jpg'), 'Takeout/🏳️‍🌈 Été/IMG..jpg');
  assert.equal(pathOf('Takeout/a:b.jpg'), 'Takeout/a:b.jpg', 'a colon after the start is a name');
  assert.equal(pathOf('...'), '...');
});

test('unsafe names: each gets an unsafe-name problem that names it and says why', () => {
  const cases: Array<[string, RegExp]> = [
    ['../../etc/passwd', /climbs out/],
    ['Takeout/../../x', /climbs out/],
    ['Takeout/..', /climbs out/],
    ['/abs', /absolute/],
    ['/', /absolute/],
    ['C:\\x', /backslash|drive letter/],
    ['C:x', /drive letter/],
    ['c:/Windows/x', /drive letter/],
    ['a\\..\\b', /backslash/],
    ['a\0b', /NUL/],
    ['a//b', /empty segment/],
    ['', /empty/],
    ['.', /empty/],
    ['./', /empty/],
  ];
  for (const [name, why] of cases) {
    const checked = checkEntryName(name);
    assert.equal(checked.ok, false, JSON.stringify(name));
    if (checked.ok) continue;
    assert.equal(checked.problem.kind, 'unsafe-name');
    assert.match(checked.problem.message, why, JSON.stringify(name));
    assert.ok(checked.problem.message.includes(JSON.stringify(name)), checked.problem.message);
  }
});

test('isWanted: fromIndex first, then want', () => {
  const entry = (index: number): ArchiveEntry => ({
    path: `e${index}`,
    index,
    size: 0,
    crc32: null,
    mtime: null,
    isDirectory: false,
  });
  const signal = new AbortController().signal;
  assert.equal(isWanted(entry(0), { signal }), true);
  assert.equal(isWanted(entry(1), { signal, fromIndex: 2 }), false);
  assert.equal(isWanted(entry(2), { signal, fromIndex: 2 }), true);
  const odd = { signal, want: (e: ArchiveEntry) => e.index % 2 === 1 };
  assert.deepEqual(
    [0, 1, 2, 3].filter((i) => isWanted(entry(i), odd)),
    [1, 3],
  );
  let asked = 0;
  isWanted(entry(0), { signal, fromIndex: 1, want: () => ++asked > 0 });
  assert.equal(asked, 0, 'want is not asked about entries before fromIndex');
});
