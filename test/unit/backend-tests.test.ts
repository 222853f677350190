/**
 * scripts/backend-tests.ts, which picks the files CI runs a second time on the embedded index:
 * every file that opens an index or starts the CLI is in, the ones that cannot are out.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/cli.ts';

function listed(): string[] {
  const out = execFileSync(process.execPath, [path.join(repoRoot, 'scripts/backend-tests.ts')], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return out.split('\n').filter(Boolean);
}

test('every test file that opens an index or runs the CLI is listed; pure ones are not', () => {
  const files = listed();
  for (const f of [
    'test/integration/drive-pass.test.ts', // imports helpers that run the CLI
    'test/integration/faults-disk.test.ts', // through helpers/pass.ts only
    'test/unit/index-db.test.ts', // opens indexes itself
    'test/unit/index-media.test.ts', // through helpers/db.ts
    'test/unit/pglite-template.test.ts', // src/index/pglite.ts
    'test/deploy/production-install.test.ts', // runs the installed CLI
  ]) {
    assert.ok(files.includes(f), `${f} missing from ${files.join(' ')}`);
  }
  for (const f of [
    'test/unit/tree-sanitize.test.ts',
    'test/unit/takeout-match.test.ts',
    'test/deploy/helm-render.test.ts', // imports repoRoot from helpers/cli.ts, runs no CLI
    'test/unit/backend-tests.test.ts',
  ]) {
    assert.ok(!files.includes(f), `${f} listed`);
  }
});

test('no test file that names an index helper or the CLI runner is left out', () => {
  const files = new Set(listed());
  const markers = /helpers\/(db|pass|takeout)\.ts|\b(runCli|startCli|openIndex|testIndex)\b/;
  const all = readdirSync(path.join(repoRoot, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join('test', f));
  assert.ok(all.length > 90, `${all.length} test files`);
  const missed = all.filter(
    (f) =>
      f !== 'test/unit/backend-tests.test.ts' &&
      markers.test(readFileSync(path.join(repoRoot, f), 'utf8')) &&
      !files.has(f),
  );
  assert.deepEqual(missed, []);
});
