// parseTakeoutJson against every file in ../shared/takeout-samples/sidecars/ (partial/ too): each
// one's parsed values are asserted, and a file added to the samples without a case here fails.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parseTakeoutJson } from '../../src/remote/takeout/sidecar.ts';
import type { AlbumFacts, SidecarFacts, TakeoutJson } from '../../src/remote/takeout/types.ts';

const sidecars = new URL('../../../shared/takeout-samples/sidecars/', import.meta.url);

const at = (seconds: number): Date => new Date(seconds * 1000);

/** A media sidecar's facts: the fields every sample sets the same way, overridden per sample. */
function media(facts: Partial<SidecarFacts>): TakeoutJson {
  return {
    kind: 'media',
    facts: {
      title: '',
      description: '',
      takenTime: null,
      createdTime: null,
      modifiedTime: null,
      geo: null,
      people: [],
      favorited: false,
      archived: false,
      trashed: false,
      url: null,
      origin: null,
      deviceType: null,
      deviceFolder: null,
      appSource: null,
      ...facts,
    },
  };
}

function album(facts: Partial<AlbumFacts>): TakeoutJson {
  return {
    kind: 'album',
    facts: { title: '', description: '', date: null, access: null, ...facts },
  };
}

const eiffel = { latitude: 48.8583736, longitude: 2.291901, altitude: 82.09 };
const android = { origin: 'mobileUpload', deviceType: 'ANDROID_PHONE' };
const gopher = {
  title: 'PinClipart.com_gopher-clipart_4000224.jpg',
  takenTime: at(1741885510),
  createdTime: at(1741885510),
  url: 'https://photos.google.com/photo/AF1QipMjB5UVZ4V257bEr9MUafTu-bZEyk7WKmQs3TV_',
  ...android,
};
const hdr = {
  title: 'IMG_20170803_115431469_HDR.jpg',
  takenTime: at(1501754071),
  createdTime: at(1502439626),
};

