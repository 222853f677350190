/**
 * Keeping OAuth secrets out of logs and messages. Three layers, each covering the gaps of the
 * one before:
 *  1. `REDACT_PATHS`: pino `redact` for the usual places of secrets in logged objects;
 *  2. `serializeError`: errors keep only safe fields (a GaxiosError carries the request
 *     config with the Authorization header and the token POST body with the refresh token);
 *  3. `scrubSecrets`: the serialized line (and any error text) loses anything that looks like
 *     a Google token or a secret-named JSON/form field, at any depth.
 */

/** Field names whose values are secrets wherever they appear. */
const SECRET_KEYS = [
  'access_token',
  'refresh_token',
  'client_secret',
  'id_token',
  'accessToken',
  'refreshToken',
  'clientSecret',
  'idToken',
  'token',
  'authorization',
];

export const CENSOR = '[redacted]';

/** pino `redact` paths (pino wildcards match one level; scrubSecrets covers deeper ones). */
export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  'Authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'config.headers.Authorization',
  'config.headers.authorization',
  'config.data',
  'config.body',
  '*.config.headers.Authorization',
  '*.config.headers.authorization',
  '*.config.data',
  '*.config.body',
  'response.config',
  '*.response.config',
];

const keyAlternation = SECRET_KEYS.join('|');

const PATTERNS: [RegExp, string][] = [
  // "refresh_token":"…" in JSON at any depth.
  [new RegExp(`("(?:${keyAlternation})"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*"`, 'gi'), `$1${CENSOR}"`],
  // \"refresh_token\":\"…\" in JSON kept as a string inside JSON (a response body in a message).
  [new RegExp(`(\\\\"(?:${keyAlternation})\\\\"\\s*:\\s*\\\\")[^"\\\\]*`, 'gi'), `$1${CENSOR}`],
  // refresh_token=… in a form body or a URL query.
  [new RegExp(`\\b((?:${keyAlternation})=)[^&\\s"'\\\\]+`, 'gi'), `$1${CENSOR}`],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, `Bearer ${CENSOR}`],
  [/ya29\.[A-Za-z0-9_\-.]+/g, CENSOR],
  [/1\/\/[A-Za-z0-9_-]{10,}/g, CENSOR],
  [/1%2F%2F[A-Za-z0-9_-]{10,}/gi, CENSOR],
  [/GOCSPX-[A-Za-z0-9_-]+/g, CENSOR],
];

/** Replaces anything that looks like an OAuth secret in `text` by `[redacted]`. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

export interface SerializedError {
  type: string;
  message: string;
  code?: string | number;
  status?: number;
  /** Google's reason, from response.data.error.errors[0].reason (e.g. 'userRateLimitExceeded'). */
  reason?: string;
  /** The kind of a SyncError ('usage', 'auth', …). */
  kind?: string;
  stack?: string;
  cause?: SerializedError;
}

const MAX_CAUSE_DEPTH = 4;

/**
 * The pino `err` serializer: only message, name, code, status, Google's reason, the error
 * kind, a scrubbed stack and the (same way serialized) cause. Never the request config,
 * headers or bodies.
 */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error)) {
    return { type: typeof err, message: scrubSecrets(describeNonError(err)) };
  }
  const e = err as Error & {
    code?: unknown;
    status?: unknown;
    kind?: unknown;
    response?: { status?: unknown; data?: unknown };
  };
  const out: SerializedError = { type: e.name, message: scrubSecrets(e.message) };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  const status = typeof e.status === 'number' ? e.status : e.response?.status;
  if (typeof status === 'number') out.status = status;
  const reason = googleReason(e.response?.data);
  if (reason !== undefined) out.reason = reason;
  if (typeof e.kind === 'string') out.kind = e.kind;
  if (e.stack !== undefined) out.stack = scrubSecrets(e.stack);
  if (e.cause !== undefined && depth < MAX_CAUSE_DEPTH)
    out.cause = serializeError(e.cause, depth + 1);
  return out;
}

function googleReason(data: unknown): string | undefined {
  const error = (data as { error?: unknown } | null | undefined)?.error;
  if (typeof error === 'string') return error; // OAuth: {"error":"invalid_grant"}
  const errors = (error as { errors?: unknown } | undefined)?.errors;
  const first = Array.isArray(errors) ? (errors[0] as { reason?: unknown } | undefined) : undefined;
  return typeof first?.reason === 'string' ? first.reason : undefined;
}

function describeNonError(x: unknown): string {
  if (typeof x === 'string') return x;
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}
