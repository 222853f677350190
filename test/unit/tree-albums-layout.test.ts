import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  albumFolderName,
  albumFolderRel,
  assignAlbumEntries,
  assignAlbumFolders,
  withFolderSuffix,
} from '../../src/tree/album-layout.ts';
import { resolveInside } from '../../src/tree/layout.ts';
import {
  assignPicasaPlacements,
  picasaDir,
  picasaRelPath,
  type PicasaLayoutInput,
  utcDateParts,
} from '../../src/tree/picasa-layout.ts';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/tree');
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const at = (iso: string): Date => new Date(iso);

// Instants near midnight UTC whose local date differs in far-away zones (+14 and -11 hours).
const NEW_YEAR_EVE = at('2016-12-31T23:30:00Z'); // already 2017-01-01 in Kiritimati
const NEW_YEAR = at('2017-01-01T00:30:00Z'); // still 2016-12-31 in Pago Pago

test('picasa paths and album folders are dated in UTC', () => {
  assert.deepEqual(utcDateParts(NEW_YEAR_EVE), { yyyy: '2016', mm: '12', dd: '31' });
  assert.equal(picasaDir(NEW_YEAR_EVE), 'picasa/2016/12');
  assert.equal(picasaRelPath(NEW_YEAR, 'MOVIE.mp4'), 'picasa/2017/01/MOVIE.mp4');
  assert.equal(albumFolderRel('Party', NEW_YEAR_EVE), 'albums/2016/1231 Party');
  assert.equal(albumFolderRel('Party', NEW_YEAR), 'albums/2017/0101 Party');
  assert.equal(picasaDir(at('0099-03-04T00:00:00Z')), 'picasa/0099/03');
  assert.throws(() => picasaDir(new Date(NaN)), RangeError);
  assert.throws(() => albumFolderRel('x', new Date(NaN)), RangeError);
});

test('the same instants give the same paths in processes far east and far west of UTC', () => {
  const script = `
    import { albumFolderRel } from ${JSON.stringify(pathToFileURL(`${src}/album-layout.ts`).href)};
    import { picasaRelPath } from ${JSON.stringify(pathToFileURL(`${src}/picasa-layout.ts`).href)};
    const ts = ${JSON.stringify([NEW_YEAR_EVE.toISOString(), NEW_YEAR.toISOString()])};
    console.log(JSON.stringify({
      offset: new Date(ts[0]).getTimezoneOffset(),
      paths: ts.map((t) => [albumFolderRel('A', new Date(t)), picasaRelPath(new Date(t), 'x.jpg')]),
    }));`;
  const want = [
    ['albums/2016/1231 A', 'picasa/2016/12/x.jpg'],
    ['albums/2017/0101 A', 'picasa/2017/01/x.jpg'],
  ];
  for (const [tz, offset] of [
    ['Pacific/Kiritimati', -840],
    ['Pacific/Pago_Pago', 660],
  ] as const) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TZ: tz },
      encoding: 'utf8',
    });
    const got = JSON.parse(out) as { offset: number; paths: string[][] };
    assert.equal(got.offset, offset, `${tz} is in effect in the child`);
    assert.deepEqual(got.paths, want, tz);
  }
});

test('picasaRelPath sanitises like drive/: a hostile name stays one component inside ROOT', () => {
  const rel = picasaRelPath(NEW_YEAR, '../../etc/passwd');
  assert.equal(rel, 'picasa/2017/01/.._.._etc_passwd');
  assert.equal(resolveInside('/srv/b', rel), '/srv/b/picasa/2017/01/.._.._etc_passwd');
  assert.equal(picasaRelPath(NEW_YEAR, '..'), 'picasa/2017/01/__');
  assert.equal(picasaRelPath(NEW_YEAR, 'a/b\n.jpg'), 'picasa/2017/01/a_b_.jpg');
});

const pic = (
  id: string,
  name: string,
  iso: string,
  stored?: PicasaLayoutInput['stored'],
): PicasaLayoutInput => ({ id, name, timestamp: at(iso), stored: stored ?? null });
const byId = (ps: { id: string; relPath: string }[]): Record<string, string> =>
  Object.fromEntries(ps.map((p) => [p.id, p.relPath]));

