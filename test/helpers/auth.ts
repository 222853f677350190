/**
 * Running `gphotos-sync auth` as a person would: the built CLI in a child process with a stdin
 * to paste into, its consent URL read from its output, and the consent page of the emulator
 * "clicked" by a GET that does not follow the redirect (the test decides where it goes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after } from 'node:test';
import type { Emulator } from '../fakes/google/server.ts';
import { cliPath, collect, type RunResult } from './cli.ts';

export interface AuthRun {
  child: ChildProcess;
  /** Resolves with the consent URL once the CLI has printed it. */
  consentUrl: Promise<URL>;
  /** Everything the CLI printed so far. */
  output(): string;
  /** Resolves once the output matches `re` (stdout arrives in pieces); rejects if the CLI exits first. */
  waitFor(re: RegExp): Promise<void>;
  done: Promise<RunResult>;
}

/** Writes a client_secret.json of the emulator's default client ("installed" unless told). */
export async function writeClientSecret(
  emu: Emulator,
  dir: string,
  kind: 'installed' | 'web' = 'installed',
  redirectUris: string[] = ['http://localhost'],
): Promise<string> {
  const t = emu.defaultToken();
  const file = path.join(dir, 'client_secret.json');
  await writeFile(
    file,
    JSON.stringify({
      [kind]: {
        client_id: t.client_id,
        project_id: 'test-project',
        auth_uri: emu.authUrl,
        token_uri: emu.tokenUrl,
        auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
        client_secret: t.client_secret,
        redirect_uris: redirectUris,
      },
    }),
  );
  return file;
}

/** Environment pointing `auth` at the emulator's consent page and token endpoint. */
export function authEnv(emu: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '/',
    METADATA_SERVER_DETECTION: 'none',
    GPHOTOS_OAUTH_AUTH_URL: emu.authUrl,
    GPHOTOS_OAUTH_TOKEN_URL: emu.tokenUrl,
    ...extra,
  };
}

/**
 * Every `auth` child still running. `auth` waits for its browser without a time limit, so a test
 * that fails before answering it would keep this test process alive forever: the file's last
 * hook kills what is left.
 */
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

export function startAuth(args: string[], env: Record<string, string>): AuthRun {
  const child = spawn(cliPath, ['auth', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.on('close', () => children.delete(child));
  let out = '';
  const consentUrl = new Promise<URL>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      // The whole line: stdout may arrive cut in the middle of the address.
      const m = /^ {2}(http:\/\/\S+\/o\/oauth2\/v2\/auth\?\S+)\n/m.exec(out);
      if (m) resolve(new URL(m[1] as string));
    });
    child.on('close', () =>
      reject(new Error(`auth exited before printing a consent URL:\n${out}`)),
    );
  });
  consentUrl.catch(() => undefined);
  const done = collect(child);
  const waitFor = (re: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (!re.test(out)) return false;
        child.stdout.off('data', check);
        resolve();
        return true;
      };
      if (check()) return;
      child.stdout.on('data', check);
      child.once('close', () => reject(new Error(`auth exited before printing ${re}:\n${out}`)));
    });
  return { child, consentUrl, output: () => out, waitFor, done };
}

/** GETs the consent page without following its redirect; returns the Location. */
export async function consent(url: URL): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || location === null) {
    throw new Error(`consent page answered ${res.status}: ${await res.text()}`);
  }
  return new URL(location);
}
