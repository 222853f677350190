/**
 * The decisions of filing an export, pure: when an item was taken (and by which rule), who it is
 * from export to export, and what to do with it.
 */
import { createHash } from 'node:crypto';
import { ownString } from '../../../lib/own-string.ts';
import { dateFromName } from '../../../remote/takeout/name-date.ts';
import { dateOf, type ItemDraft } from './catalogue.ts';

/**
 * Where an item's date came from, best first. Never the archive's entry times: Takeout sets them
 * to the export time.
 * - `sidecar`: its JSON's photoTakenTime; `partner`: its partner's (edited copy, companion);
 * - `exif`: the file's own EXIF; `name`: a date in its file name; `folder`: its `Photos from YYYY`
 *   or `YYYY-MM-DD` folder; `created`: the sidecar's upload time; `none`: nothing (photos/undated).
 */
export type DateSource = 'sidecar' | 'partner' | 'exif' | 'name' | 'folder' | 'created' | 'none';
export const dateSources: readonly DateSource[] = [
  'sidecar',
  'partner',
  'exif',
  'name',
  'folder',
  'created',
  'none',
];

/** When an item was taken, in milliseconds (a Date an item is 96 bytes; filing holds them all). */
export interface Dated {
  takenMs: number | null;
  dateSource: DateSource;
}

/** When it was taken, as a Date (made when asked for, never held). */
export const takenOf = (d: Dated): Date | null => dateOf(d.takenMs);

/**
 * Dates an item. `exif` is read only when the sidecar and partner gave nothing (the caller passes
 * a function so that the file is opened only then).
 */
export async function dateItem(
  item: ItemDraft,
  partner: ItemDraft | undefined,
  exif: () => Promise<Date | null>,
): Promise<Dated> {
  const own = item.facts?.takenMs ?? null;
  if (own !== null) return { takenMs: own, dateSource: 'sidecar' };
  const partnerTaken = partner?.facts?.takenMs ?? item.partnerFacts?.takenMs ?? null;
  if (partnerTaken !== null) return { takenMs: partnerTaken, dateSource: 'partner' };
  const fromExif = await exif();
  if (fromExif) return { takenMs: fromExif.getTime(), dateSource: 'exif' };
  const fromName = dateFromName(item.facts?.title ?? item.archiveName);
  if (fromName) return { takenMs: fromName.getTime(), dateSource: 'name' };
  if (item.folderDate) return { takenMs: item.folderDate.getTime(), dateSource: 'folder' };
  const created = item.facts?.createdMs ?? null;
  if (created !== null) return { takenMs: created, dateSource: 'created' };
  return { takenMs: null, dateSource: 'none' };
}

/**
 * Who an item is from one export to the next: its Photos URL where the sidecar has one, else its
 * title, taken time and size. An edited copy or companion without a sidecar is its partner's
 * identity plus its own name.
 */
export function identityOf(
  item: ItemDraft,
  dated: Dated,
  partner: ItemDraft | undefined,
  partnerDated: Dated | undefined,
): string {
  if (item.facts?.url) return `url:${item.facts.url}`;
  if (item.facts === null && partner !== undefined && partnerDated !== undefined) {
    return `${identityOf(partner, partnerDated, undefined, undefined)}#${item.archiveName}`;
  }
  const pf = item.partnerFacts;
  if (item.facts === null && pf !== null) {
    const of = pf.url
      ? `url:${pf.url}`
      : `t:${pf.title}|${dateOf(pf.takenMs)?.toISOString() ?? ''}`;
    return `${of}#${item.archiveName}`;
  }
  const title = item.facts?.title ?? item.archiveName;
  return `t:${title}|${takenOf(dated)?.toISOString() ?? ''}|${item.size}`;
}

/** A stable id for an item, from the identity it was first filed under. */
export const itemIdOf = (identity: string): string =>
  ownString(`t${createHash('sha256').update(identity).digest().toString('hex', 0, 12)}`);

/** A filed item and the media row that holds its bytes. */
export interface ItemRef {
  itemId: string;
  mediaSource: 'drive' | 'takeout';
  mediaRemoteId: string;
  /** By which rule it was dated when filed. */
  dateSource: string;
}

/** Dated by what Photos says (its own or its partner's sidecar), not by a fallback. */
export const bySidecar = (source: string): boolean => source === 'sidecar' || source === 'partner';

/** What filing does with one item of an export. */
export type Action =
  /** Filed before with these bytes: nothing to write. */
  | { kind: 'unchanged'; ref: ItemRef }
  /** Filed before, its bytes changed (edited in Photos): the file gets the new bytes. */
  | { kind: 'changed'; ref: ItemRef }
  /** The Drive tree holds the same file (name and size): linked there, not copied. */
  | { kind: 'drive'; driveId: string }
  /** New: filed into photos/. */
  | { kind: 'new' };

export interface Known {
  /** `itemIdOf(identity)` -> the item filed under that identity */
  byIdentity: Map<string, ItemRef>;
  /** `md5:size` -> the item with these bytes */
  byContent: Map<string, ItemRef>;
  /** `name|size` of live Drive items -> Drive id */
  drive: Map<string, string>;
}

/** `identityKey`: `itemIdOf` of the item's identity. */
export function decide(item: ItemDraft, identityKey: string, known: Known): Action {
  const same = known.byContent.get(item.content);
  if (same !== undefined) return { kind: 'unchanged', ref: same };
  const prev = known.byIdentity.get(identityKey);
  if (prev !== undefined) return { kind: 'changed', ref: prev };
  const title = item.facts?.title ?? item.archiveName;
  const driveId = known.drive.get(`${title}|${item.size}`);
  if (driveId !== undefined) return { kind: 'drive', driveId };
  return NEW;
}

/** One object for every new item's action (filing holds one an item). */
const NEW: Action = Object.freeze({ kind: 'new' });

const MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  bmp: 'image/bmp',
  dng: 'image/x-adobe-dng',
  mp4: 'video/mp4',
  m4v: 'video/x-m4v',
  mov: 'video/quicktime',
  '3gp': 'video/3gpp',
  avi: 'video/x-msvideo',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  mp: 'video/mp4',
};

/** The MIME type a file name suggests (Takeout says none); motion-photo `.MP`/`.MP~2` are mp4. */
export function mimeOf(name: string): string {
  const ext = /\.([A-Za-z0-9]+)(~\d+)?$/.exec(name)?.[1]?.toLowerCase() ?? '';
  return MIME[ext] ?? 'application/octet-stream';
}
