/**
 * Prints the test files whose outcome can depend on the index backend, one per line: those whose
 * relative imports reach, directly or through other files, the code that opens an index or the
 * helper that runs the CLI (which opens one), or that name TEST_DATABASE_URL themselves.
 *
 * `.ci/run` runs the whole suite on server Postgres, then these files again on the embedded index
 * (`npm run test:backend`): a file outside this list runs the same code whatever the backend, so a
 * second run would test nothing new. The list errs on the side of including: any import of a
 * backend module counts, used or not.
 *
 *   node scripts/backend-tests.ts          the files
 *   node scripts/backend-tests.ts --why    each file with the chain of imports that put it there
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Files whose reach makes a test backend-dependent (paths from the repo root). */
const BACKEND_ENTRIES = new Set([
  'src/index/db.ts',
  'src/index/embedded-db.ts',
  'src/index/server-db.ts',
  'src/index/pglite.ts',
  'test/helpers/cli.ts',
]);

/** Of test/helpers/cli.ts, the exports that start the CLI; its others (repoRoot...) do not. */
const CLI_HELPER = 'test/helpers/cli.ts';
const CLI_LAUNCHERS = ['runCli', 'startCli', 'cliPath'];

const IMPORT =
  /(?:^|\n)\s*(import|export)(\s+type)?([^'"]*?)from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** The .ts files `file` imports for their code (type-only imports are erased, so left out). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    if (m[2] !== undefined) continue;
    const spec = m[4] ?? m[5];
    if (spec === undefined || !spec.endsWith('.ts')) continue;
    const dep = path.relative(root, path.resolve(path.dirname(path.join(root, file)), spec));
    const names = m[3] ?? '';
    if (
      dep === CLI_HELPER &&
      m[4] &&
      !CLI_LAUNCHERS.some((n) => new RegExp(`\\b${n}\\b`).test(names))
    ) {
      continue;
    }
    out.push(dep);
  }
  return out;
}

/** The import chain from `file` to a backend entry, or null when there is none. */
function chainToBackend(file: string, memo: Map<string, string[] | null>): string[] | null {
  if (memo.has(file)) return memo.get(file) ?? null;
  memo.set(file, null); // a cycle adds nothing
  let found: string[] | null = null;
  if (BACKEND_ENTRIES.has(file)) found = [file];
  else if (readFileSync(path.join(root, file), 'utf8').includes('TEST_DATABASE_URL'))
    found = [file];
  else {
    for (const dep of importsOf(file)) {
      const rest = chainToBackend(dep, memo);
      if (rest) {
        found = [file, ...rest];
        break;
      }
    }
  }
  memo.set(file, found);
  return found;
}

function testFiles(): string[] {
  return readdirSync(path.join(root, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join('test', f))
    .sort();
}

const why = process.argv.includes('--why');
const memo = new Map<string, string[] | null>();
for (const file of testFiles()) {
  const chain = chainToBackend(file, memo);
  if (chain) console.log(why ? `${file}: ${chain.slice(1).join(' -> ') || 'itself'}` : file);
}
