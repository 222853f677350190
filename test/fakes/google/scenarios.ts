/**
 * Hand-made scenarios for tests and the standalone emulator.
 */
import { FOLDER_MIME, LibraryBuilder } from './library.ts';
import type { Library, PicasaMediaRef } from './library.ts';

export interface DemoLibrary extends Library {
  /** Ids of the notable items, for assertions. */
  ids: {
    googlePhotos: string;
    years: Record<'2015' | '2016' | '2017' | '2018', string>;
    duplicates: string[];
    slashName: string;
    googleDoc: string;
    pdf: string;
    trashed: string;
    noExifTime: string;
    bigPhoto: string;
    videos: string[];
    outsideFolder: string;
    outsidePhotos: string[];
    twoParentsFolder: string;
    twoParentsPhotos: string[];
    /** Picasa album ids. */
    albums: { summer: string; best: string; autoBackup: string; empty: string };
    /** Picasa-only media: a collage, a movie, an animation, and an edit of the first 2017 photo. */
    picasa: {
      collage: PicasaMediaRef;
      movie: PicasaMediaRef;
      animation: PicasaMediaRef;
      edited: PicasaMediaRef;
    };
  };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * `Google Photos` (in My Drive root) with year folders 2015–2018: 60 photos + 3 videos with EXIF
 * times; three photos named `IMG_0001.JPG` in 2016; `Paris 2017/08/14.jpg` (a `/` in a name);
 * a trashed photo; a photo without EXIF time; a 300 KB photo (multi-chunk download); a Google
 * Doc and a PDF that must never be downloaded. Outside it: `Camera Uploads` (root) with 4
 * photos, and `Shared Album` with two parents (2017 and Camera Uploads) holding 2 photos.
 * Picasa: `Summer 2017` (2017 photos, a shared photo, a collage), `Best of` (overlapping it,
 * with an edited copy of a 2017 photo and a movie), `Auto Backup` (InstantUpload: the 2018
 * photos, the big photo, a video, an animation) and an empty album.
 */
export function demoLibrary(): DemoLibrary {
  const b = new LibraryBuilder();
  const gp = b.folder('Google Photos');
  const years = {
    '2015': b.folder('2015', gp),
    '2016': b.folder('2016', gp),
    '2017': b.folder('2017', gp),
    '2018': b.folder('2018', gp),
  };
  const yearList = Object.entries(years);
  const byYear: Record<string, string[]> = { '2015': [], '2016': [], '2017': [], '2018': [] };
  for (let i = 0; i < 52; i++) {
    const [year, folder] = yearList[i % 4]!;
    const month = pad(1 + (i % 12));
    const day = pad(1 + ((i * 7) % 28));
    const time = `${year}:${month}:${day} ${pad(8 + (i % 12))}:${pad((i * 13) % 60)}:${pad((i * 29) % 60)}`;
    const ext = i % 10 === 3 ? 'png' : i % 10 === 7 ? 'HEIC' : 'jpg';
    const id = b.photo(`IMG_${year}${month}${day}_${String(i).padStart(4, '0')}.${ext}`, folder, {
      takenTime: time,
      size: 1500 + i * 211,
    });
    byYear[year]!.push(id);
  }
  const duplicates = [0, 1, 2].map((k) =>
    b.photo('IMG_0001.JPG', years['2016'], {
      takenTime: `2016:07:0${k + 1} 10:00:00`,
      size: 2000 + k,
    }),
  );
  const slashName = b.photo('Paris 2017/08/14.jpg', years['2017'], {
    takenTime: '2017:08:14 18:30:00',
  });
  const trashed = b.photo('IMG_20180301_deleted.jpg', years['2018'], {
    takenTime: '2018:03:01 12:00:00',
    trashed: true,
  });
  const noExifTime = b.photo('scan_0001.jpg', years['2015'], {
    createdTime: '2015-11-02T09:15:00.000Z',
  });
  const bigPhoto = b.photo('PANO_20180704_201500.jpg', years['2018'], {
    takenTime: '2018:07:04 20:15:00',
    size: 300_000,
  });
  const videos = [
    b.video('VID_20150612_101010.mp4', years['2015'], { createdTime: '2015-06-12T10:10:10.000Z' }),
    b.video('VID_20170101_000001.mov', years['2017'], { createdTime: '2017-01-01T00:00:01.000Z' }),
    b.video('VID_20181224_190000.mp4', years['2018'], { size: 80_000 }),
  ];
  const googleDoc = b.file({
    name: 'Trip notes',
    mimeType: 'application/vnd.google-apps.document',
    parents: [years['2017']],
  });
  const pdf = b.file({
    name: 'Receipt.pdf',
    mimeType: 'application/pdf',
    parents: [gp],
    size: 4321,
  });

  const outsideFolder = b.folder('Camera Uploads');
  const outsidePhotos = [1, 2, 3, 4].map((k) =>
    b.photo(`DSC_000${k}.JPG`, outsideFolder, { takenTime: `2019:02:0${k} 11:11:11` }),
  );
  const twoParentsFolder = b.folder('Shared Album', years['2017'], {
    parents: [years['2017'], outsideFolder],
  });
  const twoParentsPhotos = [1, 2].map((k) =>
    b.photo(`shared_${k}.jpg`, twoParentsFolder, { takenTime: `2017:09:1${k} 15:00:00` }),
  );
  b.file({ name: 'Empty folder', mimeType: FOLDER_MIME, parents: [gp] });

  const y2017 = byYear['2017']!;
  const collage = b.creation({ name: 'IMG_20170802-COLLAGE.jpg', takenAt: '2017-08-02T19:00:00Z' });
  const movie = b.creation({
    name: 'Summer 2017-MOVIE.mp4',
    takenAt: '2017-09-01T08:00:00Z',
    video: true,
    size: 40_000,
  });
  const animation = b.creation({
    name: 'IMG_20180704-ANIMATION.gif',
    takenAt: '2018-07-04T20:20:00Z',
  });
  const edited = b.edited(y2017[0]!);
  const albums = {
    summer: b.album({
      title: 'Summer 2017',
      date: '2017-06-21T00:00:00Z',
      members: [...y2017.slice(0, 6), twoParentsPhotos[0]!, collage],
    }),
    best: b.album({
      title: 'Best of',
      date: '2018-12-31T00:00:00Z',
      members: [edited, ...y2017.slice(3, 8), movie, bigPhoto],
    }),
    autoBackup: b.album({
      title: 'Auto Backup',
      date: '2018-01-01T00:00:00Z',
      type: 'InstantUpload',
      members: [...byYear['2018']!, bigPhoto, videos[2]!, animation],
    }),
    empty: b.album({ title: 'Empty album', date: '2016-02-02T00:00:00Z', members: [] }),
  };

  return {
    ...b.build(),
    ids: {
      googlePhotos: gp,
      years,
      duplicates,
      slashName,
      googleDoc,
      pdf,
      trashed,
      noExifTime,
      bigPhoto,
      videos,
      outsideFolder,
      outsidePhotos,
      twoParentsFolder,
      twoParentsPhotos,
      albums,
      picasa: { collage, movie, animation, edited },
    },
  };
}
