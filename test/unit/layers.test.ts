// The layer rule of docs/architecture.md is enforced by eslint.config.js; this proves the rule
// fails on a wrong arrow and passes a right one, so it cannot rot into a no-op.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
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

test('remote may not import config, secrets or logging; secrets and monitor have their rules', async () => {
  const cases: Array<[string, string]> = [
    [
      'src/remote/x.ts',
      "import type { Settings } from '../config/settings.ts';\nexport type X = Settings;\n",
    ],
    [
      'src/remote/x.ts',
      "import { Secret } from '../secrets/secret.ts';\nexport const x = Secret;\n",
    ],
    [
      'src/remote/drive/x.ts',
      "import { createLogger } from '../../logging/logger.ts';\nexport const x = createLogger;\n",
    ],
    [
      'src/secrets/x.ts',
      "import { RemoteError } from '../remote/errors.ts';\nexport const x = RemoteError;\n",
    ],
    [
      'src/secrets/x.ts',
      "import { createLogger } from '../logging/logger.ts';\nexport const x = createLogger;\n",
    ],
    [
      'src/monitor/x.ts',
      "import { runPass } from '../sync/engine.ts';\nexport const x = runPass;\n",
    ],
    [
      'src/monitor/x.ts',
      "import { Secret } from '../secrets/secret.ts';\nexport const x = Secret;\n",
    ],
    [
      'src/sync/x.ts',
      "import { startMonitor } from '../monitor/monitor.ts';\nexport const x = startMonitor;\n",
    ],
    [
      'src/sync/sources/x/source.ts',
      "import type { Settings } from '../../../config/settings.ts';\nexport type X = Settings;\n",
    ],
  ];
  for (const [file, code] of cases) {
    const errors = await layerErrors(file, code);
    assert.equal(errors.length, 1, `${file}: ${code} ${JSON.stringify(errors)}`);
  }
  const allowed: Array<[string, string]> = [
    ['src/secrets/x.ts', "import { Pacer } from '../lib/pacer.ts';\nexport const x = Pacer;\n"],
    [
      'src/monitor/x.ts',
      "import { scrubSecrets } from '../logging/redact.ts';\nexport const x = scrubSecrets;\n",
    ],
    ['src/remote/x.ts', "import { Pacer } from '../lib/pacer.ts';\nexport const x = Pacer;\n"],
  ];
  for (const [file, code] of allowed) assert.deepEqual(await layerErrors(file, code), [], file);
});

test('no function in src/ runs past 80 lines', async () => {
  const fn = (lines: number) =>
    `export function f(): number {\n${'  void 0;\n'.repeat(lines - 3)}  return 1;\n}\n`;
  const tooLong = await eslint.lintText(fn(81), { filePath: 'src/sync/x.ts' });
  assert.deepEqual(
    tooLong[0]?.messages.map((m) => m.ruleId),
    ['max-lines-per-function'],
  );
  const fits = await eslint.lintText(fn(80), { filePath: 'src/sync/x.ts' });
  assert.deepEqual(fits[0]?.messages, []);
});

test('the lint rule says what the table of docs/architecture.md says', async () => {
  const doc = readFileSync(path.join(repoRoot, 'docs/architecture.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `src\/(\w+)\/` \|.*\| ([^|]+) \|$/gm)];
  const folders = rows.map((r) => r[1] as string);
  assert.ok(folders.length >= 11, `table rows: ${folders.join(', ')}`);
  for (const [, folder, column] of rows) {
    const documented = (column ?? '').trim();
    const config = (await eslint.calculateConfigForFile(`src/${folder}/x.ts`)) as {
      rules?: Record<string, unknown>;
    };
    const rule = config.rules?.['no-restricted-imports'] as
      [unknown, { patterns: Array<{ group: string[] }> }] | undefined;
    const banned = new Set(
      (rule?.[1].patterns ?? []).map((p) => (p.group[0] ?? '').replace(/^\*\*\/|\/\*$/g, '')),
    );
    const allowed = folders.filter((f) => f !== folder && !banned.has(f));
    const expected =
      documented === 'everything'
        ? folders.filter((f) => f !== folder)
        : documented === 'nothing'
          ? []
          : documented.split(', ');
    assert.deepEqual(allowed.sort(), [...expected].sort(), `src/${folder}/`);
  }
});
