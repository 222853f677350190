// matchFolder, rule by rule: table tests with names from the samples (README §2, §3).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchFolder } from '../../src/remote/takeout/match.ts';
import { cuts, sidecarKeys } from '../../src/remote/takeout/match-names.ts';
import type { MatchRule, MediaMatch } from '../../src/remote/takeout/types.ts';

type Row = [media: string, sidecar: string | null, rule: MatchRule | null, partner?: string | null];

/** Matches a folder (sidecars with titles when given) and checks every row, in media order. */
function folder(
  media: string[],
  sidecars: Array<string | [string, string]>,
  rows: Row[],
): MediaMatch[] {
  const files = {
    media,
    sidecars: sidecars.map((s) =>
      typeof s === 'string' ? { name: s, title: null } : { name: s[0], title: s[1] },
    ),
  };
  const result = matchFolder(files);
  assert.deepEqual(
    result.map((m) => m.media),
    media,
  );
  for (const [name, sidecar, rule, partner = null] of rows) {
    const m = result.find((r) => r.media === name);
    assert.deepEqual(m, { media: name, sidecar, rule, partner }, name);
  }
  return result;
}

/** Each pair alone in a folder. */
function alone(rows: Array<[media: string, sidecar: string, rule: MatchRule | null]>): void {
  for (const [media, sidecar, rule] of rows) {
    folder([media], [sidecar], [[media, rule === null ? null : sidecar, rule]]);
  }
}

test('exact: NAME.json', () => {
  alone([
    ['PXL_20211013_220651983.jpg', 'PXL_20211013_220651983.jpg.json', 'exact'],
    ['PXL_20231118_035751175.MP.jpg', 'PXL_20231118_035751175.MP.jpg.json', 'exact'],
    ['image-edited.jpg', 'image-edited.jpg.json', 'exact'],
    ['image000000.gif', 'image000000.gif.json', 'exact'],
    ['PXL_20211013_220651958.jpg', 'PXL_20211013_220651983.jpg.json', null],
  ]);
});

test('supplemental: the whole suffix and every cut of it', () => {
  alone([
    ['20161105_170829.jpg', '20161105_170829.jpg.supplemental-metadata.json', 'supplemental'],
    [
      'MVIMG_20191230_232926.jpg',
      'MVIMG_20191230_232926.jpg.supplemental-metadat.json',
      'supplemental',
    ],
    [
      'Screenshot_20200301-161151.png',
      'Screenshot_20200301-161151.png.supplemental-me.json',
      'supplemental',
    ],
    [
      'Screenshot_20231027_123303_Facebook.jpg',
      'Screenshot_20231027_123303_Facebook.jpg.supple.json',
      'supplemental',
    ],
    ['IMG_20120216_094016.jpg', 'IMG_20120216_094016.jpg.suppl.json', 'supplemental'],
    [
      'D7157814-D2D5-4A62-AFCE-9CF465CB7D66.jpeg',
      'D7157814-D2D5-4A62-AFCE-9CF465CB7D66.jpeg.supp.json',
      'supplemental',
    ],
    [
      'a_title_of_forty_four_units_long_abcdef.jpg',
      'a_title_of_forty_four_units_long_abcdef.jpg.s.json',
      'supplemental',
    ],
    [
      'filename_that_is_45_chars_long.jpg',
      'filename_that_is_45_chars_long.jpg..json',
      'supplemental',
    ],
    // The outlier GPTH-X tests: cut at 42 characters, not 46.
    [
      'PXL_20230518_103349822.MP',
      'PXL_20230518_103349822.MP.supplemental-met.json',
      'supplemental',
    ],
    ['IMG_20120216_094016.jpg', 'IMG_20120216_094016.jpg.metadata.json', null],
  ]);
});

