/**
 * The mtime a file gets: when the photo was taken if Drive knows, else when it was uploaded. Pure.
 */

// 2017:05:21 13:45:02 (Drive's imageMediaMetadata.time) or RFC 3339 2017-05-21T13:45:02.817Z.
const STAMP =
  /^(\d{4})([:-])(\d{2})\2(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;

/** Dates outside this range are clock resets or garbage, and some file systems cannot store them. */
const MIN_YEAR = 1900;
const MAX_YEAR = 2200;

const daysIn = (year: number, month: number): number =>
  new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Parses Drive's EXIF-style `YYYY:MM:DD HH:MM:SS` or an RFC 3339 time; null for anything else.
 *
 * EXIF times carry no zone. They are read as UTC so the result never depends on the machine's
 * time zone (a pass in a container and one on a laptop give the same mtimes); the file's mtime is
 * then the camera's wall-clock time shown as UTC. A zone or offset, when present, is honoured.
 * Garbage gives null: '', `0000:00:00 00:00:00`, month 13, 30 February, hour 24, years outside
 * 1900–2200.
 */
export function parseTakenTime(exif: string | null | undefined): Date | null {
  if (typeof exif !== 'string') return null;
  // Some cameras pad the EXIF string with NULs or spaces.
  const m = STAMP.exec(exif.replace(/\0+$/, '').trim());
  if (!m) return null;
  const num = (i: number): number => Number(m[i]);
  const [year, month, day, hour, minute, second] = [num(1), num(3), num(4), num(5), num(6), num(7)];
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12) return null;
  if (day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  const ms = m[8] ? Number(m[8].slice(1, 4).padEnd(3, '0')) : 0;
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const zone = m[9];
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offH = Number(digits.slice(0, 2));
    const offM = Number(digits.slice(2));
    if (offH > 23 || offM > 59) return null;
    t -= sign * (offH * 60 + offM) * 60_000;
  }
  return new Date(t);
}

/** The mtime for a file: the taken time if it parses, else createdTime (RFC 3339), else null. */
export function fileMtime(
  takenTime: string | null | undefined,
  createdTime: string | null | undefined,
): Date | null {
  return parseTakenTime(takenTime) ?? parseTakenTime(createdTime);
}
