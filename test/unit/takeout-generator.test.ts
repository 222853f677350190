/**
 * The Takeout generator (test/fakes/takeout): Google's naming rules checked against the real
 * listings of ../shared/takeout-samples, every quirk of the catalogue checked in an export, the
 * sidecars against the real sidecars' shape, the media bytes with exifr, parts, the expected
 * tree, determinism, and the time and memory of a 100,000-item export.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import exifr from 'exifr';
import * as archiveWriter from '../fakes/takeout/archive-writer.ts';
import { entriesOf, makeExport, writeExport } from '../fakes/takeout/export.ts';
import type { ExportEntry, ExportOptions, TakeoutExport } from '../fakes/takeout/export.ts';
import { expectedTree, itemBytes, makeLibrary, QUIRKS } from '../fakes/takeout/library.ts';
import type { LibraryItem, QuirkName } from '../fakes/takeout/library.ts';
import { exifDateText } from '../fakes/takeout/media-bytes.ts';
import {
  albumFolderName,
  EDIT_SUFFIXES,
  editedTitle,
  exportIdOf,
  mediaFileName,
  partFileName,
  sidecarFileName,
} from '../fakes/takeout/naming.ts';

const SAMPLES = new URL('../../../shared/takeout-samples/', import.meta.url);
const LISTINGS = readdirSync(new URL('listings/', SAMPLES))
  .map((name) => readFileSync(new URL(`listings/${name}`, SAMPLES), 'utf8'))
  .join('\n');

const REQUESTED = new Date('2025-07-25T03:52:35Z');
const library = makeLibrary({ items: 300, seed: 7 });
const threeParts = makeExport(library, {
  requestedAt: REQUESTED,
  partCount: 3,
  format: 'mixed',
  samePathInTwoParts: true,
});

function allEntries(exp: TakeoutExport): Array<ExportEntry & { part: number }> {
  return exp.parts.flatMap((p) => p.entries.map((e) => ({ ...e, part: p.number })));
}

const entries = allEntries(threeParts);
const paths = entries.map((e) => e.path);

interface Copy {
  path: string;
  part: number;
  /** The parsed sidecar, for sidecar copies. */
  json?: Record<string, unknown>;
}

/** Where each item landed: its media copies (found by bytes) and sidecars (by title and upload time). */
function copiesOf(exp: TakeoutExport): Map<number, { media: Copy[]; sidecars: Copy[] }> {
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const byBytes = new Map(library.items.map((i) => [sha(itemBytes(library, i)), i.id]));
  const bySidecar = new Map(
    library.items.map((i) => [`${i.title}\0${i.createdTime.getTime() / 1000}`, i.id]),
  );
  const copies = new Map(
    library.items.map((i) => [i.id, { media: [] as Copy[], sidecars: [] as Copy[] }]),
  );
  for (const e of allEntries(exp)) {
    const copy: Copy = { path: e.path, part: e.part };
    const mediaId = byBytes.get(sha(e.data));
    if (mediaId !== undefined) copies.get(mediaId)!.media.push(copy);
    if (!e.path.endsWith('.json')) continue;
    const json = JSON.parse(e.data.toString()) as Record<string, { timestamp?: string } | string>;
    const created = (json.creationTime as { timestamp?: string } | undefined)?.timestamp;
    const id = bySidecar.get(`${String(json.title)}\0${created}`);
    if (id !== undefined && json.photoTakenTime) copies.get(id)!.sidecars.push({ ...copy, json });
  }
  return copies;
}

const copies = copiesOf(threeParts);
const name = (p: string): string => p.split('/').at(-1)!;
const folder = (p: string): string => p.split('/').at(-2)!;

/** The item's media names in its year (or trash) folder. */
function mediaNames(item: LibraryItem): string[] {
  return copies
    .get(item.id)!
    .media.filter((c) => /^Photos from |^Bin$/.test(folder(c.path)))
    .map((c) => name(c.path));
}

function sidecarNames(item: LibraryItem): string[] {
  return copies
    .get(item.id)!
    .sidecars.filter((c) => folder(c.path).startsWith('Photos from '))
    .map((c) => name(c.path));
}

function sidecar(item: LibraryItem): Record<string, unknown> {
  return copies.get(item.id)!.sidecars[0]!.json!;
}

/** Titles with their media and sidecar names: (n) and the 46/47 cuts, from real listings. */
const REAL_NAMES: Array<
  [title: string, scheme: 'json' | 'supplemental', n: number, media: string, json: string]
