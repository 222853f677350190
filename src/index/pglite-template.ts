/**
 * A fresh PGlite data dir, made once at build time and unpacked where a new embedded index is
 * wanted, instead of running initdb (and the migrations: embedded-db.ts) on the user's machine.
 *
 * Why: initdb inside PGlite is the most expensive thing a first pass does before it lists
 * anything. Measured on the 2-core machine (node --liftoff-only): the init child took 5 CPU s
 * and 505 MB peak RSS; unpacking this 4.4 MB template takes 0.6-1.0 CPU s, and the first pass's
 * peak is then the main process's own. The dir is packed after PGlite closed it, so its first
 * open needs no crash recovery (PGlite's dumpDataDir of a running instance does: 1.7 CPU s).
 *
 * Contract:
 * - `npm run build` writes the template (`pglite-init.js --template`) to templateFile(); it is
 *   named by a key of the PGlite version and `keyParts` (the initdb settings and the schema's
 *   migrations), so a template made by another PGlite, other settings or another list of
 *   migrations is never used: that name is simply absent.
 * - unpackTemplate() writes only below `dir`, refuses any entry that would land elsewhere or is
 *   neither a file nor a folder, and throws on a damaged archive. It does not make the dir
 *   appear atomically: the caller unpacks under a temporary name and renames.
 * - Without a template (sources run as they are, a damaged or foreign template) the caller falls
 *   back to initdb: the template only saves time.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';

/** Bumped when what the template holds, or how it is packed, changes. */
const FORMAT = 'closed-dir-2';
const TEMPLATE_PREFIX = 'pglite-template-';

/** The package root: this file is `src/index/` (sources) or `dist/index/` (built) below it. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  // .../@electric-sql/pglite/dist/index.cjs: the package's own package.json is one level up.
  const manifest = join(dirname(entry), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * Where the build puts the template made with `keyParts`. Sources run by the tests find the
 * built one too (both resolve from the package root).
 */
export function templateFile(keyParts: readonly string[]): string {
  const key = createHash('sha256')
    .update([FORMAT, pgliteVersion(), ...keyParts].join('\u0000'))
    .digest('hex')
    .slice(0, 12);
  return join(packageRoot, 'dist', `${TEMPLATE_PREFIX}${key}.tar.gz`);
}

export function hasTemplate(file: string): boolean {
  return existsSync(file);
}

/** Removes the templates beside `file` made for other keys (and their digests): one build, one. */
export async function removeOtherTemplates(file: string): Promise<void> {
  const names = await readdir(dirname(file)).catch(() => [] as string[]);
  const own = basename(file);
  const others = names.filter((n) => n.startsWith(TEMPLATE_PREFIX) && !n.startsWith(own));
  await Promise.all(others.map((n) => rm(join(dirname(file), n), { force: true })));
}

/**
 * `name` of a template entry (PGlite writes `/PG_VERSION`, `/base/1/112`...) as a path below
 * `dir`; throws for one that climbs out.
 */
export function entryPath(dir: string, name: string): string {
  const rel = name.replace(/^\/+/, '');
  const parts = rel.split('/');
  if (rel === '' || parts.some((p) => p === '..' || p === '.' || p === '')) {
    throw new Error(`template entry "${name}" is not a plain relative path`);
  }
  const out = resolve(dir, ...parts);
  if (!out.startsWith(resolve(dir) + sep)) throw new Error(`template entry "${name}" escapes`);
  return out;
}

/**
 * Packs the closed data dir `dir` into the gzipped tar `file`: its folders and regular files, by
 * names relative to it. A dir PGlite closed (a clean shutdown) opens without crash recovery,
 * which a dump of a running instance (PGlite's dumpDataDir) would need on every first open.
 */
export async function packTemplate(dir: string, file: string): Promise<void> {
  const pack = tar.pack();
  const writing = pipeline(pack, createGzip(), createWriteStream(file, { mode: 0o644 }));
  try {
    await packFolder(pack, dir, '');
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    writing.catch(() => undefined);
    throw err;
  }
  await writing;
}

async function packFolder(pack: tar.Pack, dir: string, rel: string): Promise<void> {
  const entries = await readdir(join(dir, rel), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const name = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      pack.entry({ name, type: 'directory' });
      await packFolder(pack, dir, name);
    } else if (e.isFile() && e.name !== 'postmaster.pid') {
      pack.entry({ name, type: 'file' }, await readFile(join(dir, name)));
    }
  }
}

/** Unpacks the gzipped tar `file` into `dir` (created), files private to this user. */
export async function unpackTemplate(file: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const extract = tar.extract();
  const reading = pipeline(createReadStream(file), createGunzip(), extract);
  try {
    await unpackEntries(extract, dir);
  } catch (err) {
    reading.catch(() => undefined); // the same failure, or the abort of leaving the loop early
    throw err;
  }
  await reading;
}

async function unpackEntries(extract: tar.Extract, dir: string): Promise<void> {
  // A data dir is about 1,000 small files: one write each, and each folder made once.
  const made = new Set<string>([resolve(dir)]);
  const folder = async (path: string): Promise<void> => {
    if (made.has(path)) return;
    await mkdir(path, { recursive: true, mode: 0o700 });
    made.add(path);
  };
  for await (const entry of extract) {
    const { name, type } = entry.header;
    const target = entryPath(dir, name);
    if (type === 'directory') {
      await folder(target);
      entry.resume();
    } else if (type === 'file') {
      await folder(dirname(target));
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      await writeFile(target, Buffer.concat(chunks), { mode: 0o600 });
    } else {
      throw new Error(`template entry "${name}" is a ${type}, not a file or folder`);
    }
  }
}