/** Expected results of the whole files in sidecars/, by file name. */
const WHOLE: Record<string, TakeoutJson> = {
  'blog-exiftool-hugo.0100E30E-AA4F-4D02-A1E8-727A4107063D.mov.json': media({
    title: '0100E30E-AA4F-4D02-A1E8-727A4107063D.mov',
    takenTime: at(1667502010),
    createdTime: at(1670266930),
    modifiedTime: at(1670267176),
    people: ['Marietta'],
    origin: 'fromPartnerSharing',
  }),
  'gphotos-321sync-doc.Chair-yoga.metadata.json': album({
    title: 'Chair yoga',
    date: at(1672477816),
    access: 'protected',
  }),
  'gtakeout.IMG-20161219-WA0000.jpg.supplemental-metadata.json': media({
    title: 'IMG-20161219-WA0000.jpg',
    takenTime: at(1511480066),
    createdTime: at(1512106248),
    archived: true,
    url: 'https://photos.google.com/photo/AF1QipPL0O42TROXu1tzJwVZBaDNzfbVvftmOIKSloX6',
    ...android,
    deviceFolder: 'WhatsApp Images',
    appSource: 'com.whatsapp',
  }),
  'immich-go.Takeout1.Album-test-6-10-23.métadonnées.json': album({
    title: 'Album test 6/10/23',
    date: at(1697872351),
    access: 'protected',
  }),
  'immich-go.Takeout1.PXL_20231006_063000139.jpg.json': media({
    title: 'PXL_20231006_063000139.jpg',
    takenTime: at(1696573800),
    createdTime: at(1697872351),
    geo: eiffel,
    url: 'https://photos.google.com/photo/--redacted--',
    ...android,
  }),
  'immich-go.Takeout1.PXL_20231006_063909898.LS.mp4.json': media({
    title: 'TST_20231006_063909898.LS.mp4',
    takenTime: at(1696574349),
    createdTime: at(1697872351),
    geo: { ...eiffel, altitude: 0 },
    url: 'https://photos.google.com/photo/--redacted--',
    ...android,
  }),
  'immich-go.Takeout2.Sans-titre(9).métadonnées.json': album({
    date: at(1697872351),
    access: 'protected',
  }),
  // Hand-edited: deviceType sits beside fromPartnerSharing, not in a mobileUpload.
  'immich-go.Takeout3.DSC_0238.JPG(1).json': media({
    title: 'DSC_0238.JPG',
    takenTime: at(1696573800),
    createdTime: at(1697872351),
    geo: eiffel,
    url: 'https://photos.google.com/photo/--redacted--',
    origin: 'fromPartnerSharing',
  }),
  'immich-go.e2e.Archived.PinClipart.com_gopher-clipart_4000224.jpg.supplemental-metadata.json':
    media({ ...gopher, archived: true }),
  'immich-go.e2e.Issue932.album.metadata.json': album({
    title: 'Album',
    date: at(1697872351),
    access: 'protected',
  }),
  'immich-go.e2e.Uploads.PXL_20231006_063000139~2.json': media({
    title: 'PXL_20231006_063000139~2.jpg',
    takenTime: at(1696573800),
    createdTime: at(1697872351),
    geo: eiffel,
    url: 'https://photos.google.com/photo/--redacted--',
    ...android,
  }),
  'immich-go.e2e.gophers.PinClipart.com_gopher-clipart_4000224.jpg.supplemental-metadata.json':
    media(gopher),
  // timestamp "0": no date; access "" is kept.
  'immich-go.e2e.gophers.metadata.json': album({ title: "Gopher's gallery", access: '' }),
  'immich-go.json_test.album-2025-enrichments-sharedAlbumComments.json': album({
    title: 'Album Title',
  }),
  'immich-go.json_test.album-2025-title-only.json': album({ title: 'basement finishing' }),
  'immich-go.json_test.album-enrichments-narrative-location.Album-test-6-10-23.json': album({
    title: 'Album test 6/10/23',
    date: at(1697872351),
    access: 'protected',
  }),
  'immich-go.json_test.bulgarian-album-title-only.json': album({ title: 'Фокус върху един ден' }),
  'immich-go.json_test.new_takeout_asset.IMG_20170803_115431469_HDR.jpg.json': media({
    ...hdr,
    geo: { latitude: 54.5170861, longitude: 18.5417164, altitude: 0 },
    url: 'https://photos.google.com/photo/AF1QipNp7f29ZWPIDWAPMXJcNB2z7EMAGXWeTT066p9H',
    ...android,
  }),
  'immich-go.json_test.old_takeout_album.albumData-wrapper.json': album({
    title: 'Trip to Gdańsk',
    date: at(1502439626),
    access: 'protected',
  }),
  'immich-go.json_test.old_takeout_photo.IMG_20170803_115431469_HDR.jpg.json': media({
    ...hdr,
    modifiedTime: at(1585318092),
    geo: { latitude: 54.51708608333333, longitude: 18.54171638888889, altitude: 0 },
  }),
  'immich-go.json_test.partner.IMG_1559.HEIC.json': media({
    title: 'IMG_1559.HEIC',
    takenTime: at(1687791968),
    createdTime: at(1687792236),
    url: 'https://photos.google.com/photo/AF1QipMiih4bHng7H2JcBe32Z70f86FWJxz3WwLjhc75',
    origin: 'fromPartnerSharing',
  }),
  'immich-go.json_test.print_order.json': { kind: 'other' },
  'immich-go.json_test.regularJSON-favorited.json': media({
    title: 'title',
    takenTime: at(1695394176),
    createdTime: at(1695397525),
    geo: { latitude: 48.7981917, longitude: 2.4866832999999997, altitude: 90.25 },
    favorited: true,
    url: 'https://photos.google.com/photo/AAMKMAKZMAZMKAZMKZMAK',
    ...android,
  }),
  'immich-go.json_test.with-people.IMG_0186.HEIC.json': media({
    title: 'IMG_0186.HEIC',
    takenTime: at(1686305987),
    createdTime: at(1695554428),
    people: ['Susan', 'Justin'],
    url: 'https://photos.google.com/photo/AAAAAA',
    origin: 'mobileUpload',
    deviceType: 'IOS_PHONE',
  }),
};

/** Redacted by its author (`46.62...`): not JSON. */
const INVALID = 'blog-musikele.IMG_0349.JPG.json.REDACTED-invalid';

/** The partial excerpts, without their `#` header lines. */
async function excerpt(name: string): Promise<string> {
  const text = await readFile(new URL(`partial/${name}`, sidecars), 'utf8');
  return text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');
}

