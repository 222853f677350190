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
import type { LoadedSettings } from '../../config/load.ts';
import type { Settings } from '../../config/settings.ts';
import { ExitCode, exitCodeOf, findSyncError } from '../../errors/errors.ts';
import { AlbumRepo } from '../../index/album-repo.ts';
import type { IndexDb } from '../../index/db.ts';
import { MediaRepo } from '../../index/media-repo.ts';
import { createLogger, flushLogger, scrubSecrets, type Logger } from '../../logging/logger.ts';
import type { TokenStore } from '../../secrets/store.ts';
import { prepareRepair, runRepairPass, type RepairPlan } from '../../sync/repair.ts';
import { ShortcutRepo } from '../../index/shortcut-repo.ts';
import { verifyTree, type VerifyProblem, type VerifyResult } from '../../sync/verify.ts';
import { openLockedIndex, requireBackup, rootSignal, type LockedIndex } from './session.ts';
import { endPass, passKit, passOptions, tokenStoreOf, wirePass } from './pass-wiring.ts';

export interface VerifyFlags {
  checksums: boolean;
  repair: boolean;
  json: boolean;
}

/** `verify`; the token store is open with --repair (which downloads), null without. */
export interface VerifyInvocation extends VerifyFlags {
  command: 'verify';
  settings: Settings;
  tokenStore: TokenStore | null;
}

/** The `verify` invocation, or undefined with its problems added to `loaded.problems`. */
export async function prepareVerify(loaded: LoadedSettings): Promise<VerifyInvocation | undefined> {
  const repair = loaded.flags.get('repair') ?? false;
  const tokenStore = repair ? ((await tokenStoreOf(loaded)) ?? null) : null;
  if (repair && tokenStore === null) return undefined;
  return {
    command: 'verify',
    settings: loaded.settings,
    checksums: loaded.flags.get('checksums') ?? false,
    repair,
    json: loaded.flags.get('json') ?? false,
    tokenStore,
  };
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
  const { signal, dispose } = rootSignal();
  let index: LockedIndex | undefined;
  try {
    await requireBackup(settings, {
      folder: true,
      noIndex: 'nothing to verify against',
      hints: [
        'Run `gphotos-sync sync` into this folder first.',
        'If the index is on a server, set DATABASE_URL (or --database-url) as for sync.',
      ],
    });
    // Verifying while a pass writes would report its work in progress: one at a time.
    index = await openLockedIndex(settings, log);
    return await verifyAndRepair(
      { settings, flags, tokenStore, db: index.db, log, signal },
      (line) => out.write(`${line}\n`),
    );
  } catch (err) {
    const found = findSyncError(err);
    const message = scrubSecrets(err instanceof Error ? err.message : String(err));
    log.error({ err, hints: found?.hints }, message);
    return exitCodeOf(err);
  } finally {
    dispose();
    await tokenStore?.close().catch(() => undefined);
    await index?.close().catch((err: unknown) => log.warn({ err }, 'closing the index failed'));
    flushLogger(log);
  }
}

interface VerifyRun {
  settings: Settings;
  flags: VerifyFlags;
  tokenStore: TokenStore | null;
  db: IndexDb;
  log: Logger;
  signal: AbortSignal;
}

/** Verifies; with --repair and something to repair, repairs and verifies again. The exit code. */
async function verifyAndRepair(run: VerifyRun, print: (line: string) => void): Promise<number> {
  const { settings, flags, log } = run;
  const base = {
    root: settings.root,
    media: new MediaRepo(run.db.knex, settings.account),
    albums: new AlbumRepo(run.db.knex, settings.account),
    shortcutLinks: () => new ShortcutRepo(run.db.knex, settings.account).linkPaths(),
    log: log.child({ component: 'verify' }),
    signal: run.signal,
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
  if (!flags.repair || first.repairable.length === 0) {
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
    if (run.tokenStore === null) throw new Error('--repair needs the token store');
    await repairPass(settings, run.tokenStore, run.db, log, run.signal, plan);
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
  const kit = passKit(settings, tokenStore, log);
  try {
    const options = passOptions(settings, {
      indexOnly: false,
      skipIndex: true,
      flushIndex: false,
      doDelete: false,
    });
    const deps = await wirePass(kit, db, signal, options);
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
    await endPass(kit);
  }
}
