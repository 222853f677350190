/**
 * `gphotos-sync check [ROOT]`: a preflight for a person or a `helm test` (config, token, Drive,
 * the Picasa album feed, ROOT writable, links, free space, the index). One line per check on
 * stdout, `ok`, `warn`, `FAIL` or `skip` (not checked: a check it needs failed, or the setting
 * it serves is off), then a verdict line.
 *
 * Exit code: 0 when nothing failed (warnings allowed); otherwise the code of the first failure:
 * 4 when Google refuses the token, 6 when a pass holds the embedded index, 2 when the token cannot
 * be read, else 1. An invalid configuration never gets here: it is a usage error (exit 2).
 *
 * Side effects are those of a pass's start, nothing more: ROOT is created when missing (not its
 * parents), the index is opened and migrated to the current schema (embedded: created under
 * ROOT/.gphotos), and a test file and link are created and removed inside ROOT.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { OAuth2Client } from 'google-auth-library';
import type { Settings } from '../../config/settings.ts';
import { ExitCode, SyncError, exitCodeOf } from '../../errors/errors.ts';
import type { IndexDb } from '../../index/db.ts';
import { redactDatabaseUrl } from '../../index/db-url.ts';
import { migrationSource } from '../../index/migrations/index.ts';
import { acquirePassLock } from '../../index/pass-lock.ts';
import { MediaRepo } from '../../index/media-repo.ts';
import { RunsRepo } from '../../index/runs-repo.ts';
import {
  latestModified,
  photosFolderWarning,
} from '../../sync/sources/drive/photos-folder-check.ts';
import { Pacer } from '../../lib/pacer.ts';
import { createLogger, scrubSecrets } from '../../logging/logger.ts';
import { formatBytes } from '../../logging/progress.ts';
import { DriveClient } from '../../remote/drive/client.ts';
import { classifyGoogleError, finalError } from '../../remote/google-errors.ts';
import { createOAuthClient } from '../../remote/oauth.ts';
import { PicasaClient } from '../../remote/picasa/client.ts';
import { GOOGLE_PHOTOS_FOLDER } from '../../remote/types.ts';
import { openTokenStore, type TokenStore } from '../../secrets/store.ts';
import type { AuthorizedUser } from '../../secrets/token.ts';
import { checkTakeout } from './check-takeout.ts';
import { checkSharedDrives } from './check-shared-drives.ts';
import { checkTakeoutDrive } from './check-takeout-drive.ts';
import { EMBEDDED_DIR, openIndexFor } from './session.ts';
import { probeLinkSupport } from '../../tree/links.ts';

export type CheckStatus = 'ok' | 'warn' | 'FAIL' | 'skip';

export interface CheckLine {
  name: string;
  status: CheckStatus;
  detail: string;
  /** The exit code a FAIL stands for (default 1). */
  exitCode?: number;
}

/** Free space under this is a warning. */
export const LOW_SPACE_BYTES = 1024 ** 3;

const ok = (name: string, detail: string): CheckLine => ({ name, status: 'ok', detail });
const warn = (name: string, detail: string): CheckLine => ({ name, status: 'warn', detail });
const skip = (name: string, detail: string): CheckLine => ({ name, status: 'skip', detail });
const fail = (name: string, err: unknown, prefix = ''): CheckLine => ({
  name,
  status: 'FAIL',
  detail: `${prefix}${messageOf(err)}`,
  exitCode: exitCodeOf(err),
});

function messageOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const hints = (err as { hints?: readonly string[] }).hints ?? [];
  const text = hints.length > 0 ? `${msg} (${hints.join('; ')})` : msg;
  return scrubSecrets(text.replace(/\s*\n\s*/g, ' '));
}

function codeOf(err: unknown): string {
  return String((err as { code?: unknown }).code ?? (err as Error).message);
}

