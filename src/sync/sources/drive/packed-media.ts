/**
 * A listed photo or video packed into one string, and back. Pure.
 *
 * A full listing holds every item until its row is written. As a RemoteMedia an item is an object,
 * an array and a dozen strings, each with its own header; packed, it is one flat string, less than
 * half the bytes. The string is the JSON array of the fields in a fixed order: JSON escapes
 * whatever could pass for a separator (a name or an EXIF time may hold any character, NUL
 * included) and gives numbers, nulls and lone surrogates back exactly.
 */
import type { RemoteMedia } from '../../../remote/types.ts';

/** A RemoteMedia packed by packMedia; only unpackMedia and packedId read it. */
export type PackedMedia = string & { readonly __packedMedia: true };

type Fields = [
  id: string,
  name: string,
  mimeType: string,
  parents: string[],
  size: number | null,
  md5: string | null,
  sha256: string | null,
  canDownload: boolean,
  createdTime: string | null,
  modifiedTime: string | null,
  exifTime: string | null,
];

export function packMedia(m: RemoteMedia): PackedMedia {
  const fields: Fields = [
    m.id,
    m.name,
    m.mimeType,
    m.parents,
    m.size,
    m.md5,
    m.sha256,
    m.canDownload,
    m.createdTime,
    m.modifiedTime,
    m.exifTime,
  ];
  return JSON.stringify(fields) as PackedMedia;
}

/** The RemoteMedia that packMedia was given (equal, not the same object). */
export function unpackMedia(p: PackedMedia): RemoteMedia {
  const [
    id,
    name,
    mimeType,
    parents,
    size,
    md5,
    sha256,
    canDownload,
    createdTime,
    modifiedTime,
    exifTime,
  ] = JSON.parse(p) as Fields;
  return {
    kind: 'media',
    id,
    name,
    mimeType,
    parents,
    size,
    md5,
    sha256,
    canDownload,
    createdTime,
    modifiedTime,
    exifTime,
  };
}

/**
 * unpackMedia(p).id, without parsing the rest: the id is the first JSON string, whose text is
 * the id itself when it holds no backslash (JSON escapes `"` and `\` with one).
 */
export function packedId(p: PackedMedia): string {
  const end = p.indexOf('"', 2);
  const raw = p.slice(2, end);
  return raw.includes('\\') ? (JSON.parse(p) as Fields)[0] : raw;
}
