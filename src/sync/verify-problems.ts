/**
 * What `verify` reports, and what counts as a problem: pure. verify.ts and verify-albums.ts
 * gather the facts.
 */
import type { MediaSource, MediaState } from '../index/media-repo.ts';
import type { LocalState } from '../tree/local.ts';
import { isPartName } from '../tree/writer.ts';
import type { DiskEntry } from './verify-disk.ts';

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

/** The one key of an index row across sources. */
export const itemKey = (source: MediaSource, remoteId: string): string => `${source}:${remoteId}`;

/** The file of one row as the index describes it. */
export interface IndexedFacts {
  size: number | null;
  md5: string | null;
  /** Preferred to md5 when set (Drive's sha256Checksum). */
  sha256?: string | null;
}

/**
 * What is wrong with one indexed file on disk, or null when nothing is. `localMd5` and
 * `localSha256` are the file's hashes when they were read (null: not read). Pure.
 */
export function fileProblem(
  item: IndexedFacts,
  disk: LocalState,
  localMd5: string | null,
  localSha256: string | null = null,
): { kind: 'missing' | 'changed'; detail: string } | null {
  if (!disk.exists) return { kind: 'missing', detail: 'not on disk' };
  if (!disk.isFile) return { kind: 'changed', detail: 'not a regular file (a folder or a link?)' };
  if (item.size !== null && disk.size !== item.size) {
    return { kind: 'changed', detail: `size ${disk.size} bytes, the index says ${item.size}` };
  }
  const sha256 = item.sha256?.toLowerCase() ?? null;
  if (localSha256 !== null && sha256 !== null && localSha256 !== sha256) {
    return { kind: 'changed', detail: `sha256 ${localSha256}, the index says ${sha256}` };
  }
  if (localMd5 !== null && item.md5 !== null && localMd5 !== item.md5.toLowerCase()) {
    return { kind: 'changed', detail: `md5 ${localMd5}, the index says ${item.md5.toLowerCase()}` };
  }
  return null;
}

/** Whether the file of a row in `state` is checked, and if so whether its absence matters. */
export function checkMode(state: MediaState, rechecked: boolean): 'check' | 'if-present' | 'skip' {
  if (rechecked) return 'check';
  if (state === 'done') return 'check';
  if (state === 'gone') return 'if-present';
  return 'skip';
}

/** Why a file no row names is there: a kind of unknown. */
export function unknownDetail(e: DiskEntry): string {
  if (e.kind === 'symlink') return 'a link the index does not know';
  if (e.kind === 'other') return 'not a regular file, and not in the index';
  return 'not in the index';
}

/** A file where only folders belong (albums/, albums/YEAR/): a temp file, or unknown. */
export function strayEntry(e: DiskEntry): VerifyProblem {
  return isPartName(e.name)
    ? { kind: 'leftover', path: e.rel, detail: 'temp file of a stopped pass' }
    : { kind: 'unknown', path: e.rel, detail: unknownDetail(e) };
}