export async function runCheckCommand(
  settings: Settings,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const lines: CheckLine[] = [];
  const print = (line: CheckLine): void => {
    lines.push(line);
    out.write(`${line.status.padEnd(4)}  ${line.name.padEnd(8)}  ${line.detail}\n`);
  };
  const where =
    settings.databaseUrl === null
      ? `embedded index in ${path.join(settings.root, EMBEDDED_DIR)}`
      : `index at ${redactDatabaseUrl(settings.databaseUrl)}`;
  print(ok('config', `valid: account ${settings.account}, ROOT ${settings.root}, ${where}`));

  const pacer = new Pacer({
    retries: Math.min(settings.retries, 3),
    baseMs: settings.backoffBase,
    maxMs: Math.min(settings.backoffMax, 5000),
  });
  const token = await checkToken(settings, pacer);
  print(token.line);
  const google = token.auth ? await checkGoogle(settings, pacer, token.auth) : null;
  print(google?.line ?? skip('google', 'needs a token'));
  print(
    token.auth ? await checkPicasa(settings, pacer, token.auth) : skip('picasa', 'needs a token'),
  );
  const folder = await checkFolder(settings.root);
  print(folder);
  if (folder.status === 'FAIL') {
    print(skip('links', 'needs a writable ROOT'));
    print(skip('space', 'needs ROOT'));
  } else {
    print(await checkLinks(settings));
    print(await checkSpace(settings.root));
  }
  const database = await checkDatabase(settings);
  print(database.line);
  if (google?.folders) print(checkPhotosFolder(google.folders, database.newestDrive));
  if (settings.takeout !== null)
    print(await checkTakeout(settings.takeout, settings.takeoutSettle * 1000));
  // Once Drive answered: the exports "Add to Drive" delivered.
  const driveAnswered = lines.some((l) => l.name === 'google' && l.status === 'ok');
  const driveTakeout = driveAnswered ? await checkTakeoutDrive(settings, pacer, token.auth) : null;
  if (driveTakeout !== null) print(driveTakeout);
  if (driveAnswered && token.auth !== undefined) {
    for (const line of await checkSharedDrives(settings, pacer, token.auth)) print(line);
  }

  const failed = lines.filter((l) => l.status === 'FAIL');
  const warnings = lines.filter((l) => l.status === 'warn').length;
  const code = failed.length === 0 ? ExitCode.ok : (failed[0]?.exitCode ?? ExitCode.unexpected);
  out.write(
    failed.length === 0
      ? `check passed${warnings > 0 ? ` with ${warnings} warning(s)` : ''}\n`
      : `check failed: ${failed.length} of ${lines.length} checks (exit ${code})\n`,
  );
  return code;
}

/** Reads the token from its store (file, variable or Secret Manager) and refreshes it. */
async function checkToken(
  settings: Settings,
  pacer: Pacer,
): Promise<{ line: CheckLine; auth?: OAuth2Client }> {
  let creds: AuthorizedUser;
  let store: TokenStore | undefined;
  try {
    store = await openTokenStore(settings);
    creds = await store.read();
  } catch (err) {
    return { line: fail('token', err, store ? `${store.describe()}: ` : '') };
  } finally {
    await store?.close().catch(() => undefined);
  }
  const auth = createOAuthClient({
    clientId: creds.clientId,
    clientSecret: creds.clientSecret.reveal(),
    refreshToken: creds.refreshToken.reveal(),
    tokenUrl: settings.oauthTokenUrl,
  });
  const what = 'refreshing the access token';
  try {
    await pacer.call(what, () => auth.getAccessToken(), classifyGoogleError);
  } catch (err) {
    return { line: fail('token', finalError(err, what), `${creds.source}: `) };
  }
  const host = new URL(settings.oauthTokenUrl).host;
  return {
    line: ok('token', `${creds.source}: refreshed an access token at ${host}`),
    auth,
  };
}

/**
 * A cheap Drive call (the My Drive root), then the Google Photos folder a pass starts from (with
 * its modifiedTime, for the `photos` line; none with --all-drive).
 */
