/**
 * Picasa albums for a generated library, deterministic from the random source.
 *
 * In user-feed order: `Auto Backup` (InstantUpload: the last `instantUpload` media, by default
 * beyond the 10,000 offset limit of a 100k library), `Profile Photos` (ProfilePhotos),
 * `Blog pictures` (Blogger), two albums of several thousand items when the library is large,
 * event albums over random (overlapping) runs of 10-400 media, and `Favorites` (every k-th
 * item of the library, about 800, plus some creations, so it overlaps everything else). About a
 * third of the event albums get 1-2 creations (animation, collage, panorama, movie) and a fifth
 * hold an edited copy in place of one photo. Cost: O(members), no content generated.
 */
import type { Library } from './library.ts';
import { createAlbum, resolveMember } from './picasa-model.ts';
import type { AlbumMemberRef, CreationKind, PicasaMedia, PicasaMediaRef } from './picasa-model.ts';

const MONTHS =
  'January February March April May June July August September October November December';
const CREATIONS: Array<[CreationKind, string, string, number, number]> = [
  ['animation', '-ANIMATION.gif', 'image/gif', 1024, 768],
  ['collage', '-COLLAGE.jpg', 'image/jpeg', 2048, 2048],
  ['panorama', '-PANO.jpg', 'image/jpeg', 8000, 2000],
  ['movie', '-MOVIE.mp4', 'video/mp4', 1920, 1080],
];

export function spreadAlbums(
  lib: Library,
  rand: () => number,
  opts: { albums: number; instantUpload: number },
): void {
  const media: string[] = [];
  for (const f of lib.files.values()) {
    if (f.mimeType.startsWith('image/') || f.mimeType.startsWith('video/')) media.push(f.id);
  }
  const n = media.length;
  const pick = (): string => media[Math.floor(rand() * n)]!;
  const itemOf = (ref: AlbumMemberRef) => resolveMember(lib, ref)!;
  const dateOf = (members: AlbumMemberRef[], fallback: number): string =>
    new Date(members.length > 0 ? itemOf(members[0]!).takenMs : fallback).toISOString();
  let left = opts.albums;
  const add = (title: string, members: AlbumMemberRef[], extra: object = {}): void => {
    if (left <= 0) return;
    left--;
    createAlbum(lib, rand, {
      title,
      date: dateOf(members, Date.UTC(2015, 0, 1)),
      members,
      ...extra,
    });
  };
  const newMedia = (m: Omit<PicasaMedia, 'id'>): PicasaMediaRef => {
    const id = `g${lib.picasaMedia.size + 1}`;
    lib.picasaMedia.set(id, { id, ...m });
    return { picasaMediaId: id };
  };
  const creationFrom = (fileId: string): PicasaMediaRef => {
    const src = itemOf(fileId);
    const [kind, suffix, mimeType, width, height] = CREATIONS[Math.floor(rand() * 4)]!;
    const stem = src.name.replace(/\.[^.]*$/, '');
    const taken = new Date(src.takenMs + 60_000).toISOString();
    const m: Omit<PicasaMedia, 'id'> = {
      origin: 'creation',
      creation: kind,
      name: stem + suffix,
      mimeType,
      size: Math.max(1, Math.floor(src.size * (kind === 'movie' ? 3 : 1.2))),
      takenAt: taken,
      uploadedAt: taken,
      video: kind === 'movie',
      width,
      height,
    };
    if (kind === 'movie') m.durationMs = 30_000;
    return newMedia(m);
  };
  const editedFrom = (fileId: string): PicasaMediaRef => {
    const src = itemOf(fileId);
    return newMedia({
      origin: 'edited',
      sourceFileId: fileId,
      name: src.name,
      mimeType: src.mimeType,
      size: src.size + 1 + Math.floor(rand() * 500),
      takenAt: new Date(src.takenMs).toISOString(),
      uploadedAt: new Date(Date.parse(src.published) + 86_400_000).toISOString(),
      video: src.video,
      width: src.width,
      height: src.height,
    });
  };
  const run = (len: number): string[] => {
    const size = Math.min(n, len);
    const start = Math.floor(rand() * (n - size + 1));
    return media.slice(start, start + size);
  };

  const iu = Math.min(n, opts.instantUpload);
  add('Auto Backup', media.slice(n - iu), { type: 'InstantUpload' });
  add('Profile Photos', n > 0 ? [pick(), pick(), pick()] : [], { type: 'ProfilePhotos' });
  add('Blog pictures', run(5), { type: 'Blogger' });
  if (n >= 10_000) {
    add('Best of the decade', run(2000 + Math.floor(rand() * 3000)));
    add('Family', run(2000 + Math.floor(rand() * 3000)));
  }
  const favouriteCreations: PicasaMediaRef[] = [];
  while (left > 1) {
    const members: AlbumMemberRef[] = run(10 + Math.floor(rand() * rand() * 390));
    const runLength = members.length;
    if (runLength > 0 && rand() < 0.35) {
      const count = 1 + Math.floor(rand() * 2);
      for (let k = 0; k < count; k++) {
        const c = creationFrom(members[Math.floor(rand() * runLength)] as string);
        members.push(c);
        if (rand() < 0.5) favouriteCreations.push(c);
      }
    }
    if (runLength > 0 && rand() < 0.2) {
      const i = Math.floor(rand() * runLength);
      const m = members[i];
      if (typeof m === 'string' && !itemOf(m).video) members[i] = editedFrom(m);
    }
    const d = new Date(members.length > 0 ? itemOf(members[0]!).takenMs : 0);
    const month = MONTHS.split(' ')[d.getUTCMonth()]!;
    add(`${month} ${d.getUTCFullYear()}`, members);
  }
  const step = Math.max(1, Math.floor(n / 800));
  const favourites: AlbumMemberRef[] = [];
  for (let i = 0; i < n; i += step) favourites.push(media[i]!);
  add('Favorites', [...favourites, ...favouriteCreations]);
}
