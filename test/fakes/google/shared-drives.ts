/**
 * Shared drives, as Drive v3 serves them (../shared/google-apis.md, "Drive of today"):
 *
 * - `drives.list` (`GET /drive/v3/drives`) and `drives.get` (`GET /drive/v3/drives/{id}`): each
 *   drive as `{kind: 'drive#drive', id, name, createdTime, hidden}`; an unknown id (or one the
 *   account lost access to) is 404 `notFound` "Shared drive not found: ID" at `driveId`.
 * - A shared drive's root folder has the drive's id: its top items have `parents: [driveId]`;
 *   every item below carries `driveId`, and `owners`/`ownedByMe` are not populated.
 * - files.list: `driveId` is allowed iff `corpora=drive` (400 otherwise, and `corpora=drive`
 *   without `driveId` is 400 too); `corpora=drive` or `allDrives` without
 *   `includeItemsFromAllDrives=true` is 403 `teamDriveIncludeItemsRequired`. The default corpus
 *   (`user`) lists My Drive only.
 * - files.get and alt=media on a shared-drive item without `supportsAllDrives=true`: 404.
 * - Changes: each shared drive has its own feed (`driveId=ID`, with `includeItemsFromAllDrives`
 *   for changes.list); the user's feed lists My Drive only unless `includeItemsFromAllDrives=true`
 *   and not `restrictToMyDrive`. Tokens share one counter (Google's are opaque anyway).
 *
 * Tests make shared drives with `addSharedDrive` and fill them with the usual helpers
 * (`addFolder(lib, name, driveId)`, `addPhoto(lib, name, folderOrDriveId)`): a file made under a
 * shared drive gets its `driveId`, remembered after it is deleted so the feed of its drive lists
 * the removal. `loseSharedDrive` is the account losing access (drives.get answers 404).
 */
import { envelope, type ErrorEnvelope, sendError, sendJson, badParam } from './http.ts';
import type { FakeFile, Library } from './library.ts';
import type { Route, RouteContext } from './router.ts';

export interface FakeSharedDrive {
  id: string;
  name: string;
  createdTime: string;
}

interface DriveBook {
  drives: Map<string, FakeSharedDrive>;
  /** Every file id ever made in a shared drive -> its drive (deleted files included). */
  fileDrive: Map<string, string>;
}

const books = new WeakMap<Map<string, FakeFile>, DriveBook>();

function bookOf(lib: Library): DriveBook {
  let b = books.get(lib.files);
  if (!b) books.set(lib.files, (b = { drives: new Map(), fileDrive: new Map() }));
  return b;
}

let nextDrive = 1;

/** Creates a shared drive the account can read; returns its id (also its root folder's id). */
export function addSharedDrive(lib: Library, name: string, id?: string): string {
  const driveId = id ?? `0AsharedDrive${String(nextDrive++).padStart(6, '0')}Uk9PVA`;
  bookOf(lib).drives.set(driveId, { id: driveId, name, createdTime: '2021-03-04T05:06:07.000Z' });
  return driveId;
}

export function renameSharedDrive(lib: Library, id: string, name: string): void {
  const d = bookOf(lib).drives.get(id);
  if (!d) throw new Error(`no such shared drive: ${id}`);
  d.name = name;
}

/** The account loses access to the drive: drives.get, its listings and its feed answer 404. */
export function loseSharedDrive(lib: Library, id: string): void {
  if (!bookOf(lib).drives.delete(id)) throw new Error(`no such shared drive: ${id}`);
}

export const isSharedDrive = (lib: Library, id: string): boolean => bookOf(lib).drives.has(id);

/**
 * The drive a new file under `parents` belongs to (undefined: My Drive), remembered for `fileId`.
 * Called by addFile.
 */
export function claimDrive(
  lib: Library,
  fileId: string,
  parents: readonly string[],
): string | undefined {
  const b = bookOf(lib);
  const p = parents[0];
  if (p === undefined) return undefined;
  const driveId = b.drives.has(p) ? p : lib.files.get(p)?.driveId;
  if (driveId !== undefined) b.fileDrive.set(fileId, driveId);
  return driveId;
}

/** The drive of a file id, deleted or not (undefined: My Drive). */
export const driveOfId = (lib: Library, fileId: string): string | undefined =>
  lib.files.get(fileId)?.driveId ?? bookOf(lib).fileDrive.get(fileId);

function driveNotFound(driveId: string): ErrorEnvelope {
  return envelope(404, {
    domain: 'global',
    reason: 'notFound',
    message: `Shared drive not found: ${driveId}`,
    locationType: 'parameter',
    location: 'driveId',
  });
}

function includeItemsRequired(): ErrorEnvelope {
  return envelope(403, {
    domain: 'global',
    reason: 'teamDriveIncludeItemsRequired',
    message:
      'The includeItemsFromAllDrives parameter must be set to true when accessing a shared drive.',
    locationType: 'parameter',
    location: 'includeItemsFromAllDrives',
  });
}