test('numbered: (n) before .json on the sidecar, before the extension on the media', () => {
  alone([
    ['DSC_0101(1).JPG', 'DSC_0101.JPG(1).json', 'numbered'],
    ['IMG_2710(1).HEIC', 'IMG_2710.HEIC(1).json', 'numbered'],
    ['Scan35(1).jpg', 'Scan35.jpg.supplemental-metadata(1).json', 'numbered'],
    ['CLIP0001(10).AVI', 'CLIP0001.AVI.supplemental-metadata(10).json', 'numbered'],
    [
      'Screenshot_20231027_123303_Facebook(1).jpg',
      'Screenshot_20231027_123303_Facebook.jpg.supple(1).json',
      'numbered',
    ],
    ['IMG_1234(1).jpg', 'IMG_1234.jpg.suppl(1).json', 'numbered'],
    ['2025-04-28(3516).jpg', '2025-04-28.jpg.supplemental-metadata(3516).json', 'numbered'],
    [
      'img_(87).(vacation stuff).lol(87).jpg',
      'img_(87).(vacation stuff).lol.jpg(87).json',
      'numbered',
    ],
    // GPTH-X's constructed bracket swap.
    ['IMG_2367(1).HEIC', 'IMG_2367.HEIC(1).supplemental-metadata.json', 'numbered'],
    // ente: `skytree (2).jpg` may be duplicate 2 of `skytree.jpg`, or a name of its own.
    ['skytree (2).jpg', 'skytree.jpg.supplemental-metadata(2).json', 'numbered'],
    ['skytree (2).jpg', 'skytree (2).jpg.supplemental-metadata.json', 'supplemental'],
    // Must not match (immich-go matcher_test): numbers differ or one side has none.
    ['DSC_0102(1).JPG', 'DSC_0102.JPG(2).json', null],
    ['DSC_0103.JPG', 'DSC_0103.JPG(1).json', null],
    ['DSC_0104(1).JPG', 'DSC_0104.JPG.json', null],
    [
      'Backyard_ceremony_wedding_photography_xxxxxxx_m(185).jpg',
      'Backyard_ceremony_wedding_photography_xxxxxxx_(494).json',
      null,
    ],
  ]);
  folder(
    ['IMG_3479.JPG', 'IMG_3479(1).JPG', 'IMG_3479(2).JPG'],
    ['IMG_3479.JPG(2).json', 'IMG_3479.JPG.json', 'IMG_3479.JPG(1).json'],
    [
      ['IMG_3479.JPG', 'IMG_3479.JPG.json', 'exact'],
      ['IMG_3479(1).JPG', 'IMG_3479.JPG(1).json', 'numbered'],
      ['IMG_3479(2).JPG', 'IMG_3479.JPG(2).json', 'numbered'],
    ],
  );
});

test('truncated: 46-unit sidecar bases, 47-unit media stems', () => {
  alone([
    [
      'PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA.jpg',
      'PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGIN.json',
      'truncated',
    ],
    [
      '05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg',
      '05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jp.json',
      'truncated',
    ],
    [
      'PXL_20230814_201154491.LONG_EXPOSURE-01.COVER.jpg',
      'PXL_20230814_201154491.LONG_EXPOSURE-01.COVER..json',
      'truncated',
    ],
    [
      'Screenshot_2024-08-31-00-53-48-647_com.snapchat.jpg',
      'Screenshot_2024-08-31-00-53-48-647_com.snapcha.json',
      'truncated',
    ],
    [
      'Urlaub in Knaufspesch in der Schneifel (38).JPG',
      'Urlaub in Knaufspesch in der Schneifel (38).JP.json',
      'truncated',
    ],
    [
      '13039_327707840323_537645323_9470255_27214_n(1).jpg',
      '13039_327707840323_537645323_9470255_27214_n.j(1).json',
      'truncated',
    ],
    [
      'Backyard_ceremony_wedding_photography_xxxxxxx_m(494).jpg',
      'Backyard_ceremony_wedding_photography_xxxxxxx_(494).json',
      'truncated',
    ],
    [
      '01D1C847-D498-4814-9F10-6B81D768077B-1050-00000.jpg',
      '01D1C847-D498-4814-9F10-6B81D768077B-1050-0000.json',
      'truncated',
    ],
  ]);
});

