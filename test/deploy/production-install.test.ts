/**
 * The runtime stage of the Dockerfile, rebuilt without Docker: what the deps stage copies
 * (package.json, package-lock.json) and its `npm ci` command line, in a scratch folder standing
 * for /app (the runtime stage copies that /app whole), dist/ from the build, then the image's
 * entrypoint and default command with /app and /data
 * mapped to temp folders. Proves that the production dependencies alone run the job: `--help`,
 * and one pass against the emulator (server Postgres when TEST_DATABASE_URL is set, else the
 * embedded index). dist/ must be built first (`npm test` does it).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { LibraryBuilder } from '../fakes/google/library.ts';
import { startEmulator, type Emulator } from '../fakes/google/server.ts';
import { collect, emulatorEnv, repoRoot, type RunResult } from '../helpers/cli.ts';
import { freshDatabaseUrl } from '../helpers/db.ts';
import { readTree } from '../helpers/tree.ts';

const dockerfile = DockerfileParser.parse(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'));
const all = dockerfile.getInstructions();
const froms = all.filter((i) => i.getKeyword() === 'FROM');
const runtime = all.slice(all.indexOf(froms.at(-1) as Instruction));
/** The stage that installs the production dependencies, whose /app the runtime stage copies. */
const stageOf = (name: string) => {
  const from = froms.find((f) => f.getArgumentsContent()?.endsWith(` AS ${name}`));
  assert.ok(from, `a stage named ${name}`);
  const start = all.indexOf(from);
  const next = froms.find((f) => all.indexOf(f) > start);
  return all.slice(start, next ? all.indexOf(next) : undefined);
};
const deps = stageOf('deps');
const of = (keyword: string) => runtime.filter((i) => i.getKeyword() === keyword);
const depsOf = (keyword: string) => deps.filter((i) => i.getKeyword() === keyword);
const json = (i: Instruction | undefined) =>
  JSON.parse(i?.getArgumentsContent() ?? '[]') as string[];
const hasFlags = (i: Instruction) =>
  'getFlags' in i && typeof i.getFlags === 'function' && (i.getFlags() as unknown[]).length > 0;

/** The `npm ci ...` of the deps stage, as argv after `npm`. */
function npmCiArgs(): string[] {
  const runs = depsOf('RUN').map((r) => (r.getArgumentsContent() ?? '').replace(/\\\r?\n/g, ' '));
  const cmd = runs
    .flatMap((r) => r.split('&&'))
    .map((s) => s.trim())
    .filter((s) => s.startsWith('npm ci'));
  assert.equal(cmd.length, 1, `one npm ci in the deps stage: ${runs.join(' | ')}`);
  return (cmd[0] as string).split(/\s+/).slice(1);
}

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }>;
};

/** `vars` without unset ones, with this node first on PATH. */
function childEnv(vars: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) env[k] = v;
  env.PATH = `${path.dirname(process.execPath)}:${env.PATH ?? ''}`;
  return env;
}

/** This process's environment without the variables `npm test` sets for its scripts. */
function cleanEnv(): Record<string, string> {
  return childEnv(
    Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
  );
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 }, (err, so, se) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: so + se }),
    );
  });
}

/** Every path under `dir` with its size and mtime, sorted. */
/**
 * node's compile cache (src/cli/main.ts): the one folder of the install a pass writes to, when it
 * may (the image gives it to the runtime user; Kubernetes mounts the root file system read-only,
 * and then node only reads it).
 */
const compileCache = path.join('node_modules', '.cache', 'gphotos-sync');

