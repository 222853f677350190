/**
 * From argv + environment + config file to validated Settings. Precedence, highest
 * first: flag > environment variable > config file > default.
 *
 * How the layers are built on convict 6: `convict(schema, { env, args: [] })` applies the
 * defaults and then the environment; `load(file)` overlays the file and then re-applies the
 * environment (convict does that on every load), so env > file; flags are `set()` last, so
 * they win. `args: []` keeps convict's own yargs parsing out (see argv.ts). Then one
 * `validate({ allowed: 'strict' })` checks every value and rejects unknown file keys.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import convict from 'convict';
import { Secret } from '../secrets/secret.ts';
import { parseArgs, flagOf } from './argv.ts';
import { findCommand } from './commands.ts';
import type { CommandSpec } from './commands.ts';
import { registerFormats } from './formats.ts';
import { commandHelp, generalHelp, versionText } from './help.ts';
import { CONFIG_FILE_ENV, schema, settingKeys } from './schema.ts';
import type { SettingKey } from './schema.ts';
import type { Settings } from './settings.ts';

/** The settings of a command, read and checked; `problems` lists every problem found so far. */
export interface LoadedSettings {
  command: 'settings';
  spec: CommandSpec;
  settings: Settings;
  /** Every problem found; the command adds its own (a token it cannot read) before failing. */
  problems: string[];
  /** Lines for the user under the problems. */
  hints: string[];
  /** The command's own boolean flags (`--json`, `--repair`...). */
  flags: ReadonlyMap<string, boolean>;
  /** `query`'s SQL. */
  sql: string | undefined;
  /** Keys with a problem: checks that depend on them skip them. */
  badKeys: ReadonlySet<SettingKey>;
  /** Where a key's value came from, for messages: '--concurrency', 'env X', 'config file P', 'default'. */
  sourceOf(key: SettingKey): string;
}

export type Loaded =
  | { command: 'help'; text: string; exitCode: 0 | 2 }
  | { command: 'version'; text: string }
  | LoadedSettings;

/**
 * Parses argv (without node and script), env and the config file into the settings of the
 * command, collecting EVERY problem (unknown flags, missing values, bad formats, bad dates,
 * missing root, conflicting options) instead of throwing. Never includes a token value in a
 * message. `--help` wins over any problem. The command's own checks (a token it must read, the
 * files `auth` writes) are the command's: cli/invocation.ts runs them.
 */
export async function loadSettings(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<Loaded> {
  const first = argv[0];
  if (first === undefined) return usageHelp('no command given');
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' && argv[1] !== undefined ? findCommand(argv[1]) : undefined;
    return { command: 'help', text: topic ? commandHelp(topic) : generalHelp(), exitCode: 0 };
  }
  if (first === '--version') return { command: 'version', text: versionText() };
  const spec = findCommand(first);
  if (spec === undefined) {
    return usageHelp(
      first.startsWith('-')
        ? `a command must come first, before ${first}`
        : `unknown command \`${first}\`${first.includes('/') ? ` (did you mean \`gphotos-sync sync ${first}\`?)` : ''}`,
    );
  }

  const parsed = parseArgs(argv.slice(1), spec);
  if (parsed.help) return { command: 'help', text: commandHelp(spec), exitCode: 0 };
  const problems = [...parsed.problems];
  const flags = new Map<SettingKey, { value: string | boolean; label: string }>();
  for (const [key, value] of parsed.values) flags.set(key, { value, label: `--${flagOf(key)}` });
  const positional = splitPositionals(spec, parsed.positionals, problems);
  if (positional.root !== undefined) {
    if (flags.has('root')) problems.push('ROOT is given both as an argument and as --root');
    else flags.set('root', { value: positional.root, label: 'argument ROOT' });
  }
  const resolved = await resolveSettings(spec, flags, env, parsed.configPath, problems);
  return {
    command: 'settings',
    spec,
    ...resolved,
    problems,
    hints: [`Run \`gphotos-sync ${spec.name} --help\` for every setting.`],
    flags: parsed.commandFlags,
    sql: positional.sql,
  };
}

function usageHelp(problem: string): Loaded {
  return { command: 'help', text: `error: ${problem}\n\n${generalHelp()}`, exitCode: 2 };
}

/** sync: [ROOT]; query: [ROOT] SQL (one word is the SQL); auth: nothing. */
function splitPositionals(
  command: CommandSpec,
  words: string[],
  problems: string[],
): { root?: string; sql?: string } {
  if (command.name === 'auth') {
    if (words.length > 0) problems.push(`auth takes no arguments, got: ${words.join(' ')}`);
    return {};
  }
  if (command.name === 'query') {
    if (words.length === 0) problems.push('missing SQL: gphotos-sync query [ROOT] SQL');
    if (words.length > 2) {
      problems.push(`expected [ROOT] SQL, got ${words.length} arguments (quote the SQL)`);
    }
    if (words.length === 1) return { sql: words[0] };
    return { root: words[0], sql: words[1] };
  }
  if (words.length > 1) {
    problems.push(`unexpected arguments after ROOT: ${words.slice(1).join(' ')}`);
  }
  return words.length === 0 ? {} : { root: words[0] };
}