test('cuts: UTF-16 units, a surrogate pair at the cut kept whole (and dropped, for sidecars)', () => {
  assert.deepEqual(cuts('abc', 46), ['abc']);
  assert.deepEqual(cuts('a'.repeat(50), 46), ['a'.repeat(46)]);
  const emoji = `${'a'.repeat(45)}😛b`; // the pair sits at units 45–46
  assert.deepEqual(cuts(emoji, 46), [`${'a'.repeat(45)}😛`, 'a'.repeat(45)]);
  // small.lst: a 48-unit stem (47 would split 😛) and a 46-unit sidecar base.
  const title = '😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛😝😜🤪🤨🧐🤓😎🥸.jpg';
  const media = `${cuts(title.slice(0, -4), 47)[0]}.jpg`;
  assert.equal(media.length, 52);
  const json = `${cuts(title, 46)[0]}.json`;
  folder([media], [[json, title]], [[media, json, 'truncated']]);
  folder([media], [json], [[media, json, 'truncated']]);
});

test('no-extension: the title had none, Google gave the media one', () => {
  alone([
    ['Peanut Butter Balls.jpg', 'Peanut Butter Balls.supplemental-metadata.json', 'no-extension'],
    ['2234089303984509579.jpg', '2234089303984509579.supplemental-metadata.json', 'no-extension'],
    ['2013-12-23(1).jpg', '2013-12-23.supplemental-metadata(1).json', 'no-extension'],
    ['27_06_12 - 2.jpg', '27_06_12 - 2.json', 'no-extension'],
    ['IMG1003.jpg', 'IMG1003.json', 'no-extension'],
    // `~2` copies have their own sidecar.
    ['PXL_20231006_063000139~2.jpg', 'PXL_20231006_063000139~2.json', 'no-extension'],
  ]);
  // A still and a video for one extension-less base: the still takes it.
  folder(
    ['IMG1003.mp4', 'IMG1003.jpg'],
    ['IMG1003.json'],
    [
      ['IMG1003.jpg', 'IMG1003.json', 'no-extension'],
      ['IMG1003.mp4', 'IMG1003.json', 'companion', 'IMG1003.jpg'],
    ],
  );
});

test('title: first, when it names exactly one file', () => {
  // Only the title tells (the issue's `IIMG_` typo).
  folder(
    ['IMG_20120216_094016.jpg'],
    [['IIMG_20120216_094016.jpg.supplemental-metadata.json', 'IMG_20120216_094016.jpg']],
    [['IMG_20120216_094016.jpg', 'IIMG_20120216_094016.jpg.supplemental-metadata.json', 'title']],
  );
  // Names alone would give the cut sidecar to the first name; the title says it is the PNG's.
  const json = 'Screenshot_2024-08-31-00-53-48-647_com.snapcha.json';
  folder(
    [
      'Screenshot_2024-08-31-00-53-48-647_com.snapchat.jpg',
      'Screenshot_2024-08-31-00-53-48-647_com.snapchat.png',
    ],
    [[json, 'Screenshot_2024-08-31-00-53-48-647_com.snapchat.png']],
    [
      ['Screenshot_2024-08-31-00-53-48-647_com.snapchat.jpg', null, null],
      ['Screenshot_2024-08-31-00-53-48-647_com.snapchat.png', json, 'truncated'],
    ],
  );
  // A cut title with a duplicate number: cut to 47, then (n).
  folder(
    [
      'Backyard_ceremony_wedding_photography_xxxxxxx_m.jpg',
      'Backyard_ceremony_wedding_photography_xxxxxxx_m(1).jpg',
    ],
    [
      [
        'Backyard_ceremony_wedding_photography_xxxxxxx_(1).json',
        'Backyard_ceremony_wedding_photography_xxxxxxx_magnoliastudios-181.jpg',
      ],
      [
        'Backyard_ceremony_wedding_photography_xxxxxxx_.json',
        'Backyard_ceremony_wedding_photography_xxxxxxx_magnoliastudios-371.jpg',
      ],
    ],
    [
      [
        'Backyard_ceremony_wedding_photography_xxxxxxx_m.jpg',
        'Backyard_ceremony_wedding_photography_xxxxxxx_.json',
        'truncated',
      ],
      [
        'Backyard_ceremony_wedding_photography_xxxxxxx_m(1).jpg',
        'Backyard_ceremony_wedding_photography_xxxxxxx_(1).json',
        'truncated',
      ],
    ],
  );
  // `/` in a title is `_` in names; a title without extension names the file by its stem.
  folder(
    ['27_06_12 - 2.jpg'],
    [['27_06_12 - 2.json', '27/06/12 - 2']],
    [['27_06_12 - 2.jpg', '27_06_12 - 2.json', 'no-extension']],
  );
  // Two sidecars with one title: the title decides nothing, the names do.
  folder(
    ['a.jpg'],
    [
      ['a.jpg.json', 'a.jpg'],
      ['a.jpg.supplemental-metadata.json', 'a.jpg'],
    ],
    [['a.jpg', 'a.jpg.json', 'exact']],
  );
  // A title naming no file here (edited by immich-go's maintainer): the name decides.
  folder(
    ['PXL_20231006_063909898.LS.mp4'],
    [['PXL_20231006_063909898.LS.mp4.json', 'TST_20231006_063909898.LS.mp4']],
    [['PXL_20231006_063909898.LS.mp4', 'PXL_20231006_063909898.LS.mp4.json', 'exact']],
  );
});

