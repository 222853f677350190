#!/usr/bin/env -S node --liftoff-only --max-semi-space-size=4 --heap-growing-percent=20
/**
 * The command line: parse, load config, wire the pieces, run, map errors to exit codes.
 * No logic lives here; see docs/architecture.md.
 *
 * node's flags are in the shebang, since V8 sizes its heap by them at start-up. Measured at
 * 100,000 items and 50 albums (npm run bench; bench:scale with SCALE_NODE_FLAGS to compare):
 * - `--max-semi-space-size=4 --heap-growing-percent=20`: V8's young generation capped at 4 MB a
 *   semi-space, its old generation grown by 20% over the live heap. Server Postgres, index-only
 *   pass: 12.5 CPU s and 264 MiB, against 25 CPU s and 217 MiB with `--optimize-for-size`
 *   (before the first Drive listing was packed, drive/packed-media.ts); without any memory flag,
 *   395 MiB (no albums). The embedded index cannot afford the difference (PGlite's WebAssembly
 *   memory never shrinks): it asks for `--optimize-for-size` at run time, for the phases that
 *   hold much (lib/heap-mode.ts);
 * - `--liftoff-only` keeps V8's optimising WebAssembly compiler away from the embedded Postgres
 *   (PGlite), which otherwise costs hundreds of MB; inserts are about 1.5x slower. It changes
 *   nothing for JavaScript or for server Postgres.
 */
import { ExitCode, exitCodeOf } from '../errors/errors.ts';
import { runAuthCommand } from './commands/auth.ts';
import { runCheckCommand } from './commands/check.ts';
import { runDeletedCommand } from './commands/deleted.ts';
import { runQueryCommand } from './commands/query.ts';
import { runSyncCommand } from './commands/sync.ts';
import { runVerifyCommand } from './commands/verify.ts';
import { loadInvocation } from './invocation.ts';
import { printError } from './report.ts';

async function main(argv: string[]): Promise<number> {
  let inv;
  try {
    inv = await loadInvocation(argv, process.env);
  } catch (err) {
    printError(err);
    return exitCodeOf(err);
  }
  switch (inv.command) {
    case 'help':
      (inv.exitCode === 0 ? process.stdout : process.stderr).write(`${inv.text}\n`);
      return inv.exitCode;
    case 'version':
      process.stdout.write(`${inv.text}\n`);
      return ExitCode.ok;
    case 'sync':
      return runSyncCommand(inv.settings, inv.tokenStore);
    case 'query':
      return runQueryCommand(inv.settings, inv.sql, inv.json);
    case 'check':
      return runCheckCommand(inv.settings);
    case 'deleted':
      return runDeletedCommand(inv.settings, inv.json);
    case 'auth':
      return runAuthCommand(inv);
    case 'verify':
      return runVerifyCommand(
        inv.settings,
        { checksums: inv.checksums, repair: inv.repair, json: inv.json },
        inv.tokenStore,
      );
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Sockets kept alive by the HTTP agent must not hold a finished pass open.
    setTimeout(() => process.exit(code), 50).unref();
  },
  (err: unknown) => {
    printError(err);
    process.exit(exitCodeOf(err));
  },
);
