/**
 * `gphotos-sync query [ROOT] SQL [--json]`: runs SQL on the index, for users of the embedded index
 * who have no server to point psql at. Takes the same lock as a pass.
 */
import type { Settings } from '../../config/settings.ts';
import { ExitCode, exitCodeOf } from '../../errors/errors.ts';
import { runQuery } from '../../index/query.ts';
import { printError } from '../report.ts';
import { openIndexFor } from './session.ts';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function formatTable(columns: string[], rows: Record<string, unknown>[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) =>
    Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)),
  );
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join(' | ')
      .trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('-+-')];
  for (const r of cells) out.push(line(r));
  out.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return out.join('\n');
}

export async function runQueryCommand(
  settings: Settings,
  sql: string,
  json: boolean,
): Promise<number> {
  let db;
  try {
    db = await openIndexFor(settings);
  } catch (err) {
    printError(err);
    return exitCodeOf(err);
  }
  try {
    const { columns, rows } = await runQuery(db, sql);
    process.stdout.write(
      json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatTable(columns, rows)}\n`,
    );
    return ExitCode.ok;
  } catch (err) {
    process.stderr.write(
      `gphotos-sync: query failed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return ExitCode.usage;
  } finally {
    await db.close();
  }
}
