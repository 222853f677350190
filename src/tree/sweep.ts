/**
 * Removes the temp files (`.<name>.gphotos-part`) that a pass killed without warning left behind.
 * Only call it while holding the pass lock: a running pass's temp files look the same.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { classifyFsError, isMissing } from './fs-errors.ts';
import { resolveInside } from './layout.ts';
import { isPartName } from './writer.ts';

/** Removes every temp file directly in the given folders (relative to root); returns how many. */
export async function removeStaleParts(root: string, dirs: Iterable<string>): Promise<number> {
  let removed = 0;
  for (const dir of dirs) {
    const abs = resolveInside(root, dir);
    let names: string[];
    try {
      names = await fs.readdir(abs);
    } catch (err) {
      if (isMissing(err)) continue;
      throw classifyFsError(err, 'read', abs);
    }
    for (const name of names) {
      if (!isPartName(name)) continue;
      try {
        await fs.unlink(path.join(abs, name));
        removed++;
      } catch (err) {
        if (!isMissing(err)) throw classifyFsError(err, 'write', path.join(abs, name));
      }
    }
  }
  return removed;
}
