/**
 * `verify`: re-reads the local tree against the index, so that a file lost or damaged on the
 * backup disk (bit rot, a bad copy, a person's mistake) shows up; `prepareRepair` and
 * `runRepairPass` download again what can be downloaded.
 *
 * Contract of `verifyTree`:
 * - Media rows (drive/ and picasa/), one stat each, `statWidth` at once:
 *   - `done`: `missing` when the file is not there; `changed` when it is not a regular file or
 *     its size differs from the index, or (with checksums) its md5 does; a file that cannot be
 *     read (EIO: a dying disk) is `changed` too. Items without an md5 in the index (Photos-only
 *     items) are checked by size; those without a size either (Photos-only videos) only for
 *     existence.
 *   - `gone` (deleted in Google, file kept on purpose): checked like `done` when the file is
 *     there; its absence is not a problem. `skipped`: never checked.
 *   - `pending` / `failed`: not downloaded yet; counted (`notDownloaded`), not a problem, unless
 *     named in `recheck` (then checked like `done`: an item a repair could not download).
 * - Files under drive/ and picasa/ that no row names are `unknown`, except temp files
 *   (`.*.gphotos-part`), reported as `leftover` (a killed pass's; the next pass removes them), and
 *   the litter of NAS and desktop systems (IGNORED_NAMES).
 * - albums/: in every album folder, a symlink that does not lead to a file is `broken-link`. In a
 *   folder the last pass linked completely (its links hash is set), an entry of a downloaded
 *   member that is absent is `missing` and a name that is no member's is `unknown`; a folder under
 *   albums/YEAR/ that belongs to no album is `unknown` (one line for the folder).
 * - Every problem is handed to `onProblem` as it is found; nothing is changed on disk or in the
 *   index. `leftover` is reported but is not counted in `problems`.
 *
 * Memory: one path per index row (the set of known paths) plus the problems a repair needs.
 */
import type { Logger } from 'pino';
import { findSyncError } from '../errors/errors.ts';
import type { AlbumRepo, AlbumRow } from '../index/album-repo.ts';
import type { BriefMediaRow, MediaRepo, MediaSource, MediaState } from '../index/media-repo.ts';
import { removeStaleParts } from '../tree/sweep.ts';
import { md5File, statLocal, type LocalState } from '../tree/local.ts';
import { isPartName } from '../tree/writer.ts';
import { runPass, type PassDeps, type PassResult } from './engine.ts';
import { SOURCES, sourceTops } from './sources/registry.ts';
import { isFolder, readFolder, symlinkTarget, walkTree, type DiskEntry } from './verify-disk.ts';

export type ProblemKind = 'missing' | 'changed' | 'unknown' | 'broken-link' | 'leftover';
export const problemKinds: readonly ProblemKind[] = [
  'missing',
  'changed',
  'unknown',
  'broken-link',
  'leftover',
];

export interface VerifyProblem {
  kind: ProblemKind;
  /** Relative to ROOT, '/'-separated. */
  path: string;
  detail: string;
  /** The index row of a missing or changed media file. */
  item?: { source: MediaSource; remoteId: string; state: MediaState };
  /** The album of a problem inside an album folder. */
  albumId?: string;
}