/** Which files a files.list query covers, or its error; `key` goes into the page-token hash. */
export function listCorpus(
  lib: Library,
  query: Record<string, string>,
): { error: ErrorEnvelope } | { key: string; covers: (f: FakeFile) => boolean } {
  const corpora = query.corpora ?? query.corpus ?? 'user';
  if (!['user', 'drive', 'allDrives', 'domain'].includes(corpora)) {
    return { error: badParam('corpora') };
  }
  const driveId = query.driveId ?? query.teamDriveId;
  if ((driveId !== undefined) !== (corpora === 'drive')) {
    return { error: badParam(driveId === undefined ? 'driveId' : 'corpora') };
  }
  const include = (query.includeItemsFromAllDrives ?? query.includeTeamDriveItems) === 'true';
  if (corpora === 'drive' || corpora === 'allDrives') {
    if (!include) return { error: includeItemsRequired() };
  }
  if (driveId !== undefined) {
    if (!bookOf(lib).drives.has(driveId)) return { error: driveNotFound(driveId) };
    return { key: `drive:${driveId}`, covers: (f) => f.driveId === driveId };
  }
  if (corpora === 'allDrives') {
    const drives = bookOf(lib).drives;
    return { key: 'all', covers: (f) => f.driveId === undefined || drives.has(f.driveId) };
  }
  return { key: 'user', covers: (f) => f.driveId === undefined };
}

/** files.get / alt=media: a shared-drive item is found only with supportsAllDrives=true. */
export function hiddenFromGet(lib: Library, f: FakeFile, query: Record<string, string>): boolean {
  if (f.driveId === undefined) return false;
  const supports = (query.supportsAllDrives ?? query.supportsTeamDrives) === 'true';
  return !supports || !bookOf(lib).drives.has(f.driveId);
}

/**
 * Which change entries a changes.list (or getStartPageToken) request sees, or its error:
 * with `driveId`, that shared drive's feed; without, My Drive's (plus the shared drives' when
 * includeItemsFromAllDrives=true and not restrictToMyDrive).
 */
export function changesCorpus(
  lib: Library,
  query: Record<string, string>,
  forList: boolean,
): { error: ErrorEnvelope } | { covers: (fileId: string) => boolean } {
  const driveId = query.driveId ?? query.teamDriveId;
  const include = (query.includeItemsFromAllDrives ?? query.includeTeamDriveItems) === 'true';
  if (driveId !== undefined) {
    if (!bookOf(lib).drives.has(driveId)) return { error: driveNotFound(driveId) };
    if (forList && !include) return { error: includeItemsRequired() };
    return { covers: (id) => driveOfId(lib, id) === driveId };
  }
  const all = include && query.restrictToMyDrive !== 'true';
  const drives = bookOf(lib).drives;
  return {
    covers: (id) => {
      const d = driveOfId(lib, id);
      return d === undefined || (all && drives.has(d));
    },
  };
}

const DRIVE_MEMBERS = ['kind', 'id', 'name', 'createdTime', 'hidden'];

function resource(d: FakeSharedDrive, fields: string | undefined): Record<string, unknown> {
  const full: Record<string, unknown> = {
    kind: 'drive#drive',
    id: d.id,
    name: d.name,
    createdTime: d.createdTime,
    hidden: false,
  };
  if (fields === undefined || fields.trim() === '*') return full;
  const out: Record<string, unknown> = {};
  for (const k of fields.split(',').map((s) => s.trim())) if (k in full) out[k] = full[k];
  return out;
}

/** `fields` of drives.get: top-level members of a drive; anything else is 400. */
function badFields(fields: string | undefined): boolean {
  if (fields === undefined) return false;
  return fields
    .split(',')
    .map((s) => s.trim())
    .some((k) => k !== '*' && !DRIVE_MEMBERS.includes(k));
}

function handleDrivesGet(ctx: RouteContext): void {
  const { query, res, state } = ctx;
  if (badFields(query.fields)) return sendError(res, badParam('fields', 'Invalid field selection'));
  const d = bookOf(state.library).drives.get(ctx.params.driveId!);
  if (!d) return sendError(res, driveNotFound(ctx.params.driveId!));
  sendJson(res, 200, resource(d, query.fields), { pretty: query.prettyPrint !== 'false' });
}

function handleDrivesList(ctx: RouteContext): void {
  const { query, res, state } = ctx;
  const drives = [...bookOf(state.library).drives.values()].map((d) => resource(d, undefined));
  sendJson(
    res,
    200,
    { kind: 'drive#driveList', drives },
    { pretty: query.prettyPrint !== 'false' },
  );
}

const DRIVE_PATH = /^\/drive\/v3\/drives\/([^/]+)$/;

export const sharedDriveRoutes: Route[] = [
  {
    name: 'drives.list',
    auth: 'bearer',
    match: (method, url) =>
      method === 'GET' && url.pathname === '/drive/v3/drives' ? {} : undefined,
    handle: handleDrivesList,
  },
  {
    name: 'drives.get',
    auth: 'bearer',
    match: (method, url) => {
      const m = method === 'GET' ? DRIVE_PATH.exec(url.pathname) : null;
      return m ? { driveId: decodeURIComponent(m[1]!) } : undefined;
    },
    handle: handleDrivesGet,
  },
];
