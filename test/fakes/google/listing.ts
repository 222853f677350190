/**
 * `GET /drive/v3/files` (files.list).
 *
 * Paging: the first request of a sequence (no pageToken) evaluates `q` over the current library
 * and sorts once; the result is kept as a snapshot that later pages of the same sequence read by
 * offset, so paging a 100k listing costs O(page) per page. A page token is opaque to clients
 * (base64url of snapshot id, offset, page number and a hash of q+orderBy); a token replayed with
 * another q/orderBy is 400 `invalid` (location pageToken). Snapshots are LRU-evicted; an evicted
 * token re-evaluates the query against the library as it is now.
 *
 * shortPages: pages are deliberately short or empty while nextPageToken is present, and the last
 * page is always empty, so clients must loop on the token rather than on counts.
 */
import { createHash } from 'node:crypto';
import { fieldsParam, FILE_LIST_SCHEMA, project } from './fields.ts';
import { badParam, pageSizeParam, sendError, sendJson } from './http.ts';
import { FOLDER_MIME, sizeOf } from './library.ts';
import type { FakeFile } from './library.ts';
import { parseQuery, QueryError } from './query.ts';
import type { EvalContext } from './query.ts';
import { fileResource, makeEvalContext } from './resource.ts';
import { listCorpus } from './shared-drives.ts';
import type { EmulatorState, RouteContext } from './router.ts';

const DEFAULT_FILE_FIELDS = new Set(['kind', 'id', 'name', 'mimeType']);
const MAX_SNAPSHOTS = 32;

interface Snapshot {
  hash: string;
  files: FakeFile[];
}

interface PageToken {
  s: number;
  o: number;
  p: number;
  h: string;
}

const caches = new WeakMap<EmulatorState, { next: number; snaps: Map<number, Snapshot> }>();

function cacheOf(state: EmulatorState): { next: number; snaps: Map<number, Snapshot> } {
  let c = caches.get(state);
  if (!c) {
    c = { next: 1, snaps: new Map() };
    caches.set(state, c);
  }
  return c;
}

type Compare = (a: FakeFile, b: FakeFile) => number;

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const SORT_KEYS: Record<string, Compare> = {
  createdTime: (a, b) => cmpStr(a.createdTime, b.createdTime),
  modifiedTime: (a, b) => cmpStr(a.modifiedTime, b.modifiedTime),
  name: (a, b) => cmpStr(a.name.toLowerCase(), b.name.toLowerCase()) || cmpStr(a.name, b.name),
  folder: (a, b) => Number(b.mimeType === FOLDER_MIME) - Number(a.mimeType === FOLDER_MIME),
  quotaBytesUsed: (a, b) => sizeOf(a) - sizeOf(b),
  starred: () => 0,
};
for (const k of ['modifiedByMeTime', 'recency', 'viewedByMeTime', 'sharedWithMeTime']) {
  SORT_KEYS[k] = SORT_KEYS.modifiedTime!;
}
SORT_KEYS.name_natural = SORT_KEYS.name!;

/** Parses `orderBy` (`key[ desc], …`); undefined when a key is unknown. */
function parseOrderBy(spec: string): Compare | undefined {
  const parts: Compare[] = [];
  for (const raw of spec.split(',')) {
    const m = /^\s*([A-Za-z_]+)(?:\s+(asc|desc))?\s*$/i.exec(raw);
    const cmp = m ? SORT_KEYS[m[1]!] : undefined;
    if (!m || !cmp) return undefined;
    parts.push(m[2]?.toLowerCase() === 'desc' ? (a, b) => cmp(b, a) : cmp);
  }
  return (a, b) => {
    for (const c of parts) {
      const r = c(a, b);
      if (r !== 0) return r;
    }
    return 0;
  };
}

function decodeToken(tok: string): PageToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(tok, 'base64url').toString('utf8')) as PageToken;
    if ([t.s, t.o, t.p].every((n) => Number.isInteger(n) && n >= 0) && typeof t.h === 'string') {
      return t;
    }
  } catch {
    // fall through
  }
  return undefined;
}

const encodeToken = (t: PageToken): string =>
  Buffer.from(JSON.stringify(t), 'utf8').toString('base64url');

