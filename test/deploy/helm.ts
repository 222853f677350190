/**
 * The real `helm` binary, for rendering and linting the chart. It comes from the npm package
 * @aws-cdk/asset-kubectl-v20 (a dev dependency), whose lib/layer.zip holds helm 3.8.1 and kubectl
 * for linux-x64. The zip is read here with node:zlib (no unzip tool needed) and helm is extracted
 * once into node_modules/.cache; test files running at the same time each write a temp file and
 * rename it into place, so none ever runs a half-written binary.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { repoRoot } from '../helpers/cli.ts';

const PKG = path.join(repoRoot, 'node_modules/@aws-cdk/asset-kubectl-v20');

/** The entry `name` of the zip archive in `zip` (stored or deflated, no zip64). */
export function unzipEntry(zip: Buffer, name: string): Buffer {
  // End of central directory: 22 bytes plus a comment of at most 65535.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65535); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('broken zip central directory');
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const entryName = zip.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (entryName !== name) continue;
    if (compressed === 0xffffffff || local === 0xffffffff)
      throw new Error('zip64 is not supported');
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    const out = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : null;
    if (!out) throw new Error(`zip method ${method} is not supported`);
    if (out.length !== size) throw new Error(`${name}: ${out.length} bytes, expected ${size}`);
    return out;
  }
  throw new Error(`${name} is not in the archive`);
}

let cached: Promise<string> | undefined;

/** Path of an executable helm binary (extracted on first use). */
export function helmBinary(): Promise<string> {
  cached ??= (async () => {
    const version = (
      JSON.parse(await readFile(path.join(PKG, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    const dir = path.join(repoRoot, 'node_modules/.cache/gphotos-sync', `helm-${version}`);
    const bin = path.join(dir, 'helm');
    if (existsSync(bin)) return bin;
    await mkdir(dir, { recursive: true });
    const tmp = `${bin}.${process.pid}.tmp`;
    await writeFile(tmp, unzipEntry(await readFile(path.join(PKG, 'lib/layer.zip')), 'helm/helm'));
    await chmod(tmp, 0o755);
    await rename(tmp, bin);
    return bin;
  })();
  return cached;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

let home: Promise<string> | undefined;

/** Runs helm with its cache, config and data folders in a temp dir (never the user's). */
export async function helm(args: string[]): Promise<HelmResult> {
  const bin = await helmBinary();
  home ??= mkdtemp(path.join(os.tmpdir(), 'gphotos-helm-'));
  const h = await home;
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: h,
          HELM_CACHE_HOME: path.join(h, 'cache'),
          HELM_CONFIG_HOME: path.join(h, 'config'),
          HELM_DATA_HOME: path.join(h, 'data'),
        },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Removes the temp dir of helm(); call once after a test file. */
export async function helmCleanup(): Promise<void> {
  if (home) await rm(await home, { recursive: true, force: true });
  home = undefined;
}

export const chartDir = path.join(repoRoot, 'helm/gphotos-sync');

export type Values = Record<string, unknown>;

export const isMap = (v: unknown): v is Values =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Helm's merge of user values over the chart's: maps merge, the rest replaces, null removes. */
export function coalesce(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isMap(v) && isMap(out[k])) out[k] = coalesce(out[k], v);
    else out[k] = v;
  }
  return out;
}
