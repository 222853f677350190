/**
 * The OAuth client file `client_secret.json` as Google Cloud Console downloads it:
 * `{"installed": {client_id, client_secret, auth_uri, token_uri, redirect_uris}}` for a
 * "Desktop app" client, `{"web": {...}}` for a "Web application" client. Problems are
 * UsageErrors naming the file; the client secret never appears in a message.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors/errors.ts';
import { Secret } from './secret.ts';

export interface OAuthClientFile {
  kind: 'installed' | 'web';
  clientId: string;
  clientSecret: Secret;
  redirectUris: string[];
  /** The file, for messages. */
  path: string;
}

const MAX_BYTES = 64 * 1024;

export async function readClientSecretFile(path: string): Promise<OAuthClientFile> {
  const where = `client secret file ${path}`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why =
      code === 'ENOENT'
        ? 'no such file (ENOENT)'
        : typeof code === 'string'
          ? code
          : 'unknown error';
    throw new UsageError([`${where} cannot be read: ${why}`]);
  }
  if (text.length > MAX_BYTES) {
    throw new UsageError([`${where} is ${text.length} bytes; is it the right file?`]);
  }
  return parseClientSecret(text, path);
}

export function parseClientSecret(text: string, path: string): OAuthClientFile {
  const where = `client secret file ${path}`;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError([`${where} is not valid JSON`]);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new UsageError([`${where} must hold a JSON object with "installed" or "web"`]);
  }
  const obj = doc as Record<string, unknown>;
  if (obj.type === 'authorized_user') {
    throw new UsageError([
      `${where} is already a token ("type": "authorized_user"), not the OAuth client file; use it as GPHOTOS_TOKEN_FILE`,
    ]);
  }
  const kind = isObject(obj.installed) ? 'installed' : isObject(obj.web) ? 'web' : undefined;
  if (kind === undefined) {
    throw new UsageError(
      [
        `${where} has neither "installed" nor "web": is it the OAuth client JSON from Google Cloud Console?`,
      ],
      ['Google Cloud Console > APIs & Services > Credentials > your OAuth client > Download JSON.'],
    );
  }
  const client = obj[kind] as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of ['client_id', 'client_secret'] as const) {
    const v = client[field];
    if (typeof v !== 'string' || v.trim() === '') {
      problems.push(`${where} has no "${kind}.${field}"`);
    }
  }
  if (problems.length > 0) throw new UsageError(problems);
  const redirectUris = Array.isArray(client.redirect_uris)
    ? client.redirect_uris.filter((u): u is string => typeof u === 'string')
    : [];
  return {
    kind,
    clientId: (client.client_id as string).trim(),
    clientSecret: new Secret((client.client_secret as string).trim()),
    redirectUris,
    path,
  };
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