async function checkGoogle(
  settings: Settings,
  pacer: Pacer,
  auth: OAuth2Client,
): Promise<{ line: CheckLine; folders?: Array<{ modifiedTime: string | null }> }> {
  const drive = new DriveClient({ auth, rootUrl: settings.googleApiUrl, pacer, timeoutMs: 20_000 });
  const host = new URL(settings.googleApiUrl).host;
  try {
    await drive.myDriveRoot();
    if (settings.allDrive || settings.skipDrive) {
      return { line: ok('google', `Drive at ${host} answered`) };
    }
    const found = await drive.findRootFoldersDated(GOOGLE_PHOTOS_FOLDER);
    if (found.length === 0) {
      const why = photosFolderWarning({
        found: false,
        folderModified: null,
        newestItem: null,
        now: new Date(),
      });
      const detail = `Drive at ${host} answered, but ${why}`;
      return { line: { name: 'google', status: 'FAIL', detail, exitCode: ExitCode.unexpected } };
    }
    return {
      line: ok('google', `Drive at ${host} answered; "${GOOGLE_PHOTOS_FOLDER}" found`),
      folders: found,
    };
  } catch (err) {
    return { line: fail('google', err, `Drive at ${host}: `) };
  }
}

/** Whether the Google Photos folder still changes: its own time and the newest item indexed. */
function checkPhotosFolder(
  folders: ReadonlyArray<{ modifiedTime: string | null }>,
  newestDrive: Date | null,
): CheckLine {
  const warning = photosFolderWarning({
    found: true,
    folderModified: latestModified(folders),
    newestItem: newestDrive,
    now: new Date(),
  });
  if (warning !== null) return warn('photos', warning);
  return newestDrive === null
    ? skip(
        'photos',
        'no Drive item indexed yet: whether the folder still changes is told after a pass',
      )
    : ok('photos', `newest item backed up from it: ${newestDrive.toISOString().slice(0, 10)}`);
}

/** One page of the user's album feed, which a pass reads first (unless albums are off). */
async function checkPicasa(
  settings: Settings,
  pacer: Pacer,
  auth: OAuth2Client,
): Promise<CheckLine> {
  if (settings.skipPicasa) return skip('picasa', 'albums are off (skipPicasa)');
  const picasa = new PicasaClient({
    baseUrl: settings.picasaApiUrl,
    auth,
    pacer,
    log: createLogger({ level: 'silent', format: 'json', account: settings.account }),
    pageSize: 1,
    timeoutMs: 20_000,
  });
  const host = new URL(settings.picasaApiUrl).host;
  try {
    // The first page is enough: leaving the loop ends the listing.
    for await (const _page of picasa.albums(new AbortController().signal)) break;
    return ok('picasa', `the album feed at ${host} answered`);
  } catch (err) {
    return fail('picasa', err, `the album feed at ${host}: `);
  }
}

/**
 * Opens the index as a pass does (creating and migrating it when needed), confirms no migration
 * is pending, and tells whether a pass is running now and how the last one ended.
 */
/** The database line, and the newest Drive item the index holds (for the `photos` line). */
async function checkDatabase(
  settings: Settings,
): Promise<{ line: CheckLine; newestDrive: Date | null }> {
  let newestDrive: Date | null = null;
  const line = await checkDatabaseLine(settings, (d) => {
    newestDrive = d;
  });
  return { line, newestDrive };
}

/** What opening the index did: a new embedded index comes with its migrations (embedded-db.ts). */
function nowDone(created: boolean, applied: number): string {
  if (created) return ', index created now';
  return applied > 0 ? `, ${applied} applied now` : '';
}