test('case: a sidecar whose extension case the media lost (GPTH#59), by name and by title', () => {
  folder(
    ['IMG_4081(1).jpg'],
    ['IMG_4081.JPG(1).json'],
    [['IMG_4081(1).jpg', 'IMG_4081.JPG(1).json', 'numbered']],
  );
  folder(
    ['IMG_4081(1).jpg'],
    [['IMG_4081.JPG(1).json', 'IMG_4081.JPG']],
    [['IMG_4081(1).jpg', 'IMG_4081.JPG(1).json', 'numbered']],
  );
  // The exact case wins when both are there.
  folder(
    ['IMG.JPG', 'IMG.jpg'],
    ['IMG.jpg.json'],
    [
      ['IMG.jpg', 'IMG.jpg.json', 'exact'],
      ['IMG.JPG', null, null],
    ],
  );
});

test('NFC: a decomposed name matches a composed one', () => {
  folder(
    ['Fin de an\u0303o 2023.HEIC'],
    ['Fin de año 2023.HEIC.supplemental-metadata.json'],
    [
      [
        'Fin de an\u0303o 2023.HEIC',
        'Fin de año 2023.HEIC.supplemental-metadata.json',
        'supplemental',
      ],
    ],
  );
});

test('edited: every language, cut suffixes, (n), the original as partner', () => {
  for (const suffix of [
    '-edited',
    '-modifié',
    '-bearbeitet',
    '-modificato',
    '-ha editado',
    '-editat',
    '-edytowane',
    '-bewerkt',
    '-編集済み',
  ]) {
    folder(
      ['IMG_1.jpg', `IMG_1${suffix}.jpg`],
      ['IMG_1.jpg.json'],
      [
        ['IMG_1.jpg', 'IMG_1.jpg.json', 'exact'],
        [`IMG_1${suffix}.jpg`, 'IMG_1.jpg.json', 'edited', 'IMG_1.jpg'],
      ],
    );
  }
  folder(
    ['IMG-20230325-WA0122~2-edited.jpg', 'IMG-20230325-WA0122~2.jpg'],
    ['IMG-20230325-WA0122~2.jpg.supplemental-metadat.json'],
    [
      [
        'IMG-20230325-WA0122~2-edited.jpg',
        'IMG-20230325-WA0122~2.jpg.supplemental-metadat.json',
        'edited',
        'IMG-20230325-WA0122~2.jpg',
      ],
    ],
  );
  // -edited(1): the edit of duplicate (1) when there is one, else of the unnumbered original.
  folder(
    ['A.jpg', 'A(1).jpg', 'A-edited(1).jpg'],
    ['A.jpg.json', 'A.jpg(1).json'],
    [['A-edited(1).jpg', 'A.jpg(1).json', 'edited', 'A(1).jpg']],
  );
  folder(
    ['A.jpg', 'A-edited(1).jpg'],
    ['A.jpg.json'],
    [['A-edited(1).jpg', 'A.jpg.json', 'edited', 'A.jpg']],
  );
  // An edit saved as JPEG of a HEIC: the still, not its video, is the partner.
  folder(
    ['IMG_9.HEIC', 'IMG_9.MOV', 'IMG_9-edited.jpg'],
    ['IMG_9.HEIC.json'],
    [
      ['IMG_9-edited.jpg', 'IMG_9.HEIC.json', 'edited', 'IMG_9.HEIC'],
      ['IMG_9.MOV', 'IMG_9.HEIC.json', 'companion', 'IMG_9.HEIC'],
    ],
  );
  // Cut by the 47-unit limit (GPTH-X #29), no original in the folder: the sidecar its name has.
  alone([
    [
      'Con Yoli por Málaga en el piso nuevo_001-ha edi.JPG',
      'Con Yoli por Málaga en el piso nuevo_001.JPG.json',
      'edited',
    ],
    [
      'Museo Marino de Matalascañas con Yoli_001-ha ed.JPG',
      'Museo Marino de Matalascañas con Yoli_001.JPG.json',
      'edited',
    ],
    ['IMAG0061-edited.JPG', 'IMAG0061.JPG.supplemental-metadata.json', 'edited'],
    ['2234089303984509579-edited.jpg', '2234089303984509579.supplemental-metadata.json', 'edited'],
    [
      'PXL_20220405_090123741.PORTRAIT-modifié.jpg',
      'PXL_20220405_090123740.PORTRAIT.jpg.json',
      null,
    ],
  ]);
  // A short stem ending like a cut suffix is no edited copy.
  folder(['trip-ed.jpg', 'trip.jpg'], ['trip.jpg.json'], [['trip-ed.jpg', null, null]]);
  // An edited copy whose original has no sidecar: partner, no sidecar.
  folder(['B.jpg', 'B-edited.jpg'], [], [['B-edited.jpg', null, 'edited', 'B.jpg']]);
});