test('assignPicasaPlacements: case-folded duplicates in one month, by timestamp then id', () => {
  const ps = assignPicasaPlacements([
    pic('b', 'img.JPG', '2016-01-20T00:00:00Z'),
    pic('a', 'IMG.jpg', '2016-01-10T00:00:00Z'),
    pic('c', 'IMG.jpg', '2016-02-01T00:00:00Z'), // another month: no collision
    pic('d', 'IMG.jpg', '2016-01-20T00:00:00Z'),
  ]);
  assert.deepEqual(byId(ps), {
    a: 'picasa/2016/01/IMG.jpg',
    b: 'picasa/2016/01/img (1).JPG',
    d: 'picasa/2016/01/IMG (2).jpg',
    c: 'picasa/2016/02/IMG.jpg',
  });
});

test('assignPicasaPlacements: placed items keep their path across passes', () => {
  const first = [
    pic('b', 'x.jpg', '2016-01-20T00:00:00Z'),
    pic('c', 'x.jpg', '2016-01-25T00:00:00Z'),
  ];
  const p1 = assignPicasaPlacements(first);
  assert.deepEqual(byId(p1), { b: 'picasa/2016/01/x.jpg', c: 'picasa/2016/01/x (1).jpg' });
  const stored = (id: string): PicasaLayoutInput['stored'] => {
    const p = p1.find((x) => x.id === id);
    return p ? { relPath: p.relPath, dupNumber: p.dupNumber } : null;
  };
  const p2 = assignPicasaPlacements([
    // An earlier item appears: it takes the next free number, nobody moves.
    pic('a', 'x.jpg', '2016-01-01T00:00:00Z'),
    pic('b', 'x.jpg', '2016-01-20T00:00:00Z', stored('b')),
    // c's date was edited to another year: it stays where it is.
    pic('c', 'x.jpg', '2019-07-07T00:00:00Z', stored('c')),
  ]);
  assert.deepEqual(byId(p2), {
    a: 'picasa/2016/01/x (2).jpg',
    b: 'picasa/2016/01/x.jpg',
    c: 'picasa/2016/01/x (1).jpg',
  });
  // A stored path that is not a picasa path is ignored: the item is placed by its date.
  const p3 = assignPicasaPlacements([
    pic('e', 'y.jpg', '2018-03-01T00:00:00Z', { relPath: 'drive/y.jpg', dupNumber: 0 }),
  ]);
  assert.deepEqual(byId(p3), { e: 'picasa/2018/03/y.jpg' });
});

test('album folder names: sanitised title, emoji kept, at most 255 bytes', () => {
  const t = at('2016-07-04T12:00:00Z');
  const cases: [string, string][] = [
    ['Summer 🎉 2016', '0704 Summer 🎉 2016'],
    ['Paris/London', '0704 Paris_London'],
    ['../../etc/passwd', '0704 .._.._etc_passwd'],
    ['..', '0704 __'],
    ['.', '0704 _'],
    ['', '0704 _'],
    ['tab\there\u0007', '0704 tab_here_'],
    ['Cafe\u0301', '0704 Caf\u00e9'],
  ];
  for (const [title, want] of cases) assert.equal(albumFolderName(title, t), want, title);
  const long = albumFolderName('😀'.repeat(100), t);
  assert.ok(bytes(long) <= 255);
  assert.equal(long, `0704 ${'😀'.repeat(62)}`); // 5 + 62 × 4 = 253
  const longRel = albumFolderRel('写'.repeat(100) + '.jpg', t);
  assert.ok(bytes(path.posix.basename(longRel)) <= 255);
  assert.equal(
    resolveInside('/r', albumFolderRel('../../etc/passwd', t)).startsWith('/r/albums/'),
    true,
  );
});

test('withFolderSuffix puts the number last, never splits a code point', () => {
  assert.equal(withFolderSuffix('0101 Trip to St. Louis', 0), '0101 Trip to St. Louis');
  assert.equal(withFolderSuffix('0101 Trip to St. Louis', 1), '0101 Trip to St. Louis (1)');
  const s = withFolderSuffix(`0101 ${'😀'.repeat(62)}`, 12);
  assert.ok(bytes(s) <= 255);
  assert.equal(s, `0101 ${'😀'.repeat(61)} (12)`);
  assert.throws(() => withFolderSuffix('a', -1), RangeError);
});

const album = (id: string, title: string, iso: string) => ({ id, title, timestamp: at(iso) });

