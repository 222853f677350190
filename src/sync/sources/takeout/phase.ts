/**
 * The Takeout phase of a pass: find the exports in the places the user named, read every part of
 * each complete export that is not read yet (read-part.ts), then file it (file-export.ts).
 *
 * An export is read only when it looks whole and settled:
 * - its parts are numbered 1..N without a gap;
 * - its last part is smaller than a full part (Takeout fills every part to the size the user
 *   chose, 1 to 50 GB, and the rest goes last), or the parts have not changed for a day;
 * - no part changed in the last `settleMs` (Google Drive, a browser or rsync may still be writing
 *   it) nor between the first look and the moment it is opened.
 * An export that waits is noted (`check` and the summary say so) and read by a later pass.
 */
import fs from 'node:fs/promises';
import type { Logger } from 'pino';
import { SyncError } from '../../../errors/errors.ts';
import type { AlbumRepo } from '../../../index/album-repo.ts';
import type { MediaRepo } from '../../../index/media-repo.ts';
import type { ExportRow, PartRow, TakeoutRepo } from '../../../index/takeout-repo.ts';
import { heapFor } from '../../../lib/heap-mode.ts';
import { fileByteSource } from '../../../remote/takeout/byte-source.ts';
import { DirReader } from '../../../remote/takeout/dir-reader.ts';
import { findParts, type FoundPart } from '../../../remote/takeout/local-parts.ts';
import { openPart } from '../../../remote/takeout/open-part.ts';
import type { PartReader } from '../../../remote/takeout/types.ts';
import { dateSources, type DateSource } from './decide.ts';
import { fileExport } from './file-export.ts';
import type { PartSource } from './part-source.ts';
import { StepClock } from './steps.ts';
import { contentKey, readPart, type ReadPartDeps } from './read-part.ts';

export interface TakeoutPhaseDeps {
  root: string;
  /** `--takeout` paths. */
  paths: readonly string[];
  repo: TakeoutRepo;
  media: MediaRepo;
  albums: AlbumRepo;
  log: Logger;
  signal: AbortSignal;
  /** `--takeout-complete`: each export holds the whole library (what it lacks is recorded gone). */
  complete: boolean;
  /** A part modified less than this long ago may still be being written. */
  settleMs: number;
  now?: () => number;
  /** Parts found elsewhere than in `paths`: Drive's Takeout folder (drive-parts.ts). */
  extraParts?: PartSource;
}

/** The Takeout figures of a pass (summary and metrics). */
export interface TakeoutCounts {
  takeoutExports: number;
  takeoutWaiting: number;
  takeoutParts: number;
  takeoutBadParts: number;
  takeoutBadEntries: number;
  takeoutAdded: number;
  takeoutChanged: number;
  takeoutInDrive: number;
  takeoutTrashed: number;
  /** Items a complete export no longer holds, recorded gone this pass. */
  takeoutGone: number;
  takeoutBytes: number;
  takeoutDated: Record<DateSource, number>;
}

export function emptyTakeoutCounts(): TakeoutCounts {
  return {
    takeoutExports: 0,
    takeoutWaiting: 0,
    takeoutParts: 0,
    takeoutBadParts: 0,
    takeoutBadEntries: 0,
    takeoutAdded: 0,
    takeoutChanged: 0,
    takeoutInDrive: 0,
    takeoutTrashed: 0,
    takeoutGone: 0,
    takeoutBytes: 0,
    takeoutDated: Object.fromEntries(dateSources.map((s) => [s, 0])) as Record<DateSource, number>,
  };
}

const DAY_MS = 24 * 3600 * 1000;
/** The part sizes Takeout offers (1, 2, 4, 10, 50 GB), in bytes. */
const PART_SIZES = [1, 2, 4, 10, 50].map((g) => g * 1e9);

/**
 * Whether a part is as large as a full one: Takeout fills every part to the size the user chose
 * (small.lst: 1 GB parts of about 1.07 GB) and puts the rest in the last, so a last part of a
 * size Takeout offers (-5 % .. +10 %, either GB or GiB) may be followed by more.
 */
function looksFull(size: number): boolean {
  return PART_SIZES.some((s) => size >= 0.95 * s && size <= 1.1 * s * (1024 ** 3 / 1e9));
}

