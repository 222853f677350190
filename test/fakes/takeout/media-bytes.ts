/**
 * Small but real media bytes for the Takeout generator: each blob is a well-formed file of its
 * format that tools recognise (exifr reads the JPEG and HEIC dates), a few hundred bytes long,
 * and unique: `tag` is written into a comment (JPEG, PNG) or a `free` box (HEIC, MP4, MOV).
 *
 * Dates are written as a camera would: EXIF `DateTimeOriginal`/`CreateDate` as the UTC wall clock
 * (`YYYY:MM:DD HH:MM:SS`, no zone), an MP4/MOV `mvhd` creation time in seconds since 1904 UTC.
 */
import { crc32, deflateSync } from 'node:zlib';

export type MediaFormat = 'jpeg' | 'heic' | 'png' | 'mp4' | 'mov';

export interface MediaSpec {
  format: MediaFormat;
  /** Written as EXIF (jpeg, heic) or mvhd (mp4, mov) date; null writes none (png never has one). */
  takenTime: Date | null;
  /** Any text that makes these bytes differ from every other item's. */
  tag: string;
  /** EXIF Make/Model, when a date is written. */
  camera?: { make: string; model: string };
}

export function mediaBytes(spec: MediaSpec): Buffer {
  switch (spec.format) {
    case 'jpeg':
      return jpeg(spec);
    case 'heic':
      return heic(spec);
    case 'png':
      return png(spec.tag);
    case 'mp4':
    case 'mov':
      return movie(spec);
  }
}