> = [
  [
    '01D1C847-D498-4814-9F10-6B81D768077B-1050-0000012BFC8FF17F_tmp.jpg',
    'json',
    0,
    '01D1C847-D498-4814-9F10-6B81D768077B-1050-00000.jpg',
    '01D1C847-D498-4814-9F10-6B81D768077B-1050-0000.json',
  ],
  [
    'PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINAL.jpg',
    'json',
    0,
    'PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA.jpg',
    'PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGIN.json',
  ],
  [
    '05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg',
    'json',
    0,
    '05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg',
    '05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jp.json',
  ],
  [
    'PXL_20230814_201154491.LONG_EXPOSURE-01.COVER.jpg',
    'json',
    0,
    'PXL_20230814_201154491.LONG_EXPOSURE-01.COVER.jpg',
    'PXL_20230814_201154491.LONG_EXPOSURE-01.COVER..json',
  ],
  [
    '😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛😝😜🤪🤨🧐🤓😎🥸🤩🥳😏😒😞😔😟😕🙁☹️😣😖😫😩🥺😢😭😤😠😡🤬🤯😳🥵🥶.jpg',
    'json',
    0,
    '😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛.jpg',
    '😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋.json',
  ],
  [
    'Urlaub in Knaufspesch in der Schneifel (38).JPG',
    'json',
    0,
    'Urlaub in Knaufspesch in der Schneifel (38).JPG',
    'Urlaub in Knaufspesch in der Schneifel (38).JP.json',
  ],
  [
    'Screenshot_2017-07-05-10-05-26.png',
    'supplemental',
    0,
    'Screenshot_2017-07-05-10-05-26.png',
    'Screenshot_2017-07-05-10-05-26.png.supplementa.json',
  ],
  [
    'Screenshot_20241227_105539_Edge.jpg',
    'supplemental',
    0,
    'Screenshot_20241227_105539_Edge.jpg',
    'Screenshot_20241227_105539_Edge.jpg.supplement.json',
  ],
  [
    'Screenshot_20220207_102421_com.snapchat.android.jpg',
    'supplemental',
    0,
    'Screenshot_20220207_102421_com.snapchat.android.jpg',
    'Screenshot_20220207_102421_com.snapchat.androi.json',
  ],
  [
    'D7157814-D2D5-4A62-AFCE-9CF465CB7D66.jpeg',
    'supplemental',
    0,
    'D7157814-D2D5-4A62-AFCE-9CF465CB7D66.jpeg',
    'D7157814-D2D5-4A62-AFCE-9CF465CB7D66.jpeg.supp.json',
  ],
  [
    'IMG-20230325-WA0122~2.jpg',
    'supplemental',
    0,
    'IMG-20230325-WA0122~2.jpg',
    'IMG-20230325-WA0122~2.jpg.supplemental-metadat.json',
  ],
  ['IMG_3479.JPG', 'json', 2, 'IMG_3479(2).JPG', 'IMG_3479.JPG(2).json'],
  ['Scan35.jpg', 'supplemental', 1, 'Scan35(1).jpg', 'Scan35.jpg.supplemental-metadata(1).json'],
  [
    'CLIP0001.AVI',
    'supplemental',
    10,
    'CLIP0001(10).AVI',
    'CLIP0001.AVI.supplemental-metadata(10).json',
  ],
  [
    'Screenshot_20231027_123303_Facebook.jpg',
    'supplemental',
    1,
    'Screenshot_20231027_123303_Facebook(1).jpg',
    'Screenshot_20231027_123303_Facebook.jpg.supple(1).json',
  ],
  [
    'Backyard_ceremony_wedding_photography_xxxxxxx_magnoliastudios-19.jpg',
    'json',
    494,
    'Backyard_ceremony_wedding_photography_xxxxxxx_m(494).jpg',
    'Backyard_ceremony_wedding_photography_xxxxxxx_(494).json',
  ],
  [
    '13039_327707840323_537645323_9470255_27214_n.jpg',
    'json',
    1,
    '13039_327707840323_537645323_9470255_27214_n(1).jpg',
    '13039_327707840323_537645323_9470255_27214_n.j(1).json',
  ],
  [
    'IMG_0769.HEIC',
    'supplemental',
    1,
    'IMG_0769(1).HEIC',
    'IMG_0769.HEIC.supplemental-metadata(1).json',
  ],
  [
    'Peanut Butter Balls',
    'supplemental',
    0,
    'Peanut Butter Balls.jpg',
    'Peanut Butter Balls.supplemental-metadata.json',
  ],
  ['27/06/12 - 2', 'json', 0, '27_06_12 - 2.jpg', '27_06_12 - 2.json'],
];

test('naming: cut and numbered names equal the real ones in the listings', () => {
  for (const [title, scheme, n, media, json] of REAL_NAMES) {
    assert.equal(mediaFileName(title, n, '.jpg'), media, title);
    assert.equal(sidecarFileName(title, scheme, n), json, title);
  }
  // The sidecars, and the media names that differ from their titles, are verbatim in a listing
  // (but the made-up CLIP0001 pair, checking a two-digit (n) on a short name).
  const real = REAL_NAMES.filter(([title]) => title !== 'CLIP0001.AVI').flatMap(
    ([title, , , media, json]) => (media === title ? [json] : [media, json]),
  );
  for (const name of real) assert.ok(LISTINGS.includes(name), `${name} is in a listing`);
});

test('naming: edited copies are cut like media (GPTH-X issue 29), album folders and parts', () => {
  const edited = (title: string): string =>
    mediaFileName(editedTitle(title, EDIT_SUFFIXES.es, '.jpg'), 0, '.jpg');
  assert.equal(
    edited('Con Yoli por Málaga en el piso nuevo_001.JPG'),
    'Con Yoli por Málaga en el piso nuevo_001-ha edi.JPG',
  );
  assert.equal(
    edited('Museo Marino de Matalascañas con Yoli_001.JPG'),
    'Museo Marino de Matalascañas con Yoli_001-ha ed.JPG',
  );
  assert.ok(LISTINGS.includes('Museo Marino de Matalascañas con Yoli_001-ha ed.JPG'));
  assert.equal(albumFolderName('Mum & Dad / 2019'), 'Mum _ Dad _ 2019');
  assert.equal(albumFolderName('2016-01-05 - Castello De Albertis e Mostra di Rubens').length, 50);
  assert.equal(
    partFileName(exportIdOf(new Date('2024-05-25T20:14:56Z'), false), 1, 'zip'),
    'takeout-20240525T201456Z-001.zip',
  );
  assert.equal(
    partFileName(exportIdOf(new Date('2025-07-25T03:52:35Z'), true), 1, 'tgz'),
    'takeout-20250725T035235Z-1-001.tgz',
  );
  assert.ok(LISTINGS.includes('takeout-20240525T201456Z-001.zip'));
});

