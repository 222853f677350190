/**
 * The OAuth client: google-auth-library's OAuth2Client, refreshing access tokens against a
 * configurable token URL. Access tokens live in memory only. A refused refresh token surfaces from
 * the API call that needed it (classified as auth, exit 4, by google-errors.ts).
 *
 * Also the two Google steps of `gphotos-sync auth` (installed-app flow with PKCE): the consent
 * URL, and the exchange of the code the consent page redirects with.
 */
import { CodeChallengeMethod, OAuth2Client } from 'google-auth-library';
import { SyncError } from '../errors/errors.ts';

/** What `auth` asks for: Drive read access (the drive/ pass) and the Picasa feeds (albums). */
export const DRIVE_READONLY_SCOPE = 'https://www.googleapis.com/auth/drive.readonly';
export const PICASA_SCOPE = 'https://picasaweb.google.com/data/';
export const AUTH_SCOPES = [DRIVE_READONLY_SCOPE, PICASA_SCOPE] as const;
/**
 * Drive write access, asked for only with `auth --takeout-trash`: moving a Takeout part to the
 * trash changes a file the app did not create, which no narrower scope allows.
 */
export const DRIVE_SCOPE = 'https://www.googleapis.com/auth/drive';

export interface OAuthOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  tokenUrl: string;
  /** Called with a new refresh token Google hands out (rare); the caller decides where it goes. */
  onNewRefreshToken?: (refreshToken: string) => void;
}

export function createOAuthClient(opts: OAuthOptions): OAuth2Client {
  const client = new OAuth2Client({
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    endpoints: { oauth2TokenUrl: opts.tokenUrl },
    // Refresh and retry once when an API answers 401 even though the token looked fresh.
    forceRefreshOnFailure: true,
    transporterOptions: transporterOptions(process.env),
  });
  client.setCredentials({ refresh_token: opts.refreshToken });
  let current = opts.refreshToken;
  client.on('tokens', (tokens) => {
    if (tokens.refresh_token && tokens.refresh_token !== current) {
      current = tokens.refresh_token;
      opts.onNewRefreshToken?.(tokens.refresh_token);
    }
  });
  return client;
}

/**
 * The HTTP client under every Google call (Drive, Picasa, OAuth, downloads): node's own fetch
 * (undici), unless a proxy is set in the environment.
 *
 * Why: gaxios falls back to node-fetch, which builds each request on node:http and pipes each
 * response through a PassThrough (stream.pipeline, an AbortController and a DOMException per
 * response). A download phase of 20,000 small files (CPU profile, 2-core machine) spent 2.4 s of
 * the main thread in that stack and 1.2 s in undici. Errors keep their facts either way:
 * google-errors.ts reads network codes through the cause chain, where undici puts them.
 * With HTTPS_PROXY/HTTP_PROXY set, gaxios' default stays: it routes node-fetch through its proxy
 * agent, which node's fetch does not take.
 */
export function transporterOptions(env: Record<string, string | undefined>): {
  fetchImplementation?: typeof fetch;
} {
  const proxied = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some(
    (k) => (env[k] ?? '') !== '',
  );
  return proxied ? {} : { fetchImplementation: globalThis.fetch };
}

export interface ConsentClient {
  clientId: string;
  clientSecret: string;
  authUrl: string;
  tokenUrl: string;
  redirectUri: string;
}

export interface Consent {
  /** Where the person goes: the consent page with client, redirect, scopes, state and PKCE challenge. */
  url: string;
  /** Kept in memory until the exchange. */
  codeVerifier: string;
}

/**
 * The consent URL: response_type=code, offline access (a refresh token), prompt=consent (so
 * Google issues a refresh token even to a client the account already authorized), `state`,
 * and a PKCE S256 challenge.
 */
export async function consentUrl(
  client: ConsentClient,
  state: string,
  scopes: readonly string[] = AUTH_SCOPES,
): Promise<Consent> {
  const oauth = oauthClient(client);
  const { codeVerifier, codeChallenge } = await oauth.generateCodeVerifierAsync();
  const url = oauth.generateAuthUrl({
    access_type: 'offline',
    prompt: 'consent',
    scope: [...scopes],
    state,
    code_challenge: codeChallenge,
    code_challenge_method: CodeChallengeMethod.S256,
  });
  return { url, codeVerifier };
}

export interface ExchangedToken {
  refreshToken: string;
  /** The scopes granted (a person may untick some on the consent page). */
  scopes: string[];
}

/**
 * Exchanges an authorization code (authorization_code grant with the PKCE verifier). Throws
 * SyncError: `auth` when Google refuses the code or the client (exit 4), `fatal` when the
 * token endpoint cannot be reached or gives no refresh token.
 */
export async function exchangeAuthCode(
  client: ConsentClient,
  code: string,
  codeVerifier: string,
): Promise<ExchangedToken> {
  let tokens;
  try {
    ({ tokens } = await oauthClient(client).getToken({
      code,
      codeVerifier,
      redirect_uri: client.redirectUri,
    }));
  } catch (err) {
    const data = (err as { response?: { data?: unknown } }).response?.data as
      { error?: unknown; error_description?: unknown } | undefined;
    if (typeof data?.error === 'string') {
      const description =
        typeof data.error_description === 'string' ? `: ${data.error_description}` : '';
      throw new SyncError(
        'auth',
        `Google refused the authorization (${data.error}${description})`,
        {
          hints: [
            data.error === 'invalid_client'
              ? 'Check the client_secret.json: the OAuth client may have been deleted or its secret reset.'
              : 'Run `gphotos-sync auth` again and finish the consent within a few minutes (codes are single-use and short-lived).',
          ],
        },
      );
    }
    const message = err instanceof Error ? err.message : String(err);
    throw new SyncError('fatal', `the OAuth token endpoint ${client.tokenUrl} failed: ${message}`);
  }
  if (!tokens.refresh_token) {
    throw new SyncError('fatal', 'Google answered the code exchange without a refresh token', {
      hints: [
        'Remove the app at https://myaccount.google.com/permissions and run `gphotos-sync auth` again.',
      ],
    });
  }
  return {
    refreshToken: tokens.refresh_token,
    scopes: (tokens.scope ?? '').split(' ').filter((s) => s !== ''),
  };
}

function oauthClient(client: ConsentClient): OAuth2Client {
  return new OAuth2Client({
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    redirectUri: client.redirectUri,
    endpoints: { oauth2TokenUrl: client.tokenUrl, oauth2AuthBaseUrl: client.authUrl },
  });
}
