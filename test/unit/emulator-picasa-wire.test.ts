// The emulator's Picasa feeds against the captured samples (../shared/api-samples/picasa-*):
// same namespaces (URIs and prefixes) on the root, same element names on the feed, album entries
// and photo entries, same link relations, in both the v1 (no GData-Version) and v2 shapes.
// Parsed by xml2js with default options (prefixes kept), through real HTTP.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LibraryBuilder } from '../fakes/google/library.ts';
import type { Library } from '../fakes/google/library.ts';
import {
  accessToken,
  child,
  getFeed,
  kids,
  linkHref,
  parseFeed,
} from '../fakes/google/picasa-fetch.ts';
import type { XmlElement } from '../fakes/google/picasa-fetch.ts';
import { PICASA_USER } from '../fakes/google/picasa-urls.ts';
import { startEmulator } from '../fakes/google/server.ts';
import type { Emulator } from '../fakes/google/server.ts';
import { SAMPLES_DIR } from '../helpers/google.ts';

/** The body of a sample: a .xml file, or the `n`-th response of a .http transcript. */
function sampleBody(name: string, n = 0): string {
  const text = readFileSync(path.join(SAMPLES_DIR, name), 'utf8');
  if (!name.endsWith('.http')) return text;
  const response = text.split('### RESPONSE\n')[n + 1]!;
  return response.slice(response.indexOf('\n\n') + 2).split('\n### REQUEST')[0]!;
}

const sample = (name: string, n = 0): Promise<XmlElement> => parseFeed(sampleBody(name, n));

/** The namespace declarations of a root element. */
function namespaces(e: XmlElement): Record<string, string> {
  return Object.fromEntries(Object.entries(e.$ ?? {}).filter(([k]) => k.startsWith('xmlns')));
}

/** Child element names (sorted), without `$`, `entry` and `omit`. */
function names(e: XmlElement, ...omit: string[]): string[] {
  return Object.keys(e)
    .filter((k) => k !== '$' && k !== 'entry' && !omit.includes(k))
    .sort();
}

function rels(e: XmlElement): string[] {
  return kids(e, 'link').map((l) => l.$!.rel!);
}

function entries(feed: XmlElement): XmlElement[] {
  return kids(feed, 'entry');
}

function entryTitled(feed: XmlElement, title: string): XmlElement {
  const e = entries(feed).find((x) => child(x, 'title') === title);
  assert.ok(e, `no entry titled ${title}`);
  return e;
}

function group(e: XmlElement): XmlElement {
  return kids(e, 'media:group')[0]!;
}