/** Items on page `p` in shortPages mode: ½, empty, ⅓, ½ … of the page size. */
function shortCount(p: number, pageSize: number): number {
  const phase = p % 4;
  if (phase === 1) return 0;
  return phase === 2 ? Math.ceil(pageSize / 3) : Math.ceil(pageSize / 2);
}

export function handleList(ctx: RouteContext): void {
  const { query, res, state } = ctx;
  const lib = state.library;
  const pretty = query.prettyPrint !== 'false';

  const fields = fieldsParam(query.fields, FILE_LIST_SCHEMA);
  if ('error' in fields) return sendError(res, fields.error);
  const tree = fields.tree;
  const pageSize = pageSizeParam(query.pageSize);
  if (typeof pageSize !== 'number') return sendError(res, pageSize);
  const spaces = (query.spaces ?? 'drive').split(',').map((s) => s.trim());
  if (!spaces.every((s) => s === 'drive' || s === 'appDataFolder')) {
    return sendError(res, badParam('spaces'));
  }
  const corpus = listCorpus(lib, query);
  if ('error' in corpus) return sendError(res, corpus.error);
  const q = query.q ?? '';
  let predicate: ((f: FakeFile, c: EvalContext) => boolean) | undefined;
  if (q.trim() !== '') {
    try {
      predicate = parseQuery(q);
    } catch (e) {
      if (!(e instanceof QueryError)) throw e;
      return sendError(res, badParam('q'));
    }
  }
  const orderBy = query.orderBy ?? '';
  let compare: Compare | undefined;
  if (orderBy.trim() !== '') {
    compare = parseOrderBy(orderBy);
    if (!compare) return sendError(res, badParam('orderBy'));
  }
  const hash = createHash('sha256')
    .update(`${q}\n${orderBy}\n${spaces.join(',')}\n${corpus.key}`)
    .digest('base64url')
    .slice(0, 16);

  const cache = cacheOf(state);
  let token: PageToken = { s: 0, o: 0, p: 0, h: hash };
  if (query.pageToken) {
    const t = decodeToken(query.pageToken);
    if (!t || t.h !== hash) return sendError(res, badParam('pageToken'));
    token = t;
  }
  const evalCtx = makeEvalContext(lib);
  let snap = token.s ? cache.snaps.get(token.s) : undefined;
  if (!snap) {
    const files: FakeFile[] = [];
    if (spaces.includes('drive')) {
      for (const f of lib.files.values()) {
        if (corpus.covers(f) && (!predicate || predicate(f, evalCtx))) files.push(f);
      }
      if (compare) files.sort(compare);
    }
    snap = { hash, files };
    if (!token.s) token = { ...token, s: cache.next++ };
    cache.snaps.set(token.s, snap);
    while (cache.snaps.size > MAX_SNAPSHOTS) {
      cache.snaps.delete(cache.snaps.keys().next().value!);
    }
  }

  const total = snap.files.length;
  const offset = Math.min(token.o, total);
  const count = Math.min(
    total - offset,
    state.shortPages ? shortCount(token.p, pageSize) : pageSize,
  );
  const page = snap.files.slice(offset, offset + count);
  const more = offset + count < total || (state.shortPages && count > 0);
  const nextPageToken = more
    ? encodeToken({ s: token.s, o: offset + count, p: token.p + 1, h: hash })
    : undefined;

  const filesSel =
    tree === undefined ? undefined : (tree.get('files') ?? (tree.has('*') ? true : undefined));
  const want: (k: string) => boolean =
    tree === undefined
      ? (k) => DEFAULT_FILE_FIELDS.has(k)
      : filesSel === true
        ? () => true
        : filesSel === undefined
          ? () => false
          : (k) => filesSel.has(k) || filesSel.has('*');
  const files =
    tree !== undefined && filesSel === undefined
      ? []
      : page.map((f) => {
          const r = fileResource(lib, f, evalCtx, want);
          return filesSel instanceof Map ? project(r, filesSel) : r;
        });
  const body: Record<string, unknown> = { kind: 'drive#fileList' };
  if (nextPageToken) body.nextPageToken = nextPageToken;
  body.incompleteSearch = false;
  body.files = files;
  sendJson(res, 200, tree === undefined ? body : project(body, tree), { pretty });
}
