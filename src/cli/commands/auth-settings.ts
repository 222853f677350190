/**
 * What `auth` checks before it asks anyone to consent: the client file, and where the token goes.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedSettings } from '../../config/load.ts';
import type { Settings } from '../../config/settings.ts';
import { UsageError } from '../../errors/errors.ts';
import { readClientSecretFile, type OAuthClientFile } from '../../secrets/client-secret.ts';
import { secretVersionName } from '../../secrets/store.ts';

export interface AuthInvocation {
  command: 'auth';
  settings: Settings;
  client: OAuthClientFile;
  force: boolean;
  paste: boolean;
  /** `--takeout-trash`: also ask for Drive write access (to trash Takeout parts). */
  takeoutTrash: boolean;
}

/** The `auth` invocation, or undefined with its problems added to `loaded.problems`. */
export async function prepareAuth(loaded: LoadedSettings): Promise<AuthInvocation | undefined> {
  const force = loaded.flags.get('force') ?? false;
  const client = await checkAuthSettings(loaded, force);
  if (client === undefined) return undefined;
  return {
    command: 'auth',
    settings: loaded.settings,
    client,
    force,
    paste: loaded.flags.get('paste') ?? false,
    takeoutTrash: loaded.flags.get('takeout-trash') ?? false,
  };
}

/**
 * auth: the client file is readable and valid, and exactly one output is named: a token file
 * that can be created (its folder exists; it does not, unless --force), or a well-formed Secret
 * Manager version. Checked before the consent, so nobody consents for nothing.
 */
async function checkAuthSettings(
  loaded: LoadedSettings,
  force: boolean,
): Promise<OAuthClientFile | undefined> {
  const { settings, badKeys, sourceOf, problems, hints } = loaded;
  let client: OAuthClientFile | undefined;
  if (settings.clientSecretFile === null) {
    if (!badKeys.has('clientSecretFile')) {
      problems.push(
        'missing --client-secret PATH: the OAuth client file (client_secret.json) downloaded from Google Cloud Console',
      );
    }
  } else {
    try {
      client = await readClientSecretFile(settings.clientSecretFile);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(...err.problems);
      hints.push(...err.hints);
    }
  }
  if (settings.tokenFile === null && settings.tokenSecret === null) {
    if (!badKeys.has('tokenFile') && !badKeys.has('tokenSecret')) {
      problems.push(
        'where should the token go? Give --token-file PATH (a new file) or --token-secret projects/P/secrets/S/versions/latest',
      );
    }
  } else if (settings.tokenFile !== null && settings.tokenSecret !== null) {
    problems.push(
      `both a token file (${settings.tokenFile}, from ${sourceOf('tokenFile')}) and a Secret Manager token ` +
        `(${settings.tokenSecret}, from ${sourceOf('tokenSecret')}) are set; auth writes one of them`,
    );
  } else if (settings.tokenSecret !== null && !badKeys.has('tokenSecret')) {
    const name = secretVersionName(settings.tokenSecret, sourceOf('tokenSecret'));
    if (typeof name === 'string') problems.push(name);
  } else if (settings.tokenFile !== null && !badKeys.has('tokenFile')) {
    const problem = await tokenFileProblem(settings.tokenFile, force);
    if (problem !== undefined) problems.push(`token file ${settings.tokenFile} ${problem}`);
  }
  return client;
}

async function tokenFileProblem(file: string, force: boolean): Promise<string | undefined> {
  const st = await stat(file).catch(() => undefined);
  if (st?.isDirectory()) return 'is a directory';
  if (st !== undefined && !force) return 'exists already: pass --force to replace it';
  const dir = await stat(path.dirname(file)).catch(() => undefined);
  if (!dir?.isDirectory())
    return `cannot be created: its folder ${path.dirname(file)} does not exist`;
  return undefined;
}
