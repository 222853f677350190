/**
 * Every source a pass backs up, in pass order (see source.ts for what a source is). Takeout and
 * Picasa come after Drive: an album member or Takeout item the Drive tree holds is linked there
 * (matching reads the Drive index), and the Drive index's changes feed tells Takeout which parts
 * appeared in Drive. Adding a source: its folder beside these, one line here, and a migration
 * (docs/architecture.md, "How to add a source").
 */
import type { Source } from '../source.ts';
import { driveSource } from './drive/source.ts';
import { picasaSource } from './picasa/source.ts';
import { sharedDrivesSource } from './shared-drives/source.ts';
import { takeoutSource } from './takeout/source.ts';

export const SOURCES: readonly Source[] = [
  driveSource,
  sharedDrivesSource,
  takeoutSource,
  picasaSource,
];

/** The tree folders that hold the sources' files (`drive`, `picasa`). */
export const sourceTops = (sources: readonly Source[] = SOURCES): string[] =>
  sources.map((s) => s.top);

/** The summary's figure names of every source, each once, in registry order. */
export const sourceCounters = (sources: readonly Source[] = SOURCES): string[] => [
  ...new Set(sources.flatMap((s) => s.counters)),
];