/** Every path below `dir` but the compile cache, with its size and mtime. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const rel of await readdir(dir, { recursive: true })) {
    if (rel === compileCache || rel.startsWith(compileCache + path.sep)) continue;
    const st = await lstat(path.join(dir, rel));
    out.push(`${rel} ${st.size} ${st.mtimeMs}`);
  }
  return out.sort();
}

describe('production install: the runtime stage without Docker', () => {
  let scratch: string;
  let app: string; // stands for /app
  let data: string; // stands for /data
  let binDir: string; // stands for /usr/local/bin
  let emu: Emulator | undefined;
  let db: { url: string; drop(): Promise<void> } | null = null;
  /** The image's ENTRYPOINT without tini, /app mapped. */
  let entrypoint: string[];

  const mapPaths = (s: string) => s.replace(/^\/app(?=\/|$)/, app).replace(/^\/data(?=\/|$)/, data);

  before(
    async () => {
      assert.ok(
        existsSync(path.join(repoRoot, 'dist/cli/main.js')),
        'dist/ is missing: run `npm run build` first (npm test does)',
      );
      scratch = await mkdtemp(path.join(os.tmpdir(), 'gphotos-prod-'));
      app = path.join(scratch, 'app');
      data = path.join(scratch, 'data');
      binDir = path.join(scratch, 'bin');
      await Promise.all([mkdir(app), mkdir(data), mkdir(binDir)]);
      // The deps stage: COPY <manifests> ./ (the context), as the Dockerfile lists them; the
      // runtime stage copies its /app as a whole.
      assert.ok(
        of('COPY').some((c) => c.getTextContent() === 'COPY --from=deps /app ./'),
        'the runtime stage copies the deps stage /app',
      );
      for (const c of depsOf('COPY').filter((i) => !hasFlags(i))) {
        const args = c.getArguments().map((a) => a.getValue());
        assert.equal(args.at(-1), './');
        for (const src of args.slice(0, -1)) {
          await cp(path.join(repoRoot, src), path.join(app, src), { recursive: true });
        }
      }
      const r = await run('npm', [...npmCiArgs(), '--prefer-offline'], app);
      assert.equal(r.code, 0, r.out);
      // COPY --from=build /app/dist ./dist: the build stage's output is this repo's dist/.
      await cp(path.join(repoRoot, 'dist'), path.join(app, 'dist'), { recursive: true });
      await symlink(path.join(app, 'dist/cli/main.js'), path.join(binDir, 'gphotos-sync'));
      const ep = json(of('ENTRYPOINT')[0]);
      assert.deepEqual(ep.slice(0, 2), ['/usr/bin/tini', '--']);
      entrypoint = ep.slice(2).map(mapPaths);
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await emu?.close();
    await db?.drop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** Runs the image's entrypoint with `args` (default: the image's CMD), env as in the image. */
  function runImage(args: string[], env: Record<string, string | undefined>): Promise<RunResult> {
    const imageEnv: Record<string, string> = {};
    for (const e of of('ENV')) {
      const props =
        'getProperties' in e && typeof e.getProperties === 'function'
          ? (e.getProperties() as Array<{ getName(): string; getValue(): string | null }>)
          : [];
      for (const p of props) imageEnv[p.getName()] = mapPaths(p.getValue() ?? '');
    }
    const [node, ...nodeArgs] = entrypoint;
    assert.equal(node, 'node');
    const child = spawn(process.execPath, [...nodeArgs, ...args], {
      cwd: app,
      env: childEnv({ ...imageEnv, ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return collect(child);
  }

  it('installs no dev dependency and every production one', async () => {
    const installed = (p: string) => existsSync(path.join(app, p));
    // A dev dependency may also be a production one's dependency (@types/node is one of
    // protobufjs'): the lockfile then does not mark it dev, and it is installed.
    for (const name of Object.keys(pkg.devDependencies)) {
      if (!lock.packages[`node_modules/${name}`]?.dev) continue;
      assert.ok(!installed(`node_modules/${name}`), `dev dependency ${name} is installed`);
    }
    for (const name of ['typescript', 'eslint', 'prettier', 'typescript-eslint']) {
      assert.ok(!installed(`node_modules/${name}`), `${name} is installed`);
    }
    for (const name of Object.keys(pkg.dependencies)) {
      assert.ok(installed(`node_modules/${name}`), `dependency ${name} is missing`);
    }
    for (const [p, meta] of Object.entries(lock.packages)) {
      if (p && meta.dev) assert.ok(!installed(p), `${p} (dev only) is installed`);
      if (p && !meta.dev && !meta.optional && !meta.devOptional) {
        assert.ok(installed(p), `${p} is missing`);
      }
    }
    for (const tool of ['tsc', 'eslint', 'prettier']) {
      assert.ok(!installed(`node_modules/.bin/${tool}`), tool);
    }
  });

  it('holds only the manifests, dist/ and node_modules/: no sources, tests or secrets', async () => {
    assert.deepEqual((await readdir(app)).sort(), [
      'dist',
      'node_modules',
      'package-lock.json',
      'package.json',
    ]);
    const dist = await readdir(path.join(app, 'dist'), { recursive: true });
    assert.ok(dist.includes('cli/main.js'));
    assert.deepEqual(
      dist.filter((f) => /\.test\.|\.ts$|token.*\.json$/.test(f)),
      [],
    );
  });

  it('gphotos-sync --help exits 0, through the entrypoint and through the bin on PATH', async () => {
    const viaEntrypoint = await runImage(['--help'], { PATH: process.env.PATH });
    assert.equal(viaEntrypoint.code, 0, viaEntrypoint.stderr);
    assert.match(viaEntrypoint.stdout + viaEntrypoint.stderr, /\bsync\b/);
    const viaBin = await collect(
      spawn(path.join(binDir, 'gphotos-sync'), ['--help'], {
        cwd: app,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    assert.equal(viaBin.code, 0, viaBin.stderr);
    assert.equal(viaBin.stdout, viaEntrypoint.stdout);
  });

  it(
    'runs the default command (`sync /data`) against the emulator and fills the tree',
    { timeout: 300_000 },
    async () => {
      const b = new LibraryBuilder();
      const gp = b.folder('Google Photos');
      const y2019 = b.folder('2019', gp);
      b.photo('IMG_0001.jpg', y2019, { takenTime: '2019:07:14 10:00:00' });
      b.photo('IMG_0002.jpg', y2019, { takenTime: '2019:07:15 11:30:00' });
      b.video('VID_0003.mp4', gp, { createdTime: '2020-01-02T03:04:05.000Z' });
      emu = await startEmulator({ library: b.build() });
      db = process.env.TEST_DATABASE_URL ? await freshDatabaseUrl() : null;
      const cmd = json(of('CMD')[0]).map(mapPaths);
      assert.deepEqual(cmd, ['sync', data]);
      // In Kubernetes the root file system is read-only but for /data and /tmp: the pass must
      // write nothing into /app nor into HOME.
      const home = path.join(scratch, 'home');
      const tmp = path.join(scratch, 'tmp');
      await Promise.all([mkdir(home), mkdir(tmp)]);
      const appBefore = await snapshot(app);
      const env = emulatorEnv(emu, {
        DATABASE_URL: db?.url,
        GPHOTOS_PICASA_API_URL: emu.picasaUrl,
        HOME: home,
        TMPDIR: tmp,
      });
      const r = await runImage(cmd, env);
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
      assert.equal(r.summary?.downloaded, 3);
      assert.deepEqual([...(await readTree(data)).keys()].sort(), [
        'drive/Google Photos/2019/IMG_0001.jpg',
        'drive/Google Photos/2019/IMG_0002.jpg',
        'drive/Google Photos/VID_0003.mp4',
      ]);
      // Without DATABASE_URL the index is embedded in /data/.gphotos/, as the README says.
      assert.equal(existsSync(path.join(data, '.gphotos')), db === null);
      assert.deepEqual(await snapshot(app), appBefore, 'the pass wrote into /app');
      assert.ok((await readdir(path.join(app, compileCache))).length > 0, 'the compile cache');
      assert.deepEqual(await readdir(home), [], 'the pass wrote into HOME');
    },
  );
});
