/** Picks the reader for a part's format. Neither reader touches the source until asked to. */
import { TgzReader } from './tgz-reader.ts';
import type { ArchiveFormat, ByteSource, PartReader } from './types.ts';
import { ZipReader } from './zip-reader.ts';

export function openPart(source: ByteSource, format: ArchiveFormat): PartReader {
  return format === 'zip' ? new ZipReader(source) : new TgzReader(source);
}