async function checkDatabaseLine(
  settings: Settings,
  onNewest: (newest: Date | null) => void,
): Promise<CheckLine> {
  const applied: string[] = [];
  let created = false;
  let db: IndexDb;
  try {
    // The embedded index lives in ROOT/.gphotos: create ROOT itself first, as a pass does.
    if (settings.databaseUrl === null) await mkdirRoot(settings.root);
    db = await openIndexFor(settings, {
      info: (obj) => {
        const o = obj as { migrations?: string[]; created?: boolean };
        applied.push(...(o.migrations ?? []));
        created ||= o.created === true;
      },
      warn: () => undefined,
    });
  } catch (err) {
    return fail('database', err);
  }
  try {
    const [done, pending] = (await db.knex.migrate.list({ migrationSource })) as [
      unknown[],
      unknown[],
    ];
    if (pending.length > 0) {
      return {
        name: 'database',
        status: 'FAIL',
        detail: `${db.location}: ${pending.length} migration(s) still pending`,
        exitCode: ExitCode.unexpected,
      };
    }
    const parts = [
      `${db.backend} ${db.location}: schema current (${done.length} migrations${nowDone(created, applied.length)})`,
    ];
    onNewest(await new MediaRepo(db.knex, settings.account).newestTime('drive'));
    const [last] = await new RunsRepo(db.knex, settings.account).latest(1);
    if (last !== undefined) {
      parts.push(
        last.finishedAt === null
          ? `last pass started ${last.startedAt.toISOString()} and has not finished`
          : `last pass ended ${last.finishedAt.toISOString()} with exit ${last.exitCode}`,
      );
    }
    if (db.backend === 'postgres') {
      try {
        const lock = await acquirePassLock(db.knex, settings.account);
        await lock.release();
      } catch (err) {
        if (err instanceof SyncError && err.kind === 'locked') {
          return warn('database', `${parts.join('; ')}; ${messageOf(err)}`);
        }
        throw err;
      }
    }
    return ok('database', parts.join('; '));
  } catch (err) {
    return fail('database', err, `${db.location}: `);
  } finally {
    await db.close().catch(() => undefined);
  }
}

async function mkdirRoot(root: string): Promise<boolean> {
  try {
    await mkdir(root);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function probeName(kind: string): string {
  return `.gphotos-check-${process.pid}-${randomBytes(4).toString('hex')}-${kind}`;
}

/** Creates, writes, fsyncs and removes a file inside ROOT (never outside). */
async function checkFolder(root: string): Promise<CheckLine> {
  let created: boolean;
  const file = path.join(root, probeName('file'));
  try {
    created = await mkdirRoot(root);
    const fh = await open(file, 'wx', 0o600);
    try {
      await fh.writeFile('gphotos-sync check\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rm(file);
  } catch (err) {
    await rm(file, { force: true }).catch(() => undefined);
    return {
      name: 'folder',
      status: 'FAIL',
      detail: `${root} is not writable (${codeOf(err)}): a pass could not save files there`,
      exitCode: ExitCode.unexpected,
    };
  }
  return ok('folder', `${root} is writable${created ? ' (created it)' : ''}`);
}

/**
 * Whether the links of `--link-mode` work in ROOT. A failure is a FAIL for symlinks when albums
 * are on (the albums/ tree needs them), else a warning: hard links fall back to copies.
 */
async function checkLinks(settings: Settings): Promise<CheckLine> {
  const mode = settings.linkMode;
  const albumsOn = !settings.skipPicasa && !settings.skipAlbums;
  if (mode === 'copy') return ok('links', 'link mode copy: albums/ holds copies, no links needed');
  let works: boolean;
  try {
    const support = await probeLinkSupport(settings.root);
    works = mode === 'symlink' ? support.symlink : support.hardlink;
  } catch (err) {
    return warn('links', `cannot be checked (${codeOf(err)})`);
  }
  if (works) return ok('links', `${mode}s work in ${settings.root}`);
  if (mode === 'hardlink') {
    return warn('links', `hard links fail in ${settings.root}: albums/ will hold copies`);
  }
  const detail = `symlinks fail in ${settings.root}: use --link-mode hardlink or --link-mode copy`;
  if (!albumsOn) return warn('links', `${detail} before turning albums on`);
  return { name: 'links', status: 'FAIL', detail, exitCode: ExitCode.unexpected };
}

async function checkSpace(root: string): Promise<CheckLine> {
  try {
    const fs = await statfs(root);
    const free = fs.bavail * fs.bsize;
    const detail = `${formatBytes(free, 'iec')} free of ${formatBytes(fs.blocks * fs.bsize, 'iec')} in ${root}`;
    return free < LOW_SPACE_BYTES ? warn('space', `only ${detail}`) : ok('space', detail);
  } catch (err) {
    return warn('space', `free space unknown (${codeOf(err)})`);
  }
}
