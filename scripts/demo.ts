/**
 * `npm run demo [-- FOLDER]`: tries the whole job with no Google account. Starts the bundled
 * emulator with a sample library, runs one real pass into FOLDER (default ./demo-backup) with the
 * embedded index, runs it again (nothing to do), and prints the tree.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { demoLibrary } from '../test/fakes/google/scenarios.ts';
import { startEmulator } from '../test/fakes/google/server.ts';
import { cliPath } from '../test/helpers/cli.ts';

const target = path.resolve(process.argv[2] ?? 'demo-backup');
const emu = await startEmulator({ library: demoLibrary() });
await mkdir(target, { recursive: true });

function pass(title: string): Promise<number> {
  console.log(`\n=== ${title}: gphotos-sync sync ${target}\n`);
  return new Promise((resolve) => {
    const child = spawn(cliPath, ['sync', target, '--progress-interval', '1'], {
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

try {
  const first = await pass('first pass');
  const second = await pass('second pass (nothing to do)');
  console.log(`\n=== the tree in ${target}\n`);
  await printTree(target);
  console.log(`\nexit codes: ${first}, ${second}. Query the index with:`);
  console.log(
    `  npx gphotos-sync query ${target} "SELECT rel_path, size, state FROM media_items LIMIT 10"`,
  );
  process.exitCode = first || second;
} finally {
  await emu.close();
}
