/**
 * What `sync` and `verify --repair` both need to run a pass: the token store, the pacer, the
 * clients built from the token, the repositories, and the engine's options from the settings.
 */
import type { LoadedSettings } from '../../config/load.ts';
import type { Settings } from '../../config/settings.ts';
import { UsageError } from '../../errors/errors.ts';
import { AlbumRepo } from '../../index/album-repo.ts';
import type { IndexDb } from '../../index/db.ts';
import { DeletionsRepo } from '../../index/deletions-repo.ts';
import { ShortcutRepo } from '../../index/shortcut-repo.ts';
import { FolderRepo } from '../../index/folder-repo.ts';
import { MediaRepo } from '../../index/media-repo.ts';
import { StateRepo } from '../../index/state-repo.ts';
import { TakeoutRepo } from '../../index/takeout-repo.ts';
import { Pacer } from '../../lib/pacer.ts';
import type { Logger } from '../../logging/logger.ts';
import { Progress } from '../../logging/progress.ts';
import { DriveClient } from '../../remote/drive/client.ts';
import { createOAuthClient } from '../../remote/oauth.ts';
import { PicasaClient } from '../../remote/picasa/client.ts';
import { keepRotatedRefreshTokens, type RotationKeeper } from '../../secrets/rotation.ts';
import { Secret } from '../../secrets/secret.ts';
import { noTokenStore, openTokenStore, TOKEN_KEYS, type TokenStore } from '../../secrets/store.ts';
import type { PassDeps, PassOptions } from '../../sync/engine.ts';
import { DriveParts } from '../../sync/sources/takeout/drive-parts.ts';

/** A download with no bytes for this long is retried. */
const STALL_MS = 60_000;

/** The engine's options of a pass, from the settings; `over` for commands that run a special pass. */
export function passOptions(settings: Settings, over: Partial<PassOptions> = {}): PassOptions {
  return {
    concurrency: settings.concurrency,
    indexOnly: settings.indexOnly,
    skipIndex: settings.skipIndex,
    allDrive: settings.allDrive,
    skipDrive: settings.skipDrive,
    skipPicasa: settings.skipPicasa,
    skipAlbums: settings.skipAlbums,
    albumTitle: settings.album,
    linkMode: settings.linkMode,
    flushIndex: settings.flushIndex,
    filters: {
      skipVideo: settings.skipVideo,
      startDate: settings.startDate,
      endDate: settings.endDate,
    },
    stallMs: STALL_MS,
    doDelete: settings.doDelete,
    maxDelete: settings.maxDelete,
    takeout: {
      paths: settings.takeout ?? [],
      complete: settings.takeoutComplete,
      settleMs: settings.takeoutSettle * 1000,
    },
    sharedDrives: settings.sharedDrives ?? [],
    ...over,
  };
}

/** The one pacer of a pass: every Google call goes through it. */
export function createPacer(settings: Settings, log: Logger): Pacer {
  return new Pacer({
    retries: settings.retries,
    baseMs: settings.backoffBase,
    maxMs: settings.backoffMax,
    onRetry: ({ what, attempt, delayMs, reason }) =>
      log.warn({ component: 'pacer', what, attempt, delayMs, reason }, 'retrying a Google call'),
  });
}

/** What a command keeps of a pass it runs: its pacer (whose figures the summary gives), its
 * progress lines, and where a refresh token Google rotates goes (secrets/rotation.ts). */
export interface PassKit {
  settings: Settings;
  tokenStore: TokenStore;
  log: Logger;
  pacer: Pacer;
  progress: Progress;
  rotation: RotationKeeper;
}

export function passKit(settings: Settings, tokenStore: TokenStore, log: Logger): PassKit {
  return {
    settings,
    tokenStore,
    log,
    pacer: createPacer(settings, log),
    progress: new Progress(),
    rotation: keepRotatedRefreshTokens(tokenStore, log.child({ component: 'token' })),
  };
}

/** After a pass: its progress lines stop, and the token writes it started are waited for. */
export async function endPass(kit: PassKit): Promise<void> {
  kit.progress.stop();
  await kit.rotation.settled();
}

