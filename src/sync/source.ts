/**
 * The seam between a pass and what it backs up. A source is one record (`Source`): its name, the
 * folder of the tree its files go in, when it takes part in a pass, how it indexes, how its bytes
 * are fetched. sync/sources/registry.ts lists every source in pass order; the engine runs, for
 * each enabled one, its index phase and then its download phase; then deletions; then album
 * folders. Adding a source: docs/architecture.md, "How to add a source".
 *
 * Contract of a source:
 * - `name` is its value of `media_items.source` and `album_items.media_source` (a migration adds
 *   it to those columns' CHECK constraints). `top` is the one folder under ROOT its files go in:
 *   no other source writes there, and `--do-delete` and `verify` look there for its files.
 * - `index(ctx)` brings the index in line with what the source holds now: media rows
 *   (MediaRepo.upsertListed) with unique paths under `top`, in state `pending` (to fetch) or
 *   `skipped` (left out by `ctx.options.filters`). Deletions: it marks gone (MediaRepo.markGone,
 *   with a reason `gphotos-sync deleted` shows) only the items it knows were deleted upstream,
 *   never an item merely missing from a listing that was short or failed, and counts them in
 *   `gone`; that is all a source says about deletions, and `--do-delete` acts on them later. The
 *   albums it reads go to AlbumRepo, each member naming the media item (of any source) that holds
 *   its bytes; album folders are then linked for every album. A source that writes its files
 *   itself while indexing (an archive read as a stream) has no `fetcher` and marks them `done`.
 *   A SyncError stops the pass; any other error too (an index phase has no per-item failures).
 * - `fetcher(ctx)`, when present, gives the bytes of one of its items by remote id; the engine's
 *   download phase (media-download.ts) brings the tree in line with the index with it: moves,
 *   adoptions, atomic checked downloads, retries through the pacer. Absent: nothing to fetch.
 * - `finish(ctx)`, when present, runs after the source's index and download phases, in every pass
 *   the source takes part in (whatever --skip-index or --index-only left out): a step that needs
 *   both done, such as closing what the index phase opened.
 * - `refetch` says what `verify --repair` must run to fetch an item's bytes again.
 * - `counters` names the figures the source adds to the pass summary (IndexOutcome.counters,
 *   summed over sources that share a name); each is in the summary, 0 when the source did not run.
 */
import type { Logger } from 'pino';
import type { AlbumRepo } from '../index/album-repo.ts';
import type { FolderRepo } from '../index/folder-repo.ts';
import type { MediaRepo, MediaSource } from '../index/media-repo.ts';
import type { ShortcutRepo } from '../index/shortcut-repo.ts';
import type { StateRepo } from '../index/state-repo.ts';
import type { TakeoutRepo } from '../index/takeout-repo.ts';
import type { Progress } from '../logging/progress.ts';
import type { RemoteClients } from '../remote/types.ts';
import type { FetchBytes } from './download.ts';
import type { PassOptions } from './options.ts';
import type { DriveParts } from './sources/takeout/drive-parts.ts';

/** What a source's phases get: the pass's clients, repositories and options. */
export interface SourceContext {
  root: string;
  remote: RemoteClients;
  media: MediaRepo;
  albums: AlbumRepo;
  folders: FolderRepo;
  /** Drive shortcuts (sources/drive/shortcuts.ts). */
  shortcuts: ShortcutRepo;
  state: StateRepo;
  log: Logger;
  progress: Progress;
  signal: AbortSignal;
  options: PassOptions;
  takeout: TakeoutRepo;
  /** Takeout parts in Drive's Takeout folder; absent when they are not looked for. */
  takeoutDrive?: DriveParts;
}

/** What an index phase did. */
export interface IndexOutcome {
  /** Items listed (new, changed or confirmed): the summary's `indexed`. */
  indexed: number;
  /** Items newly recorded as gone upstream: the summary's `goneNoticed`. */
  gone: number;
  /**
   * Whether the download phase also looks at every `done` item (one stat each): after a full
   * listing, when anything may have moved. Incremental passes look only at what changed.
   */
  full: boolean;
  /** The source's own figures, by the names in `Source.counters`. */
  counters?: Readonly<Record<string, number>>;
}

/** The bytes of one indexed item, by its remote id (see DownloadPhaseDeps.fetchBytes). */
export type Fetcher = (remoteId: string) => FetchBytes;

export interface Source {
  readonly name: MediaSource;
  /** The folder under ROOT that holds its files: `drive`, `picasa`. */
  readonly top: string;
  /** Whether its index reads albums: album folders are linked when an enabled source does. */
  readonly albums: boolean;
  /** Names of the figures it adds to the summary. */
  readonly counters: readonly string[];
  /**
   * What `verify --repair` runs to fetch a lost file again: `download`, the download phase alone
   * (the fetcher needs nothing but the index), or `index`, the index phase first (what the
   * fetcher needs comes from a listing: URLs that expire, an archive read again).
   */
  readonly refetch: 'download' | 'index';
  /** Whether this source takes part in a pass with these options. */
  enabled(options: PassOptions): boolean;
  index(ctx: SourceContext): Promise<IndexOutcome>;
  /** Absent when the index phase writes the files itself. */
  fetcher?(ctx: SourceContext): Promise<Fetcher>;
  /** After its index and download phases (see the contract above). */
  finish?(ctx: SourceContext): Promise<void>;
}