test('every file in sidecars/ has a case here', async () => {
  const names = (await readdir(sidecars, { withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => d.name)
    .sort();
  assert.deepEqual(names, [...Object.keys(WHOLE), INVALID].sort());
  const partial = (await readdir(new URL('partial/', sidecars))).sort();
  assert.deepEqual(partial, Object.keys(PARTIAL).sort());
});

test('whole samples parse to the facts they state', async () => {
  for (const [name, expected] of Object.entries(WHOLE)) {
    const parsed = parseTakeoutJson(await readFile(new URL(name, sidecars), 'utf8'));
    assert.deepEqual(parsed, expected, name);
  }
});

test('the redacted sample is invalid, with the parser message', async () => {
  const parsed = parseTakeoutJson(await readFile(new URL(INVALID, sidecars), 'utf8'));
  assert.equal(parsed.kind, 'invalid');
  assert.match(parsed.kind === 'invalid' ? parsed.error : '', /JSON|Unexpected|Expected/);
});

/**
 * Each excerpt is cut or broken as its header says: invalid as it stands. Completed by the
 * smallest repair its header describes, it gives the values it shows.
 */
const PARTIAL: Record<string, (text: string) => void> = {
  'issue-immich-go-1124.IMG_20160612_112853.jpg.json.partial.txt': (text) => {
    // 2016/17 item format: no photoTakenTime, but `title` with `tags`, `people`, `url`: media.
    const parsed = parseTakeoutJson(`${text.trimEnd()}"}`);
    assert.equal(parsed.kind, 'media');
    assert.equal(parsed.kind === 'media' && parsed.facts.title, 'IMG_20160612_112853.jpg');
    assert.equal(parsed.kind === 'media' && parsed.facts.takenTime, null);
    assert.match(parsed.kind === 'media' ? (parsed.facts.url ?? '') : '', /^https:\/\/lh3\./);
  },
  'issue-immich-go-713.IMG_0186.HEIC.people.json.as-pasted.txt': (text) => {
    const fixed = text.replace('"url": "https://photos.google.com/photo/xxxxx"', '$&,');
    const parsed = parseTakeoutJson(fixed);
    assert.equal(parsed.kind, 'media');
    assert.deepEqual(parsed.kind === 'media' && parsed.facts.people, ['Susan', 'Justin']);
    assert.equal(parsed.kind === 'media' && parsed.facts.deviceType, 'IOS_PHONE');
  },
  'issue-immich-go-880.geoData-fragment.json.partial.txt': (text) => {
    // geoData has altitude -0.0, geoDataExif 0.0: geoDataExif wins.
    const fixed = `{"title": "x.jpg", "photoTakenTime": {"timestamp": "1"}, ${text.trim().replace(/,$/, '')}}`;
    const parsed = parseTakeoutJson(fixed);
    assert.deepEqual(parsed.kind === 'media' && parsed.facts.geo, {
      latitude: 35.012184,
      longitude: -82.5663982,
      altitude: 0,
    });
  },
  'issue-mshablovskyy-gtp-4.IMG_20151103_175641.jpg.json.partial.txt': (text) => {
    const parsed = parseTakeoutJson(`${text.trimEnd()}}}}`);
    assert.deepEqual(
      parsed,
      media({
        title: 'IMG_20151103_175641.jpg',
        takenTime: at(1446569801),
        createdTime: at(1459184980),
        url: 'https://photos.google.com/photo/AF1QipPLzTH7eV2wJZJj_mfs5syZhMu_iunAqyFblEfB',
        ...android,
      }),
    );
  },
  'issue-open-noodle-gallery-404.IMG_3397.JPG.supplemental-metadata.json.partial.txt': (text) => {
    // geoDataExif (EXIF) is preferred over the user-editable geoData.
    const parsed = parseTakeoutJson(`${text.trim().replace(/,$/, '')}}`);
    assert.deepEqual(
      parsed,
      media({
        title: 'IMG_3397.JPG',
        takenTime: at(1258375918),
        createdTime: at(1258549448),
        geo: { latitude: 30.6578197, longitude: 104.0738983, altitude: 486.2175925925926 },
      }),
    );
  },
};

test('partial excerpts: invalid as cut, and their values once completed', async () => {
  for (const [name, check] of Object.entries(PARTIAL)) {
    const text = await excerpt(name);
    assert.equal(parseTakeoutJson(text).kind, 'invalid', name);
    check(text);
  }
});

test('timestamps: "0", empty and garbage are unknown; formatted is never read', () => {
  const facts = (json: object): SidecarFacts | null => {
    const parsed = parseTakeoutJson(JSON.stringify({ title: 'a.jpg', ...json }));
    return parsed.kind === 'media' ? parsed.facts : null;
  };
  const only = (formatted: string, timestamp?: string) => ({
    photoTakenTime: { formatted, ...(timestamp === undefined ? {} : { timestamp }) },
  });
  assert.equal(facts(only('Dec 5, 2022, 7:02:10 PM UTC', '0'))?.takenTime, null);
  assert.equal(facts(only('Dec 5, 2022, 7:02:10 PM UTC'))?.takenTime, null);
  assert.equal(facts(only('x', ''))?.takenTime, null);
  assert.equal(facts(only('x', '-5'))?.takenTime, null);
  assert.equal(facts(only('x', '1e9'))?.takenTime, null);
  assert.deepEqual(facts(only('x', '1670266930'))?.takenTime, at(1670266930));
  assert.deepEqual(facts({ photoTakenTime: { timestamp: 1670266930 } })?.takenTime, at(1670266930));
});

test('geo: geoDataExif unless 0,0, then geoData; both 0,0 is none', () => {
  const geoOf = (json: object) => {
    const parsed = parseTakeoutJson(JSON.stringify({ title: 'a', photoTakenTime: {}, ...json }));
    return parsed.kind === 'media' ? parsed.facts.geo : undefined;
  };
  const place = (latitude: number, longitude: number, altitude = 1) => ({
    latitude,
    longitude,
    altitude,
  });
  assert.deepEqual(geoOf({ geoData: place(1, 2), geoDataExif: place(3, 4) }), place(3, 4));
  assert.deepEqual(geoOf({ geoData: place(1, 2), geoDataExif: place(0, 0) }), place(1, 2));
  assert.deepEqual(geoOf({ geoData: place(1, 2) }), place(1, 2));
  assert.equal(geoOf({ geoData: place(-0, 0), geoDataExif: place(0, -0) }), null);
  assert.deepEqual(geoOf({ geoData: { latitude: 5, longitude: 6 } }), {
    latitude: 5,
    longitude: 6,
    altitude: null,
  });
});

test('classification by content: album, other, invalid, media flags', () => {
  assert.deepEqual(parseTakeoutJson('{"title": ""}'), album({}));
  assert.deepEqual(parseTakeoutJson('[]'), { kind: 'other' });
  assert.deepEqual(parseTakeoutJson('"text"'), { kind: 'other' });
  assert.deepEqual(
    parseTakeoutJson('{"albumData": {"title": "A", "date": {"timestamp": "0"}}}'),
    album({ title: 'A' }),
  );
  assert.equal(parseTakeoutJson('').kind, 'invalid');
  const flags = parseTakeoutJson(
    '{"title": "a.jpg", "photoTakenTime": {"timestamp": "1"}, "trashed": true, "favorited": false, "googlePhotosOrigin": {"composition": {"type": "AUTO"}}}',
  );
  assert.equal(flags.kind === 'media' && flags.facts.trashed, true);
  assert.equal(flags.kind === 'media' && flags.facts.favorited, false);
  assert.equal(flags.kind === 'media' && flags.facts.origin, 'composition');
  const future = parseTakeoutJson(
    '{"title": "a", "url": "u", "googlePhotosOrigin": {"note": "x", "fromSomewhereNew": {}}}',
  );
  assert.equal(future.kind === 'media' && future.facts.origin, 'fromSomewhereNew');
});

test('a NUL in any string (`\\u0000`) becomes U+FFFD: Postgres cannot store it', () => {
  const text =
    '{"title": "a\\u0000b.jpg", "description": "x\\u0000", "photoTakenTime": {"timestamp": "1"}, "people": [{"name": "\\u0000Ann"}]}';
  const j = parseTakeoutJson(text);
  assert.equal(j.kind, 'media');
  assert.equal(j.kind === 'media' && j.facts.title, 'a\ufffdb.jpg');
  assert.equal(j.kind === 'media' && j.facts.description, 'x\ufffd');
  assert.deepEqual(j.kind === 'media' && j.facts.people, ['\ufffdAnn']);
  // What the index is sent (recordEntries: JSON into jsonb, which refuses `\u0000`).
  assert.ok(!JSON.stringify(j).includes('\\u0000'));
  // A backslash written before `u0000` is text, not a NUL: kept.
  const literal = parseTakeoutJson(
    '{"title": "\\\\u0000.jpg", "photoTakenTime": {"timestamp": "1"}}',
  );
  assert.equal(literal.kind === 'media' && literal.facts.title, '\\u0000.jpg');
});
