/**
 * One sync pass for one account. The phases, in order:
 *
 *   1. for each source enabled by the options (sync/sources/registry.ts, in registry order):
 *        its index phase (not with --skip-index), then its download phase (not with --index-only),
 *        then its finishing step if it has one;
 *   2. deletions: `--do-delete` removes the files of items gone upstream (not with --index-only);
 *   3. album folders: albums/ linked to the files of the members (not with --index-only or
 *      --skip-albums, and only when an enabled source lists albums).
 *
 * The engine owns the phases and counters; the sources own what they read and write (source.ts).
 * The caller owns the root signal (SIGTERM) and turns the result into a summary and an exit code.
 */
import type { DeletionsRepo } from '../index/deletions-repo.ts';
import { heapFor } from '../lib/heap-mode.ts';
import type { Pacer } from '../lib/pacer.ts';
import { removeStaleParts } from '../tree/sweep.ts';
import { linkAlbums } from './album-links.ts';
import { applyDeletions } from './deletions.ts';
import { addCounts, downloadMedia, noCounts, type DownloadCounts } from './media-download.ts';
import type { IndexOutcome, Source, SourceContext } from './source.ts';
import { SOURCES } from './sources/registry.ts';

export type { PassOptions } from './options.ts';

/** What a pass needs: what its sources get (SourceContext), and the pacer of its downloads. */
export interface PassDeps extends SourceContext {
  pacer: Pacer;
  /** Needed with options.doDelete. */
  deletions?: DeletionsRepo;
  /** The sources, in pass order; default: every registered one (SOURCES). */
  sources?: readonly Source[];
}

/** `restricted` and `skipped` are totals of the index (restricted items are counted in both). */
export interface PassResult extends DownloadCounts {
  indexed: number;
  skipped: number;
  /** Album folders that should exist (0 when the phase did not run). */
  albumFolders: number;
  /** Items this pass found deleted or trashed upstream (recorded; their files stay). */
  goneNoticed: number;
  /** Every item recorded as gone upstream so far (see `gphotos-sync deleted`). */
  goneTotal: number;
  /** Local files of items gone upstream that --do-delete removed. */
  deletedLocal: number;
  /** The sources' own figures (Source.counters), summed by name. */
  counters: Record<string, number>;
}

/**
 * Set while a pass runs; still set at the start of the next one means it was killed. (Named when
 * Drive was the only source; the name stays, as existing indexes hold it.)
 */
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

async function runPhases(deps: PassDeps): Promise<PassResult> {
  const result = emptyResult();
  const sources = (deps.sources ?? SOURCES).filter((s) => s.enabled(deps.options));
  if (deps.options.skipIndex) {
    deps.log.info('--skip-index: downloading what the index already lists');
  }
  for (const source of sources) {
    const listed = await indexPhase(deps, source, result);
    await downloadPhase(deps, source, listed, result);
    await source.finish?.(deps);
  }
  await deletionPhase(deps, result);
  await albumPhase(deps, sources, result);
  const counts = await deps.media.countByState();
  // Items the source will not hand out are skipped, not failed: they count in both figures.
  result.skipped = counts.skipped + counts.restricted;
  result.restricted = counts.restricted;
  result.goneTotal = counts.gone;
  return result;
}

function emptyResult(): PassResult {
  return {
    ...noCounts(),
    indexed: 0,
    skipped: 0,
    albumFolders: 0,
    goneNoticed: 0,
    goneTotal: 0,
    deletedLocal: 0,
    counters: {},
  };
}

/** A source's index phase; null with --skip-index. */
async function indexPhase(
  ctx: SourceContext,
  source: Source,
  result: PassResult,
): Promise<IndexOutcome | null> {
  if (ctx.options.skipIndex) return null;
  heapFor('index');
  const outcome = await source.index(ctx);
  result.indexed += outcome.indexed;
  result.goneNoticed += outcome.gone;
  for (const [name, n] of Object.entries(outcome.counters ?? {})) {
    result.counters[name] = (result.counters[name] ?? 0) + n;
  }
  return outcome;
}

/**
 * A source's download phase (media-download.ts). After --skip-index or a full listing every done
 * file is looked at; after an incremental listing only what changed (verify checks the rest).
 */
async function downloadPhase(
  deps: PassDeps,
  source: Source,
  listed: IndexOutcome | null,
  result: PassResult,
): Promise<void> {
  if (deps.options.indexOnly || source.fetcher === undefined) return;
  const fetchBytes = await source.fetcher(deps);
  deps.progress.setPhase('download');
  heapFor('download');
  const counts = await downloadMedia({
    root: deps.root,
    source: source.name,
    fetchBytes,
    pacer: deps.pacer,
    media: deps.media,
    log: deps.log.child({ component: 'download' }),
    progress: deps.progress,
    signal: deps.signal,
    concurrency: deps.options.concurrency,
    stallMs: deps.options.stallMs,
    checkDone: listed === null || listed.full,
  });
  addCounts(result, counts);
}

/** --do-delete, after the downloads and before the albums phase drops the links to removed files. */
async function deletionPhase(deps: PassDeps, result: PassResult): Promise<void> {
  if (deps.options.indexOnly || deps.options.doDelete !== true) return;
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

/** Album folders, when an enabled source lists albums. */
async function albumPhase(
  deps: PassDeps,
  sources: readonly Source[],
  result: PassResult,
): Promise<void> {
  const { log, options } = deps;
  if (options.indexOnly || !sources.some((s) => s.albums)) return;
  if (options.skipAlbums) {
    log.info('--skip-albums: albums/ left as it is');
    return;
  }
  deps.progress.setPhase('link');
  heapFor('index');
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
  for (const source of deps.sources ?? SOURCES) {
    for await (const rows of deps.media.iterateBrief(source.name)) {
      for (const r of rows) addWithAncestors(r.relPath.slice(0, r.relPath.lastIndexOf('/')));
    }
  }
  return dirs;
}
