/**
 * Response helpers shared by the emulator's routes: Google's JSON error envelope and headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ErrorItem {
  domain: string;
  reason: string;
  message: string;
  locationType?: 'parameter' | 'header';
  location?: string;
}

export interface ErrorEnvelope {
  error: { errors: ErrorItem[]; code: number; message: string };
}

/** The "Apiary" envelope: `{"error":{"errors":[…],"code":N,"message":errors[0].message}}`. */
export function envelope(code: number, item: ErrorItem): ErrorEnvelope {
  return { error: { errors: [item], code, message: item.message } };
}

/** 400 `invalid` / `invalidParameter` for a query parameter. */
/**
 * Drive's `pageSize`: default 100, values above 1000 clamped to 1000, anything but a positive
 * integer refused with Drive's 400.
 */
export function pageSizeParam(raw: string | undefined): number | ErrorEnvelope {
  if (raw === undefined) return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    return badParam(
      'pageSize',
      `Invalid value '${raw}'. Values must be within the range: [1, 1000]`,
    );
  }
  return Math.min(n, 1000);
}

export function badParam(
  location: string,
  message = 'Invalid Value',
  reason = 'invalid',
): ErrorEnvelope {
  return envelope(400, {
    domain: 'global',
    reason,
    message,
    locationType: 'parameter',
    location,
  });
}

export function notFound(fileId: string): ErrorEnvelope {
  return envelope(404, {
    domain: 'global',
    reason: 'notFound',
    message: `File not found: ${fileId}.`,
    locationType: 'parameter',
    location: 'fileId',
  });
}

const API_HEADERS: Record<string, string> = {
  'Content-Type': 'application/json; charset=UTF-8',
  Vary: 'Origin, X-Origin',
  'Cache-Control': 'private, max-age=0, must-revalidate, no-transform',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-XSS-Protection': '0',
  Server: 'ESF',
};

/** Sends a Google API JSON body (pretty-printed like Google unless `pretty` is false). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  opts: { pretty?: boolean; headers?: Record<string, string> } = {},
): void {
  const text = opts.pretty === false ? JSON.stringify(body) : JSON.stringify(body, null, 2) + '\n';
  const buf = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    ...API_HEADERS,
    ...opts.headers,
    'Content-Length': String(buf.length),
  });
  res.end(buf);
}

export function sendError(
  res: ServerResponse,
  env: ErrorEnvelope,
  headers?: Record<string, string>,
): void {
  sendJson(res, env.error.code, env, headers ? { headers } : {});
}

/** The request body as UTF-8 text; more than `limit` bytes is an error. */
export async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) throw new Error('request body too large');
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}
