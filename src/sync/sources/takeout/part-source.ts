/**
 * Where Takeout parts come from besides the `--takeout` paths: the phase (phase.ts) asks a
 * PartSource for the parts it sees, and hands it back the rows of those parts to check, open
 * and clean up. Drive's Takeout folder is one (drive-parts.ts).
 *
 * Contract:
 * - `find()` returns the parts present now (an export's parts may be spread over several
 *   passes); a part found here is a `takeout_parts` row like a local one, and `owns(row)` tells
 *   its rows apart;
 * - `changedSince(row)` is the look just before reading: null when the part is as it was found,
 *   else what changed (the phase then stops; a later pass reads the new version);
 * - `open(row)` reads the part in place; `afterRead(row, reader)` runs once the part was read to
 *   its end without breaking, and returns a problem that makes the part `bad`, or null;
 * - `afterFiled(exportId, rows)` runs once the export was filed. It never fails the pass for a
 *   clean-up it cannot do (it says what to do in the log).
 */
import type { PartRow } from '../../../index/takeout-repo.ts';
import type { FoundPart } from '../../../remote/takeout/local-parts.ts';
import type { PartReader } from '../../../remote/takeout/types.ts';

export interface PartSource {
  find(signal: AbortSignal): Promise<FoundPart[]>;
  owns(row: PartRow): boolean;
  changedSince(row: PartRow, signal: AbortSignal): Promise<string | null>;
  open(row: PartRow, signal: AbortSignal): Promise<PartReader>;
  afterRead(row: PartRow, reader: PartReader, signal: AbortSignal): Promise<string | null>;
  afterFiled(exportId: string, rows: readonly PartRow[], signal: AbortSignal): Promise<void>;
}
