/**
 * Tests' side of the Picasa feeds: a bearer token from the emulator's token endpoint, raw feed
 * requests with plain `fetch`, and the body parsed by xml2js with default options (prefixes
 * kept, as a real client must).
 */
import { parseStringPromise } from 'xml2js';
import type { Emulator } from './server.ts';

/** An xml2js element (default options: attributes in `$`, text in `_`, children as arrays). */
export type XmlElement = { $?: Record<string, string>; _?: string } & {
  [child: string]: XmlElement[] | Record<string, string> | string | undefined;
};

export interface FeedResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** A fresh access token of the emulator's default client. */
export async function accessToken(emu: Emulator): Promise<string> {
  const t = emu.defaultToken();
  const res = await fetch(emu.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: t.client_id,
      client_secret: t.client_secret,
      refresh_token: t.refresh_token,
    }),
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/**
 * GETs `emu.picasaUrl + path` (or an absolute URL) with the token; `v2` sends
 * `GData-Version: 2`.
 */
export async function getFeed(
  emu: Emulator,
  token: string | undefined,
  path: string,
  opts: { v2?: boolean; headers?: Record<string, string> } = {},
): Promise<FeedResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  if (opts.v2) headers['GData-Version'] = '2';
  const url = /^https?:/.test(path) ? path : emu.picasaUrl + path;
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** The root element of an Atom document (`feed` or `entry`). */
export async function parseFeed(xml: string): Promise<XmlElement> {
  const doc = (await parseStringPromise(xml)) as Record<string, XmlElement>;
  const root = doc.feed ?? doc.entry;
  if (!root) throw new Error('not an Atom feed or entry');
  return root;
}

/** Children named `name` (empty when absent). */
export function kids(e: XmlElement, name: string): XmlElement[] {
  const v = e[name];
  return Array.isArray(v) ? v : [];
}

/** The text of an element that may be given as a string or `{_: text}`. */
export function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && '_' in v) return String((v as { _: unknown })._);
  return '';
}

/** Text of the first child `name`. */
export function child(e: XmlElement, name: string): string {
  const v = e[name];
  return Array.isArray(v) ? textOf(v[0]) : '';
}

/** href of the first `<link rel=…>`. */
export function linkHref(e: XmlElement, rel: string): string | undefined {
  return kids(e, 'link').find((l) => l.$?.rel === rel)?.$?.href;
}
