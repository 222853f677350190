/**
 * One sync pass for one account, in phases: Drive (index, download), Picasa (index albums and
 * match their members, download Photos-only items into picasa/), albums (link album folders).
 * Picasa comes after Drive because matching needs the Drive index, and just before its own
 * downloads because video URLs expire. The engine owns the phases and counters; the caller owns
 * the root signal (SIGTERM) and turns the result into a summary and an exit code.
 */
import type { Logger } from 'pino';
import type { AlbumRepo } from '../index/album-repo.ts';
import type { DeletionsRepo } from '../index/deletions-repo.ts';
import type { FolderRepo } from '../index/folder-repo.ts';
import type { MediaRepo, MediaSource } from '../index/media-repo.ts';
import type { StateRepo } from '../index/state-repo.ts';
import type { TakeoutRepo } from '../index/takeout-repo.ts';
import type { Pacer } from '../lib/pacer.ts';
import type { Progress } from '../logging/progress.ts';
import type { DriveClient } from '../remote/drive/client.ts';
import { RemoteError } from '../remote/errors.ts';
import type { PicasaClient } from '../remote/picasa/client.ts';
import type { LinkMode } from '../tree/links.ts';
import { removeStaleParts } from '../tree/sweep.ts';
import { downloadMedia, type DownloadCounts, type DownloadPhaseDeps } from './media-download.ts';
import { linkAlbums } from './album-links.ts';
import { applyDeletions } from './deletions.ts';
import { applyDriveChanges } from './drive-changes.ts';
import { indexDrive } from './drive-index.ts';
import { indexPicasa } from './picasa-index.ts';
import type { FilterOptions } from './filters.ts';
import type { DriveParts } from './takeout/drive-parts.ts';
import { emptyTakeoutCounts, runTakeoutPhase, type TakeoutCounts } from './takeout/phase.ts';

export interface PassOptions {
  concurrency: number;
  indexOnly: boolean;
  skipIndex: boolean;
  allDrive: boolean;
  skipDrive: boolean;
  skipPicasa: boolean;
  skipAlbums: boolean;
  /** `--album`: only this album (exact title). */
  albumTitle: string | null;
  linkMode: LinkMode;
  /** `--flush-index`: list everything and place every item afresh. */
  flushIndex: boolean;
  filters: FilterOptions;
  /** A download with no bytes for this long is retried. */
  stallMs: number;
  /** `--do-delete`: remove the files of items gone upstream (sync/deletions.ts). Absent: off. */
  doDelete?: boolean;
  /** `--max-delete`: null or absent when not set explicitly. */
  maxDelete?: number | null;
  /** `--takeout` paths (absent or empty: no Takeout phase), and its options. */
  takeout?: { paths: readonly string[]; complete: boolean; settleMs: number };
}

export interface PassDeps {
  root: string;
  drive: DriveClient;
  picasa: PicasaClient;
  pacer: Pacer;
  media: MediaRepo;
  albums: AlbumRepo;
  folders: FolderRepo;
  state: StateRepo;
  log: Logger;
  progress: Progress;
  signal: AbortSignal;
  options: PassOptions;
  /** Needed with options.doDelete. */
  deletions?: DeletionsRepo;
  /** Needed with options.takeout. */
  takeout?: TakeoutRepo;
  /** Takeout parts in Drive's Takeout folder (absent: not looked for). Needs `takeout`. */
  takeoutDrive?: DriveParts;
}

export interface PassResult extends DownloadCounts, TakeoutCounts {
  indexed: number;
  skipped: number;
  /** Albums listed, and album folders that should exist (0 when the phase did not run). */
  albums: number;
  albumFolders: number;
  /** Items only Google Photos has (picasa/), of the albums read this pass. */
  photosOnly: number;
  /** Albums the ~10,000 offset limit cut short. */
  truncatedAlbums: number;
  /** Items this pass found deleted or trashed upstream (recorded; their files stay). */
  goneNoticed: number;
  /** Every item recorded as gone upstream so far (see `gphotos-sync deleted`). */
  goneTotal: number;
  /** Local files of items gone upstream that --do-delete removed. */
  deletedLocal: number;
}

/** Set while a pass runs; still set at the start of the next one means it was killed. */
const RUNNING_KEY = 'drive.passRunning';

export async function runPass(deps: PassDeps): Promise<PassResult> {
  if ((await deps.state.get<boolean>(RUNNING_KEY)) === true) {
    // The killed pass indexed before it downloaded, so the index knows every folder it wrote in.
    const removed = await removeStaleParts(deps.root, await foldersOfTree(deps));
    deps.log.info({ removed }, 'the last pass was killed; removed the temp files it left');
  }
  await deps.state.set(RUNNING_KEY, true);
  try {
    return await runPhases(deps);
  } finally {
    // Every way out of runPhases removes its own temp files; only a kill leaves the flag set.
    await deps.state.set(RUNNING_KEY, false).catch(() => undefined);
  }
}

/**
 * Folders that may hold temp files of a killed pass: every indexed folder, its ancestors, and
 * the folder of every indexed item.
 */
