import type { IndexDb } from './db.ts';

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

/**
 * Runs one SQL statement typed by a person (`gphotos-sync query "SELECT ..."`), in a READ ONLY
 * transaction unless `readOnly: false`: users of the embedded index have no server to point psql
 * at, and a typo should not be able to damage the index. The text is sent as is: `?` is not a
 * placeholder. Values come back as the driver gives them (Date for timestamps; int8 may be a
 * string with pg and a number with PGlite).
 */
export async function runQuery(
  db: IndexDb,
  sql: string,
  opts: { readOnly?: boolean } = {},
): Promise<QueryResult> {
  // knex turns every unescaped `?` into a bind parameter; `\?` is knex's escape for a literal one.
  const escaped = sql.replace(/\?/g, '\\?');
  return db.knex.transaction(async (trx) => {
    if (opts.readOnly !== false) await trx.raw('SET TRANSACTION READ ONLY');
    const res = (await trx.raw(escaped)) as RawResult | RawResult[];
    const last = Array.isArray(res) ? res[res.length - 1] : res;
    return {
      columns: (last?.fields ?? []).map((f) => f.name),
      rows: last?.rows ?? [],
    };
  });
}

interface RawResult {
  rows?: Record<string, unknown>[];
  fields?: Array<{ name: string }>;
}
