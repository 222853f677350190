/**
 * OAuth state of the emulator: registered clients, refresh tokens, issued access tokens and
 * one-shot authorization codes.
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

interface AccessGrant {
  clientId: string;
  refreshToken: string;
  expiresAt: number;
}

export class TokenStore {
  readonly clients = new Map<string, { secret: string; refreshTokens: Set<string> }>();
  private readonly access = new Map<string, AccessGrant>();
  private readonly codes = new Map<string, { clientId: string; refreshToken: string }>();
  ttlSeconds: number;

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

  issueAuthCode(code: string, clientId: string, refreshToken: string): void {
    this.codes.set(code, { clientId, refreshToken });
  }

  /** Consumes a code (codes are single-use); undefined when unknown or already used. */
  takeAuthCode(code: string): { clientId: string; refreshToken: string } | undefined {
    const c = this.codes.get(code);
    this.codes.delete(code);
    return c;
  }

  private prune(): void {
    const now = Date.now();
    for (const [t, g] of this.access) if (g.expiresAt <= now) this.access.delete(t);
  }
}
