// readExifDate on small files built here byte by byte: JPEGs with an APP1 Exif segment, MP4/MOV
// headers with an mvhd box, and files that must give null without throwing.
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { readExifDate } from '../../src/tree/exif-date.ts';

/** EXIF tag numbers (Exif IFD) of the ASCII tags written here. */
const TAG = {
  DateTimeOriginal: 0x9003,
  CreateDate: 0x9004,
  OffsetTimeOriginal: 0x9011,
  OffsetTimeDigitized: 0x9012,
} as const;

/**
 * A little-endian TIFF block: IFD0 holding only the Exif IFD pointer (0x8769), then the Exif IFD
 * with the given ASCII tags, their values after it.
 */
function tiff(tags: Array<[number, string]>): Buffer {
  const ifd0 = 8;
  const exifIfd = ifd0 + 2 + 12 + 4;
  const values = exifIfd + 2 + tags.length * 12 + 4;
  const head = Buffer.alloc(values);
  head.write('II', 0, 'latin1');
  head.writeUInt16LE(42, 2);
  head.writeUInt32LE(ifd0, 4);
  head.writeUInt16LE(1, ifd0);
  head.writeUInt16LE(0x8769, ifd0 + 2);
  head.writeUInt16LE(4, ifd0 + 4); // LONG
  head.writeUInt32LE(1, ifd0 + 6);
  head.writeUInt32LE(exifIfd, ifd0 + 10);
  head.writeUInt16LE(tags.length, exifIfd);
  const data: Buffer[] = [];
  let offset = values;
  tags.forEach(([tag, text], i) => {
    const bytes = Buffer.from(`${text}\0`, 'latin1');
    const at = exifIfd + 2 + i * 12;
    head.writeUInt16LE(tag, at);
    head.writeUInt16LE(2, at + 2); // ASCII
    head.writeUInt32LE(bytes.length, at + 4);
    if (bytes.length <= 4) bytes.copy(head, at + 8);
    else {
      head.writeUInt32LE(offset, at + 8);
      data.push(bytes.length % 2 ? Buffer.concat([bytes, Buffer.alloc(1)]) : bytes);
      offset += data.at(-1)?.length ?? 0;
    }
  });
  return Buffer.concat([head, ...data]);
}

/** SOI, APP1 `Exif\0\0` + TIFF, a JFIF-less minimal body, EOI. */
function jpeg(tags: Array<[number, string]>): Buffer {
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff(tags)]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app1, payload, Buffer.from([0xff, 0xd9])]);
}

/** A PNG chunk: length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A 1×1 grey PNG whose `eXIf` chunk holds the TIFF block. */
function png(tags: Array<[number, string]>): Buffer {
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('eXIf', tiff(tags)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function box(type: string, ...body: Buffer[]): Buffer {
  const content = Buffer.concat(body);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(content.length + 8, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, content]);
}

const QT_EPOCH = 2_082_844_800;

function mvhd(unixSeconds: number, version: 0 | 1): Buffer {
  const body = Buffer.alloc(version === 1 ? 112 : 100);
  body[0] = version;
  if (version === 1) body.writeBigUInt64BE(BigInt(unixSeconds + QT_EPOCH), 4);
  else body.writeUInt32BE(unixSeconds + QT_EPOCH, 4);
  return box('mvhd', body);
}

const ftyp = (brand: string): Buffer =>
  box('ftyp', Buffer.from(`${brand}\0\0\0\0${brand}`, 'latin1'));

/** An mdat with a 64-bit size (size field 1), as large recordings have. */
function largeMdat(bytes: number): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32BE(1, 0);
  head.write('mdat', 4, 'latin1');
  head.writeBigUInt64BE(BigInt(bytes + 16), 8);
  return Buffer.concat([head, Buffer.alloc(bytes)]);
}

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exif-date-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, bytes: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

const iso = async (path: string): Promise<string | null> =>
  (await readExifDate(path))?.toISOString() ?? null;

test('JPEG: DateTimeOriginal read as UTC wall clock', async () => {
  const path = await file('a.jpg', jpeg([[TAG.DateTimeOriginal, '2017:05:21 13:45:02']]));
  assert.equal(await iso(path), '2017-05-21T13:45:02.000Z');
});