const items = (ids: number[]): LibraryItem[] => ids.map((id) => library.items[id]!);
const stem = (file: string): string => file.slice(0, file.lastIndexOf('.'));
const only = (names: string[]): string => {
  assert.equal(names.length, 1, `one copy: ${names.join(', ')}`);
  return names[0]!;
};
const inFolder = (f: string): string[] => paths.filter((p) => folder(p) === f).map(name);
const hasNoSidecar = (item: LibraryItem): void =>
  assert.deepEqual(copies.get(item.id)!.sidecars, []);
const exifDate = async (item: LibraryItem): Promise<string | undefined> =>
  (
    (await exifr.parse(itemBytes(library, item), { reviveValues: false })) as
      { DateTimeOriginal?: string } | undefined
  )?.DateTimeOriginal;

/** Albums by title: their folder's file names. */
function albumFiles(title: string): string[] {
  const album = library.albums.find((a) => a.title === title)!;
  const folders = new Set(paths.map((p) => p.split('/')[2]!));
  const match = [...folders].find(
    (f) => f === (title === '' ? 'Untitled(1)' : albumFolderName(album.title)),
  )!;
  return inFolder(match);
}

/** What each quirk looks like in a 3-part English export: one check per quirk name. */
const CHECKS: Record<QuirkName, (ids: number[]) => void | Promise<void>> = {
  'long-title-47': (ids) => {
    for (const item of items(ids)) {
      assert.ok(item.title.length >= 47 && item.title.length <= 51);
      assert.equal(only(mediaNames(item)), item.title);
      assert.equal(stem(only(sidecarNames(item))), item.title.slice(0, 46));
    }
  },
  'long-title-51': (ids) => {
    for (const item of items(ids)) {
      assert.ok(item.title.length > 51);
      assert.equal(only(mediaNames(item)).length, 51);
      assert.equal(stem(only(sidecarNames(item))).length, 46);
    }
  },
  'long-title-emoji': (ids) => assert.equal(stem(only(mediaNames(items(ids)[0]!))).length, 48),
  'long-title-zwj': (ids) => {
    const media = stem(only(mediaNames(items(ids)[0]!)));
    assert.ok(media.endsWith('👨\u200d👩'), 'the ZWJ family is cut between code points');
  },
  'long-title-cyrillic': (ids) => assert.equal(stem(only(mediaNames(items(ids)[0]!))).length, 47),
  'non-latin-cyrillic': (ids) =>
    assert.match(only(mediaNames(items(ids)[0]!)), /^[\u0400-\u04ff ]+\.jpg$/),
  'non-latin-japanese': (ids) =>
    assert.match(only(sidecarNames(items(ids)[0]!)), /^[\u3040-\u30ff\u4e00-\u9fff]+\.JPG\./),
  'title-with-number': (ids) =>
    assert.ok(only(sidecarNames(items(ids)[0]!)).endsWith(' (38).JP.json')),
  'supplemental-cut': (ids) => {
    for (const item of items(ids)) {
      const json = only(sidecarNames(item));
      assert.equal(stem(json).length, 46);
      assert.ok(
        json.startsWith(`${item.title}.s`) && !json.includes('.supplemental-metadata.'),
        json,
      );
    }
  },
  'supplemental-gone': (ids) =>
    assert.equal(
      only(sidecarNames(items(ids)[0]!)),
      'Screenshot_20220207_102421_com.snapchat.androi.json',
    ),
  'same-title': (ids) => {
    assert.deepEqual(
      items(ids).map((i) => only(mediaNames(i))),
      ['IMG_3479.JPG', 'IMG_3479(1).JPG', 'IMG_3479(2).JPG'],
    );
    assert.deepEqual(
      items(ids).map((i) => only(sidecarNames(i))),
      ['IMG_3479.JPG.json', 'IMG_3479.JPG(1).json', 'IMG_3479.JPG(2).json'],
    );
  },
  'same-title-supplemental': (ids) =>
    assert.equal(only(sidecarNames(items(ids)[1]!)), 'Scan35.jpg.supplemental-metadata(1).json'),
  'same-title-large-n': (ids) => {
    const last = items(ids).at(-1)!;
    assert.equal(only(mediaNames(last)), 'EFFECTS(11).jpg');
    assert.equal(only(sidecarNames(last)), 'EFFECTS.jpg.supplemental-metadata(11).json');
  },
  'same-title-cut': (ids) =>
    assert.equal(
      only(sidecarNames(items(ids)[1]!)),
      'Screenshot_20231027_123303_Facebook.jpg.supple(1).json',
    ),
  'cut-collision': (ids) => {
    const [a, b] = items(ids);
    assert.notEqual(a!.title, b!.title);
    assert.equal(only(mediaNames(b!)), 'Backyard_ceremony_wedding_photography_xxxxxxx_m(1).jpg');
    assert.equal(only(sidecarNames(b!)), 'Backyard_ceremony_wedding_photography_xxxxxxx_(1).json');
  },
  'no-extension': (ids) => {
    assert.equal(only(mediaNames(items(ids)[0]!)), 'Peanut Butter Balls.jpg');
    assert.equal(
      only(sidecarNames(items(ids)[0]!)),
      'Peanut Butter Balls.supplemental-metadata.json',
    );
  },
  'slash-in-title': (ids) => {
    assert.equal(only(mediaNames(items(ids)[0]!)), '27_06_12 - 2.jpg');
    assert.equal(sidecar(items(ids)[0]!).title, '27/06/12 - 2');
  },
  'edited-en': (ids) => editedWith(ids, '-edited'),
  'edited-fr': (ids) => editedWith(ids, '-modifié'),
  'edited-de': (ids) => editedWith(ids, '-bearbeitet'),
  'edited-ja': (ids) => editedWith(ids, '-編集済み'),
  'edited-numbered': (ids) =>
    assert.equal(only(mediaNames(items(ids)[0]!)), 'IMG_20120216_094016-edited(1).jpg'),
  'edited-cut': (ids) =>
    assert.equal(
      only(mediaNames(items(ids)[0]!)),
      'Con Yoli por Málaga en el piso nuevo_001-ha edi.JPG',
    ),
  'edited-no-extension': (ids) =>
    assert.equal(only(mediaNames(items(ids)[0]!)), '2234089303984509579-edited.jpg'),
  'motion-photo': (ids) =>
    companionBeside(ids, 'PXL_20221228_185930354.MP', 'PXL_20221228_185930354.MP.jpg.json'),
  'motion-photo-tilde2': (ids) => {
    assert.ok(inFolder('Untitled(1)').includes('PXL_20210102_221126856.MP~2'));
    companionBeside(ids, 'PXL_20210102_221126856.MP~2', 'PXL_20210102_221126856.MP~2.jpg.json');
  },
  'live-photo': (ids) => companionBeside(ids, 'IMG_1234.MP4', 'IMG_1234.HEIC.json'),
  'live-photo-numbered': (ids) => {
    const [heic, mp4] = items(ids);
    assert.equal(only(mediaNames(heic!)), 'IMG_0769(1).HEIC');
    assert.equal(only(sidecarNames(heic!)), 'IMG_0769.HEIC.supplemental-metadata(1).json');
    companionBeside([mp4!.id], 'IMG_0769(1).mp4', 'IMG_0769.HEIC.supplemental-metadata(1).json');
  },
  'tilde2-copy': (ids) =>
    assert.equal(
      only(sidecarNames(items(ids)[0]!)),
      'IMG-20230325-WA0122~2.jpg.supplemental-metadat.json',
    ),
  'sidecar-json': (ids) =>
    assert.ok(items(ids).some((i) => only(sidecarNames(i)) === `${i.title}.json`)),
  'sidecar-supplemental': (ids) =>
    assert.ok(
      items(ids).some((i) => only(sidecarNames(i)) === `${i.title}.supplemental-metadata.json`),
    ),
  'taken-zero-exif': async (ids) => {
    const item = items(ids)[0]!;
    assert.deepEqual(sidecar(item).photoTakenTime, {
      timestamp: '0',
      formatted: 'Jan 1, 1970, 12:00:00 AM UTC',
    });
    assert.equal(await exifDate(item), exifDateText(item.takenTime));
  },
  'no-sidecar-name-date': async (ids) => {
    const item = items(ids)[0]!;
    hasNoSidecar(item);
    assert.equal(await exifDate(item), undefined);
    assert.equal(item.takenTime.toISOString(), '2017-08-03T11:54:31.469Z');
  },
  'no-sidecar-no-date': async (ids) => {
    const item = items(ids)[0]!;
    hasNoSidecar(item);
    assert.equal(await exifDate(item), undefined);
    assert.doesNotMatch(item.title, /\d{8}/);
    assert.equal(
      folder(copies.get(item.id)!.media[0]!.path),
      `Photos from ${item.takenTime.getUTCFullYear()}`,
    );
  },
  trashed: (ids) => {
    for (const item of items(ids)) {
      assert.equal(folder(copies.get(item.id)!.media[0]!.path), 'Bin');
      assert.equal(copies.get(item.id)!.sidecars[0]!.json!.trashed, true);
    }
  },
  archived: (ids) => items(ids).forEach((i) => assert.equal(sidecar(i).archived, true)),
  favorited: (ids) => items(ids).forEach((i) => assert.equal(sidecar(i).favorited, true)),
  'partner-shared': (ids) => {
    for (const item of items(ids)) {
      assert.equal(sidecar(item).url, '');
      assert.deepEqual(sidecar(item).googlePhotosOrigin, { fromPartnerSharing: {} });
    }
  },
  geo: (ids) =>
    items(ids).forEach((i) =>
      assert.notEqual((sidecar(i).geoData as { latitude: number }).latitude, 0),
    ),
  'geo-exif-differs': (ids) =>
    assert.notDeepEqual(sidecar(items(ids)[0]!).geoData, sidecar(items(ids)[0]!).geoDataExif),
  'geo-exif-absent': (ids) => assert.ok(!('geoDataExif' in sidecar(items(ids)[0]!))),
  'altitude-negative-zero': (ids) => {
    const text = entries
      .find((e) => e.path.endsWith(only(sidecarNames(items(ids)[0]!))))!
      .data.toString();
    assert.match(text, /"altitude": -0\.0,/);
    assert.ok(Object.is((sidecar(items(ids)[0]!).geoData as { altitude: number }).altitude, -0));
  },
  people: (ids) =>
    items(ids).forEach((i) => assert.ok((sidecar(i).people as Array<{ name: string }>).length > 0)),
  video: (ids) => {
    for (const item of items(ids)) {
      assert.match(item.mime, /^video\//);
      assert.equal(itemBytes(library, item).toString('latin1', 4, 8), 'ftyp');
    }
  },
  'legacy-sidecar': (ids) => {
    const json = sidecar(items(ids)[0]!);
    assert.ok('modificationTime' in json && !('url' in json) && !('googlePhotosOrigin' in json));
  },
  'minimal-sidecar': (ids) => {
    const json = sidecar(items(ids)[0]!);
    assert.ok(!('imageViews' in json) && !('geoData' in json));
  },
  'app-source': (ids) =>
    assert.deepEqual(sidecar(items(ids)[0]!).appSource, { androidPackageName: 'com.whatsapp' }),
  'heic-exif': async (ids) => {
    const item = items(ids)[0]!;
    hasNoSidecar(item);
    assert.equal(await exifDate(item), exifDateText(item.takenTime));
  },
  'album-only-item': (ids) => {
    const media = copies.get(ids[0]!)!.media.map((c) => folder(c.path));
    assert.deepEqual(media, ['Amsterdam 2022']);
  },
  'sidecar-apart': (ids) => {
    const { media, sidecars } = copies.get(ids[0]!)!;
    const part = (c: Copy[]): number =>
      c.find((x) => folder(x.path).startsWith('Photos from'))!.part;
    assert.notEqual(part(media), part(sidecars));
  },
  'album-copy-apart': (ids) => {
    const parts = copies.get(ids[0]!)!.media.map((c) => c.part);
    assert.equal(parts.length, 2);
    assert.notEqual(parts[0], parts[1]);
  },
  'same-path-two-parts': (ids) => {
    const media = copies
      .get(ids[0]!)!
      .media.filter((c) => !folder(c.path).startsWith('Photos from'));
    assert.equal(media.length, 2);
    assert.equal(media[0]!.path, media[1]!.path);
    assert.notEqual(media[0]!.part, media[1]!.part);
  },
  'album-plain': () =>
    assert.deepEqual(albumJsonKeys('Guillaumes 2018'), ['title', 'description', 'access', 'date']),
  'album-full': () => assert.ok(albumJsonKeys('Garros 19 Juillet 2018').includes('geoData')),
  'album-emoji-title': () =>
    assert.ok(albumFiles('🇵🇹 Lisbonne ❤️ en famille 👨‍👩‍👦‍👦').includes('metadata.json')),
  'album-data-wrapper': () => assert.deepEqual(albumJsonKeys('Trip to Gdańsk'), ['albumData']),
  'album-title-only': () => assert.deepEqual(albumJsonKeys('basement finishing'), ['title']),
  'album-title-only-cyrillic': () =>
    assert.deepEqual(albumJsonKeys('Фокус върху един ден'), ['title']),
  'album-untitled': () => assert.equal(albumJson('').title, ''),
  'album-sanitized': () =>
    assert.ok(albumFiles('Mum & Dad / 2019').length > 0 && inFolder('Mum _ Dad _ 2019').length > 0),
  'album-long-title': () =>
    assert.ok(
      inFolder('2016-01-05 - Castello De Albertis e Mostra di Rube').includes('metadata.json'),
    ),
  'album-sidecars-only': () => {
    const files = albumFiles('Chair yoga');
    assert.ok(files.length === 3 && files.every((f) => f.endsWith('.json')), files.join(', '));
  },
  'album-date-zero': () =>
    assert.deepEqual((albumJson("Gopher's gallery").date as { timestamp: string }).timestamp, '0'),
  'album-shared': () => assert.ok(Array.isArray(albumJson('Amsterdam 2022').sharedAlbumComments)),
};

function editedWith(ids: number[], suffix: string): void {
  for (const item of items(ids)) {
    assert.equal(item.kind, 'edited');
    hasNoSidecar(item);
    assert.ok(only(mediaNames(item)).includes(suffix), `${item.title} has ${suffix}`);
  }
}

/** A companion: no sidecar of its own, named `file`, in the folder of its partner's `json`. */
function companionBeside(ids: number[], file: string, json: string): void {
  const item = items(ids)[0]!;
  assert.equal(item.kind, 'companion');
  hasNoSidecar(item);
  const copy = copies.get(item.id)!.media.find((c) => name(c.path) === file)!;
  assert.ok(inFolder(folder(copy.path)).includes(json));
}

function albumJson(title: string): Record<string, unknown> {
  const album = library.albums.find((a) => a.title === title)!;
  const dir = title === '' ? 'Untitled(1)' : albumFolderName(album.title);
  const entry = entries.find((e) => folder(e.path) === dir && name(e.path) === 'metadata.json')!;
  return JSON.parse(entry.data.toString()) as Record<string, unknown>;
}

function albumJsonKeys(title: string): string[] {
  return Object.keys(albumJson(title));
}

test('quirks: the catalogue has every case, each one as Google exports it', async () => {
  for (const quirk of QUIRKS) {
    const ids = library.quirks.get(quirk)!;
    assert.ok(ids.length > 0, `${quirk} is in the library`);
    await test(quirk, () => CHECKS[quirk](ids));
  }
});

/** Every dotted path of a JSON value with its type (`string`, `number`, `true`, `object`, …). */
function shape(value: unknown, at = '', out = new Map<string, string>()): Map<string, string> {
  const type = Array.isArray(value)
    ? 'array'
    : value === true
      ? 'true'
      : value === null
        ? 'null'
        : typeof value;
  if (at !== '') out.set(at, type);
  if (type === 'array') for (const v of value as unknown[]) shape(v, `${at}[]`, out);
  if (type === 'object') {
    for (const [k, v] of Object.entries(value as object))
      shape(v, at === '' ? k : `${at}.${k}`, out);
  }
  return out;
}

function sampleShapes(isMedia: boolean): Map<string, Set<string>> {
  const dir = new URL('sidecars/', SAMPLES);
  const shapes = new Map<string, Set<string>>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const json = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Record<string, unknown>;
    if (isMedia !== 'photoTakenTime' in json || !('title' in json || 'albumData' in json)) continue;
    for (const [at, type] of shape(json)) shapes.set(at, (shapes.get(at) ?? new Set()).add(type));
  }
  return shapes;
}

