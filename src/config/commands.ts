/**
 * The table of commands: what each one is for, its positional arguments, its own flags, and
 * which settings it reads. A flag of a setting a command does not use is rejected for that
 * command, and problems with such settings (say a bad env var meant for `sync`) do not stop it.
 */
import { settingKeys } from './schema.ts';
import type { SettingKey } from './schema.ts';

export interface CommandFlag {
  /** Without `--`. */
  name: string;
  doc: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** The usage line after `gphotos-sync `. */
  usage: string;
  /** Positional arguments, for help. */
  positionals: readonly { name: string; doc: string }[];
  /** Boolean flags of this command that are not settings. */
  flags: readonly CommandFlag[];
  settings: readonly SettingKey[];
}

/** Settings only `auth` reads. */
const AUTH_ONLY: readonly SettingKey[] = ['oauthAuthUrl', 'clientSecretFile'];

/** Settings of the commands that run or check a pass: all but those of auth and deleted. */
const PASS_SETTINGS: readonly SettingKey[] = settingKeys.filter(
  (k) => !AUTH_ONLY.includes(k) && k !== 'since',
);

const LOG_SETTINGS = ['logLevel', 'logFormat'] as const satisfies readonly SettingKey[];

export const commands = [
  {
    name: 'sync',
    summary: 'Run one backup pass: index the library, then download what is new.',
    usage: 'sync [ROOT] [flags]',
    positionals: [{ name: 'ROOT', doc: 'The backup folder (same as --root / GPHOTOS_ROOT).' }],
    flags: [],
    settings: PASS_SETTINGS,
  },
  {
    name: 'check',
    summary:
      'Preflight: config, token, Google, database, backup folder, links and free space; one line each.',
    usage: 'check [ROOT] [flags]',
    positionals: [{ name: 'ROOT', doc: 'The backup folder (same as --root / GPHOTOS_ROOT).' }],
    flags: [],
    // The same settings as sync: check validates the configuration a pass would run with.
    settings: PASS_SETTINGS,
  },
  {
    name: 'auth',
    summary:
      'Authorize once, on a machine with a browser: create the token a pass uses (a file or a Secret Manager version).',
    usage:
      'auth --client-secret PATH (--token-file PATH | --token-secret NAME) [--force] [--paste] [--takeout-trash]',
    positionals: [],
    flags: [
      { name: 'force', doc: 'Replace an existing --token-file.' },
      {
        name: 'paste',
        doc: 'Also read the redirected address (or the code) from stdin; on by itself when stdin is a terminal.',
      },
      {
        name: 'takeout-trash',
        doc: 'Also ask for Drive write access, so that passes with --takeout-trash-parts can move Takeout parts to the Drive trash once their export is backed up.',
      },
    ],
    settings: [
      'clientSecretFile',
      'tokenFile',
      'tokenSecret',
      'secretManagerUrl',
      'oauthAuthUrl',
      'oauthTokenUrl',
    ],
  },
  {
    name: 'query',
    summary: 'Run one SQL statement on the index and print the rows.',
    usage: 'query [ROOT] SQL [--json]',
    positionals: [
      { name: 'ROOT', doc: 'The backup folder (same as --root / GPHOTOS_ROOT).' },
      { name: 'SQL', doc: 'The statement to run; quote it. With one argument, it is the SQL.' },
    ],
    flags: [{ name: 'json', doc: 'Print the rows as JSON lines instead of a table.' }],
    settings: ['root', 'databaseUrl', 'account', ...LOG_SETTINGS],
  },
  {
    name: 'verify',
    summary:
      'Check the backup folder against the index: missing, changed and unknown files, broken album links.',
    usage: 'verify [ROOT] [--checksums] [--repair] [--json] [flags]',
    positionals: [{ name: 'ROOT', doc: 'The backup folder (same as --root / GPHOTOS_ROOT).' }],
    flags: [
      {
        name: 'checksums',
        doc: "Also compare every file's md5 with the index (reads every byte).",
      },
      {
        name: 'repair',
        doc: 'Download again what is missing or damaged (needs the token, as sync), then verify again.',
      },
      { name: 'json', doc: 'Print problems and the summary as JSON lines.' },
    ],
    // The settings of sync: --repair runs a pass with them.
    settings: PASS_SETTINGS,
  },
  {
    name: 'deleted',
    summary:
      'List the items deleted or trashed upstream that passes recorded, and whether --do-delete removed their files.',
    usage: 'deleted [ROOT] [--since DATE] [--json]',
    positionals: [{ name: 'ROOT', doc: 'The backup folder (same as --root / GPHOTOS_ROOT).' }],
    flags: [{ name: 'json', doc: 'Print the items as JSON instead of a table.' }],
    settings: ['root', 'databaseUrl', 'account', 'since', ...LOG_SETTINGS],
  },
] as const satisfies readonly CommandSpec[];

export type CommandName = (typeof commands)[number]['name'];

export function findCommand(name: string): CommandSpec | undefined {
  return (commands as readonly CommandSpec[]).find((c) => c.name === name);
}
