/**
 * An already extracted `Takeout/` folder read as if it were one archive part: every regular file
 * below it is an entry named `Takeout/…`, in sorted path order. Symbolic links and other special
 * files are never followed (problem `unsupported`): nothing outside the folder is read.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ArchiveEntry, ByteSource, EntryRead, PartReader, ReadOptions } from './types.ts';
import { isWanted } from './entry-name.ts';

interface DirFile {
  entry: ArchiveEntry;
  kind: 'file' | 'other';
  abs: string;
}

export class DirReader implements PartReader {
  readonly format = 'dir' as const;
  readonly source: ByteSource;
  /** The folder that holds `Takeout/` (entry names start with `Takeout/`). */
  readonly #base: string;
  #files: DirFile[] | null = null;

  /** `takeoutDir` is the `Takeout` folder itself. */
  constructor(takeoutDir: string, size: number) {
    this.#base = path.dirname(takeoutDir);
    this.source = {
      name: takeoutDir,
      size,
      read: () => {
        throw new Error('an extracted folder is read file by file');
      },
    };
  }

  async list(signal: AbortSignal): Promise<ArchiveEntry[]> {
    return (await this.#walk(signal)).map((f) => f.entry);
  }

  async *entries(options: ReadOptions): AsyncIterable<EntryRead> {
    for (const f of await this.#walk(options.signal)) {
      options.signal.throwIfAborted();
      if (!isWanted(f.entry, options)) {
        yield { entry: f.entry };
      } else if (f.kind === 'other') {
        yield {
          entry: f.entry,
          problem: {
            kind: 'unsupported',
            message: `${f.entry.path} is not a regular file (a link or a device): not read`,
          },
        };
      } else {
        yield {
          entry: f.entry,
          body: createReadStream(f.abs, { highWaterMark: 1 << 20, signal: options.signal }),
        };
      }
    }
  }

  async #walk(signal: AbortSignal): Promise<DirFile[]> {
    if (this.#files) return this.#files;
    const out: DirFile[] = [];
    const visit = async (abs: string): Promise<void> => {
      signal.throwIfAborted();
      const items = await fs.readdir(abs, { withFileTypes: true });
      items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const d of items) {
        const child = path.join(abs, d.name);
        if (d.isDirectory()) {
          await visit(child);
          continue;
        }
        const st = await fs.lstat(child);
        const rel = path.relative(this.#base, child).split(path.sep).join('/');
        out.push({
          abs: child,
          kind: d.isFile() ? 'file' : 'other',
          entry: {
            path: rel,
            index: out.length,
            size: st.size,
            crc32: null,
            mtime: st.mtime,
            isDirectory: false,
          },
        });
      }
    };
    await visit(path.join(this.#base, 'Takeout'));
    this.#files = out;
    return out;
  }
}
