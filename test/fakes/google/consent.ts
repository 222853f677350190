/**
 * Google's OAuth consent page, as a test sees it: `GET /o/oauth2/v2/auth` (also the older
 * `/o/oauth2/auth`) with client_id, redirect_uri, response_type=code, scope, state and an
 * optional PKCE challenge. No person and no page: the emulator answers at once as Google does
 * after the person clicks, with a 302 to the redirect URI:
 * - approve: `?state=…&code=4/0A…&scope=…` (the granted scopes); the code is one-shot and
 *   bound to the client, the redirect URI and the challenge (checked by the token endpoint);
 * - deny: `?error=access_denied&state=…`.
 * Requests Google refuses before any redirect get an error page (400/401 HTML), as Google's
 * "Access blocked" pages: unknown client (invalid_client), a redirect URI a Desktop client may
 * not use (redirect_uri_mismatch: only http loopback), a missing or wrong parameter
 * (invalid_request). `emu.setConsent` chooses the answer.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Route, RouteContext } from './router.ts';

const CONSENT_PATHS = new Set(['/o/oauth2/v2/auth', '/o/oauth2/auth']);

function errorPage(res: ServerResponse, status: number, error: string, detail: string): void {
  const html = Buffer.from(
    `<!doctype html><html lang=en><meta charset=utf-8><title>Error ${status}: ${error}</title>` +
      `<p>Access blocked: Authorization Error</p><p>${detail}</p><p>Error ${status}: ${error}</p>\n`,
    'utf8',
  );
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(html.length),
    'X-Frame-Options': 'DENY',
  });
  res.end(html);
}

function redirect(res: ServerResponse, to: URL): void {
  res.writeHead(302, {
    Location: to.toString(),
    'Content-Type': 'text/html; charset=UTF-8',
    'Content-Length': '0',
    'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate',
  });
  res.end();
}

/** Loopback http URIs only: what Google accepts from a Desktop app client. */
function loopbackUri(text: string): URL | undefined {
  try {
    const u = new URL(text);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    return u.protocol === 'http:' && loopback ? u : undefined;
  } catch {
    return undefined;
  }
}

function handleConsent(ctx: RouteContext): void {
  const { res, query, state } = ctx;
  const tokens = state.tokens;
  const clientId = query.client_id;
  if (!clientId || !tokens.clients.has(clientId)) {
    errorPage(res, 401, 'invalid_client', 'The OAuth client was not found.');
    return;
  }
  const redirectUri = query.redirect_uri ? loopbackUri(query.redirect_uri) : undefined;
  if (!redirectUri) {
    errorPage(
      res,
      400,
      'redirect_uri_mismatch',
      "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy.",
    );
    return;
  }
  const scopes = (query.scope ?? '').split(' ').filter((s) => s !== '');
  const method = query.code_challenge_method ?? (query.code_challenge ? 'plain' : undefined);
  if (
    query.response_type !== 'code' ||
    scopes.length === 0 ||
    (method !== undefined && method !== 'S256' && method !== 'plain') ||
    (method !== undefined && !query.code_challenge)
  ) {
    errorPage(res, 400, 'invalid_request', 'Required parameter is missing or invalid.');
    return;
  }
  const to = new URL(redirectUri);
  const consent = tokens.consent;
  if (consent.answer === 'deny') {
    to.searchParams.set('error', 'access_denied');
    if (query.state !== undefined) to.searchParams.set('state', query.state);
    redirect(res, to);
    return;
  }
  const granted = consent.grantScopes
    ? scopes.filter((s) => consent.grantScopes?.includes(s))
    : scopes;
  const code = `4/0A${randomBytes(40).toString('base64url')}`;
  tokens.issueAuthCode(code, clientId, `1//0${randomBytes(48).toString('base64url')}`, {
    redirectUri: query.redirect_uri,
    scope: granted.join(' '),
    ...(query.code_challenge
      ? { codeChallenge: query.code_challenge, codeChallengeMethod: method as 'S256' | 'plain' }
      : {}),
  });
  if (query.state !== undefined) to.searchParams.set('state', query.state);
  to.searchParams.set('code', code);
  to.searchParams.set('scope', granted.join(' '));
  redirect(res, to);
}

export const consentRoutes: Route[] = [
  {
    name: 'consent',
    auth: 'none',
    match: (method, url) => (method === 'GET' && CONSENT_PATHS.has(url.pathname) ? {} : undefined),
    handle: handleConsent,
  },
];