/** Paths the README describes but no valid sample file shows. */
const UNSEEN = new Map([
  ['trashed', 'true'],
  ['googlePhotosOrigin.fromSharedAlbum', 'object'],
  ['sharedAlbumComments[].text', 'string'],
]);

function assertShapeLike(json: unknown, samples: Map<string, Set<string>>, label: string): void {
  for (const [at, type] of shape(json)) {
    const seen = samples.get(at)?.has(type) || UNSEEN.get(at) === type;
    assert.ok(seen, `${label}: ${at} as ${type} is in no sample`);
  }
}

test('sidecars and album JSONs have the real samples’ fields and field types', () => {
  const media = sampleShapes(true);
  const albums = sampleShapes(false);
  let sidecars = 0;
  for (const e of entries.filter((x) => x.path.endsWith('.json'))) {
    const json = JSON.parse(e.data.toString()) as Record<string, unknown>;
    const timestamps = [...e.data.toString().matchAll(/"timestamp": ("?)([^",\n]*)/g)];
    for (const [, quote, value] of timestamps)
      assert.ok(quote === '"' && /^\d+$/.test(value!), `${e.path}: ${value}`);
    if ('photoTakenTime' in json) {
      sidecars++;
      assertShapeLike(json, media, e.path);
      const origin = json.googlePhotosOrigin as object | undefined;
      if (origin) assert.equal(Object.keys(origin).length, 1, `${e.path}: one origin`);
    } else if ('title' in json || 'albumData' in json) assertShapeLike(json, albums, e.path);
  }
  assert.ok(sidecars > 300, `${sidecars} sidecars checked`);
});

