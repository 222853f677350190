/**
 * Writes docs/configuration.md from the config schema.
 *   node scripts/gen-config-docs.ts           write the file
 *   node scripts/gen-config-docs.ts --check   exit 1 if the file is out of date (CI drift check)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigDocs } from '../src/config/docs.ts';

const target = new URL('../docs/configuration.md', import.meta.url);
const wanted = renderConfigDocs();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // A missing file is out of date.
  }
  if (current !== wanted) {
    console.error('docs/configuration.md is out of date: run `node scripts/gen-config-docs.ts`');
    process.exit(1);
  }
} else {
  writeFileSync(target, wanted);
}
