/**
 * Shared drives as a source (`--shared-drive ID`, repeatable): each one backed up whole into
 * `shared-drives/<name>/` (folders.ts), in the same pass as My Drive, with the same index phases
 * as Drive's (sources/drive/listing.ts, changes.ts) run on that drive's own corpus:
 *
 * - Each drive has its own changes feed and its own stored token (`sharedDrive.<id>.token`), its
 *   own folders (`drive_folders.scope` = its id) and its own full-listing mode; a drive without
 *   a token (new, --flush-index, a filter changed, a token Drive refuses) is listed in full after
 *   taking a new token, as Drive's source does. Drives are independent: one drive's listing
 *   never marks another's items gone.
 * - Deletions, as Drive's: only explicit entries of the drive's feed (removed, trashed, moved out)
 *   mark an item gone; its file goes only with --do-delete, under its guard.
 * - Every drive asked for is read with drives.get first; one that answers 404 (a wrong id, or the
 *   account lost access) stops the source before it writes anything, naming the ids: nothing is
 *   marked gone, the files already backed up stay. A drive no longer asked for keeps its files
 *   and rows as they are.
 * - --skip-drive skips My Drive only: shared drives are their own setting.
 * - Shortcuts inside a shared drive are left out (logged): the shortcut table serves My Drive.
 * Bytes: by file id (`supportsAllDrives`), through Drive's fetcher: sha256 (else md5) checked,
 * and a download Drive refuses recorded `restricted`, as in My Drive.
 */
import { SyncError } from '../../../errors/errors.ts';
import { sanitizeName } from '../../../tree/sanitize.ts';
import { RemoteError } from '../../../remote/errors.ts';
import type { SharedDriveInfo } from '../../../remote/types.ts';
import type { IndexOutcome, Source, SourceContext } from '../../source.ts';
import { applyDriveChanges } from '../drive/changes.ts';
import { indexDrive, type DrivePhaseDeps } from '../drive/listing.ts';
import { driveFetcher } from '../drive/restricted.ts';
import { driveDir, folderFor, SHARED_DRIVES_DIR, type DriveFolders } from './folders.ts';

/** sync_state: the folder of every shared drive ever backed up, by id. */
export const FOLDERS_KEY = 'sharedDrives.folders';
const tokenKey = (id: string) => `sharedDrive.${id}.token`;
const modeKey = (id: string) => `sharedDrive.${id}.mode`;

export const sharedDrivesSource: Source = {
  name: 'shared-drive',
  top: SHARED_DRIVES_DIR,
  albums: false,
  counters: [],
  refetch: 'download',
  enabled: (options) => (options.sharedDrives?.length ?? 0) > 0,
  async index(ctx) {
    ctx.progress.setPhase('index');
    const drives = await readDrives(ctx);
    const total: IndexOutcome = { indexed: 0, gone: 0, full: false };
    for (const d of drives) {
      const one = await indexOne(ctx, d);
      total.indexed += one.indexed;
      total.gone += one.gone;
      total.full ||= one.full;
    }
    return total;
  },
  async fetcher(ctx) {
    return driveFetcher(ctx.remote.drive, ctx.log.child({ component: 'download' }));
  },
};

interface PlacedDrive extends SharedDriveInfo {
  /** Its folder under ROOT: `shared-drives/<name>`. */
  dir: string;
}

/** Every drive asked for, with its folder; throws, before any write, when one is not readable. */
async function readDrives(ctx: SourceContext): Promise<PlacedDrive[]> {
  const ids = ctx.options.sharedDrives ?? [];
  const infos: SharedDriveInfo[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const info = await ctx.remote.drive.sharedDrive(id, ctx.signal);
    if (info === null) missing.push(id);
    else infos.push(info);
  }
  if (missing.length > 0) throw lostDrives(missing);
  let folders: DriveFolders = (await ctx.state.get<DriveFolders>(FOLDERS_KEY)) ?? {};
  const placed: PlacedDrive[] = [];
  for (const info of infos) {
    const folder = folderFor(info.id, info.name, folders);
    if (folders[info.id] === undefined) folders = { ...folders, [info.id]: folder };
    else if (folder !== sanitizeName(info.name)) {
      ctx.log.info(
        { driveId: info.id, name: info.name, folder: driveDir(folder) },
        'shared drive backed up in the folder it was first given (renamed or a duplicate name)',
      );
    }
    placed.push({ ...info, dir: driveDir(folder) });
  }
  await ctx.state.set(FOLDERS_KEY, folders);
  return placed;
}

function lostDrives(ids: readonly string[]): SyncError {
  const list = ids.join(', ');
  return new SyncError(
    'fatal',
    `Drive does not know shared drive ${list} (HTTP 404 on drives.get): the id is wrong, or this account lost access to it; nothing of it was changed, its files already backed up stay`,
    {
      hints: [
        "check the id (the last part of the shared drive's URL, drive.google.com/drive/folders/ID)",
        'ask a manager of the shared drive to add this account again, or drop that --shared-drive (GPHOTOS_SHARED_DRIVES) to back up the others',
      ],
    },
  );
}

const modeOf = (ctx: SourceContext): string => JSON.stringify({ filters: ctx.options.filters });

function phaseDeps(ctx: SourceContext, d: PlacedDrive, component: string): DrivePhaseDeps {
  return {
    drive: ctx.remote.drive.inSharedDrive(d.id),
    media: ctx.media,
    folders: ctx.folders.inScope(d.id),
    log: ctx.log.child({ component, driveId: d.id }),
    progress: ctx.progress,
    signal: ctx.signal,
    filters: ctx.options.filters,
    source: 'shared-drive',
  };
}

async function indexOne(ctx: SourceContext, d: PlacedDrive): Promise<IndexOutcome> {
  const roots = new Map([[d.id, d.dir]]);
  const token = await ctx.state.get<string>(tokenKey(d.id));
  const sameMode = (await ctx.state.get<string>(modeKey(d.id))) === modeOf(ctx);
  if (token !== undefined && sameMode && !ctx.options.flushIndex) {
    try {
      const applied = await applyDriveChanges(
        { ...phaseDeps(ctx, d, 'shared-drive-changes'), roots },
        token,
      );
      await ctx.state.set(tokenKey(d.id), applied.newToken);
      return { indexed: applied.written, gone: applied.gone, full: false };
    } catch (err) {
      if (!(err instanceof RemoteError && err.reason === 'changesTokenExpired')) throw err;
      ctx.log.warn(
        { driveId: d.id, reason: err.message },
        "Drive no longer lists the shared drive's changes since the last pass; listing it again (no deletions are inferred from it)",
      );
    }
  }
  const deps = phaseDeps(ctx, d, 'shared-drive-index');
  const newToken = await deps.drive.startPageToken(ctx.signal);
  const listed = await indexDrive({
    ...deps,
    allDrive: false,
    roots,
    replaceStored: ctx.options.flushIndex,
  });
  await ctx.state.set(modeKey(d.id), modeOf(ctx));
  await ctx.state.set(tokenKey(d.id), newToken);
  return { indexed: listed.listed, gone: 0, full: true };
}
