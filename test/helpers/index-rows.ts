/**
 * The index as a user sees it, for assertions after a pass: rows of `media_items` read through
 * `gphotos-sync query` (the same command for the embedded index and a server), and the check that
 * the index agrees with the disk.
 */
import assert from 'node:assert/strict';
import type { TreeFile } from './tree.ts';
import { runCli } from './cli.ts';

export interface IndexRow {
  source: string;
  remote_id: string;
  rel_path: string;
  size: number | null;
  state: string;
}

/** Every media row of the default account, ordered by source and remote id. */
export async function indexRows(
  root: string,
  env: Record<string, string | undefined>,
): Promise<IndexRow[]> {
  const sql =
    'SELECT source, remote_id, rel_path, size, state FROM media_items ORDER BY source, remote_id';
  const r = await runCli(['query', root, sql, '--json'], env);
  assert.equal(r.code, 0, `query failed: ${r.stderr}`);
  const rows = JSON.parse(r.stdout) as Array<IndexRow & { size: string | number | null }>;
  return rows.map((row) => ({ ...row, size: row.size === null ? null : Number(row.size) }));
}

/** Every `done` row's file exists with its size; `tree` is readTree(root). */
export function assertIndexAgreesWithDisk(rows: IndexRow[], tree: Map<string, TreeFile>): void {
  for (const row of rows) {
    if (row.state !== 'done') continue;
    const f = tree.get(row.rel_path);
    assert.ok(f, `index says done, disk has no ${row.rel_path}`);
    assert.equal(f.size, row.size, `size of ${row.rel_path}`);
  }
}

/** Paths of temp files (`.name.gphotos-part`) in a tree. */
export function tempFilesIn(tree: Map<string, TreeFile>): string[] {
  return [...tree.keys()].filter((p) => p.endsWith('.gphotos-part'));
}
