// The layer rule of docs/architecture.md is enforced by eslint.config.js; this proves the rule
// fails on a wrong arrow and passes a right one, so it cannot rot into a no-op.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { repoRoot } from '../helpers/cli.ts';

const eslint = new ESLint({ cwd: repoRoot });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

test('remote, index and tree may not import each other or sync', async () => {
  const cases: Array<[string, string]> = [
    [
      'src/remote/x.ts',
      "import { MediaRepo } from '../index/media-repo.ts';\nexport const x = MediaRepo;\n",
    ],
    [
      'src/index/x.ts',
      "import { sanitizeName } from '../tree/sanitize.ts';\nexport const x = sanitizeName;\n",
    ],
    ['src/tree/x.ts', "import { runPass } from '../sync/engine.ts';\nexport const x = runPass;\n"],
    [
      'src/sync/x.ts',
      "import { runSyncCommand } from '../cli/commands/sync.ts';\nexport const x = runSyncCommand;\n",
    ],
  ];
  for (const [file, code] of cases) {
    const errors = await layerErrors(file, code);
    assert.equal(errors.length, 1, `${file}: ${JSON.stringify(errors)}`);
    assert.match(errors[0] ?? '', /must not import/);
  }
});

test('the allowed arrows pass', async () => {
  const ok = await layerErrors(
    'src/sync/x.ts',
    "import { MediaRepo } from '../index/media-repo.ts';\nimport { sanitizeName } from '../tree/sanitize.ts';\nexport const x = [MediaRepo, sanitizeName];\n",
  );
  assert.deepEqual(ok, []);
});
