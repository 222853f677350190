/**
 * Where media that only Google Photos has (no Drive copy) lives: `picasa/YYYY/MM/<name>`, dated in
 * UTC so the path never depends on the machine's time zone. Pure.
 *
 * Names and duplicates follow the drive/ rules exactly, because the work is done by
 * assignPlacements with `picasa/YYYY/MM` as the folder: sanitised names, `stem (n).ext` for
 * case-folded collisions, (timestamp, id) order, stored numbers kept.
 */
import { assignPlacements, type Placement } from './layout.ts';
import { sanitizeName } from './sanitize.ts';

export const PICASA_DIR = 'picasa';

const pad = (n: number, width: number): string =>
  n < 0 ? `-${String(-n).padStart(width, '0')}` : String(n).padStart(width, '0');

/**
 * Year, month and day of `d` in UTC, zero-padded (`2016`, `01`, `09`). Throws RangeError for an
 * invalid Date (a caller bug: the sync layer picks a fallback time).
 */
export function utcDateParts(d: Date): { yyyy: string; mm: string; dd: string } {
  if (Number.isNaN(d.getTime())) throw new RangeError('Expected a valid Date, got Invalid Date');
  return {
    yyyy: pad(d.getUTCFullYear(), 4),
    mm: pad(d.getUTCMonth() + 1, 2),
    dd: pad(d.getUTCDate(), 2),
  };
}

/** `picasa/YYYY/MM` for a UTC timestamp. */
export function picasaDir(timestamp: Date): string {
  const { yyyy, mm } = utcDateParts(timestamp);
  return `${PICASA_DIR}/${yyyy}/${mm}`;
}

/** `picasa/YYYY/MM/<sanitised name>`: the path before any duplicate suffix. */
export function picasaRelPath(timestamp: Date, name: string): string {
  return `${picasaDir(timestamp)}/${sanitizeName(name)}`;
}

export interface PicasaLayoutInput {
  /** Picasa photo id; unique within one call. */
  id: string;
  /** The remote file name, not yet sanitised. */
  name: string;
  /** gphoto:timestamp: picks the folder for a new item and orders duplicates. */
  timestamp: Date;
  /** What the index assigned last time, if anything (as for drive/). */
  stored?: { relPath: string; dupNumber: number } | null;
}

/** `picasa/<a>/<b>/<file>`: the shape of a stored picasa path. */
const STORED = /^picasa\/[^/]+\/[^/]+\/[^/]+$/;

/**
 * Unique `picasa/YYYY/MM/…` paths, in input order (same contract as assignPlacements).
 *
 * A placed file never moves: an item with a stored picasa path keeps that folder even when its
 * timestamp was edited in Google Photos since, and keeps its duplicate number while its sanitised
 * name is unchanged (a renamed item gets a new name in the same folder). New items go under the
 * month of their timestamp.
 */
export function assignPicasaPlacements(items: readonly PicasaLayoutInput[]): Placement[] {
  return assignPlacements(
    items.map((it) => {
      const stored = it.stored ?? null;
      const keep = stored !== null && STORED.test(stored.relPath);
      return {
        id: it.id,
        dir: keep
          ? stored.relPath.slice(0, stored.relPath.lastIndexOf('/'))
          : picasaDir(it.timestamp),
        name: it.name,
        createdTime: Number.isNaN(it.timestamp.getTime()) ? null : it.timestamp.toISOString(),
        stored,
      };
    }),
  );
}
