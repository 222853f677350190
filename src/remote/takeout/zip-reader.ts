/**
 * Reads a zip part in place. `list()` reads the central directory from the part's tail;
 * `entries()` then streams the entry data in file order as one long read (see ByteCursor), so
 * the same code reads a local file or, later, a Drive file over HTTP Range requests. That single
 * ranged stream is why there is no zip library here: yauzl and the like open one random-access
 * read per entry, and none checks every entry's CRC-32, which this reader does.
 */
import { isWanted } from './entry-name.ts';
import type { ArchiveEntry, ByteSource, EntryRead, PartReader, ReadOptions } from './types.ts';
import { ByteCursor } from './zip-cursor.ts';
import { readDirectory, type ZipDirectory } from './zip-directory.ts';
import { openZipEntry, type ZipPart } from './zip-entry.ts';

export class ZipReader implements PartReader {
  readonly format = 'zip' as const;
  readonly source: ByteSource;
  #directory: ZipDirectory | null = null;

  constructor(source: ByteSource) {
    this.source = source;
  }

  /** The entries in file order. The directory is read once and kept (~140 bytes an entry) until entries() reads the part. */
  async list(signal: AbortSignal): Promise<ArchiveEntry[]> {
    const directory = await this.#readDirectory(signal);
    return Array.from({ length: directory.count }, (_, i) => directory.item(i).entry);
  }

  /**
   * Every entry in file order: passed-over ones (`fromIndex`, `want`) bare, wanted ones with a
   * body or a problem. A body left unfinished when the next entry is asked for is closed and
   * its remaining bytes skipped. After a body throws an EntryError the next entry is found by
   * its central directory offset, so one damaged entry costs only itself.
   */
  async *entries(options: ReadOptions): AsyncGenerator<EntryRead> {
    const { signal } = options;
    const directory = await this.#readDirectory(signal);
    // The directory of a large part is big (~140 bytes an entry, 300,000 entries in a 100,000-
    // photo export): handed over to this read, which lets go of each entry's name once it is
    // passed, so it shrinks as the part is read. A later list() or entries() reads it again.
    this.#directory = null;
    const part: ZipPart = {
      name: this.source.name,
      cursor: new ByteCursor(this.source, directory.dataEnd, signal),
      dataEnd: directory.dataEnd,
    };
    let readFrom = 0;
    try {
      for (let i = 0; i < directory.count; i++) {
        const item = directory.item(i);
        directory.release(i);
        signal.throwIfAborted();
        if (!isWanted(item.entry, options)) {
          yield { entry: item.entry };
          continue;
        }
        const { read, end } = await openZipEntry(item, part, readFrom);
        readFrom = end ?? readFrom;
        yield read;
        await read.body?.[Symbol.asyncIterator]().return?.();
      }
    } finally {
      await part.cursor.close();
    }
  }

  async #readDirectory(signal: AbortSignal): Promise<ZipDirectory> {
    this.#directory ??= await readDirectory(this.source, signal);
    return this.#directory;
  }
}
