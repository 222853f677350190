// The Picasa feed parser against every captured Picasa payload in ../shared/api-samples/:
// v1 (no GData-Version) and v2 shapes of the user and album feeds, a video entry, tag entries,
// past-the-end pages, the paging transcript, and answers that are not a feed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RemoteError } from '../../src/remote/errors.ts';
import { classifyGoogleError } from '../../src/remote/google-errors.ts';
import { parseAlbumFeed, parseUserFeed } from '../../src/remote/picasa/wire.ts';
import { SAMPLES_DIR } from '../helpers/google.ts';

const xmlSample = (name: string): string => readFileSync(path.join(SAMPLES_DIR, name), 'utf8');

/** The response bodies of an `.http` transcript (`### RESPONSE`, headers, blank line, body). */
function httpBodies(name: string): string[] {
  const text = xmlSample(name);
  return text
    .split('### RESPONSE')
    .slice(1)
    .map((part) => {
      const body = part.slice(part.search(/\r?\n\r?\n/)).trim();
      return body.split('### REQUEST')[0]!.trim();
    });
}

async function malformedMessage(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof RemoteError, String(err));
    assert.equal(err.reason, 'malformed');
    assert.equal((err as { code?: string }).code, 'malformed');
    // The pacer retries it, as any answer that is not what was asked for.
    assert.equal(classifyGoogleError(err).action, 'retry');
    return err.message;
  }
  assert.fail('expected a malformed error');
}

const iso = (d: Date) => d.toISOString();

describe('Picasa user feed (albums)', () => {
  it('v1: albums with titles of type text, album types and numphotos', async () => {
    const page = await parseUserFeed(xmlSample('picasa-v1-user-feed-albums.perkeep.xml'));
    assert.equal(page.entries, 3);
    assert.deepEqual(page.rejected, []);
    assert.deepEqual(page.values, [
      {
        id: '1000000455272364',
        title: 'Automatikus biztonsági mentés',
        timestamp: new Date(Date.UTC(2016, 0, 9, 10, 28, 53)),
        updated: '2016-01-09T22:01:34.792Z',
        albumType: 'InstantUpload',
        numPhotos: 2729,
      },
      {
        id: '6212299316593562001',
        title: '2015-11',
        timestamp: new Date(1446413648000),
        updated: '2015-11-01T21:54:20.362Z',
        albumType: null,
        numPhotos: 16,
      },
      {
        id: '6212299765823004881',
        title: '2015. 11. 01.',
        timestamp: new Date(1446413753000),
        updated: '2015-11-01T21:56:09.125Z',
        albumType: 'Buzz',
        numPhotos: 9,
      },
    ]);
    assert.equal(
      page.firstId,
      'https://picasaweb.google.com/data/entry/api/user/99999999999999999999/albumid/1000000455272364',
    );
  });

  it('v2: plain titles, gd:etag attributes and app:edited do not disturb the parse', async () => {
    const page = await parseUserFeed(xmlSample('picasa-v2-user-feed-albums.libgdata.xml'));
    assert.equal(page.entries, 4);
    assert.deepEqual(
      page.values.map((a) => [
        a.id,
        a.title,
        iso(a.timestamp),
        a.updated,
        a.albumType,
        a.numPhotos,
      ]),
      [
        [
          '5906409880413253681',
          'Test album 4 for QueryAllAlbums',
          '2013-07-30T14:06:54.000Z',
          '2013-07-30T14:06:54.614Z',
          null,
          0,
        ],
        [
          '5906409876619235281',
          'Test album 3 for QueryAllAlbums',
          '2013-07-30T14:06:53.000Z',
          '2013-07-30T14:06:53.653Z',
          null,
          0,
        ],
        [
          '5906409873513866033',
          'Test album 2 for QueryAllAlbums',
          '2013-07-30T14:06:52.000Z',
          '2013-07-30T14:06:52.851Z',
          null,
          0,
        ],
        [
          '5906409867090978209',
          'Test album 1 for QueryAllAlbums',
          '2013-07-30T14:06:51.000Z',
          '2013-07-30T14:06:51.971Z',
          null,
          0,
        ],
      ],
    );
  });

  it('the .http transcript body parses like the .xml file', async () => {
    const [body] = httpBodies('picasa-v2-user-feed-albums.libgdata.http');
    assert.deepEqual(
      await parseUserFeed(body!),
      await parseUserFeed(xmlSample('picasa-v2-user-feed-albums.libgdata.xml')),
    );
  });

  it('the paging transcript: one entry per page at max-results=1, three at max-results=3', async () => {
    const bodies = httpBodies('picasa-v2-user-feed-paging-start-index-max-results.libgdata.http');
    assert.equal(bodies.length, 3);
    const pages = await Promise.all(bodies.map((b) => parseUserFeed(b)));
    assert.deepEqual(
      pages.map((p) => p.entries),
      [1, 1, 3],
    );
    assert.notEqual(pages[0]!.values[0]!.id, pages[1]!.values[0]!.id);
    assert.deepEqual(
      pages[2]!.values.slice(0, 2).map((a) => a.id),
      [pages[0]!.values[0]!.id, pages[1]!.values[0]!.id],
    );
  });

  it('a page past the end has no entries (and only a rel=previous link)', async () => {
    const page = await parseUserFeed(xmlSample('picasa-v1-user-feed-past-end-empty.perkeep.xml'));
    assert.deepEqual(page, { entries: 0, firstId: null, lastId: null, values: [], rejected: [] });
  });

  it('an album entry without gphoto:id is left out and described', async () => {
    const xml = xmlSample('picasa-v1-user-feed-albums.perkeep.xml').replace(
      '<gphoto:id>6212299316593562001</gphoto:id>',
      '',
    );
    const page = await parseUserFeed(xml);
    assert.equal(page.entries, 3);
    assert.equal(page.values.length, 2);
    assert.equal(page.rejected.length, 1);
    assert.match(page.rejected[0]!, /without gphoto:id.*albumid\/6212299316593562001/);
  });
});

