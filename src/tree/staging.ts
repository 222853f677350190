/**
 * Where the Takeout source keeps the media of an export while the export is being read:
 * `.gphotos/takeout/<export>/<part>-<entry>`, inside ROOT so that filing a file into photos/ is
 * one rename on the same file system, never a copy. A media file is written once, here (temp
 * file, md5 and CRC-32, rename; fsynced by batch before the batch is recorded); filing moves it.
 * A staged file is named by its entry, so a pass killed after writing it finds it again by name
 * and, once its CRC-32 or size checks, never writes it twice.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { classifyFsError, isMissing } from './fs-errors.ts';
import { resolveInside } from './layout.ts';
import { setMtime } from './local.ts';
import { partNameOf, syncDir } from './writer.ts';

const STAGING_TOP = '.gphotos/takeout';

/** The staging folder of an export, relative to ROOT. Export ids are plain part-name stems. */
export function stagingDir(exportId: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(exportId)) {
    throw new RangeError(
      `Expected an export id of [A-Za-z0-9._-], got ${JSON.stringify(exportId)}`,
    );
  }
  return `${STAGING_TOP}/${exportId}`;
}

/** The staged file of one entry of one part. */
export function stagedRel(exportId: string, part: number, entry: number): string {
  return `${stagingDir(exportId)}/${part}-${entry}`;
}

/** What a staged file holds. */
export interface Staged {
  bytes: number;
  md5: string;
  crc32: number;
}

/**
 * Writes an entry's bytes to its staged file: a temp file beside it, md5 and CRC-32 as the bytes
 * pass, then a rename, so the staged name only ever holds a whole entry. Not fsynced here: a
 * batch of staged files is made durable at once (syncStaged) before the batch is recorded, which
 * costs one journal commit per batch instead of two per file. On any error or abort the temp
 * file is removed and the error thrown.
 */
export async function stageEntry(
  root: string,
  rel: string,
  body: AsyncIterable<Uint8Array>,
  signal: AbortSignal,
): Promise<Staged> {
  const final = resolveInside(root, rel);
  const temp = path.join(path.dirname(final), partNameOf(path.basename(final)));
  await fs.mkdir(path.dirname(final), { recursive: true });
  let fh: FileHandle | null = null;
  try {
    fh = await fs.open(temp, 'w');
    const md5 = createHash('md5');
    let crc = 0;
    let bytes = 0;
    for await (const chunk of body) {
      signal.throwIfAborted();
      for (let off = 0; off < chunk.byteLength;) {
        off += (await fh.write(chunk, off, chunk.byteLength - off, bytes + off)).bytesWritten;
      }
      md5.update(chunk);
      crc = crc32(chunk, crc);
      bytes += chunk.byteLength;
    }
    await fh.close();
    fh = null;
    await fs.rename(temp, final);
    return { bytes, md5: md5.digest('hex'), crc32: crc };
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await fs.unlink(temp).catch(() => undefined);
    throw classifyFsError(err, 'write', final);
  }
}

/** fsyncs staged files (a few at a time) and then their folder: a batch made durable. */
export async function syncStaged(root: string, rels: readonly string[]): Promise<void> {
  if (rels.length === 0) return;
  const queue = [...rels];
  const worker = async (): Promise<void> => {
    for (let rel = queue.pop(); rel !== undefined; rel = queue.pop()) {
      const fh = await fs.open(resolveInside(root, rel), 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SYNC_WIDTH, rels.length) }, worker));
  await syncDirs(
    root,
    rels.map((r) => r.slice(0, r.lastIndexOf('/'))),
  );
}

/** fsyncs in flight at once: the file system groups them into few journal commits. */
const SYNC_WIDTH = 16;

/** The entry numbers of a part already staged (a killed pass wrote them): entry -> path. */
export async function stagedEntries(
  root: string,
  exportId: string,
  part: number,
): Promise<Set<number>> {
  const dir = resolveInside(root, stagingDir(exportId));
  const out = new Set<number>();
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if (isMissing(err)) return out;
    throw classifyFsError(err, 'read', dir);
  }
  const prefix = `${part}-`;
  for (const n of names) {
    if (n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length))) {
      out.add(Number(n.slice(prefix.length)));
    }
  }
  return out;
}

/** What a staged file holds (a resumed pass recording what a killed one wrote). */
export async function describeStaged(root: string, rel: string): Promise<Staged> {
  const p = resolveInside(root, rel);
  const md5 = createHash('md5');
  let crc = 0;
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(p, { highWaterMark: 1 << 20 })) {
      md5.update(chunk as Buffer);
      crc = crc32(chunk as Buffer, crc);
      bytes += (chunk as Buffer).byteLength;
    }
  } catch (err) {
    throw classifyFsError(err, 'read', p);
  }
  return { bytes, md5: md5.digest('hex'), crc32: crc };
}

/**
 * Files a staged file at `toRel` with `mtime`: one rename (the target's folder is made when
 * missing). An existing file at `toRel` is replaced (an item whose bytes changed upstream).
 * Resolves false, changing nothing, when the staged file is gone (filed by a killed pass).
 * The caller fsyncs the folders it filed into (syncDirs), once per batch.
 */
export async function fileStaged(
  root: string,
  fromRel: string,
  toRel: string,
  mtime: Date | null,
): Promise<boolean> {
  const from = resolveInside(root, fromRel);
  const to = resolveInside(root, toRel);
  try {
    if (mtime !== null) await setMtime(root, fromRel, mtime);
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.rename(from, to);
    return true;
  } catch (err) {
    if (isMissing(err) && !(await exists(from))) return false;
    throw classifyFsError(err, 'write', to);
  }
}

/** fsyncs each folder once, so the renames into it are durable. */
export async function syncDirs(root: string, relDirs: Iterable<string>): Promise<void> {
  for (const d of new Set(relDirs)) await syncDir(resolveInside(root, d));
}

/** Removes an export's staging folder and whatever it still holds (copies not filed). */
export async function dropStaging(root: string, exportId: string): Promise<void> {
  await fs.rm(resolveInside(root, stagingDir(exportId)), { recursive: true, force: true });
}

/** Removes one staged file (a copy of bytes already filed); a missing file is fine. */
export async function dropStaged(root: string, rel: string): Promise<void> {
  await fs.rm(resolveInside(root, rel), { force: true });
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}
