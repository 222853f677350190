/**
 * Dates a media file's name or folder gives, for items whose sidecar and EXIF say nothing. Pure.
 * Camera and app names carry the wall-clock time with no zone; like EXIF (src/tree/taken-time.ts)
 * it is read as UTC, so results never depend on the machine's zone. A `+hhmm`/`-hhmm` offset
 * written right after the time (DJI `Bebop2_20180719203057+0200.mp4`, small.lst) is honoured.
 */
import { dateFolderDay } from './paths.ts';
import type { TakeoutPath } from './types.ts';

/** A name's date outside these years is a misread number or a reset clock. */
const MIN_YEAR = 1990;
const MAX_YEAR = 2100;
/** A folder's year is Google's own: scans of old prints sit in `Photos from 1950`. */
const MIN_FOLDER_YEAR = 1800;

/**
 * Date and time, compact: `IMG_20170803_115431469`, `PXL_20231006_063000139`,
 * `VID_20180819_191954`, `20190512_101112`, `Screenshot_20200301-161151`,
 * `Bebop2_20180719203057+0200`. Up to 3 digits after the seconds are milliseconds. No digit may
 * touch either end, so a long number (`2234089303984509579`, immich-go#674) gives nothing.
 */
const COMPACT =
  /(?<!\d)(\d{4})(\d{2})(\d{2})[_-]?(\d{2})(\d{2})(\d{2})(\d{3})?(?!\d)([+-]\d{4}(?!\d))?/;

/** Date and time, separated: `Screenshot_2019-05-12-10-11-12`, `2023-10-06 12.30.00`. */
const SEPARATED = /(?<!\d)(\d{4})-(\d{2})-(\d{2})[-_ ](\d{2})[-.:](\d{2})[-.:](\d{2})(?!\d)/;

/** Date only, WhatsApp: `IMG-20161219-WA0000`, `VID-20150125-WA0003`. */
const WHATSAPP = /(?<!\d)(\d{4})(\d{2})(\d{2})-WA\d+/;

/** Date only, at the start of the name: `2025-04-28(3516).jpg` (immich#30319), `2013-12-23(1).jpg`. */
const LEADING_DAY = /^(\d{4})-(\d{2})-(\d{2})(?!\d)/;

interface Parts {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  ms?: number;
  offsetMinutes?: number;
}

/** A `±hhmm` offset a real zone could have (up to ±14:00, in quarter hours); else undefined. */
function offset(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const h = Number(text.slice(1, 3));
  const m = Number(text.slice(3, 5));
  if (h > 14 || m % 15 !== 0) return undefined;
  return (text.startsWith('-') ? -1 : 1) * (h * 60 + m);
}

/** The UTC instant the parts name, or null for an impossible one or a year out of range. */
function toDate(p: Parts, minYear = MIN_YEAR): Date | null {
  const { year, month, day, hour = 0, minute = 0, second = 0, ms = 0 } = p;
  if (year < minYear || year > MAX_YEAR || month < 1 || month > 12 || day < 1) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return new Date(t - (p.offsetMinutes ?? 0) * 60_000);
}

const nums = (m: RegExpExecArray, from: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => Number(m[from + i]));

function withTime(m: RegExpExecArray): Parts {
  const [year = 0, month = 0, day = 0, hour, minute, second] = nums(m, 1, 6);
  return { year, month, day, hour, minute, second };
}

function withDay(m: RegExpExecArray): Parts {
  const [year = 0, month = 0, day = 0] = nums(m, 1, 3);
  return { year, month, day };
}

function compact(m: RegExpExecArray): Parts {
  const ms = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  return { ...withTime(m), ms, offsetMinutes: offset(m[8]) };
}

/**
 * The date a media file's name states, UTC; null when it states none or an impossible one
 * (`PXL_20240003_333352597.MP`, immich-go#1326: month 00). Rules in order: compact date-time,
 * separated date-time, WhatsApp date, a leading `YYYY-MM-DD`. A date-only name gives midnight.
 */
export function dateFromName(name: string): Date | null {
  const rules: Array<[RegExp, (m: RegExpExecArray) => Parts]> = [
    [COMPACT, compact],
    [SEPARATED, withTime],
    [WHATSAPP, withDay],
    [LEADING_DAY, withDay],
  ];
  for (const [re, parts] of rules) {
    const m = re.exec(name);
    if (!m) continue;
    const date = toDate(parts(m));
    if (date) return date;
  }
  return null;
}

/**
 * The date a folder gives its items, UTC midnight: a 2020-era `YYYY-MM-DD` folder gives that
 * day; a year folder gives 1 January of its year (a mid-year guess would be no nearer, and a
 * fixed rule lets a later, better date be recognised as one); null for any other folder.
 */
export function dateFromFolder(path: TakeoutPath): Date | null {
  if (path.folderKind === 'year' && path.year !== null) {
    return toDate({ year: path.year, month: 1, day: 1 }, MIN_FOLDER_YEAR);
  }
  if (path.folderKind !== 'date') return null;
  const day = dateFolderDay(path.folder.split('/')[0] ?? '');
  return day ? toDate(day, MIN_FOLDER_YEAR) : null;
}
