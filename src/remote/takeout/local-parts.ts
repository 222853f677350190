/**
 * Finds Takeout exports in the places a user names (`--takeout PATH`): an archive part, a folder
 * of parts (a NAS drop folder), or an extracted `Takeout/` folder (or the folder holding it).
 * Reads only names and sizes; never opens a part.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parsePartName } from './part-name.ts';
import type { ArchiveFormat } from './types.ts';

export interface FoundPart {
  /** Absolute path of the part file, or of the extracted `Takeout` folder. */
  location: string;
  fileName: string;
  format: ArchiveFormat;
  exportId: string;
  number: number;
  /** Bytes (for a folder: of every file in it) and newest mtime: together, the part's version. */
  size: number;
  mtime: Date;
}

export interface FoundParts {
  parts: FoundPart[];
  /** One line per named path that holds no Takeout export, saying what was expected. */
  problems: string[];
}

const ARCHIVE = /\.(zip|tgz|tar\.gz)$/i;

/** Every part under `paths`, each found once (a path named twice counts once). */
export async function findParts(paths: readonly string[]): Promise<FoundParts> {
  const out: FoundParts = { parts: [], problems: [] };
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = path.resolve(p);
    const found = await partsAt(abs, out.problems);
    for (const part of found) {
      if (seen.has(part.location)) continue;
      seen.add(part.location);
      out.parts.push(part);
    }
  }
  return out;
}

async function partsAt(abs: string, problems: string[]): Promise<FoundPart[]> {
  const st = await fs.stat(abs).catch(() => null);
  if (st === null) {
    problems.push(`--takeout ${abs}: no such file or folder`);
    return [];
  }
  if (st.isFile()) {
    const part = archivePart(abs, st);
    if (part === null) {
      problems.push(
        `--takeout ${abs}: not a Takeout archive (expected a .zip, .tgz or .tar.gz part)`,
      );
    }
    return part === null ? [] : [part];
  }
  const takeoutDir = await extractedTakeout(abs);
  if (takeoutDir !== null) return [await folderPart(takeoutDir)];
  const parts: FoundPart[] = [];
  for (const name of (await fs.readdir(abs)).sort()) {
    if (parsePartName(name) === null) continue;
    const file = path.join(abs, name);
    const fst = await fs.stat(file).catch(() => null);
    const part = fst?.isFile() === true ? archivePart(file, fst) : null;
    if (part) parts.push(part);
  }
  if (parts.length === 0) {
    problems.push(
      `--takeout ${abs}: no Takeout parts (takeout-…-001.zip or .tgz) and no extracted Takeout/ folder in it`,
    );
  }
  return parts;
}

/** A part file; one that does not carry Takeout's name is an export of one part of its own. */
function archivePart(file: string, st: { size: number; mtime: Date }): FoundPart | null {
  const fileName = path.basename(file);
  const parsed = parsePartName(fileName);
  if (parsed !== null) {
    return {
      location: file,
      fileName,
      format: parsed.format,
      exportId: parsed.exportId,
      number: parsed.number,
      size: st.size,
      mtime: st.mtime,
    };
  }
  const m = ARCHIVE.exec(fileName);
  if (!m) return null;
  const format: ArchiveFormat = (m[1] ?? '').toLowerCase() === 'zip' ? 'zip' : 'tgz';
  return {
    location: file,
    fileName,
    format,
    exportId: `archive-${idOf(file)}`,
    number: 1,
    size: st.size,
    mtime: st.mtime,
  };
}

/** `abs` itself when it is a `Takeout` folder, `abs/Takeout` when that exists, else null. */
async function extractedTakeout(abs: string): Promise<string | null> {
  if (path.basename(abs) === 'Takeout') return abs;
  const inner = path.join(abs, 'Takeout');
  const st = await fs.stat(inner).catch(() => null);
  return st?.isDirectory() === true ? inner : null;
}

async function folderPart(takeoutDir: string): Promise<FoundPart> {
  let size = 0;
  let newest = 0;
  for (const f of await fs.readdir(takeoutDir, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const st = await fs.lstat(path.join(f.parentPath, f.name));
    size += st.size;
    newest = Math.max(newest, st.mtimeMs);
  }
  return {
    location: takeoutDir,
    fileName: path.basename(path.dirname(takeoutDir)) + '/Takeout',
    format: 'dir',
    exportId: `extracted-${idOf(takeoutDir)}`,
    number: 1,
    size,
    mtime: new Date(Math.floor(newest)),
  };
}

/** A short stable id for a path the user named. */
const idOf = (p: string): string => createHash('sha1').update(p).digest('hex').slice(0, 12);
