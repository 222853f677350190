/**
 * `gphotos-sync verify [ROOT] [--checksums] [--repair] [--json]`: re-reads the tree against the
 * index (src/sync/verify.ts) and prints one line per problem on stdout, then a summary line;
 * logs (progress, the repair pass) go to stderr. With --repair, one pass downloads again what is
 * missing or damaged, and the tree is verified again.
 *
 * Exit code: 0 when nothing is wrong (after --repair: nothing is left); 3 when something is
 * (temp files of a stopped pass alone are not); 6 when a pass holds the index; 1 when ROOT or its
 * index is missing; 2 for usage; a repair pass that stops exits as `sync` would (4, 5, 1, 143).
 */
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../../config/load.ts';
import { ExitCode, SyncError, exitCodeOf, findSyncError } from '../../errors/errors.ts';
import { AlbumRepo } from '../../index/album-repo.ts';
import type { IndexDb } from '../../index/db.ts';
import { MediaRepo } from '../../index/media-repo.ts';
import { acquirePassLock, type PassLock } from '../../index/pass-lock.ts';
import { createLogger, flushLogger, scrubSecrets, type Logger } from '../../logging/logger.ts';
import { Progress } from '../../logging/progress.ts';
import { keepRotatedRefreshTokens } from '../../secrets/rotation.ts';
import type { TokenStore } from '../../secrets/store.ts';
import { prepareRepair, runRepairPass, type RepairPlan } from '../../sync/repair.ts';
import { verifyTree, type VerifyProblem, type VerifyResult } from '../../sync/verify.ts';
import { EMBEDDED_DIR, openIndexFor } from './open-index.ts';
import { createPacer, passOptions, wirePass } from './pass-wiring.ts';

export interface VerifyFlags {
  checksums: boolean;
  repair: boolean;
  json: boolean;
}

export type VerifyStage = 'verify' | 'after repair';

/** One problem: `KIND  PATH  DETAIL` (kind padded), or a JSON line. */
export function formatProblem(p: { kind: string; path: string; detail: string }, json: boolean) {
  if (json) return JSON.stringify({ kind: p.kind, path: p.path, detail: p.detail });
  return `${p.kind.padEnd(11)}  ${p.path}  ${p.detail}`;
}

/** A repaired problem, in the same shape. */
export function formatRepaired(p: VerifyProblem, json: boolean): string {
  const detail =
    p.kind === 'leftover'
      ? 'removed'
      : p.item
        ? `downloaded again (was ${p.kind})`
        : `linked again (was ${p.kind})`;
  return formatProblem({ kind: 'repaired', path: p.path, detail }, json);
}

export function summaryOf(stage: VerifyStage, r: VerifyResult, exitCode?: number) {
  return {
    stage,
    files: r.files,
    hashed: r.hashed,
    bytesHashed: r.bytesHashed,
    problems: r.problems,
    missing: r.counts.missing,
    changed: r.counts.changed,
    unknown: r.counts.unknown,
    brokenLinks: r.counts['broken-link'],
    leftover: r.counts.leftover,
    notDownloaded: r.notDownloaded,
    ...(exitCode === undefined ? {} : { exitCode }),
  };
}

