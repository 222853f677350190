/**
 * One sync pass for one account: the Drive pass (index, then download). Later passes (Picasa,
 * albums) slot in after it. The engine owns the pass's phases and counters; the caller owns the
 * root signal (SIGTERM) and turns the result into a summary and an exit code.
 */
import type { Logger } from 'pino';
import type { FolderRepo } from '../index/folder-repo.ts';
import type { MediaRepo } from '../index/media-repo.ts';
import type { StateRepo } from '../index/state-repo.ts';
import type { Pacer } from '../lib/pacer.ts';
import type { Progress } from '../logging/progress.ts';
import type { DriveClient } from '../remote/drive/client.ts';
import { removeStaleParts } from '../tree/sweep.ts';
import { downloadDrive, type DownloadCounts } from './drive-download.ts';
import { indexDrive } from './drive-index.ts';
import type { FilterOptions } from './filters.ts';

export interface PassOptions {
  concurrency: number;
  indexOnly: boolean;
  skipIndex: boolean;
  allDrive: boolean;
  filters: FilterOptions;
  /** A download with no bytes for this long is retried. */
  stallMs: number;
}

export interface PassDeps {
  root: string;
  drive: DriveClient;
  pacer: Pacer;
  media: MediaRepo;
  folders: FolderRepo;
  state: StateRepo;
  log: Logger;
  progress: Progress;
  signal: AbortSignal;
  options: PassOptions;
}

export interface PassResult extends DownloadCounts {
  indexed: number;
  skipped: number;
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
  for await (const rows of deps.media.iterateBrief('drive')) {
    for (const r of rows) addWithAncestors(r.relPath.slice(0, r.relPath.lastIndexOf('/')));
  }
  return dirs;
}

async function runPhases(deps: PassDeps): Promise<PassResult> {
  const { log, progress, options } = deps;
  const result: PassResult = {
    indexed: 0,
    skipped: 0,
    present: 0,
    adopted: 0,
    downloaded: 0,
    failed: 0,
    bytes: 0,
  };
  if (!options.skipIndex) {
    progress.setPhase('index');
    const { listed } = await indexDrive({
      drive: deps.drive,
      media: deps.media,
      folders: deps.folders,
      log: log.child({ component: 'drive-index' }),
      progress,
      signal: deps.signal,
      allDrive: options.allDrive,
      filters: options.filters,
    });
    result.indexed = listed;
    await deps.state.set('drive.lastIndexedAt', new Date().toISOString());
  } else {
    log.info('--skip-index: downloading what the index already lists');
  }
  result.skipped = (await deps.media.countByState('drive')).skipped;
  if (options.indexOnly) {
    log.info('--index-only: nothing downloaded');
    return result;
  }
  progress.setPhase('download');
  const counts = await downloadDrive({
    root: deps.root,
    drive: deps.drive,
    pacer: deps.pacer,
    media: deps.media,
    log: log.child({ component: 'download' }),
    progress,
    signal: deps.signal,
    concurrency: options.concurrency,
    stallMs: options.stallMs,
  });
  Object.assign(result, counts);
  return result;
}