describe('Picasa album feed (photos and videos)', () => {
  it('v1 imgmax=d: 16 photos, sizes adding up to the album bytesUsed, UTC timestamps', async () => {
    const page = await parseAlbumFeed(xmlSample('picasa-v1-album-feed-imgmax-d.perkeep.xml'), 'A');
    assert.equal(page.entries, 16);
    assert.equal(page.values.length, 16);
    assert.equal(
      page.values.reduce((s, i) => s + (i.size ?? 0), 0),
      35739269,
    );
    assert.deepEqual(page.values[1], {
      id: '6212299316358281714',
      albumId: 'A',
      name: 'IMG_20151101_112747.jpg',
      size: 2697350,
      timestamp: new Date(1446373670000),
      published: '2015-11-01T21:34:08.000Z',
      updated: '2015-11-01T21:39:01.384Z',
      mimeType: 'image/jpeg',
      isVideo: false,
      mediaUrl: 'https://lh3.googleusercontent.com/REDACTED_20151101_112747.jpg',
      videoStatus: null,
      width: 3200,
      height: 2368,
    });
    assert.equal(iso(page.values[0]!.timestamp), '2015-11-01T10:27:44.000Z');
    assert.ok(page.values.every((i) => !i.isVideo && i.mimeType === 'image/jpeg'));
    assert.equal(new Set(page.values.map((i) => i.id)).size, 16);
  });

  it('v2: plain titles and the photo fields', async () => {
    const page = await parseAlbumFeed(
      xmlSample('picasa-v2-album-feed-photos.libgdata.xml'),
      '5907162005897469553',
    );
    assert.equal(page.entries, 4);
    assert.deepEqual(
      page.values.map((i) => i.name),
      ['Test file 1', 'Test file 2', 'Test file 3', 'Test file 4'],
    );
    assert.deepEqual(page.values[0], {
      id: '5907162035673007314',
      albumId: '5907162005897469553',
      name: 'Test file 1',
      size: 17660,
      timestamp: new Date(1154790828000),
      published: '2013-08-01T14:45:38.000Z',
      updated: '2013-08-01T14:45:38.859Z',
      mimeType: 'image/jpeg',
      isVideo: false,
      mediaUrl:
        'https://lh3.googleusercontent.com/-PFuCSAHxsIM/Ufp0ku72hNI/AAAAAAAAMsE/Eka2goyoX-Q/Test%252520file%2525201.jpg',
      videoStatus: null,
      width: 100,
      height: 92,
    });
    const [body] = httpBodies('picasa-v2-album-feed-photos.libgdata.http');
    assert.deepEqual(await parseAlbumFeed(body!, '5907162005897469553'), page);
  });

  it('a video: the largest non-Flash stream, never the GIF poster; video/mpeg4 is video/mp4', async () => {
    const page = await parseAlbumFeed(xmlSample('picasa-v1-album-feed-with-video.picago.xml'), 'B');
    assert.equal(page.entries, 4);
    assert.deepEqual(
      page.values.map((i) => [i.name, i.isVideo, i.mimeType]),
      [
        ['fail-0.0.png', false, 'image/png'],
        ['fail.png', false, 'image/png'],
        ['IMG_2034.JPG', false, 'image/jpeg'],
        ['VID_20140728_141919.mp4', true, 'video/mp4'],
      ],
    );
    const video = page.values[3]!;
    assert.deepEqual(video, {
      id: '6041225428268790466',
      albumId: 'B',
      name: 'VID_20140728_141919.mp4',
      size: 3289621,
      timestamp: new Date(1406607562000),
      published: '2014-07-28T21:20:04.000Z',
      updated: '2014-07-28T22:20:42.270Z',
      mimeType: 'video/mp4',
      isVideo: true,
      mediaUrl: 'https://foo.googlevideo.com/bar.mp4',
      videoStatus: 'final',
      width: 854,
      height: 480,
    });
    // Photos of the same feed keep content@src.
    assert.equal(
      page.values[2]!.mediaUrl,
      'https://lh6.googleusercontent.com/-e8FSPDDeev8/U9LjWpGV2UI/AAAAAAAAAD0/CsA9NdVToBo/I/IMG_2034.JPG',
    );
  });

  it('a video without the 1080p stream: 720p mpeg4 beats a larger-listed Flash stream', async () => {
    const xml = xmlSample('picasa-v1-album-feed-with-video.picago.xml').replace(
      /<media:content url="https:\/\/foo\.googlevideo\.com\/bar\.mp4"[^>]*\/>/,
      '',
    );
    const video = (await parseAlbumFeed(xml, 'B')).values[3]!;
    assert.match(video.mediaUrl!, /itag=22&/);
    assert.equal(video.mimeType, 'video/mp4');
  });

  it('a video with only Flash streams (or none yet) has no mediaUrl, and its type comes from its name', async () => {
    const xml = xmlSample('picasa-v1-album-feed-with-video.picago.xml')
      .replace(
        /<media:content url="[^"]*" height="\d+" width="\d+" type="video\/mpeg4" medium="video"\/>/g,
        '',
      )
      .replace(
        '<gphoto:videostatus>final</gphoto:videostatus>',
        '<gphoto:videostatus>pending</gphoto:videostatus>',
      )
      .replace('VID_20140728_141919.mp4</title>', 'VID_20140728_141919.MOV</title>');
    const video = (await parseAlbumFeed(xml, 'B')).values[3]!;
    assert.equal(video.isVideo, true);
    assert.equal(video.mediaUrl, null);
    assert.equal(video.videoStatus, 'pending');
    assert.equal(video.mimeType, 'video/quicktime');
  });

  it('kind=photo,tag: tag entries count for paging but are not items', async () => {
    const page = await parseAlbumFeed(
      xmlSample('picasa-v1-album-feed-with-tags.gdata-python-client.xml'),
      '1',
    );
    assert.equal(page.entries, 4);
    assert.deepEqual(
      page.values.map((i) => [i.id, i.name, i.size, i.mimeType, iso(i.timestamp)]),
      [
        ['2', 'Aqua Blue.jpg', 883405, 'image/jpeg', '2007-09-05T20:49:22.000Z'],
        ['3', 'Aqua Graphite.jpg', 798334, 'image/jpeg', '2007-09-05T20:49:23.000Z'],
      ],
    );
    assert.equal(
      page.values[0]!.mediaUrl,
      'http://lh4.google.com/sample.user/Rt8WU4DZEKI/AAAAAAAAABY/IVgLqmnzJII/Aqua%20Blue.jpg',
    );
    assert.deepEqual(page.rejected, []);
    assert.equal(
      page.lastId,
      'http://picasaweb.google.com/data/entry/api/user/sample.user/albumid/1/tag/test',
    );
  });

  it('a page past the end has no entries', async () => {
    const page = await parseAlbumFeed(
      xmlSample('picasa-v1-album-feed-past-end-empty.perkeep.xml'),
      'A',
    );
    assert.equal(page.entries, 0);
    assert.deepEqual(page.values, []);
  });

  it('missing fields: empty size is null, no gphoto:timestamp falls back to exif:time, no src is rejected', async () => {
    const base = xmlSample('picasa-v1-album-feed-imgmax-d.perkeep.xml');
    const xml = base
      .replace('<gphoto:size>2793114</gphoto:size>', '<gphoto:size/>')
      .replace('<gphoto:timestamp>1446373664000</gphoto:timestamp>', '')
      .replace(
        /<content type="image\/jpeg" src="https:\/\/lh3\.googleusercontent\.com\/REDACTED_20151101_112747\.jpg"\/>/,
        '',
      )
      .replace(
        /<media:content url="https:\/\/lh3\.googleusercontent\.com\/REDACTED_20151101_112747\.jpg"[^>]*\/>/,
        '',
      );
    const page = await parseAlbumFeed(xml, 'A');
    assert.equal(page.entries, 16);
    assert.equal(page.values.length, 15);
    assert.equal(page.values[0]!.size, null);
    assert.equal(page.values[0]!.timestamp.getTime(), 1446377264000); // exif:time
    assert.deepEqual(page.rejected, [
      'photo 6212299316358281714 (IMG_20151101_112747.jpg) without a content URL',
    ]);
  });
});

