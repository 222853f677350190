/**
 * The `takeout` line of `check`: the exports found in the `--takeout` places, each with whether a
 * pass would read it now or why it waits (from the files alone; the index says what was read).
 */
import { findParts, type FoundPart } from '../../remote/takeout/local-parts.ts';
import { whyWaiting } from '../../sync/sources/takeout/phase.ts';
import type { CheckLine } from './check.ts';

export async function checkTakeout(
  paths: readonly string[] | null,
  settleMs: number,
): Promise<CheckLine> {
  if (paths === null || paths.length === 0)
    return { name: 'takeout', status: 'skip', detail: 'no --takeout' };
  const found = await findParts(paths);
  if (found.problems.length > 0) {
    return { name: 'takeout', status: 'FAIL', detail: found.problems.join('; '), exitCode: 2 };
  }
  const byExport = new Map<string, FoundPart[]>();
  for (const p of found.parts) byExport.set(p.exportId, [...(byExport.get(p.exportId) ?? []), p]);
  const now = Date.now();
  const described = [...byExport].map(([id, parts]) => {
    parts.sort((a, b) => a.number - b.number);
    const waiting = whyWaiting(parts, undefined, settleMs, now);
    return `${id} (${parts.length} part(s), ${waiting === null ? 'complete' : `waiting: ${waiting}`})`;
  });
  const anyWaiting = described.some((d) => d.includes('waiting:'));
  return {
    name: 'takeout',
    status: anyWaiting ? 'warn' : 'ok',
    detail: `${byExport.size} export(s): ${described.join('; ')}`,
  };
}
