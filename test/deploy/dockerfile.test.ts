/**
 * Lint of the Dockerfile and .dockerignore. hadolint cannot be installed here (it is a Haskell
 * binary; neither Debian's archive nor npm carries it), so this test parses the Dockerfile with
 * dockerfile-ast, runs dockerfile-utils' validator (the VS Code Dockerfile linter: syntax,
 * instruction arguments, JSON forms) and checks the rules the image must follow: multi-stage,
 * one Node 24 slim base pinned by digest, production dependencies only, no npm, corepack or
 * yarn at run time, tini as PID 1, an exec-form entrypoint with the bin's node flags, a numeric
 * non-root user, OCI labels with no version written by hand, no secrets and no test files in
 * the build context.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createRequire } from 'node:module';
import type { Ignore } from '@balena/dockerignore';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { repoRoot } from '../helpers/cli.ts';

// Docker's own matching rules for .dockerignore. A CommonJS module whose types declare an ES
// default export, which TypeScript and node would read differently through `import`.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as () => Ignore;

const text = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);
const instructions = dockerfile.getInstructions();
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  devDependencies: Record<string, string>;
};

/** The instructions of each stage, FROM first. */
const stages: Instruction[][] = [];
for (const i of instructions) {
  if (i.getKeyword() === 'FROM') stages.push([]);
  stages.at(-1)?.push(i);
}
const build = stages[0] ?? [];
const deps = stages[1] ?? [];
const runtime = stages.at(-1) ?? [];
const kw = (list: Instruction[], keyword: string) => list.filter((i) => i.getKeyword() === keyword);
const argsOf = (i: Instruction) => i.getArguments().map((a) => a.getValue());
/** The shell text of a RUN without its --mount flags, continuation lines joined. */
const shellOf = (i: Instruction) =>
  i
    .getArgumentsContent()
    ?.replace(/\\\r?\n/g, ' ')
    .replace(/\s+/g, ' ')
    .trim() ?? '';
const flagsOf = (i: Instruction): Array<[string, string | null]> =>
  'getFlags' in i && typeof i.getFlags === 'function'
    ? (i.getFlags() as Array<{ getName(): string; getValue(): string | null }>).map((f) => [
        f.getName(),
        f.getValue(),
      ])
    : [];
const jsonArray = (i: Instruction): string[] => {
  const raw = i.getArgumentsContent() ?? '';
  assert.match(raw, /^\[.*\]$/s, `${i.getKeyword()} is in exec (JSON) form`);
  return JSON.parse(raw) as string[];
};

/** The bin's shebang (src/cli/main.ts): the environment it sets, then node's flags. */
function shebang(): { env: string[]; flags: string[] } {
  const first = readFileSync(path.join(repoRoot, 'src/cli/main.ts'), 'utf8').split('\n')[0] ?? '';
  const m = /^#!\/usr\/bin\/env -S((?: [A-Z_]+=\w+)*) node((?: --[\w-]+(?:=[\w.]+)?)*)$/.exec(
    first,
  );
  assert.ok(m, `shebang: ${first}`);
  const words = (s: string | undefined) => (s ?? '').trim().split(' ').filter(Boolean);
  return { env: words(m[1]), flags: words(m[2]) };
}

const shebangFlags = (): string[] => shebang().flags;

