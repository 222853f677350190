// Drive shortcuts: the pure decisions (what a shortcut becomes, which ones a change touches,
// which links should stand) and the wire parse, as tables.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MediaRow } from '../../src/index/media-repo.ts';
import type { ShortcutRow } from '../../src/index/shortcut-repo.ts';
import { toChange, toEntry } from '../../src/remote/drive/wire.ts';
import type { RemoteChange } from '../../src/remote/types.ts';
import { affectedBy } from '../../src/sync/sources/drive/shortcut-changes.ts';
import { dedupeById } from '../../src/sync/sources/drive/shortcut-listing.ts';
import { wantedLinks } from '../../src/sync/sources/drive/shortcut-links.ts';
import {
  decideShortcut,
  isAtOrAbove,
  type ShortcutFacts,
} from '../../src/sync/sources/drive/shortcuts.ts';

const FOLDER = 'application/vnd.google-apps.folder';
const SHORTCUT = 'application/vnd.google-apps.shortcut';

describe('decideShortcut', () => {
  const base: ShortcutFacts = {
    dir: 'drive/GP/Links',
    targetMime: 'image/jpeg',
    targetFolderPath: undefined,
    targetMediaInside: false,
    targetHoldsBackup: false,
  };
  const cases: Array<[string, Partial<ShortcutFacts>, string]> = [
    ['photo backed up at its place', { targetMediaInside: true }, 'file-link'],
    ['photo outside the backup', {}, 'file-copy'],
    ['video outside the backup', { targetMime: 'video/mp4' }, 'file-copy'],
    [
      'folder inside, elsewhere',
      { targetMime: FOLDER, targetFolderPath: 'drive/GP/2016' },
      'folder-link',
    ],
    [
      'folder inside, a sibling whose name starts the same',
      { targetMime: FOLDER, targetFolderPath: 'drive/GP/Link' },
      'folder-link',
    ],
    ['its own folder', { targetMime: FOLDER, targetFolderPath: 'drive/GP/Links' }, 'cut'],
    ['a folder above it', { targetMime: FOLDER, targetFolderPath: 'drive/GP' }, 'cut'],
    ['a folder outside', { targetMime: FOLDER }, 'folder-root'],
    ['My Drive root (holds the backup)', { targetMime: FOLDER, targetHoldsBackup: true }, 'cut'],
    ['a PDF', { targetMime: 'application/pdf' }, 'other'],
    ['a Google Doc', { targetMime: 'application/vnd.google-apps.document' }, 'other'],
    ['a type Drive did not say', { targetMime: '' }, 'other'],
  ];
  for (const [name, facts, kind] of cases) {
    it(name, () => {
      const d = decideShortcut({ ...base, ...facts });
      assert.equal(d.kind, kind);
      assert.equal(d.kind === 'cut', typeof d.note === 'string' && d.note.length > 0);
    });
  }
  it('isAtOrAbove compares whole path segments', () => {
    assert.equal(isAtOrAbove('drive/a', 'drive/a/b'), true);
    assert.equal(isAtOrAbove('drive/a', 'drive/a'), true);
    assert.equal(isAtOrAbove('drive/a', 'drive/ab'), false);
    assert.equal(isAtOrAbove('drive/a/b', 'drive/a'), false);
  });
});

function row(over: Partial<ShortcutRow> & { shortcutId: string }): ShortcutRow {
  return {
    name: over.shortcutId,
    parentId: 'links',
    targetId: 't',
    targetMime: 'image/jpeg',
    kind: 'file-link',
    rootPath: null,
    linkPath: null,
    note: null,
    ...over,
  };
}

function change(fileId: string, over: Partial<RemoteChange> = {}): RemoteChange {
  return { fileId, removed: false, entry: null, trashed: false, mimeType: null, time: '', ...over };
}

describe('affectedBy', () => {
  const stored = new Map(
    [
      row({ shortcutId: 's1', targetId: 'p1' }),
      row({ shortcutId: 's2', targetId: 'p1', kind: 'file-copy' }),
      row({ shortcutId: 's3', targetId: 'f1', targetMime: FOLDER, kind: 'folder-root' }),
      row({ shortcutId: 'old', targetId: 'p9', kind: 'removed' }),
    ].map((r) => [r.shortcutId, r]),
  );
  const shortcut = (id: string, targetId: string) => ({
    kind: 'shortcut' as const,
    id,
    name: id,
    parents: ['links'],
    targetId,
    targetMimeType: 'image/jpeg',
  });
  const cases: Array<[string, RemoteChange[], Record<string, string | null>]> = [
    ['an unrelated change', [change('x')], {}],
    ['a new shortcut', [change('n', { entry: shortcut('n', 'p5') })], { n: 'p5' }],
    ['a shortcut removed', [change('s1', { removed: true })], { s1: null }],
    [
      'a shortcut trashed',
      [change('s1', { trashed: true, entry: shortcut('s1', 'p1') })],
      { s1: null },
    ],
    ['a target changed: every shortcut to it', [change('p1')], { s1: 'p1', s2: 'p1' }],
    ['a folder target trashed', [change('f1', { trashed: true })], { s3: 'f1' }],
    ['the target of a removed shortcut', [change('p9')], {}],
    [
      'the shortcut itself wins over its target',
      [change('s1', { removed: true }), change('p1')],
      { s1: null, s2: 'p1' },
    ],
  ];
  for (const [name, changes, want] of cases) {
    it(name, () => {
      const got = affectedBy(new Map(changes.map((c) => [c.fileId, c])), stored);
      assert.deepEqual(
        Object.fromEntries([...got].map(([id, s]) => [id, s?.targetId ?? null])),
        want,
      );
    });
  }
});