describe('Picasa feeds match the captured samples', () => {
  let emu: Emulator;
  let lib: Library;
  let token: string;
  const ids = { normal: '', trip: '', iu: '' };

  before(async () => {
    const b = new LibraryBuilder();
    const gp = b.folder('Google Photos');
    const photo = b.photo('IMG_20151101_112741.jpg', gp, { takenTime: '2015:11:01 11:27:41' });
    const geo = b.photo('IMG_2034.JPG', gp, { takenTime: '2014:07:24 19:48:05' });
    const video = b.video('VID_20140728_141919.mp4', gp, {
      createdTime: '2014-07-28T21:20:04.000Z',
    });
    ids.normal = b.album({ title: '2015-11', date: '2015-11-01T21:34:08Z', members: [photo] });
    ids.trip = b.album({
      title: 'Biking with Blake',
      date: '2014-07-22T07:00:00Z',
      members: [geo, video],
    });
    ids.iu = b.album({
      title: 'Auto Backup',
      date: '2016-01-09T10:28:53Z',
      type: 'InstantUpload',
      members: [photo],
    });
    b.album({ title: 'Empty', date: '2013-07-30T14:06:54Z', members: [] });
    lib = b.build();
    lib.files.get(geo)!.imageMediaMetadata!.location = {
      latitude: 37.6955972,
      longitude: -122.4339361,
    };
    emu = await startEmulator({ library: lib });
    token = await accessToken(emu);
  });
  after(() => emu.close());

  const feed = async (p: string, v2 = false): Promise<XmlElement> => {
    const res = await getFeed(emu, token, p, { v2 });
    assert.equal(res.status, 200, res.body);
    return parseFeed(res.body);
  };

  it('v1 user feed: root, feed elements and album entries as perkeep', async () => {
    const got = await feed('user/default');
    const want = await sample('picasa-v1-user-feed-albums.perkeep.xml');
    assert.deepEqual(namespaces(got), namespaces(want));
    assert.deepEqual(names(got), names(want));
    const [wantIu, wantNormal, wantBuzz] = entries(want) as [XmlElement, XmlElement, XmlElement];
    const iu = entryTitled(got, 'Auto Backup');
    const normal = entryTitled(got, '2015-11');
    assert.deepEqual(names(iu), names(wantIu));
    assert.deepEqual(names(normal), names(wantNormal));
    assert.deepEqual(names(normal).concat('gphoto:albumType').sort(), names(wantBuzz));
    assert.deepEqual(rels(iu), rels(wantIu));
    assert.deepEqual(rels(normal), rels(wantNormal));
    assert.deepEqual(names(group(normal)), names(group(wantNormal)));
    assert.deepEqual(rels(got), rels(want));
    // v1 text constructs carry type="text"; ids keep /api/.
    assert.deepEqual(normal.title, [{ _: '2015-11', $: { type: 'text' } }]);
    assert.deepEqual(got.title, [{ _: PICASA_USER.id, $: { type: 'text' } }]);
    assert.match(child(normal, 'id'), /\/data\/entry\/api\/user\/\d+\/albumid\/\d+$/);
    assert.equal(child(got, 'id'), `${emu.picasaUrl}user/default`);
    assert.equal(child(iu, 'gphoto:albumType'), 'InstantUpload');
    assert.equal(child(iu, 'gphoto:name'), 'InstantUpload');
    assert.equal(child(normal, 'gphoto:name'), '201511');
    assert.equal(child(normal, 'gphoto:id'), ids.normal);
    assert.equal(child(normal, 'gphoto:timestamp'), String(Date.parse('2015-11-01T21:34:08Z')));
    assert.equal(child(normal, 'gphoto:numphotos'), '1');
    assert.equal(child(got, 'openSearch:totalResults'), '4');
    assert.equal(
      kids(normal, 'category')[0]!.$!.term,
      'http://schemas.google.com/photos/2007#album',
    );
    assert.equal(
      linkHref(normal, 'http://schemas.google.com/g/2005#feed'),
      `${emu.picasaUrl}user/${PICASA_USER.id}/albumid/${ids.normal}`,
    );
  });

  it('v2 user feed: headers, root, gd:etag and bare titles as libgdata', async () => {
    const res = await getFeed(emu, token, 'user/default', { v2: true });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/atom+xml; charset=UTF-8; type=feed');
    assert.equal(res.headers.get('gdata-version'), '2.0');
    const got = await parseFeed(res.body);
    const want = await sample('picasa-v2-user-feed-albums.libgdata.xml');
    assert.equal(res.headers.get('etag'), got.$!['gd:etag']);
    assert.match(res.headers.get('etag')!, /^W\/".+"$/);
    assert.deepEqual(namespaces(got), namespaces(want));
    assert.deepEqual(Object.keys(got.$!).sort(), Object.keys(want.$!).sort());
    assert.deepEqual(names(got), names(want));
    const normal = entryTitled(got, '2015-11');
    const wantEntry = entries(want)[0]!;
    assert.deepEqual(names(normal), names(wantEntry));
    assert.deepEqual(rels(normal), rels(wantEntry));
    assert.deepEqual(Object.keys(normal.$!), ['gd:etag']);
    assert.deepEqual(normal.title, ['2015-11']);
    assert.deepEqual(got.title, [PICASA_USER.id]);
    assert.equal(child(normal, 'app:edited'), child(normal, 'updated'));
    assert.match(child(normal, 'id'), /\/data\/entry\/user\/\d+\/albumid\/\d+$/);
    assert.match(linkHref(normal, 'self')!, /\/data\/entry\/api\/user\//);
    assert.equal(child(got, 'id'), `${emu.url}data/feed/user/${PICASA_USER.id}`);
  });

  it('v2 answers 304 to If-None-Match with the current ETag; v1 has no ETag', async () => {
    const first = await getFeed(emu, token, 'user/default', { v2: true });
    const etag = first.headers.get('etag')!;
    const again = await getFeed(emu, token, 'user/default', {
      v2: true,
      headers: { 'If-None-Match': etag },
    });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    const v1 = await getFeed(emu, token, 'user/default');
    assert.equal(v1.headers.get('etag'), null);
    assert.equal(v1.headers.get('gdata-version'), null);
  });

  it('v1 album feed (imgmax=d): root, feed level and photo entry as perkeep', async () => {
    const got = await feed(`user/default/albumid/${ids.normal}?imgmax=d`);
    const want = await sample('picasa-v1-album-feed-imgmax-d.perkeep.xml');
    assert.deepEqual(namespaces(got), namespaces(want));
    assert.deepEqual(names(got), names(want));
    assert.deepEqual(rels(got), rels(want));
    const photo = entries(got)[0]!;
    const wantPhoto = entries(want)[0]!;
    assert.deepEqual(names(photo), names(wantPhoto));
    assert.deepEqual(rels(photo), rels(wantPhoto));
    assert.deepEqual(names(kids(photo, 'exif:tags')[0]!), names(kids(wantPhoto, 'exif:tags')[0]!));
    assert.deepEqual(names(group(photo)), names(group(wantPhoto)));
    assert.equal(kids(group(photo), 'media:thumbnail').length, 3);
    assert.deepEqual(photo.title, [{ _: 'IMG_20151101_112741.jpg', $: { type: 'text' } }]);
    assert.equal(child(photo, 'gphoto:albumid'), ids.normal);
    assert.equal(child(photo, 'gphoto:position'), '1.0');
    assert.equal(child(got, 'id'), `${emu.picasaUrl}user/default/albumid/${ids.normal}`);
    assert.match(
      child(photo, 'id'),
      new RegExp(`/data/entry/api/user/${PICASA_USER.id}/albumid/${ids.normal}/photoid/\\d+$`),
    );
  });

  it('v1 album feed with a video and a location: root and entries as picago', async () => {
    const got = await feed(`user/default/albumid/${ids.trip}?imgmax=d`);
    const want = await sample('picasa-v1-album-feed-with-video.picago.xml');
    assert.deepEqual(namespaces(got), namespaces(want));
    const [, , wantGeo, wantVideo] = entries(want) as XmlElement[];
    const geo = entryTitled(got, 'IMG_2034.JPG');
    const video = entryTitled(got, 'VID_20140728_141919.mp4');
    assert.deepEqual(names(geo), names(wantGeo!));
    assert.deepEqual(kids(geo, 'georss:where')[0], {
      'gml:Point': [{ 'gml:pos': ['37.6955972 -122.4339361'] }],
    });
    // The emulated video has no location; everything else as the sample's video entry.
    assert.deepEqual(names(video), names(wantVideo!, 'georss:where'));
    assert.deepEqual(
      Object.keys(kids(video, 'gphoto:originalvideo')[0]!.$!).sort(),
      Object.keys(kids(wantVideo!, 'gphoto:originalvideo')[0]!.$!).sort(),
    );
    const contents = kids(group(video), 'media:content').map((c) => c.$!);
    const wantContents = kids(group(wantVideo!), 'media:content').map((c) => c.$!);
    assert.deepEqual(
      contents.map((c) => [c.type, c.medium]),
      wantContents.map((c) => [c.type, c.medium]),
    );
    assert.deepEqual(Object.keys(contents[0]!).sort(), Object.keys(wantContents[0]!).sort());
    assert.equal(kids(video, 'content')[0]!.$!.type, 'image/gif');
    assert.equal(kids(video, 'content')[0]!.$!.src, contents[0]!.url);
    assert.equal(child(video, 'gphoto:videostatus'), 'final');
  });

  it('v2 album feed: root, feed level and photo entry as libgdata (no v1 photo extras)', async () => {
    const got = await feed(`user/default/albumid/${ids.normal}`, true);
    const want = await sample('picasa-v2-album-feed-photos.libgdata.xml');
    assert.deepEqual(namespaces(got), namespaces(want));
    assert.deepEqual(names(got), names(want));
    assert.deepEqual(rels(got), rels(want));
    const photo = entries(got)[0]!;
    const wantPhoto = entries(want)[0]!;
    assert.deepEqual(names(photo), names(wantPhoto));
    assert.deepEqual(rels(photo), rels(wantPhoto));
    assert.deepEqual(names(group(photo)), names(group(wantPhoto)));
    for (const gone of ['gphoto:version', 'gphoto:position', 'gphoto:client']) {
      assert.equal(photo[gone], undefined, gone);
    }
    assert.deepEqual(photo.title, ['IMG_20151101_112741.jpg']);
    assert.match(child(photo, 'id'), /\/data\/entry\/user\/\d+\/albumid\/\d+\/photoid\/\d+$/);
    assert.equal(got.$!['xmlns:openSearch'], 'http://a9.com/-/spec/opensearch/1.1/');
  });

  it('past the end: 200, no entries, rel=previous only, root as the perkeep empty pages', async () => {
    const users = await feed('user/default?start-index=5');
    const wantUsers = await sample('picasa-v1-user-feed-past-end-empty.perkeep.xml');
    assert.deepEqual(namespaces(users), namespaces(wantUsers));
    assert.deepEqual(names(users), names(wantUsers));
    assert.deepEqual(rels(users), rels(wantUsers));
    assert.equal(users.entry, undefined);
    assert.equal(child(users, 'openSearch:startIndex'), '5');

    const photos = await feed(`user/default/albumid/${ids.normal}?imgmax=d&start-index=2`);
    const wantPhotos = await sample('picasa-v1-album-feed-past-end-empty.perkeep.xml');
    assert.deepEqual(namespaces(photos), namespaces(wantPhotos));
    assert.deepEqual(names(photos), names(wantPhotos));
    assert.deepEqual(rels(photos), rels(wantPhotos));
    assert.equal(photos.entry, undefined);
    assert.equal(child(photos, 'openSearch:totalResults'), '1');
  });

  it('v2 paging links as the libgdata paging trace', async () => {
    for (const [n, q] of [
      [0, 'start-index=1&max-results=1'],
      [1, 'start-index=2&max-results=1'],
      [2, 'start-index=1&max-results=3'],
    ] as const) {
      const got = await feed(`user/default?${q}`, true);
      const want = await sample(
        'picasa-v2-user-feed-paging-start-index-max-results.libgdata.http',
        n,
      );
      assert.deepEqual(rels(got), rels(want), q);
      assert.deepEqual(names(got), names(want), q);
      const start = Number(new URLSearchParams(q).get('start-index'));
      const max = Number(new URLSearchParams(q).get('max-results'));
      assert.equal(child(got, 'openSearch:itemsPerPage'), String(max));
      assert.equal(entries(got).length, Math.min(max, 4 - start + 1));
      assert.equal(
        linkHref(got, 'self'),
        `${emu.picasaUrl}user/${PICASA_USER.id}?start-index=${start}&max-results=${max}`,
      );
    }
  });
});
