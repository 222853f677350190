/**
 * Child-process entry point: `node --liftoff-only pglite-init.js <dataDir>` creates a PGlite data
 * dir and exits. Started by pglite.ts; see there for why creation runs in its own process.
 */
import { createDataDir } from './pglite.ts';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: pglite-init <dataDir>\n');
  process.exit(2);
}
await createDataDir(dataDir);
