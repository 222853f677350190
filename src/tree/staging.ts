/**
 * Where the Takeout source keeps the media of an export while the export is being read:
 * `.gphotos/takeout/<export>/<part>-<entry>`, inside ROOT so that filing a file into photos/ is
 * one rename on the same file system, never a copy. A media file is written once, here, durably
 * (writer.ts: temp file, md5, fsync, rename); filing moves it. A staged file is named by its
 * entry, so a pass killed after writing it finds it again by name and never writes it twice.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { classifyFsError, isMissing } from './fs-errors.ts';
import { resolveInside } from './layout.ts';
import { md5File, setMtime } from './local.ts';
import { syncDir, writeStreamAtomically } from './writer.ts';

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

/** Writes an entry's bytes to its staged file (atomic and durable); returns size and md5. */
export async function stageEntry(
  root: string,
  rel: string,
  body: AsyncIterable<Uint8Array>,
  signal: AbortSignal,
): Promise<{ bytes: number; md5: string }> {
  return await writeStreamAtomically(
    { root, relPath: rel, expectedSize: null, expectedMd5: null, mtime: null },
    body,
    signal,
  );
}

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

/** Size and md5 of a staged file (a resumed pass recording what a killed one wrote). */
export async function describeStaged(
  root: string,
  rel: string,
): Promise<{ bytes: number; md5: string }> {
  const p = resolveInside(root, rel);
  const st = await fs.stat(p).catch((err: unknown) => {
    throw classifyFsError(err, 'read', p);
  });
  return { bytes: st.size, md5: await md5File(root, rel) };
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