test('companion: motion photos and live photos take their still', () => {
  folder(
    [
      'PXL_20210102_221126856.MP',
      'PXL_20210102_221126856.MP~2',
      'PXL_20210102_221126856.MP~2.jpg',
      'PXL_20210102_221126856.MP.jpg',
    ],
    ['PXL_20210102_221126856.MP~2.jpg.json', 'PXL_20210102_221126856.MP.jpg.json'],
    [
      [
        'PXL_20210102_221126856.MP',
        'PXL_20210102_221126856.MP.jpg.json',
        'companion',
        'PXL_20210102_221126856.MP.jpg',
      ],
      [
        'PXL_20210102_221126856.MP~2',
        'PXL_20210102_221126856.MP~2.jpg.json',
        'companion',
        'PXL_20210102_221126856.MP~2.jpg',
      ],
      ['PXL_20210102_221126856.MP.jpg', 'PXL_20210102_221126856.MP.jpg.json', 'exact'],
    ],
  );
  folder(
    ['IMG_0769.HEIC', 'IMG_0769.mp4', 'IMG_0769(1).HEIC', 'IMG_0769(1).mp4'],
    ['IMG_0769.HEIC.supplemental-metadata(1).json', 'IMG_0769.HEIC.supplemental-metadata.json'],
    [
      ['IMG_0769.mp4', 'IMG_0769.HEIC.supplemental-metadata.json', 'companion', 'IMG_0769.HEIC'],
      ['IMG_0769(1).HEIC', 'IMG_0769.HEIC.supplemental-metadata(1).json', 'numbered'],
      [
        'IMG_0769(1).mp4',
        'IMG_0769.HEIC.supplemental-metadata(1).json',
        'companion',
        'IMG_0769(1).HEIC',
      ],
    ],
  );
  folder(
    ['ImageX.HEIC', 'ImageX.MOV'],
    ['ImageX.HEIC.json'],
    [['ImageX.MOV', 'ImageX.HEIC.json', 'companion', 'ImageX.HEIC']],
  );
  folder(
    ['IMG_1.JPG', 'IMG_1.MP4'],
    ['IMG_1.JPG.json'],
    [['IMG_1.MP4', 'IMG_1.JPG.json', 'companion', 'IMG_1.JPG']],
  );
  // A video with its own sidecar is no companion; one beside a still without a sidecar is left alone.
  folder(
    ['IMG_2.HEIC', 'IMG_2.MOV'],
    ['IMG_2.HEIC.json', 'IMG_2.MOV.json'],
    [['IMG_2.MOV', 'IMG_2.MOV.json', 'exact']],
  );
  folder(['IMG_1234.HEIC', 'IMG_1234.MP4'], [], [['IMG_1234.MP4', null, null]]);
  // A lone .MP: nothing to take (immich-go#1326).
  folder(['PXL_20240003_333352597.MP'], [], [['PXL_20240003_333352597.MP', null, null]]);
  // A cut live photo: both halves fit the cut sidecar by name; the still takes it.
  const stem = 'A_live_photo_with_a_very_long_name_that_google_cuts';
  const media = [`${stem.slice(0, 47)}.mov`, `${stem.slice(0, 47)}.heic`];
  folder(
    media,
    [`${stem.slice(0, 46)}.json`],
    [
      [media[1] ?? '', `${stem.slice(0, 46)}.json`, 'truncated'],
      [media[0] ?? '', `${stem.slice(0, 46)}.json`, 'companion', media[1]],
    ],
  );
});

