/**
 * Google's OAuth 2.0 token endpoint: `POST /token` (also the legacy `/o/oauth2/token` and
 * `/oauth2/v4/token` paths), form-encoded (JSON bodies and query parameters are accepted too).
 *
 * - refresh_token grant -> 200 {access_token, expires_in, scope, token_type}
 * - authorization_code grant (codes from the consent page, `consent.ts`, or `issueAuthCode`) ->
 *   also refresh_token, which becomes valid for the client; the redirect_uri must be the
 *   consent's (400 redirect_uri_mismatch) and the PKCE code_verifier must match its challenge
 *   (400 invalid_grant "Missing code verifier." / "Invalid code verifier.")
 * - a refresh with a token planned for rotation (`rotateRefreshToken`) also returns the new one
 * - unknown client 401 invalid_client; wrong secret 401 invalid_client "Unauthorized";
 *   unknown/revoked refresh token or bad code 400 invalid_grant; missing parameters 400
 *   invalid_request; another client's refresh token 401 unauthorized_client.
 */
import { createHash } from 'node:crypto';
import { readBody } from './http.ts';
import type { ServerResponse } from 'node:http';
import type { Route, RouteContext } from './router.ts';

export const DRIVE_SCOPE = 'https://www.googleapis.com/auth/drive.readonly';

const TOKEN_HEADERS: Record<string, string> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate',
  Pragma: 'no-cache',
  Expires: 'Mon, 01 Jan 1990 00:00:00 GMT',
  Vary: 'Origin, X-Origin, Referer',
  Server: 'scaffolding on HTTPServer2',
  'X-XSS-Protection': '0',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-Content-Type-Options': 'nosniff',
};

function send(res: ServerResponse, status: number, body: unknown): void {
  const buf = Buffer.from(JSON.stringify(body, null, 2), 'utf8');
  res.writeHead(status, { ...TOKEN_HEADERS, 'Content-Length': String(buf.length) });
  res.end(buf);
}

async function formOf(ctx: RouteContext): Promise<Record<string, string>> {
  const text = await readBody(ctx.req);
  const form: Record<string, string> = { ...ctx.query };
  if ((ctx.req.headers['content-type'] ?? '').includes('application/json') && text.trim()) {
    const obj = JSON.parse(text) as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) if (typeof v === 'string') form[k] = v;
  } else {
    for (const [k, v] of new URLSearchParams(text)) form[k] = v;
  }
  // client_secret_basic: Authorization: Basic base64(id:secret)
  const auth = ctx.req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
    if (id && form.client_id === undefined) form.client_id = decodeURIComponent(id);
    if (secret && form.client_secret === undefined) form.client_secret = decodeURIComponent(secret);
  }
  return form;
}

const missing = (p: string) => ({
  error: 'invalid_request',
  error_description: `Missing required parameter: ${p}`,
});
const invalidGrant = {
  error: 'invalid_grant',
  error_description: 'Token has been expired or revoked.',
};

async function handleToken(ctx: RouteContext): Promise<void> {
  const { res } = ctx;
  let form: Record<string, string>;
  try {
    form = await formOf(ctx);
  } catch {
    send(res, 400, { error: 'invalid_request', error_description: 'Invalid request body.' });
    return;
  }
  const tokens = ctx.state.tokens;
  const grant = form.grant_type;
  if (grant !== 'refresh_token' && grant !== 'authorization_code') {
    send(res, 400, {
      error: 'unsupported_grant_type',
      error_description: `Invalid grant_type: ${grant ?? ''}`,
    });
    return;
  }
  if (!form.client_id) {
    send(res, 400, {
      error: 'invalid_request',
      error_description: 'Could not determine client ID from request.',
    });
    return;
  }
  const client = tokens.clients.get(form.client_id);
  if (!client) {
    send(res, 401, {
      error: 'invalid_client',
      error_description: 'The OAuth client was not found.',
    });
    return;
  }
  if (!form.client_secret) {
    send(res, 400, missing('client_secret'));
    return;
  }
  if (form.client_secret !== client.secret) {
    send(res, 401, { error: 'invalid_client', error_description: 'Unauthorized' });
    return;
  }

  if (grant === 'refresh_token') {
    const rt = form.refresh_token;
    if (!rt) {
      send(res, 400, missing('refresh_token'));
      return;
    }
    if (!client.refreshTokens.has(rt)) {
      const other = [...tokens.clients.values()].some((c) => c.refreshTokens.has(rt));
      if (other)
        send(res, 401, { error: 'unauthorized_client', error_description: 'Unauthorized' });
      else send(res, 400, invalidGrant);
      return;
    }
    const rotation = tokens.takeRotation(rt);
    if (rotation) {
      client.refreshTokens.add(rotation.next);
      const granted = tokens.scopes.get(rt);
      if (granted !== undefined) tokens.scopes.set(rotation.next, granted);
      if (rotation.revokeOld) tokens.revokeRefreshToken(rt);
    }
    const { accessToken, expiresIn } = tokens.issue(form.client_id, rotation?.next ?? rt);
    send(res, 200, {
      access_token: accessToken,
      expires_in: expiresIn,
      ...(rotation ? { refresh_token: rotation.next } : {}),
      scope: tokens.scopes.get(rt) ?? DRIVE_SCOPE,
      token_type: 'Bearer',
    });
    return;
  }

  if (!form.code) {
    send(res, 400, missing('code'));
    return;
  }
  if (!form.redirect_uri) {
    send(res, 400, missing('redirect_uri'));
    return;
  }
  const code = tokens.takeAuthCode(form.code);
  if (!code || code.clientId !== form.client_id) {
    send(res, 400, { error: 'invalid_grant', error_description: 'Malformed auth code.' });
    return;
  }
  if (code.redirectUri !== undefined && code.redirectUri !== form.redirect_uri) {
    send(res, 400, { error: 'redirect_uri_mismatch', error_description: 'Bad Request' });
    return;
  }
  if (code.codeChallenge !== undefined) {
    const verifier = form.code_verifier;
    if (!verifier) {
      send(res, 400, { error: 'invalid_grant', error_description: 'Missing code verifier.' });
      return;
    }
    const derived =
      code.codeChallengeMethod === 'plain'
        ? verifier
        : createHash('sha256').update(verifier, 'ascii').digest('base64url');
    if (derived !== code.codeChallenge) {
      send(res, 400, { error: 'invalid_grant', error_description: 'Invalid code verifier.' });
      return;
    }
  }
  client.refreshTokens.add(code.refreshToken);
  if (code.scope !== undefined) tokens.scopes.set(code.refreshToken, code.scope);
  const { accessToken, expiresIn } = tokens.issue(form.client_id, code.refreshToken);
  send(res, 200, {
    access_token: accessToken,
    expires_in: expiresIn,
    refresh_token: code.refreshToken,
    scope: code.scope ?? DRIVE_SCOPE,
    token_type: 'Bearer',
  });
}

const TOKEN_PATHS = new Set(['/token', '/o/oauth2/token', '/oauth2/v4/token']);

export const oauthRoutes: Route[] = [
  {
    name: 'token',
    auth: 'none',
    match: (method, url) => (method === 'POST' && TOKEN_PATHS.has(url.pathname) ? {} : undefined),
    handle: handleToken,
  },
];