export interface VerifyDeps {
  root: string;
  media: MediaRepo;
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

/** The one key of an index row across sources. */
export const itemKey = (source: MediaSource, remoteId: string): string => `${source}:${remoteId}`;

/**
 * Names that NAS and desktop systems put into every folder (Synology `@eaDir`, QNAP
 * `.@__thumb`, macOS `.DS_Store` and `._*`, Windows `Thumbs.db`…): never reported as unknown.
 */
const IGNORED_NAMES =
  /^(@eaDir|#recycle|#snapshot|\.@__thumb|\.AppleDouble|\.DS_Store|\.Spotlight-V100|\.Trashes|Thumbs\.db|desktop\.ini|\._.+)$/i;

export const isIgnoredName = (name: string): boolean => IGNORED_NAMES.test(name);

/** The file of one row as the index describes it. */
export interface IndexedFacts {
  size: number | null;
  md5: string | null;
}

/**
 * What is wrong with one indexed file on disk, or null when nothing is. `localMd5` is the file's
 * md5 when it was read (null: not read). Pure.
 */
export function fileProblem(
  item: IndexedFacts,
  disk: LocalState,
  localMd5: string | null,
): { kind: 'missing' | 'changed'; detail: string } | null {
  if (!disk.exists) return { kind: 'missing', detail: 'not on disk' };
  if (!disk.isFile) return { kind: 'changed', detail: 'not a regular file (a folder or a link?)' };
  if (item.size !== null && disk.size !== item.size) {
    return { kind: 'changed', detail: `size ${disk.size} bytes, the index says ${item.size}` };
  }
  if (localMd5 !== null && item.md5 !== null && localMd5 !== item.md5.toLowerCase()) {
    return { kind: 'changed', detail: `md5 ${localMd5}, the index says ${item.md5.toLowerCase()}` };
  }
  return null;
}

/** Whether the file of a row in `state` is checked, and if so whether its absence matters. */
function checkMode(state: MediaState, rechecked: boolean): 'check' | 'if-present' | 'skip' {
  if (rechecked) return 'check';
  if (state === 'done') return 'check';
  if (state === 'gone') return 'if-present';
  return 'skip';
}

/** At most `width` calls of fn at once. */
class Gate {
  #free: number;
  readonly #waiting: Array<() => void> = [];
  constructor(width: number) {
    this.#free = Math.max(1, width);
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

async function forEachLimited<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await fn(items[i] as T);
    }),
  );
}

const nfc = (p: string): string => p.normalize('NFC');

const ALBUMS_TOP = 'albums';

export async function verifyTree(deps: VerifyDeps): Promise<VerifyResult> {
  const { root, log, signal } = deps;
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

  const counts = await deps.media.countByState();
  const total = counts.done + counts.gone + (deps.recheck?.size ?? 0);
  let phase = 'files';
  const started = Date.now();
  const timer =
    deps.progressSeconds > 0
      ? setInterval(() => {
          log.info(
            {
              phase,
              files: result.files,
              of: total,
              hashed: result.hashed,
              bytesHashed: result.bytesHashed,
              problems: result.problems,
              seconds: Math.round((Date.now() - started) / 1000),
            },
            'verify progress',
          );
        }, deps.progressSeconds * 1000).unref()
      : undefined;

  try {
    const known = new Set<string>();
    const gate = new Gate(deps.hashWidth);
    const checkRow = async (source: MediaSource, row: BriefMediaRow): Promise<void> => {
      const key = itemKey(source, row.remoteId);
      const rechecked = deps.recheck?.has(key) ?? false;
      const mode = checkMode(row.state, rechecked);
      if (mode === 'skip') {
        if (row.state === 'pending' || row.state === 'failed') result.notDownloaded++;
        return;
      }
      const item = { source, remoteId: row.remoteId, state: row.state };
      let found: ReturnType<typeof fileProblem>;
      try {
        const disk = await statLocal(root, row.relPath);
        if (mode === 'if-present' && !disk.exists) return;
        result.files++;
        let md5: string | null = null;
        const wantMd5 = (deps.checksums || rechecked) && row.md5 !== null;
        if (wantMd5 && disk.isFile && (row.size === null || disk.size === row.size)) {
          md5 = await gate.run(() => md5File(root, row.relPath));
          result.hashed++;
          result.bytesHashed += disk.size ?? 0;
        }
        found = fileProblem(row, disk, md5);
      } catch (err) {
        // Permission denied, a disk gone read-only…: the whole run is wrong. EIO and the like
        // are what a dying disk gives: that file is damaged.
        if (findSyncError(err)) throw err;
        found = { kind: 'changed', detail: `cannot be read (${errorCode(err)})` };
      }
      if (found === null) return;
      const gone = row.state === 'gone' ? ' (deleted in Google: cannot be downloaded again)' : '';
      report({
        kind: found.kind,
        path: row.relPath,
        detail: `${found.detail}${gone}`,
        item,
      });
    };
    for (const { name: source } of SOURCES) {
      for await (const rows of deps.media.iterateBrief(source)) {
        signal.throwIfAborted();
        for (const r of rows) known.add(nfc(r.relPath));
        await forEachLimited(rows, deps.statWidth ?? 32, async (row) => {
          signal.throwIfAborted();
          await checkRow(source, row);
        });
      }
    }

    phase = 'tree';
    for (const top of sourceTops()) {
      const enter = (d: DiskEntry) => !isIgnoredName(d.name);
      for await (const e of walkTree(root, top, enter, signal)) {
        if (known.has(nfc(e.rel))) continue;
        if (isPartName(e.name)) {
          report({ kind: 'leftover', path: e.rel, detail: 'temp file of a stopped pass' });
        } else if (!isIgnoredName(e.name)) {
          report({ kind: 'unknown', path: e.rel, detail: unknownDetail(e) });
        }
      }
    }

    phase = 'albums';
    await verifyAlbums(deps, report);
  } finally {
    if (timer) clearInterval(timer);
  }
  log.debug({ seconds: (Date.now() - started) / 1000, ...result.counts }, 'verify done');
  return result;
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}

