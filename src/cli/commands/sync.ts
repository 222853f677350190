/**
 * `gphotos-sync sync ROOT`: one pass. Wires config, logger, index, OAuth, Drive client and engine,
 * owns the root abort signal (SIGTERM/SIGINT), and always ends with the `sync finished` summary.
 */
import { mkdir } from 'node:fs/promises';
import type { Settings } from '../../config/load.ts';
import { ExitCode, SyncError, exitCodeOf, findSyncError } from '../../errors/errors.ts';
import type { IndexDb } from '../../index/db.ts';
import { FolderRepo } from '../../index/folder-repo.ts';
import { acquirePassLock, type PassLock } from '../../index/pass-lock.ts';
import { MediaRepo } from '../../index/media-repo.ts';
import { StateRepo } from '../../index/state-repo.ts';
import { Pacer } from '../../lib/pacer.ts';
import { createLogger, scrubSecrets, summaryLine } from '../../logging/logger.ts';
import { Progress } from '../../logging/progress.ts';
import { DriveClient } from '../../remote/drive/client.ts';
import { createOAuthClient } from '../../remote/oauth.ts';
import type { AuthorizedUser } from '../../secrets/token.ts';
import { runPass, type PassResult } from '../../sync/engine.ts';
import { openIndexFor } from './open-index.ts';

/**
 * One line for the summary and the error log: a knex error's message starts with the whole SQL
 * statement (thousands of characters of placeholders), so keep the database's own words.
 */
function describeError(err: unknown): string {
  let msg = err instanceof Error ? err.message : String(err);
  if (err && typeof err === 'object' && 'routine' in err) msg = msg.split(' - ').at(-1) ?? msg;
  msg = scrubSecrets(msg);
  return msg.length > 500 ? `${msg.slice(0, 500)}…` : msg;
}

function rootSignal(): { signal: AbortSignal; dispose: () => void } {
  const ctl = new AbortController();
  const onTerm = () =>
    ctl.abort(new SyncError('terminated', 'received SIGTERM: stopping the pass'));
  const onInt = () => ctl.abort(new SyncError('interrupted', 'received SIGINT: stopping the pass'));
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  return {
    signal: ctl.signal,
    dispose: () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    },
  };
}

export async function runSyncCommand(settings: Settings, creds: AuthorizedUser): Promise<number> {
  const started = Date.now();
  const log = createLogger({
    level: settings.logLevel,
    format: settings.logFormat,
    account: settings.account,
  });
  const progress = new Progress();
  const { signal, dispose } = rootSignal();
  let result: PassResult | undefined;
  let exitCode: number = ExitCode.ok;
  let error: string | undefined;
  const pacer = new Pacer({
    retries: settings.retries,
    baseMs: settings.backoffBase,
    maxMs: settings.backoffMax,
    onRetry: ({ what, attempt, delayMs, reason }) =>
      log.warn({ component: 'pacer', what, attempt, delayMs, reason }, 'retrying a Google call'),
  });
  let db: IndexDb | undefined;
  let lock: PassLock | undefined;
  try {
    // Only ROOT itself is created, never its parents: an unmounted volume must not be filled.
    await mkdir(settings.root).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    log.info({ root: settings.root, tokenSource: creds.source }, 'sync started');
    db = await openIndexFor(settings, log.child({ component: 'index' }));
    // The embedded index is locked as a whole when it opens; a server needs a lock per account.
    if (db.backend === 'postgres') lock = await acquirePassLock(db.knex, settings.account);
    const auth = createOAuthClient({
      clientId: creds.clientId,
      clientSecret: creds.clientSecret.reveal(),
      refreshToken: creds.refreshToken.reveal(),
      tokenUrl: settings.oauthTokenUrl,
      onNewRefreshToken: () =>
        log.warn(
          'Google issued a new refresh token; the token source is read-only, so it was not saved',
        ),
    });
    const drive = new DriveClient({ auth, rootUrl: settings.googleApiUrl, pacer });
    progress.start(
      log.child({ component: 'progress' }),
      settings.progressInterval,
      Boolean(process.stderr.isTTY),
    );
    result = await runPass({
      root: settings.root,
      drive,
      pacer,
      media: new MediaRepo(db.knex, settings.account),
      folders: new FolderRepo(db.knex, settings.account),
      state: new StateRepo(db.knex, settings.account),
      log,
      progress,
      signal,
      options: {
        concurrency: settings.concurrency,
        indexOnly: settings.indexOnly,
        skipIndex: settings.skipIndex,
        allDrive: settings.allDrive,
        filters: {
          skipVideo: settings.skipVideo,
          startDate: settings.startDate,
          endDate: settings.endDate,
        },
        stallMs: 60_000,
      },
    });
    if (result.failed > 0) {
      exitCode = ExitCode.partial;
      error = `${result.failed} item(s) failed; they are retried on the next pass`;
    }
  } catch (err) {
    exitCode = exitCodeOf(err);
    const found = findSyncError(err);
    error = describeError(err);
    log.error({ err, hints: found?.hints }, error);
  } finally {
    progress.stop();
    dispose();
    try {
      await lock?.release();
      await db?.close();
    } catch (err) {
      log.warn({ err }, 'closing the index failed');
    }
  }
  summaryLine(log, {
    account: settings.account,
    // A pass that stopped early reports what its progress counters saw.
    indexed: result?.indexed ?? progress.indexed,
    downloaded: result?.downloaded ?? progress.downloaded,
    adopted: result?.adopted ?? 0,
    present: result?.present ?? 0,
    skipped: result?.skipped ?? progress.skipped,
    failed: result?.failed ?? progress.failed,
    bytes: result?.bytes ?? progress.bytes,
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    requests: pacer.stats.calls,
    retries: pacer.stats.retries,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    exitCode,
    ...(error === undefined ? {} : { error }),
  });
  return exitCode;
}
