/**
 * `gphotos-sync deleted [ROOT] [--since DATE] [--json]`: the items deleted or trashed upstream
 * that passes recorded, one row each: where the local file is, its size, when the deletion was
 * noticed, why, the albums that still list it, and whether `--do-delete` removed the file.
 * Read-only; opens the index as `query` does (the embedded index is locked while a pass runs:
 * exit 6). Exit 0, an empty list included (a note on stderr says so); 1 when ROOT or its
 * embedded index is missing.
 */
import type { Settings } from '../../config/settings.ts';
import { ExitCode, exitCodeOf } from '../../errors/errors.ts';
import type { IndexDb } from '../../index/db.ts';
import { DeletionsRepo, type DeletedItem } from '../../index/deletions-repo.ts';
import { printError } from '../report.ts';
import { openIndexFor, requireBackup } from './session.ts';
import { formatTable } from './query.ts';

export const DELETED_COLUMNS = ['path', 'size', 'noticed', 'reason', 'albums', 'removed'] as const;

/** One item as a table row (text cells) or a JSON object. */
export function deletedRow(item: DeletedItem, json: boolean): Record<string, unknown> {
  if (json) {
    return {
      path: item.relPath,
      source: item.source,
      remoteId: item.remoteId,
      size: item.size,
      noticed: item.goneAt?.toISOString() ?? null,
      reason: item.goneReason,
      albums: item.albums,
      removed: item.removedAt?.toISOString() ?? null,
    };
  }
  return {
    path: item.relPath,
    size: item.size ?? '',
    noticed: item.goneAt?.toISOString() ?? '',
    reason: item.goneReason ?? '',
    albums: item.albums.join(', '),
    removed: item.removedAt?.toISOString() ?? 'no',
  };
}

/** `--since YYYY-MM-DD` as the instant it starts, UTC. */
export function sinceInstant(since: string | null): Date | null {
  return since === null ? null : new Date(`${since}T00:00:00.000Z`);
}

export async function runDeletedCommand(
  settings: Settings,
  json: boolean,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let db: IndexDb | undefined;
  try {
    // A read-only command creates neither ROOT nor its index.
    await requireBackup(settings, {
      folder: false,
      noIndex: 'no pass has run into this folder',
      hints: ['If the index is on a server, set DATABASE_URL (or --database-url) as for sync.'],
    });
    db = await openIndexFor(settings);
    const items = await new DeletionsRepo(db.knex, settings.account).list({
      since: sinceInstant(settings.since),
    });
    const rows = items.map((i) => deletedRow(i, json));
    out.write(
      json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatTable([...DELETED_COLUMNS], rows)}\n`,
    );
    if (items.length === 0) {
      const since = settings.since === null ? '' : ` since ${settings.since}`;
      err.write(`gphotos-sync: no deletions recorded${since} for account ${settings.account}\n`);
    }
    return ExitCode.ok;
  } catch (e) {
    printError(e);
    return exitCodeOf(e);
  } finally {
    await db?.close();
  }
}
