/**
 * `gphotos-sync sync ROOT`: one pass. Wires config, logger, index, OAuth, Drive client and engine,
 * owns the root abort signal (SIGTERM/SIGINT), and always ends with the `sync finished` summary.
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { LoadedSettings } from '../../config/load.ts';
import type { Settings } from '../../config/settings.ts';
import { ExitCode, exitCodeOf, findSyncError } from '../../errors/errors.ts';
import type { IndexDb } from '../../index/db.ts';
import { RunsRepo } from '../../index/runs-repo.ts';
import type { Pacer } from '../../lib/pacer.ts';
import { createLogger, scrubSecrets, summaryLine, type Logger } from '../../logging/logger.ts';
import type { Progress } from '../../logging/progress.ts';
import { startMonitor } from '../../monitor/monitor.ts';
import type { TokenStore } from '../../secrets/store.ts';
import { runPass, type PassDeps, type PassResult } from '../../sync/engine.ts';
import { sourceCounters } from '../../sync/sources/registry.ts';
import { openLockedIndex, rootSignal, type LockedIndex } from './session.ts';
import {
  endPass,
  passKit,
  passOptions,
  tokenStoreOf,
  wirePass,
  type PassKit,
} from './pass-wiring.ts';

/** `sync`: the token store is open (a file or inline token is already read and valid). */
export interface SyncInvocation {
  command: 'sync';
  settings: Settings;
  tokenStore: TokenStore;
}

/** The `sync` invocation, or undefined with its problems added to `loaded.problems`. */
export async function prepareSync(loaded: LoadedSettings): Promise<SyncInvocation | undefined> {
  const tokenStore = await tokenStoreOf(loaded);
  return tokenStore && { command: 'sync', settings: loaded.settings, tokenStore };
}

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

/** What one pass left behind for its summary and its run row. */
interface Outcome {
  result: PassResult | undefined;
  exitCode: number;
  error: string | undefined;
  progress: Progress;
  index: LockedIndex | undefined;
  run: { repo: RunsRepo; id: number } | undefined;
  /** When a Takeout export was last filed, by any pass (for the alert on exports that stop). */
  takeoutLastReadAt?: Date | null;
}

export async function runSyncCommand(settings: Settings, tokenStore: TokenStore): Promise<number> {
  const started = Date.now();
  const log = createLogger({
    level: settings.logLevel,
    format: settings.logFormat,
    account: settings.account,
  });
  const kit = passKit(settings, tokenStore, log);
  const monitor = startMonitor({
    pushgatewayUrl: settings.pushgatewayUrl,
    pingUrl: settings.pingUrl,
    account: settings.account,
    log,
  });
  const out = await runOnePass(kit);
  const summary = summaryOf(settings, out, kit.pacer, started);
  await out.run?.repo.finish(out.run.id, summary).catch((err: unknown) => {
    log.warn({ reason: describeError(err) }, 'recording the end of the run in the index failed');
  });
  await out.index?.close().catch((err: unknown) => {
    log.warn({ err }, 'closing the index failed');
  });
  await monitor.finish(summary);
  summaryLine(log, summary);
  return out.exitCode;
}

/**
 * Opens the index with the lock, records the run, reads the token, runs the pass. Every way out
 * of it is an Outcome: the caller always writes the summary.
 */
async function runOnePass(kit: PassKit): Promise<Outcome> {
  const { settings, tokenStore, log } = kit;
  const out: Outcome = {
    result: undefined,
    exitCode: ExitCode.ok,
    error: undefined,
    progress: kit.progress,
    index: undefined,
    run: undefined,
  };
  const { signal, dispose } = rootSignal('stopping the pass');
  try {
    // Only ROOT itself is created, never its parents: an unmounted volume must not be filled.
    await mkdir(settings.root).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    log.info({ root: settings.root, tokenSource: tokenStore.describe() }, 'sync started');
    out.index = await openLockedIndex(settings, log);
    out.run = await startRun(out.index.db, settings, log);
    // A file or variable was read at start-up; Secret Manager is read now, so the run row above
    // records a failure to reach it.
    const deps = await wirePass(kit, out.index.db, signal, passOptions(settings));
    out.result = await runPass(deps);
    out.takeoutLastReadAt = await lastExportRead(deps, settings);
    const bad = out.result.counters;
    if (out.result.failed > 0) {
      out.exitCode = ExitCode.partial;
      out.error = `${out.result.failed} item(s) failed; they are retried on the next pass`;
    } else if ((bad.takeoutBadEntries ?? 0) > 0 || (bad.takeoutBadParts ?? 0) > 0) {
      out.exitCode = ExitCode.partial;
      out.error =
        `${bad.takeoutBadEntries ?? 0} Takeout entr(ies) and ${bad.takeoutBadParts ?? 0} part(s) could not be read ` +
        '(named in the log); everything else was filed. A damaged part is read again once it is replaced';
    }
  } catch (err) {
    out.exitCode = exitCodeOf(err);
    out.error = describeError(err);
    log.error({ err, hints: findSyncError(err)?.hints }, out.error);
  } finally {
    dispose();
    await endPass(kit);
    await tokenStore.close();
  }
  return out;
}

/** The run row is history, not the pass: failing to write it only warns. */
async function startRun(db: IndexDb, settings: Settings, log: Logger): Promise<Outcome['run']> {
  const repo = new RunsRepo(db.knex, settings.account);
  const id = await repo.start({ host: hostname(), pid: process.pid }).catch((err: unknown) => {
    log.warn({ reason: describeError(err) }, 'recording the run in the index failed');
    return undefined;
  });
  return id === undefined ? undefined : { repo, id };
}

/** The `sync finished` summary; a pass that stopped early reports what its progress saw. */
function summaryOf(settings: Settings, out: Outcome, pacer: Pacer, started: number) {
  const { result, progress } = out;
  return {
    account: settings.account,
    indexed: result?.indexed ?? progress.indexed,
    downloaded: result?.downloaded ?? progress.downloaded,
    adopted: result?.adopted ?? 0,
    present: result?.present ?? 0,
    moved: result?.moved ?? 0,
    skipped: result?.skipped ?? progress.skipped,
    restricted: result?.restricted ?? 0,
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
    ...(out.takeoutLastReadAt ? { takeoutLastReadAt: out.takeoutLastReadAt.toISOString() } : {}),
    exitCode: out.exitCode,
    ...(out.error === undefined ? {} : { error: out.error }),
  };
}

/** When the last Takeout export was filed; null when this pass does not read Takeout exports. */
async function lastExportRead(deps: PassDeps, settings: Settings): Promise<Date | null> {
  const reads = (settings.takeout?.length ?? 0) > 0 || deps.options.takeoutDrive === true;
  return reads ? await deps.takeout.lastExportReadAt().catch(() => null) : null;
}
