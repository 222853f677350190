/**
 * Child-process entry point, run with `node --liftoff-only` (see pglite.ts for why creating runs
 * in its own process):
 *
 *   pglite-init.js <dataDir>     creates a PGlite data dir and exits (pglite.ts starts this when
 *                                there is no template to unpack);
 *   pglite-init.js --template    writes the template of a fresh data dir (`npm run build` runs
 *                                this); does nothing when it is there already.
 */
import { createDataDir, tunedTemplateFile, writeTemplate } from './pglite.ts';
import { hasTemplate } from './pglite-template.ts';

const arg = process.argv[2];
if (!arg) {
  process.stderr.write('usage: pglite-init <dataDir> | pglite-init --template\n');
  process.exit(2);
}
if (arg === '--template') {
  const file = tunedTemplateFile();
  if (!hasTemplate(file)) await writeTemplate(file);
} else {
  await createDataDir(arg);
}