export async function runTakeoutPhase(deps: TakeoutPhaseDeps): Promise<TakeoutCounts> {
  const counts = emptyTakeoutCounts();
  const found = await findParts(deps.paths);
  if (found.problems.length > 0) {
    throw new SyncError('usage', found.problems.join('; '), {
      hints: [
        '--takeout names a Takeout part (.zip, .tgz), a folder of parts, or an extracted Takeout/ folder',
      ],
    });
  }
  const extra = (await deps.extraParts?.find(deps.signal)) ?? [];
  const byExport = new Map<string, FoundPart[]>();
  for (const p of [...found.parts, ...extra])
    byExport.set(p.exportId, [...(byExport.get(p.exportId) ?? []), p]);
  const stored = new Map((await deps.repo.exports()).map((e) => [e.exportId, e]));
  for (const [exportId, parts] of [...byExport].sort(([a], [b]) => (a < b ? -1 : 1))) {
    deps.signal.throwIfAborted();
    parts.sort((a, b) => a.number - b.number);
    await runExport(deps, exportId, parts, stored.get(exportId), counts);
  }
  return counts;
}

async function runExport(
  deps: TakeoutPhaseDeps,
  exportId: string,
  parts: FoundPart[],
  stored: ExportRow | undefined,
  counts: TakeoutCounts,
): Promise<void> {
  const log = deps.log.child({ exportId });
  const waiting = whyWaiting(parts, stored, deps.settleMs, (deps.now ?? Date.now)());
  const seen = { exportId, parts: parts.length, note: waiting, complete: deps.complete };
  // Recorded first (a read export stays read): its parts reference it.
  await deps.repo.noteExport({ ...seen, state: 'waiting' });
  const rows = [];
  for (const p of parts) rows.push(await deps.repo.notePart(p));
  if (stored?.state === 'read' && rows.every((r) => r.state === 'read' || r.state === 'bad'))
    return;
  await deps.repo.noteExport({ ...seen, state: waiting ? 'waiting' : 'reading' });
  if (waiting) {
    counts.takeoutWaiting++;
    log.warn({ reason: waiting }, 'Takeout export not read yet; a later pass reads it');
    return;
  }
  const clock = new StepClock(log);
  // Reading streams (lib/heap-mode.ts); filing holds every item of the export.
  heapFor('read');
  await readParts(deps, exportId, rows, counts, log);
  heapFor('index');
  clock.done('read and stage', { parts: rows.length });
  const filed = await fileExport({ ...deps, log, exportId, complete: deps.complete });
  await deps.extraParts?.afterFiled(exportId, rows, deps.signal);
  counts.takeoutExports++;
  counts.takeoutAdded += filed.added;
  counts.takeoutChanged += filed.changed;
  counts.takeoutInDrive += filed.inDrive;
  counts.takeoutTrashed += filed.trashed;
  counts.takeoutGone += filed.gone;
  counts.takeoutBytes += filed.bytes;
  for (const s of dateSources) counts.takeoutDated[s] += filed.dated[s];
}

/**
 * Reads the parts of an export not read yet. What the reader may skip (KnownContent: two entries
 * an item, held and filed) lives only as long as this call: filing, which holds every item of the
 * export, comes after, and must not hold these too.
 */
async function readParts(
  deps: TakeoutPhaseDeps,
  exportId: string,
  rows: readonly PartRow[],
  counts: TakeoutCounts,
  log: Logger,
): Promise<void> {
  const known = await knownContent(deps, exportId);
  for (const row of rows) {
    if (row.state === 'read') continue;
    await readOnePart(deps, row, known, counts, log);
  }
}

