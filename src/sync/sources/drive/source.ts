/**
 * Drive as a source: the `Google Photos` folder of My Drive (or all of My Drive, `--all-drive`)
 * into drive/, with Drive's folders and names.
 *
 * Index: the changes since the last pass when a token is stored (changes.ts), else (first pass,
 * --flush-index, --all-drive or a filter changed, or a token Drive no longer accepts) a full
 * listing (listing.ts), after taking a new token first so that nothing changing during the
 * listing is missed. Deletions: only explicit change entries (removed, trashed, moved out of the
 * backup); a full listing never infers one. Bytes: by file id; sha256 checked (md5 when Drive
 * gives no sha256); files Drive will not hand out are recorded `restricted` and not asked for
 * again (restricted.ts). At the end of a pass, a `Google Photos` folder that has not changed for
 * a year is warned about (photos-folder-check.ts).
 */
import { RemoteError } from '../../../remote/errors.ts';
import type { IndexOutcome, Source, SourceContext } from '../../source.ts';
import { applyDriveChanges } from './changes.ts';
import { DRIVE_DIR, indexDrive, type DrivePhaseDeps } from './listing.ts';
import { photosFolderWarning } from './photos-folder-check.ts';
import { driveFetcher } from './restricted.ts';
import { linkShortcuts } from './shortcut-links.ts';

/** sync_state keys of the Drive source. */
const TOKEN_KEY = 'drive.changesToken';
const ROOTS_KEY = 'drive.roots';
const MODE_KEY = 'drive.listingMode';
const INDEXED_AT_KEY = 'drive.lastIndexedAt';
/** The latest modifiedTime of the `Google Photos` folders at the last full listing. */
const PHOTOS_FOLDER_KEY = 'drive.photosFolderModified';

export const driveSource: Source = {
  name: 'drive',
  top: DRIVE_DIR,
  albums: false,
  counters: [],
  refetch: 'download',
  enabled: (options) => !options.skipDrive,
  async index(ctx) {
    ctx.progress.setPhase('index');
    const outcome = (await changesSinceLastPass(ctx)) ?? (await listEverything(ctx));
    await ctx.state.set(INDEXED_AT_KEY, new Date().toISOString());
    // Links that should go leave before the downloads, so no item is written through one.
    await relinkShortcuts(ctx);
    return outcome;
  },
  async fetcher(ctx) {
    // A shortcut's copy holds its target's bytes: a shortcut has none (403 fileNotDownloadable).
    const targets = await ctx.shortcuts.copyTargets();
    return driveFetcher(ctx.remote.drive, ctx.log.child({ component: 'download' }), targets);
  },
  /**
   * After the downloads: the links to files fetched in this pass; then a warning when the
   * `Google Photos` folder looks abandoned (from the index: no request).
   */
  async finish(ctx) {
    await relinkShortcuts(ctx);
    if (ctx.options.allDrive) return;
    const warning = photosFolderWarning({
      found: true,
      folderModified: (await ctx.state.get<string | null>(PHOTOS_FOLDER_KEY)) ?? null,
      newestItem: await ctx.media.newestTime('drive'),
      now: new Date(),
    });
    if (warning !== null) ctx.log.warn(warning);
  },
};

async function relinkShortcuts(ctx: SourceContext): Promise<void> {
  const roots = await ctx.state.get<Array<[string, string]>>(ROOTS_KEY);
  if (roots !== undefined) await linkShortcuts(ctx, new Map(roots));
}

/** What a full listing decides with: another root or other filters need a full listing again. */
const modeOf = (ctx: SourceContext): string =>
  JSON.stringify({ allDrive: ctx.options.allDrive, filters: ctx.options.filters });

function phaseDeps(ctx: SourceContext, component: string): DrivePhaseDeps {
  return {
    drive: ctx.remote.drive,
    media: ctx.media,
    folders: ctx.folders,
    shortcuts: ctx.shortcuts,
    log: ctx.log.child({ component }),
    progress: ctx.progress,
    signal: ctx.signal,
    filters: ctx.options.filters,
  };
}

/** The changes feed applied, or null when a full listing is needed. */
async function changesSinceLastPass(ctx: SourceContext): Promise<IndexOutcome | null> {
  const { state, options, log } = ctx;
  const token = await state.get<string>(TOKEN_KEY);
  const roots = await state.get<Array<[string, string]>>(ROOTS_KEY);
  const sameMode = (await state.get<string>(MODE_KEY)) === modeOf(ctx);
  if (token === undefined || roots === undefined || !sameMode || options.flushIndex) return null;
  try {
    const applied = await applyDriveChanges(
      {
        ...phaseDeps(ctx, 'drive-changes'),
        roots: new Map(roots),
        // Takeout parts "Add to Drive" delivers are zip/tgz: the Drive index leaves them out,
        // and the Takeout source learns of them from the same feed.
        onChanges: ctx.takeoutDrive?.onChanges,
      },
      token,
    );
    ctx.takeoutDrive?.feedApplied();
    await state.set(TOKEN_KEY, applied.newToken);
    return { indexed: applied.written, gone: applied.gone, full: false };
  } catch (err) {
    if (!(err instanceof RemoteError && err.reason === 'changesTokenExpired')) throw err;
    log.warn(
      { reason: err.message },
      'Drive no longer lists the changes since the last pass; listing everything again (no deletions are inferred from it)',
    );
    return null;
  }
}

async function listEverything(ctx: SourceContext): Promise<IndexOutcome> {
  const { state, options, log } = ctx;
  if (options.flushIndex) {
    log.info('--flush-index: listing everything and placing every item afresh');
  }
  const newToken = await ctx.remote.drive.startPageToken(ctx.signal);
  const listed = await indexDrive({
    ...phaseDeps(ctx, 'drive-index'),
    allDrive: options.allDrive,
    replaceStored: options.flushIndex,
  });
  await state.set(ROOTS_KEY, [...listed.roots]);
  await state.set(PHOTOS_FOLDER_KEY, listed.photosFolderModified ?? '');
  await state.set(MODE_KEY, modeOf(ctx));
  await state.set(TOKEN_KEY, newToken);
  return { indexed: listed.listed, gone: 0, full: true };
}
