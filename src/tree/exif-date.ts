/**
 * When a file on disk says it was taken: EXIF for photos (exifr: JPEG, HEIC, TIFF, PNG), the
 * QuickTime/MP4 `mvhd` box for videos. Used for Takeout items whose sidecar gives no date.
 * Never throws: a corrupt, unreadable or unknown file gives null.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import exifr from 'exifr';
import { parseTakenTime } from './taken-time.ts';

/** EXIF tags read: the date, the digitized date, and the offsets EXIF 2.31 added for them. */
const TAGS = ['DateTimeOriginal', 'CreateDate', 'OffsetTimeOriginal', 'OffsetTimeDigitized'];

const OFFSET = /^[+-]\d{2}:\d{2}$/;

/**
 * `DateTimeOriginal`, else `CreateDate` (EXIF's DateTimeDigitized), as parseTakenTime reads them:
 * the wall-clock time as UTC, unless the matching `OffsetTime…` tag gives the offset.
 */
async function exifDate(filePath: string): Promise<Date | null> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = await exifr.parse(filePath, { pick: TAGS, reviveValues: false });
  } catch {
    return null; // `Unknown file format`, an unreadable file
  }
  if (!tags) return null;
  const pairs: Array<[unknown, unknown]> = [
    [tags.DateTimeOriginal, tags.OffsetTimeOriginal],
    [tags.CreateDate, tags.OffsetTimeDigitized],
  ];
  for (const [stamp, offset] of pairs) {
    if (typeof stamp !== 'string') continue;
    const zone = typeof offset === 'string' && OFFSET.test(offset.trim()) ? offset.trim() : '';
    const date = parseTakenTime(stamp.replace(/\0+$/, '').trim() + zone);
    if (date) return date;
  }
  return null;
}

/** Seconds from 1904-01-01 (QuickTime's epoch) to 1970-01-01. */
const QT_EPOCH = 2_082_844_800;
/** Top-level boxes looked at before giving up: a real file has a handful. */
const MAX_BOXES = 64;

interface Box {
  start: number;
  end: number;
  header: number;
}

/**
 * The first box of `type` between `start` and `end`, walking box headers only (a 16-byte read
 * each; `mdat` is stepped over, so `moov` at the end of a 4 GB file costs a few reads). Null when
 * absent or when a header is not a box's (not an ISO BMFF file).
 */
async function findBox(
  fh: FileHandle,
  start: number,
  end: number,
  type: string,
): Promise<Box | null> {
  const head = Buffer.alloc(16);
  let pos = start;
  for (let i = 0; i < MAX_BOXES && pos + 8 <= end; i++) {
    const { bytesRead } = await fh.read(head, 0, 16, pos);
    if (bytesRead < 8) return null;
    const kind = head.toString('latin1', 4, 8);
    if (!/^[a-z0-9 ©]{4}$/i.test(kind)) return null;
    const size32 = head.readUInt32BE(0);
    const header = size32 === 1 ? 16 : 8;
    const size = size32 === 1 ? Number(head.readBigUInt64BE(8)) : size32 === 0 ? end - pos : size32;
    if (size < header || (size32 === 1 && bytesRead < 16)) return null;
    if (kind === type) return { start: pos, end: Math.min(pos + size, end), header };
    pos += size;
  }
  return null;
}

/**
 * `moov/mvhd` creation time. QuickTime defines it as UTC; some cameras write local time there,
 * which is then read as UTC like EXIF. 0 (unset) and dates before 1970 or after 2100 give null.
 */
async function movieDate(fh: FileHandle, size: number): Promise<Date | null> {
  const moov = await findBox(fh, 0, size, 'moov');
  if (!moov) return null;
  const mvhd = await findBox(fh, moov.start + moov.header, moov.end, 'mvhd');
  if (!mvhd) return null;
  const body = Buffer.alloc(12);
  const { bytesRead } = await fh.read(body, 0, 12, mvhd.start + mvhd.header);
  if (bytesRead < 8) return null;
  const seconds =
    body[0] === 1 && bytesRead === 12 ? Number(body.readBigUInt64BE(4)) : body.readUInt32BE(4);
  if (seconds <= QT_EPOCH) return null;
  const date = new Date((seconds - QT_EPOCH) * 1000);
  return date.getUTCFullYear() <= 2100 ? date : null;
}

/**
 * Files exifr is given: JPEG, TIFF, PNG, and ISO BMFF (`ftyp`: HEIC/AVIF; exifr refuses the
 * video brands itself). Sniffing first keeps exifr away from empty files and folders, where it
 * throws before closing the file it opened.
 */
function mayHoldExif(head: Buffer): boolean {
  const magic = head.toString('latin1', 0, 4);
  return (
    (head[0] === 0xff && head[1] === 0xd8) ||
    magic === 'II*\0' ||
    magic === 'MM\0*' ||
    magic === '\x89PNG' ||
    head.toString('latin1', 4, 8) === 'ftyp'
  );
}

/**
 * The date a media file says it was taken: EXIF (photos), else the movie header (videos); null
 * when the file says nothing usable, is no regular file, or cannot be read. Never throws.
 */
export async function readExifDate(filePath: string): Promise<Date | null> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(filePath, 'r');
    const stat = await fh.stat();
    if (!stat.isFile()) return null;
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    if (bytesRead < 8) return null;
    const exif = mayHoldExif(head) ? await exifDate(filePath) : null;
    return exif ?? (await movieDate(fh, stat.size));
  } catch {
    return null;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
