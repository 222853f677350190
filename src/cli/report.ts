/** Errors of commands that have no logger (usage errors, `query`), printed to stderr for people. */
import { findSyncError } from '../errors/errors.ts';
import { scrubSecrets } from '../logging/logger.ts';

/** `gphotos-sync: <message>`, then the error's hints, and where to look for the settings. */
export function printError(err: unknown): void {
  const found = findSyncError(err);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`gphotos-sync: ${scrubSecrets(message)}\n`);
  for (const hint of found?.hints ?? []) process.stderr.write(`  hint: ${hint}\n`);
  if (found?.kind === 'usage') {
    process.stderr.write('Run `gphotos-sync --help` for the settings.\n');
  }
}