test('forgotten duplicate (#68): a cut sidecar serves X.jpg and X(1).jpg; nothing else is shared', () => {
  const json = 'original_1d4caa6f-16c6-4c3d-901b-9387de10e528_.json';
  const title = 'original_1d4caa6f-16c6-4c3d-901b-9387de10e528_PXL_20220516_164814158.jpg';
  for (const sidecar of [json, [json, title] as [string, string]]) {
    folder(
      [
        'original_1d4caa6f-16c6-4c3d-901b-9387de10e528_P.jpg',
        'original_1d4caa6f-16c6-4c3d-901b-9387de10e528_P(1).jpg',
      ],
      [sidecar],
      [
        ['original_1d4caa6f-16c6-4c3d-901b-9387de10e528_P.jpg', json, 'truncated'],
        ['original_1d4caa6f-16c6-4c3d-901b-9387de10e528_P(1).jpg', json, 'truncated'],
      ],
    );
  }
  // Not when the (1) has a sidecar of its own, nor when the name was not cut.
  folder(
    [
      'Backyard_ceremony_wedding_photography_xxxxxxx_m.jpg',
      'Backyard_ceremony_wedding_photography_xxxxxxx_m(1).jpg',
    ],
    [
      'Backyard_ceremony_wedding_photography_xxxxxxx_.json',
      'Backyard_ceremony_wedding_photography_xxxxxxx_(1).json',
    ],
    [
      [
        'Backyard_ceremony_wedding_photography_xxxxxxx_m(1).jpg',
        'Backyard_ceremony_wedding_photography_xxxxxxx_(1).json',
        'truncated',
      ],
    ],
  );
  folder(
    ['DSC_0104.JPG', 'DSC_0104(1).JPG'],
    ['DSC_0104.JPG.json'],
    [['DSC_0104(1).JPG', null, null]],
  );
});

