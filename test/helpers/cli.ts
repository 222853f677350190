/**
 * Runs the built CLI (dist/cli/main.js) as a user would, in a child process, against an emulator
 * running in the test process. Spawning is asynchronous so the emulator keeps answering.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Emulator } from '../fakes/google/server.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliPath = path.join(repoRoot, 'dist/cli/main.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (non-JSON lines dropped). */
  lines: Array<Record<string, unknown>>;
  /** The `summary` of the `sync finished` line, if any. */
  summary: Record<string, unknown> | undefined;
}

/** Environment that points the job at the emulator with fast retries and JSON logs. */
export function emulatorEnv(emu: Emulator, extra: Record<string, string | undefined> = {}) {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    METADATA_SERVER_DETECTION: 'none',
    GPHOTOS_GOOGLE_API_URL: emu.url,
    GPHOTOS_PICASA_API_URL: emu.picasaUrl,
    GPHOTOS_OAUTH_TOKEN_URL: emu.tokenUrl,
    GPHOTOS_TOKEN: JSON.stringify(emu.defaultToken()),
    GPHOTOS_BACKOFF_BASE_MS: '20',
    GPHOTOS_BACKOFF_MAX_MS: '200',
    GPHOTOS_LOG_FORMAT: 'json',
    GPHOTOS_PROGRESS_INTERVAL: '0',
    ...extra,
  };
  return env;
}

export function startCli(args: string[], env: Record<string, string | undefined>): ChildProcess {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  // The bin itself, as npx and the container run it (its shebang carries node's flags), with
  // this node first on PATH.
  clean.PATH = `${path.dirname(process.execPath)}:${clean.PATH ?? ''}`;
  return spawn(cliPath, args, { env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function collect(child: ChildProcess): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines: Array<Record<string, unknown>> = [];
      for (const l of stdout.split('\n')) {
        if (!l.startsWith('{')) continue;
        try {
          lines.push(JSON.parse(l) as Record<string, unknown>);
        } catch {
          /* not a log line */
        }
      }
      const fin = lines.findLast((l) => l.msg === 'sync finished');
      resolve({
        code,
        signal,
        stdout,
        stderr,
        lines,
        summary: fin?.summary as Record<string, unknown> | undefined,
      });
    });
  });
}

export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<RunResult> {
  return collect(startCli(args, env));
}
