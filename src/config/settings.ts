/**
 * The settings of one invocation, validated: what the schema (schema.ts) declares, read from
 * flags, environment, a config file and defaults by load.ts. Each command reads the ones it uses
 * (commands.ts); the token is a Secret that prints `[redacted]`.
 */
import type { Secret } from '../secrets/secret.ts';

export interface Settings {
  root: string;
  databaseUrl: string | null;
  tokenFile: string | null;
  token: Secret | null;
  tokenSecret: string | null;
  secretManagerUrl: string | null;
  account: string;
  googleApiUrl: string;
  picasaApiUrl: string;
  oauthTokenUrl: string;
  oauthAuthUrl: string;
  clientSecretFile: string | null;
  concurrency: number;
  skipVideo: boolean;
  allDrive: boolean;
  skipDrive: boolean;
  skipPicasa: boolean;
  skipAlbums: boolean;
  album: string | null;
  /** `--takeout` paths, resolved; null when none. */
  takeout: string[] | null;
  /** `--shared-drive` ids; null when none. */
  sharedDrives: string[] | null;
  takeoutComplete: boolean;
  takeoutSettle: number;
  /** null: on when the pass has a token and reads Drive (see the schema). */
  takeoutDrive: boolean | null;
  takeoutDriveFolder: string;
  takeoutTrashParts: boolean;
  linkMode: 'symlink' | 'hardlink' | 'copy';
  startDate: string | null;
  endDate: string | null;
  indexOnly: boolean;
  skipIndex: boolean;
  doDelete: boolean;
  maxDelete: number | null;
  flushIndex: boolean;
  since: string | null;
  pushgatewayUrl: string | null;
  pingUrl: string | null;
  logLevel: string;
  logFormat: 'auto' | 'json' | 'pretty';
  progressInterval: number;
  retries: number;
  backoffBase: number;
  backoffMax: number;
}
