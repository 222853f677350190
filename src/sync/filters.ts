/**
 * Which listed items a pass backs up. Pure. Filtered items are still indexed (state `skipped`) and
 * still take part in duplicate numbering, so changing a filter never renames anything.
 */
export interface FilterOptions {
  skipVideo: boolean;
  /** YYYY-MM-DD, inclusive, on the taken date in UTC. */
  startDate: string | null;
  endDate: string | null;
}

export interface FilterFacts {
  mimeType: string;
  /** The photo's taken time, else its creation time; null when neither is known. */
  when: Date | null;
}

/** Why an item is left out, or null when it is backed up. */
export function filteredOut(item: FilterFacts, opts: FilterOptions): string | null {
  if (opts.skipVideo && item.mimeType.startsWith('video/')) return 'video (--skip-video)';
  if (opts.startDate === null && opts.endDate === null) return null;
  if (item.when === null) return 'no known date (--start-date/--end-date)';
  const day = item.when.toISOString().slice(0, 10);
  if (opts.startDate !== null && day < opts.startDate) return `taken ${day}, before --start-date`;
  if (opts.endDate !== null && day > opts.endDate) return `taken ${day}, after --end-date`;
  return null;
}
