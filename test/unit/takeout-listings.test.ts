// Conformance: every listing in ../shared/takeout-samples/listings/ is read with the parser for
// its format, its entries are grouped by folder across the parts of an export, and the matcher's
// result is checked against what the listing implies (test/helpers/takeout-listings.ts). A
// listing without a spec here fails; so does a spec whose stated exception is no longer true.
// Pairs built from a listing's words rather than its names are marked SYNTHESIZED.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchFolder } from '../../src/remote/takeout/match.ts';
import { groupExports, missingParts, parsePartName } from '../../src/remote/takeout/part-name.ts';
import { splitExt } from '../../src/remote/takeout/match-names.ts';
import { classifyPath, isAlbumJsonName, isProductFolder } from '../../src/remote/takeout/paths.ts';
import type { MatchRule } from '../../src/remote/takeout/types.ts';
import {
  NON_SIDECAR_JSON,
  checkListing,
  inFolder,
  listingNames,
  parseArchiveListing,
  parseFixtureSets,
  parseLsListing,
  parseNamePairs,
  parsePathList,
  parseTree,
  readListing,
} from '../helpers/takeout-listings.ts';
import type { Listed } from '../helpers/takeout-listings.ts';

/** What a spec checked: pairs asserted (a media file with its sidecar, or a must-not-match). */
type Spec = (text: string) => number;

/** One folder of bare names; each media must get the named sidecar with the rule. */
function pairs(
  rows: Array<[media: string, sidecar: string | null, rule: MatchRule | null, title?: string]>,
): number {
  for (const [media, sidecar, rule, title] of rows) {
    const sidecars = sidecar ? [{ name: sidecar, title: title ?? null }] : [];
    const [m] = matchFolder({ media: [media], sidecars });
    assert.deepEqual([m?.sidecar, m?.rule], [sidecar, rule], `${media} ↔ ${sidecar}`);
  }
  return rows.length;
}

/** A single media/sidecar pair that must not match. */
function noMatch(media: string, sidecar: string): number {
  const [m] = matchFolder({ media: [media], sidecars: [{ name: sidecar, title: null }] });
  assert.equal(m?.sidecar, null, `${media} must not take ${sidecar}`);
  return 1;
}

const names = (text: string, re: RegExp): string[] => [...text.matchAll(re)].map((m) => m[1] ?? '');

/** Checks every `Takeout/` path classifies (except the archive's own HTML page). */
function classifyAll(entries: Listed[]): void {
  for (const { path } of entries) {
    if (!path.startsWith('Takeout/') || path === 'Takeout/archive_browser.html') continue;
    assert.ok(classifyPath(path), path);
  }
}

