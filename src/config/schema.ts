/**
 * The one declaration of every setting: convict reads `doc`, `format`, `default`, `env`,
 * `sensitive` and `nullable`; argv.ts reads `arg` (the flag, without `--`); help.ts and
 * docs.ts render `doc`, `placeholder`, `env`, `arg` and `default`. The keys, env names and
 * flag names are part of the outside contract (scripts, Helm values, cron jobs use them).
 *
 * Precedence, highest first: command-line flag > environment variable > config file > default.
 */
import type { FormatName, FormatOptions } from './formats.ts';

export interface SettingSpec extends FormatOptions {
  doc: string;
  format: FormatName;
  default: string | number | boolean | null;
  env: string;
  /** The flag name without `--`; absent when the setting must not be typed on a command line. */
  arg?: string;
  /** What the flag's value looks like in help ('PATH', 'N', ...); absent for boolean flags. */
  placeholder?: string;
  /** Never echoed in messages, help or docs defaults. */
  sensitive?: boolean;
  /** The flag may be given several times; the values form a list (format `path-list`). */
  repeatable?: boolean;
  nullable?: boolean;
}

export const schema = {
  root: {
    doc: 'The backup folder. Relative paths are resolved against the working directory; it must be a directory or be creatable (its parent exists).',
    format: 'path',
    default: null,
    env: 'GPHOTOS_ROOT',
    arg: 'root',
    placeholder: 'PATH',
  },
  databaseUrl: {
    doc: 'Postgres URL of the index (postgres:// or postgresql://). Unset: an embedded index in ROOT/.gphotos/.',
    format: 'pg-url',
    default: null,
    nullable: true,
    env: 'DATABASE_URL',
    arg: 'database-url',
    placeholder: 'URL',
  },
  tokenFile: {
    doc: 'Path of the OAuth token file (JSON with "type": "authorized_user", client_id, client_secret, refresh_token). `auth` writes it (mode 0600).',
    format: 'path',
    default: null,
    nullable: true,
    env: 'GPHOTOS_TOKEN_FILE',
    arg: 'token-file',
    placeholder: 'PATH',
  },
  token: {
    doc: 'The token file content (the authorized_user JSON) inline. No flag: a command line is visible to every user in `ps`. Set either this or tokenFile.',
    format: 'nullable-string',
    default: null,
    nullable: true,
    sensitive: true,
    env: 'GPHOTOS_TOKEN',
  },
  tokenSecret: {
    doc: 'Google Secret Manager version holding the token (the authorized_user JSON): projects/P/secrets/S/versions/V (V a number or latest). Credentials for Secret Manager come from the environment (Workload Identity on GKE, GOOGLE_APPLICATION_CREDENTIALS elsewhere). Set only one of token, tokenFile and tokenSecret. `auth` adds a version to the secret.',
    format: 'nullable-string',
    default: null,
    nullable: true,
    env: 'GPHOTOS_TOKEN_SECRET',
    arg: 'token-secret',
    placeholder: 'NAME',
  },
  secretManagerUrl: {
    doc: "Base URL of the Secret Manager API (REST). Unset: Google's. Change it only for tests.",
    format: 'base-url',
    default: null,
    nullable: true,
    env: 'GPHOTOS_SECRET_MANAGER_URL',
    placeholder: 'URL',
  },
  account: {
    doc: 'Name of this account: it keys the index rows, the lock and every log line. 1-64 of A-Z a-z 0-9 . _ @ -.',
    format: 'account',
    default: 'default',
    env: 'GPHOTOS_ACCOUNT',
    arg: 'account',
    placeholder: 'NAME',
  },
  googleApiUrl: {
    doc: 'Base URL of the Google APIs (Drive v3); a final / is added when missing. Change it only for tests.',
    format: 'base-url',
    default: 'https://www.googleapis.com/',
    env: 'GPHOTOS_GOOGLE_API_URL',
    arg: 'google-api-url',
    placeholder: 'URL',
  },
  picasaApiUrl: {
    doc: 'Base URL of the Picasa Web Albums feeds (albums and Photos-only media); the user feed is BASE/user/default. Change it only for tests.',
    format: 'base-url',
    default: 'https://picasaweb.google.com/data/feed/api/',
    env: 'GPHOTOS_PICASA_API_URL',
    arg: 'picasa-api-url',
    placeholder: 'URL',
  },
  oauthTokenUrl: {
    doc: 'URL of the OAuth 2.0 token endpoint. Change it only for tests.',
    format: 'absolute-url',
    default: 'https://oauth2.googleapis.com/token',
    env: 'GPHOTOS_OAUTH_TOKEN_URL',
    arg: 'oauth-token-url',
    placeholder: 'URL',
  },
  oauthAuthUrl: {
    doc: 'URL of the OAuth 2.0 consent page that `auth` sends a person to. Change it only for tests.',
    format: 'absolute-url',
    default: 'https://accounts.google.com/o/oauth2/v2/auth',
    env: 'GPHOTOS_OAUTH_AUTH_URL',
  },
  clientSecretFile: {
    doc: 'For `auth`: the OAuth client file (client_secret.json) downloaded from Google Cloud Console (a "Desktop app" client).',
    format: 'path',
    default: null,
    nullable: true,
    env: 'GPHOTOS_CLIENT_SECRET_FILE',
    arg: 'client-secret',
    placeholder: 'PATH',
  },
  concurrency: {
    doc: 'Downloads running at the same time (integer 1-64).',
    format: 'int-range',
    min: 1,
    max: 64,
    default: 8,
    env: 'GPHOTOS_CONCURRENCY',
    arg: 'concurrency',
    placeholder: 'N',
  },
  skipVideo: {
    doc: 'Do not download videos.',
    format: 'boolean-word',
    default: false,
    env: 'GPHOTOS_SKIP_VIDEO',
    arg: 'skip-video',
  },
  allDrive: {
    doc: 'Back up the photos and videos of all of My Drive, not only of its Google Photos folder (same paths: drive/<path from My Drive root>).',
    format: 'boolean-word',
    default: false,
    env: 'GPHOTOS_ALL_DRIVE',
    arg: 'all-drive',
  },
  skipDrive: {
    doc: 'Do not index or download Drive: Picasa and albums only, so every album item goes to picasa/.',
    format: 'boolean-word',
    default: false,
    env: 'GPHOTOS_SKIP_DRIVE',
    arg: 'skip-drive',
  },
  skipPicasa: {
    doc: 'Do not read albums: no Picasa indexing, no picasa/ downloads and no albums/ links.',
    format: 'boolean-word',
    default: false,
    env: 'GPHOTOS_SKIP_PICASA',
    arg: 'skip-picasa',
  },
  skipAlbums: {
    doc: 'Index and download album items, but do not build the albums/ tree.',
    format: 'boolean-word',
    default: false,
    env: 'GPHOTOS_SKIP_ALBUMS',
    arg: 'skip-albums',
  },
  album: {
    doc: 'Only this album (its exact title): index, download and link its items; other albums are left as they are.',
    format: 'nullable-string',
    default: null,
    nullable: true,
    env: 'GPHOTOS_ALBUM',
    arg: 'album',
    placeholder: 'TITLE',
  },
  takeout: {
    doc: 'Google Takeout exports of Google Photos to back up into photos/ and albums/: an archive part (.zip, .tgz), a folder of parts (a drop folder), or an extracted Takeout/ folder. Repeat the flag for several; in the environment or a config file, a list separated by ":" (or newlines). Parts are read in place, never extracted.',
    format: 'path-list',
    default: null,
    nullable: true,
    env: 'GPHOTOS_TAKEOUT',
    arg: 'takeout',
    placeholder: 'PATH',
    repeatable: true,
  },
  sharedDrives: {
    doc: 'Shared drives to back up, by id (the last part of the drive\'s URL, drive.google.com/drive/folders/ID), each whole into shared-drives/<its name>/ with its own changes feed, in the same pass as My Drive. Repeat the flag for several; in the environment or a config file, a list separated by "," (or newlines). Not affected by skipDrive (My Drive only).',
    format: 'id-list',
    default: null,
    nullable: true,
    env: 'GPHOTOS_SHARED_DRIVES',
    arg: 'shared-drive',
    placeholder: 'ID',
    repeatable: true,
  },
  takeoutComplete: {
    doc: 'Each Takeout export holds the whole library (not an incremental one): an item an export no longer holds is recorded gone (see `deleted`; removed only with --do-delete). Off by default: an archive does not say whether it is complete, so nothing is inferred.',
    format: 'boolean-word',
    default: false,
    env: 'GPHOTOS_TAKEOUT_COMPLETE',
    arg: 'takeout-complete',
  },
  takeoutSettle: {
    doc: 'Seconds a Takeout part must be unchanged before it is read (a part still being downloaded or copied waits for a later pass).',
    format: 'int-range',
    min: 0,
    max: 86400,
    default: 60,
    env: 'GPHOTOS_TAKEOUT_SETTLE',
    arg: 'takeout-settle',
    placeholder: 'SECONDS',
  },
  takeoutDrive: {
    doc: 'Back up the Takeout exports that Google\'s "Add to Drive" delivers into takeoutDriveFolder of My Drive: each pass looks for new parts (through Drive\'s changes feed) and reads a complete export in place, over HTTP, never copying a part to disk. Unset: on whenever the pass has a token and reads Drive (not with skipDrive); true: also with skipDrive; false: never.',
    format: 'boolean-word',
    default: null,
    nullable: true,
    env: 'GPHOTOS_TAKEOUT_DRIVE',
    arg: 'takeout-drive',
  },
  takeoutDriveFolder: {
    doc: 'The folder of My Drive where "Add to Drive" puts Takeout parts: a folder of the root, or a path from it (`Backups/Takeout`).',
    format: 'nullable-string',
    default: 'Takeout',
    env: 'GPHOTOS_TAKEOUT_DRIVE_FOLDER',
    arg: 'takeout-drive-folder',
    placeholder: 'FOLDER',
  },
  takeoutTrashParts: {
    doc: 'Move the Drive parts of a Takeout export to the Drive trash once the export is fully backed up (they count against Drive storage). Needs Drive write access: authorize with `gphotos-sync auth --takeout-trash`; without it a pass warns and keeps the parts.',
    format: 'boolean-word',
    default: false,
    env: 'GPHOTOS_TAKEOUT_TRASH_PARTS',
    arg: 'takeout-trash-parts',
  },
  linkMode: {
    doc: 'How albums/ entries point at files: symlink (relative symbolic links), hardlink (falls back to copy across file systems), or copy (for SMB shares, exFAT and NTFS without links).',
    format: 'one-of',
    choices: ['symlink', 'hardlink', 'copy'],
    default: 'symlink',
    env: 'GPHOTOS_LINK_MODE',
    arg: 'link-mode',
    placeholder: 'symlink|hardlink|copy',
  },
  startDate: {
    doc: 'Only download items taken (EXIF date, else creation date; UTC) on or after this day (YYYY-MM-DD, inclusive). Others are indexed as skipped.',
    format: 'date-ymd',
    default: null,
    nullable: true,
    env: 'GPHOTOS_START_DATE',
    arg: 'start-date',
    placeholder: 'YYYY-MM-DD',
  },
  endDate: {
    doc: 'Only download items taken (EXIF date, else creation date; UTC) on or before this day (YYYY-MM-DD, inclusive); not before startDate.',
    format: 'date-ymd',
    default: null,
    nullable: true,
    env: 'GPHOTOS_END_DATE',
    arg: 'end-date',
    placeholder: 'YYYY-MM-DD',
  },
  indexOnly: {
    doc: 'Update the index only; download nothing. Conflicts with skipIndex.',
    format: 'boolean-word',
    default: false,
    env: 'GPHOTOS_INDEX_ONLY',
    arg: 'index-only',
  },
  skipIndex: {
    doc: 'Do not list Google again; download what the index already knows. Conflicts with indexOnly.',
    format: 'boolean-word',
    default: false,
    env: 'GPHOTOS_SKIP_INDEX',
    arg: 'skip-index',
  },
  doDelete: {
    doc: 'Remove from the tree the files of items deleted or trashed upstream (see `gphotos-sync deleted`). Without it they are only recorded. Guarded by maxDelete.',
    format: 'boolean-word',
    default: false,
    env: 'GPHOTOS_DO_DELETE',
    arg: 'do-delete',
  },
  maxDelete: {
    doc: 'With doDelete: the most files one pass may remove; more aborts the pass (exit 3) before removing any. Unset: 100, and never more than 10% of the library.',
    format: 'int-range',
    min: 0,
    default: null,
    nullable: true,
    env: 'GPHOTOS_MAX_DELETE',
    arg: 'max-delete',
    placeholder: 'N',
  },
  flushIndex: {
    doc: 'List everything again instead of reading the changes since the last pass, and place every item afresh (same paths for unchanged items). Files already on disk with the right size and md5 are kept, not downloaded.',
    format: 'boolean-word',
    default: false,
    env: 'GPHOTOS_FLUSH_INDEX',
    arg: 'flush-index',
  },
  since: {
    doc: 'For `deleted`: only items noticed gone on or after this day (YYYY-MM-DD, UTC).',
    format: 'date-ymd',
    default: null,
    nullable: true,
    env: 'GPHOTOS_DELETED_SINCE',
    arg: 'since',
    placeholder: 'YYYY-MM-DD',
  },
  pushgatewayUrl: {
    doc: 'Prometheus Pushgateway URL; after each pass the job pushes its metrics there, grouped by job and account. Unset: no push.',
    format: 'absolute-url',
    default: null,
    nullable: true,
    env: 'GPHOTOS_PUSHGATEWAY_URL',
    arg: 'pushgateway-url',
    placeholder: 'URL',
  },
  pingUrl: {
    doc: 'Healthchecks.io-style ping URL: the job calls URL/start, URL on success and URL/fail on failure. Unset: no pings.',
    format: 'absolute-url',
    default: null,
    nullable: true,
    env: 'GPHOTOS_PING_URL',
    arg: 'ping-url',
    placeholder: 'URL',
  },
  logLevel: {
    doc: 'Lowest level logged: trace, debug, info, warn, error, fatal or silent.',
    format: 'one-of',
    choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    default: 'info',
    env: 'GPHOTOS_LOG_LEVEL',
    arg: 'log-level',
    placeholder: 'LEVEL',
  },
  logFormat: {
    doc: 'Log format on stdout: json (one JSON object a line), pretty (for people), or auto (pretty when stdout is a terminal, else json).',
    format: 'one-of',
    choices: ['auto', 'json', 'pretty'],
    default: 'auto',
    env: 'GPHOTOS_LOG_FORMAT',
    arg: 'log-format',
    placeholder: 'auto|json|pretty',
  },
  progressInterval: {
    doc: 'Seconds between progress log lines (a number >= 0); 0 turns progress off. On a terminal, a progress bar on stderr replaces the lines.',
    format: 'number-min',
    min: 0,
    default: 5,
    env: 'GPHOTOS_PROGRESS_INTERVAL',
    arg: 'progress-interval',
    placeholder: 'SECONDS',
  },
  retries: {
    doc: 'Attempts per remote call before giving up (integer 1-50).',
    format: 'int-range',
    min: 1,
    max: 50,
    default: 8,
    env: 'GPHOTOS_RETRIES',
    arg: 'retries',
    placeholder: 'N',
  },
  backoffBase: {
    doc: 'Delay before the first retry, in milliseconds; later retries wait longer, up to backoffMax.',
    format: 'int-range',
    min: 0,
    default: 500,
    env: 'GPHOTOS_BACKOFF_BASE_MS',
  },
  backoffMax: {
    doc: 'Longest delay between retries, in milliseconds.',
    format: 'int-range',
    min: 0,
    default: 64000,
    env: 'GPHOTOS_BACKOFF_MAX_MS',
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof schema;

/** Every setting key, in declaration order (the order of help and docs). */
export const settingKeys = Object.keys(schema) as SettingKey[];

/** The spec of one setting, typed loosely for generic code. */
export function specOf(key: SettingKey): SettingSpec {
  return schema[key];
}

/** The environment variable naming the JSON config file; `--config PATH` overrides it. */
export const CONFIG_FILE_ENV = 'GPHOTOS_CONFIG';
