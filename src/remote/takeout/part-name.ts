/**
 * The names of Takeout archive parts, and which parts make one export. Pure.
 *
 * Seen (../shared/takeout-samples/README.md §2 "Archive parts", small-issue-snippets.misc.lst):
 * `takeout-20240525T201456Z-001.zip`, `takeout-20230720T065335Z-001.tgz`, and since 2025
 * `takeout-20250725T035235Z-1-001` / `takeout-20260529T043328Z-3-002.zip`. What the middle
 * number means is not confirmed, so it stays in the export's id: parts of one export share it,
 * and two exports requested in the same second with different middle numbers stay apart.
 */
import type { ArchiveFormat, PartName } from './types.ts';

const PART =
  /^(takeout-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-\d+)?)-(\d{3,})\.(zip|tgz|tar\.gz)$/i;

/**
 * Parses a part's file name (no folder). Null for anything else, including downloads still in
 * progress (`….zip.crdownload`, `.part`, `.download`: they end in another extension) and the
 * extension-less folder an extracted part leaves.
 *
 * `requestedAt` is built with Date.UTC from the name's digits. A time out of range (a blog post
 * names `takeout-20210718T158137Z-001.zip`) rolls over instead of refusing a real part.
 */
export function parsePartName(fileName: string): PartName | null {
  const m = PART.exec(fileName);
  if (!m) return null;
  const n = (i: number): number => Number(m[i]);
  const number = n(8);
  if (number < 1) return null;
  const format: ArchiveFormat = (m[9] ?? '').toLowerCase() === 'zip' ? 'zip' : 'tgz';
  const requestedAt = new Date(Date.UTC(n(2), n(3) - 1, n(4), n(5), n(6), n(7)));
  return { exportId: m[1] ?? '', number, format, requestedAt };
}

/** One part of an export, with the file name it was parsed from. */
export interface ExportPart extends PartName {
  name: string;
}

/** The parts of one export, in part-number order (then by name, for two copies of a number). */
export interface TakeoutExport {
  exportId: string;
  requestedAt: Date;
  parts: ExportPart[];
}

/**
 * Groups part names by export. Names that are no part are left out. Exports come in
 * request-time order, then by id; the result does not depend on the order of `names`.
 */
export function groupExports(names: readonly string[]): TakeoutExport[] {
  const byId = new Map<string, TakeoutExport>();
  for (const name of names) {
    const part = parsePartName(name);
    if (!part) continue;
    let group = byId.get(part.exportId);
    if (!group) {
      group = { exportId: part.exportId, requestedAt: part.requestedAt, parts: [] };
      byId.set(part.exportId, group);
    }
    group.parts.push({ ...part, name });
  }
  const exports = [...byId.values()];
  for (const e of exports) {
    e.parts.sort((a, b) => a.number - b.number || cmp(a.name, b.name));
  }
  return exports.sort(
    (a, b) => a.requestedAt.getTime() - b.requestedAt.getTime() || cmp(a.exportId, b.exportId),
  );
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Part numbers missing between 1 and the highest one present. A missing last part cannot be
 * seen from the names: Takeout's part names do not say how many parts there are.
 */
export function missingParts(exp: TakeoutExport): number[] {
  const have = new Set(exp.parts.map((p) => p.number));
  const max = Math.max(0, ...have);
  const missing: number[] = [];
  for (let i = 1; i <= max; i++) if (!have.has(i)) missing.push(i);
  return missing;
}
