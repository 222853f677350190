/**
 * Help and version text, generated from the schema and the command table so that a setting
 * cannot exist without being documented.
 */
import { readFileSync } from 'node:fs';
import { commands } from './commands.ts';
import type { CommandSpec } from './commands.ts';
import { CONFIG_FILE_ENV, schema } from './schema.ts';
import type { SettingKey } from './schema.ts';
import { flagOf, isBooleanSetting } from './argv.ts';

const WIDTH = 100;

/** The version in package.json (two folders up from src/config and from dist/config). */
export function versionText(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as {
      version?: unknown;
    };
    return `gphotos-sync ${typeof pkg.version === 'string' ? pkg.version : 'unknown'}`;
  } catch {
    return 'gphotos-sync unknown';
  }
}

/** `gphotos-sync --help`: the commands. */
export function generalHelp(): string {
  const nameWidth = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'gphotos-sync: back up a Google Photos library to a folder, one pass at a time.',
    '',
    'Usage: gphotos-sync COMMAND [ARGS] [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(nameWidth)}${c.summary}`),
    '',
    'Flags:',
    "  --help, -h   Show help (after a command: that command's settings).",
    '  --version    Show the version.',
    '',
    'Run `gphotos-sync COMMAND --help` for its settings. Every setting can also be set by an',
    `environment variable or in a JSON config file (--config PATH or ${CONFIG_FILE_ENV}).`,
    '',
  ].join('\n');
}

/** The flag of a setting as typed: `--concurrency N`, `--skip-video`, or `(no flag)`. */
export function flagUsage(key: SettingKey): string {
  const flag = flagOf(key);
  if (flag === undefined) return '(no flag)';
  if (isBooleanSetting(key)) return `--${flag}`;
  return `--${flag} ${(schema[key] as { placeholder?: string }).placeholder ?? 'VALUE'}`;
}

/** The default as shown to people: `none (required)`, `unset`, `8`, `"info"`. */
export function defaultText(key: SettingKey): string {
  const spec = schema[key];
  if (spec.default === null) return key === 'root' ? 'none (required)' : 'unset';
  return typeof spec.default === 'string' ? spec.default : String(spec.default);
}

/** `gphotos-sync COMMAND --help`: usage, positionals, and every setting the command reads. */
export function commandHelp(command: CommandSpec): string {
  const lines = [`Usage: gphotos-sync ${command.usage}`, '', command.summary, ''];
  if (command.positionals.length > 0) {
    lines.push('Arguments:');
    for (const p of command.positionals) lines.push(`  ${p.name.padEnd(6)}${p.doc}`);
    lines.push('');
  }
  lines.push('Settings (flag > environment variable > config file > default):');
  for (const key of command.settings) {
    const spec = schema[key];
    const flag = flagOf(key);
    lines.push(
      flag === undefined
        ? `  ${spec.env} (no flag: environment or config file)`
        : `  ${flagUsage(key)}`,
    );
    lines.push(...wrap(spec.doc, 6));
    lines.push(`      env ${spec.env}, config file key "${key}", default ${defaultText(key)}`);
  }
  lines.push('');
  lines.push('Other flags:');
  for (const f of command.flags) lines.push(`  --${f.name.padEnd(11)}${f.doc}`);
  lines.push(
    `  --config PATH  JSON config file (also ${CONFIG_FILE_ENV}); unknown keys are errors.`,
  );
  lines.push('  --help, -h     This help.');
  lines.push('');
  lines.push(
    ...wrap(
      'Boolean flags: --flag, --flag=false (true/false/1/0/yes/no) or --no-flag; boolean ' +
        'environment variables take the same words.',
      0,
    ),
  );
  lines.push('');
  return lines.join('\n');
}

function wrap(text: string, indent: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent + line.length + 1 + word.length > WIDTH) {
      out.push(' '.repeat(indent) + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') out.push(' '.repeat(indent) + line);
  return out;
}