test('JPEG: OffsetTimeOriginal is honoured', async () => {
  const path = await file(
    'b.jpg',
    jpeg([
      [TAG.DateTimeOriginal, '2017:05:21 13:45:02'],
      [TAG.OffsetTimeOriginal, '+02:00'],
    ]),
  );
  assert.equal(await iso(path), '2017-05-21T11:45:02.000Z');
});

test('JPEG: CreateDate (with its offset) when DateTimeOriginal is absent or garbage', async () => {
  const only = await file(
    'c.jpg',
    jpeg([
      [TAG.CreateDate, '2016:02:29 23:00:00'],
      [TAG.OffsetTimeDigitized, '-05:00'],
    ]),
  );
  assert.equal(await iso(only), '2016-03-01T04:00:00.000Z');
  const garbage = await file(
    'd.jpg',
    jpeg([
      [TAG.DateTimeOriginal, '0000:00:00 00:00:00'],
      [TAG.CreateDate, '2016:02:29 23:00:00'],
    ]),
  );
  assert.equal(await iso(garbage), '2016-02-29T23:00:00.000Z');
});

test('JPEG: a malformed offset is ignored, the time kept', async () => {
  const path = await file(
    'e.jpg',
    jpeg([
      [TAG.DateTimeOriginal, '2017:05:21 13:45:02'],
      [TAG.OffsetTimeOriginal, '   :  '],
    ]),
  );
  assert.equal(await iso(path), '2017-05-21T13:45:02.000Z');
});

test('TIFF and PNG: the same tags', async () => {
  const tags: Array<[number, string]> = [[TAG.DateTimeOriginal, '2019:12:30 23:29:26']];
  assert.equal(await iso(await file('a.tif', tiff(tags))), '2019-12-30T23:29:26.000Z');
  assert.equal(await iso(await file('a.png', png(tags))), '2019-12-30T23:29:26.000Z');
});

test('MP4/MOV: mvhd creation time (v0 and v1), moov before or after mdat', async () => {
  const when = Date.UTC(2023, 9, 6, 6, 39, 9) / 1000;
  const first = await file(
    'a.mp4',
    Buffer.concat([ftyp('isom'), box('moov', mvhd(when, 0)), box('mdat', Buffer.alloc(64))]),
  );
  assert.equal(await iso(first), '2023-10-06T06:39:09.000Z');
  const last = await file(
    'b.mov',
    Buffer.concat([ftyp('qt  '), largeMdat(200_000), box('moov', box('trak'), mvhd(when, 1))]),
  );
  assert.equal(await iso(last), '2023-10-06T06:39:09.000Z');
  const unset = await file('c.mp4', Buffer.concat([ftyp('isom'), box('moov', mvhd(-QT_EPOCH, 0))]));
  assert.equal(await iso(unset), null);
  const noMvhd = await file('d.mp4', Buffer.concat([ftyp('isom'), box('moov', box('trak'))]));
  assert.equal(await iso(noMvhd), null);
});

test('corrupt, empty, foreign or missing files give null and never throw', async () => {
  const truncated = jpeg([[TAG.DateTimeOriginal, '2017:05:21 13:45:02']]).subarray(0, 20);
  const liar = Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0x45, 0x78, 0x69, 0x66, 0, 0]);
  const noExif = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
  const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
  const cutMoov = Buffer.concat([ftyp('isom'), box('moov', mvhd(1_600_000_000, 0))]).subarray(
    0,
    40,
  );
  const paths = [
    await file('truncated.jpg', truncated),
    await file('liar.jpg', liar),
    await file('no-exif.jpg', noExif),
    await file('random.heic', random),
    await file('empty.jpg', Buffer.alloc(0)),
    await file('text.jpg', Buffer.from('not an image at all\n')),
    await file('cut.mp4', cutMoov),
    join(dir, 'missing.jpg'),
  ];
  await mkdir(join(dir, 'folder.jpg'));
  paths.push(join(dir, 'folder.jpg'));
  for (const path of paths) assert.equal(await iso(path), null, path);
});
