/**
 * `PATCH /drive/v3/files/{id}` (files.update, metadata only): the emulator takes `trashed` (true
 * or false, with the change feed told, as `trashFile`/`untrashFile`) and `name`.
 *
 * Changing a file the app did not create needs the full `drive` scope: an access token whose
 * grant lacks it gets Google's 403 `insufficientPermissions` ("Request had insufficient
 * authentication scopes."), as a token from a read-only consent does. Scopes are those of the
 * refresh token's grant (`emu.grantScopes`, or the consent page's answer).
 */
import { recordChange } from './changes-journal.ts';
import { withDescendants } from './changes-mutate.ts';
import { fieldsParam, FILE_SCHEMA, project } from './fields.ts';
import { badParam, envelope, notFound, readBody, sendError, sendJson } from './http.ts';
import { fileResource, makeEvalContext } from './resource.ts';
import type { Route, RouteContext } from './router.ts';

/** The scope that lets an app change files it did not create. */
export const DRIVE_WRITE_SCOPE = 'https://www.googleapis.com/auth/drive';

const FILE_PATH = /^\/drive\/v3\/files\/([^/]+)$/;

const insufficientScopes = envelope(403, {
  domain: 'global',
  reason: 'insufficientPermissions',
  message: 'Insufficient Permission: Request had insufficient authentication scopes.',
});

async function handleUpdate(ctx: RouteContext): Promise<void> {
  const { req, res, query, state } = ctx;
  const lib = state.library;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const scopes = state.tokens.scopesOf(bearer) ?? [];
  if (!scopes.includes(DRIVE_WRITE_SCOPE)) {
    await readBody(req).catch(() => '');
    return sendError(res, insufficientScopes);
  }
  const fields = fieldsParam(query.fields, FILE_SCHEMA);
  if ('error' in fields) return sendError(res, fields.error);
  let patch: { trashed?: unknown; name?: unknown };
  try {
    const text = await readBody(req);
    patch = text.trim() === '' ? {} : (JSON.parse(text) as typeof patch);
  } catch {
    return sendError(res, badParam('body'));
  }
  const f = lib.files.get(ctx.params.fileId!);
  if (!f) return sendError(res, notFound(ctx.params.fileId!));
  if (typeof patch.name === 'string') {
    f.name = patch.name;
    recordChange(lib, f.id);
  }
  if (typeof patch.trashed === 'boolean' && patch.trashed !== (f.trashed === true)) {
    if (patch.trashed) f.trashed = true;
    else delete f.trashed;
    recordChange(lib, ...withDescendants(lib, f.id));
  }
  const tree = fields.tree;
  const want = (k: string) =>
    tree === undefined
      ? ['kind', 'id', 'name', 'mimeType'].includes(k)
      : tree.has(k) || tree.has('*');
  const r = fileResource(lib, f, makeEvalContext(lib), want);
  sendJson(res, 200, tree === undefined ? r : project(r, tree));
}

export const filesUpdateRoutes: Route[] = [
  {
    name: 'files.update',
    auth: 'bearer',
    match: (method, url) => {
      if (method !== 'PATCH') return undefined;
      const m = FILE_PATH.exec(url.pathname);
      return m ? { fileId: decodeURIComponent(m[1]!) } : undefined;
    },
    handle: handleUpdate,
  },
];