test('media bytes: EXIF dates read back with exifr, mvhd dates, every item distinct', async () => {
  const images = library.items.filter((i) => i.format === 'jpeg' || i.format === 'heic');
  for (const item of images) {
    const tags = (await exifr.parse(itemBytes(library, item), { reviveValues: false })) as
      { DateTimeOriginal?: string } | undefined;
    const want = item.embeddedDate ? exifDateText(item.takenTime) : undefined;
    assert.equal(tags?.DateTimeOriginal, want, item.title);
  }
  for (const item of library.items.filter((i) => i.format === 'mp4' || i.format === 'mov')) {
    const bytes = itemBytes(library, item);
    const created = bytes.readUInt32BE(bytes.indexOf('mvhd') + 8) - 2082844800;
    assert.equal(created, item.takenTime.getTime() / 1000, item.title);
  }
  const hashes = new Set(
    library.items.map((i) => createHash('sha256').update(itemBytes(library, i)).digest('hex')),
  );
  assert.equal(hashes.size, library.items.length);
  const jpeg = itemBytes(
    library,
    images.find((i) => i.format === 'jpeg')!,
  );
  assert.deepEqual([jpeg[0], jpeg[1], jpeg.at(-2), jpeg.at(-1)], [0xff, 0xd8, 0xff, 0xd9]);
});