type Resolved = Pick<LoadedSettings, 'settings' | 'badKeys' | 'sourceOf'>;

async function resolveSettings(
  command: CommandSpec,
  flags: Map<SettingKey, { value: string | boolean; label: string }>,
  rawEnv: Record<string, string | undefined>,
  configFlag: string | null,
  problems: string[],
): Promise<Resolved> {
  registerFormats();
  // An empty variable counts as unset: Kubernetes and shells often export NAME="".
  const env: Record<string, string> = {};
  for (const key of settingKeys) {
    const v = rawEnv[schema[key].env];
    if (v !== undefined && v !== '') env[schema[key].env] = v;
  }

  const configPath = configFlag ?? (rawEnv[CONFIG_FILE_ENV] || null);
  const fileLabel =
    configPath === null
      ? ''
      : `config file ${path.resolve(configPath)}${configFlag === null ? ` (from ${CONFIG_FILE_ENV})` : ''}`;
  const fileValues =
    configPath === null ? {} : await readConfigFile(configPath, fileLabel, problems);

  const conf = convict<Record<string, unknown>>(
    schema as unknown as convict.Schema<Record<string, unknown>>,
    {
      env,
      args: [],
    },
  );
  conf.load(fileValues);
  for (const [key, { value }] of flags) conf.set(key, value);

  const sourceOf = (key: SettingKey): string => {
    const flag = flags.get(key);
    if (flag !== undefined) return flag.label;
    if (env[schema[key].env] !== undefined) return `env ${schema[key].env}`;
    if (Object.hasOwn(fileValues, key)) return fileLabel;
    return 'default';
  };

  const badKeys = new Set<SettingKey>();
  const valueLines = collectValidationLines(conf);
  for (const line of valueLines) {
    const problem = describeValidationLine(line, conf, sourceOf, fileLabel, command, badKeys);
    if (problem !== undefined) problems.push(problem);
  }

  const raw = conf.getProperties();
  // A bad value of a setting this command ignores is not reported; it falls back to the default.
  for (const key of badKeys) if (!command.settings.includes(key)) raw[key] = schema[key].default;
  const settings = {
    ...raw,
    token: typeof raw.token === 'string' ? new Secret(raw.token) : null,
  } as unknown as Settings;

  const uses = (k: SettingKey): boolean => command.settings.includes(k) && !badKeys.has(k);
  problems.push(...crossFieldProblems(settings, uses, sourceOf));
  if (uses('root')) {
    const rootProblem = await checkRoot(settings.root);
    if (rootProblem !== undefined) {
      problems.push(`\`root\` ${settings.root} (from ${sourceOf('root')}) ${rootProblem}`);
    }
  }
  return { settings, badKeys, sourceOf };
}

/** Settings that cannot go together (of those the command uses, each valid on its own). */
function crossFieldProblems(
  settings: Settings,
  uses: (k: SettingKey) => boolean,
  sourceOf: (k: SettingKey) => string,
): string[] {
  const problems: string[] = [];
  const both = (a: SettingKey, b: SettingKey): boolean => uses(a) && uses(b);
  const { startDate, endDate } = settings;
  if (
    both('startDate', 'endDate') &&
    startDate !== null &&
    endDate !== null &&
    startDate > endDate
  ) {
    problems.push(
      `\`startDate\` ${startDate} (from ${sourceOf('startDate')}) is after ` +
        `\`endDate\` ${endDate} (from ${sourceOf('endDate')})`,
    );
  }
  if (both('indexOnly', 'skipIndex') && settings.indexOnly && settings.skipIndex) {
    problems.push(
      `\`indexOnly\` (from ${sourceOf('indexOnly')}) and \`skipIndex\` (from ${sourceOf('skipIndex')}) ` +
        'cannot both be true: one builds only the index, the other skips it',
    );
  }
  const takeoutToo =
    (settings.takeout !== null && settings.takeout.length > 0) ||
    settings.takeoutDrive === true ||
    (settings.sharedDrives?.length ?? 0) > 0;
  if (both('skipDrive', 'skipPicasa') && settings.skipDrive && settings.skipPicasa && !takeoutToo) {
    problems.push(
      `\`skipDrive\` (from ${sourceOf('skipDrive')}) and \`skipPicasa\` (from ${sourceOf('skipPicasa')}) ` +
        'cannot both be true without --takeout, --takeout-drive or --shared-drive: there would be nothing to back up',
    );
  }
  if (both('album', 'skipPicasa') && settings.album !== null && settings.skipPicasa) {
    problems.push(
      `\`album\` (from ${sourceOf('album')}) needs the albums, but \`skipPicasa\` (from ${sourceOf('skipPicasa')}) turns them off`,
    );
  }
  return problems;
}

