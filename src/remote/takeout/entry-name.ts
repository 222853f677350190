/**
 * The two questions both readers ask of an entry before touching its bytes: does the caller want
 * it, and may its stored name become a path under the backup root. No bytes are handed out for a
 * name that fails (`unsafe-name`). Names are checked as stored: no Unicode normalisation, no
 * case folding.
 */
import type { ArchiveEntry, EntryProblem, ReadOptions } from './types.ts';

/** False for an entry `fromIndex` or `want` passes over. */
export function isWanted(entry: ArchiveEntry, options: ReadOptions): boolean {
  if (entry.index < (options.fromIndex ?? 0)) return false;
  return options.want?.(entry) ?? true;
}

export type NameCheck = { ok: true; path: string } | { ok: false; problem: EntryProblem };

/** Each rule: the reason a name fails it, in words for the message. */
const RULES: Array<[test: (name: string, segments: string[]) => boolean, reason: string]> = [
  [(name) => name.includes('\0'), 'contains a NUL character'],
  [(name) => name.includes('\\'), 'contains a backslash (a Windows path)'],
  [(name) => name.startsWith('/'), 'is an absolute path'],
  [(name) => /^[A-Za-z]:/.test(name), 'starts with a drive letter'],
  [(_, segments) => segments.includes('..'), "climbs out of its folder with '..'"],
  [(_, segments) => segments.includes(''), "has an empty segment ('//')"],
];

/**
 * The normalised '/'-path of a safe name: `.` segments dropped (tar archives often start with
 * `./`), a directory's trailing '/' dropped. Unsafe: empty, absolute, a drive letter, a `..` or
 * empty segment, a backslash or a NUL anywhere.
 */
export function checkEntryName(name: string): NameCheck {
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  const segments = trimmed.split('/').filter((s) => s !== '.');
  if (name === '' || segments.length === 0) return unsafe(name, 'is empty');
  for (const [fails, reason] of RULES) {
    if (fails(name, segments)) return unsafe(name, reason);
  }
  return { ok: true, path: segments.join('/') };
}

function unsafe(name: string, reason: string): NameCheck {
  const message = `${JSON.stringify(name)} is not a safe path: it ${reason}`;
  return { ok: false, problem: { kind: 'unsafe-name', message } };
}
