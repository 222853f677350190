/**
 * The command-line parser for the words after the command name. Hand-written rather than
 * convict's yargs `arg` handling, which takes the word after a boolean flag as its value
 * (`--skip-video /backup` would lose ROOT). It never throws: every problem is collected.
 *
 * Forms: `--flag VALUE`, `--flag=VALUE`; boolean flags bare (`--skip-video`), with a value
 * (`--skip-video=false`, any of true/false/1/0/yes/no) or negated (`--no-skip-video`);
 * `--` ends the flags; `-h`/`--help` anywhere asks for the command's help.
 */
import { schema, settingKeys } from './schema.ts';
import type { SettingKey } from './schema.ts';
import { parseBooleanWord } from './formats.ts';
import type { CommandSpec } from './commands.ts';

export interface ParsedArgs {
  /** Setting values given as flags: the typed text, or a boolean for a bare/negated boolean flag. */
  values: Map<SettingKey, string | boolean>;
  positionals: string[];
  /** `--config PATH`, or null. */
  configPath: string | null;
  help: boolean;
  /** The command's own boolean flags (e.g. `json`) and their values. */
  commandFlags: Map<string, boolean>;
  problems: string[];
}

const settingByFlag = new Map<string, SettingKey>(
  settingKeys.flatMap((k) => {
    const arg = (schema[k] as { arg?: string }).arg;
    return arg === undefined ? [] : [[arg, k] as const];
  }),
);

/** The flag of a setting, or undefined if it has none. */
export function flagOf(key: SettingKey): string | undefined {
  return (schema[key] as { arg?: string }).arg;
}

export function isBooleanSetting(key: SettingKey): boolean {
  return schema[key].format === 'boolean-word';
}

export function parseArgs(args: readonly string[], command: CommandSpec): ParsedArgs {
  const out: ParsedArgs = {
    values: new Map(),
    positionals: [],
    configPath: null,
    help: false,
    commandFlags: new Map(),
    problems: [],
  };
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    if (word === '--') {
      out.positionals.push(...args.slice(i + 1));
      break;
    }
    if (word === '-h' || word === '--help') out.help = true;
    else if (!word.startsWith('-') || word === '-') out.positionals.push(word);
    else if (!word.startsWith('--')) {
      out.problems.push(`unknown flag ${word}${suggest(word.replace(/^-+/, ''), command)}`);
    } else i = parseFlag({ args, i, command, out, seen });
  }
  return out;
}

/** Where parseFlag is: the words, the index of the flag, and what was parsed so far. */
interface FlagAt {
  args: readonly string[];
  i: number;
  command: CommandSpec;
  out: ParsedArgs;
  seen: Set<string>;
}

/** One `--flag[=value]` at `at.i` (and its value word); returns the index of the last word used. */
function parseFlag(at: FlagAt): number {
  const { args, command, out } = at;
  let i = at.i;
  const word = args[i] as string;
  const eq = word.indexOf('=');
  const name = eq === -1 ? word.slice(2) : word.slice(2, eq);
  const inline = eq === -1 ? undefined : word.slice(eq + 1);
  const once = (flag: string): boolean => {
    if (at.seen.has(flag)) {
      out.problems.push(`--${flag} is given more than once`);
      return false;
    }
    at.seen.add(flag);
    return true;
  };
  /** Takes the flag's value: inline, else the next word unless it is another flag. */
  const takeValue = (placeholder: string): string | undefined => {
    if (inline !== undefined) {
      if (inline === '') out.problems.push(`--${name} needs a value (${placeholder})`);
      return inline === '' ? undefined : inline;
    }
    const next = args[i + 1];
    if (next === undefined || next.startsWith('--')) {
      out.problems.push(`--${name} needs a value (${placeholder})`);
      return undefined;
    }
    i++;
    return next;
  };

  if (name === 'config') {
    const v = takeValue('PATH');
    if (once(name) && v !== undefined) out.configPath = v;
    return i;
  }
  const negated = name.startsWith('no-') ? name.slice(3) : undefined;
  const commandFlag = command.flags.find((f) => f.name === name || f.name === negated);
  if (commandFlag) {
    const v = booleanValue(name, negated, inline, out.problems);
    if (once(commandFlag.name) && v !== undefined) out.commandFlags.set(commandFlag.name, v);
    return i;
  }
  const key = settingByFlag.get(name) ?? (negated ? settingByFlag.get(negated) : undefined);
  const isNegatedBoolean = key !== undefined && !settingByFlag.has(name) && isBooleanSetting(key);
  if (key === undefined || (!settingByFlag.has(name) && !isNegatedBoolean)) {
    out.problems.push(unknownFlagProblem(name, command));
    // A token typed after --token must not turn into a positional and be echoed.
    if (name === 'token' && inline === undefined && !args[i + 1]?.startsWith('--')) i++;
    return i;
  }
  const flag = flagOf(key) as string;
  if (!command.settings.includes(key)) {
    out.problems.push(`--${flag} does not apply to \`${command.name}\``);
    if (!isBooleanSetting(key) && inline === undefined && !args[i + 1]?.startsWith('-')) i++;
    return i;
  }
  if (isBooleanSetting(key)) {
    const v = isNegatedBoolean ? booleanValue(name, flag, inline, out.problems) : (inline ?? true);
    if (once(flag) && v !== undefined) out.values.set(key, v);
    return i;
  }
  const v = takeValue((schema[key] as { placeholder?: string }).placeholder ?? 'VALUE');
  if ((schema[key] as { repeatable?: boolean }).repeatable === true) {
    // A list: every occurrence adds one value (joined by newlines; see the path-list format).
    const prev = out.values.get(key);
    if (v !== undefined) out.values.set(key, typeof prev === 'string' ? `${prev}\n${v}` : v);
  } else if (once(flag) && v !== undefined) out.values.set(key, v);
  return i;
}

/** `--x` → true, `--x=no` → false, `--no-x` → false; `--no-x=...` is a problem. */
function booleanValue(
  name: string,
  negatedOf: string | undefined,
  inline: string | undefined,
  problems: string[],
): boolean | undefined {
  const isNegated = negatedOf !== undefined && name === `no-${negatedOf}`;
  if (isNegated) {
    if (inline !== undefined) {
      problems.push(`--${name} takes no value; use --${negatedOf}=${inline} instead`);
      return undefined;
    }
    return false;
  }
  if (inline === undefined) return true;
  const b = parseBooleanWord(inline);
  if (b === null)
    problems.push(`--${name} must be true or false (also 1/0, yes/no), got \`${inline}\``);
  return b ?? undefined;
}

function unknownFlagProblem(name: string, command: CommandSpec): string {
  if (name === 'token') {
    return (
      '--token is not accepted: a command line is visible to every user in `ps`; ' +
      'use --token-file PATH or the GPHOTOS_TOKEN environment variable'
    );
  }
  return `unknown flag --${name}${suggest(name, command)}`;
}

/** " (did you mean --x?)" for a close flag of the command, else "". */
function suggest(name: string, command: CommandSpec): string {
  const candidates = [
    'help',
    'config',
    ...command.flags.map((f) => f.name),
    ...command.settings.flatMap((k) => flagOf(k) ?? []),
  ];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase().replace(/_/g, '-'), c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4))
    ? ` (did you mean --${best}?)`
    : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
