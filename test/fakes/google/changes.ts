/**
 * Drive v3 changes feed: `GET /drive/v3/changes/startPageToken` (changes.getStartPageToken) and
 * `GET /drive/v3/changes` (changes.list), read from the change journal (`changes-journal.ts`).
 *
 * - Tokens are decimal strings (the id of the first change not yet seen). A page carries
 *   `nextPageToken` while changes remain, else `newStartPageToken` (never both).
 * - One entry per file: its latest change, rendered from the file as it is now (`removed: true`
 *   without `file` once it left the library). Members in the order of a captured payload:
 *   kind, removed, file, fileId, time, type (deprecated), changeType.
 * - Without `fields`: every change member, `file` with kind,id,name,mimeType (as files.list).
 * - Errors: no pageToken -> 400 `required` (location pageToken); a token that is not a number,
 *   is from the future, or is older than the retention (`expireChangeTokensBefore`) -> 400
 *   `invalid` "Invalid Value" at location pageToken. Google documents change tokens as never
 *   expiring and does not document the answer to a refused one; this is its answer to a refused
 *   files.list page token. `driveId`: that shared drive's own feed (shared-drives.ts; an unknown
 *   drive is 404); without it, My Drive's.
 * - shortPages: a page scans at most 3 change ids, so pages are short or empty (coalesced
 *   entries) while `nextPageToken` is present.
 */
import { currentToken, journalOf, parseChangeToken, readChanges } from './changes-journal.ts';
import { CHANGE_LIST_SCHEMA, fieldsParam, project, START_PAGE_TOKEN_SCHEMA } from './fields.ts';
import type { FieldTree } from './fields.ts';
import { badParam, pageSizeParam, sendError, sendJson } from './http.ts';
import { changesCorpus } from './shared-drives.ts';
import { fileResource, makeEvalContext } from './resource.ts';
import type { Route, RouteContext } from './router.ts';

const DEFAULT_FILE_FIELDS = new Set(['kind', 'id', 'name', 'mimeType']);
const BOOLEAN_PARAMS = [
  'includeRemoved',
  'restrictToMyDrive',
  'includeCorpusRemovals',
  'includeItemsFromAllDrives',
  'includeTeamDriveItems',
  'supportsAllDrives',
  'supportsTeamDrives',
];
const SHORT_WINDOW = 3;

/** The selection below `key` of a parsed `fields` tree: a tree, everything, or nothing. */
function member(tree: FieldTree | true | undefined, key: string): FieldTree | true | undefined {
  if (tree === undefined || tree === true) return tree;
  return tree.get(key) ?? (tree.has('*') ? true : undefined);
}

function handleStartPageToken(ctx: RouteContext): void {
  const { query, res, state } = ctx;
  for (const p of ['supportsAllDrives', 'supportsTeamDrives']) {
    const v = query[p];
    if (v !== undefined && v !== 'true' && v !== 'false') return sendError(res, badParam(p));
  }
  const corpus = changesCorpus(state.library, query, false);
  if ('error' in corpus) return sendError(res, corpus.error);
  const fields = fieldsParam(query.fields, START_PAGE_TOKEN_SCHEMA);
  if ('error' in fields) return sendError(res, fields.error);
  const body = { kind: 'drive#startPageToken', startPageToken: currentToken(state.library) };
  sendJson(res, 200, fields.tree === undefined ? body : project(body, fields.tree), {
    pretty: query.prettyPrint !== 'false',
  });
}

function handleChanges(ctx: RouteContext): void {
  const { query, res, state } = ctx;
  const lib = state.library;
  const fields = fieldsParam(query.fields, CHANGE_LIST_SCHEMA);
  if ('error' in fields) return sendError(res, fields.error);
  const tree = fields.tree;
  if (query.pageToken === undefined || query.pageToken === '') {
    return sendError(res, badParam('pageToken', 'Required parameter: pageToken', 'required'));
  }
  const pageSize = pageSizeParam(query.pageSize);
  if (typeof pageSize !== 'number') return sendError(res, pageSize);
  for (const p of BOOLEAN_PARAMS) {
    const v = query[p];
    if (v !== undefined && v !== 'true' && v !== 'false') return sendError(res, badParam(p));
  }
  const spaces = (query.spaces ?? 'drive').split(',').map((s) => s.trim());
  if (!spaces.every((s) => s === 'drive' || s === 'appDataFolder' || s === 'photos')) {
    return sendError(res, badParam('spaces'));
  }
  const corpus = changesCorpus(lib, query, true);
  if ('error' in corpus) return sendError(res, corpus.error);
  const from = parseChangeToken(lib, query.pageToken);
  if (from === undefined) return sendError(res, badParam('pageToken'));
  const includeRemoved = query.includeRemoved !== 'false';

  const window = readChanges(lib, from, pageSize, state.shortPages ? SHORT_WINDOW : undefined);
  const changesSel: FieldTree | true | undefined =
    tree === undefined ? true : member(tree, 'changes');
  const fileSel = tree === undefined ? undefined : member(changesSel, 'file');
  const want: (k: string) => boolean =
    tree === undefined
      ? (k) => DEFAULT_FILE_FIELDS.has(k)
      : fileSel === true
        ? () => true
        : fileSel === undefined
          ? () => false
          : (k) => fileSel.has(k) || fileSel.has('*');
  const evalCtx = makeEvalContext(lib);
  const changes: Array<Record<string, unknown>> = [];
  if (changesSel !== undefined && spaces.includes('drive')) {
    for (const e of window.entries) {
      // Another drive's entries leave the page short (Google's pages may be short or empty).
      if (!corpus.covers(e.fileId)) continue;
      const f = lib.files.get(e.fileId);
      if (!f && !includeRemoved) continue;
      const c: Record<string, unknown> = { kind: 'drive#change', removed: !f };
      if (f && (tree === undefined || fileSel !== undefined)) {
        const r = fileResource(lib, f, evalCtx, want);
        c.file = fileSel instanceof Map ? project(r, fileSel) : r;
      }
      c.fileId = e.fileId;
      c.time = e.time;
      c.type = 'file';
      c.changeType = 'file';
      changes.push(c);
    }
  }
  const body: Record<string, unknown> = { kind: 'drive#changeList' };
  if (window.nextToken !== undefined) body.nextPageToken = window.nextToken;
  else body.newStartPageToken = String(journalOf(lib).next);
  body.changes = changes;
  sendJson(res, 200, tree === undefined ? body : project(body, tree), {
    pretty: query.prettyPrint !== 'false',
  });
}

export const changesRoutes: Route[] = [
  {
    name: 'changes.getStartPageToken',
    auth: 'bearer',
    match: (method, url) =>
      method === 'GET' && url.pathname === '/drive/v3/changes/startPageToken' ? {} : undefined,
    handle: handleStartPageToken,
  },
  {
    name: 'changes.list',
    auth: 'bearer',
    match: (method, url) =>
      method === 'GET' && url.pathname === '/drive/v3/changes' ? {} : undefined,
    handle: handleChanges,
  },
];
