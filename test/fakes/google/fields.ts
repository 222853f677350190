/**
 * Partial responses (`fields`): parse the selector, validate it against the resource schema and
 * project a response object.
 *
 * Syntax: comma list of selections; `a/b` selects a sub-field, `a(b,c)` several, `*` everything
 * at its level. A selected object without sub-selection is returned whole. Output keeps the
 * resource's own key order (as Google does), not the order of the selector. Unknown fields throw
 * `FieldsError` (the route answers 400 `invalidParameter`, location `fields`).
 */
import { badParam, type ErrorEnvelope } from './http.ts';

export class FieldsError extends Error {}

/** A parsed selector: `true` = the whole member. Key `*` = every member at this level. */
export type FieldTree = Map<string, FieldTree | true>;

/** 'leaf' = scalar or array of scalars; 'any' = an object whose members are not modelled. */
export type Schema = { [key: string]: Schema | 'leaf' | 'any' };

function leaves(...names: string[]): Schema {
  return Object.fromEntries(names.map((n) => [n, 'leaf' as const]));
}

export const FILE_SCHEMA: Schema = {
  ...leaves(
    'kind',
    'id',
    'name',
    'mimeType',
    'description',
    'starred',
    'trashed',
    'explicitlyTrashed',
    'trashedTime',
    'parents',
    'spaces',
    'version',
    'webContentLink',
    'webViewLink',
    'iconLink',
    'hasThumbnail',
    'thumbnailLink',
    'thumbnailVersion',
    'viewedByMe',
    'viewedByMeTime',
    'createdTime',
    'modifiedTime',
    'modifiedByMeTime',
    'modifiedByMe',
    'sharedWithMeTime',
    'shared',
    'ownedByMe',
    'driveId',
    'teamDriveId',
    'viewersCanCopyContent',
    'copyRequiresWriterPermission',
    'writersCanShare',
    'permissionIds',
    'hasAugmentedPermissions',
    'folderColorRgb',
    'originalFilename',
    'fullFileExtension',
    'fileExtension',
    'md5Checksum',
    'sha1Checksum',
    'sha256Checksum',
    'size',
    'quotaBytesUsed',
    'headRevisionId',
    'isAppAuthorized',
    'resourceKey',
    'inheritedPermissionsDisabled',
  ),
  ...Object.fromEntries(
    [
      'properties',
      'appProperties',
      'capabilities',
      'contentHints',
      'exportLinks',
      'lastModifyingUser',
      'owners',
      'permissions',
      'sharingUser',
      'trashingUser',
      'shortcutDetails',
      'contentRestrictions',
      'linkShareMetadata',
      'labelInfo',
      'downloadRestrictions',
    ].map((n) => [n, 'any' as const]),
  ),
  imageMediaMetadata: {
    ...leaves(
      'width',
      'height',
      'rotation',
      'time',
      'cameraMake',
      'cameraModel',
      'exposureTime',
      'aperture',
      'flashUsed',
      'focalLength',
      'isoSpeed',
      'meteringMode',
      'sensor',
      'exposureMode',
      'colorSpace',
      'whiteBalance',
      'exposureBias',
      'maxApertureValue',
      'subjectDistance',
      'lens',
    ),
    location: leaves('latitude', 'longitude', 'altitude'),
  },
  videoMediaMetadata: leaves('width', 'height', 'durationMillis'),
};

export const FILE_LIST_SCHEMA: Schema = {
  ...leaves('kind', 'nextPageToken', 'incompleteSearch'),
  files: FILE_SCHEMA,
};

/** A Change resource (changes.list): the deprecated team drive members are accepted too. */
export const CHANGE_SCHEMA: Schema = {
  ...leaves('kind', 'removed', 'fileId', 'time', 'driveId', 'type', 'teamDriveId', 'changeType'),
  file: FILE_SCHEMA,
  drive: 'any',
  teamDrive: 'any',
};

export const CHANGE_LIST_SCHEMA: Schema = {
  ...leaves('kind', 'nextPageToken', 'newStartPageToken'),
  changes: CHANGE_SCHEMA,
};

export const START_PAGE_TOKEN_SCHEMA: Schema = leaves('kind', 'startPageToken');

function merge(tree: FieldTree, key: string, sub: FieldTree | true): void {
  const have = tree.get(key);
  if (have === true || sub === true) tree.set(key, true);
  else if (have === undefined) tree.set(key, sub);
  else for (const [k, v] of sub) merge(have, k, v);
}

/**
 * The `fields` query parameter of a request: undefined when absent, the parsed selection when it
 * is valid for `schema`, or the 400 `invalidParameter` envelope Google answers otherwise.
 */
export function fieldsParam(
  spec: string | undefined,
  schema: Schema,
): { tree: FieldTree | undefined } | { error: ErrorEnvelope } {
  if (!spec) return { tree: undefined };
  try {
    const tree = parseFields(spec);
    validateFields(tree, schema);
    return { tree };
  } catch (e) {
    if (!(e instanceof FieldsError)) throw e;
    return { error: badParam('fields', e.message, 'invalidParameter') };
  }
}

/** Parses a `fields` selector; throws `FieldsError` on bad syntax. */
export function parseFields(spec: string): FieldTree {
  let i = 0;
  const fail = (): never => {
    throw new FieldsError(`Invalid field selection ${spec}`);
  };
  const ws = (): void => {
    while (i < spec.length && /\s/.test(spec[i]!)) i++;
  };
  const name = (): string => {
    ws();
    const m = /^(\*|[A-Za-z0-9_]+)/.exec(spec.slice(i));
    if (!m) fail();
    i += m![0].length;
    return m![0];
  };
  const list = (): FieldTree => {
    const tree: FieldTree = new Map();
    for (;;) {
      const path = [name()];
      while (spec[i] === '/') {
        i++;
        path.push(name());
      }
      ws();
      let sub: FieldTree | true = true;
      if (spec[i] === '(') {
        i++;
        sub = list();
        ws();
        if (spec[i] !== ')') fail();
        i++;
        ws();
      }
      for (let k = path.length - 1; k > 0; k--) sub = new Map([[path[k]!, sub]]);
      merge(tree, path[0]!, sub);
      if (spec[i] !== ',') return tree;
      i++;
    }
  };
  const tree = list();
  if (i !== spec.length) fail();
  return tree;
}

/** Throws `FieldsError` naming the first selected member the schema does not know. */
export function validateFields(tree: FieldTree, schema: Schema, prefix = ''): void {
  for (const [key, sub] of tree) {
    if (key === '*') continue;
    const s = schema[key];
    if (s === undefined) throw new FieldsError(`Invalid field selection ${prefix}${key}`);
    if (sub === true || s === 'any') continue;
    if (s === 'leaf') throw new FieldsError(`Invalid field selection ${prefix}${key}`);
    validateFields(sub, s, `${prefix}${key}/`);
  }
}

/** Applies a selector to a value: arrays element-wise, objects member-wise in their own order. */
export function project(value: unknown, tree: FieldTree | true): unknown {
  if (tree === true || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => project(v, tree));
  const all = tree.has('*');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const sub = tree.get(k);
    if (sub !== undefined) out[k] = project(v, sub);
    else if (all) out[k] = v;
  }
  return out;
}