/**
 * Reads the JSON config file. Values must be scalars (the schema is flat); others are
 * reported and dropped so convict does not misread them as nested settings.
 */
async function readConfigFile(
  file: string,
  label: string,
  problems: string[],
): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unknown error';
    problems.push(`${label} cannot be read (${code})`);
    return {};
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const where = /\(line \d+ column \d+\)/.exec(err instanceof Error ? err.message : '');
    problems.push(`${label} is not valid JSON${where ? ` ${where[0]}` : ''}`);
    return {};
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    problems.push(`${label} must hold a JSON object of settings`);
    return {};
  }
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (typeof value === 'object' && value !== null) {
      problems.push(`${label}: \`${key}\` must be a string, number, boolean or null`);
    } else {
      values[key] = value;
    }
  }
  return values;
}

/** Runs convict's validation; returns its problem lines (it joins them with newlines). */
function collectValidationLines(conf: convict.Config<Record<string, unknown>>): string[] {
  try {
    conf.validate({ allowed: 'strict' });
    return [];
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).split('\n').filter((l) => l !== '');
  }
}

/**
 * Turns one convict line (`key: message[: value was "x"]`, or `configuration param 'x' not
 * declared in the schema`) into our uniform problem text. Undefined when it concerns a
 * setting the command does not use.
 */
function describeValidationLine(
  line: string,
  conf: convict.Config<Record<string, unknown>>,
  sourceOf: (key: SettingKey) => string,
  fileLabel: string,
  command: CommandSpec,
  badKeys: Set<SettingKey>,
): string | undefined {
  const undeclared = /^configuration param '(.+)' not declared in the schema$/.exec(line);
  if (undeclared) {
    const name = undeclared[1] as string;
    const guess = guessKey(name);
    return `unknown setting \`${name}\` in ${fileLabel}${guess ? ` (did you mean \`${guess}\`?)` : ''}`;
  }
  const key = settingKeys.find((k) => line.startsWith(`${k}: `));
  if (key === undefined) return line;
  badKeys.add(key);
  if (!command.settings.includes(key)) return undefined;
  let message = line.slice(key.length + 2);
  const valueAt = message.indexOf(': value was ');
  if (valueAt !== -1) message = message.slice(0, valueAt);
  const value = conf.get(key);
  if (key === 'root' && (value === null || value === undefined)) {
    return 'missing ROOT: give it as an argument, --root PATH, GPHOTOS_ROOT or "root" in a config file';
  }
  const spec = schema[key] as { sensitive?: boolean };
  const got = spec.sensitive ? '' : `, got ${displayValue(key, value)}`;
  return `\`${key}\` ${message}${got} (from ${sourceOf(key)})`;
}

/** A value as quoted in a message: database passwords masked, long values cut. */
function displayValue(key: SettingKey, value: unknown): string {
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (key === 'databaseUrl') text = maskUrlPassword(text);
  if (text.length > 120) text = `${text.slice(0, 117)}...`;
  return `\`${text}\``;
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`. */
export function maskUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^@/]*@/i, '$1***@');
}

/**
 * The settings as safe to log at start-up: the token is already a Secret (prints
 * `[redacted]`); the database URL loses its password.
 */
export function loggableSettings(settings: Settings): Record<string, unknown> {
  return {
    ...settings,
    databaseUrl: settings.databaseUrl === null ? null : maskUrlPassword(settings.databaseUrl),
  };
}

/** A config-file key written as a flag, env var or in another case → the real key. */
function guessKey(name: string): SettingKey | undefined {
  const norm = (s: string): string =>
    s
      .toLowerCase()
      .replace(/^gphotos_/, '')
      .replace(/[^a-z0-9]/g, '');
  const n = norm(name);
  return settingKeys.find(
    (k) =>
      norm(k) === n ||
      norm(schema[k].env) === n ||
      norm(schema[k].env).replace(/ms$/, '') === n ||
      norm(flagOf(k) ?? '') === n,
  );
}

/** Undefined when ROOT is a directory or can be created (its parent is a directory). */
async function checkRoot(root: string): Promise<string | undefined> {
  try {
    const st = await stat(root);
    return st.isDirectory() ? undefined : 'exists but is not a directory';
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'ENOENT') return `cannot be checked (${code ?? 'unknown error'})`;
  }
  const parent = path.dirname(root);
  try {
    const st = await stat(parent);
    return st.isDirectory()
      ? undefined
      : `does not exist and its parent ${parent} is not a directory`;
  } catch {
    return `does not exist and neither does its parent ${parent}; create it first`;
  }
}