function unknownDetail(e: DiskEntry): string {
  if (e.kind === 'symlink') return 'a link the index does not know';
  if (e.kind === 'other') return 'not a regular file, and not in the index';
  return 'not in the index';
}

async function verifyAlbums(deps: VerifyDeps, report: (p: VerifyProblem) => void): Promise<void> {
  const { root, signal } = deps;
  if (!(await isFolder(root, ALBUMS_TOP))) return;
  const albums = (await deps.albums.all()).filter(
    (a): a is AlbumRow & { relPath: string } => a.relPath !== null,
  );
  const folders = new Set(albums.map((a) => nfc(a.relPath)));
  for (const album of albums) {
    signal.throwIfAborted();
    await verifyAlbumFolder(deps, album, report);
  }
  // Folders of no album, and files where only folders belong: albums/YEAR/FOLDER.
  for (const e of await readFolder(root, ALBUMS_TOP)) {
    if (isIgnoredName(e.name)) continue;
    if (e.kind !== 'dir') {
      report(strayEntry(e));
      continue;
    }
    for (const f of await readFolder(root, e.rel)) {
      if (isIgnoredName(f.name) || folders.has(nfc(f.rel))) continue;
      if (f.kind === 'dir') {
        report({
          kind: 'unknown',
          path: f.rel,
          detail: 'folder of no album (renamed or deleted? the next full pass removes it)',
        });
      } else {
        report(strayEntry(f));
      }
    }
  }
}

function strayEntry(e: DiskEntry): VerifyProblem {
  return isPartName(e.name)
    ? { kind: 'leftover', path: e.rel, detail: 'temp file of a stopped pass' }
    : { kind: 'unknown', path: e.rel, detail: unknownDetail(e) };
}

