/**
 * compose.yaml, the NAS route, without a Docker engine: valid against the Compose
 * specification's JSON schema (the copy dclint ships, checked with ajv) and clean of dclint's
 * errors; both services run as the share owner's PUID:PGID (never 1000 or root), sync has a stop
 * grace period of at least 60 s, no restart loop, the backup volume and a memory limit; and the
 * steps of its header, followed literally, work: `auth` with its command line and mounts writes
 * config/token.json, and `sync` with its own reads that file and runs a pass into BACKUP_DIR
 * (the built CLI against the Google emulator; container paths mapped to the folders the
 * volumes name).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { demoLibrary } from '../fakes/google/scenarios.ts';
import { startEmulator, type Emulator } from '../fakes/google/server.ts';
import { authEnv, consent, startAuth, writeClientSecret } from '../helpers/auth.ts';
import { emulatorEnv, repoRoot, runCli } from '../helpers/cli.ts';
import type { K8sObject } from './k8s.ts';

const composeText = readFileSync(path.join(repoRoot, 'compose.yaml'), 'utf8');
/** The file as Compose reads it: YAML merge keys (<<) resolved, variables not yet. */
const raw = parse(composeText, { merge: true }) as K8sObject;
const envExample = Object.fromEntries(
  readFileSync(path.join(repoRoot, 'compose.env.example'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
};

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error} (an unset VAR throws). */
function interpolate(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op, arg: string) => {
      const v = vars[name];
      if (v !== undefined && v !== '') return v;
      if (op === '-') return arg;
      if (op === '?') throw new Error(`${name}: ${arg}`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, vars));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, vars)]));
  }
  return value;
}

const compose = interpolate(raw, envExample) as K8sObject;
const { sync, auth } = compose.services as { sync: K8sObject; auth: K8sObject };

/** host:container[:ro] volumes of a service, as [host, container, readOnly]. */
const volumesOf = (s: K8sObject): Array<[string, string, boolean]> =>
  (s.volumes as string[]).map((v) => {
    const [host, container, mode] = v.split(':');
    return [host as string, container as string, mode === 'ro'];
  });