const SPECS: Record<string, Spec> = {
  'google-photos-exif.README.2020-structure.lst': (text) => {
    // ILLUSTRATIVE names; `Extracted Takeout Zip` is the Takeout folder.
    const entries = parseTree(text, 'Takeout');
    classifyAll(entries);
    assert.equal(classifyPath('Takeout/Google Photos/2020-09-01/IMG1001.jpg')?.folderKind, 'date');
    assert.equal(
      classifyPath('Takeout/Google Photos/SomeAlbumName/IMG1004.jpg')?.folderKind,
      'album',
    );
    const r = checkListing(entries, {
      orphans: {
        'Takeout/Google Photos/2006-01-01/IMG0305.jpg.json': 'the README shows no media beside it',
        'Takeout/Google Photos/2020-09-02/IMG1002.jpg.json': 'the README shows no media beside it',
      },
      expect: {
        'Takeout/Google Photos/2020-09-01/IMG1001.jpg': ['IMG1001.jpg.json', 'exact'],
        'Takeout/Google Photos/2020-09-04/IMG1003.jpg': ['IMG1003.json', 'no-extension'],
        'Takeout/Google Photos/SomeAlbumName/IMG1004.jpg': ['IMG1004.jpg.json', 'exact'],
        'Takeout/Google Photos/SomeAlbumName/IMG1005.jpg': ['IMG1005.json', 'no-extension'],
      },
    });
    return r.paired;
  },

  'gpth.test-name-pairs.lst': (text) => {
    const rows = parseNamePairs(text);
    assert.equal(rows.length, 16);
    const rule: Record<string, MatchRule> = {
      'image-edited.jpg': 'exact',
      'Urlaub in Knaufspesch in der Schneifel (38).JPG': 'truncated',
      'Screenshot_2022-10-28-09-31-43-118_com.snapchat.jpg': 'truncated',
      'img_(87).(vacation stuff).lol(87).jpg': 'numbered',
      'PXL_20230518_103349822.MP': 'supplemental',
      'IMG_2367.HEIC': 'supplemental',
      'IMG_2367(1).HEIC': 'numbered',
      'IMG_2367.MP4': 'supplemental',
      'Fin de año 2023.HEIC': 'supplemental',
    };
    // Edited copies with no original in the pair take the sidecar the original's name has.
    return pairs(rows.map((p) => [p.media, p.sidecar, rule[p.media] ?? 'edited']));
  },

  'immich-go.docs.debug-data.zip-and-tgz.lst': (text) => {
    const { entries } = parseArchiveListing(text);
    classifyAll(entries);
    assert.deepEqual(
      [...new Set(entries.map((e) => e.part))].map((p) => parsePartName(p ?? '')?.format),
      ['zip', 'tgz'],
    );
    // Elided listings ('...'): nothing pairs, and nothing may pair wrongly.
    const elided = 'the listing is elided with "..."';
    const lonely = Object.fromEntries(
      entries.filter((e) => !e.path.endsWith('.json')).map((e) => [e.path, elided]),
    );
    const orphans = Object.fromEntries(
      entries.filter((e) => e.path.endsWith('.json')).map((e) => [e.path, elided]),
    );
    const r = checkListing(entries, { lonely, orphans });
    return r.media;
  },

  'immich-go.docs.issue380.multi-part.lst': (text) => {
    const { entries } = parseArchiveListing(text);
    const parts = new Set(entries.map((e) => e.part));
    assert.equal(parts.size, 5); // parts holding one of the grepped files
    const exp = groupExports(text.match(/takeout-\S+\.zip/g) ?? []);
    assert.equal(exp.length, 1);
    assert.equal(exp[0]?.parts.length, 10);
    assert.deepEqual(missingParts(exp[0]!), []);
    const r = checkListing(entries, {
      expect: {
        'Takeout/Google Foto/1 anno fa/130917ad28385b5a-photo.jpg': [
          '130917ad28385b5a-photo.jpg.json',
          'exact',
        ],
        'Takeout/Google Foto/Photos from 2022/130917ad28385b5a-photo.jpg': [
          '130917ad28385b5a-photo.jpg.json',
          'exact',
        ],
        'Takeout/Google Foto/Amsterdam 2022/130917ad28385b5a-photo.jpg': [
          '130917ad28385b5a-photo.jpg.json',
          'exact',
        ],
      },
    });
    // The same paths in two parts (json: 001 and 009; jpg: 001 and 010) are one entry each.
    assert.deepEqual(r.duplicates.sort(), [
      'Takeout/Google Foto/1 anno fa/130917ad28385b5a-photo.jpg',
      'Takeout/Google Foto/1 anno fa/130917ad28385b5a-photo.jpg.json',
    ]);
    return r.paired;
  },

  'immich-go.fakefs.one.lst': (text) => {
    // Part 003 of small.lst's export: the same entries; their sidecars are in part 001.
    const { entries } = parseArchiveListing(text);
    assert.equal(entries.length, 3);
    assert.ok(entries.every((e) => e.part === 'takeout-20240525T201456Z-003.zip'));
    const lonely = Object.fromEntries(
      entries.map((e) => [e.path, 'its sidecar is in part 001 (small.lst)']),
    );
    return checkListing(entries, { lonely }).media;
  },

  'immich-go.fakefs.small.lst': (text) => {
    const { entries, cut } = parseArchiveListing(text);
    assert.equal(cut, 0);
    assert.equal(entries.length, 807 + 158 + 3);
    classifyAll(entries);
    // Real 2024 export: every entry's product folder is `Google` + NO-BREAK SPACE + `Photos`.
    assert.ok(
      entries.every(
        (e) =>
          e.path.startsWith('Takeout/Google\u00a0Photos/') ||
          e.path === 'Takeout/archive_browser.html',
      ),
    );
    assert.deepEqual(
      groupExports([...new Set(entries.map((e) => e.part ?? ''))]).map((e) => e.parts.length),
      [3],
    );
    const lis = 'Takeout/Google\u00a0Photos/🇵🇹 Lisbonne ❤️ en famille 👨‍👩‍👦‍👦';
    const garros = 'Takeout/Google\u00a0Photos/Garros 19 Juillet 2018';
    // The emoji names, as listed (a stem of 48 units: the surrogate pair at the cut is kept).
    const emojiMedia = entries.find((e) => e.path.endsWith('😛.jpg'))?.path ?? '';
    const emojiJson =
      entries
        .find((e) => e.path.endsWith('😋.json'))
        ?.path.split('/')
        .at(-1) ?? '';
    assert.equal(splitExt(emojiMedia.split('/').at(-1) ?? '').stem.length, 48);
    const r = checkListing(entries, {
      expect: {
        [emojiMedia]: [emojiJson, 'truncated'],
        [`${lis}/PXL_20230814_201154491.LONG_EXPOSURE-01.COVER.jpg`]: [
          'PXL_20230814_201154491.LONG_EXPOSURE-01.COVER..json',
          'truncated',
        ],
        [`${lis}/PXL_20230815_153003181~3.jpg`]: ['PXL_20230815_153003181~3.jpg.json', 'exact'],
        [`${lis}/✈️ DSC04119.jpg`]: ['✈️ DSC04119.jpg.json', 'exact'],
        'Takeout/Google\u00a0Photos/Guillaumes 2018/IMG_8416-modifié.JPG': [
          'IMG_8416.JPG.json',
          'edited',
          'IMG_8416.JPG',
        ],
        [`${garros}/Bebop2_20180719211742+0200-modifié.jpg`]: [
          'Bebop2_20180719211742+0200.jpg.json',
          'edited',
          'Bebop2_20180719211742+0200.jpg',
        ],
        // Part 003's videos, their sidecars in part 001.
        [`${garros}/Bebop2_20180719203057+0200.mp4`]: [
          'Bebop2_20180719203057+0200.mp4.json',
          'exact',
        ],
        [`${garros}/Bebop2_20180719185840+0200.mp4`]: [
          'Bebop2_20180719185840+0200.mp4.json',
          'exact',
        ],
        [`${garros}/Bebop2_20180719183450+0200.mp4`]: [
          'Bebop2_20180719183450+0200.mp4.json',
          'exact',
        ],
      },
    });
    assert.equal(r.media, 483); // 484 JSON, and Takeout/archive_browser.html beside the product folder
    return r.paired;
  },

  'immich-go.matcher-and-fixture-name-pairs.lst': (text) => {
    let checked = 0;
    const igo: Record<string, MatchRule[]> = {
      matchFastTrack: ['exact'],
      matchNormal: ['numbered', 'truncated', 'supplemental', 'no-extension'],
      matchForgottenDuplicates: ['truncated'],
      matchEditedName: ['edited'],
    };
    for (const p of parseNamePairs(text)) {
      if (p.expected === '') {
        checked += noMatch(p.media, p.sidecar);
        continue;
      }
      const [m] = matchFolder({ media: [p.media], sidecars: [{ name: p.sidecar, title: null }] });
      assert.equal(m?.sidecar, p.sidecar, `${p.media} ${p.note}`);
      assert.ok(
        igo[p.expected ?? '']?.includes(m?.rule as MatchRule),
        `${p.media}: ${m?.rule} for ${p.expected}`,
      );
      checked++;
    }
    for (const [name, files] of parseFixtureSets(text)) checked += fixtureSet(name, files);
    return checked;
  },

  'immich-go.test-data-trees.lst': (text) => {
    const entries = parsePathList(text);
    // At 0.9.0 the product folder had a NO-BREAK SPACE; it is still the product folder.
    const nbsp = entries.filter((e) => e.section.startsWith('(2)'));
    assert.equal(nbsp.length, 4);
    for (const e of nbsp) {
      const product = e.path.split('/')[3] ?? '';
      assert.equal(product, 'Google\u00a0Photos');
      assert.ok(isProductFolder(product));
      assert.equal(
        classifyPath(`Takeout/${e.path.split('/').slice(3).join('/')}`)?.folderKind,
        'album',
      );
    }
    const fixture = 'the fixture keeps a sidecar whose media it left out';
    const orphans: Record<string, string> = {};
    const expect: Record<string, [string, MatchRule, string | null]> = {};
    for (const tag of ['v0.23: ', 'v0.24.7: ', 'v0.29.0-alpha.20250930.beb79e9: ']) {
      const dir = `${tag}internal/e2eTests/upload/TEST_DATA/takeout`;
      orphans[`${dir}/Photos from 2023/PXL_20231006_063000139.jpg.json`] = fixture;
      expect[`${dir}/Uploads/PXL_20231006_063000139~2-edited.jpg`] = [
        'PXL_20231006_063000139~2.json',
        'edited',
        'PXL_20231006_063000139~2.jpg',
      ];
      expect[`${dir}/Uploads/PXL_20231006_063000139~2.jpg`] = [
        'PXL_20231006_063000139~2.json',
        'no-extension',
        null,
      ];
      expect[`${dir}/Slideshow/PXL_20231006_063000139-edited.jpg`] = [
        'PXL_20231006_063000139.jpg.json',
        'edited',
        'PXL_20231006_063000139.jpg',
      ];
    }
    const t3 = 'app/upload/TEST_DATA/Takeout3/Photos from 2023';
    expect[`${t3}/DSC_0238(1).JPG`] = ['DSC_0238.JPG(1).json', 'numbered', null];
    expect[`${t3}/DSC_0238.JPG`] = ['DSC_0238.JPG.json', 'exact', null];
    expect[`${t3}/DSC_0238_1.JPG`] = ['DSC_0238_1.JPG.json', 'exact', null];
    expect['v0.24.7: internal/e2eTests/upload/TEST_DATA/takeout/Duplicates/PhotoA.jpg'] = [
      'PhotoA.json',
      'no-extension',
      null,
    ];
    return checkListing(entries, { orphans, expect }).paired;
  },

  'immich-go.testgp_samples.embedded-listings.lst': (text) => {
    const { entries } = parseArchiveListing(text);
    classifyAll(entries);
    const section = (name: string) => entries.filter((e) => e.section.startsWith(name));
    let paired = 0;
    // Live photos: the MP4 has no sidecar, the HEIC's is its.
    const live = checkListing(section('checkLivePhotoPixil'), {
      expect: Object.fromEntries(
        ['2022 - Germany', '2022 - Germany - Private', 'Photos from 2022'].map((f) => [
          `Takeout/Google Photos/${f}/IMG_4573.MP4`,
          ['IMG_4573.HEIC.json', 'companion', 'IMG_4573.HEIC'],
        ]),
      ),
    });
    paired += live.paired;
    const missing = 'the fixture checks that it is reported without a sidecar';
    paired += checkListing(section('checkMissingJSON'), {
      lonely: {
        'Takeout/Google Foto/Photos from 2016/IMG-20161201-WA0035.jpeg': missing,
        'Takeout/Google Photos/2022 - Germany - Private/IMG_4553.HEIC': missing,
        'Takeout/Google Photos/2022 - Germany/IMG_1234.HEIC': missing,
        // A video beside a still with no sidecar is no companion: nothing to take.
        'Takeout/Google Photos/2022 - Germany/IMG_1234.MP4': missing,
      },
    }).paired;
    const dups = checkListing(section('checkDuplicates'));
    assert.deepEqual(dups.duplicates.sort(), [
      'Takeout/Google Foto/2016-01-05 - _3/20160105_121621_LLS.jpg',
      'Takeout/Google Foto/2016-01-05 - _3/20160105_121621_LLS.jpg.json',
    ]);
    paired += dups.paired;
    const untitled = 'Takeout/Google Photos/Untitled(1)';
    paired += checkListing(section('checkMPissue405'), {
      expect: {
        [`${untitled}/PXL_20210102_221126856.MP`]: [
          'PXL_20210102_221126856.MP.jpg.json',
          'companion',
          'PXL_20210102_221126856.MP.jpg',
        ],
        [`${untitled}/PXL_20210102_221126856.MP~2`]: [
          'PXL_20210102_221126856.MP~2.jpg.json',
          'companion',
          'PXL_20210102_221126856.MP~2.jpg',
        ],
        [`${untitled}/PXL_20210102_221126856.MP~2.jpg`]: [
          'PXL_20210102_221126856.MP~2.jpg.json',
          'exact',
          null,
        ],
      },
    }).paired;
    return paired;
  },

  'issue-google-photos-exif-28.long-uuid-name.lst': (text) => {
    const [title = '', media = '', sidecar = ''] = text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    assert.equal(media.length, 51);
    return pairs([
      [media, sidecar, 'truncated', title],
      [media, sidecar, 'truncated'],
    ]);
  },

  'issue-gpth-8.ls-Google-Fotos-date-folder-2020.lst': (text) => {
    const entries = parseLsListing(text);
    assert.equal(entries.length, 9);
    classifyAll(entries);
    assert.equal(classifyPath(entries[0]?.path ?? '')?.folderKind, 'date');
    assert.ok(isAlbumJsonName('Metadaten.json'));
    const dir = 'Takeout/Google Fotos/2005-02-05';
    const expect: Record<string, [string, MatchRule]> = {};
    for (const n of [38, 39, 40, 41]) {
      expect[`${dir}/Urlaub in Knaufspesch in der Schneifel (${n}).JPG`] = [
        `Urlaub in Knaufspesch in der Schneifel (${n}).JP.json`,
        'truncated',
      ];
    }
    return checkListing(entries, { expect }).paired;
  },

  'issue-immich-app-immich-30319.asymmetric-numbering.partial.lst': (text) => {
    const [media = ''] = names(text, /^(\S+\(\d+\)\.jpg)$/gm);
    const [cut = ''] = names(text, /^(\S+\.su)\s+\[excerpt ends here\]$/gm);
    assert.equal(media, '2025-04-28(3516).jpg');
    // The excerpt stops at `2025-04-28.jpg.su`: SYNTHESIZED completions of the known shapes.
    return (
      pairs([
        [media, `${cut}pplemental-metadata(3516).json`, 'numbered'],
        [media, `${cut}ppl(3516).json`, 'numbered'],
      ]) + noMatch(media, `${cut}pplemental-metadata.json`)
    );
  },

  'issue-immich-go-1321.heic-mp4-numbered.lst': (text) => {
    const files = names(text, /^(IMG_0769\S*)$/gm);
    assert.equal(files.length, 6);
    const [log = ''] = names(text, /file=(takeout-\S+?):/g);
    assert.equal(parsePartName(log), null); // a part's name without its extension, in a log
    assert.equal(parsePartName(`${log}.zip`)?.exportId, 'takeout-20260307T053026Z-3');
    return checkListing(inFolder('Takeout/Google Photos/Photos from 2026', files), {
      expect: {
        'Takeout/Google Photos/Photos from 2026/IMG_0769(1).HEIC': [
          'IMG_0769.HEIC.supplemental-metadata(1).json',
          'numbered',
        ],
        // immich-go reported this one as missing its metadata: it is the live photo's video.
        'Takeout/Google Photos/Photos from 2026/IMG_0769(1).mp4': [
          'IMG_0769.HEIC.supplemental-metadata(1).json',
          'companion',
          'IMG_0769(1).HEIC',
        ],
        'Takeout/Google Photos/Photos from 2026/IMG_0769.mp4': [
          'IMG_0769.HEIC.supplemental-metadata.json',
          'companion',
          'IMG_0769.HEIC',
        ],
      },
    }).paired;
  },

  'issue-immich-go-1326.pixel-MP.lst': (text) => {
    const [path = ''] = names(text, /file=Takeout:(.+?\.MP) /g);
    const name = path.split('/').at(-1) ?? '';
    assert.equal(name, 'PXL_20240003_333352597.MP');
    // Alone, as the log shows it: nothing to pair with.
    const [alone] = matchFolder({ media: [name], sidecars: [] });
    assert.deepEqual([alone?.sidecar, alone?.rule], [null, null]);
    // SYNTHESIZED from the header's words ("part of a pair of jpg and MP.jpg").
    const [mp] = matchFolder({
      media: [name, `${name}.jpg`],
      sidecars: [{ name: `${name}.jpg.json`, title: null }],
    });
    assert.deepEqual(
      [mp?.sidecar, mp?.rule, mp?.partner],
      [`${name}.jpg.json`, 'companion', `${name}.jpg`],
    );
    return 2;
  },

  'issue-immich-go-162.numbered-supplemental.new-part-naming.lst': (text) => {
    const { entries, cut } = parseArchiveListing(text);
    assert.equal(cut, 1);
    assert.equal(entries.length, 7);
    const exp = groupExports([...new Set(entries.map((e) => e.part?.split('/').at(-1) ?? ''))]);
    assert.deepEqual(
      exp.map((e) => [e.exportId, e.parts.map((p) => p.number)]),
      [['takeout-20260529T043328Z-3', [1, 2]]],
    );
    // The media are not in the excerpt (other parts): every sidecar is an orphan here...
    const orphans = Object.fromEntries(
      entries.map((e) => [e.path, 'its media is in a part not listed']),
    );
    checkListing(entries, { orphans });
    // ...and SYNTHESIZED `EFFECTS(n).jpg` files each take theirs, across the two parts' sidecars.
    const numbers = entries.map((e) => Number(/\((\d+)\)\.json$/.exec(e.path)?.[1]));
    const media = numbers.map((n) => `Takeout/Google Photos/Photos from 2020/EFFECTS(${n}).jpg`);
    const r = checkListing(
      [...entries, ...media.map((path) => ({ path, part: null, section: '' }))],
      {
        expect: Object.fromEntries(
          media.map((m, i) => [
            m,
            [`EFFECTS.jpg.supplemental-metadata(${numbers[i]}).json`, 'numbered'],
          ]),
        ),
      },
    );
    return r.paired;
  },

  'issue-immich-go-35.truncation-with-titles.lst': (text) => {
    const triples = [...text.matchAll(/image title: (.+)\nimage file: (.+)\njson file: (.+)/g)];
    assert.equal(triples.length, 3);
    return pairs(
      // Each json name is a 46-unit cut, with the title and without it.
      triples.flatMap(([, title = '', media = '', sidecar = '']) => [
        [media, sidecar, 'truncated', title] as [string, string, MatchRule, string],
        [media, sidecar, 'truncated'] as [string, string, MatchRule],
      ]),
    );
  },

  'issue-immich-go-405.motion-photo-MP-tilde2.lst': (text) => {
    const files = [
      ...new Set([...names(text, /Untitled\(1\)\/(\S+?)"/g), ...names(text, /^(PXL_\S+)$/gm)]),
    ];
    assert.deepEqual(files.sort(), [
      'PXL_20210102_221126856.MP~2',
      'PXL_20210102_221126856.MP~2.jpg',
      'PXL_20210102_221126856.MP~2.jpg.json',
    ]);
    const dir = 'Takeout/Google Photos/Untitled(1)';
    return checkListing(inFolder(dir, files), {
      expect: {
        [`${dir}/PXL_20210102_221126856.MP~2`]: [
          'PXL_20210102_221126856.MP~2.jpg.json',
          'companion',
          'PXL_20210102_221126856.MP~2.jpg',
        ],
      },
    }).paired;
  },

  'issue-immich-go-674.missing-extension.lst': (text) => {
    const { entries, cut } = parseArchiveListing(text);
    assert.equal(cut, 1);
    assert.equal(entries.length, 7);
    const y14 = 'Takeout/Google Photos/Photos from 2014';
    return checkListing(entries, {
      expect: {
        'Takeout/Google Photos/Photos from 2016/Peanut Butter Balls.jpg': [
          'Peanut Butter Balls.supplemental-metadata.json',
          'no-extension',
        ],
        [`${y14}/2234089303984509579.jpg`]: [
          '2234089303984509579.supplemental-metadata.json',
          'no-extension',
        ],
        [`${y14}/2234089303984509579-edited.jpg`]: [
          '2234089303984509579.supplemental-metadata.json',
          'edited',
          '2234089303984509579.jpg',
        ],
        [`${y14}/1190642159672506179.jpg`]: [
          '1190642159672506179.supplemental-metadata.json',
          'no-extension',
        ],
      },
    }).paired;
  },

  'issue-immich-go-698.edited-tilde-truncated-suffix.lst': (text) => {
    const files = names(text, /file=Google Photos:Photos from 2023\/(\S+)/g);
    const title = /title=(\S+)/.exec(text)?.[1] ?? '';
    const dir = 'Takeout/Google Photos/Photos from 2023';
    const sidecar = files.find((f) => f.endsWith('.json')) ?? '';
    return checkListing(inFolder(dir, files), {
      titles: new Map([[`${dir}/${sidecar}`, title]]),
      expect: {
        [`${dir}/IMG-20230325-WA0122~2.jpg`]: [sidecar, 'supplemental'],
        [`${dir}/IMG-20230325-WA0122~2-edited.jpg`]: [
          sidecar,
          'edited',
          'IMG-20230325-WA0122~2.jpg',
        ],
      },
    }).paired;
  },

  'issue-immich-go-756.numbered-and-edited.lst': (text) => {
    const [a = '', b = '', c = '', d = ''] = names(text, /^- Photos from \d{4}\/(\S+)$/gm);
    let checked = pairs([[a, b, 'no-extension']]);
    // The second example has a typo in the issue (`IIMG_`): as written it cannot match, and
    // with the typo fixed it is an edited copy without its original.
    assert.ok(d.startsWith('IIMG_'));
    checked += noMatch(c, d);
    checked += pairs([[c, d.slice(1), 'edited']]);
    // The comment's cut suffixes (SYNTHESIZED media: the name before the suffix).
    const cuts = names(text, /"(IMG_\S+?\.json)"/g);
    assert.equal(cuts.length, 2);
    return (
      checked +
      pairs(
        cuts.map((s): [string, string, MatchRule] => [
          'IMG_20120216_094016.jpg',
          s,
          'supplemental',
        ]),
      )
    );
  },

  'issue-immich-go-884.edited-jpeg.lst': (text) => {
    const files = names(text, /^(IMG-\S+)$/gm);
    const title = /"title": "(.+)"/.exec(text)?.[1] ?? '';
    const dir = 'Takeout/Google Photos/Photos from 2015';
    const sidecar = 'IMG-20150125-WA0005.jpeg.supplemental-metadata.json';
    return checkListing(inFolder(dir, files), {
      titles: new Map([[`${dir}/${sidecar}`, title]]),
      expect: {
        [`${dir}/IMG-20150125-WA0005.jpeg`]: [sidecar, 'supplemental'],
        [`${dir}/IMG-20150125-WA0005-edited.jpeg`]: [sidecar, 'edited', 'IMG-20150125-WA0005.jpeg'],
      },
    }).paired;
  },

  'issue-nextcloud-memories-1559.truncated-supplemental.lst': (text) => {
    const sidecars = names(text, /^\.\/(.+\.json)$/gm);
    assert.equal(sidecars.length, 8);
    // Only sidecar names are listed. SYNTHESIZED media by the naming law: a cut suffix comes
    // off; `…androi.json` is a 46-unit cut of a title assumed to be `…android.jpg`.
    return pairs(
      sidecars.map((s): [string, string, MatchRule] => {
        const cut = /^(.+\.(?:png|jpg|jpeg))\.s[a-z-]*\.json$/.exec(s);
        return cut ? [cut[1] ?? '', s, 'supplemental'] : [`${s.slice(0, -5)}d.jpg`, s, 'truncated'];
      }),
    );
  },

  'issue-open-noodle-gallery-404.tree.lst': (text) => {
    const entries = parseTree(text);
    assert.equal(entries.length, 2);
    classifyAll(entries);
    const dir = 'Takeout/Google Photos/Chengdu City 2009';
    return checkListing(entries, {
      titles: new Map([[`${dir}/IMG_3397.JPG.supplemental-metadata.json`, 'IMG_3397.JPG']]),
      expect: {
        [`${dir}/IMG_3397.JPG`]: ['IMG_3397.JPG.supplemental-metadata.json', 'supplemental'],
      },
    }).paired;
  },

  'small-issue-snippets.misc.lst': (text) => snippets(text),
};

/** The blocks of small-issue-snippets.misc.lst, each by its `##` source line. */
function snippets(text: string): number {
  const blocks = text.split(/^## /m).slice(1);
  const block = (source: string): string => {
    const found = blocks.find((b) => b.startsWith(source));
    assert.ok(found, source);
    return found;
  };
  let checked = 0;
  const album = 'Takeout/Google Photos/Album';
  checked += checkListing(
    inFolder(
      album,
      names(
        block('https://github.com/TheLastGimbus/GooglePhotosTakeoutHelper/issues/180'),
        /^(ImageX\S+)$/gm,
      ),
    ),
    {
      expect: { [`${album}/ImageX.mp4`]: ['ImageX.HEIC.json', 'companion', 'ImageX.HEIC'] },
    },
  ).paired;
  const arrows = [
    ...block('https://github.com/TheLastGimbus/GooglePhotosTakeoutHelper/pull/375').matchAll(
      /^(\S+) → (\S+)$/gm,
    ),
  ];
  checked += checkListing(
    inFolder(
      album,
      arrows.flatMap(([, m = '', s = '']) => [m, s]),
    ),
    {
      expect: {
        [`${album}/IMG_20210704_094147(1).jpg`]: [
          'IMG_20210704_094147.jpg.supplemental-metadata(1).json',
          'numbered',
        ],
      },
    },
  ).paired;
  // SYNTHESIZED media. By the naming law this sidecar is duplicate 18 of a title `img(18).jpg`,
  // so `img(18)(18).jpg`; alone in its folder, `img(18).jpg` (the same (n) on both sides) takes it.
  checked += pairs([
    ['img(18)(18).jpg', 'img(18).jpg.supple(18).json', 'numbered'],
    ['img(18).jpg', 'img(18).jpg.supple(18).json', 'supplemental'],
  ]);
  const both = matchFolder({
    media: ['img(18).jpg', 'img(18)(18).jpg'],
    sidecars: [{ name: 'img(18).jpg.supple(18).json', title: null }],
  });
  assert.deepEqual(
    both.map((m) => m.sidecar),
    [null, 'img(18).jpg.supple(18).json'],
  );
  const ente = block('ente-io/ente');
  for (const s of names(ente, /or "(IMG_1234\S+\.json)"/g).concat(
    names(ente, /either "(IMG_1234\S+\.json)"/g),
    names(ente, /like "(IMG_1234\S+\.json)"/g),
  )) {
    checked += pairs([['IMG_1234(1).jpg', s, 'numbered']]);
  }
  checked += pairs([
    [
      'filename_that_is_45_chars_long.jpg',
      'filename_that_is_45_chars_long.jpg..json',
      'supplemental',
    ],
    ['skytree (2).jpg', 'skytree (2).jpg.supplemental-metadata.json', 'supplemental'],
    ['skytree (2).jpg', 'skytree.jpg.supplemental-metadata(2).json', 'numbered'],
    ['IMG_1159.HEIC', 'IMG_1159.HEIC.supplemental-metadata.json', 'supplemental'],
    ['100-0016_IMG_2_2.JPG', '100-0016_IMG_2_2.JPG.supplemental-metadata.json', 'supplemental'],
    ['100-0016_IMG_2_2.JPG', '100-0016_IMG_2_2.JPG.supplemental-m.json', 'supplemental'],
  ]);
  // GPTH#46: files reported without a sidecar stay without one.
  const pups = names(
    block('https://github.com/TheLastGimbus/GooglePhotosTakeoutHelper/issues/46'),
    /\/Takeout\/(Google Photos\/The Pups\/\S+)$/gm,
  );
  const lonely = Object.fromEntries(
    pups.map((p) => [`Takeout/${p}`, 'reported without a sidecar (GPTH#46)']),
  );
  checkListing(
    pups.map((p) => ({ path: `Takeout/${p}`, part: null, section: '' })),
    { lonely },
  );
  checked += pups.length;
  // Non-sidecar JSON files: never given to the matcher as sidecars.
  const other =
    block('https://github.com/andyjohnson0/TakeoutExtractor/issues/21')
      .split('\n')[1]
      ?.split(', ') ?? [];
  assert.deepEqual(
    other.map((n) => isAlbumJsonName(n) || NON_SIDECAR_JSON.has(n)),
    [true, true, true, true],
  );
  assert.equal(classifyPath('Takeout/Google Photos/Bin/a.jpg')?.folderKind, 'trash');
  for (const name of names(block('Part/archive names'), /^(takeout-\S+)/gm)) {
    assert.equal(parsePartName(name) === null, !/\.(zip|tgz)$/.test(name), name);
  }
  return checked;
}

/** KNOWN-UNUSABLE parts of listings, by listing: what cannot be checked, and why. */
const UNUSABLE: Record<string, Array<[excerpt: string, reason: string]>> = {
  'small-issue-snippets.misc.lst': [
    [
      '"LIVE_PHOTO.MP4.metadata.json"',
      'NOT verified (the README says so); a `.metadata.json` suffix is seen nowhere else',
    ],
  ],
};

/** One of immich-go's fixture sets, as the folders it lays out, with the titles it states. */
function fixtureSet(
  name: string,
  files: Array<{ path: string; title: string | null; album: boolean }>,
): number {
  const entries = files.map((f) => ({ path: f.path, part: null, section: name }));
  const titles = new Map(
    files.flatMap((f) => (f.title && !f.album ? [[f.path, f.title] as const] : [])),
  );
  const albums = new Set(files.filter((f) => f.album).map((f) => f.path));
  const rules: Record<string, Parameters<typeof checkListing>[1]> = {
    imagesEditedJSON: {
      lonely: {
        'Photos from 2023/PXL_20220405_090200110.PORTRAIT-modifié.jpg':
          'an edited copy whose original the fixture left out',
      },
      expect: {
        'Photos from 2023/PXL_20220405_090123740.PORTRAIT-modifié.jpg': [
          'PXL_20220405_090123740.PORTRAIT.jpg.json',
          'edited',
          'PXL_20220405_090123740.PORTRAIT.jpg',
        ],
      },
    },
    titlesWithForbiddenChars: {
      expect: { 'Photos from 2012/27_06_12 - 2.jpg': ['27_06_12 - 2.json', 'no-extension'] },
    },
    namesIssue39: {
      expect: {
        'Album/Backyard_ceremony_wedding_photography_xxxxxxx_m.jpg': [
          'Backyard_ceremony_wedding_photography_xxxxxxx_.json',
          'truncated',
        ],
        'Album/Backyard_ceremony_wedding_photography_xxxxxxx_m(1).jpg': [
          'Backyard_ceremony_wedding_photography_xxxxxxx_(1).json',
          'truncated',
        ],
        'Album/Backyard_ceremony_wedding_photography_xxxxxxx_m(494).jpg': [
          'Backyard_ceremony_wedding_photography_xxxxxxx_(494).json',
          'truncated',
        ],
      },
    },
    issue68MPFiles: {
      expect: {
        'Photos from 2022/PXL_20221228_185930354.MP': [
          'PXL_20221228_185930354.MP.jpg.json',
          'companion',
          'PXL_20221228_185930354.MP.jpg',
        ],
      },
    },
    issue68ForgottenDuplicates: {
      shared: {
        'Photos from 2022/original_1d4caa6f-16c6-4c3d-901b-9387de10e528_.json':
          'immich-go#68: one sidecar for _P.jpg and _P(1).jpg',
      },
    },
    issue390WrongCount: {
      orphans: {
        'Takeout/Google Photos/Photos from 2021/image000000.jpg(1).json':
          'immich-go#390: a second sidecar whose media is absent',
      },
      expect: {
        'Takeout/Google Photos/Photos from 2021/image000000.gif': ['image000000.gif.json', 'exact'],
      },
    },
  };
  return checkListing(entries, { titles, albums, ...rules[name] }).paired;
}

test('every listing has a spec, and every spec a listing', async () => {
  assert.deepEqual(await listingNames(), Object.keys(SPECS).sort());
});

for (const name of Object.keys(SPECS).sort()) {
  test(`listing ${name}`, async (t) => {
    const text = await readListing(name);
    const checked = SPECS[name]?.(text) ?? 0;
    assert.ok(checked > 0, `${name}: nothing checked`);
    for (const [excerpt, reason] of UNUSABLE[name] ?? []) {
      assert.ok(text.includes(excerpt), `known-unusable excerpt gone from ${name}: ${excerpt}`);
      t.diagnostic(`not checked: ${excerpt}: ${reason}`);
    }
    t.diagnostic(`${checked} pairs checked`);
  });
}