/**
 * Reads the token (a network call for Secret Manager), builds everything a pass needs, and starts
 * the progress lines. The OAuth client is shared by Drive and Picasa, so one refresh serves both.
 */
export async function wirePass(
  kit: PassKit,
  db: IndexDb,
  signal: AbortSignal,
  options: PassOptions,
): Promise<PassDeps> {
  const { settings, log, pacer, progress } = kit;
  // A Takeout-only pass calls no Google service: its clients get no credentials and are never used.
  const creds =
    kit.tokenStore.kind === 'none'
      ? { clientId: '', clientSecret: new Secret(''), refreshToken: new Secret('') }
      : await kit.tokenStore.read(signal);
  const auth = createOAuthClient({
    clientId: creds.clientId,
    clientSecret: creds.clientSecret.reveal(),
    refreshToken: creds.refreshToken.reveal(),
    tokenUrl: settings.oauthTokenUrl,
    onNewRefreshToken: kit.rotation.onNewRefreshToken,
  });
  const drive = new DriveClient({ auth, rootUrl: settings.googleApiUrl, pacer });
  const state = new StateRepo(db.knex, settings.account);
  const takeout = new TakeoutRepo(db.knex, settings.account);
  const takeoutDrive = drivePartsOf(kit, drive, state, takeout);
  const deps: PassDeps = {
    root: settings.root,
    remote: {
      drive,
      picasa: new PicasaClient({
        baseUrl: settings.picasaApiUrl,
        auth,
        pacer,
        log: log.child({ component: 'picasa' }),
      }),
    },
    pacer,
    media: new MediaRepo(db.knex, settings.account),
    albums: new AlbumRepo(db.knex, settings.account),
    folders: new FolderRepo(db.knex, settings.account),
    shortcuts: new ShortcutRepo(db.knex, settings.account),
    state,
    deletions: new DeletionsRepo(db.knex, settings.account),
    takeout,
    ...(takeoutDrive === undefined ? {} : { takeoutDrive }),
    log,
    progress,
    signal,
    options: { ...options, takeoutDrive: takeoutDrive !== undefined },
  };
  progress.start(
    log.child({ component: 'progress' }),
    settings.progressInterval,
    Boolean(process.stderr.isTTY),
  );
  return deps;
}

/** Takeout parts in Drive: looked for whenever Drive is read, unless the user says otherwise. */
function drivePartsOf(
  kit: PassKit,
  drive: DriveClient,
  state: StateRepo,
  repo: TakeoutRepo,
): DriveParts | undefined {
  const { settings, pacer, log } = kit;
  const on = settings.takeoutDrive ?? !settings.skipDrive;
  if (!on || kit.tokenStore.kind === 'none') return undefined;
  return new DriveParts({
    drive,
    pacer,
    state,
    repo,
    log: log.child({ component: 'takeout-drive' }),
    folder: settings.takeoutDriveFolder,
    trashParts: settings.takeoutTrashParts,
    stallMs: STALL_MS,
    maxBreaks: settings.retries,
  });
}

/**
 * The token store of the settings, or undefined with its problems added to `problems` (a token
 * setting that is itself invalid was reported already). A file or inline token is read and
 * checked now; Secret Manager is read when the command runs.
 */
export async function tokenStoreOf(loaded: LoadedSettings): Promise<TokenStore | undefined> {
  if (TOKEN_KEYS.some((k) => loaded.badKeys.has(k))) return undefined;
  if (takeoutOnly(loaded.settings)) return noTokenStore();
  try {
    return await openTokenStore(loaded.settings, { sourceOf: loaded.sourceOf });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    loaded.problems.push(...err.problems);
    loaded.hints.push(...err.hints);
    return undefined;
  }
}

/**
 * A pass that reads only local Takeout exports talks to no Google service and needs no token
 * (unless one is configured: then it is read as usual).
 */
function takeoutOnly(s: Settings): boolean {
  const hasToken = s.token !== null || s.tokenFile !== null || s.tokenSecret !== null;
  return (
    s.skipDrive &&
    s.skipPicasa &&
    (s.takeout?.length ?? 0) > 0 &&
    (s.sharedDrives?.length ?? 0) === 0 &&
    !hasToken &&
    s.takeoutDrive !== true
  );
}
