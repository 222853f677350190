/**
 * Folders by date for trees filed by when a photo was taken (photos/): `TOP/YYYY/MM` in UTC, so
 * a path never depends on the machine's time zone; `TOP/undated` for an item nothing dates.
 * Names and duplicate numbers inside a folder follow layout.ts, as for drive/ and picasa/.
 */
import { utcDateParts } from './picasa-layout.ts';

export const UNDATED_DIR = 'undated';

export function datedDir(top: string, taken: Date | null): string {
  if (taken === null || Number.isNaN(taken.getTime())) return `${top}/${UNDATED_DIR}`;
  const { yyyy, mm } = utcDateParts(taken);
  return `${top}/${yyyy}/${mm}`;
}
