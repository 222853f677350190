/**
 * `gphotos-sync sync ROOT`: one pass. Wires config, logger, index, OAuth, Drive client and engine,
 * owns the root abort signal (SIGTERM/SIGINT), and always ends with the `sync finished` summary.
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Settings } from '../../config/load.ts';
import { ExitCode, SyncError, exitCodeOf, findSyncError } from '../../errors/errors.ts';
import type { IndexDb } from '../../index/db.ts';
import { acquirePassLock, type PassLock } from '../../index/pass-lock.ts';
import { RunsRepo } from '../../index/runs-repo.ts';
import { createLogger, scrubSecrets, summaryLine } from '../../logging/logger.ts';
import { Progress } from '../../logging/progress.ts';
import { startMonitor } from '../../monitor/monitor.ts';
import { keepRotatedRefreshTokens } from '../../secrets/rotation.ts';
import type { TokenStore } from '../../secrets/store.ts';
import { runPass, type PassResult } from '../../sync/engine.ts';
import { sourceCounters } from '../../sync/sources/registry.ts';
import { openIndexFor } from './open-index.ts';
import { createPacer, passOptions, wirePass } from './pass-wiring.ts';

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

export async function runSyncCommand(settings: Settings, tokenStore: TokenStore): Promise<number> {
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
  const pacer = createPacer(settings, log);
  let db: IndexDb | undefined;
  let lock: PassLock | undefined;
  let runs: RunsRepo | undefined;
  let runId: number | undefined;
  // A refresh token Google rotates goes back to the store where it can (Secret Manager).
  const rotation = keepRotatedRefreshTokens(tokenStore, log.child({ component: 'token' }));
  const monitor = startMonitor({
    pushgatewayUrl: settings.pushgatewayUrl,
    pingUrl: settings.pingUrl,
    account: settings.account,
    log,
  });
  try {
    // Only ROOT itself is created, never its parents: an unmounted volume must not be filled.
    await mkdir(settings.root).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    log.info({ root: settings.root, tokenSource: tokenStore.describe() }, 'sync started');
    db = await openIndexFor(settings, log.child({ component: 'index' }));
    // The embedded index is locked as a whole when it opens; a server needs a lock per account.
    if (db.backend === 'postgres') lock = await acquirePassLock(db.knex, settings.account);
    // The run row is history, not the pass: failing to write it only warns.
    runs = new RunsRepo(db.knex, settings.account);
    runId = await runs.start({ host: hostname(), pid: process.pid }).catch((err: unknown) => {
      log.warn({ reason: describeError(err) }, 'recording the run in the index failed');
      return undefined;
    });
    // A file or variable was read at start-up; Secret Manager is read now, so the run row above
    // records a failure to reach it.
    const deps = await wirePass({
      settings,
      db,
      tokenStore,
      onNewRefreshToken: rotation.onNewRefreshToken,
      pacer,
      log,
      progress,
      signal,
      options: passOptions(settings),
    });
    progress.start(
      log.child({ component: 'progress' }),
      settings.progressInterval,
      Boolean(process.stderr.isTTY),
    );
    result = await runPass(deps);
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
    await rotation.settled();
    await tokenStore.close();
  }
  const summary = {
    account: settings.account,
    // A pass that stopped early reports what its progress counters saw.
    indexed: result?.indexed ?? progress.indexed,
    downloaded: result?.downloaded ?? progress.downloaded,
    adopted: result?.adopted ?? 0,
    present: result?.present ?? 0,
    moved: result?.moved ?? 0,
    skipped: result?.skipped ?? progress.skipped,
    failed: result?.failed ?? progress.failed,
    bytes: result?.bytes ?? progress.bytes,
    ...Object.fromEntries(sourceCounters().map((name) => [name, result?.counters[name] ?? 0])),
    albumFolders: result?.albumFolders ?? 0,
    goneNoticed: result?.goneNoticed ?? 0,
    goneTotal: result?.goneTotal ?? 0,
    deletedLocal: result?.deletedLocal ?? 0,
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    requests: pacer.stats.calls,
    retries: pacer.stats.retries,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    exitCode,
    ...(error === undefined ? {} : { error }),
  };
  if (runs !== undefined && runId !== undefined) {
    await runs.finish(runId, summary).catch((err: unknown) => {
      log.warn({ reason: describeError(err) }, 'recording the end of the run in the index failed');
    });
  }
  try {
    await lock?.release();
    await db?.close();
  } catch (err) {
    log.warn({ err }, 'closing the index failed');
  }
  await monitor.finish(summary);
  summaryLine(log, summary);
  return exitCode;
}
