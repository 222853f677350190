// The emulator's Picasa media and album model: what an album member shows and serves (Drive
// files, creations, edits), the same media under different ids in several albums, video
// streams, Range requests, media faults, album mutations and the generator.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  addToAlbum,
  contentOf,
  generateLibrary,
  LibraryBuilder,
  md5Of,
  picasaContentOf,
  picasaMd5Of,
  removeFromAlbum,
} from '../fakes/google/library.ts';
import type { Library, PicasaMediaRef } from '../fakes/google/library.ts';
import { accessToken, child, getFeed, kids, parseFeed } from '../fakes/google/picasa-fetch.ts';
import type { XmlElement } from '../fakes/google/picasa-fetch.ts';
import { startEmulator } from '../fakes/google/server.ts';
import type { Emulator } from '../fakes/google/server.ts';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

async function download(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

function contents(e: XmlElement): Array<Record<string, string>> {
  return kids(kids(e, 'media:group')[0]!, 'media:content').map((c) => c.$!);
}

describe('Picasa media and albums', () => {
  let emu: Emulator;
  let lib: Library;
  let token: string;
  const ids = {
    photo: '',
    noExif: '',
    video: '',
    trip: '',
    best: '',
    movie: undefined as unknown as PicasaMediaRef,
    collage: undefined as unknown as PicasaMediaRef,
    edited: undefined as unknown as PicasaMediaRef,
  };

  before(async () => {
    const b = new LibraryBuilder();
    const gp = b.folder('Google Photos');
    ids.photo = b.photo('IMG_0001.jpg', gp, { takenTime: '2016:01:09 10:00:00', size: 70_000 });
    ids.noExif = b.photo('scan.jpg', gp, { createdTime: '2016-02-02T02:02:02.000Z' });
    ids.video = b.video('VID_0004.mp4', gp, { createdTime: '2016-05-05T08:00:00.000Z' });
    ids.movie = b.creation({ name: 'MOVIE.mp4', takenAt: '2016-01-09T23:30:00Z', video: true });
    ids.collage = b.creation({
      name: 'COLLAGE.jpg',
      takenAt: '2016-01-10T00:30:00Z',
      content: Buffer.from('collage bytes'),
    });
    ids.edited = b.edited(ids.photo);
    ids.trip = b.album({
      title: 'Trip',
      date: '2016-01-09T12:00:00Z',
      members: [ids.photo, ids.collage, ids.video, ids.movie, ids.edited, ids.noExif],
    });
    const fancy = b.creation({ name: 'Été "🎉".jpg', takenAt: '2016-03-01T00:00:00Z' });
    ids.best = b.album({
      title: 'Best',
      date: '2016-03-01T00:00:00Z',
      members: [ids.collage, ids.photo, fancy],
    });
    lib = b.build();
    emu = await startEmulator({ library: lib });
    token = await accessToken(emu);
  });
  beforeEach(() => emu.faults.clear());
  after(() => emu.close());

  const album = async (id: string, query = '?imgmax=d', v2 = false): Promise<XmlElement> => {
    const res = await getFeed(emu, token, `user/default/albumid/${id}${query}`, { v2 });
    assert.equal(res.status, 200, res.body);
    return parseFeed(res.body);
  };
  const entryAt = (feed: XmlElement, i: number): XmlElement => kids(feed, 'entry')[i]!;
  const src = (e: XmlElement): string => kids(e, 'content')[0]!.$!.src!;

  it('shows a Drive member with its Drive name, size, bytes and times', async () => {
    const trip = await album(ids.trip);
    const photo = entryAt(trip, 0);
    const f = lib.files.get(ids.photo)!;
    assert.equal(child(photo, 'title'), 'IMG_0001.jpg');
    assert.equal(child(photo, 'gphoto:size'), String(contentOf(lib, ids.photo).length));
    assert.equal(child(photo, 'gphoto:timestamp'), String(Date.UTC(2016, 0, 9, 10)));
    assert.equal(
      child(kids(photo, 'exif:tags')[0]!, 'exif:time'),
      String(Date.UTC(2016, 0, 9, 10)),
    );
    assert.equal(child(photo, 'published'), f.createdTime);
    const got = await download(src(photo));
    assert.equal(got.status, 200);
    assert.equal(md5(got.bytes), md5Of(lib, ids.photo));
    assert.equal(md5(got.bytes), picasaMd5Of(lib, ids.photo));
    assert.deepEqual(got.bytes, picasaContentOf(lib, ids.photo));
    // Without EXIF time: the creation time.
    const scan = entryAt(trip, 5);
    assert.equal(child(scan, 'gphoto:timestamp'), String(Date.parse('2016-02-02T02:02:02.000Z')));
  });

  it('answers with the headers of a googleusercontent download', async () => {
    const photo = entryAt(await album(ids.trip), 0);
    const got = await download(src(photo));
    assert.equal(got.headers.get('content-type'), 'image/jpeg');
    assert.equal(got.headers.get('content-length'), String(got.bytes.length));
    assert.equal(got.headers.get('content-disposition'), 'inline;filename="IMG_0001.jpg"');
    assert.equal(got.headers.get('cache-control'), 'public, max-age=86400, no-transform');
    assert.equal(got.headers.get('access-control-allow-origin'), '*');
    assert.equal(got.headers.get('server'), 'fife');
    assert.match(got.headers.get('etag')!, /^"v\d+"$/);
    // A non-ASCII name goes out as raw UTF-8 bytes, quotes replaced.
    const fancy = kids(await album(ids.best), 'entry')[2]!;
    const disposition = (await download(src(fancy))).headers.get('content-disposition')!;
    assert.equal(
      Buffer.from(disposition, 'latin1').toString('utf8'),
      'inline;filename="Été _🎉_.jpg"',
    );
  });

  it('shows creations and edits with their own bytes; an edit keeps the Drive name', async () => {
    const trip = await album(ids.trip);
    const collage = entryAt(trip, 1);
    assert.equal(child(collage, 'title'), 'COLLAGE.jpg');
    assert.equal(child(collage, 'gphoto:timestamp'), String(Date.parse('2016-01-10T00:30:00Z')));
    assert.equal((await download(src(collage))).bytes.toString(), 'collage bytes');
    const edited = entryAt(trip, 4);
    assert.equal(child(edited, 'title'), 'IMG_0001.jpg');
    assert.equal(child(edited, 'gphoto:timestamp'), String(Date.UTC(2016, 0, 9, 10)));
    assert.notEqual(child(edited, 'gphoto:size'), child(entryAt(trip, 0), 'gphoto:size'));
    const bytes = (await download(src(edited))).bytes;
    assert.equal(bytes.length, Number(child(edited, 'gphoto:size')));
    assert.equal(md5(bytes), picasaMd5Of(lib, ids.edited));
    assert.notEqual(md5(bytes), md5Of(lib, ids.photo));
  });

  it('lists the same media in two albums under different ids, same name, size, time, bytes', async () => {
    const trip = await album(ids.trip);
    const best = await album(ids.best, '?imgmax=d', true);
    for (const [a, b] of [
      [entryAt(trip, 0), entryAt(best, 1)],
      [entryAt(trip, 1), entryAt(best, 0)],
    ] as const) {
      assert.notEqual(child(a, 'gphoto:id'), child(b, 'gphoto:id'));
      assert.equal(child(b, 'gphoto:albumid'), ids.best);
      for (const k of ['title', 'gphoto:size', 'gphoto:timestamp', 'published']) {
        assert.equal(child(a, k), child(b, k), k);
      }
      const [x, y] = [await download(src(a)), await download(src(b))];
      assert.deepEqual(x.bytes, y.bytes);
    }
  });

  it('serves re-encoded bytes, not the original, without imgmax=d', async () => {
    const photo = entryAt(await album(ids.trip, ''), 0);
    const got = await download(src(photo));
    assert.equal(got.status, 200);
    assert.ok(got.bytes.length < Number(child(photo, 'gphoto:size')));
    assert.notEqual(md5(got.bytes), md5Of(lib, ids.photo));
    for (const t of kids(kids(photo, 'media:group')[0]!, 'media:thumbnail')) {
      const thumb = await download(t.$!.url!);
      assert.equal(thumb.status, 200);
      assert.notEqual(md5(thumb.bytes), md5Of(lib, ids.photo));
    }
  });

  it('serves the original video only at the largest non-flash stream', async () => {
    const trip = await album(ids.trip);
    for (const [i, ref] of [
      [2, ids.video],
      [3, ids.movie],
    ] as const) {
      const e = entryAt(trip, i);
      const all = contents(e);
      assert.equal(all[0]!.medium, 'image');
      assert.equal(all[0]!.type, 'image/gif');
      assert.equal(all[0]!.url, src(e));
      const videos = all.filter((c) => c.medium === 'video');
      assert.ok(videos.some((c) => c.type === 'application/x-shockwave-flash'));
      const mp4 = videos.filter((c) => c.type !== 'application/x-shockwave-flash');
      assert.ok(mp4.length >= 2);
      const area = (c: Record<string, string>): number => Number(c.width) * Number(c.height);
      const largest = mp4.reduce((a, c) => (area(c) > area(a) ? c : a));
      const original = await download(largest.url!);
      assert.equal(original.status, 200);
      assert.equal(original.headers.get('content-type'), 'video/mp4');
      assert.equal(original.bytes.length, Number(child(e, 'gphoto:size')));
      assert.equal(md5(original.bytes), picasaMd5Of(lib, ref));
      for (const other of all.filter((c) => c !== largest)) {
        const got = await download(other.url!);
        assert.equal(got.status, 200, other.url);
        assert.notEqual(md5(got.bytes), picasaMd5Of(lib, ref), `${other.type} ${other.height}`);
      }
    }
  });

  it('answers a Range request with 206 and an unsatisfiable one with 416', async () => {
    const photo = entryAt(await album(ids.trip), 0);
    const whole = picasaContentOf(lib, ids.photo);
    const part = await download(src(photo), { Range: 'bytes=65530-' });
    assert.equal(part.status, 206);
    assert.equal(
      part.headers.get('content-range'),
      `bytes 65530-${whole.length - 1}/${whole.length}`,
    );
    assert.deepEqual(part.bytes, whole.subarray(65530));
    const mid = await download(src(photo), { Range: 'bytes=10-19' });
    assert.deepEqual(mid.bytes, whole.subarray(10, 20));
    const bad = await download(src(photo), { Range: `bytes=${whole.length}-` });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), `bytes */${whole.length}`);
  });

  it('injects faults on picasa.media by photo id, including a reset mid-body', async () => {
    const photo = entryAt(await album(ids.trip), 0);
    const photoId = child(photo, 'gphoto:id');
    emu.faults.add({ route: 'picasa.media', fileId: photoId, kind: 'backend503' });
    const collage = await download(src(entryAt(await album(ids.trip), 1)));
    assert.equal(collage.status, 200);
    const failed = await download(src(photo));
    assert.equal(failed.status, 503);
    assert.equal(failed.headers.get('content-type'), 'text/html; charset=UTF-8');
    assert.equal(failed.bytes.toString(), 'Service Unavailable');
    emu.faults.add({ route: 'picasa.media', kind: 'resetMidBody' });
    await assert.rejects(download(src(photo)));
    assert.equal((await download(src(photo))).status, 200);
    assert.ok((emu.stats().byRoute['picasa.media'] ?? 0) >= 4);
  });

  it('addToAlbum / removeFromAlbum change the feed and bump the album updated', async () => {
    const b = new LibraryBuilder();
    const gp = b.folder('Google Photos');
    const p = [0, 1, 2].map((i) => b.photo(`P${i}.jpg`, gp));
    const a = b.album({ title: 'Live', date: '2016-01-01T00:00:00Z', members: [p[0]!, p[1]!] });
    const own = await startEmulator({ library: b.build() });
    try {
      const t = await accessToken(own);
      const read = async (): Promise<XmlElement> =>
        parseFeed((await getFeed(own, t, `user/default/albumid/${a}?imgmax=d`)).body);
      const before = await read();
      const removedUrl = src(entryAt(before, 0));
      const oldIds = kids(before, 'entry').map((e) => child(e, 'gphoto:id'));
      const removed = removeFromAlbum(own.library, a, 0);
      assert.equal(removed.ref, p[0]);
      const newId = addToAlbum(own.library, a, p[0]!);
      const later = await read();
      assert.ok(child(later, 'updated') > child(before, 'updated'));
      const nowIds = kids(later, 'entry').map((e) => child(e, 'gphoto:id'));
      assert.deepEqual(nowIds, [oldIds[1], newId]);
      assert.ok(!oldIds.includes(newId));
      assert.equal(child(later, 'gphoto:numphotos'), '2');
      assert.equal((await download(removedUrl)).status, 404);
      removeFromAlbum(own.library, a, newId, '2030-01-01T00:00:00.000Z');
      const last = await read();
      assert.equal(child(last, 'updated'), '2030-01-01T00:00:00.000Z');
      assert.equal(kids(last, 'entry').length, 1);
      // A Drive file removed from the library leaves every album.
      own.library.files.delete(p[1]!);
      assert.equal((await read()).entry, undefined);
    } finally {
      await own.close();
    }
  });

  it('generates albums deterministically without changing the Drive files', () => {
    const plain = generateLibrary({ items: 3000, seed: 7 });
    const withAlbums = generateLibrary({ items: 3000, seed: 7, albums: 12 });
    const again = generateLibrary({ items: 3000, seed: 7, albums: 12 });
    assert.deepEqual([...withAlbums.files.keys()], [...plain.files.keys()]);
    assert.equal(plain.albums.length, 0);
    assert.equal(withAlbums.albums.length, 12);
    assert.deepEqual(withAlbums.albums, again.albums);
    assert.deepEqual([...withAlbums.picasaMedia.values()], [...again.picasaMedia.values()]);
    assert.equal(withAlbums.albums[0]!.type, 'InstantUpload');
    assert.equal(withAlbums.albums[0]!.members.length, 360);
    assert.ok(withAlbums.picasaMedia.size > 0);
    const photoIds = new Set<string>();
    const drivePerAlbum = new Map<string, number>();
    for (const a of withAlbums.albums) {
      for (const m of a.members) {
        assert.ok(!photoIds.has(m.photoId), m.photoId);
        photoIds.add(m.photoId);
        if (typeof m.ref === 'string')
          drivePerAlbum.set(m.ref, (drivePerAlbum.get(m.ref) ?? 0) + 1);
      }
    }
    // overlap: some Drive files are in several albums (under different photo ids)
    assert.ok([...drivePerAlbum.values()].some((n) => n > 1));
    for (const m of withAlbums.picasaMedia.values()) {
      assert.equal(picasaContentOf(withAlbums, { picasaMediaId: m.id }).length, m.size);
    }
  });
});
