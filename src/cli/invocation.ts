/**
 * From argv and the environment to what main.ts runs: the settings (config/load.ts), then the
 * checks of the command itself (the token `sync` and `verify --repair` read, the files `auth`
 * writes). Every problem of both is listed in one UsageError.
 */
import { loadSettings, type LoadedSettings } from '../config/load.ts';
import type { Settings } from '../config/settings.ts';
import { UsageError } from '../errors/errors.ts';
import { prepareAuth, type AuthInvocation } from './commands/auth-settings.ts';
import { prepareSync, type SyncInvocation } from './commands/sync.ts';
import { prepareVerify, type VerifyInvocation } from './commands/verify.ts';

export type Invocation =
  | { command: 'help'; text: string; exitCode: 0 | 2 }
  | { command: 'version'; text: string }
  | SyncInvocation
  | AuthInvocation
  | { command: 'query'; settings: Settings; sql: string; json: boolean }
  /** check reads the token itself: a bad token is one of its FAIL lines, not a usage error. */
  | { command: 'check'; settings: Settings }
  | { command: 'deleted'; settings: Settings; json: boolean }
  | VerifyInvocation;

type Prepare = (loaded: LoadedSettings) => Promise<Invocation | undefined>;

/** Each command's own checks; each adds its problems to `loaded.problems`. */
const prepare: Record<string, Prepare> = {
  sync: prepareSync,
  auth: prepareAuth,
  verify: prepareVerify,
  check: async ({ settings }) => ({ command: 'check', settings }),
  deleted: async ({ settings, flags }) => ({
    command: 'deleted',
    settings,
    json: flags.get('json') ?? false,
  }),
  query: async ({ settings, sql, flags }) => ({
    command: 'query',
    settings,
    sql: sql ?? '',
    json: flags.get('json') ?? false,
  }),
};

/**
 * Parses argv (without node and script), env and the config file, then runs the command's own
 * checks. Throws UsageError listing EVERY problem at once (unknown flags, missing values, bad
 * formats, bad dates, missing root, conflicting options, unreadable/invalid token file, no token
 * configured at all for sync). Never includes a token value in a message. `--help` wins.
 */
export async function loadInvocation(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<Invocation> {
  const loaded = await loadSettings(argv, env);
  if (loaded.command !== 'settings') return loaded;
  // Run even when the settings have problems, so that the command's own are listed too.
  const inv = await (prepare[loaded.spec.name] as Prepare)(loaded);
  if (loaded.problems.length > 0 || inv === undefined) {
    if (inv !== undefined && 'tokenStore' in inv) await inv.tokenStore?.close();
    throw new UsageError(loaded.problems, loaded.hints);
  }
  return inv;
}
