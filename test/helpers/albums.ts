/**
 * The album scenario of the integration tests, and readers of album folders on disk.
 */
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { LibraryBuilder, type Library } from '../fakes/google/library.ts';
import type { PicasaMediaRef } from '../fakes/google/picasa-model.ts';

export interface AlbumScenario {
  lib: Library;
  ids: {
    img1: string;
    img2: string;
    img3: string;
    vid4: string;
    movie: PicasaMediaRef;
    collage: PicasaMediaRef;
    edited2: PicasaMediaRef;
    edited1: PicasaMediaRef;
    auto: PicasaMediaRef;
    trip: string;
    best: string;
    slash: string;
    empty: string;
    autoBackup: string;
    profile: string;
    dups: string;
  };
}

/**
 * Drive: Google Photos/2016 with three photos and a video. Photos-only: a movie, a collage in
 * three albums, an edit of IMG_0002 (same name, other size), an edit of IMG_0001, an animation
 * only in Auto Backup. Albums: a trip, a best-of, a title with `/` and emoji, two albums with one
 * title and date, an empty album, Auto Backup, profile photos, and an album with two members of
 * one name.
 */
export function albumScenario(): AlbumScenario {
  const b = new LibraryBuilder();
  const gp = b.folder('Google Photos');
  const y16 = b.folder('2016', gp);
  const img1 = b.photo('IMG_0001.jpg', y16, { takenTime: '2016:01:09 10:00:00' });
  const img2 = b.photo('IMG_0002.jpg', y16, { takenTime: '2016:01:09 11:00:00' });
  const img3 = b.photo('IMG_0003.jpg', y16, { takenTime: '2016:03:01 09:00:00' });
  const vid4 = b.video('VID_0004.mp4', y16, { createdTime: '2016-05-05T08:00:00.000Z' });
  const movie = b.creation({ name: 'MOVIE.mp4', takenAt: '2016-01-09T23:30:00Z', video: true });
  const collage = b.creation({ name: 'COLLAGE.jpg', takenAt: '2016-01-10T00:30:00Z' });
  const edited2 = b.edited(img2);
  const edited1 = b.edited(img1);
  const auto = b.creation({ name: 'AUTO.gif', takenAt: '2016-02-29T12:00:00Z' });
  const trip = b.album({
    title: 'Trip to Rome',
    date: '2016-01-09T12:00:00Z',
    members: [img1, movie, edited2, collage],
  });
  const best = b.album({
    title: 'Best of',
    date: '2016-03-01T00:00:00Z',
    members: [img1, collage, img3],
  });
  const slash = b.album({
    title: 'Paris/Lyon 🎉',
    date: '2016-05-05T23:59:59Z',
    members: [collage, vid4],
  });
  b.album({ title: 'Same', date: '2016-07-07T07:00:00Z', members: [img3] });
  b.album({ title: 'Same', date: '2016-07-07T07:00:00Z', members: [img1] });
  const empty = b.album({ title: 'Empty', date: '2016-08-08T00:00:00Z', members: [] });
  const autoBackup = b.album({
    title: 'Auto Backup',
    date: '2016-01-01T00:00:00Z',
    type: 'InstantUpload',
    members: [img3, auto],
  });
  const profile = b.album({
    title: 'Profile Photos',
    date: '2016-01-02T00:00:00Z',
    type: 'ProfilePhotos',
    members: [img1],
  });
  const dups = b.album({ title: 'Dups', date: '2016-09-09T00:00:00Z', members: [img1, edited1] });
  return {
    lib: b.build(),
    ids: {
      img1,
      img2,
      img3,
      vid4,
      movie,
      collage,
      edited2,
      edited1,
      auto,
      trip,
      best,
      slash,
      empty,
      autoBackup,
      profile,
      dups,
    },
  };
}

export interface AlbumEntry {
  /** Relative to ROOT. */
  path: string;
  kind: 'symlink' | 'file' | 'other';
  /** The symlink's own text (symlinks only). */
  link: string | null;
  /** Where the entry leads, relative to ROOT (realpath). */
  resolved: string;
  ino: number;
}

/** Every entry of every album folder (albums/YEAR/FOLDER/ENTRY). */
export async function readAlbums(root: string): Promise<Map<string, AlbumEntry>> {
  const out = new Map<string, AlbumEntry>();
  const base = path.join(root, 'albums');
  const realRoot = await realpath(root);
  const years = await readdir(base).catch(() => [] as string[]);
  for (const y of years) {
    for (const folder of await readdir(path.join(base, y))) {
      for (const name of await readdir(path.join(base, y, folder))) {
        const abs = path.join(base, y, folder, name);
        const st = await lstat(abs);
        const rel = `albums/${y}/${folder}/${name}`;
        const kind = st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
        out.set(rel, {
          path: rel,
          kind,
          link: kind === 'symlink' ? await readlink(abs) : null,
          resolved: path
            .relative(realRoot, await realpath(abs))
            .split(path.sep)
            .join('/'),
          ino: (await stat(abs)).ino,
        });
      }
    }
  }
  return out;
}

/** lstat of everything under ROOT (but .gphotos): type, size, mtime, inode; for "nothing changed". */
export async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(dir: string, rel: string): Promise<void> {
    for (const name of await readdir(dir)) {
      if (rel === '' && name === '.gphotos') continue;
      const abs = path.join(dir, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(abs);
      const link = st.isSymbolicLink() ? await readlink(abs) : '';
      out.set(r, `${st.mode}:${st.size}:${st.mtimeMs}:${st.ino}:${link}`);
      if (st.isDirectory()) await walk(abs, r);
    }
  }
  await walk(root, '');
  return out;
}
