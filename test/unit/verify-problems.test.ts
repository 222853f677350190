/** What verify checks and reports (sync/verify-problems.ts), as tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MediaState } from '../../src/index/media-repo.ts';
import { checkMode, strayEntry, unknownDetail } from '../../src/sync/verify-problems.ts';

test('checkMode: which rows are checked, and whether their absence matters', () => {
  const cases: Array<[MediaState, boolean, ReturnType<typeof checkMode>]> = [
    ['done', false, 'check'],
    ['gone', false, 'if-present'],
    ['pending', false, 'skip'],
    ['failed', false, 'skip'],
    ['skipped', false, 'skip'],
    ['pending', true, 'check'],
    ['gone', true, 'check'],
  ];
  for (const [state, rechecked, expected] of cases) {
    assert.equal(checkMode(state, rechecked), expected, `${state} rechecked=${rechecked}`);
  }
});

test('unknown files say what they are; a temp file is a leftover', () => {
  const e = (name: string, kind: 'file' | 'dir' | 'symlink' | 'other') => ({
    rel: `albums/${name}`,
    name,
    kind,
  });
  assert.equal(unknownDetail(e('x', 'symlink')), 'a link the index does not know');
  assert.equal(unknownDetail(e('x', 'other')), 'not a regular file, and not in the index');
  assert.equal(unknownDetail(e('x', 'file')), 'not in the index');
  assert.deepEqual(strayEntry(e('.x.jpg.gphotos-part', 'file')), {
    kind: 'leftover',
    path: 'albums/.x.jpg.gphotos-part',
    detail: 'temp file of a stopped pass',
  });
  assert.equal(strayEntry(e('notes.txt', 'file')).kind, 'unknown');
});