/** `YYYY:MM:DD HH:MM:SS` of an instant's UTC wall clock. */
export function exifDateText(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10).replaceAll('-', ':')} ${iso.slice(11, 19)}`;
}

// --- EXIF (a little-endian TIFF block: IFD0 with Make, Model and the Exif IFD pointer) ---

interface IfdEntry {
  tag: number;
  /** 2 ASCII, 4 LONG. */
  type: 2 | 4;
  count: number;
  value: Buffer;
}

function ascii(tag: number, text: string): IfdEntry {
  const value = Buffer.from(`${text}\0`, 'latin1');
  return { tag, type: 2, count: value.length, value };
}

function long(tag: number, n: number): IfdEntry {
  const value = Buffer.alloc(4);
  value.writeUInt32LE(n);
  return { tag, type: 4, count: 1, value };
}

/** Values longer than 4 bytes go after the table, word-aligned. */
function outOfLine(entries: IfdEntry[]): number {
  return entries.reduce(
    (n, e) => n + (e.value.length > 4 ? e.value.length + (e.value.length & 1) : 0),
    0,
  );
}

function ifdSize(entries: IfdEntry[]): number {
  return 2 + entries.length * 12 + 4 + outOfLine(entries);
}

/** One IFD (table, next-IFD 0, then its out-of-line values) placed at offset `at` of the TIFF. */
function encodeIfd(entries: IfdEntry[], at: number): Buffer {
  const out = Buffer.alloc(ifdSize(entries));
  out.writeUInt16LE(entries.length, 0);
  let data = 2 + entries.length * 12 + 4;
  entries.forEach((e, i) => {
    const o = 2 + i * 12;
    out.writeUInt16LE(e.tag, o);
    out.writeUInt16LE(e.type, o + 2);
    out.writeUInt32LE(e.count, o + 4);
    if (e.value.length <= 4) {
      e.value.copy(out, o + 8);
      return;
    }
    out.writeUInt32LE(at + data, o + 8);
    e.value.copy(out, data);
    data += e.value.length + (e.value.length & 1);
  });
  return out;
}

/** A TIFF block carrying DateTimeOriginal and CreateDate = `takenTime` (UTC wall clock). */
const DEFAULT_CAMERA = { make: 'Google', model: 'Pixel 7' };

export function exifTiff(takenTime: Date, camera = DEFAULT_CAMERA): Buffer {
  const date = exifDateText(takenTime);
  const exifIfd = [ascii(0x9003, date), ascii(0x9004, date)];
  const ifd0Base = [ascii(0x010f, camera.make), ascii(0x0110, camera.model)];
  const ifd0Size = ifdSize([...ifd0Base, long(0x8769, 0)]);
  const ifd0 = [...ifd0Base, long(0x8769, 8 + ifd0Size)];
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]);
  return Buffer.concat([header, encodeIfd(ifd0, 8), encodeIfd(exifIfd, 8 + ifd0Size)]);
}

// --- JPEG: one 8x8 grey block, Huffman tables with a single 1-bit code each ---

function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

const JPEG_BODY = Buffer.concat([
  segment(0xdb, Buffer.from([0x00, ...new Array<number>(64).fill(1)])),
  segment(0xc0, Buffer.from([8, 0, 8, 0, 8, 1, 1, 0x11, 0])),
  // DC and AC tables: one code of length 1 ("0") for symbol 0 (DC category 0; AC end-of-block).
  segment(0xc4, Buffer.from([0x00, 1, ...new Array<number>(15).fill(0), 0])),
  segment(0xc4, Buffer.from([0x10, 1, ...new Array<number>(15).fill(0), 0])),
  segment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])),
  // Scan: DC "0" + EOB "0", padded with 1 bits.
  Buffer.from([0x3f, 0xff, 0xd9]),
]);

function jpeg(spec: MediaSpec): Buffer {
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  if (spec.takenTime) parts.push(segment(0xe1, exifPayload(spec.takenTime, spec.camera)));
  parts.push(segment(0xfe, Buffer.from(spec.tag, 'utf8')), JPEG_BODY);
  return Buffer.concat(parts);
}

/** A date no item has, whose two places in a cached payload are overwritten per item. */
const PLACEHOLDER = new Date(Date.UTC(1901, 0, 1));

/** Per camera: an `Exif\0\0` + TIFF payload and where its two date texts start. */
const exifTemplates = new Map<string, { payload: Buffer; dates: number[] }>();

/** `Exif\0\0` and the TIFF block, from a per-camera template (one copy and two writes). */
function exifPayload(takenTime: Date, camera = DEFAULT_CAMERA): Buffer {
  const key = `${camera.make}\0${camera.model}`;
  let template = exifTemplates.get(key);
  if (!template) {
    const payload = Buffer.concat([
      Buffer.from('Exif\0\0', 'latin1'),
      exifTiff(PLACEHOLDER, camera),
    ]);
    const text = exifDateText(PLACEHOLDER);
    const first = payload.indexOf(text, 0, 'latin1');
    template = { payload, dates: [first, payload.indexOf(text, first + 1, 'latin1')] };
    exifTemplates.set(key, template);
  }
  const out = Buffer.from(template.payload);
  const text = exifDateText(takenTime);
  for (const at of template.dates) out.write(text, at, 'latin1');
  return out;
}

// --- ISO BMFF boxes (HEIC, MP4, MOV) ---

function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 8, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

function fullBox(type: string, version: number, ...payload: Buffer[]): Buffer {
  return box(type, Buffer.from([version, 0, 0, 0]), ...payload);
}

function u16(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => out.writeUInt16BE(v, i * 2));
  return out;
}

function u32(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeUInt32BE(v >>> 0, i * 4));
  return out;
}

function ftyp(major: string, minor: number, compatible: string[]): Buffer {
  return box(
    'ftyp',
    Buffer.from(major, 'latin1'),
    u32(minor),
    Buffer.from(compatible.join(''), 'latin1'),
  );
}

const HEIC_FTYP = ftyp('heic', 0, ['mif1', 'heic']);
const HDLR_PICT = fullBox(
  'hdlr',
  0,
  u32(0),
  Buffer.from('pict', 'latin1'),
  u32(0, 0, 0),
  Buffer.from([0]),
);

/**
 * A HEIF file whose only item is its Exif block (no image item: "HEIC-like"), laid out as
 * ftyp, meta {hdlr, iinf, iloc}, free (tag), mdat (Exif: u32 header offset 6, `Exif\0\0`, TIFF).
 */
function heic(spec: MediaSpec): Buffer {
  const free = box('free', Buffer.from(spec.tag, 'utf8'));
  if (!spec.takenTime) return Buffer.concat([HEIC_FTYP, fullBox('meta', 0, HDLR_PICT), free]);
  const exif = Buffer.concat([u32(6), exifPayload(spec.takenTime, spec.camera)]);
  const infe = fullBox('infe', 2, u16(1, 0), Buffer.from('Exif\0', 'latin1'));
  const iinf = fullBox('iinf', 0, u16(1), infe);
  const iloc = (offset: number): Buffer =>
    fullBox('iloc', 0, Buffer.from([0x44, 0x00]), u16(1, 1, 0, 1), u32(offset, exif.length));
  const metaOf = (offset: number): Buffer => fullBox('meta', 0, HDLR_PICT, iinf, iloc(offset));
  const exifAt = HEIC_FTYP.length + metaOf(0).length + free.length + 8;
  return Buffer.concat([HEIC_FTYP, metaOf(exifAt), free, box('mdat', exif)]);
}

/** Seconds from 1904-01-01 UTC (the QuickTime epoch) to the Unix epoch. */
const QT_EPOCH_OFFSET = 2082844800;

function mvhd(takenTime: Date | null): Buffer {
  const created = takenTime ? Math.floor(takenTime.getTime() / 1000) + QT_EPOCH_OFFSET : 0;
  const matrix = u32(0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000);
  const times = u32(created, created, 1000, 3000, 0x10000);
  return fullBox('mvhd', 0, times, u16(0x0100), Buffer.alloc(10), matrix, Buffer.alloc(24), u32(2));
}

function movie(spec: MediaSpec): Buffer {
  const type =
    spec.format === 'mov'
      ? ftyp('qt  ', 0, ['qt  '])
      : ftyp('isom', 0x200, ['isom', 'iso2', 'mp41']);
  const free = box('free', Buffer.from(spec.tag, 'utf8'));
  return Buffer.concat([type, box('moov', mvhd(spec.takenTime)), free, box('mdat')]);
}

// --- PNG: 1x1 grey, the tag in a tEXt chunk, never a date (screenshots carry none) ---

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_IDAT = deflateSync(Buffer.from([0, 0x80]));

function chunk(type: string, data: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32(data.length), typed, u32(crc32(typed))]);
}

function png(tag: string): Buffer {
  const ihdr = Buffer.concat([u32(1, 1), Buffer.from([8, 0, 0, 0, 0])]);
  const text = Buffer.from(`Comment\0${tag}`, 'latin1');
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('tEXt', text),
    chunk('IDAT', PNG_IDAT),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
