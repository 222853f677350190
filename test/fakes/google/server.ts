/**
 * The Google emulator: one node:http server on 127.0.0.1 serving Drive v3, the Picasa Web
 * Albums feeds and their media URLs (`picasa.ts`), and the OAuth token endpoint (route modules
 * in `router.ts` style; Secret Manager plugs in the same way).
 *
 * Per request: match a route (unknown -> 404 envelope), consult fault rules by route name
 * and fileId, check `Authorization: Bearer` for API routes (401 authError + WWW-Authenticate),
 * then handle. Faults come before auth, so a faulted request needs no valid token. Every
 * request is logged (last 10,000) and counted.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expireChangeTokensBefore } from './changes-journal.ts';
import { changesRoutes } from './changes.ts';
import { consentRoutes } from './consent.ts';
import { driveRoutes } from './drive.ts';
import { sharedDriveRoutes } from './shared-drives.ts';
import { FaultBook, sendFault, sendPicasaFault } from './faults.ts';
import { filesUpdateRoutes } from './files-update.ts';
import type { FaultRule } from './faults.ts';
import { envelope, sendError } from './http.ts';
import type { Library } from './library.ts';
import { oauthRoutes } from './oauth.ts';
import { picasaRoutes } from './picasa.ts';
import type { EmulatorState, Route, RouteContext } from './router.ts';
import { DEFAULT_CLIENT, TokenStore } from './tokens.ts';
import type { AuthCode, ClientConfig, ConsentAnswer } from './tokens.ts';

export type { FaultKind, FaultRule } from './faults.ts';

export interface EmulatorOptions {
  library: Library;
  /** Default: one client `test-client.apps.googleusercontent.com` / `test-secret` / `1//test-refresh-token`. */
  clients?: ClientConfig[];
  /** Default 3599. Below 300 google-auth-library refreshes before every call. */
  accessTokenTtlSeconds?: number;
  shortPages?: boolean;
  /** Slows media bodies (Drive and Picasa): see `mediaPaceMs` on Emulator. Default 0. */
  mediaPaceMs?: number;
  port?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** HTTP status; 0 when the socket was destroyed before a response. */
  status: number;
  route: string;
}

export interface Emulator {
  /** `http://127.0.0.1:PORT/` (the Drive rootUrl). */
  url: string;
  /** `url + 'token'`. */
  tokenUrl: string;
  /** `url + 'o/oauth2/v2/auth'`: the consent page (`consent.ts`), for GPHOTOS_OAUTH_AUTH_URL. */
  authUrl: string;
  /** `url + 'data/feed/api/'`: the Picasa feeds' base (user feed: `picasaUrl + 'user/default'`). */
  picasaUrl: string;
  /** Mutable: tests may add/trash files between passes. */
  library: Library;
  faults: { add(rule: FaultRule): void; clear(): void; pending(): number };
  /** Short/empty pages while nextPageToken is present (mutable at runtime). */
  shortPages: boolean;
  /**
   * A pause before each piece (64 KiB at most) of every media body, in ms (mutable at runtime):
   * slow downloads, so a test's kill lands while bytes are in flight. 0: full speed.
   */
  mediaPaceMs: number;
  revokeRefreshToken(token: string): void;
  /** Expires every access token issued so far (the next API call gets 401). */
  expireAccessTokens(): void;
  /**
   * changes.list refuses change tokens below `token` from now on (400 `invalid` at pageToken);
   * default: every token older than the current start page token.
   */
  expireChangeTokensBefore(token?: string): void;
  defaultToken(): {
    type: 'authorized_user';
    client_id: string;
    client_secret: string;
    refresh_token: string;
  };
  issueAuthCode(
    code: string,
    clientId: string,
    refreshToken: string,
    opts?: Omit<AuthCode, 'clientId' | 'refreshToken'>,
  ): void;
  /** The scopes a refresh token's grant carries from now on (default: Drive read-only). */
  grantScopes(refreshToken: string, scopes: readonly string[]): void;
  /** How the consent page answers from now on (default: approve every scope). */
  setConsent(answer: ConsentAnswer): void;
  /** The next refresh with `old` also hands out `next` (with revokeOld, `old` then stops working). */
  rotateRefreshToken(old: string, next: string, opts?: { revokeOld?: boolean }): void;
  /** The last 10,000 requests, oldest first. */
  requests: LoggedRequest[];
  stats(): {
    requests: number;
    byRoute: Record<string, number>;
    mediaBytes: number;
    faultsInjected: number;
  };
  close(): Promise<void>;
}

const MAX_LOG = 10_000;
const ROUTES: Route[] = [
  ...oauthRoutes,
  ...consentRoutes,
  ...driveRoutes,
  ...sharedDriveRoutes,
  ...filesUpdateRoutes,
  ...changesRoutes,
  ...picasaRoutes,
];