function exportHash(exp: TakeoutExport): string {
  const hash = createHash('sha256');
  for (const part of exp.parts) {
    hash.update(part.fileName);
    for (const e of entriesOf(part))
      hash.update(`${e.path}\0${e.mtime.toISOString()}\0`).update(e.data);
  }
  return hash.digest('hex');
}

test('determinism: the same seed gives the same bytes, another seed others', () => {
  const options: ExportOptions = {
    requestedAt: REQUESTED,
    partCount: 3,
    format: 'mixed',
    samePathInTwoParts: true,
  };
  const again = makeExport(makeLibrary({ items: 300, seed: 7 }), options);
  assert.equal(exportHash(again), exportHash(threeParts));
  assert.notEqual(
    exportHash(makeExport(makeLibrary({ items: 300, seed: 8 }), options)),
    exportHash(threeParts),
  );
});

test('parts: Google names, formats, mtimes of the export time, no directories, no path twice in a part', () => {
  assert.deepEqual(
    threeParts.parts.map((p) => p.fileName),
    [
      'takeout-20250725T035235Z-001.zip',
      'takeout-20250725T035235Z-002.tgz',
      'takeout-20250725T035235Z-003.zip',
    ],
  );
  assert.equal(threeParts.exportId, 'takeout-20250725T035235Z');
  const newNaming = makeExport(library, {
    requestedAt: REQUESTED,
    partCount: 2,
    format: 'tgz',
    newPartNaming: true,
  });
  assert.equal(newNaming.parts[1]!.fileName, 'takeout-20250725T035235Z-1-002.tgz');
  assert.equal(newNaming.exportId, 'takeout-20250725T035235Z-1');
  const hour = REQUESTED.getTime() + 3600_000;
  for (const e of entries) {
    assert.ok(e.path.startsWith('Takeout/') && !e.path.endsWith('/'), e.path);
    const album = library.albums.find(
      (a) => e.path.endsWith('/metadata.json') && albumJsonNamed(e.path, a.title),
    );
    if (album?.date) assert.equal(e.mtime.getTime(), album.date.getTime(), e.path);
    else
      assert.ok(
        e.mtime >= REQUESTED && e.mtime.getTime() < hour,
        `${e.path}: ${e.mtime.toISOString()}`,
      );
  }
  for (const part of threeParts.parts) assert.equal(new Set(part.paths).size, part.paths.length);
  const browser = entries.filter((e) => e.path === 'Takeout/archive_browser.html');
  assert.deepEqual(
    browser.map((e) => e.part),
    [1],
  );
  for (const file of [
    'print-subscriptions.json',
    'shared_album_comments.json',
    'user-generated-memory-titles.json',
  ]) {
    const json = entries.find((e) => e.path === `Takeout/Google Photos/${file}`)!.data.toString();
    assert.doesNotMatch(json, /"title"|"photoTakenTime"/, file);
  }
});

