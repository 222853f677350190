/**
 * `gphotos-sync auth`: the first authorization, on a machine with a browser. Prints Google's
 * consent URL, receives the code on a loopback redirect (or pasted on stdin when the browser
 * runs elsewhere), exchanges it with the PKCE verifier, and writes the authorized_user JSON to a
 * new file (0600) or a new Secret Manager version. Then prints how a pass uses it.
 *
 * Paste: with --paste, or by itself when stdin is a terminal, lines on stdin are read too; the
 * first redirect or pasted code wins. Output on stdout, errors on stderr; exit 0, 2 (usage),
 * 4 (consent refused, wrong state, code refused) or 1.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { ExitCode, SyncError, UsageError, exitCodeOf } from '../../errors/errors.ts';
import { Pacer } from '../../lib/pacer.ts';
import {
  AUTH_SCOPES,
  DRIVE_READONLY_SCOPE,
  DRIVE_SCOPE,
  PICASA_SCOPE,
  consentUrl,
  exchangeAuthCode,
} from '../../remote/oauth.ts';
import type { ConsentClient } from '../../remote/oauth.ts';
import type { OAuthClientFile } from '../../secrets/client-secret.ts';
import { codeFromPasted, listenForRedirect, loopbackRedirectUri } from '../../secrets/redirect.ts';
import type { RedirectListener } from '../../secrets/redirect.ts';
import { Secret } from '../../secrets/secret.ts';
import { SecretManager } from '../../secrets/secret-manager.ts';
import { parseSecretVersionName } from '../../secrets/secret-name.ts';
import { authorizedUserJson, writeTokenFile } from '../../secrets/token-file.ts';
import { printError } from '../report.ts';
import type { AuthInvocation } from './auth-settings.ts';

export interface AuthIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
}

export async function runAuthCommand(
  inv: AuthInvocation,
  io: AuthIo = { stdin: process.stdin, stdout: process.stdout },
): Promise<number> {
  const say = (text = ''): void => void io.stdout.write(`${text}\n`);
  let listener: RedirectListener | undefined;
  let stopPaste = (): void => undefined;
  try {
    const state = randomBytes(24).toString('base64url');
    listener = await listen(inv.client, state);
    const client: ConsentClient = {
      clientId: inv.client.clientId,
      clientSecret: inv.client.clientSecret.reveal(),
      authUrl: inv.settings.oauthAuthUrl,
      tokenUrl: inv.settings.oauthTokenUrl,
      redirectUri: listener.redirectUri,
    };
    const scopes = inv.takeoutTrash ? [...AUTH_SCOPES, DRIVE_SCOPE] : [...AUTH_SCOPES];
    const consent = await consentUrl(client, state, scopes);
    const paste = inv.paste || Boolean(io.stdin.isTTY);
    say('Open this address in a browser, sign in with the Google account to back up, and allow');
    say(
      inv.takeoutTrash
        ? 'access to Google Drive (read, and write to trash Takeout parts) and Picasa Web Albums:'
        : 'access to Google Drive (read-only) and Picasa Web Albums:',
    );
    say();
    say(`  ${consent.url}`);
    say();
    say(`Waiting for Google to send the browser back to ${listener.redirectUri} ...`);
    const waits = [listener.code];
    if (paste) {
      say('If the browser runs on another machine, that last page does not load: copy its whole');
      say('address from the address bar, paste it here and press Enter.');
      const pasted = readPasted(io, state, say);
      stopPaste = pasted.stop;
      waits.push(pasted.code);
    }
    const code = await Promise.race(waits);
    stopPaste();
    await listener.close();
    listener = undefined;

    const token = await exchangeAuthCode(client, code, consent.codeVerifier);
    checkScopes(token.scopes, say);
    if (inv.takeoutTrash && token.scopes.length > 0 && !token.scopes.includes(DRIVE_SCOPE)) {
      say(
        'Warning: Drive write access was not granted: passes with --takeout-trash-parts keep Takeout parts in Drive.',
      );
    }
    const content = new Secret(
      authorizedUserJson({
        type: 'authorized_user',
        client_id: inv.client.clientId,
        client_secret: inv.client.clientSecret.reveal(),
        refresh_token: token.refreshToken,
      }),
    );
    say();
    if (inv.settings.tokenFile !== null) {
      await writeTokenFile(inv.settings.tokenFile, content, { force: inv.force });
      printFileUse(inv.settings.tokenFile, say);
    } else {
      await saveToSecretManager(inv, content, say);
    }
    say();
    say('If the OAuth consent screen of this client is in "Testing" status, Google expires this');
    say(
      'token after 7 days: publish the app ("In production") to keep it (see README, "Authorization").',
    );
    return ExitCode.ok;
  } catch (err) {
    printError(err);
    return exitCodeOf(err);
  } finally {
    stopPaste();
    await listener?.close();
  }
}

async function listen(client: OAuthClientFile, state: string): Promise<RedirectListener> {
  let redirectUri: string | undefined;
  if (client.kind === 'web') {
    redirectUri = loopbackRedirectUri(client.redirectUris);
    if (redirectUri === undefined) {
      throw new UsageError(
        [
          `client secret file ${client.path} is a "Web application" client without a loopback redirect URI (http://127.0.0.1:PORT/)`,
        ],
        [
          'Create an OAuth client of type "Desktop app" instead (Google Cloud Console > Credentials), or add http://127.0.0.1:8085/ to this client\'s redirect URIs.',
        ],
      );
    }
  }
  try {
    return await listenForRedirect({ state, ...(redirectUri ? { redirectUri } : {}) });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new SyncError(
      'fatal',
      `cannot listen on 127.0.0.1 for Google's redirect${redirectUri ? ` (${redirectUri})` : ''}: ${typeof code === 'string' ? code : String(err)}`,
    );
  }
}

/** Lines from stdin until one is a redirected address or a code. EOF just stops reading. */
function readPasted(
  io: AuthIo,
  state: string,
  say: (text?: string) => void,
): { code: Promise<string>; stop: () => void } {
  const rl = createInterface({ input: io.stdin, terminal: false });
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    rl.close();
  };
  const code = new Promise<string>((resolve, reject) => {
    rl.on('line', (line) => {
      if (stopped) return;
      const outcome = codeFromPasted(line, state);
      if (outcome === undefined) {
        if (line.trim() !== '') {
          say(
            'That is neither the redirected address nor a code; paste the whole address from the address bar.',
          );
        }
        return;
      }
      stop();
      if (outcome instanceof SyncError) reject(outcome);
      else resolve(outcome);
    });
    rl.on('close', () => {
      if (!stopped) say('(stdin closed; still waiting for the browser)');
      stopped = true;
    });
  });
  code.catch(() => undefined);
  return { code, stop };
}