function unauthorized(res: ServerResponse, presented: boolean): void {
  sendError(
    res,
    envelope(401, {
      domain: 'global',
      reason: 'authError',
      message: 'Invalid Credentials',
      locationType: 'header',
      location: 'Authorization',
    }),
    {
      'WWW-Authenticate': presented
        ? 'Bearer realm="https://accounts.google.com/", error="invalid_token"'
        : 'Bearer realm="https://accounts.google.com/"',
    },
  );
}

export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const clients = opts.clients ?? [DEFAULT_CLIENT];
  const state: EmulatorState = {
    library: opts.library,
    tokens: new TokenStore(clients, opts.accessTokenTtlSeconds ?? 3599),
    faults: new FaultBook(),
    shortPages: opts.shortPages ?? false,
    counters: { mediaBytes: 0 },
    mediaPaceMs: opts.mediaPaceMs ?? 0,
  };
  const requests: LoggedRequest[] = [];
  const byRoute: Record<string, number> = {};
  let total = 0;
  let faultsInjected = 0;

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    let route: Route | undefined;
    let params: Record<string, string> | undefined;
    for (const r of ROUTES) {
      params = r.match(method, url);
      if (params) {
        route = r;
        break;
      }
    }
    const name = route?.name ?? 'unknown';
    const entry: LoggedRequest = { method, path: url.pathname, query, status: 0, route: name };
    requests.push(entry);
    if (requests.length > MAX_LOG) requests.splice(0, requests.length - MAX_LOG);
    total++;
    byRoute[name] = (byRoute[name] ?? 0) + 1;
    res.on('close', () => {
      entry.status = res.headersSent ? res.statusCode : 0;
    });

    if (!route || !params) {
      sendError(res, envelope(404, { domain: 'global', reason: 'notFound', message: 'Not Found' }));
      return;
    }
    const ctx: RouteContext = { req, res, url, query, params, state, resetMidBody: false };
    const fault = state.faults.take(name, params.fileId);
    if (fault) {
      faultsInjected++;
      const picasa = name.startsWith('picasa.');
      if (fault.kind === 'resetMidBody' && (name === 'media' || name === 'picasa.media')) {
        ctx.resetMidBody = true;
      } else if (fault.kind === 'stallMidBody' && name === 'media') {
        ctx.stallMidBody = true;
      } else return picasa ? sendPicasaFault(res, fault) : sendFault(res, fault);
    }
    if (route.auth === 'bearer') {
      const h = req.headers.authorization;
      const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
      if (!m || !state.tokens.isValid(m[1]!)) {
        if (route.unauthorized) return route.unauthorized(ctx);
        return unauthorized(res, h !== undefined);
      }
    }
    await route.handle(ctx);
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      sendError(res, envelope(500, { domain: 'global', reason: 'backendError', message }));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  const first = clients[0];

  return {
    url,
    tokenUrl: `${url}token`,
    authUrl: `${url}o/oauth2/v2/auth`,
    picasaUrl: `${url}data/feed/api/`,
    get library() {
      return state.library;
    },
    set library(lib: Library) {
      state.library = lib;
    },
    get shortPages() {
      return state.shortPages;
    },
    set shortPages(v: boolean) {
      state.shortPages = v;
    },
    get mediaPaceMs() {
      return state.mediaPaceMs ?? 0;
    },
    set mediaPaceMs(ms: number) {
      state.mediaPaceMs = ms;
    },
    faults: {
      add: (rule) => state.faults.add(rule),
      clear: () => state.faults.clear(),
      pending: () => state.faults.pending(),
    },
    revokeRefreshToken: (t) => state.tokens.revokeRefreshToken(t),
    expireAccessTokens: () => state.tokens.expireAccessTokens(),
    expireChangeTokensBefore: (token) => expireChangeTokensBefore(state.library, token),
    defaultToken: () => {
      if (!first || first.refreshTokens.length === 0) throw new Error('no client registered');
      return {
        type: 'authorized_user',
        client_id: first.clientId,
        client_secret: first.clientSecret,
        refresh_token: first.refreshTokens[0]!,
      };
    },
    issueAuthCode: (code, clientId, refreshToken, codeOpts) =>
      state.tokens.issueAuthCode(code, clientId, refreshToken, codeOpts),
    grantScopes: (refreshToken, scopes) => {
      state.tokens.scopes.set(refreshToken, scopes.join(' '));
    },
    setConsent: (answer) => {
      state.tokens.consent = answer;
    },
    rotateRefreshToken: (old, next, rotateOpts) =>
      state.tokens.rotateRefreshToken(old, next, rotateOpts?.revokeOld ?? false),
    requests,
    stats: () => ({
      requests: total,
      byRoute: { ...byRoute },
      mediaBytes: state.counters.mediaBytes,
      faultsInjected,
    }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