test('one sidecar, one media file: the better name wins, whatever the input order', () => {
  const media = ['IMG1003.png', 'IMG1003.jpg', 'IMG1003.jpg(1)'];
  const sidecars = ['IMG1003.json', 'IMG1003.jpg.json', 'other.json'];
  const a = matchFolder({ media, sidecars: sidecars.map((name) => ({ name, title: null })) });
  const b = matchFolder({
    media: [...media].reverse(),
    sidecars: [...sidecars].reverse().map((name) => ({ name, title: null })),
  });
  assert.deepEqual(
    [...a].sort((x, y) => x.media.localeCompare(y.media)),
    [...b].sort((x, y) => x.media.localeCompare(y.media)),
  );
  assert.deepEqual(
    a.map((m) => [m.media, m.sidecar, m.rule]),
    [
      ['IMG1003.png', 'IMG1003.json', 'no-extension'],
      ['IMG1003.jpg', 'IMG1003.jpg.json', 'exact'],
      ['IMG1003.jpg(1)', null, null],
    ],
  );
});

test('sidecar readings: non-JSON names are none; the most likely first', () => {
  assert.deepEqual(sidecarKeys('IMG.jpg'), []);
  assert.deepEqual(sidecarKeys('IMG.jpg.supplemental-metadata(2).json')[0], {
    base: 'IMG.jpg.supplemental-metadata',
    n: 2,
    suffix: false,
    fallback: false,
  });
  assert.deepEqual(sidecarKeys('IMG.jpg.supplemental-metadata(2).json')[1], {
    base: 'IMG.jpg',
    n: 2,
    suffix: true,
    fallback: false,
  });
  folder([], ['a.json'], []);
  folder(['a.jpg'], ['a.jpg.txt'], [['a.jpg', null, null]]);
});

/** A folder of `4 * n` media and sidecars in the shapes that stress the matcher's buckets. */
function bigFolder(n: number): {
  media: string[];
  sidecars: Array<{ name: string; title: string | null }>;
} {
  const media: string[] = [];
  const sidecars: Array<{ name: string; title: string | null }> = [];
  for (let i = 0; i < n; i++) {
    const k = String(i).padStart(5, '0');
    media.push(`PXL_20230813_${k}.jpg`, `IMG_${k}(1).HEIC`);
    sidecars.push({
      name: `PXL_20230813_${k}.jpg.supplemental-metadata.json`,
      title: `PXL_20230813_${k}.jpg`,
    });
    sidecars.push({ name: `IMG_${k}.HEIC.supplemental-metadata(1).json`, title: `IMG_${k}.HEIC` });
  }
  // Many names that cut to one 46-unit base: the hash buckets stay small per (n).
  for (let i = 0; i < n / 2; i++) media.push(`${'x'.repeat(47)}(${i + 1}).jpg`);
  for (let i = 0; i < n / 2; i++)
    sidecars.push({ name: `${'x'.repeat(46)}(${i + 1}).json`, title: null });
  return { media, sidecars };
}

/**
 * The best of five runs, in ms of this process's CPU time: wall time counts the moments another
 * process held the core, CPU time does not, so a busy CI machine inflates it least.
 */
function bestCpuOf5(fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

// Cost grows with the folder (hash lookups and one sort: n log n), not with its square: 20x the files may cost at most 80x
// the time (a quadratic matcher costs 400x). A ratio in one process, not a wall-clock limit, so
// a busy machine does not fail it (performance figures belong in `npm run bench`). The slack is
// wide because a larger folder pays for more garbage collection and colder caches per file.
test('a folder of 20,000 files is matched in time linear in its size', () => {
  const small = bigFolder(250);
  const large = bigFolder(5000);
  assert.equal(matchFolder(large).filter((m) => m.sidecar !== null).length, 12_500);
  matchFolder(small); // compiled before it is timed, as the large folder was above
  const smallMs = Math.max(
    bestCpuOf5(() => matchFolder(small)),
    1,
  );
  const largeMs = bestCpuOf5(() => matchFolder(large));
  assert.ok(largeMs < 80 * smallMs, `1,000 files ${smallMs} ms, 20,000 files ${largeMs} ms`);
});