async function foldersOfTree(deps: PassDeps): Promise<Set<string>> {
  const dirs = new Set<string>();
  const addWithAncestors = (dir: string) => {
    for (let d = dir; d.includes('/') && !dirs.has(d); d = d.slice(0, d.lastIndexOf('/'))) {
      dirs.add(d);
    }
    dirs.add(dir.split('/')[0] ?? dir);
  };
  for (const f of await deps.folders.all()) addWithAncestors(f.relPath);
  for (const source of ['drive', 'picasa', 'takeout'] as const) {
    for await (const rows of deps.media.iterateBrief(source)) {
      for (const r of rows) addWithAncestors(r.relPath.slice(0, r.relPath.lastIndexOf('/')));
    }
  }
  return dirs;
}

async function runPhases(deps: PassDeps): Promise<PassResult> {
  const { log, options } = deps;
  const result: PassResult = {
    indexed: 0,
    skipped: 0,
    present: 0,
    adopted: 0,
    downloaded: 0,
    failed: 0,
    bytes: 0,
    albums: 0,
    albumFolders: 0,
    photosOnly: 0,
    truncatedAlbums: 0,
    deletedLocal: 0,
    moved: 0,
    goneNoticed: 0,
    goneTotal: 0,
    ...emptyTakeoutCounts(),
  };
  if (options.skipIndex) log.info('--skip-index: downloading what the index already lists');
  if (!options.skipDrive) await drivePhases(deps, result);
  // After Drive: an item the Drive tree holds is linked there rather than copied again.
  const takeoutRan = await takeoutPhase(deps, result);
  if (!options.skipPicasa) await picasaPhases(deps, result);
  if (!options.indexOnly) {
    await deletionPhase(deps, result);
    if (!options.skipPicasa || takeoutRan) await albumsPhase(deps, result);
  }
  const counts = await deps.media.countByState();
  result.skipped = counts.skipped;
  result.goneTotal = counts.gone;
  return result;
}

type FetchOf = DownloadPhaseDeps['fetchBytes'];

/** The download phase of one source (see media-download.ts). */
function downloadPhase(
  deps: PassDeps,
  source: MediaSource,
  fetchBytes: FetchOf,
  checkDone: boolean,
): Promise<DownloadCounts> {
  deps.progress.setPhase('download');
  return downloadMedia({
    root: deps.root,
    source,
    fetchBytes,
    pacer: deps.pacer,
    media: deps.media,
    log: deps.log.child({ component: 'download' }),
    progress: deps.progress,
    signal: deps.signal,
    concurrency: deps.options.concurrency,
    stallMs: deps.options.stallMs,
    checkDone,
  });
}

function addCounts(result: PassResult, counts: DownloadCounts): void {
  result.present += counts.present;
  result.moved += counts.moved;
  result.adopted += counts.adopted;
  result.downloaded += counts.downloaded;
  result.failed += counts.failed;
  result.bytes += counts.bytes;
}

/** sync_state keys of the Drive pass. */
const TOKEN_KEY = 'drive.changesToken';
const ROOTS_KEY = 'drive.roots';
const MODE_KEY = 'drive.listingMode';

/**
 * The Drive index phase: the changes since the last pass when a token is stored, else (first
 * pass, --flush-index, --all-drive or a filter changed, or a token Drive no longer accepts) a
 * full listing (which applies the filters to every item again),
 * after taking a new token first so that nothing changing during the listing is missed.
 * Returns whether a full listing ran.
 */
async function indexDrivePhase(deps: PassDeps, result: PassResult): Promise<boolean> {
  const { log, progress, options, drive, state } = deps;
  progress.setPhase('index');
  const token = await state.get<string>(TOKEN_KEY);
  const roots = await state.get<Array<[string, string]>>(ROOTS_KEY);
  // What a full listing decided with: another root or other filters need a full listing again.
  const mode = JSON.stringify({ allDrive: options.allDrive, filters: options.filters });
  const sameMode = (await state.get<string>(MODE_KEY)) === mode;
  if (token !== undefined && roots !== undefined && sameMode && !options.flushIndex) {
    try {
      const applied = await applyDriveChanges(
        {
          drive,
          media: deps.media,
          folders: deps.folders,
          log: log.child({ component: 'drive-changes' }),
          progress,
          signal: deps.signal,
          filters: options.filters,
          roots: new Map(roots),
          onChanges: deps.takeoutDrive?.onChanges,
        },
        token,
      );
      deps.takeoutDrive?.feedApplied();
      result.indexed += applied.written;
      result.goneNoticed += applied.gone;
      await state.set(TOKEN_KEY, applied.newToken);
      return false;
    } catch (err) {
      if (!(err instanceof RemoteError && err.reason === 'changesTokenExpired')) throw err;
      log.warn(
        { reason: err.message },
        'Drive no longer lists the changes since the last pass; listing everything again (no deletions are inferred from it)',
      );
    }
  }
  if (options.flushIndex)
    log.info('--flush-index: listing everything and placing every item afresh');
  const newToken = await drive.startPageToken(deps.signal);
  const listed = await indexDrive({
    drive,
    media: deps.media,
    folders: deps.folders,
    log: log.child({ component: 'drive-index' }),
    progress,
    signal: deps.signal,
    allDrive: options.allDrive,
    filters: options.filters,
    replaceStored: options.flushIndex,
  });
  result.indexed += listed.listed;
  await state.set(ROOTS_KEY, [...listed.roots]);
  await state.set(MODE_KEY, mode);
  await state.set(TOKEN_KEY, newToken);
  return true;
}