describe('Dockerfile', () => {
  it('passes the Dockerfile validator with every check an error', () => {
    const ERROR = 2; // ValidationSeverity.ERROR
    const problems = validate(text, {
      deprecatedMaintainer: ERROR,
      directiveCasing: ERROR,
      emptyContinuationLine: ERROR,
      instructionCasing: ERROR,
      instructionCmdMultiple: ERROR,
      instructionEntrypointMultiple: ERROR,
      instructionHealthcheckMultiple: ERROR,
      instructionJSONInSingleQuotes: ERROR,
      instructionWorkdirRelative: ERROR,
    });
    assert.deepEqual(
      problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`),
      [],
    );
  });

  it('has build, deps and runtime stages, all on one Node 24 slim image pinned by digest', () => {
    const froms = dockerfile.getFROMs();
    assert.deepEqual(
      froms.map((f) => f.getBuildStage()),
      ['build', 'deps', 'runtime'],
    );
    for (const f of froms) {
      assert.equal(f.getImageName(), 'node');
      const tag = f.getImageTag() ?? '';
      assert.match(tag, /^24(\.\d+){0,2}-(bookworm|trixie)-slim$/, `pinned tag, not ${tag}`);
      // The tag says what it is (and lets Dependabot find newer digests), the digest pins it.
      assert.match(f.getImageDigest() ?? '', /^sha256:[a-f0-9]{64}$/, 'pinned by digest');
    }
    const images = new Set(froms.map((f) => `${f.getImageTag()}@${f.getImageDigest()}`));
    assert.equal(images.size, 1, `one base image: ${[...images].join(', ')}`);
  });

  it('builds with dev dependencies in the build stage only', () => {
    const runs = kw(build, 'RUN').map(shellOf);
    assert.ok(
      runs.some((r) => /^npm ci\b/.test(r) && !r.includes('--omit=dev')),
      runs.join('\n'),
    );
    assert.ok(runs.includes('npm run build'), runs.join('\n'));
  });

  it('installs production dependencies only in the deps stage, without scripts', () => {
    const runs = kw(deps, 'RUN').map(shellOf);
    const ci = runs.filter((r) => /\bnpm ci\b/.test(r));
    assert.equal(ci.length, 1, runs.join('\n'));
    assert.match(ci[0] ?? '', /\bnpm ci\b(?=.*--omit=dev)(?=.*--ignore-scripts)/);
    for (const r of [...runs, ...kw(build, 'RUN').map(shellOf)]) {
      assert.doesNotMatch(r, /\bnpm (install|i)\b/, 'npm ci only: the lockfile decides');
    }
  });

  it('copies into the runtime stage only /app of the deps stage and dist/ of the build stage', () => {
    const copies = kw(runtime, 'COPY').map((c) => ({ flags: flagsOf(c), args: argsOf(c) }));
    assert.deepEqual(copies, [
      { flags: [['from', 'deps']], args: ['/app', './'] },
      { flags: [['from', 'build']], args: ['/app/dist', './dist'] },
    ]);
    const depsCopies = kw(deps, 'COPY').map((c) => ({ flags: flagsOf(c), args: argsOf(c) }));
    assert.deepEqual(depsCopies, [
      { flags: [], args: ['package.json', 'package-lock.json', './'] },
    ]);
    assert.equal(kw(instructions, 'ADD').length, 0, 'COPY, never ADD (no URLs, no tar magic)');
  });

  it('installs apt packages without recommends, from a fresh list, and removes the list', () => {
    const apt = kw(instructions, 'RUN')
      .map(shellOf)
      .filter((r) => r.includes('apt-get'));
    assert.ok(apt.length > 0);
    for (const r of apt) {
      assert.match(r, /apt-get update && apt-get install -y --no-install-recommends /);
      assert.match(r, /&& rm -rf \/var\/lib\/apt\/lists\/\*$/);
      assert.doesNotMatch(r, /apt-get (upgrade|dist-upgrade)/);
    }
    assert.ok(
      apt.some((r) => /install -y --no-install-recommends tini\b/.test(r)),
      'tini',
    );
  });

  it('removes npm, npx, corepack and yarn from the runtime stage, and runs none of them', () => {
    const runs = kw(runtime, 'RUN').map(shellOf);
    const removed = runs.join(' ');
    for (const p of [
      '/usr/local/lib/node_modules/npm',
      '/usr/local/lib/node_modules/corepack',
      '/opt/yarn-v*',
      '/usr/local/bin/npm',
      '/usr/local/bin/npx',
      '/usr/local/bin/corepack',
      '/usr/local/bin/yarn',
      '/usr/local/bin/yarnpkg',
    ]) {
      assert.ok(
        runs.some((r) => /^rm -rf? /.test(r) || r.includes('&& rm -f ')) && removed.includes(p),
        `${p} is removed`,
      );
    }
    for (const r of runs)
      assert.doesNotMatch(r, /\b(npm|npx|corepack|yarn) (ci|install|i|run|exec)\b/);
  });

  it('runs as UID 1000 (numeric, not root) from before the entrypoint on', () => {
    const users = kw(runtime, 'USER');
    assert.equal(users.length, 1);
    const user = users[0] as Instruction;
    assert.match(argsOf(user)[0] ?? '', /^1000(:1000)?$/);
    const entrypoint = kw(runtime, 'ENTRYPOINT')[0];
    assert.ok(entrypoint && runtime.indexOf(user) < runtime.indexOf(entrypoint));
    // One USER, so whatever runs after it runs as 1000: only the compile cache's fill (below).
    assert.deepEqual(
      runtime
        .slice(runtime.indexOf(user))
        .filter((i) => i.getKeyword() === 'RUN')
        .map((i) => jsonArray(i).slice(-2)),
      [['/app/dist/cli/main.js', '--version']],
    );
  });

  it('has tini as PID 1, then node with the bin shebang flags, then gphotos-sync; `sync /data`', () => {
    const [entrypoint, ...moreEntrypoints] = kw(instructions, 'ENTRYPOINT');
    const [cmd, ...moreCmds] = kw(instructions, 'CMD');
    assert.ok(entrypoint && cmd && !moreEntrypoints.length && !moreCmds.length);
    const ep = jsonArray(entrypoint);
    assert.deepEqual(ep.slice(0, 3), ['/usr/bin/tini', '--', 'node']);
    assert.deepEqual(ep.slice(3, -1), shebangFlags());
    assert.equal(ep.at(-1), '/app/dist/cli/main.js');
    assert.deepEqual(jsonArray(cmd), ['sync', '/data']);
    const workdir = kw(runtime, 'WORKDIR').map((w) => argsOf(w)[0]);
    assert.deepEqual(workdir, ['/app']);
    // gphotos-sync is also on PATH, for `docker exec` and `kubectl exec`.
    assert.ok(
      kw(runtime, 'RUN').some((r) =>
        shellOf(r).includes('ln -s /app/dist/cli/main.js /usr/local/bin/gphotos-sync'),
      ),
    );
  });

  it('fills the compile cache as the runtime user, with the entrypoint node flags', () => {
    const runtimeLines = runtime.map((i) => i.getKeyword());
    const user = runtimeLines.indexOf('USER');
    const runs = kw(runtime, 'RUN');
    const fill = runs.find((r) => (r.getArgumentsContent() ?? '').includes('--version'));
    assert.ok(fill, 'a RUN of the bin with --version');
    assert.ok(runtime.indexOf(fill) > user, 'after USER: node names its cache by user id');
    assert.deepEqual(jsonArray(fill), [
      'node',
      ...shebangFlags(),
      '/app/dist/cli/main.js',
      '--version',
    ]);
    const dir = '/app/node_modules/.cache/gphotos-sync';
    assert.ok(
      runs.some((r) => {
        const sh = shellOf(r);
        return (
          runtime.indexOf(r) < user &&
          sh.includes(`mkdir -p`) &&
          sh.includes(dir) &&
          new RegExp(`chown 1000:1000 [^&]*${dir.replaceAll('.', '\\.')}`).test(sh)
        );
      }),
      `${dir} is made and given to the runtime user before USER`,
    );
    const main = readFileSync(path.join(repoRoot, 'src/cli/main.ts'), 'utf8');
    assert.match(
      main,
      /enableCompileCache\(join\(packageRoot, 'node_modules', '\.cache', 'gphotos-sync'\)\)/,
    );
  });

  it('declares the /data volume, GPHOTOS_ROOT, the shebang environment, and no HEALTHCHECK (a batch job)', () => {
    assert.deepEqual(kw(runtime, 'VOLUME').map(argsOf), [['/data']]);
    const env = new Map(
      kw(runtime, 'ENV').flatMap((e) =>
        ('getProperties' in e && typeof e.getProperties === 'function'
          ? (e.getProperties() as Array<{ getName(): string; getValue(): string | null }>)
          : []
        ).map((p) => [p.getName(), p.getValue()] as const),
      ),
    );
    assert.equal(env.get('GPHOTOS_ROOT'), '/data');
    assert.equal(env.get('NODE_ENV'), 'production');
    // The environment the bin's shebang sets, for the entrypoint's node (which has no shebang).
    const fromShebang = shebang().env;
    assert.ok(fromShebang.length > 0, 'the shebang sets MALLOC_ARENA_MAX');
    for (const assignment of fromShebang) {
      const [name = '', value] = assignment.split('=');
      assert.equal(env.get(name), value, `ENV ${name} as in the shebang`);
    }
    assert.deepEqual(kw(instructions, 'HEALTHCHECK').map(argsOf), [['NONE']]);
    assert.match(text, /# No HEALTHCHECK: this is a batch job/);
  });

  it('carries the OCI labels, its license that of package.json, no version by hand', () => {
    const labels = new Map<string, string>();
    for (const l of kw(runtime, 'LABEL')) {
      if (!('getProperties' in l) || typeof l.getProperties !== 'function') continue;
      for (const p of l.getProperties() as Array<{ getName(): string; getValue(): string }>) {
        labels.set(p.getName(), p.getValue());
      }
    }
    for (const k of [
      'title',
      'description',
      'version',
      'revision',
      'created',
      'source',
      'licenses',
    ]) {
      assert.ok(labels.has(`org.opencontainers.image.${k}`), `label ${k}`);
    }
    assert.equal(labels.get('org.opencontainers.image.licenses'), pkg.license);
    assert.equal(labels.get('org.opencontainers.image.version'), '${VERSION}');
    // The version comes from package.json through --build-arg (the release workflow): none is
    // written here, where it would go stale.
    const version = kw(runtime, 'ARG')
      .map(argsOf)
      .find((a) => a[0]?.startsWith('VERSION'));
    assert.deepEqual(version, ['VERSION=unknown']);
    assert.ok(!text.includes(pkg.version.replace(/^/, 'VERSION=')), 'no hand-written version');
  });

  it('holds no secret: no ARG or ENV that looks like one', () => {
    for (const i of [...kw(instructions, 'ARG'), ...kw(instructions, 'ENV')]) {
      assert.doesNotMatch(
        i.getArgumentsContent() ?? '',
        /TOKEN|SECRET|PASSWORD|DATABASE_URL|CREDENTIAL/i,
        'secrets come at run time (a file, an env var, Secret Manager), never at build time',
      );
    }
  });
});

describe('.dockerignore', () => {
  const ig = dockerignore().add(readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8'));
  const files = (dir: string): string[] =>
    readdirSync(path.join(repoRoot, dir)).flatMap((f) => {
      const rel = path.posix.join(dir, f);
      return statSync(path.join(repoRoot, rel)).isDirectory() ? files(rel) : [rel];
    });

  it('lets in every file the Dockerfile copies from the context', () => {
    const sources = kw(instructions, 'COPY')
      .filter((c) => flagsOf(c).length === 0)
      .flatMap((c) => argsOf(c).slice(0, -1));
    assert.ok(sources.length > 0);
    for (const s of sources) {
      const list = s.endsWith('/') ? files(s.replace(/\/$/, '')) : [s];
      assert.ok(list.length > 0, s);
      for (const f of list) assert.equal(ig.ignores(f), false, `${f} reaches the build`);
    }
  });

  it('keeps out dependencies, git, tests, local data and anything like a token', () => {
    const out = [
      'node_modules/typescript/package.json',
      'src/node_modules/x.js',
      '.git/HEAD',
      'dist/cli/main.js',
      'test/unit/config.test.ts',
      'test/fakes/google/server.ts',
      'bench/bench.ts',
      'scripts/demo.ts',
      'src/cli/main.test.ts',
      'token.json',
      'my-token.json',
      'src/secrets/token.json',
      'client_secret.json',
      'client_secret_123-abc.apps.googleusercontent.com.json',
      'application_default_credentials.json',
      '.env',
      'src/.env.production',
      '.npmrc',
      'key.pem',
      'demo-backup/drive/a.jpg',
      'data/drive/a.jpg',
      '.gphotos/index/PG_VERSION',
      'bench/out/result.json',
      'k8s/40-cronjob.yaml',
      'helm/gphotos-sync/values.yaml',
      'npm-debug.log',
    ];
    assert.deepEqual(
      out.filter((f) => !ig.ignores(f)),
      [],
    );
  });
});
