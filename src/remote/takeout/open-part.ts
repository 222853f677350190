/**
 * Picks the reader for an archive part's format. Neither reader touches the source until asked
 * to. An extracted folder (`dir`) is no archive: it has its own reader (dir-reader.ts).
 */
import { TgzReader } from './tgz-reader.ts';
import type { ArchiveFormat, ByteSource, PartReader } from './types.ts';
import { ZipReader } from './zip-reader.ts';

export function openPart(source: ByteSource, format: Exclude<ArchiveFormat, 'dir'>): PartReader {
  return format === 'zip' ? new ZipReader(source) : new TgzReader(source);
}
