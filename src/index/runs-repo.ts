import { AccountRepo, toDate, toNumber } from './sql-util.ts';

/** What a finished pass reports: the `sync finished` summary (open for more fields). */
export interface RunOutcome {
  exitCode: number;
  /** The pass's error, already safe to show (no token): the caller scrubs it. */
  error?: string | undefined;
  indexed: number;
  downloaded: number;
  failed: number;
  bytes: number;
  durationSeconds: number;
  [more: string]: unknown;
}

export interface RunRow {
  id: number;
  account: string;
  startedAt: Date;
  /** Null while the pass runs, and forever when it was killed. */
  finishedAt: Date | null;
  exitCode: number | null;
  error: string | null;
  indexed: number | null;
  downloaded: number | null;
  failed: number | null;
  bytes: number | null;
  durationSeconds: number | null;
  summary: Record<string, unknown> | null;
  host: string | null;
  pid: number | null;
}

/** Set on a row whose pass never finished (killed, out of memory, lost its host). */
export const ABANDONED_ERROR = 'the pass did not finish: it was killed or lost its host';

/**
 * The `runs` table of one account: one row per pass.
 *
 * Contract: `start` must be called while holding the account's pass lock (embedded lock file or
 * the server advisory lock), because it marks every unfinished row of the account as abandoned:
 * under the lock, no other pass of the account can be running. `finish` completes the row;
 * finishing an unknown id does nothing.
 */
export class RunsRepo extends AccountRepo {
  /** Inserts the row of a starting pass and returns its id. */
  async start(meta: { host: string; pid: number }, now = new Date()): Promise<number> {
    await this.knex('runs')
      .where({ account: this.account })
      .whereNull('finished_at')
      .whereNull('error')
      .update({ error: ABANDONED_ERROR });
    const [row] = (await this.knex('runs')
      .insert({ account: this.account, started_at: now, host: meta.host, pid: meta.pid })
      .returning('id')) as Array<{ id: unknown }>;
    return Number(row?.id);
  }

  async finish(id: number, outcome: RunOutcome, now = new Date()): Promise<void> {
    const json = JSON.stringify(outcome);
    await this.knex('runs')
      .where({ account: this.account, id })
      .update({
        finished_at: now,
        exit_code: outcome.exitCode,
        error: outcome.error ?? null,
        indexed: outcome.indexed,
        downloaded: outcome.downloaded,
        failed: outcome.failed,
        bytes: outcome.bytes,
        duration_seconds: outcome.durationSeconds,
        summary: this.knex.raw('?::jsonb', [json]),
      });
  }

  /** The latest runs of the account, newest first. */
  async latest(limit = 10): Promise<RunRow[]> {
    const rows = (await this.knex('runs')
      .where({ account: this.account })
      .orderBy([
        { column: 'started_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit)) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: Number(r.id),
      account: String(r.account),
      startedAt: toDate(r.started_at) as Date,
      finishedAt: toDate(r.finished_at),
      exitCode: toNumber(r.exit_code),
      error: (r.error as string | null) ?? null,
      indexed: toNumber(r.indexed),
      downloaded: toNumber(r.downloaded),
      failed: toNumber(r.failed),
      bytes: toNumber(r.bytes),
      durationSeconds: toNumber(r.duration_seconds),
      summary: (r.summary as Record<string, unknown> | null) ?? null,
      host: (r.host as string | null) ?? null,
      pid: toNumber(r.pid),
    }));
  }
}
