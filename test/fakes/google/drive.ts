/**
 * Drive v3 routes: files.list, files.get (metadata) and files.get?alt=media.
 */
import { fieldsParam, FILE_SCHEMA, project } from './fields.ts';
import { badParam, notFound, sendError, sendJson } from './http.ts';
import { FOLDER_MIME } from './library.ts';
import type { FakeFile } from './library.ts';
import { handleList } from './listing.ts';
import { handleMedia } from './media.ts';
import { fileResource, makeEvalContext } from './resource.ts';
import type { Route, RouteContext } from './router.ts';
import { hiddenFromGet } from './shared-drives.ts';

const DEFAULT_FILE_FIELDS = new Set(['kind', 'id', 'name', 'mimeType']);
const FILE_PATH = /^\/drive\/v3\/files\/([^/]+)$/;

/** The My Drive root folder as files.get renders it (no parents). */
function rootFolder(rootId: string): FakeFile {
  return {
    id: rootId,
    name: 'My Drive',
    mimeType: FOLDER_MIME,
    parents: [],
    createdTime: '2012-04-24T10:00:00.000Z',
    modifiedTime: '2012-04-24T10:00:00.000Z',
  };
}

function handleGet(ctx: RouteContext): void {
  const { query, res, state } = ctx;
  const lib = state.library;
  const alt = query.alt ?? 'json';
  if (alt !== 'json') return sendError(res, badParam('alt'));
  const fields = fieldsParam(query.fields, FILE_SCHEMA);
  if ('error' in fields) return sendError(res, fields.error);
  const tree = fields.tree;
  const fileId = ctx.params.fileId!;
  const id = fileId === 'root' ? lib.rootId : fileId;
  const f = lib.files.get(id) ?? (id === lib.rootId ? rootFolder(lib.rootId) : undefined);
  if (!f || hiddenFromGet(lib, f, query)) return sendError(res, notFound(fileId));
  const want =
    tree === undefined
      ? (k: string) => DEFAULT_FILE_FIELDS.has(k)
      : (k: string) => tree.has(k) || tree.has('*');
  const r = fileResource(lib, f, makeEvalContext(lib), want);
  sendJson(res, 200, tree === undefined ? r : project(r, tree), {
    pretty: query.prettyPrint !== 'false',
  });
}

function fileIdOf(url: URL): string | undefined {
  const m = FILE_PATH.exec(url.pathname);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

export const driveRoutes: Route[] = [
  {
    name: 'files.list',
    auth: 'bearer',
    match: (method, url) =>
      method === 'GET' && url.pathname === '/drive/v3/files' ? {} : undefined,
    handle: handleList,
  },
  {
    name: 'media',
    auth: 'bearer',
    match: (method, url) => {
      const fileId = method === 'GET' ? fileIdOf(url) : undefined;
      return fileId !== undefined && url.searchParams.get('alt') === 'media'
        ? { fileId }
        : undefined;
    },
    handle: handleMedia,
  },
  {
    name: 'files.get',
    auth: 'bearer',
    match: (method, url) => {
      const fileId = method === 'GET' ? fileIdOf(url) : undefined;
      return fileId !== undefined ? { fileId } : undefined;
    },
    handle: handleGet,
  },
];
