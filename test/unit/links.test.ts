import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Logger } from 'pino';
import { SyncError } from '../../src/errors/errors.ts';
import { albumFolderRel, assignAlbumEntries } from '../../src/tree/album-layout.ts';
import {
  type LinkLog,
  type LinkMode,
  probeLinkSupport,
  readAlbumLinks,
  reconcileAlbumFolder,
  removeAlbumFolders,
} from '../../src/tree/links.ts';

// A pino logger is a LinkLog (checked by tsc).
const _pinoIsALinkLog = (l: Logger): LinkLog => l;

let base = '';
before(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'tree-links-'));
});
after(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

const A = 'drive/Google Photos/2016/IMG_0001.jpg';
const B = 'drive/Google Photos/2017/IMG_0001.jpg';
const M = 'picasa/2016/01/MOVIE.mp4';
const FILES: Record<string, string> = { [A]: 'bytes of 2016', [B]: 'bytes of 2017!', [M]: 'movie' };
const TAKEN = new Date('2016-03-04T05:06:07.000Z');
const ALBUM = 'albums/2016/0304 Trip';

let rootCount = 0;
/** A fresh ROOT holding the three target files, each with mtime TAKEN. */
async function makeRoot(): Promise<string> {
  const root = path.join(base, `root-${rootCount++}`);
  for (const [rel, text] of Object.entries(FILES)) {
    const p = path.join(root, rel);
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.writeFile(p, text);
    await fs.utimes(p, TAKEN, TAKEN);
  }
  return root;
}

const collect = (): LinkLog & { lines: { obj: object; msg?: string }[] } => {
  const lines: { obj: object; msg?: string }[] = [];
  return { lines, warn: (obj, msg) => void lines.push({ obj, msg }) };
};

const ls = async (p: string): Promise<string[]> => (await fs.readdir(p)).sort();

/** Everything about a folder and its entries that a write would change. */
async function snapshot(dir: string): Promise<unknown> {
  const st = await fs.lstat(dir);
  const out: Record<string, unknown> = { '.': [st.mtimeMs, st.ctimeMs] };
  for (const name of await ls(dir)) {
    const e = await fs.lstat(path.join(dir, name));
    out[name] = [e.ino, e.mtimeMs, e.ctimeMs, e.size];
  }
  return out;
}

const desiredOf = (...targets: string[]): Map<string, string> =>
  assignAlbumEntries(targets.map((target) => ({ target })));

const isFatal = (e: unknown): boolean => e instanceof SyncError && e.kind === 'fatal';

test('symlink: relative links that read the right bytes, survive moving ROOT, and a rerun writes nothing', async () => {
  const root = await makeRoot();
  const desired = desiredOf(A, B, M);
  const r1 = await reconcileAlbumFolder(root, ALBUM, desired, 'symlink');
  assert.deepEqual(r1, {
    added: 3,
    replaced: 0,
    removed: 0,
    kept: 0,
    missingTargets: 0,
    fellBackToCopy: false,
  });
  const dir = path.join(root, ALBUM);
  assert.deepEqual(await ls(dir), ['IMG_0001 (1).jpg', 'IMG_0001.jpg', 'MOVIE.mp4']);
  assert.equal(
    await fs.readlink(path.join(dir, 'IMG_0001.jpg')),
    '../../../drive/Google Photos/2016/IMG_0001.jpg',
  );
  assert.equal(await fs.readlink(path.join(dir, 'MOVIE.mp4')), '../../../picasa/2016/01/MOVIE.mp4');
  assert.equal(await fs.readFile(path.join(dir, 'IMG_0001 (1).jpg'), 'utf8'), FILES[B]);

  const before = await snapshot(dir);
  const r2 = await reconcileAlbumFolder(root, ALBUM, desired, 'symlink');
  assert.deepEqual(r2, { ...r1, added: 0, kept: 3 });
  assert.deepEqual(await snapshot(dir), before, 'nothing on disk changed');

  // The whole backup moved (another mount point, a renamed folder): the links still work.
  const moved = path.join(base, 'moved-root');
  await fs.rename(root, moved);
  const mdir = path.join(moved, ALBUM);
  assert.equal(await fs.readFile(path.join(mdir, 'IMG_0001.jpg'), 'utf8'), FILES[A]);
  assert.equal(await fs.readFile(path.join(mdir, 'MOVIE.mp4'), 'utf8'), FILES[M]);
  assert.deepEqual(await readAlbumLinks(moved, ALBUM), desired);
});

test('members added, removed and retargeted; missing targets are linked on a later pass', async () => {
  const root = await makeRoot();
  const dir = path.join(root, ALBUM);
  await reconcileAlbumFolder(
    root,
    ALBUM,
    new Map([
      ['a.jpg', A],
      ['b.jpg', B],
    ]),
    'symlink',
  );
  const later = 'drive/Google Photos/2018/new.jpg';
  const r = await reconcileAlbumFolder(
    root,
    ALBUM,
    new Map([
      ['a.jpg', M], // retargeted
      ['c.jpg', later], // not downloaded yet
      ['m.mp4', M],
    ]),
    'symlink',
  );
  assert.deepEqual(r, {
    added: 1,
    replaced: 1,
    removed: 1,
    kept: 0,
    missingTargets: 1,
    fellBackToCopy: false,
  });
  assert.deepEqual(await ls(dir), ['a.jpg', 'm.mp4']);
  assert.equal(await fs.readFile(path.join(dir, 'a.jpg'), 'utf8'), FILES[M]);
  // The target arrives; the next pass links it.
  await fs.mkdir(path.join(root, path.dirname(later)), { recursive: true });
  await fs.writeFile(path.join(root, later), 'late');
  const r2 = await reconcileAlbumFolder(
    root,
    ALBUM,
    new Map([
      ['a.jpg', M],
      ['c.jpg', later],
      ['m.mp4', M],
    ]),
    'symlink',
  );
  assert.equal(r2.added, 1);
  assert.equal(r2.kept, 2);
  assert.equal(r2.missingTargets, 0);
  assert.equal(await fs.readFile(path.join(dir, 'c.jpg'), 'utf8'), 'late');
});

test('leftover temp entries are removed; folders and foreign files are left alone and logged', async () => {
  const root = await makeRoot();
  const dir = path.join(root, ALBUM);
  await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
  await fs.writeFile(path.join(dir, '.IMG_0001.jpg.gphotos-part'), 'half');
  await fs.symlink('nowhere', path.join(dir, '.other.jpg.gphotos-part'));
  await fs.writeFile(path.join(dir, 'notes.txt'), 'mine');
  await fs.writeFile(path.join(dir, 'sub/keep.txt'), 'mine too');
  const log = collect();
  const r = await reconcileAlbumFolder(root, ALBUM, desiredOf(A), 'symlink', { log });
  assert.equal(r.added, 1);
  assert.equal(r.removed, 2);
  assert.deepEqual(await ls(dir), ['IMG_0001.jpg', 'notes.txt', 'sub']);
  assert.deepEqual(await ls(path.join(dir, 'sub')), ['keep.txt']);
  assert.deepEqual(log.lines.map((l) => (l.obj as { name: string }).name).sort(), [
    'notes.txt',
    'sub',
  ]);
  // In copy mode regular files are ours (copies): the stale one goes, the folder stays.
  const r2 = await reconcileAlbumFolder(root, ALBUM, desiredOf(A), 'copy', { log });
  assert.equal(r2.replaced, 1, 'the symlink becomes a copy');
  assert.equal(r2.removed, 1);
  assert.deepEqual(await ls(dir), ['IMG_0001.jpg', 'sub']);
});

test('hardlink: entries share the target inode; a rerun writes nothing', async () => {
  const root = await makeRoot();
  const dir = path.join(root, ALBUM);
  const r = await reconcileAlbumFolder(root, ALBUM, desiredOf(A, M), 'hardlink');
  assert.equal(r.added, 2);
  assert.equal(r.fellBackToCopy, false);
  const entry = await fs.lstat(path.join(dir, 'IMG_0001.jpg'));
  const target = await fs.stat(path.join(root, A));
  assert.equal(entry.ino, target.ino);
  assert.equal(entry.nlink, 2);
  const before = await snapshot(dir);
  const r2 = await reconcileAlbumFolder(root, ALBUM, desiredOf(A, M), 'hardlink');
  assert.deepEqual([r2.added, r2.replaced, r2.removed, r2.kept], [0, 0, 0, 2]);
  assert.deepEqual(await snapshot(dir), before);
  // The target is re-downloaded (a new inode renamed over it): the entry is linked again.
  const tmp = path.join(root, 'drive/new');
  await fs.writeFile(tmp, 'edited bytes');
  await fs.rename(tmp, path.join(root, A));
  const r3 = await reconcileAlbumFolder(root, ALBUM, desiredOf(A, M), 'hardlink');
  assert.deepEqual([r3.replaced, r3.kept], [1, 1]);
  assert.equal(await fs.readFile(path.join(dir, 'IMG_0001.jpg'), 'utf8'), 'edited bytes');
});

test('copy: same bytes and mtime, own inode; a rerun writes nothing; a changed target is copied again', async () => {
  const root = await makeRoot();
  const dir = path.join(root, ALBUM);
  const r = await reconcileAlbumFolder(root, ALBUM, desiredOf(A, M), 'copy');
  assert.equal(r.added, 2);
  const entry = await fs.lstat(path.join(dir, 'IMG_0001.jpg'));
  const target = await fs.stat(path.join(root, A));
  assert.ok(entry.isFile());
  assert.notEqual(entry.ino, target.ino);
  assert.equal(entry.mtimeMs, TAKEN.getTime());
  assert.equal(await fs.readFile(path.join(dir, 'IMG_0001.jpg'), 'utf8'), FILES[A]);
  const before = await snapshot(dir);
  const r2 = await reconcileAlbumFolder(root, ALBUM, desiredOf(A, M), 'copy');
  assert.deepEqual([r2.added, r2.replaced, r2.removed, r2.kept], [0, 0, 0, 2]);
  assert.deepEqual(await snapshot(dir), before);
  await fs.writeFile(path.join(root, M), 'a longer movie');
  await fs.utimes(path.join(root, M), TAKEN, TAKEN);
  const r3 = await reconcileAlbumFolder(root, ALBUM, desiredOf(A, M), 'copy');
  assert.deepEqual([r3.replaced, r3.kept], [1, 1]);
  assert.equal(await fs.readFile(path.join(dir, 'MOVIE.mp4'), 'utf8'), 'a longer movie');
  // Same size, another mtime (a taken time corrected): copied again with the new mtime.
  const fixed = new Date('2015-01-01T00:00:00.000Z');
  await fs.utimes(path.join(root, A), fixed, fixed);
  const r3b = await reconcileAlbumFolder(root, ALBUM, desiredOf(A, M), 'copy');
  assert.deepEqual([r3b.replaced, r3b.kept], [1, 1]);
  assert.equal((await fs.lstat(path.join(dir, 'IMG_0001.jpg'))).mtimeMs, fixed.getTime());
  // Switching modes converts: a copy becomes a hard link.
  const r4 = await reconcileAlbumFolder(root, ALBUM, desiredOf(A, M), 'hardlink');
  assert.equal(r4.replaced, 2);
  assert.equal((await fs.lstat(path.join(dir, 'MOVIE.mp4'))).nlink, 2);
});

/** /dev/shm when it is another file system than the temp dir, else null. */
async function otherFileSystem(): Promise<string | null> {
  const shm = await fs.stat('/dev/shm').catch(() => null);
  if (!shm?.isDirectory() || shm.dev === (await fs.stat(base)).dev) return null;
  return await fs.mkdtemp('/dev/shm/tree-links-');
}

test('hardlink across file systems (EXDEV) falls back to copies for the folder; a rerun writes nothing', async () => {
  const root = await makeRoot();
  const other = await otherFileSystem();
  const calls: string[] = [];
  let link: ((a: string, b: string) => Promise<void>) | undefined;
  try {
    if (other) {
      // drive/ lives on another file system: link() fails with a real EXDEV.
      await fs.cp(path.join(root, 'drive'), path.join(other, 'drive'), {
        recursive: true,
        preserveTimestamps: true,
      });
      await fs.rm(path.join(root, 'drive'), { recursive: true });
      await fs.symlink(path.join(other, 'drive'), path.join(root, 'drive'));
      link = async (a, b) => {
        calls.push(a);
        await fs.link(a, b);
      };
    } else {
      link = async (a) => {
        calls.push(a);
        throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
      };
    }
    const dir = path.join(root, ALBUM);
    const r = await reconcileAlbumFolder(root, ALBUM, desiredOf(A, B), 'hardlink', { link });
    assert.deepEqual(r, {
      added: 2,
      replaced: 0,
      removed: 0,
      kept: 0,
      missingTargets: 0,
      fellBackToCopy: true,
    });
    assert.equal(calls.length, 1, 'one failed link per folder, then copies');
    const entry = await fs.lstat(path.join(dir, 'IMG_0001 (1).jpg'));
    assert.ok(entry.isFile() && entry.nlink === 1);
    assert.equal(entry.mtimeMs, TAKEN.getTime());
    assert.equal(await fs.readFile(path.join(dir, 'IMG_0001 (1).jpg'), 'utf8'), FILES[B]);
    const before = await snapshot(dir);
    const r2 = await reconcileAlbumFolder(root, ALBUM, desiredOf(A, B), 'hardlink', { link });
    assert.deepEqual(r2, { ...r, added: 0, kept: 2 });
    assert.deepEqual(await snapshot(dir), before);
  } finally {
    if (other) await fs.rm(other, { recursive: true, force: true });
  }
});

test('hardlink on a file system without hard links (EPERM, ENOTSUP) falls back to copies', async () => {
  for (const code of ['EPERM', 'ENOTSUP']) {
    const root = await makeRoot();
    const link = (): Promise<void> =>
      Promise.reject(Object.assign(new Error(`${code}: no`), { code }));
    const r = await reconcileAlbumFolder(root, ALBUM, desiredOf(M), 'hardlink', { link });
    assert.equal(r.fellBackToCopy, true, code);
    assert.equal(await fs.readFile(path.join(root, ALBUM, 'MOVIE.mp4'), 'utf8'), FILES[M]);
    assert.deepEqual(await ls(path.join(root, ALBUM)), ['MOVIE.mp4'], 'no temp left');
  }
  // Any other link error is not a fallback: it propagates and leaves nothing behind.
  const root = await makeRoot();
  const boom = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
  await assert.rejects(
    reconcileAlbumFolder(root, ALBUM, desiredOf(M), 'hardlink', {
      link: () => Promise.reject(boom),
    }),
    (e) => e === boom,
  );
  assert.deepEqual(await ls(path.join(root, ALBUM)), []);
});

test('hostile titles, names and targets stay inside ROOT', async () => {
  const root = await makeRoot();
  const t = new Date('2016-01-02T00:00:00Z');
  for (const title of ['../../etc/passwd', '..', 'a/b', 'Party 🎉/2016']) {
    const folder = albumFolderRel(title, t);
    const desired = assignAlbumEntries([{ target: A, name: '../../../outside.jpg' }]);
    await reconcileAlbumFolder(root, folder, desired, 'symlink');
    assert.equal(
      await fs.readFile(path.join(root, folder, '.._.._.._outside.jpg'), 'utf8'),
      FILES[A],
    );
  }
  assert.deepEqual(
    await ls(path.join(root, 'albums/2016')),
    ['0102 Party 🎉_2016', '0102 .._.._etc_passwd', '0102 __', '0102 a_b'].sort(),
  );
  assert.deepEqual(await ls(root), ['albums', 'drive', 'picasa']);
  const refused = async (folder: string, desired: Map<string, string>): Promise<void> => {
    await assert.rejects(reconcileAlbumFolder(root, folder, desired, 'symlink'), isFatal, folder);
  };
  await refused('../escape', new Map());
  await refused('albums/../../escape', new Map());
  await refused('drive/Google Photos/2016', new Map()); // would delete originals
  await refused('albums', new Map()); // not an album folder
  await refused(ALBUM, new Map([['a/b.jpg', A]]));
  await refused(ALBUM, new Map([['..', A]]));
  await refused(ALBUM, new Map([['x.jpg', '../../etc/passwd']]));
  assert.deepEqual(await ls(base).then((xs) => xs.filter((x) => x.includes('escape'))), []);
  // Originals are untouched.
  assert.equal(await fs.readFile(path.join(root, A), 'utf8'), FILES[A]);
});

test('a symlink on the way to an album folder is refused, not followed', async () => {
  const root = await makeRoot();
  const elsewhere = path.join(base, 'elsewhere');
  await fs.mkdir(path.join(elsewhere, '2016/0304 Trip'), { recursive: true });
  await fs.writeFile(path.join(elsewhere, '2016/0304 Trip/precious.jpg'), 'keep me');
  await fs.symlink(elsewhere, path.join(root, 'albums'));
  await assert.rejects(reconcileAlbumFolder(root, ALBUM, new Map(), 'copy'), isFatal);
  await assert.rejects(removeAlbumFolders(root, new Set()), isFatal);
  assert.deepEqual(await ls(path.join(elsewhere, '2016/0304 Trip')), ['precious.jpg']);
});

test('a missing root is fatal and is not created; an aborted signal writes nothing', async () => {
  const gone = path.join(base, 'not-mounted');
  await assert.rejects(reconcileAlbumFolder(gone, ALBUM, new Map(), 'symlink'), isFatal);
  await assert.rejects(fs.stat(gone), /ENOENT/);
  const root = await makeRoot();
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(
    reconcileAlbumFolder(root, ALBUM, desiredOf(A), 'symlink', { signal: ac.signal }),
    /stop/,
  );
  assert.deepEqual(await ls(root), ['drive', 'picasa']);
});

test('removeAlbumFolders: gone albums and empty years go, foreign files and originals stay', async () => {
  const root = await makeRoot();
  const keep = 'albums/2016/0304 Trip';
  const gone = 'albums/2016/0101 Old';
  const goneYear = 'albums/2015/0505 Renamed';
  const mixed = 'albums/2014/0101 Mixed';
  const copies = 'albums/2013/0101 Copies';
  for (const f of [keep, gone, goneYear, mixed]) {
    await reconcileAlbumFolder(root, f, desiredOf(A, M), 'symlink');
  }
  await reconcileAlbumFolder(root, copies, desiredOf(A, M), 'copy');
  await fs.writeFile(path.join(root, mixed, 'my notes.txt'), 'mine');
  await fs.mkdir(path.join(root, mixed, 'sub'));
  await fs.writeFile(path.join(root, 'albums/2016/README.txt'), 'mine');
  const log = collect();
  const r = await removeAlbumFolders(root, new Set([keep]), { log });
  // Symlink mode: single-link regular files may be a person's; the copies folder stays too.
  assert.deepEqual(r, { removedFolders: 2, keptForeign: 2, removedYears: 1 });
  assert.deepEqual(await ls(path.join(root, 'albums')), ['2013', '2014', '2016']);
  assert.deepEqual(await ls(path.join(root, 'albums/2016')), ['0304 Trip', 'README.txt']);
  assert.deepEqual(await ls(path.join(root, mixed)), ['my notes.txt', 'sub'], 'our links went');
  assert.deepEqual(log.lines.map((l) => (l.obj as { folder: string }).folder).sort(), [
    copies,
    mixed,
  ]);
  // In copy mode every regular file is ours (a copy); a folder inside never is.
  const r2 = await removeAlbumFolders(root, new Set([keep]), { mode: 'copy' });
  assert.deepEqual(r2, { removedFolders: 1, keptForeign: 1, removedYears: 1 });
  assert.deepEqual(await ls(path.join(root, 'albums')), ['2014', '2016']);
  assert.deepEqual(await ls(path.join(root, mixed)), ['sub']);
  assert.equal(await fs.readFile(path.join(root, keep, 'MOVIE.mp4'), 'utf8'), FILES[M]);
  for (const rel of [A, B, M])
    assert.equal(await fs.readFile(path.join(root, rel), 'utf8'), FILES[rel]);
  // No albums/ at all: nothing to do.
  assert.deepEqual(await removeAlbumFolders(await makeRoot(), new Set()), {
    removedFolders: 0,
    keptForeign: 0,
    removedYears: 0,
  });
});

test('probeLinkSupport: both work on a local file system, and nothing is left behind', async () => {
  const dir = await fs.mkdtemp(path.join(base, 'probe-'));
  assert.deepEqual(await probeLinkSupport(dir), { symlink: true, hardlink: true });
  assert.deepEqual(await ls(dir), []);
  const other = await otherFileSystem();
  if (other) {
    // Hard links from another file system are impossible; symlinks are fine.
    assert.deepEqual(await probeLinkSupport(dir, other), { symlink: true, hardlink: false });
    assert.deepEqual(await ls(other), []);
    await fs.rm(other, { recursive: true, force: true });
  }
  await assert.rejects(probeLinkSupport(path.join(base, 'missing')), /ENOENT/);
});

test('every mode gives the same names, and entries read the same bytes', async () => {
  const modes: LinkMode[] = ['symlink', 'hardlink', 'copy'];
  for (const mode of modes) {
    const root = await makeRoot();
    await reconcileAlbumFolder(root, ALBUM, desiredOf(A, B, M), mode);
    for (const [name, target] of desiredOf(A, B, M)) {
      assert.equal(
        await fs.readFile(path.join(root, ALBUM, name), 'utf8'),
        FILES[target],
        `${mode} ${name}`,
      );
    }
  }
});