function albumJsonNamed(path: string, title: string): boolean {
  return folder(path) === (title === '' ? 'Untitled(1)' : albumFolderName(title));
}

test('parts without the catalogue: a sidecar apart from its media, an album copy apart, a path twice', () => {
  const plain = makeLibrary({ items: 200, albums: 4, seed: 3, quirks: false });
  const exp = makeExport(plain, {
    requestedAt: REQUESTED,
    partCount: 4,
    format: 'zip',
    samePathInTwoParts: true,
  });
  const where = new Map<string, number[]>();
  for (const part of exp.parts)
    for (const p of part.paths) where.set(p, [...(where.get(p) ?? []), part.number]);
  const twice = [...where].filter(([, parts]) => parts.length === 2);
  assert.ok(twice.length >= 1 && twice.every(([, [a, b]]) => a !== b), 'a path in two parts');
  const apart = [...where].filter(([p, [part]]) => {
    const json = [...where.keys()].find(
      (q) => q.startsWith(p) && q.endsWith('.json') && /^Photos from /.test(folder(q)),
    );
    return json !== undefined && p.endsWith('.jpg') && where.get(json)![0] !== part;
  });
  assert.ok(apart.length >= 1, 'a sidecar in another part than its media');
});

test('partBytes fills parts up to the limit; include exports only some items', () => {
  const exp = makeExport(library, { requestedAt: REQUESTED, partBytes: 40_000, format: 'tgz' });
  assert.ok(exp.parts.length > 3);
  for (const part of exp.parts.slice(0, -1)) {
    const bytes = part.entries.reduce((n, e) => n + e.data.length, 0);
    assert.ok(bytes <= 40_000 + 200, `${part.fileName}: ${bytes}`);
  }
  const include = (item: LibraryItem): boolean => item.takenTime.getUTCFullYear() === 2023;
  const partial = makeExport(library, { requestedAt: REQUESTED, format: 'zip', include });
  const years = new Set(
    partial.parts[0]!.paths.filter((p) => p.includes('/Photos from ')).map(folder),
  );
  assert.deepEqual([...years], ['Photos from 2023']);
  const expected = expectedTree(library, { include });
  assert.ok(
    expected.items.every((i) => i.takenTime.getUTCFullYear() === 2023) &&
      expected.items.length > 10,
  );
});

test('languages: localized product, album JSON, untitled, trash folders and formatted times', () => {
  const want = {
    fr: [
      'Google Photos',
      'métadonnées.json',
      'Sans titre(1)',
      'Corbeille',
      '13 mars 2025, 17:05:10 UTC',
    ],
    de: [
      'Google Fotos',
      'Metadaten.json',
      'Unbenannt(1)',
      'Papierkorb',
      '13. März 2025, 17:05:10 UTC',
    ],
    it: ['Google Foto', 'metadati.json', 'Untitled(1)', 'Cestino', '13 mar 2025, 17:05:10 UTC'],
  } as const;
  for (const [language, [product, albumJson, untitled, trash, formatted]] of Object.entries(want)) {
    const exp = makeExport(library, {
      requestedAt: REQUESTED,
      format: 'zip',
      language: language as 'fr',
    });
    const all = exp.parts[0]!.entries;
    const listed = all.map((e) => e.path);
    assert.ok(listed.includes(`Takeout/${product}/Guillaumes 2018/${albumJson}`), language);
    assert.ok(
      listed.some((p) => p.startsWith(`Takeout/${product}/${untitled}/`)),
      language,
    );
    assert.ok(
      listed.some((p) => p.startsWith(`Takeout/${product}/${trash}/`)),
      language,
    );
    assert.ok(
      listed.some((p) => p.startsWith(`Takeout/${product}/Photos from 2023/`)),
      language,
    );
    assert.ok(
      all.some((e) => e.data.toString().includes(`"formatted": "${formatted}"`)),
      language,
    );
  }
});