function checkScopes(scopes: string[], say: (text?: string) => void): void {
  // An answer without `scope` (older servers) grants what was asked.
  if (scopes.length === 0) return;
  if (!scopes.includes(DRIVE_READONLY_SCOPE) && !scopes.includes(DRIVE_SCOPE)) {
    throw new SyncError(
      'auth',
      'Google Drive read access was not granted (its box was unticked on the consent page); nothing was saved',
      {
        hints: ['Run `gphotos-sync auth` again and tick every box.'],
      },
    );
  }
  if (!scopes.includes(PICASA_SCOPE)) {
    say('Warning: Picasa Web Albums access was not granted: passes back up drive/ but no albums.');
  }
}

async function saveToSecretManager(
  inv: AuthInvocation,
  content: Secret,
  say: (text?: string) => void,
): Promise<void> {
  const name = parseSecretVersionName(inv.settings.tokenSecret as string);
  if ('problem' in name) throw new UsageError([`\`tokenSecret\` ${name.problem}`]);
  const sm = new SecretManager({
    url: inv.settings.secretManagerUrl,
    pacer: new Pacer({ retries: 1, baseMs: 0, maxMs: 0 }),
  });
  try {
    const added = await sm.addVersion(name, Buffer.from(content.reveal(), 'utf8'));
    const version = added.slice(added.lastIndexOf('/') + 1);
    const latest = `${name.secretName}/versions/latest`;
    say(`Added the token to Secret Manager as ${name.secretName}/versions/${version}.`);
    say();
    say('Use it (the job needs roles/secretmanager.secretAccessor on the secret, and');
    say('roles/secretmanager.secretVersionAdder to keep a refresh token Google rotates):');
    say(
      `  Kubernetes:  GPHOTOS_TOKEN_SECRET: "${latest}" in the ConfigMap, with Workload Identity`,
    );
    say(
      `  Docker:      docker run --rm ${DOCKER_RUN} -v /volume1/photos:/data -v /path/to/key.json:/run/secrets/gcp-key.json:ro ` +
        `-e GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/gcp-key.json -e GPHOTOS_TOKEN_SECRET=${latest} ${IMAGE}`,
    );
    say(`  Here:        GPHOTOS_TOKEN_SECRET=${latest} npx gphotos-sync sync /backup/photos`);
  } finally {
    await sm.close();
  }
}

function printFileUse(file: string, say: (text?: string) => void): void {
  const q = shellQuote(file);
  say(`Saved the token to ${file} (mode 0600). Keep it private: it reads your Drive and photos.`);
  say();
  say('Use it:');
  say(
    `  Kubernetes:  kubectl -n gphotos create secret generic gphotos-sync-token --from-file=token.json=${q}`,
  );
  say(
    `  Docker:      docker run --rm ${DOCKER_RUN} -v /volume1/photos:/data -v ${q}:/run/secrets/gphotos-token:ro ` +
      `-e GPHOTOS_TOKEN_FILE=/run/secrets/gphotos-token ${IMAGE}`,
  );
  say(`  Here:        GPHOTOS_TOKEN_FILE=${q} npx gphotos-sync sync /backup/photos`);
}

/**
 * The README's `docker run` flags: the owner of the backup folder (the token file must be readable
 * by the same user) and time to finish the pass on `docker stop`; and the published image.
 */
const DOCKER_RUN = '--user "$(id -u):$(id -g)" --stop-timeout 90';
const IMAGE = 'ghcr.io/gphotos-sync/gphotos-sync';

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
