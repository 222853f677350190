/**
 * The Drive v3 File resource as Google renders it, built from a `FakeFile`.
 *
 * int64 members (`size`, `quotaBytesUsed`, `version`, `thumbnailVersion`,
 * `videoMediaMetadata.durationMillis`) are strings. `size`, `md5Checksum`, `headRevisionId`,
 * `originalFilename` and the extensions exist for binary files only. A file inside a trashed
 * folder reports `trashed: true, explicitlyTrashed: false`.
 */
import { createHash } from 'node:crypto';
import { sha1Of, sha256Of } from './checksums.ts';
import { isGoogleType, md5Of, sizeOf } from './library.ts';
import type { FakeFile, Library } from './library.ts';
import type { EvalContext } from './query.ts';
import { capabilitiesOf, downloadRestrictionsOf, ownedByMe } from './restrictions.ts';

/** Resolves `root` and computes effective trashed state, memoised for one request. */
export function makeEvalContext(lib: Library): EvalContext {
  const memo = new Map<string, boolean>();
  const trashedId = (id: string, depth: number): boolean => {
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    const f = lib.files.get(id);
    const t =
      f !== undefined &&
      depth < 64 &&
      (f.trashed === true || f.parents.some((p) => trashedId(p, depth + 1)));
    memo.set(id, t);
    return t;
  };
  return {
    resolveId: (id) => (id === 'root' ? lib.rootId : id),
    isTrashed: (f) => f.trashed === true || f.parents.some((p) => trashedId(p, 1)),
  };
}

function extensions(name: string): { full: string; last: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return { full: '', last: '' };
  const last = name.slice(dot + 1);
  const m = /\.(tar\.[A-Za-z0-9]+)$/.exec(name);
  return { full: m ? m[1]! : last, last };
}

/** Members of the full resource, in Google's order; `want` selects which to compute. */
export function fileResource(
  lib: Library,
  f: FakeFile,
  ctx: EvalContext,
  want: (key: string) => boolean,
): Record<string, unknown> {
  const binary = !isGoogleType(f.mimeType);
  const media = f.mimeType.startsWith('image/') || f.mimeType.startsWith('video/');
  const size = sizeOf(f);
  const out: Record<string, unknown> = {};
  const put = (key: string, value: () => unknown): void => {
    if (want(key)) out[key] = value();
  };
  put('kind', () => 'drive#file');
  put('id', () => f.id);
  put('name', () => f.name);
  put('mimeType', () => f.mimeType);
  put('starred', () => false);
  put('trashed', () => ctx.isTrashed(f));
  put('explicitlyTrashed', () => f.trashed === true);
  if (f.parents.length > 0) put('parents', () => [...f.parents]);
  put('spaces', () => ['drive']);
  put('version', () => String(Math.max(1, Math.floor(Date.parse(f.modifiedTime) / 1000))));
  put('hasThumbnail', () => media);
  put('thumbnailVersion', () => (media ? '1' : '0'));
  put('viewedByMe', () => true);
  put('createdTime', () => f.createdTime);
  put('modifiedTime', () => f.modifiedTime);
  put('modifiedByMeTime', () => f.modifiedTime);
  put('modifiedByMe', () => true);
  put('shared', () => false);
  // Shared-drive items belong to the drive: no owners, no ownedByMe, a driveId.
  if (f.driveId === undefined) put('ownedByMe', () => ownedByMe(f));
  else put('driveId', () => f.driveId);
  put('capabilities', () => capabilitiesOf(f));
  put('viewersCanCopyContent', () => true);
  put('copyRequiresWriterPermission', () => false);
  put('writersCanShare', () => true);
  if (binary) {
    const ext = extensions(f.name);
    put('originalFilename', () => f.originalFilename ?? f.name);
    put('fullFileExtension', () => ext.full);
    put('fileExtension', () => ext.last);
    put('md5Checksum', () => md5Of(lib, f.id));
    put('sha1Checksum', () => sha1Of(lib, f.id));
    put('sha256Checksum', () => sha256Of(lib, f.id));
    put('size', () => String(size));
    put('quotaBytesUsed', () => String(size));
    put('headRevisionId', () =>
      createHash('sha1')
        .update(`${f.id}|${size}|${f.modifiedTime}`)
        .digest('base64url')
        .replace(/^/, '0B'),
    );
  } else {
    put('quotaBytesUsed', () => '0');
  }
  put('isAppAuthorized', () => false);
  put('downloadRestrictions', () => downloadRestrictionsOf(f));
  if (f.imageMediaMetadata) {
    const m = f.imageMediaMetadata;
    put('imageMediaMetadata', () => ({
      ...m,
      ...(m.location ? { location: { ...m.location } } : {}),
    }));
  }
  if (f.videoMediaMetadata) put('videoMediaMetadata', () => ({ ...f.videoMediaMetadata }));
  if (f.shortcutDetails) put('shortcutDetails', () => ({ ...f.shortcutDetails }));
  return out;
}
