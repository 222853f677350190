// The emulator's Picasa feeds: paging (start-index/max-results, rel links, the empty page past
// the end, the unreliable InstantUpload count, the 10,000 offset limit), plain-text errors,
// the 403 for bad tokens, fault injection and request counting. Real HTTP, xml2js.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseStringPromise } from 'xml2js';
import { LibraryBuilder } from '../fakes/google/library.ts';
import {
  accessToken,
  child,
  getFeed,
  kids,
  linkHref,
  parseFeed,
} from '../fakes/google/picasa-fetch.ts';
import type { FeedResponse, XmlElement } from '../fakes/google/picasa-fetch.ts';
import { startEmulator } from '../fakes/google/server.ts';
import type { Emulator } from '../fakes/google/server.ts';

const OFFSET_ERROR =
  'Deprecated offset is too large for a stream ID query. Please  switch to using resume tokens.';
const TEXT_HTML = 'text/html; charset=UTF-8';

describe('Picasa paging, errors, auth and faults', () => {
  let emu: Emulator;
  let token: string;
  const ids = { five: '', big: '', iu: '', stream: '' };

  before(async () => {
    const b = new LibraryBuilder();
    const gp = b.folder('Google Photos');
    const photos: string[] = [];
    for (let i = 0; i < 10_500; i++) {
      photos.push(b.photo(`IMG_${String(i).padStart(5, '0')}.jpg`, gp, { size: 100 }));
    }
    ids.five = b.album({
      title: 'Five',
      date: '2016-01-01T00:00:00Z',
      members: photos.slice(0, 5),
    });
    ids.big = b.album({
      title: 'Big',
      date: '2016-01-02T00:00:00Z',
      members: photos.slice(0, 1200),
    });
    ids.iu = b.album({
      title: 'Auto Backup',
      date: '2016-01-03T00:00:00Z',
      type: 'InstantUpload',
      members: photos.slice(0, 1500),
    });
    ids.stream = b.album({
      title: 'Stream',
      date: '2016-01-04T00:00:00Z',
      type: 'InstantUpload',
      members: photos,
    });
    emu = await startEmulator({ library: b.build() });
    token = await accessToken(emu);
  });
  beforeEach(() => emu.faults.clear());
  after(() => emu.close());

  const feed = async (p: string): Promise<XmlElement> => {
    const res = await getFeed(emu, token, p);
    assert.equal(res.status, 200, res.body);
    return parseFeed(res.body);
  };
  const photoIds = (f: XmlElement): string[] => kids(f, 'entry').map((e) => child(e, 'gphoto:id'));
  const assertText = (res: FeedResponse, status: number, body: string): void => {
    assert.equal(res.status, status);
    assert.equal(res.body, body);
    assert.equal(res.headers.get('content-type'), TEXT_HTML);
  };

  it('pages with rel=next/previous and ends with an empty page past the end', async () => {
    const base = `user/default/albumid/${ids.five}`;
    const p1 = await feed(`${base}?max-results=2`);
    assert.equal(photoIds(p1).length, 2);
    assert.equal(linkHref(p1, 'previous'), undefined);
    assert.match(linkHref(p1, 'next')!, /\?start-index=3&max-results=2$/);
    const p2 = await feed(`${base}?start-index=3&max-results=2`);
    assert.match(linkHref(p2, 'previous')!, /\?start-index=1&max-results=2$/);
    assert.match(linkHref(p2, 'next')!, /\?start-index=5&max-results=2$/);
    const p3 = await feed(`${base}?start-index=5&max-results=2`);
    assert.equal(photoIds(p3).length, 1);
    assert.equal(linkHref(p3, 'next'), undefined);
    const past = await feed(`${base}?start-index=6&max-results=2`);
    assert.equal(past.entry, undefined);
    assert.equal(child(past, 'openSearch:totalResults'), '5');
    assert.equal(linkHref(past, 'next'), undefined);
    assert.ok(linkHref(past, 'previous'));

    // Following the links visits every photo once, in album order.
    const seen: string[] = [];
    let url: string | undefined = `${emu.picasaUrl}${base}?max-results=2&imgmax=d`;
    while (url) {
      const page = await feed(url);
      seen.push(...photoIds(page));
      url = linkHref(page, 'next');
      if (url) assert.match(url, /&imgmax=d$/);
    }
    const all = photoIds(await feed(base));
    assert.equal(all.length, 5);
    assert.deepEqual(seen, all);
  });

  it('defaults max-results to 1000 and clamps larger values', async () => {
    const first = await feed(`user/default/albumid/${ids.big}?max-results=5000`);
    assert.equal(child(first, 'openSearch:itemsPerPage'), '1000');
    assert.equal(photoIds(first).length, 1000);
    assert.match(linkHref(first, 'next')!, /start-index=1001&max-results=1000/);
    const second = await feed(`user/default/albumid/${ids.big}?start-index=1001`);
    assert.equal(photoIds(second).length, 200);
    assert.equal(child(second, 'openSearch:itemsPerPage'), '1000');
    assert.equal(child(second, 'openSearch:totalResults'), '1200');
  });

  it('caps totalResults of an InstantUpload album at 1000 while more pages exist', async () => {
    const first = await feed(`user/default/albumid/${ids.iu}`);
    assert.equal(child(first, 'openSearch:totalResults'), '1000');
    assert.equal(child(first, 'gphoto:numphotos'), '1500');
    assert.ok(linkHref(first, 'next'));
    const second = await feed(`user/default/albumid/${ids.iu}?start-index=1001`);
    assert.equal(photoIds(second).length, 500);
  });

  it('refuses start-index above 10000 on an album feed with a plain-text 500', async () => {
    const stream = `user/default/albumid/${ids.stream}`;
    const tenth = await feed(`${stream}?start-index=9001`);
    assert.equal(photoIds(tenth).length, 1000);
    assert.match(linkHref(tenth, 'next')!, /start-index=10001/);
    assertText(await getFeed(emu, token, linkHref(tenth, 'next')!), 500, OFFSET_ERROR);
    for (const start of [10_001, 10_002, 11_001]) {
      assertText(await getFeed(emu, token, `${stream}?start-index=${start}`), 500, OFFSET_ERROR);
    }
    // 10000 itself is still served: the last 500 photos stay out of reach.
    const last = await feed(`${stream}?start-index=10000&max-results=10`);
    assert.equal(photoIds(last).length, 10);
    assert.match(linkHref(last, 'next')!, /start-index=10010/);
    // The user feed has no such limit: past its end it is an empty page.
    const users = await feed('user/default?start-index=20000');
    assert.equal(users.entry, undefined);
  });

  it('answers bad parameters and unknown albums with plain text', async () => {
    assertText(
      await getFeed(emu, token, 'user/default?kind=bogus'),
      400,
      'kind: That is not one of the acceptable values',
    );
    assertText(
      await getFeed(emu, token, `user/default/albumid/${ids.five}?kind=photo,nope`),
      400,
      'kind: That is not one of the acceptable values',
    );
    for (const bad of ['0', 'abc', '-1']) {
      const res = await getFeed(emu, token, `user/default/albumid/${ids.five}?start-index=${bad}`);
      assert.equal(res.status, 400, bad);
      assert.equal(res.headers.get('content-type'), TEXT_HTML);
    }
    const maxBad = await getFeed(emu, token, 'user/default?max-results=x');
    assert.equal(maxBad.status, 400);
    const missing = await getFeed(emu, token, 'user/default/albumid/123456789');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), TEXT_HTML);
    assert.ok(missing.body.length > 0);
    // kind=tag on an album: a valid kind with nothing to list.
    const tags = await feed(`user/default/albumid/${ids.five}?kind=tag`);
    assert.equal(tags.entry, undefined);
    // any user name is the emulated user
    assert.equal(photoIds(await feed(`user/someone/albumid/${ids.five}`)).length, 5);
  });

  it('answers 403 plain text to a missing, unknown or expired token', async () => {
    const expired = 'Token invalid - Invalid token: Token expired.';
    assertText(await getFeed(emu, undefined, 'user/default'), 403, expired);
    assertText(await getFeed(emu, 'ya29.unknown', 'user/default'), 403, expired);
    const own = await accessToken(emu);
    emu.expireAccessTokens();
    assertText(await getFeed(emu, own, `user/default/albumid/${ids.five}`), 403, expired);
    token = await accessToken(emu);
    assert.equal((await getFeed(emu, token, 'user/default')).status, 200);
  });

  it('injects plain-text, HTML and truncated-feed faults on picasa.feed', async () => {
    const before = emu.stats();
    emu.faults.add({ route: 'picasa.feed', kind: 'backend500' });
    assertText(await getFeed(emu, token, 'user/default'), 500, 'Internal Server Error');
    emu.faults.add({ route: 'picasa.feed', kind: 'backend503', retryAfterSeconds: 9 });
    const unavailable = await getFeed(emu, token, 'user/default');
    assertText(unavailable, 503, 'Service Unavailable');
    assert.equal(unavailable.headers.get('retry-after'), '9');
    emu.faults.add({ route: 'picasa.feed', kind: 'rateLimit403' });
    assertText(await getFeed(emu, token, 'user/default'), 403, 'Rate Limit Exceeded');
    emu.faults.add({ route: 'picasa.feed', kind: 'htmlError502' });
    const html = await getFeed(emu, token, 'user/default');
    assert.equal(html.status, 502);
    assert.match(html.body, /^<!DOCTYPE html>/);
    emu.faults.add({ route: 'picasa.feed', kind: 'malformedXml200' });
    const cut = await getFeed(emu, token, 'user/default');
    assert.equal(cut.status, 200);
    assert.match(cut.headers.get('content-type')!, /^application\/atom\+xml/);
    await assert.rejects(parseStringPromise(cut.body));
    // A rule for one album leaves the others and the user feed alone.
    emu.faults.add({ route: 'picasa.feed', fileId: ids.big, kind: 'backend500', times: 2 });
    assert.equal((await getFeed(emu, token, `user/default/albumid/${ids.five}`)).status, 200);
    assert.equal((await getFeed(emu, token, 'user/default')).status, 200);
    assert.equal((await getFeed(emu, token, `user/default/albumid/${ids.big}`)).status, 500);
    emu.faults.add({ route: 'picasa.feed', kind: 'reset' });
    await assert.rejects(getFeed(emu, token, 'user/default'));
    const stats = emu.stats();
    assert.equal(stats.faultsInjected - before.faultsInjected, 7);
    assert.equal((stats.byRoute['picasa.feed'] ?? 0) - (before.byRoute['picasa.feed'] ?? 0), 9);
    // A Drive route is not touched by a Picasa rule.
    emu.faults.add({ route: 'picasa.feed', kind: 'backend500' });
    const drive = await fetch(`${emu.url}drive/v3/files?pageSize=1`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(drive.status, 200);
    assert.equal(emu.faults.pending(), 2);
  });
});
