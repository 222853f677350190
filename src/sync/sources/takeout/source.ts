/**
 * Google Takeout as a source: the Photos library from Takeout archive parts, local ones
 * (`--takeout PATH`) and those "Add to Drive" delivers into My Drive's Takeout folder
 * (drive-parts.ts), filed into photos/YYYY/MM and albums/.
 *
 * Index (phase.ts): find the exports, read each complete one's parts in place into a staging
 * folder (read-part.ts), then file it (file-export.ts). Reading writes the bytes: there is no
 * fetcher. It runs after Drive (an item the Drive tree holds is linked there, not copied; the Drive
 * index's changes feed says which parts appeared) and not with --index-only (an archive cannot be
 * read without writing what it holds). Deletions: only with --takeout-complete, an item a complete
 * export no longer holds. A lost file comes back only by reading its export again.
 */
import type { Source } from '../../source.ts';
import { PHOTOS_DIR } from './place.ts';
import { dateSources, type DateSource } from './decide.ts';
import { runTakeoutPhase, type TakeoutCounts } from './phase.ts';
import type { DriveTakeoutCounts } from './drive-parts.ts';

/** `takeoutDatedSidecar`, `takeoutDatedExif`, …: the items dated by each rule this pass. */
const datedCounter = (s: DateSource): string => `takeoutDated${s[0]?.toUpperCase()}${s.slice(1)}`;

const PASS_COUNTERS = [
  'takeoutExports',
  'takeoutWaiting',
  'takeoutParts',
  'takeoutAdded',
  'takeoutChanged',
  'takeoutInDrive',
  'takeoutTrashed',
  'takeoutGone',
  'takeoutBadEntries',
  'takeoutBadParts',
  'takeoutBytes',
] as const satisfies ReadonlyArray<keyof TakeoutCounts>;

const DRIVE_COUNTERS = [
  'takeoutDriveParts',
  'takeoutDriveBytes',
  'takeoutDriveResumes',
  'takeoutPartsTrashed',
] as const satisfies ReadonlyArray<keyof DriveTakeoutCounts>;

export const takeoutSource: Source = {
  name: 'takeout',
  top: PHOTOS_DIR,
  albums: true,
  counters: [...PASS_COUNTERS, ...dateSources.map(datedCounter), ...DRIVE_COUNTERS],
  refetch: 'index',
  enabled: (options) =>
    !options.indexOnly &&
    ((options.takeout?.paths.length ?? 0) > 0 || options.takeoutDrive === true),
  async index(ctx) {
    ctx.progress.setPhase('takeout');
    const t = ctx.options.takeout ?? { paths: [], complete: false, settleMs: 0 };
    const counts = await runTakeoutPhase({
      root: ctx.root,
      paths: t.paths,
      repo: ctx.takeout,
      media: ctx.media,
      albums: ctx.albums,
      log: ctx.log.child({ component: 'takeout' }),
      signal: ctx.signal,
      complete: t.complete,
      settleMs: t.settleMs,
      ...(ctx.takeoutDrive === undefined ? {} : { extraParts: ctx.takeoutDrive }),
    });
    const counters: Record<string, number> = {};
    for (const k of PASS_COUNTERS) counters[k] = counts[k];
    for (const s of dateSources) counters[datedCounter(s)] = counts.takeoutDated[s];
    for (const k of DRIVE_COUNTERS) counters[k] = ctx.takeoutDrive?.counts[k] ?? 0;
    return {
      indexed: counts.takeoutAdded + counts.takeoutChanged,
      gone: counts.takeoutGone,
      full: false,
      counters,
    };
  },
};
