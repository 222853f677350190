/**
 * `npm run demo [-- FOLDER]`: tries the whole job with no Google account. Starts the bundled
 * emulator with a sample library, runs one real pass into FOLDER (default ./demo-backup) with the
 * embedded index, runs it again (nothing to do), and prints the tree. Then generates a small
 * Google Takeout export (two zip parts, a few dozen items with the quirks real exports have: cut
 * and non-Latin names, duplicates, edited copies, motion and live photos, odd albums), reads it
 * into the same folder with a Takeout-only pass, and prints the photos/ and albums/ it made.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readlink, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { demoLibrary } from '../test/fakes/google/scenarios.ts';
import { startEmulator } from '../test/fakes/google/server.ts';
import { writeTgz, writeZip } from '../test/fakes/takeout/archive-writer.ts';
import { makeExport, writeExport } from '../test/fakes/takeout/export.ts';
import { makeLibrary, type QuirkName } from '../test/fakes/takeout/library.ts';
import { cliPath } from '../test/helpers/cli.ts';

const target = path.resolve(process.argv[2] ?? 'demo-backup');
const emu = await startEmulator({ library: demoLibrary() });
await mkdir(target, { recursive: true });

function pass(title: string, args: string[] = []): Promise<number> {
  console.log(`\n=== ${title}: gphotos-sync sync ${[target, ...args].join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(cliPath, ['sync', target, '--progress-interval', '1', ...args], {
      stdio: 'inherit',
      env: {
        ...process.env,
        PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
        METADATA_SERVER_DETECTION: 'none',
        DATABASE_URL: '',
        GPHOTOS_GOOGLE_API_URL: emu.url,
        GPHOTOS_PICASA_API_URL: emu.picasaUrl,
        GPHOTOS_OAUTH_TOKEN_URL: emu.tokenUrl,
        GPHOTOS_TOKEN: JSON.stringify(emu.defaultToken()),
      },
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function printTree(dir: string, prefix = ''): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  for (const e of entries) {
    if (!prefix && e.name === '.gphotos') continue;
    const link = e.isSymbolicLink() ? ` -> ${await readlink(path.join(dir, e.name))}` : '';
    console.log(`${prefix}${e.name}${e.isDirectory() ? '/' : ''}${link}`);
    if (e.isDirectory()) await printTree(path.join(dir, e.name), `${prefix}  `);
  }
}

/** The catalogue's cases the demo export shows; album cases bring their members. */
const SHOWN: QuirkName[] = [
  'long-title-51',
  'non-latin-cyrillic',
  'same-title',
  'no-extension',
  'slash-in-title',
  'edited-fr',
  'edited-ja',
  'motion-photo',
  'live-photo',
  'no-sidecar-name-date',
  'trashed',
  'partner-shared',
  'album-emoji-title',
  'album-untitled',
  'album-sanitized',
  'album-sidecars-only',
  'album-shared',
];

/** Writes the demo export (two zip parts) into `drop`; returns the parts' paths. */
async function writeDemoExport(drop: string): Promise<string[]> {
  const library = makeLibrary({ items: 0, albums: 0, seed: 7 });
  const keep = new Set<number>();
  for (const quirk of SHOWN) {
    for (const id of library.quirks.get(quirk) ?? []) {
      if (!quirk.startsWith('album-')) keep.add(library.items[id]!.partnerId ?? id);
      else for (const item of library.items) if (item.albums.includes(id)) keep.add(item.id);
    }
  }
  const include = (item: { id: number }) => keep.has(item.id);
  const exp = makeExport(library, {
    requestedAt: new Date('2025-07-25T03:52:35Z'),
    partCount: 2,
    format: 'zip',
    include,
  });
  const files = await writeExport(drop, exp, { writeZip, writeTgz });
  console.log(
    `\n=== a Google Takeout export of ${keep.size} items (and their edits), in ${drop}\n`,
  );
  for (const [i, f] of files.entries()) {
    const { size } = await stat(f);
    console.log(`${path.basename(f)}: ${exp.parts[i]!.paths.length} entries, ${size} bytes`);
  }
  console.log(`cases shown: ${SHOWN.join(', ')}`);
  return files;
}

/** The album folders holding links into photos/ (those a Takeout pass makes). */
async function printTakeoutAlbums(): Promise<void> {
  const albums = path.join(target, 'albums');
  console.log('albums/');
  for (const year of (await readdir(albums)).sort()) {
    for (const name of (await readdir(path.join(albums, year))).sort()) {
      const dir = path.join(albums, year, name);
      const links = await Promise.all((await readdir(dir)).map((n) => readlink(path.join(dir, n))));
      if (!links.some((l) => l.includes('/photos/'))) continue;
      console.log(`  ${year}/${name}/`);
      await printTree(dir, '    ');
    }
  }
}

async function takeoutDemo(): Promise<number> {
  const drop = await mkdtemp(path.join(os.tmpdir(), 'gphotos-demo-takeout-'));
  try {
    await writeDemoExport(drop);
    const args = ['--skip-drive', '--skip-picasa', '--takeout', drop, '--takeout-settle', '0'];
    const code = await pass('a Takeout-only pass', args);
    console.log(`\n=== what the Takeout pass made in ${target}\n`);
    console.log('photos/');
    await printTree(path.join(target, 'photos'), '  ');
    await printTakeoutAlbums();
    return code;
  } finally {
    await rm(drop, { recursive: true, force: true });
  }
}

try {
  const first = await pass('first pass');
  const second = await pass('second pass (nothing to do)');
  console.log(`\n=== the tree in ${target}\n`);
  await printTree(target);
  const takeout = await takeoutDemo();
  console.log(`\nexit codes: ${first}, ${second}, ${takeout}. Query the index with:`);
  console.log(
    `  npx gphotos-sync query ${target} "SELECT rel_path, size, state FROM media_items LIMIT 10"`,
  );
  process.exitCode = first || second || takeout;
} finally {
  await emu.close();
}