test('expectedTree: items as truth (kind, partner, date source, bytes), albums with their dates', () => {
  const tree = expectedTree(library);
  assert.equal(tree.items.length, library.items.filter((i) => !i.trashed).length);
  const exported = new Set(entries.map((e) => createHash('sha256').update(e.data).digest('hex')));
  for (const item of tree.items)
    assert.ok(exported.has(item.sha256), `${item.title} is in the export`);
  const byTitle = (title: string): (typeof tree.items)[number] =>
    tree.items.find((i) => i.title === title)!;
  assert.deepEqual(
    [
      'IMG_8416-modifié.JPG',
      'IMG_1234.MP4',
      'IMG_20190612_101500.jpg',
      'IMG_20170803_115431469.jpg',
      'scan-grandma-letter.jpg',
    ].map((t) => [byTitle(t).kind, byTitle(t).partner, byTitle(t).dateFrom]),
    [
      ['edited', 'IMG_8416.JPG', 'partner'],
      ['companion', 'IMG_1234.HEIC', 'partner'],
      ['original', null, 'embedded'],
      ['original', null, 'name'],
      ['original', null, 'folder'],
    ],
  );
  assert.equal(byTitle('Con Yoli por Málaga en el piso nuevo_001-ha edi.JPG').kind, 'edited');
  assert.ok(byTitle('IMG_1559.HEIC').partnerShared);
  assert.ok(!tree.items.some((i) => i.title === 'IMG_5000.HEIC'), 'trashed items are not expected');
  const album = (title: string): (typeof tree.albums)[number] =>
    tree.albums.find((a) => a.title === title)!;
  assert.equal(album('Guillaumes 2018').date.toISOString(), '2018-07-28T08:24:00.000Z');
  assert.deepEqual(album('Guillaumes 2018').members, [
    'IMG_8416.JPG',
    'IMG_8416-modifié.JPG',
    'IMG_8213.JPG',
  ]);
  assert.equal(album('basement finishing').date.toISOString(), '2024-03-02T14:00:00.000Z');
  assert.equal(album("Gopher's gallery").date.toISOString(), '2025-03-13T17:05:10.000Z');
  assert.equal(album('').members.length, 4);
  assert.equal(album('Chair yoga').mediaInFolder, false);
  assert.equal(album('Amsterdam 2022').members[0], '130917ad28385b5a-photo.jpg');
  assert.equal(byTitle('130917ad28385b5a-photo.jpg').inYearFolder, false);
});

test('writeExport hands each part to the writer of its format, entries made one by one', async () => {
  const calls: Array<[string, string, number]> = [];
  const record = (format: string) => async (file: string, list: Iterable<ExportEntry>) => {
    let n = 0;
    for (const e of list) n += e.data.length > 0 ? 1 : 0;
    calls.push([format, file, n]);
  };
  const files = await writeExport('/tmp/takeout-generator-test', threeParts, {
    writeZip: record('zip'),
    writeTgz: record('tgz'),
  });
  assert.deepEqual(
    files,
    threeParts.parts.map((p) => `/tmp/takeout-generator-test/${p.fileName}`),
  );
  assert.deepEqual(
    calls.map(([format, file, n]) => [format, file.split('/').at(-1), n]),
    threeParts.parts.map((p) => [p.format, p.fileName, p.paths.length]),
  );
});

/** Entry names of a zip, walking its central directory from the end record (no zip64 here). */
function zipNames(zip: Buffer): string[] {
  const end = zip.lastIndexOf('PK\u0005\u0006');
  const names: string[] = [];
  let at = zip.readUInt32LE(end + 16);
  for (let k = zip.readUInt16LE(end + 10); k > 0; k--) {
    const [name, extra, comment] = [28, 30, 32].map((o) => zip.readUInt16LE(at + o)) as [
      number,
      number,
      number,
    ];
    names.push(zip.toString('utf8', at + 46, at + 46 + name));
    at += 46 + name + extra + comment;
  }
  return names;
}

/** Entry names of a tgz, from its 512-byte tar headers (ustar name, or a pax `path` record). */
function tgzNames(tgz: Buffer): string[] {
  const tar = gunzipSync(tgz);
  const names: string[] = [];
  let pax: string | null = null;
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0;) {
    const size = parseInt(tar.toString('latin1', at + 124, at + 136).trim() || '0', 8);
    const type = String.fromCharCode(tar[at + 156]!);
    const body = tar.toString('utf8', at + 512, at + 512 + size);
    const prefix = tar.toString('utf8', at + 345, at + 500).replace(/\0.*$/s, '');
    const name = tar.toString('utf8', at, at + 100).replace(/\0.*$/s, '');
    if (type === 'x') pax = /\d+ path=(.*)\n/.exec(body)?.[1] ?? null;
    else {
      names.push(pax ?? (prefix ? `${prefix}/${name}` : name));
      pax = null;
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

test('writeExport with archive-writer.ts: zip and tgz parts hold every planned entry', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'takeout-generator-'));
  try {
    const files = await writeExport(dir, threeParts, archiveWriter);
    for (const [i, part] of threeParts.parts.entries()) {
      const bytes = await readFile(files[i]!);
      const names = part.format === 'zip' ? zipNames(bytes) : tgzNames(bytes);
      assert.deepEqual(names, part.paths, part.fileName);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('scale: 100,000 items planned and every entry made in under 10 s of CPU, Buffers not kept', (t) => {
  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const big = makeLibrary({ items: 100_000, albums: 50, quirks: false });
  const exp = makeExport(big, { requestedAt: REQUESTED, partCount: 8, format: 'mixed' });
  let count = 0;
  let bytes = 0;
  let peak = 0;
  for (const part of exp.parts) {
    for (const e of entriesOf(part)) {
      count++;
      bytes += e.data.length;
    }
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const grown = (peak - rssBefore) / 2 ** 20;
  const size = `${count} entries, ${(bytes / 2 ** 20).toFixed(0)} MiB`;
  t.diagnostic(
    `${size}: ${seconds.toFixed(1)} s, CPU ${cpuSeconds.toFixed(1)} s; RSS +${grown.toFixed(0)} MiB`,
  );
  assert.ok(count > 250_000, size);
  // CPU time, not wall time: a loaded machine stretches the latter, not the work done.
  assert.ok(cpuSeconds < 10, `${cpuSeconds} s of CPU`);
  // The entries' bytes alone are larger than this bound: they were not all held at once.
  assert.ok(grown < bytes / 2 ** 20 + 400 && grown < 800, `RSS grew ${grown} MiB`);
});
