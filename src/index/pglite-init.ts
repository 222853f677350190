/**
 * Child-process entry point, run with `node --liftoff-only` (see pglite.ts for why creating runs
 * in its own process):
 *
 *   pglite-init.js <dataDir>     creates a PGlite data dir and exits (pglite.ts starts this when
 *                                there is no template to unpack);
 *   pglite-init.js --template    writes the template of a new embedded index (`npm run build`
 *                                runs this; embedded-db.ts): does nothing when it is up to date.
 */
import { createDataDir } from './pglite.ts';

const arg = process.argv[2];
if (!arg) {
  process.stderr.write('usage: pglite-init <dataDir> | pglite-init --template\n');
  process.exit(2);
}
if (arg === '--template') {
  // Only here: the child that runs initdb needs neither knex nor the migrations.
  const { writeEmbeddedTemplate } = await import('./embedded-db.ts');
  await writeEmbeddedTemplate();
} else {
  await createDataDir(arg);
}
