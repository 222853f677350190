/**
 * Picasa's plain-text error answers: the body is a bare message with
 * `Content-Type: text/html; charset=UTF-8` (api-samples/picasa-error-400-plain-text.libgdata.http).
 */
import type { ServerResponse } from 'node:http';

export const PICASA_ERRORS = {
  tokenExpired: 'Token invalid - Invalid token: Token expired.',
  badKind: 'kind: That is not one of the acceptable values',
  badImgmax: 'imgmax: That is not one of the acceptable values',
  badStartIndex: 'Invalid start-index',
  badMaxResults: 'Invalid max-results',
  noAlbum: 'No album found.',
  notFound: 'Not Found',
  offsetTooLarge:
    'Deprecated offset is too large for a stream ID query. Please  switch to using resume tokens.',
} as const;

const TEXT_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=UTF-8',
  'Cache-control': 'private, max-age=0, must-revalidate',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-XSS-Protection': '1; mode=block',
  Server: 'GSE',
};

/** Sends `message` as Picasa's plain-text error body. */
export function sendText(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const buf = Buffer.from(message, 'utf8');
  res.writeHead(status, {
    ...TEXT_HEADERS,
    Expires: new Date().toUTCString(),
    ...headers,
    'Content-Length': String(buf.length),
  });
  res.end(buf);
}
