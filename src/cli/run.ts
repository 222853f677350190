/**
 * The command line: parse, load config, wire the pieces, run, map errors to exit codes.
 * No logic lives here; see docs/architecture.md. Loaded by main.ts, the bin.
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
