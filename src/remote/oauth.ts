/**
 * The OAuth client: google-auth-library's OAuth2Client, refreshing access tokens against a
 * configurable token URL. Access tokens live in memory only. A refused refresh token surfaces from
 * the API call that needed it (classified as auth, exit 4, by google-errors.ts).
 */
import { OAuth2Client } from 'google-auth-library';

export interface OAuthOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  tokenUrl: string;
  /** Called when Google hands out a new refresh token (rare); the caller decides where it goes. */
  onNewRefreshToken?: () => void;
}

export function createOAuthClient(opts: OAuthOptions): OAuth2Client {
  const client = new OAuth2Client({
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    endpoints: { oauth2TokenUrl: opts.tokenUrl },
    // Refresh and retry once when an API answers 401 even though the token looked fresh.
    forceRefreshOnFailure: true,
  });
  client.setCredentials({ refresh_token: opts.refreshToken });
  client.on('tokens', (tokens) => {
    if (tokens.refresh_token && tokens.refresh_token !== opts.refreshToken) {
      opts.onNewRefreshToken?.();
    }
  });
  return client;
}
