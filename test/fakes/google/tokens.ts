/**
 * OAuth state of the emulator: registered clients, refresh tokens, issued access tokens,
 * one-shot authorization codes (with the redirect URI and PKCE challenge of their consent), the
 * consent page's next answer, and planned refresh-token rotations.
 *
 * Revoking a refresh token also invalidates the access tokens issued from it (as revoking a
 * grant does at Google), so the next API call answers 401.
 */
import { randomBytes } from 'node:crypto';

export interface ClientConfig {
  clientId: string;
  clientSecret: string;
  refreshTokens: string[];
}

export const DEFAULT_CLIENT: ClientConfig = {
  clientId: 'test-client.apps.googleusercontent.com',
  clientSecret: 'test-secret',
  refreshTokens: ['1//test-refresh-token'],
};

/** What the consent page does with the next requests (`approve` until told otherwise). */
export interface ConsentAnswer {
  answer: 'approve' | 'deny';
  /** Scopes the person leaves ticked (granular consent); default: every scope asked for. */
  grantScopes?: string[];
}

/** An authorization code and what the token endpoint checks when it is exchanged. */
export interface AuthCode {
  clientId: string;
  refreshToken: string;
  /** When set, the exchange must send the same redirect_uri. */
  redirectUri?: string;
  /** PKCE: when set, the exchange must send a code_verifier that matches. */
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  /** The granted scopes (space-separated), returned by the exchange. */
  scope?: string;
}

interface AccessGrant {
  clientId: string;
  refreshToken: string;
  expiresAt: number;
}

/** What a refresh token is granted unless told otherwise: Drive read-only. */
export const DEFAULT_SCOPE = 'https://www.googleapis.com/auth/drive.readonly';

export class TokenStore {
  readonly clients = new Map<string, { secret: string; refreshTokens: Set<string> }>();
  private readonly access = new Map<string, AccessGrant>();
  private readonly codes = new Map<string, AuthCode>();
  private readonly rotations = new Map<string, { next: string; revokeOld: boolean }>();
  /**
   * The scopes granted to a refresh token (space-separated), as a code exchange recorded them or
   * `grantScopes` set them; a token absent here has Drive read-only (the default grant).
   */
  readonly scopes = new Map<string, string>();
  ttlSeconds: number;
  consent: ConsentAnswer = { answer: 'approve' };

  constructor(clients: ClientConfig[], ttlSeconds: number) {
    this.ttlSeconds = ttlSeconds;
    for (const c of clients) {
      this.clients.set(c.clientId, {
        secret: c.clientSecret,
        refreshTokens: new Set(c.refreshTokens),
      });
    }
  }

  /** Issues a fresh `ya29.` access token for a valid (client, refresh token). */
  issue(clientId: string, refreshToken: string): { accessToken: string; expiresIn: number } {
    if (this.access.size > 50_000) this.prune();
    const accessToken = `ya29.${randomBytes(48).toString('base64url')}`;
    this.access.set(accessToken, {
      clientId,
      refreshToken,
      expiresAt: Date.now() + this.ttlSeconds * 1000,
    });
    return { accessToken, expiresIn: this.ttlSeconds };
  }

  /** The scopes the grant of a valid access token carries; undefined for an invalid token. */
  scopesOf(accessToken: string): string[] | undefined {
    const g = this.access.get(accessToken);
    if (g === undefined || g.expiresAt <= Date.now()) return undefined;
    return (this.scopes.get(g.refreshToken) ?? DEFAULT_SCOPE).split(' ');
  }

  /** True when `token` was issued here, is not revoked and has not expired. */
  isValid(token: string): boolean {
    const g = this.access.get(token);
    return g !== undefined && g.expiresAt > Date.now();
  }

  revokeRefreshToken(refreshToken: string): void {
    for (const c of this.clients.values()) c.refreshTokens.delete(refreshToken);
    for (const [t, g] of this.access) if (g.refreshToken === refreshToken) this.access.delete(t);
  }

  /** Makes every issued access token expired (tests of the 401 path). */
  expireAccessTokens(): void {
    for (const g of this.access.values()) g.expiresAt = 0;
  }

  issueAuthCode(
    code: string,
    clientId: string,
    refreshToken: string,
    opts: Omit<AuthCode, 'clientId' | 'refreshToken'> = {},
  ): void {
    this.codes.set(code, { clientId, refreshToken, ...opts });
  }

  /**
   * The next refresh with `old` answers with the new refresh token `next` too (Google may hand
   * out a new one); with `revokeOld`, `old` stops working then.
   */
  rotateRefreshToken(old: string, next: string, revokeOld: boolean): void {
    this.rotations.set(old, { next, revokeOld });
  }

  /** Consumes the planned rotation of `old`, if any. */
  takeRotation(old: string): { next: string; revokeOld: boolean } | undefined {
    const r = this.rotations.get(old);
    this.rotations.delete(old);
    return r;
  }

  /** Consumes a code (codes are single-use); undefined when unknown or already used. */
  takeAuthCode(code: string): AuthCode | undefined {
    const c = this.codes.get(code);
    this.codes.delete(code);
    return c;
  }

  private prune(): void {
    const now = Date.now();
    for (const [t, g] of this.access) if (g.expiresAt <= now) this.access.delete(t);
  }
}
