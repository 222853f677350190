/**
 * Reads a .tgz part in place as one stream: source -> zlib gunzip -> tar-stream extract (which
 * handles ustar, pax and GNU long names). Entries come in stream order; unwanted ones are
 * drained, as a tar can only be read through. A tar declares no checksum of its bytes, so a body
 * checks its length only; the gzip trailer (CRC-32 and length of the whole stream) is checked by
 * zlib at the end of the part. A cut stream or a bad trailer throws a PartError, from the body
 * being read or from the iteration; every body that ended before it was whole.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { readAbortably } from './byte-source.ts';
import { checkEntryName, isWanted } from './entry-name.ts';
import type {
  ArchiveEntry,
  ByteSource,
  EntryProblem,
  EntryProblemKind,
  EntryRead,
  PartReader,
  ReadOptions,
} from './types.ts';
import { EntryError, PartError } from './types.ts';

type Chunks = AsyncIterator<Buffer>;
/** Gunzip output chunk: 16 times zlib's default, for 16 times fewer thread pool round trips. */
const GUNZIP_CHUNK = 256 * 1024;

export class TgzReader implements PartReader {
  readonly format = 'tgz' as const;
  readonly source: ByteSource;

  constructor(source: ByteSource) {
    this.source = source;
  }

  /** A tgz has no directory: its entries are known only by streaming it. */
  async list(): Promise<null> {
    return null;
  }

  /**
   * Every entry in stream order: passed-over ones (`fromIndex`, `want`) bare, wanted files with
   * a body, directories bare with `isDirectory`, links and devices with an `unsupported` problem.
   * A body left unfinished when the next entry is asked for is drained.
   */
  async *entries(options: ReadOptions): AsyncGenerator<EntryRead> {
    const { signal } = options;
    signal.throwIfAborted();
    const guard = guardFor(this.source.name, signal);
    const tarStream = openTarStream(this.source, signal);
    try {
      for (let index = 0; ; index++) {
        const next = await guard(tarStream.entries.next());
        if (next.done === true) break;
        const chunks = next.value[Symbol.asyncIterator]() as Chunks;
        const entry = toEntry(next.value.header, index);
        const verdict = judge(entry, next.value.header.type, options, this.source.name);
        if (verdict === 'body') {
          const body = tarBody(chunks, entry, this.source.name, guard);
          yield { entry, body };
          await body.return(undefined);
        } else {
          yield verdict === 'bare' ? { entry } : { entry, problem: verdict };
        }
        while ((await guard(chunks.next())).done !== true);
      }
    } finally {
      tarStream.close();
    }
  }
}

/** source -> gunzip -> extract, errors passed down the chain, abort destroying it all. */
function openTarStream(source: ByteSource, signal: AbortSignal) {
  const input = Readable.from(readAbortably(source, 0, undefined, signal), { highWaterMark: 1 });
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
  const extract = tar.extract();
  input.on('error', (error) => gunzip.destroy(error));
  gunzip.on('error', (error) => extract.destroy(error));
  input.pipe(gunzip).pipe(extract);
  const onAbort = () => input.destroy(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    entries: extract[Symbol.asyncIterator](),
    close() {
      signal.removeEventListener('abort', onAbort);
      input.destroy();
      gunzip.destroy();
      extract.destroy();
    },
  };
}

function toEntry(header: tar.Header, index: number): ArchiveEntry {
  return {
    path: header.name,
    index,
    size: header.size ?? 0,
    crc32: null,
    mtime: header.mtime ?? null,
    isDirectory: header.type === 'directory',
  };
}

/** What to hand out for an entry: its bytes, nothing (passed over, a directory), or a problem. */
function judge(
  entry: ArchiveEntry,
  type: tar.Header['type'] | undefined,
  options: ReadOptions,
  part: string,
): 'body' | 'bare' | EntryProblem {
  if (!isWanted(entry, options)) return 'bare';
  const name = checkEntryName(entry.path);
  const refuse = (kind: EntryProblemKind, what: string): EntryProblem => ({
    kind,
    message: `${part}: ${what}; it was not read`,
  });
  if (!name.ok) return refuse('unsafe-name', name.problem.message);
  if (entry.isDirectory) return 'bare';
  if (type !== 'file' && type !== 'contiguous-file') {
    return refuse('unsupported', `${entry.path} is a ${type ?? 'special entry'}, not a file`);
  }
  return 'body';
}

/** The entry's bytes; its length must be the header's. Stopping early leaves `chunks` open. */
async function* tarBody(
  chunks: Chunks,
  entry: ArchiveEntry,
  part: string,
  guard: Guard,
): AsyncGenerator<Buffer> {
  let length = 0;
  for (
    let next = await guard(chunks.next());
    next.done !== true;
    next = await guard(chunks.next())
  ) {
    length += next.value.length;
    yield next.value;
  }
  if (length !== entry.size) {
    const message = `${part}: ${entry.path} holds ${length} bytes where the tar declares ${entry.size}`;
    throw new EntryError(entry.path, { kind: 'size', message });
  }
}

type Guard = <T>(step: Promise<T>) => Promise<T>;

/** Errors of the stream become the signal's reason when aborted, else a PartError. */
function guardFor(part: string, signal: AbortSignal): Guard {
  return async (step) => {
    try {
      return await step;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof PartError) throw error;
      const message = `${part} is truncated or corrupt: ${error instanceof Error ? error.message : String(error)}`;
      throw new PartError(part, message, { cause: error });
    }
  };
}
