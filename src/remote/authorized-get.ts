/**
 * A GET with the OAuth client's credentials straight on the fetch the client's own transport was
 * given (oauth.ts `transporterOptions`: node's fetch), without gaxios: the download phase makes one
 * per file. `authorizedGet` returns null when that transport has no such fetch (a proxy is set,
 * gaxios routes through its agent): the caller then goes through `auth.request` as before.
 *
 * Contract: what it sends is what `auth.request` sends for a GET of ours: the client's request
 * headers (authorization, and x-goog-user-project when the client has a quota project; a token
 * about to expire is refreshed first, as there) and the caller's. A 2xx answer is returned as is,
 * its body unread. Any other status throws an HttpStatusError whose `response` (status, headers,
 * the body's text as `data`) is where google-errors.ts reads status, reason and Retry-After on a
 * GaxiosError: the same retry decisions, restrictions and final errors. Network failures are
 * fetch's own, read the same way (the codes are in the cause chain).
 *
 * Kept from google-auth's `request`: after a 401 or 403, when the client may refresh (a refresh
 * token, and `forceRefreshOnFailure` or no known expiry: oauth.ts sets the former), the token is
 * refreshed and the GET repeated once; the second answer is the one that counts. Left out:
 * gaxios' retries (off for these requests anyway: the pacer retries).
 *
 * Why: around each request gaxios deep-merges its options, builds its headers, and turns fetch's
 * body into a node Readable; google-auth wraps that. In a CPU profile of 20,000 downloads that was
 * about 0.7 s of main-thread time (gaxios 408 ms, google-auth 176, extend 79) and 60 MB of the
 * 2.2 GB allocated.
 */
import type { OAuth2Client } from 'google-auth-library';

/** A non-2xx answer, shaped as google-errors.ts reads a GaxiosError. No URL, no token in it. */
export class HttpStatusError extends Error {
  readonly response: { status: number; headers: Headers; data: string };

  constructor(status: number, headers: Headers, data: string) {
    super(`Request failed with status code ${status}`);
    this.name = 'HttpStatusError';
    this.response = { status, headers, data };
  }
}

/** Error bodies are read up to this many characters (Google's JSON errors are far smaller). */
const ERROR_BODY_CHARS = 64 * 1024;

export async function authorizedGet(
  auth: OAuth2Client,
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<Response | null> {
  const fetchImpl = auth.transporter.defaults.fetchImplementation;
  if (fetchImpl === undefined) return null;
  const get = async () => {
    const sent = await auth.getRequestHeaders(url);
    for (const [k, v] of Object.entries(headers)) sent.set(k, v);
    return fetchImpl(url, { headers: sent, signal });
  };
  let res = await get();
  if ((res.status === 401 || res.status === 403) && mayRefresh(auth)) {
    await res.body?.cancel();
    await auth.refreshAccessToken();
    res = await get();
  }
  if (res.ok) return res;
  const text = await res.text();
  throw new HttpStatusError(res.status, res.headers, text.slice(0, ERROR_BODY_CHARS));
}

/** google-auth's test before it refreshes and repeats a request that got a 401 or 403. */
function mayRefresh(auth: OAuth2Client): boolean {
  const c = auth.credentials;
  return Boolean(
    c.access_token && c.refresh_token && (!c.expiry_date || auth.forceRefreshOnFailure),
  );
}
