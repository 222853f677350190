/**
 * Receiving the authorization code of `gphotos-sync auth`: Google's consent page redirects the
 * browser to `http://127.0.0.1:PORT/?state=…&code=…` (or `?error=access_denied&state=…`), which
 * a one-shot loopback server answers; when the browser runs on another machine, that page does
 * not load, and the person pastes its address (or just the code) instead.
 *
 * The `state` of a redirect must be this run's: anything else did not come from the consent
 * page this run opened and ends the run.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SyncError } from '../errors/errors.ts';

/**
 * The loopback redirect URI of a Web client's registered ones (`http://127.0.0.1:P/...` or
 * `http://localhost:P/...` with an explicit port), or undefined.
 */
export function loopbackRedirectUri(uris: readonly string[]): string | undefined {
  return uris.find((u) => /^http:\/\/(127\.0\.0\.1|localhost):\d+(\/|$)/.test(u));
}

export interface RedirectListener {
  /** `http://127.0.0.1:PORT/` (or the path of a registered URI): the redirect_uri to send. */
  redirectUri: string;
  /** The code of the first redirect that carries one; rejects on an error or a foreign state. */
  code: Promise<string>;
  close(): Promise<void>;
}

/**
 * What a redirect's parameters say: a code, a SyncError (consent refused, wrong state), or
 * undefined when they carry neither code nor error (a browser's favicon request, say).
 */
export function codeFromParams(
  params: URLSearchParams,
  state: string,
): string | SyncError | undefined {
  const error = params.get('error');
  const code = params.get('code');
  if (error === null && code === null) return undefined;
  if (params.get('state') !== state) {
    return new SyncError(
      'auth',
      'the redirect carries a different state than this run sent, so it does not come from the consent page this run opened; nothing was saved',
      { hints: ['Run `gphotos-sync auth` again and open the URL it prints.'] },
    );
  }
  if (error !== null) {
    return new SyncError(
      'auth',
      error === 'access_denied'
        ? "the consent was refused on Google's page (access_denied); nothing was saved"
        : `Google's consent page answered with an error (${error.replace(/[^\w.-]/g, '')}); nothing was saved`,
      {
        hints: [
          'Run `gphotos-sync auth` again and choose Allow (tick every box: Drive and Picasa Web Albums).',
          'If the account is not allowed: in "Testing" status, add it under OAuth consent screen > Test users.',
        ],
      },
    );
  }
  return code === '' ? undefined : (code as string);
}

/**
 * What a person pasted: the redirected address (the whole URL or its query), or the bare code.
 * A bare code has no state to check; the person copied it from their own browser.
 * Undefined when the text is neither.
 */
export function codeFromPasted(input: string, state: string): string | SyncError | undefined {
  const text = input.trim();
  if (text === '') return undefined;
  if (/^https?:\/\//i.test(text)) {
    try {
      return codeFromParams(new URL(text).searchParams, state);
    } catch {
      return undefined;
    }
  }
  if (/(^|[?&])(code|error)=/.test(text)) {
    return codeFromParams(new URLSearchParams(text.slice(text.indexOf('?') + 1)), state);
  }
  return /^[A-Za-z0-9/._~-]{10,512}$/.test(text) ? text : undefined;
}

const PAGE = (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${body}</p></body></html>\n`;

/**
 * Listens on 127.0.0.1 for the redirect: on any free port with the redirect URI
 * `http://127.0.0.1:PORT/` (a Desktop client: Google accepts any loopback port), or on the port
 * and path of a given loopback `redirectUri` (a Web client, whose URIs are registered exactly).
 */
export async function listenForRedirect(opts: {
  state: string;
  redirectUri?: string;
}): Promise<RedirectListener> {
  const fixed = opts.redirectUri === undefined ? undefined : new URL(opts.redirectUri);
  const path = fixed?.pathname ?? '/';
  let settle!: { resolve: (code: string) => void; reject: (err: Error) => void };
  const code = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  // The caller may have stopped waiting (a pasted code came first): no unhandled rejection.
  code.catch(() => undefined);
  let done = false;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const outcome =
      req.method === 'GET' && url.pathname === path
        ? codeFromParams(url.searchParams, opts.state)
        : undefined;
    const reply = (status: number, title: string, body: string): void => {
      const html = Buffer.from(PAGE(title, body), 'utf8');
      res.writeHead(status, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': String(html.length),
        'Cache-Control': 'no-store',
        Connection: 'close',
      });
      res.end(html);
    };
    if (outcome === undefined || done) {
      reply(404, 'Not found', "gphotos-sync is waiting for Google's redirect here.");
      return;
    }
    done = true;
    if (outcome instanceof SyncError) {
      reply(400, 'Authorization failed', `${escapeHtml(outcome.message)}. See the terminal.`);
      settle.reject(outcome);
    } else {
      reply(200, 'Authorization received', 'gphotos-sync has the code; you can close this tab.');
      settle.resolve(outcome);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(fixed ? Number(fixed.port || 80) : 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    redirectUri: opts.redirectUri ?? `http://127.0.0.1:${port}${path}`,
    code,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