describe('wantedLinks', () => {
  const folders = new Map([
    ['gp', 'drive/GP'],
    ['links', 'drive/GP/Links'],
    ['y16', 'drive/GP/2016'],
    ['root1', 'drive/GP/Links/Trip'],
  ]);
  const target = (relPath: string, state: MediaRow['state'] = 'done') =>
    ({ relPath, state }) as MediaRow;
  const targets = new Map([
    ['p1', target('drive/GP/2016/A.jpg')],
    ['p2', target('drive/GP/2016/B.jpg', 'gone')],
    ['p3', target('drive/GP/2016/C.jpg', 'pending')],
  ]);
  it('links what is linked, at the sanitised name, and nothing else', () => {
    const rows = [
      row({ shortcutId: 'a', name: 'A.jpg', targetId: 'p1' }),
      row({ shortcutId: 'b', name: 'B.jpg', targetId: 'p2' }),
      row({ shortcutId: 'c', name: 'C/1.jpg', targetId: 'p3' }),
      row({ shortcutId: 'unknown', targetId: 'p404' }),
      row({
        shortcutId: 'y',
        name: 'Year',
        targetId: 'y16',
        targetMime: FOLDER,
        kind: 'folder-link',
      }),
      row({ shortcutId: 'loop', targetId: 'gp', targetMime: FOLDER, kind: 'folder-link' }),
      row({
        shortcutId: 'in-root',
        name: 'Y2',
        parentId: 'root1',
        targetId: 'y16',
        kind: 'folder-link',
      }),
      row({ shortcutId: 'copy', targetId: 'p1', kind: 'file-copy' }),
      row({ shortcutId: 'outside', parentId: 'nowhere', targetId: 'p1' }),
      row({ shortcutId: 'gone', targetId: 'p1', kind: 'removed' }),
    ];
    const got = wantedLinks(rows, folders, targets);
    assert.deepEqual(Object.fromEntries(got), {
      a: { path: 'drive/GP/Links/A.jpg', target: 'drive/GP/2016/A.jpg', folder: false },
      c: { path: 'drive/GP/Links/C_1.jpg', target: 'drive/GP/2016/C.jpg', folder: false },
      y: { path: 'drive/GP/Links/Year', target: 'drive/GP/2016', folder: true },
      'in-root': { path: 'drive/GP/Links/Trip/Y2', target: 'drive/GP/2016', folder: true },
    });
  });
});

describe('shortcuts on the wire', () => {
  it('a listed shortcut carries its target; one without a target is left out', () => {
    const f = {
      id: 's',
      name: 'A.jpg',
      mimeType: SHORTCUT,
      parents: ['p'],
      shortcutDetails: { targetId: 't', targetMimeType: 'image/jpeg' },
    };
    assert.deepEqual(toEntry(f), {
      kind: 'shortcut',
      id: 's',
      name: 'A.jpg',
      parents: ['p'],
      targetId: 't',
      targetMimeType: 'image/jpeg',
    });
    assert.equal(toEntry({ ...f, shortcutDetails: {} }), null);
    assert.equal(toEntry({ ...f, trashed: true }), null);
  });
  it('a trashed shortcut in the feed keeps its entry, flagged', () => {
    const c = toChange({
      fileId: 's',
      file: {
        id: 's',
        name: 'A.jpg',
        mimeType: SHORTCUT,
        trashed: true,
        shortcutDetails: { targetId: 't', targetMimeType: 'image/jpeg' },
      },
    });
    assert.equal(c?.trashed, true);
    assert.equal(c?.entry?.kind, 'shortcut');
  });
  it('dedupeById keeps the first of each id, in order', () => {
    const items = [{ id: 'a' }, { id: 'b' }, { id: 'a' }, { id: 'c' }, { id: 'b' }];
    dedupeById(items);
    assert.deepEqual(
      items.map((i) => i.id),
      ['a', 'b', 'c'],
    );
  });
});
