/**
 * `verify`: re-reads the local tree against the index, so that a file lost or damaged on the
 * backup disk (bit rot, a bad copy, a person's mistake) shows up. Repairing is repair.ts's.
 *
 * Contract of `verifyTree`:
 * - Media rows of every source (drive/ and picasa/), one stat each, `statWidth` at once:
 *   - `done`: `missing` when the file is not there; `changed` when it is not a regular file or
 *     its size differs from the index, or (with checksums) its sha256 does (its md5 when the
 *     index has no sha256); a file that cannot be
 *     read (EIO: a dying disk) is `changed` too. Items without an md5 in the index (Photos-only
 *     items) are checked by size; those without a size either (Photos-only videos) only for
 *     existence.
 *   - `gone` (deleted in Google, file kept on purpose): checked like `done` when the file is
 *     there; its absence is not a problem. `skipped`: never checked.
 *   - `pending` / `failed`: not downloaded yet; counted (`notDownloaded`), not a problem, unless
 *     named in `recheck` (then checked like `done`: an item a repair could not download).
 * - Files under the sources' top folders that no row names are `unknown`, except temp files
 *   (`.*.gphotos-part`), reported as `leftover` (a killed pass's; the next pass removes them), and
 *   the litter of NAS and desktop systems (IGNORED_NAMES).
 * - albums/: see verify-albums.ts.
 * - Every problem is handed to `onProblem` as it is found; nothing is changed on disk or in the
 *   index. `leftover` is reported but is not counted in `problems`.
 *
 * Memory: one path per index row (the set of known paths) plus the problems a repair needs.
 */
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { findSyncError } from '../errors/errors.ts';
import type { AlbumRepo } from '../index/album-repo.ts';
import type { BriefMediaRow, MediaRepo, MediaSource } from '../index/media-repo.ts';
import { hashFile, statLocal } from '../tree/local.ts';
import { isPartName } from '../tree/writer.ts';
import { SOURCES, sourceTops } from './sources/registry.ts';
import { verifyAlbums } from './verify-albums.ts';
import { isIgnoredName, nfc, walkTree, type DiskEntry } from './verify-disk.ts';
import {
  checkMode,
  fileProblem,
  itemKey,
  problemKinds,
  unknownDetail,
  type ProblemKind,
  type VerifyProblem,
} from './verify-problems.ts';

export { isIgnoredName } from './verify-disk.ts';
export {
  fileProblem,
  itemKey,
  problemKinds,
  type IndexedFacts,
  type ProblemKind,
  type VerifyProblem,
} from './verify-problems.ts';

export interface VerifyDeps {
  root: string;
  media: MediaRepo;
  /** Where Drive shortcuts' links stand (ours, though no media row names them). */
  shortcutLinks?: () => Promise<string[]>;
  albums: AlbumRepo;
  log: Logger;
  signal: AbortSignal;
  /** Compare the md5 of every file that has one in the index (with the size: always). */
  checksums: boolean;
  /**
   * Items (keys from `itemKey`) checked like `done` whatever their state, md5 included: after a
   * repair, the items it was asked to restore.
   */
  recheck?: ReadonlySet<string>;
  /** Files hashed at once. */
  hashWidth: number;
  /** Files stat'ed at once (default 32). */
  statWidth?: number;
  /** Seconds between progress log lines; 0: none. */
  progressSeconds: number;
  onProblem: (p: VerifyProblem) => void;
}

export interface VerifyResult {
  /** Media files looked at on disk. */
  files: number;
  hashed: number;
  bytesHashed: number;
  counts: Record<ProblemKind, number>;
  /** Every kind but `leftover`: what makes the backup wrong. */
  problems: number;
  /** Rows pending or failed: not downloaded yet (not problems). */
  notDownloaded: number;
  /** The problems a repair can act on (every kind but `unknown`). */
  repairable: VerifyProblem[];
}

/** One verification: its counters, the paths the index knows, and where problems go. */
interface Run {
  deps: VerifyDeps;
  result: VerifyResult;
  report: (p: VerifyProblem) => void;
  /** Every indexed path (NFC): a file under a top folder that is not one is unknown. */
  known: Set<string>;
  /** Files hashed at once. */
  hashes: PQueue;
}

