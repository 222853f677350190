import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadInvocation } from '../../src/cli/invocation.ts';
import type { Invocation } from '../../src/cli/invocation.ts';
import type { Settings } from '../../src/config/settings.ts';
import { UsageError } from '../../src/errors/errors.ts';
import { schema, settingKeys } from '../../src/config/schema.ts';
import { findCommand } from '../../src/config/commands.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'gphotos-config-'));
const root = path.join(dir, 'root');
mkdirSync(root);
const goodToken = JSON.stringify({
  type: 'authorized_user',
  client_id: 'cid.apps.googleusercontent.com',
  client_secret: 'GOCSPX-secretvalue',
  refresh_token: '1//0refreshTOKENvalue123',
});
const tokenFile = path.join(dir, 'token.json');
writeFileSync(tokenFile, goodToken);
const baseEnv = { GPHOTOS_TOKEN_FILE: tokenFile };

function configFile(content: unknown): string {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function sync(argv: string[], env: Record<string, string> = {}): Promise<Settings> {
  const inv = await loadInvocation(['sync', ...argv], { ...baseEnv, ...env });
  assert.equal(inv.command, 'sync');
  return (inv as Extract<Invocation, { command: 'sync' }>).settings;
}

async function problemsOf(argv: string[], env: Record<string, string> = {}): Promise<string[]> {
  try {
    await loadInvocation(argv, env);
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected UsageError, got ${String(err)}`);
    return [...err.problems];
  }
  assert.fail('expected a UsageError');
}

test('defaults apply when nothing else is set', async () => {
  const s = await sync([root]);
  assert.equal(s.root, root);
  assert.equal(s.concurrency, 8);
  assert.equal(s.account, 'default');
  assert.equal(s.databaseUrl, null);
  assert.equal(s.googleApiUrl, 'https://www.googleapis.com/');
  assert.equal(s.oauthTokenUrl, 'https://oauth2.googleapis.com/token');
  assert.equal(s.skipVideo, false);
  assert.equal(s.logFormat, 'auto');
  assert.equal(s.progressInterval, 5);
  assert.equal(s.retries, 8);
  assert.equal(s.backoffBase, 500);
  assert.equal(s.backoffMax, 64000);
  assert.equal(s.tokenFile, tokenFile);
});

test('precedence: flag > env > config file > default, for several keys', async () => {
  const file = configFile({ concurrency: 3, account: 'from-file', logLevel: 'warn', retries: 4 });
  // file > default
  let s = await sync([root], { GPHOTOS_CONFIG: file });
  assert.deepEqual([s.concurrency, s.account, s.logLevel, s.retries], [3, 'from-file', 'warn', 4]);
  // env > file
  s = await sync([root], {
    GPHOTOS_CONFIG: file,
    GPHOTOS_CONCURRENCY: '5',
    GPHOTOS_ACCOUNT: 'from-env',
    GPHOTOS_LOG_LEVEL: 'debug',
  });
  assert.deepEqual([s.concurrency, s.account, s.logLevel, s.retries], [5, 'from-env', 'debug', 4]);
  // flag > env
  s = await sync([root, '--concurrency', '7', '--account=from-flag'], {
    GPHOTOS_CONFIG: file,
    GPHOTOS_CONCURRENCY: '5',
    GPHOTOS_ACCOUNT: 'from-env',
  });
  assert.deepEqual([s.concurrency, s.account, s.logLevel], [7, 'from-flag', 'warn']);
});

test('precedence holds for booleans and root, and --config beats GPHOTOS_CONFIG', async () => {
  const other = path.join(dir, 'other-root');
  mkdirSync(other, { recursive: true });
  const fileA = configFile({ skipVideo: true, root: other });
  const fileB = configFile({ skipVideo: false });
  let s = await sync([], { GPHOTOS_CONFIG: fileA });
  assert.equal(s.skipVideo, true);
  assert.equal(s.root, other);
  s = await sync([], { GPHOTOS_CONFIG: fileA, GPHOTOS_SKIP_VIDEO: 'no', GPHOTOS_ROOT: root });
  assert.equal(s.skipVideo, false);
  assert.equal(s.root, root);
  s = await sync([other, '--skip-video'], { GPHOTOS_SKIP_VIDEO: 'no', GPHOTOS_ROOT: root });
  assert.equal(s.skipVideo, true);
  assert.equal(s.root, other);
  s = await sync(['--config', fileB, root], { GPHOTOS_CONFIG: fileA });
  assert.equal(s.skipVideo, false);
});

test('an empty environment variable counts as unset', async () => {
  const file = configFile({ concurrency: 3 });
  const s = await sync([root], { GPHOTOS_CONFIG: file, GPHOTOS_CONCURRENCY: '' });
  assert.equal(s.concurrency, 3);
});

test('boolean forms: bare, =value, --no-, and env words', async () => {
  assert.equal((await sync([root, '--skip-video'])).skipVideo, true);
  assert.equal((await sync(['--skip-video', root])).root, root, 'a bare boolean does not eat ROOT');
  assert.equal((await sync([root, '--skip-video=false'])).skipVideo, false);
  assert.equal((await sync([root, '--skip-video=yes'])).skipVideo, true);
  assert.equal(
    (await sync([root, '--no-skip-video'], { GPHOTOS_SKIP_VIDEO: '1' })).skipVideo,
    false,
  );
  for (const [word, want] of [
    ['true', true],
    ['1', true],
    ['YES', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ] as const) {
    assert.equal((await sync([root], { GPHOTOS_ALL_DRIVE: word })).allDrive, want, word);
  }
  const problems = await problemsOf(['sync', root, '--skip-video=maybe'], baseEnv);
  assert.match(problems.join('\n'), /skipVideo.*true or false.*maybe.*--skip-video/);
  const envProblems = await problemsOf(['sync', root], { ...baseEnv, GPHOTOS_SKIP_VIDEO: 'nope' });
  assert.match(envProblems.join('\n'), /skipVideo.*nope.*GPHOTOS_SKIP_VIDEO/);
});

test('coercions: relative root is resolved, API URL gets its slash, dates pass', async () => {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    assert.equal((await sync(['root'])).root, root);
  } finally {
    process.chdir(cwd);
  }
  const s = await sync([root, '--google-api-url', 'http://127.0.0.1:9/api'], {
    GPHOTOS_START_DATE: '2024-02-29',
    GPHOTOS_END_DATE: '2024-02-29',
  });
  assert.equal(s.googleApiUrl, 'http://127.0.0.1:9/api/');
  assert.equal(s.startDate, '2024-02-29');
  // a root that does not exist yet but whose parent does is fine
  assert.equal((await sync([path.join(dir, 'not-yet')])).root, path.join(dir, 'not-yet'));
});

test('every problem of one invocation is listed in one UsageError', async () => {
  const problems = await problemsOf(
    ['sync', '--bogus', '--start-date', '2023-02-30', '--concurrency=0', '--end-date'],
    { GPHOTOS_TOKEN_FILE: path.join(dir, 'missing-token.json'), GPHOTOS_RETRIES: 'many' },
  );
  const text = problems.join('\n');
  assert.match(text, /unknown flag --bogus/);
  assert.match(text, /--end-date needs a value/);
  assert.match(text, /startDate.*calendar date.*2023-02-30.*--start-date/);
  assert.match(text, /concurrency.*1 to 64.*`0`/);
  assert.match(text, /retries.*`many`.*GPHOTOS_RETRIES/);
  assert.match(text, /missing ROOT/);
  assert.match(text, /missing-token\.json cannot be read: no such file/);
  assert.equal(problems.length, 7, text);
});

test('cross-field problems: start after end, index-only with skip-index, both token sources', async () => {
  const problems = await problemsOf(
    ['sync', root, '--start-date=2024-05-02', '--end-date=2024-05-01', '--index-only'],
    { GPHOTOS_SKIP_INDEX: 'true', GPHOTOS_TOKEN_FILE: tokenFile, GPHOTOS_TOKEN: goodToken },
  );
  const text = problems.join('\n');
  assert.match(text, /startDate.*2024-05-02.*after.*endDate.*2024-05-01/);
  assert.match(text, /indexOnly.*--index-only.*skipIndex.*GPHOTOS_SKIP_INDEX/);
  assert.match(text, /both a token file .* and an inline token \(env GPHOTOS_TOKEN\)/);
  assert.ok(!text.includes('GOCSPX-secretvalue') && !text.includes('1//0refresh'), text);
});

test('bad formats for each kind of setting', async () => {
  const problems = await problemsOf(['sync', root, '--account', 'has space', '--log-level=loud'], {
    ...baseEnv,
    DATABASE_URL: 'mysql://user:hunter2@db/x',
    GPHOTOS_OAUTH_TOKEN_URL: 'not a url',
    GPHOTOS_PROGRESS_INTERVAL: '-1',
    GPHOTOS_LOG_FORMAT: 'xml',
    GPHOTOS_BACKOFF_BASE_MS: '1.5',
  });
  const text = problems.join('\n');
  for (const key of [
    'account',
    'logLevel',
    'databaseUrl',
    'oauthTokenUrl',
    'progressInterval',
    'logFormat',
    'backoffBase',
  ]) {
    assert.match(text, new RegExp(`\`${key}\``), `${key} in\n${text}`);
  }
  assert.ok(!text.includes('hunter2'), 'database password is masked');
  assert.match(text, /mysql:\/\/user:\*\*\*@db\/x/);
});

