// Where each shared drive goes (sync/sources/shared-drives/folders.ts): its sanitised name under
// shared-drives/, a number when another drive holds that folder, and the first folder kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  driveDir,
  folderFor,
  SHARED_DRIVES_DIR,
} from '../../src/sync/sources/shared-drives/folders.ts';

test('folderFor: name, duplicates numbered, the first folder kept', () => {
  const cases: Array<[string, string, Record<string, string>, string]> = [
    // [id, name, folders so far, expected]
    ['d1', 'Team', {}, 'Team'],
    ['d1', 'Team renamed', { d1: 'Team' }, 'Team'],
    ['d2', 'Team', { d1: 'Team' }, 'Team (2)'],
    ['d3', 'team', { d1: 'Team', d2: 'Team (2)' }, 'team (3)'],
    ['d4', 'a/b: c', {}, 'a_b: c'],
    ['d5', '..', {}, '__'],
    ['d6', 'Google Photos', {}, 'Google Photos'],
  ];
  for (const [id, name, taken, want] of cases) {
    assert.equal(folderFor(id, name, taken), want, `${id} ${name}`);
  }
});

test('a shared drive lives under its own top, never under drive/', () => {
  assert.equal(SHARED_DRIVES_DIR, 'shared-drives');
  assert.equal(driveDir('Google Photos'), 'shared-drives/Google Photos');
});