const seconds = (d: string) => {
  const m = /^(\d+)(s|m)$/.exec(d);
  assert.ok(m, `a duration: ${d}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
};

describe('compose.yaml', () => {
  it('is valid against the Compose specification schema', () => {
    const schema = JSON.parse(
      readFileSync(path.join(repoRoot, 'node_modules/dclint/schemas/compose.schema.json'), 'utf8'),
    ) as object;
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    const validate = ajv.compile(schema);
    const problems = (doc: unknown) =>
      validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    assert.deepEqual(problems(raw), []);
    assert.deepEqual(problems(compose), []);
    // The schema does catch mistakes: a misspelt key, a wrong type.
    assert.notDeepEqual(problems({ services: { sync: { stop_grace_periode: '60s' } } }), []);
    assert.notDeepEqual(problems({ services: { sync: { image: 3 } } }), []);
  });

  it('has no dclint error', async () => {
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(repoRoot, 'node_modules/dclint/bin/dclint.cjs'), '--quiet', 'compose.yaml'],
        { cwd: repoRoot },
        (err, so, se) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: so + se }),
      );
    });
    assert.equal(r.code, 0, r.out);
    assert.doesNotMatch(r.out, /[1-9]\d* errors?/);
  });

  it("runs both services as the share owner's PUID:PGID from .env, never the image's 1000", () => {
    assert.match(raw.services.sync.user, /^\$\{PUID:\?[^}]+\}:\$\{PGID:\?[^}]+\}$/);
    assert.equal(raw.services.auth.user, raw.services.sync.user, 'auth writes what sync reads');
    assert.equal(sync.user, `${envExample.PUID}:${envExample.PGID}`);
    assert.throws(() => interpolate(raw, { PGID: '100', BACKUP_DIR: '/b' }), /PUID: set PUID/);
    assert.deepEqual(auth.profiles, ['auth'], '`docker compose up` starts sync alone');
  });

  it('stops gently, never loops, keeps the backup on the share, caps memory', () => {
    assert.ok(seconds(sync.stop_grace_period) >= 60, sync.stop_grace_period);
    assert.equal(sync.restart, 'no');
    assert.equal(auth.restart, 'no');
    assert.deepEqual(volumesOf(sync)[0], [envExample.BACKUP_DIR, '/data', false]);
    assert.deepEqual(sync.command, ['sync', '/data']);
    assert.equal(sync.mem_limit, '1g');
    assert.equal(sync.read_only, true);
    assert.deepEqual(sync.cap_drop, ['ALL']);
    assert.equal(sync.image, `ghcr.io/gphotos-sync/gphotos-sync:${pkg.version}`);
    assert.equal(auth.image, sync.image);
  });

  it('auth writes the token where sync reads it, through the same host folder', () => {
    const tokenArg = auth.command[auth.command.indexOf('--token-file') + 1] as string;
    const hostOf = (s: K8sObject, p: string) => {
      const hit = volumesOf(s).find(([, c]) => p.startsWith(`${c}/`));
      assert.ok(hit, `${p} is on a volume`);
      return { host: path.posix.join(hit[0], p.slice(hit[1].length)), readOnly: hit[2] };
    };
    const written = hostOf(auth, tokenArg);
    const read = hostOf(sync, sync.environment.GPHOTOS_TOKEN_FILE);
    assert.equal(written.host, read.host);
    assert.equal(written.readOnly, false);
    assert.equal(read.readOnly, true, 'sync cannot change the token');
  });

  describe('the steps of its header, as a NAS user follows them', () => {
    let emu: Emulator;
    let project: string;
    let backup: string;

    before(async () => {
      emu = await startEmulator({ library: demoLibrary() });
      project = await mkdtemp(path.join(os.tmpdir(), 'gphotos-compose-'));
      backup = path.join(project, 'photos');
      await mkdir(path.join(project, 'config'));
      await mkdir(backup);
      await writeClientSecret(emu, path.join(project, 'config'));
    });
    after(async () => {
      await emu.close();
      await rm(project, { recursive: true, force: true });
    });

    /** A service's command and environment, container paths mapped to its volumes' folders. */
    const onHost = (name: 'auth' | 'sync', vars: Record<string, string>) => {
      const svc = (interpolate(raw, vars) as K8sObject).services[name] as K8sObject;
      const map = (a: string) => {
        for (const [host, container] of volumesOf(svc)) {
          if (a === container || a.startsWith(`${container}/`)) {
            return path.resolve(project, host) + a.slice(container.length);
          }
        }
        return a;
      };
      const env = (svc.environment ?? {}) as Record<string, string>;
      return {
        args: (svc.command as string[]).map(map),
        env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, map(v)])),
      };
    };

    it('auth writes config/token.json (0600), then sync reads it and a pass runs', async () => {
      const vars = { ...envExample, BACKUP_DIR: backup };
      const a = onHost('auth', vars);
      assert.equal(a.args[0], 'auth');
      const run = startAuth(a.args.slice(1), authEnv(emu));
      const page = await fetch(await consent(await run.consentUrl));
      assert.equal(page.status, 200);
      const done = await run.done;
      assert.equal(done.code, 0, done.stdout + done.stderr);
      const token = path.join(project, 'config/token.json');
      assert.equal((await stat(token)).mode & 0o777, 0o600, 'readable by its owner only');

      const s = onHost('sync', vars);
      assert.deepEqual(s.args, ['sync', backup]);
      assert.equal(s.env.GPHOTOS_TOKEN_FILE, token);
      const r = await runCli(
        s.args,
        emulatorEnv(emu, { ...s.env, GPHOTOS_TOKEN: undefined, DATABASE_URL: '' }),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.ok((await readdir(backup)).includes('drive'), 'the tree is filled');
      assert.ok((await readdir(path.join(backup, '.gphotos'))).includes('index'), 'embedded');
    });
  });
});
