/**
 * Fault injection: rules consulted before a route handles a request.
 *
 * A rule matches by route (or `any`) and optionally fileId; it first lets `skip` matching
 * requests through, then fires `times` times (default 1, `Infinity` allowed) and is spent.
 * Rules are consulted in the order added; the first live match decides (while it is still
 * skipping, later rules do not see that request).
 *
 * Picasa routes (`picasa.feed`: fileId = album id; `picasa.media`: fileId = photo id) answer
 * the status kinds with Picasa's plain-text bodies (`sendPicasaFault`) instead of JSON.
 */
import type { ServerResponse } from 'node:http';
import { badParam, envelope, sendError } from './http.ts';
import type { ErrorEnvelope } from './http.ts';
import { sendText } from './picasa-http.ts';

export type FaultKind =
  | 'userRateLimit403'
  | 'rateLimit403'
  | 'rateLimit429'
  | 'backend500'
  | 'backend503'
  | 'dailyLimit403'
  | 'downloadQuota403'
  /** Destroy the socket, no response. */
  | 'reset'
  /** Media only: headers and about half the body, then the socket is destroyed (elsewhere: `reset`). */
  | 'resetMidBody'
  /** Media only: headers and about half the body, then nothing more until the client gives up. */
  | 'stallMidBody'
  /** An HTML error page as Google's front end sends. */
  | 'htmlError502'
  | 'malformedJson200'
  /** A Picasa feed cut off in the middle of an entry (200, Atom content type). */
  | 'malformedXml200'
  /** 400 `invalid` at location `pageToken`, as for a page token Drive no longer accepts. */
  | 'invalidPageToken400';

export type FaultRoute =
  | 'files.list'
  | 'files.get'
  | 'files.update'
  | 'media'
  | 'changes.getStartPageToken'
  | 'changes.list'
  | 'token'
  | 'picasa.feed'
  | 'picasa.media'
  | 'any';

export interface FaultRule {
  route: FaultRoute;
  /** Drive file id; on `picasa.feed` the album id, on `picasa.media` the photo id. */
  fileId?: string;
  kind: FaultKind;
  /** Default 1; Infinity allowed. */
  times?: number;
  /** Let the first N matching requests through. */
  skip?: number;
  /** Sets Retry-After on 403/429/503. */
  retryAfterSeconds?: number;
}

interface LiveRule {
  rule: FaultRule;
  left: number;
  skipLeft: number;
}

export class FaultBook {
  private rules: LiveRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ rule, left: rule.times ?? 1, skipLeft: rule.skip ?? 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** Injections still to come (sum over rules; Infinity when a rule is unlimited). */
  pending(): number {
    return this.rules.reduce((n, r) => n + r.left, 0);
  }

  /** Consumes and returns the fault for this request, if any. */
  take(route: string, fileId: string | undefined): FaultRule | undefined {
    for (const live of this.rules) {
      if (live.left <= 0) continue;
      if (live.rule.route !== 'any' && live.rule.route !== route) continue;
      if (live.rule.fileId !== undefined && live.rule.fileId !== fileId) continue;
      if (live.skipLeft > 0) {
        live.skipLeft--;
        return undefined;
      }
      live.left--;
      this.rules = this.rules.filter((r) => r.left > 0);
      return live.rule;
    }
    return undefined;
  }
}

const BODIES: Partial<Record<FaultKind, ErrorEnvelope>> = {
  userRateLimit403: envelope(403, {
    domain: 'usageLimits',
    reason: 'userRateLimitExceeded',
    message: 'User Rate Limit Exceeded',
  }),
  rateLimit403: envelope(403, {
    domain: 'usageLimits',
    reason: 'rateLimitExceeded',
    message: 'Rate Limit Exceeded',
  }),
  rateLimit429: envelope(429, {
    domain: 'usageLimits',
    reason: 'rateLimitExceeded',
    message: 'Rate Limit Exceeded',
  }),
  backend500: envelope(500, { domain: 'global', reason: 'backendError', message: 'Backend Error' }),
  backend503: envelope(503, { domain: 'global', reason: 'backendError', message: 'Backend Error' }),
  dailyLimit403: envelope(403, {
    domain: 'usageLimits',
    reason: 'dailyLimitExceeded',
    message: 'Daily Limit Exceeded',
  }),
  downloadQuota403: envelope(403, {
    domain: 'usageLimits',
    reason: 'downloadQuotaExceeded',
    message: 'The download quota for this file has been exceeded.',
  }),
  invalidPageToken400: badParam('pageToken'),
};