async function drivePhases(deps: PassDeps, result: PassResult): Promise<void> {
  const { options, drive } = deps;
  // After --skip-index or a full listing every done file is looked at; after changes only
  // what changed (verify checks the rest).
  let full = true;
  if (!options.skipIndex) {
    full = await indexDrivePhase(deps, result);
    await deps.state.set('drive.lastIndexedAt', new Date().toISOString());
  }
  if (options.indexOnly) return;
  const fetchBytes: FetchOf = (id) => (offset, signal) => drive.download(id, offset, signal);
  addCounts(result, await downloadPhase(deps, 'drive', fetchBytes, full));
}

async function picasaPhases(deps: PassDeps, result: PassResult): Promise<void> {
  const { log, progress, options, picasa } = deps;
  if (!options.skipIndex) {
    progress.setPhase('albums');
    const listed = await indexPicasa({
      picasa,
      media: deps.media,
      albums: deps.albums,
      state: deps.state,
      log: log.child({ component: 'picasa-index' }),
      progress,
      signal: deps.signal,
      filters: options.filters,
      albumTitle: options.albumTitle,
      matchDrive: !options.skipDrive,
      rereadAll: options.flushIndex,
    });
    result.goneNoticed += listed.gone;
    result.indexed += listed.items;
    result.albums = listed.albums;
    result.photosOnly = listed.picasaOnly;
    result.truncatedAlbums = listed.truncated.length;
  }
  if (options.indexOnly) return;
  const urls = await deps.albums.picasaUrls();
  const fetchBytes: FetchOf = (id) => (offset, signal) => {
    const url = urls.get(id);
    if (!url) {
      return Promise.reject(
        new Error(
          'Google Photos has no downloadable file for this item yet (a video still processing?)',
        ),
      );
    }
    return picasa.download(url, offset, signal);
  };
  const counts = await downloadPhase(
    deps,
    'picasa',
    fetchBytes,
    options.skipIndex || options.flushIndex,
  );
  addCounts(result, counts);
}

/** Album folders of every source's albums (after the downloads and --do-delete). */
async function albumsPhase(deps: PassDeps, result: PassResult): Promise<void> {
  const { log, progress, options } = deps;
  if (options.skipAlbums) {
    log.info('--skip-albums: albums/ left as it is');
    return;
  }
  progress.setPhase('link');
  const linked = await linkAlbums({
    root: deps.root,
    albums: deps.albums,
    log: log.child({ component: 'albums' }),
    signal: deps.signal,
    mode: options.linkMode,
    albumTitle: options.albumTitle,
  });
  result.albumFolders = linked.folders;
}

/**
 * The Takeout phase (sync/takeout/phase.ts): reads and files the exports `--takeout` names.
 * Returns whether it ran. Not with --index-only or --skip-index: reading an export writes its
 * files, there is no index-only reading of an archive.
 */
async function takeoutPhase(deps: PassDeps, result: PassResult): Promise<boolean> {
  const t = deps.options.takeout ?? { paths: [], complete: false, settleMs: 0 };
  if (t.paths.length === 0 && deps.takeoutDrive === undefined) return false;
  if (deps.options.indexOnly || deps.options.skipIndex) {
    deps.log.info('--index-only/--skip-index: Takeout exports are not read in this pass');
    return false;
  }
  if (deps.takeout === undefined) throw new Error('--takeout needs PassDeps.takeout');
  deps.progress.setPhase('takeout');
  const counts = await runTakeoutPhase({
    root: deps.root,
    paths: t.paths,
    repo: deps.takeout,
    media: deps.media,
    albums: deps.albums,
    log: deps.log.child({ component: 'takeout' }),
    signal: deps.signal,
    complete: t.complete,
    settleMs: t.settleMs,
    extraParts: deps.takeoutDrive,
  });
  Object.assign(result, { ...counts, takeoutDated: counts.takeoutDated });
  result.indexed += counts.takeoutAdded + counts.takeoutChanged;
  result.goneNoticed += counts.takeoutGone;
  result.bytes += counts.takeoutBytes;
  return true;
}

/** --do-delete, after the downloads and before the albums phase drops the links to removed files. */
async function deletionPhase(deps: PassDeps, result: PassResult): Promise<void> {
  if (deps.options.doDelete !== true) return;
  if (deps.deletions === undefined) throw new Error('--do-delete needs PassDeps.deletions');
  const removed = await applyDeletions({
    root: deps.root,
    repo: deps.deletions,
    log: deps.log.child({ component: 'deletions' }),
    signal: deps.signal,
    maxDelete: deps.options.maxDelete ?? null,
    librarySize: await deps.deletions.librarySize(),
  });
  result.deletedLocal = removed.removed;
}