async function verifyAlbumFolder(
  deps: VerifyDeps,
  album: AlbumRow & { relPath: string },
  report: (p: VerifyProblem) => void,
): Promise<void> {
  const { root } = deps;
  const albumId = album.albumId;
  const entries = await readFolder(root, album.relPath);
  const complete = album.linksHash !== null;
  const members = new Set<string>();
  const expected = new Map<string, string>();
  if (complete) {
    for (const t of await deps.albums.targetsOf(albumId)) {
      if (t.entryName === null) continue;
      members.add(nfc(t.entryName));
      if (t.state === 'done') expected.set(nfc(t.entryName), t.relPath);
    }
  }
  const present = new Set<string>();
  for (const e of entries) {
    present.add(nfc(e.name));
    if (isPartName(e.name)) {
      report({ kind: 'leftover', path: e.rel, detail: 'temp file of a stopped pass', albumId });
      continue;
    }
    if (e.kind === 'dir' || isIgnoredName(e.name)) continue;
    if (e.kind === 'symlink') {
      const link = await symlinkTarget(root, e.rel);
      if (!link.resolves) {
        report({
          kind: 'broken-link',
          path: e.rel,
          detail: `leads to ${link.text}, which is not a file`,
          albumId,
        });
        continue;
      }
    }
    if (complete && !members.has(nfc(e.name))) {
      report({ kind: 'unknown', path: e.rel, detail: 'not a member of the album', albumId });
    }
  }
  for (const [name, target] of expected) {
    if (present.has(name)) continue;
    report({
      kind: 'missing',
      path: `${album.relPath}/${name}`,
      detail: `album entry for ${target} is not there`,
      albumId,
    });
  }
}

export interface RepairPlan {
  /** Media rows set back to `pending` (their keys, for the recheck). */
  items: Set<string>;
  /** Albums whose folder the link phase must look at again. */
  albums: number;
  /** Temp files removed. */
  leftovers: number;
  /** Whether a pass must run (something to download or to link). */
  pass: boolean;
  /** Whether the pass lists Google first (Photos-only items need fresh URLs from album feeds). */
  listing: boolean;
}

/**
 * The first half of a repair, while the caller holds the pass lock: missing and changed files of
 * downloaded rows go back to `pending`, album folders with broken or missing entries lose their
 * links hash (so the link phase reconciles them), and temp files of a stopped pass are removed.
 * Rows in state `gone` are left alone (nothing to download); unknown files are never touched.
 */
export async function prepareRepair(
  deps: Pick<PassDeps, 'root' | 'media' | 'albums' | 'log'>,
  problems: readonly VerifyProblem[],
): Promise<RepairPlan> {
  const items = new Set<string>();
  const updates = [];
  const albumIds = new Set<string>();
  const leftoverDirs = new Set<string>();
  let listing = false;
  for (const p of problems) {
    if (p.albumId !== undefined && p.kind !== 'leftover') albumIds.add(p.albumId);
    if (p.kind === 'leftover') leftoverDirs.add(p.path.slice(0, p.path.lastIndexOf('/')));
    if (!p.item || p.item.state === 'gone') continue;
    if (p.kind !== 'missing' && p.kind !== 'changed') continue;
    items.add(itemKey(p.item.source, p.item.remoteId));
    if (SOURCES.find((s) => s.name === p.item?.source)?.refetch === 'index') listing = true;
    updates.push({ source: p.item.source, remoteId: p.item.remoteId, state: 'pending' as const });
  }
  await deps.media.markMany(updates);
  for (const id of albumIds) await deps.albums.setLinks(id, new Map(), null);
  const plan: RepairPlan = {
    items,
    albums: albumIds.size,
    leftovers: await removeStaleParts(deps.root, leftoverDirs),
    pass: items.size > 0 || albumIds.size > 0,
    listing,
  };
  deps.log.info(
    { items: items.size, albums: plan.albums, leftovers: plan.leftovers, listing },
    'repair planned',
  );
  return plan;
}

/**
 * The second half: one pass (`runPass`: the pacer, md5-checked atomic downloads, album links,
 * exactly as `sync`). It lists Google only when the plan says so: Photos-only items are fetched
 * from URLs the album feeds give, and those expire. Without a listing the pass downloads what the
 * index lists, so items still pending from an earlier pass are downloaded too.
 */
export function runRepairPass(deps: PassDeps, plan: RepairPlan): Promise<PassResult> {
  deps.log.info('repairing: downloading again what is missing or damaged');
  return runPass({
    ...deps,
    options: { ...deps.options, indexOnly: false, skipIndex: !plan.listing },
  });
}
