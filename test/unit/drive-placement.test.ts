/**
 * A full Drive listing placed folder by folder (placement.ts) gives every item the place that
 * placing the whole listing at once gives: folders whose paths differ only by case or Unicode
 * form share one group, and stored rows not listed take part in their folder's numbering.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RemoteMedia } from '../../src/remote/types.ts';
import { FolderPaths } from '../../src/sync/sources/drive/folders.ts';
import {
  placeGroup,
  planListing,
  type StoredItem,
} from '../../src/sync/sources/drive/placement.ts';
import { assignPlacements, type LayoutInput, type Placement } from '../../src/tree/layout.ts';

const media = (id: string, parent: string, name: string, createdTime: string): RemoteMedia => ({
  kind: 'media',
  id,
  name,
  mimeType: 'image/jpeg',
  parents: [parent],
  size: 1,
  md5: null,
  sha256: null,
  canDownload: true,
  createdTime,
  modifiedTime: createdTime,
  exifTime: null,
});

const storedAt = (relPath: string, dupNumber: number, originalName: string): StoredItem => ({
  relPath,
  dupNumber,
  originalName,
  createdTime: '2015-01-01T00:00:00.000Z',
  listingHash: null,
  wanted: true,
});

/** Every item placed in one call, as the index phase placed a listing before (the reference). */
function placedAtOnce(
  listed: RemoteMedia[],
  paths: FolderPaths,
  stored: ReadonlyMap<string, StoredItem>,
  replace: boolean,
): Map<string, Placement> {
  const inputs: LayoutInput[] = [];
  for (const item of listed) {
    const parent = paths.firstKnown(item.parents);
    const dir = parent === undefined ? undefined : paths.pathOf(parent);
    if (dir === undefined) continue;
    const prev = stored.get(item.id);
    inputs.push({
      id: item.id,
      dir,
      name: item.name,
      createdTime: item.createdTime,
      stored: prev && !replace ? { relPath: prev.relPath, dupNumber: prev.dupNumber } : null,
    });
  }
  const listedCount = inputs.length;
  const listedIds = new Set(listed.map((m) => m.id));
  for (const [id, prev] of stored) {
    if (listedIds.has(id)) continue;
    inputs.push({
      id,
      dir: prev.relPath.slice(0, prev.relPath.lastIndexOf('/')),
      name: prev.originalName,
      createdTime: prev.createdTime,
      stored: { relPath: prev.relPath, dupNumber: prev.dupNumber },
    });
  }
  const all = assignPlacements(inputs).slice(0, listedCount);
  return new Map(all.map((p) => [p.id, p]));
}

function placedByGroup(
  listed: RemoteMedia[],
  paths: FolderPaths,
  stored: ReadonlyMap<string, StoredItem>,
  replace: boolean,
): { placed: Map<string, Placement>; groups: number } {
  const plan = planListing(listed, paths, stored, (m) => m);
  const placed = new Map<string, Placement>();
  for (const group of plan.groups) {
    for (const p of placeGroup(plan, group, paths, stored, replace, (m) => m)) {
      assert.equal(p.item, plan.kept[p.index], 'each placed item is the kept one at its index');
      placed.set(p.item.id, p.placement);
    }
  }
  return { placed, groups: plan.groups.length };
}

/** gp, and below it folders whose names differ by case or by Unicode form. */
function folderTree(): FolderPaths {
  const paths = new FolderPaths(new Map([['gp', 'drive/Google Photos']]));
  const folder = (id: string, name: string, parent = 'gp') =>
    paths.add({ kind: 'folder', id, name, parents: [parent] });
  folder('s1', 'Sub');
  folder('s2', 'sub');
  folder('s3', 'Sub'); // the same name as s1: one folder on disk
  folder('u1', 'Ünï'); // NFC
  folder('u2', 'Ünï'.normalize('NFD'));
  folder('o', 'Other');
  folder('deep', 'SUB', 'o');
  return paths;
}

describe('placing a Drive listing folder by folder', () => {
  it('groups folders by pathKey and places as the whole listing does', () => {
    const paths = folderTree();
    const listed = [
      media('a', 's1', 'a.jpg', '2017-01-01T00:00:00Z'),
      media('b', 's2', 'A.JPG', '2016-01-01T00:00:00Z'),
      media('c', 's3', 'a.jpg', '2018-01-01T00:00:00Z'),
      media('d', 's2', 'a (1).jpg', '2019-01-01T00:00:00Z'),
      media('e', 'u1', 'x.jpg', '2017-01-01T00:00:00Z'),
      media('f', 'u2', 'X.jpg', '2016-01-01T00:00:00Z'),
      media('g', 'gp', 'a.jpg', '2017-01-01T00:00:00Z'),
      media('h', 'deep', 'a.jpg', '2017-01-01T00:00:00Z'),
      media('i', 'outside', 'a.jpg', '2017-01-01T00:00:00Z'),
    ];
    const stored = new Map([
      ['a', storedAt('drive/Google Photos/Sub/a (3).jpg', 3, 'a.jpg')],
      ['gone', storedAt('drive/Google Photos/sub/a (2).jpg', 2, 'a.jpg')],
      ['elsewhere', storedAt('drive/Google Photos/Empty/a.jpg', 0, 'a.jpg')],
    ]);
    for (const replace of [false, true]) {
      const { placed, groups } = placedByGroup(listed, paths, stored, replace);
      assert.equal(groups, 4, 'Sub/sub/Sub, Ünï in two forms, gp, Other/SUB');
      assert.deepEqual(placed, placedAtOnce(listed, paths, stored, replace), `replace ${replace}`);
    }
    const { placed } = placedByGroup(listed, paths, stored, false);
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((id) => placed.get(id)?.relPath),
      [
        'drive/Google Photos/Sub/a (3).jpg',
        'drive/Google Photos/sub/A.JPG',
        'drive/Google Photos/Sub/a (4).jpg',
        'drive/Google Photos/sub/a (1).jpg',
      ],
      'stored claims kept, the unlisted row keeps (2), the real "a (1).jpg" keeps its name',
    );
  });

  it('agrees with the whole listing placed at once on random listings', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const folders = ['gp', 's1', 's2', 's3', 'u1', 'u2', 'o', 'deep'];
    const names = ['a.jpg', 'A.jpg', 'a.JPG', 'a (1).jpg', 'A (2).JPG', 'b.png', 'Ä.jpg', 'ä.jpg'];
    for (let round = 0; round < 200; round++) {
      const paths = folderTree();
      const listed: RemoteMedia[] = [];
      const stored = new Map<string, StoredItem>();
      const count = 1 + rand(30);
      for (let k = 0; k < count; k++) {
        const id = `i${k}`;
        const name = names[rand(names.length)] as string;
        const day = String(1 + rand(28)).padStart(2, '0');
        if (rand(4) > 0)
          listed.push(
            media(id, folders[rand(folders.length)] as string, name, `2017-01-${day}T00:00:00Z`),
          );
        if (rand(2) === 0) {
          const dir = paths.pathOf(folders[rand(folders.length)] as string) as string;
          const n = rand(3);
          const stem = name.slice(0, name.lastIndexOf('.'));
          const file = n === 0 ? name : `${stem} (${n})${name.slice(name.lastIndexOf('.'))}`;
          stored.set(id, storedAt(`${dir}/${file}`, n, name));
        }
      }
      const replace = rand(2) === 0;
      assert.deepEqual(
        placedByGroup(listed, paths, stored, replace).placed,
        placedAtOnce(listed, paths, stored, replace),
        `round ${round}`,
      );
    }
  });
});