/** The JSON body a fault kind answers with (undefined for the non-JSON kinds). */
export function faultBody(kind: FaultKind): ErrorEnvelope | undefined {
  return BODIES[kind];
}

const HTML_502 = `<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <meta name=viewport content="initial-scale=1, minimum-scale=1, width=device-width">
  <title>Error 502 (Server Error)!!1</title>
  <style>
    *{margin:0;padding:0}html,code{font:15px/22px arial,sans-serif}html{background:#fff;color:#222;padding:15px}body{margin:7% auto 0;max-width:390px;min-height:180px;padding:30px 0 15px}
  </style>
  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>
  <p><b>502.</b> <ins>That\u2019s an error.</ins>
  <p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.  <ins>That\u2019s all we know.</ins>
`;

function sendHtml502(res: ServerResponse): void {
  const buf = Buffer.from(HTML_502, 'utf8');
  res.writeHead(502, {
    'Content-Type': 'text/html; charset=UTF-8',
    'Content-Length': String(buf.length),
    'Referrer-Policy': 'no-referrer',
  });
  res.end(buf);
}

function retryAfter(rule: FaultRule, code: number): Record<string, string> {
  return rule.retryAfterSeconds !== undefined && (code === 403 || code === 429 || code === 503)
    ? { 'Retry-After': String(rule.retryAfterSeconds) }
    : {};
}

const TRUNCATED_FEED = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:openSearch="http://a9.com/-/spec/opensearchrss/1.0/" xmlns:gphoto="http://schemas.google.com/photos/2007">
  <id>https://picasaweb.google.com/data/feed/api/user/default</id>
  <updated>2016-01-10T01:30:40.686Z</updated>
  <entry>
    <id>https://picasaweb.google.com/data/entry/api/user/default/albumid/6212299316593562001/photoid/62122993159`;

/** Picasa's plain-text bodies for the status kinds. */
const PICASA_TEXT: Partial<Record<FaultKind, [number, string]>> = {
  userRateLimit403: [403, 'Rate Limit Exceeded'],
  rateLimit403: [403, 'Rate Limit Exceeded'],
  rateLimit429: [429, 'Too Many Requests'],
  backend500: [500, 'Internal Server Error'],
  backend503: [503, 'Service Unavailable'],
  dailyLimit403: [403, 'Daily Limit Exceeded'],
  downloadQuota403: [403, 'Forbidden'],
};

/**
 * Answers a Picasa request with a fault: plain-text statuses, the HTML 502 page, a truncated
 * feed, or a reset (`resetMidBody` on `picasa.media` is performed by that route).
 */
export function sendPicasaFault(res: ServerResponse, rule: FaultRule): void {
  const text = PICASA_TEXT[rule.kind];
  if (text) return sendText(res, text[0], text[1], retryAfter(rule, text[0]));
  if (rule.kind === 'htmlError502') return sendHtml502(res);
  if (rule.kind === 'malformedXml200' || rule.kind === 'malformedJson200') {
    res.writeHead(200, { 'Content-Type': 'application/atom+xml; charset=UTF-8; type=feed' });
    res.end(TRUNCATED_FEED);
    return;
  }
  res.socket?.destroy();
}

/**
 * Answers a request with a fault (every kind except `resetMidBody` on media, which the media
 * route performs itself).
 */
export function sendFault(res: ServerResponse, rule: FaultRule): void {
  const body = BODIES[rule.kind];
  if (body) {
    sendError(res, body, retryAfter(rule, body.error.code));
    return;
  }
  switch (rule.kind) {
    case 'htmlError502':
      return sendHtml502(res);
    case 'malformedJson200': {
      const buf = Buffer.from(
        '{\n  "kind": "drive#fileList",\n  "files": [\n    {\n      "id": "',
        'utf8',
      );
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=UTF-8',
        'Content-Length': String(buf.length),
      });
      res.end(buf);
      return;
    }
    default:
      res.socket?.destroy();
  }
}
