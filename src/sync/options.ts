/** What a pass is asked to do: the engine's options, built from the settings by the command. */
import type { LinkMode } from '../tree/links.ts';
import type { FilterOptions } from './filters.ts';

export type { FilterOptions } from './filters.ts';

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
  /** `--takeout` paths (absent or empty: none), and the Takeout source's options. */
  takeout?: { paths: readonly string[]; complete: boolean; settleMs: number };
  /** Takeout parts in Drive's Takeout folder are looked for this pass. */
  takeoutDrive?: boolean;
  /** `--shared-drive` ids (absent or empty: none): sources/shared-drives/. */
  sharedDrives?: readonly string[];
}