async function readOnePart(
  deps: TakeoutPhaseDeps,
  row: PartRow,
  known: KnownContent,
  counts: TakeoutCounts,
  log: Logger,
): Promise<void> {
  const before = row.badEntries;
  const source = deps.extraParts?.owns(row) === true ? deps.extraParts : undefined;
  const changed = source ? await source.changedSince(row, deps.signal) : await changedSince(row);
  if (changed)
    throw new SyncError(
      'fatal',
      `${row.fileName} changed while the pass was about to read it (${changed}); it is read by a later pass`,
    );
  log.info({ part: row.fileName, from: row.nextEntry }, 'reading Takeout part');
  const reader = source ? await source.open(row, deps.signal) : await readerOf(row);
  const read = await readPart(
    {
      root: deps.root,
      repo: deps.repo,
      log,
      signal: deps.signal,
      exportId: row.exportId,
      ...known,
    },
    row,
    reader,
  );
  counts.takeoutParts++;
  counts.takeoutBadEntries += read.bad - before;
  if (read.broken !== null) {
    counts.takeoutBadParts++;
    log.error(
      {
        part: row.fileName,
        problem: read.broken,
        // What to do: a part whose size or mtime changes is read again (TakeoutRepo.notePart).
        hint: row.location.startsWith('drive:')
          ? `${row.fileName} is damaged in Drive too: ask Google Takeout for the export again; the next pass reads the new parts`
          : `download ${row.fileName} again from Google Takeout and put it in place of this one; the next pass reads it`,
      },
      'Takeout part is damaged; its entries read so far are kept',
    );
    await deps.repo.finishPart(row.exportId, row.number, 'bad', read.broken);
  } else {
    // A Drive part is checked once read whole: its md5 (drive-parts.ts).
    const problem = (await source?.afterRead(row, reader, deps.signal)) ?? null;
    if (problem !== null) {
      counts.takeoutBadParts++;
      log.error({ part: row.fileName, problem }, 'Takeout part does not match its checksum');
    }
    await deps.repo.finishPart(
      row.exportId,
      row.number,
      problem === null ? 'read' : 'bad',
      problem,
    );
  }
}

async function readerOf(row: PartRow): Promise<PartReader> {
  if (row.format === 'dir') return new DirReader(row.location, row.size);
  return openPart(await fileByteSource(row.location), row.format);
}

/** The second look: null when the part is as it was found, else what changed. */
async function changedSince(row: PartRow): Promise<string | null> {
  if (row.format === 'dir') return null;
  const st = await fs.stat(row.location).catch(() => null);
  if (st === null) return 'it is gone';
  if (st.size !== row.size) return `its size went from ${row.size} to ${st.size} bytes`;
  return null;
}

/** Why an export is not read yet, or null when it can be (see the module's contract). */
export function whyWaiting(
  parts: readonly FoundPart[],
  stored: ExportRow | undefined,
  settleMs: number,
  now: number,
): string | null {
  const numbers = parts.map((p) => p.number);
  const missing = [];
  for (let n = 1; n <= Math.max(...numbers); n++) if (!numbers.includes(n)) missing.push(n);
  if (missing.length > 0)
    return `part(s) ${missing.join(', ')} of ${Math.max(...numbers)} are missing`;
  const fresh = parts.find((p) => now - p.mtime.getTime() < settleMs);
  if (fresh)
    return `${fresh.fileName} changed less than ${Math.round(settleMs / 1000)} s ago (still being written?)`;
  const last = parts[parts.length - 1] as FoundPart;
  const seenFor = stored ? now - stored.firstSeenAt.getTime() : 0;
  if (looksFull(last.size) && !(seenFor > DAY_MS)) {
    return `the last part (${last.fileName}) is as large as a full Takeout part, so more parts may follow; it is read once a smaller last part arrives or the parts have not changed for a day`;
  }
  return null;
}

/** What the reader may skip (ReadPartDeps): bytes of items filed before and of entries recorded already. */
type KnownContent = Pick<ReadPartDeps, 'known' | 'held'>;

async function knownContent(deps: TakeoutPhaseDeps, exportId: string): Promise<KnownContent> {
  const known = new Map<string, string>();
  const held = new Set<string>();
  for await (const page of deps.repo.iterateContents()) {
    for (const c of page) {
      if (c.crc32 !== null) known.set(contentKey(c.size, c.crc32, c.archiveName), c.md5);
      held.add(`${c.md5}:${c.size}`);
    }
  }
  for (const e of await deps.repo.mediaContentOf(exportId)) {
    const name = e.path.slice(e.path.lastIndexOf('/') + 1);
    if (e.size === null || e.md5 === null) continue;
    if (e.crc32 !== null) known.set(contentKey(e.size, e.crc32, name), e.md5);
    held.add(`${e.md5}:${e.size}`);
  }
  return { known, held };
}
