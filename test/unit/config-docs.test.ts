import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { renderConfigDocs } from '../../src/config/docs.ts';
import { schema, settingKeys } from '../../src/config/schema.ts';

const docsFile = new URL('../../docs/configuration.md', import.meta.url);

test('docs/configuration.md is up to date (run `node scripts/gen-config-docs.ts`)', () => {
  assert.equal(readFileSync(docsFile, 'utf8'), renderConfigDocs());
});

test('the generated docs name every setting, its env var and flag', () => {
  const docs = renderConfigDocs();
  for (const key of settingKeys) {
    const spec = schema[key] as { env: string; arg?: string };
    assert.ok(docs.includes(`| \`${key}\` |`), key);
    assert.ok(docs.includes(`\`${spec.env}\``), spec.env);
    if (spec.arg !== undefined) assert.ok(docs.includes(`--${spec.arg}`), spec.arg);
  }
});

test('gen-config-docs --check passes on the committed file', () => {
  const script = new URL('../../scripts/gen-config-docs.ts', import.meta.url).pathname;
  // Throws (non-zero exit) when the file is out of date.
  execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' });
});