describe('answers that are not a feed', () => {
  it('a single entry document (photo entry, user entry) is not a feed', async () => {
    const entry = xmlSample('picasa-v2-photo-entry.libgdata.xml');
    const msg = await malformedMessage(parseAlbumFeed(entry, 'A'));
    assert.equal(msg, 'the answer is not an Atom feed (its root is <entry>)');
    const [userEntry] = httpBodies('picasa-v2-user-entry.libgdata.http');
    assert.match(await malformedMessage(parseUserFeed(userEntry!)), /its root is <entry>/);
  });

  it('a truncated feed, an HTML page, plain text, an empty body, a feed outside the Atom namespace', async () => {
    const full = xmlSample('picasa-v1-album-feed-imgmax-d.perkeep.xml');
    assert.match(
      await malformedMessage(parseAlbumFeed(full.slice(0, full.length / 2), 'A')),
      /^the answer is not well-formed XML \(.+ at line \d+, column \d+\)$/,
    );
    assert.equal(
      await malformedMessage(parseAlbumFeed('<html><body>502 Bad Gateway</body></html>', 'A')),
      'the answer is not an Atom feed (its root is <html>)',
    );
    assert.match(
      await malformedMessage(parseUserFeed('Service Unavailable')),
      /^the answer is not well-formed XML/,
    );
    assert.equal(await malformedMessage(parseUserFeed('')), 'the answer is empty');
    assert.equal(
      await malformedMessage(parseUserFeed('<feed><entry/></feed>')),
      'the answer is not an Atom feed (its root is <feed>)',
    );
  });

  it('the error-body sample is plain text, not a feed', async () => {
    const [body] = httpBodies('picasa-error-400-plain-text.libgdata.http');
    assert.equal(body, 'Invalid commentId 5907157991014140692');
    await malformedMessage(parseUserFeed(body!));
  });
});