test('assignAlbumFolders: the same title on the same day gets (1), case-folded, by date then id', () => {
  const albums = [
    album('z', 'Birthday', '2016-05-01T20:00:00Z'),
    album('y', 'BIRTHDAY', '2016-05-01T08:00:00Z'),
    album('x', 'Birthday', '2016-05-01T20:00:00Z'),
    album('w', 'Birthday', '2017-05-01T08:00:00Z'), // another year
    album('v', 'Birthday', '2016-05-02T08:00:00Z'), // another day
  ];
  const out = assignAlbumFolders(albums);
  assert.deepEqual(Object.fromEntries(out), {
    z: 'albums/2016/0501 Birthday (2)',
    y: 'albums/2016/0501 BIRTHDAY',
    x: 'albums/2016/0501 Birthday (1)',
    w: 'albums/2017/0501 Birthday',
    v: 'albums/2016/0502 Birthday',
  });
  // Input order does not matter.
  assert.deepEqual(
    Object.fromEntries(assignAlbumFolders([...albums].reverse())),
    Object.fromEntries(out),
  );
});

test('assignAlbumFolders: stable across passes, renamed albums move, real names win', () => {
  const a = album('a', 'Trip', '2016-05-01T10:00:00Z');
  const b = album('b', 'Trip', '2016-05-01T11:00:00Z');
  const p1 = assignAlbumFolders([a, b]);
  assert.deepEqual(Object.fromEntries(p1), {
    a: 'albums/2016/0501 Trip',
    b: 'albums/2016/0501 Trip (1)',
  });
  // An album dated earlier appears: it gets the next free name, a and b keep theirs.
  const c = album('c', 'trip', '2016-05-01T01:00:00Z');
  const p2 = assignAlbumFolders([c, a, b], p1);
  assert.deepEqual(Object.fromEntries(p2), {
    c: 'albums/2016/0501 trip (2)',
    a: 'albums/2016/0501 Trip',
    b: 'albums/2016/0501 Trip (1)',
  });
  assert.deepEqual(assignAlbumFolders([a, b, c], p2), p2);
  // a is renamed: it moves; b and c keep their numbers.
  const p3 = assignAlbumFolders([{ ...a, title: 'Rome' }, b, c], p2);
  assert.deepEqual(Object.fromEntries(p3), {
    a: 'albums/2016/0501 Rome',
    b: 'albums/2016/0501 Trip (1)',
    c: 'albums/2016/0501 trip (2)',
  });
  // A previous folder that no longer fits (other year) is not claimed.
  const p4 = assignAlbumFolders([b], new Map([['b', 'albums/2015/0501 Trip (1)']]));
  assert.deepEqual(Object.fromEntries(p4), { b: 'albums/2016/0501 Trip' });
  // An album really titled `Trip (1)` owns that name: the duplicate takes (2).
  const real = album('r', 'Trip (1)', '2016-05-01T23:00:00Z');
  assert.deepEqual(Object.fromEntries(assignAlbumFolders([a, b, real])), {
    a: 'albums/2016/0501 Trip',
    b: 'albums/2016/0501 Trip (2)',
    r: 'albums/2016/0501 Trip (1)',
  });
});

test('assignAlbumEntries: collisions, the same target twice, stable names', () => {
  const t1 = 'drive/Google Photos/2016/IMG_0001.jpg';
  const t2 = 'drive/Google Photos/2017/IMG_0001.JPG';
  const t3 = 'picasa/2016/01/MOVIE.mp4';
  const t0 = 'drive/Google Photos/2015/img_0001.jpg';
  const first = assignAlbumEntries([
    { target: t2 },
    { target: t1 },
    { target: t3 },
    { target: t1 },
  ]);
  assert.deepEqual(Object.fromEntries(first), {
    'IMG_0001.jpg': t1, // target order: 2016 before 2017
    'IMG_0001 (1).JPG': t2,
    'MOVIE.mp4': t3,
  });
  // A new member whose target sorts first does not take a name given out before.
  const second = assignAlbumEntries(
    [{ target: t0 }, { target: t1 }, { target: t2 }, { target: t3 }],
    first,
  );
  assert.deepEqual(Object.fromEntries(second), {
    'IMG_0001.jpg': t1,
    'IMG_0001 (1).JPG': t2,
    'img_0001 (2).jpg': t0,
    'MOVIE.mp4': t3,
  });
  // t1 left the album: the others keep their names.
  assert.deepEqual(
    Object.fromEntries(
      assignAlbumEntries([{ target: t0 }, { target: t2 }, { target: t3 }], second),
    ),
    { 'IMG_0001 (1).JPG': t2, 'img_0001 (2).jpg': t0, 'MOVIE.mp4': t3 },
  );
  // Explicit names are sanitised; a hostile one is a single harmless component.
  const named = assignAlbumEntries([
    { target: t1, name: '../../etc/passwd' },
    { target: t3, name: '..' },
  ]);
  assert.deepEqual(Object.fromEntries(named), { '.._.._etc_passwd': t1, __: t3 });
});
