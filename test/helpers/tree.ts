/** Reads a backup tree for assertions: every file (not under .gphotos) with size, md5 and mtime. */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export interface TreeFile {
  size: number;
  md5: string;
  mtimeMs: number;
}

export async function readTree(
  root: string,
  opts: { skip?: string[] } = {},
): Promise<Map<string, TreeFile>> {
  const skip = new Set(opts.skip ?? ['.gphotos']);
  const out = new Map<string, TreeFile>();
  async function walk(dir: string, rel: string): Promise<void> {
    for (const ent of await readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (!rel && skip.has(ent.name)) continue;
      const full = path.join(dir, ent.name);
      if (ent.isDirectory()) await walk(full, r);
      else {
        const st = await stat(full);
        const md5 = createHash('md5')
          .update(await readFile(full))
          .digest('hex');
        out.set(r, { size: st.size, md5, mtimeMs: st.mtimeMs });
      }
    }
  }
  await walk(root, '');
  return out;
}