test('root must be a directory or creatable', async () => {
  const file = path.join(dir, 'a-file');
  writeFileSync(file, 'x');
  assert.match((await problemsOf(['sync', file], baseEnv)).join('\n'), /not a directory/);
  const deep = path.join(dir, 'no', 'such', 'place');
  assert.match((await problemsOf(['sync', deep], baseEnv)).join('\n'), /neither does its parent/);
});

test('flags: repeated, no-value, --token refused without echoing, ROOT twice, suggestions', async () => {
  const problems = await problemsOf(
    [
      'sync',
      root,
      '--root',
      root,
      '--retries',
      '3',
      '--retries=4',
      '--token',
      'SECRETTOKEN',
      '--concurency=2',
    ],
    baseEnv,
  );
  const text = problems.join('\n');
  assert.match(text, /--retries is given more than once/);
  assert.match(text, /ROOT is given both/);
  assert.match(text, /--token is not accepted.*ps/);
  assert.match(text, /did you mean --concurrency\?/);
  assert.ok(!text.includes('SECRETTOKEN'));
});

test('config file: unknown keys (strict), bad JSON, non-scalar values, unreadable', async () => {
  const file = configFile({
    concurrency: 2,
    'database-url': 'postgres://x/y',
    colour: 'red',
    account: { a: 1 },
  });
  let text = (await problemsOf(['sync', root], { ...baseEnv, GPHOTOS_CONFIG: file })).join('\n');
  assert.match(
    text,
    /unknown setting `database-url` in config file .* \(did you mean `databaseUrl`\?\)/,
  );
  assert.match(text, /unknown setting `colour`/);
  assert.match(text, /`account` must be a string, number, boolean or null/);
  assert.match(text, /from GPHOTOS_CONFIG/);

  const bad = configFile('{"concurrency": 2,}');
  text = (await problemsOf(['sync', root, '--config', bad], baseEnv)).join('\n');
  assert.match(text, /is not valid JSON \(line 1 column 19\)/);

  text = (await problemsOf(['sync', root, '--config', path.join(dir, 'nope.json')], baseEnv)).join(
    '\n',
  );
  assert.match(text, /nope\.json cannot be read \(ENOENT\)/);

  const badValue = configFile({ concurrency: 'lots' });
  text = (await problemsOf(['sync', root], { ...baseEnv, GPHOTOS_CONFIG: badValue })).join('\n');
  assert.match(text, /`concurrency` .* got `lots` \(from config file /);
});

test('sync needs a token; an inline token works and stays a Secret', async () => {
  assert.match((await problemsOf(['sync', root], {})).join('\n'), /no token configured/);
  const inv = await loadInvocation(['sync', root], { GPHOTOS_TOKEN: goodToken });
  assert.equal(inv.command, 'sync');
  if (inv.command !== 'sync') return;
  const credentials = await inv.tokenStore.read();
  assert.equal(credentials.source, 'env GPHOTOS_TOKEN');
  assert.equal(credentials.refreshToken.reveal(), '1//0refreshTOKENvalue123');
  assert.equal(String(inv.settings.token), '[redacted]');
  assert.ok(!JSON.stringify(inv).includes('GOCSPX'), 'no secret in the serialized invocation');
});

test('query: ROOT and SQL, one word is SQL, --json, only its settings matter', async () => {
  let inv = await loadInvocation(['query', root, 'select 1', '--json'], {});
  assert.deepEqual(
    { c: inv.command, sql: (inv as { sql: string }).sql, json: (inv as { json: boolean }).json },
    { c: 'query', sql: 'select 1', json: true },
  );
  inv = await loadInvocation(['query', 'select 2'], {
    GPHOTOS_ROOT: root,
    GPHOTOS_CONCURRENCY: 'not-a-number',
    GPHOTOS_START_DATE: 'garbage',
  });
  assert.equal(inv.command, 'query');
  if (inv.command !== 'query') return;
  assert.equal(inv.sql, 'select 2');
  assert.equal(inv.json, false);
  assert.equal(inv.settings.root, root);
  assert.equal(inv.settings.concurrency, 8, 'an ignored bad setting falls back to its default');
  const text = (await problemsOf(['query', root, 'select 1', '--skip-video'], {})).join('\n');
  assert.match(text, /--skip-video does not apply to `query`/);
  assert.match((await problemsOf(['query'], { GPHOTOS_ROOT: root })).join('\n'), /missing SQL/);
});

test('help, version, no command, unknown command', async () => {
  const none = await loadInvocation([], {});
  assert.equal(none.command, 'help');
  assert.equal((none as { exitCode: number }).exitCode, 2);
  assert.match((none as { text: string }).text, /no command given/);
  const unknown = await loadInvocation(['/backup'], {});
  assert.equal((unknown as { exitCode: number }).exitCode, 2);
  assert.match((unknown as { text: string }).text, /unknown command `\/backup`.*sync \/backup/);
  const help = await loadInvocation(['--help'], {});
  assert.equal((help as { exitCode: number }).exitCode, 0);
  assert.match((help as { text: string }).text, /sync .*\n.*query/s);
  const version = await loadInvocation(['--version'], {});
  assert.equal(version.command, 'version');
  assert.match((version as { text: string }).text, /^gphotos-sync \d+\.\d+\.\d+/);
  // --help wins over problems
  const syncHelp = await loadInvocation(['sync', '--bogus', '--help'], {});
  assert.equal((syncHelp as { exitCode: number }).exitCode, 0);
});

test('sync --help lists every setting with its env and flag; query --help only its own', async () => {
  const inv = await loadInvocation(['sync', '--help'], {});
  const text = (inv as { text: string }).text;
  const syncKeys = findCommand('sync')?.settings ?? [];
  assert.ok(
    syncKeys.length > 20 &&
      settingKeys.every(
        (k) =>
          syncKeys.includes(k) || k === 'oauthAuthUrl' || k === 'clientSecretFile' || k === 'since',
      ),
  );
  for (const key of syncKeys) {
    const spec = schema[key] as { env: string; arg?: string };
    assert.ok(text.includes(spec.env), `${spec.env} in sync help`);
    assert.ok(text.includes(`"${key}"`), `${key} in sync help`);
    if (spec.arg !== undefined)
      assert.ok(text.includes(`--${spec.arg}`), `--${spec.arg} in sync help`);
  }
  assert.match(text, /^ {2}GPHOTOS_TOKEN \(no flag/m);
  assert.ok(!/--token\b(?!-)/.test(text), 'no --token flag is offered');
  const q = (await loadInvocation(['query', '-h'], {})) as { text: string };
  assert.ok(q.text.includes('--json') && q.text.includes('DATABASE_URL'));
  assert.ok(!q.text.includes('GPHOTOS_CONCURRENCY'));
});
