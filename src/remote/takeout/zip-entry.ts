/**
 * Opens one wanted zip entry: decides from the central directory whether it can be read at all,
 * then reads its local header and hands out a body positioned at its data. Sizes, CRC and method
 * come from the central directory; the local header is read for its own name and extra lengths
 * (which may differ from the central directory's) and its method, which must agree. Its sizes
 * and zip64 field are not needed: they are zero or repeat the directory (bit 3 data descriptors
 * likewise; the next entry is found by its directory offset, so a descriptor, with or without
 * signature, 32- or 64-bit, is simply passed over).
 */
import { checkEntryName } from './entry-name.ts';
import type { EntryProblem, EntryProblemKind, EntryRead } from './types.ts';
import { type BodySpec, METHOD_DEFLATE, METHOD_STORE, zipBody } from './zip-body.ts';
import type { ByteCursor } from './zip-cursor.ts';
import type { ZipItem } from './zip-directory.ts';
import { LOCAL_SIZE, parseLocal } from './zip-records.ts';

const FLAG_ENCRYPTED = 0x0001;
/**
 * A declared ratio no real entry reaches: JPEG, HEIC and video compress about 1:1, JSON about
 * 5:1, while a run of zeros deflates ~1000:1. Entries that declare more than 1 GiB at over
 * 1000:1 are refused unread; smaller ones are read, bounded by their declared size.
 */
export const MAX_RATIO = 1000;
export const RATIO_MIN_SIZE = 1024 ** 3;

export interface ZipPart {
  name: string;
  cursor: ByteCursor;
  /** Where the central directory starts: no entry's data may run into it. */
  dataEnd: number;
}

/** A read to hand out, and where the entry's data ends when it has a body. */
export type Opened = { read: EntryRead; end: number | null };

/** `readFrom`: the first offset not yet used by an earlier entry's data (overlap guard). */
export async function openZipEntry(
  item: ZipItem,
  part: ZipPart,
  readFrom: number,
): Promise<Opened> {
  const { entry } = item;
  const name = checkEntryName(entry.path);
  if (!name.ok) return refuse(item, name.problem.kind, name.problem.message, part);
  if (entry.isDirectory) return { read: { entry }, end: null };
  const found = directoryProblem(item);
  if (found) return refuse(item, found[0], `${entry.path} ${found[1]}`, part);
  if (item.localOffset < readFrom) {
    return refuse(item, 'corrupt', `${entry.path} overlaps the entry before it`, part);
  }
  await part.cursor.seek(item.localOffset);
  const local = parseLocal(await part.cursor.exactly(LOCAL_SIZE));
  if (local === null || local.method !== item.method) {
    const what = `has no valid local header at byte ${item.localOffset}`;
    return refuse(item, 'corrupt', `${entry.path} ${what}`, part);
  }
  const dataStart = item.localOffset + LOCAL_SIZE + local.nameLength + local.extraLength;
  const end = dataStart + item.compressedSize;
  if (end > part.dataEnd) {
    return refuse(item, 'corrupt', `${entry.path} runs into the central directory`, part);
  }
  await part.cursor.seek(dataStart);
  const spec: BodySpec = {
    part: part.name,
    path: entry.path,
    method: item.method as BodySpec['method'],
    compressedSize: item.compressedSize,
    size: entry.size,
    crc32: entry.crc32 ?? 0,
  };
  return { read: { entry, body: zipBody(part.cursor, spec) }, end };
}

/** Why the central directory alone rules the entry out, or null. */
function directoryProblem(item: ZipItem): [EntryProblemKind, string] | null {
  const { size } = item.entry;
  const packed = item.compressedSize;
  if (item.flags & FLAG_ENCRYPTED) return ['encrypted', 'is encrypted'];
  if (item.method !== METHOD_STORE && item.method !== METHOD_DEFLATE) {
    return [
      'unsupported',
      `uses compression method ${item.method} (only store and deflate are read)`,
    ];
  }
  if (item.method === METHOD_STORE && packed !== size) {
    return ['size', `is stored in ${packed} bytes but declares ${size}`];
  }
  if (size > RATIO_MIN_SIZE && size > packed * MAX_RATIO) {
    return ['bomb', `declares ${size} bytes packed into ${packed}, over ${MAX_RATIO}:1`];
  }
  return null;
}

function refuse(item: ZipItem, kind: EntryProblemKind, what: string, part: ZipPart): Opened {
  const problem: EntryProblem = { kind, message: `${part.name}: ${what}; it was not read` };
  return { read: { entry: item.entry, problem }, end: null };
}