/** `verify: 120 files checked (40 hashed, 1.2 MB); 2 problems: 1 missing, 1 changed; …`. */
export function formatSummary(
  stage: VerifyStage,
  r: VerifyResult,
  json: boolean,
  exitCode?: number,
) {
  if (json) return JSON.stringify({ summary: summaryOf(stage, r, exitCode) });
  const hashed = r.hashed > 0 ? ` (${r.hashed} hashed, ${mb(r.bytesHashed)})` : '';
  const kinds = (['missing', 'changed', 'unknown', 'broken-link'] as const)
    .filter((k) => r.counts[k] > 0)
    .map((k) => `${r.counts[k]} ${k}`);
  const parts = [
    `${stage}: ${r.files} files checked${hashed}`,
    r.problems === 0 ? 'no problems' : `${r.problems} problem(s): ${kinds.join(', ')}`,
  ];
  if (r.counts.leftover > 0) {
    parts.push(`${r.counts.leftover} temp file(s) of a stopped pass (the next pass removes them)`);
  }
  if (r.notDownloaded > 0) parts.push(`${r.notDownloaded} item(s) not downloaded yet (run sync)`);
  return parts.join('; ');
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function rootSignal(): { signal: AbortSignal; dispose: () => void } {
  const ctl = new AbortController();
  const onTerm = () => ctl.abort(new SyncError('terminated', 'received SIGTERM: stopping'));
  const onInt = () => ctl.abort(new SyncError('interrupted', 'received SIGINT: stopping'));
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

/** ROOT must exist, and with the embedded index, hold one: verify never creates either. */
async function checkBackupThere(settings: Settings): Promise<void> {
  const st = await stat(settings.root).catch(() => null);
  if (!st?.isDirectory()) {
    throw new SyncError('fatal', `root folder ${settings.root} is missing or not a folder`, {
      hints: ['Is the backup disk mounted?'],
    });
  }
  if (settings.databaseUrl !== null) return;
  const index = path.join(settings.root, EMBEDDED_DIR, 'index');
  if (
    !(await access(index).then(
      () => true,
      () => false,
    ))
  ) {
    throw new SyncError('fatal', `no index in ${index}: nothing to verify against`, {
      hints: [
        'Run `gphotos-sync sync` into this folder first.',
        'If the index is on a server, set DATABASE_URL (or --database-url) as for sync.',
      ],
    });
  }
}

export async function runVerifyCommand(
  settings: Settings,
  flags: VerifyFlags,
  tokenStore: TokenStore | null,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const log = createLogger({
    level: settings.logLevel,
    format: settings.logFormat,
    account: settings.account,
    stream: process.stderr,
  });
  const print = (line: string) => out.write(`${line}\n`);
  const { signal, dispose } = rootSignal();
  let db: IndexDb | undefined;
  let lock: PassLock | undefined;
  try {
    await checkBackupThere(settings);
    db = await openIndexFor(settings, log.child({ component: 'index' }));
    // Verifying while a pass writes would report its work in progress: one at a time.
    if (db.backend === 'postgres') lock = await acquirePassLock(db.knex, settings.account);
    const media = new MediaRepo(db.knex, settings.account);
    const albums = new AlbumRepo(db.knex, settings.account);
    const base = {
      root: settings.root,
      media,
      albums,
      log: log.child({ component: 'verify' }),
      signal,
      hashWidth: settings.concurrency,
      progressSeconds: settings.progressInterval,
    };
    log.info(
      { root: settings.root, checksums: flags.checksums, repair: flags.repair },
      'verify started',
    );
    const first = await verifyTree({
      ...base,
      checksums: flags.checksums,
      onProblem: (p) => print(formatProblem(p, flags.json)),
    });
    const needsRepair = first.repairable.length > 0;
    if (!flags.repair || !needsRepair) {
      const code = first.problems > 0 ? ExitCode.partial : ExitCode.ok;
      print(formatSummary('verify', first, flags.json, code));
      if (flags.repair && first.problems > 0) {
        log.warn('only unknown files were found: --repair never touches them');
      }
      return code;
    }
    print(formatSummary('verify', first, flags.json));
    const plan = await prepareRepair(base, first.repairable);
    if (plan.pass) {
      if (tokenStore === null) throw new Error('--repair needs the token store');
      await repairPass(settings, tokenStore, db, log, signal, plan);
    }
    const after: VerifyProblem[] = [];
    const final = await verifyTree({
      ...base,
      checksums: false,
      recheck: plan.items,
      onProblem: (p) => after.push(p),
    });
    const left = new Set(after.map((p) => p.path));
    for (const p of first.repairable) if (!left.has(p.path)) print(formatRepaired(p, flags.json));
    for (const p of after) print(formatProblem(p, flags.json));
    const code = final.problems > 0 ? ExitCode.partial : ExitCode.ok;
    print(formatSummary('after repair', final, flags.json, code));
    return code;
  } catch (err) {
    const found = findSyncError(err);
    const message = scrubSecrets(err instanceof Error ? err.message : String(err));
    log.error({ err, hints: found?.hints }, message);
    return exitCodeOf(err);
  } finally {
    dispose();
    await tokenStore?.close().catch(() => undefined);
    try {
      await lock?.release();
      await db?.close();
    } catch (err) {
      log.warn({ err }, 'closing the index failed');
    }
    flushLogger(log);
  }
}

/** Wires one pass as `sync` does and runs the repair pass of `plan`. */
async function repairPass(
  settings: Settings,
  tokenStore: TokenStore,
  db: IndexDb,
  log: Logger,
  signal: AbortSignal,
  plan: RepairPlan,
): Promise<void> {
  const pacer = createPacer(settings, log);
  const rotation = keepRotatedRefreshTokens(tokenStore, log.child({ component: 'token' }));
  const progress = new Progress();
  try {
    const deps = await wirePass({
      settings,
      db,
      tokenStore,
      onNewRefreshToken: rotation.onNewRefreshToken,
      pacer,
      log,
      progress,
      signal,
      options: passOptions(settings, {
        indexOnly: false,
        skipIndex: true,
        flushIndex: false,
        doDelete: false,
      }),
    });
    progress.start(
      log.child({ component: 'progress' }),
      settings.progressInterval,
      Boolean(process.stderr.isTTY),
    );
    const pass = await runRepairPass(deps, plan);
    log.info(
      {
        downloaded: pass.downloaded,
        adopted: pass.adopted,
        failed: pass.failed,
        bytes: pass.bytes,
      },
      'repair pass finished',
    );
  } finally {
    progress.stop();
    await rotation.settled();
  }
}