export async function verifyTree(deps: VerifyDeps): Promise<VerifyResult> {
  const result: VerifyResult = {
    files: 0,
    hashed: 0,
    bytesHashed: 0,
    counts: Object.fromEntries(problemKinds.map((k) => [k, 0])) as Record<ProblemKind, number>,
    problems: 0,
    notDownloaded: 0,
    repairable: [],
  };
  const report = (p: VerifyProblem): void => {
    result.counts[p.kind]++;
    if (p.kind !== 'leftover') result.problems++;
    if (p.kind !== 'unknown') result.repairable.push(p);
    deps.onProblem(p);
  };
  const run: Run = {
    deps,
    result,
    report,
    known: new Set(),
    hashes: new PQueue({ concurrency: Math.max(1, deps.hashWidth) }),
  };
  const started = Date.now();
  const counts = await deps.media.countByState();
  const progress = progressLines(run, counts.done + counts.gone + (deps.recheck?.size ?? 0));
  try {
    await checkMedia(run);
    progress.phase = 'tree';
    for (const p of (await deps.shortcutLinks?.()) ?? []) run.known.add(nfc(p));
    await findUnknown(run);
    progress.phase = 'albums';
    await verifyAlbums(deps, report);
  } finally {
    progress.stop();
  }
  deps.log.debug({ seconds: (Date.now() - started) / 1000, ...result.counts }, 'verify done');
  return result;
}

/** Logs `verify progress` every `progressSeconds` (none when 0) until stopped. */
function progressLines(run: Run, total: number): { phase: string; stop: () => void } {
  const { deps, result } = run;
  const started = Date.now();
  const state = { phase: 'files', stop: () => {} };
  if (deps.progressSeconds <= 0) return state;
  const timer = setInterval(() => {
    deps.log.info(
      {
        phase: state.phase,
        files: result.files,
        of: total,
        hashed: result.hashed,
        bytesHashed: result.bytesHashed,
        problems: result.problems,
        seconds: Math.round((Date.now() - started) / 1000),
      },
      'verify progress',
    );
  }, deps.progressSeconds * 1000).unref();
  state.stop = () => clearInterval(timer);
  return state;
}

/** Every row of every source, `statWidth` at once. */
async function checkMedia(run: Run): Promise<void> {
  const { deps } = run;
  const stats = new PQueue({ concurrency: deps.statWidth ?? 32 });
  for (const { name: source } of SOURCES) {
    for await (const rows of deps.media.iterateBrief(source)) {
      deps.signal.throwIfAborted();
      for (const r of rows) run.known.add(nfc(r.relPath));
      await stats.addAll(
        rows.map((row) => async () => {
          deps.signal.throwIfAborted();
          await checkRow(run, source, row);
        }),
      );
    }
  }
}

async function checkRow(run: Run, source: MediaSource, row: BriefMediaRow): Promise<void> {
  const { deps, result } = run;
  const rechecked = deps.recheck?.has(itemKey(source, row.remoteId)) ?? false;
  const mode = checkMode(row.state, rechecked);
  if (mode === 'skip') {
    if (row.state === 'pending' || row.state === 'failed') result.notDownloaded++;
    return;
  }
  let found: ReturnType<typeof fileProblem>;
  try {
    const disk = await statLocal(deps.root, row.relPath);
    if (mode === 'if-present' && !disk.exists) return;
    result.files++;
    const sums = { md5: null as string | null, sha256: null as string | null };
    // One hash per file: sha256 when the index has one (Drive's), else md5.
    const algorithm = row.sha256 !== null ? 'sha256' : row.md5 !== null ? 'md5' : null;
    const wanted = (deps.checksums || rechecked) && algorithm !== null;
    if (wanted && disk.isFile && (row.size === null || disk.size === row.size)) {
      sums[algorithm] = await run.hashes.add(() => hashFile(deps.root, row.relPath, algorithm));
      result.hashed++;
      result.bytesHashed += disk.size ?? 0;
    }
    found = fileProblem(row, disk, sums.md5, sums.sha256);
  } catch (err) {
    // Permission denied, a disk gone read-only…: the whole run is wrong. EIO and the like
    // are what a dying disk gives: that file is damaged.
    if (findSyncError(err)) throw err;
    found = { kind: 'changed', detail: `cannot be read (${errorCode(err)})` };
  }
  if (found === null) return;
  const gone = row.state === 'gone' ? ' (deleted in Google: cannot be downloaded again)' : '';
  run.report({
    kind: found.kind,
    path: row.relPath,
    detail: `${found.detail}${gone}`,
    item: { source, remoteId: row.remoteId, state: row.state },
  });
}

/** Files under the sources' top folders that no row names. */
async function findUnknown(run: Run): Promise<void> {
  const { root, signal } = run.deps;
  const enter = (d: DiskEntry) => !isIgnoredName(d.name);
  for (const top of sourceTops()) {
    for await (const e of walkTree(root, top, enter, signal)) {
      if (run.known.has(nfc(e.rel))) continue;
      if (isPartName(e.name)) {
        run.report({ kind: 'leftover', path: e.rel, detail: 'temp file of a stopped pass' });
      } else if (!isIgnoredName(e.name)) {
        run.report({ kind: 'unknown', path: e.rel, detail: unknownDetail(e) });
      }
    }
  }
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}
