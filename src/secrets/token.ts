/**
 * Loading the OAuth "authorized_user" token: the refresh token plus the OAuth client it was
 * issued to, as written by `gcloud auth application-default login` or `gphotos-sync auth`.
 * store.ts chooses the source (file, variable, Secret Manager); this file parses the JSON.
 *
 * Every problem is reported as a UsageError line that names the source (file path or variable)
 * and the reason; no line ever contains any part of the file or variable content.
 */
import { readFile, stat } from 'node:fs/promises';
import { UsageError } from '../errors/errors.ts';
import { Secret } from './secret.ts';

export interface AuthorizedUser {
  type: 'authorized_user';
  clientId: string;
  clientSecret: Secret;
  refreshToken: Secret;
  /**
   * Where it came from, for messages: 'file /abs/path', 'env GPHOTOS_TOKEN' or
   * 'Secret Manager projects/P/secrets/S/versions/N'.
   */
  source: string;
}

/** The two settings a token can come from (a subset of config's Settings). */
export interface TokenSettings {
  token: Secret | null;
  tokenFile: string | null;
}

export interface ReadTokenOptions {
  /** How to name the inline token in messages and in `source`; default 'env GPHOTOS_TOKEN'. */
  inlineSource?: string;
}

/** A token file is a few hundred bytes; anything much larger is the wrong file. */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;

const HOW_TO_CONFIGURE =
  'set GPHOTOS_TOKEN_FILE (or --token-file) to the authorized_user JSON file, GPHOTOS_TOKEN to its content, ' +
  'or GPHOTOS_TOKEN_SECRET (or --token-secret) to a Secret Manager version holding it';

/**
 * Reads and validates the token from `settings.token` (inline JSON) or `settings.tokenFile`.
 * Exactly one of them must be set. Throws UsageError with every problem found.
 */
export async function readAuthorizedUser(
  settings: TokenSettings,
  opts: ReadTokenOptions = {},
): Promise<AuthorizedUser> {
  const inlineSource = opts.inlineSource ?? 'env GPHOTOS_TOKEN';
  if (settings.token !== null && settings.tokenFile !== null) {
    throw new UsageError([
      `both a token file (${settings.tokenFile}) and an inline token (${inlineSource}) are set; set only one of them`,
    ]);
  }
  if (settings.tokenFile !== null) {
    const source = `file ${settings.tokenFile}`;
    const text = await readTokenFile(settings.tokenFile);
    return parseAuthorizedUser(text, source);
  }
  if (settings.token !== null) {
    return parseAuthorizedUser(settings.token.reveal(), inlineSource);
  }
  throw new UsageError([`no token configured: ${HOW_TO_CONFIGURE}`]);
}

async function readTokenFile(path: string): Promise<string> {
  const where = `token file ${path}`;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new UsageError([`${where} is a directory, not a file`]);
    if (st.size > MAX_TOKEN_FILE_BYTES) {
      throw new UsageError([
        `${where} is ${st.size} bytes; a token file is a small JSON document, is this the right file?`,
      ]);
    }
    return await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError([`${where} cannot be read: ${describeFsError(err)}`]);
  }
}

function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'ENOTDIR':
      return 'a parent of it is not a directory (ENOTDIR)';
    case 'EISDIR':
      return 'it is a directory (EISDIR)';
    default:
      return typeof code === 'string' ? code : 'unknown error';
  }
}

/**
 * Validates the text of an authorized_user JSON document. `source` names it in messages
 * ('file /path' or 'env GPHOTOS_TOKEN'). Throws UsageError listing every problem.
 */
export function parseAuthorizedUser(text: string, source: string): AuthorizedUser {
  const where = source.startsWith('file ')
    ? `token ${source}`
    : `token in ${source.replace(/^env /, '')}`;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError([`${where} is not valid JSON${describeJsonError(text, err)}`]);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new UsageError([`${where} must be a JSON object with type "authorized_user"`]);
  }
  const obj = doc as Record<string, unknown>;
  if (obj.type === undefined && (isObject(obj.installed) || isObject(obj.web))) {
    throw new UsageError(
      [
        `${where} is an OAuth client file (client_secret.json), not a token; ` +
          'run `gphotos-sync auth --client-secret FILE` to create a token from it',
      ],
      [
        'A token file has "type": "authorized_user" and a refresh_token; the client file only identifies the app.',
      ],
    );
  }
  if (obj.type === 'service_account') {
    throw new UsageError([
      `${where} is a service account key; Google Photos needs a user's token ("type": "authorized_user")`,
    ]);
  }
  const problems: string[] = [];
  if (obj.type !== 'authorized_user') {
    problems.push(
      typeof obj.type === 'string'
        ? `${where} has type "${safeTypeName(obj.type)}"; expected "authorized_user"`
        : `${where} has no "type": "authorized_user"`,
    );
  }
  for (const field of ['client_id', 'client_secret', 'refresh_token'] as const) {
    const v = obj[field];
    if (typeof v !== 'string' || v.trim() === '') {
      problems.push(
        `${where} ${v === undefined ? 'is missing' : 'has an empty or non-string'} "${field}"`,
      );
    }
  }
  if (problems.length > 0) throw new UsageError(problems);
  return {
    type: 'authorized_user',
    clientId: (obj.client_id as string).trim(),
    clientSecret: new Secret((obj.client_secret as string).trim()),
    refreshToken: new Secret((obj.refresh_token as string).trim()),
    source,
  };
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The type names Google writes are short identifiers; anything else is not echoed. */
function safeTypeName(t: string): string {
  return /^[a-z_]{1,40}$/.test(t) ? t : '…';
}

/**
 * Where the JSON is broken, without the content: V8's own messages quote the text, so only
 * the position is kept.
 */
function describeJsonError(text: string, err: unknown): string {
  if (text.trim() === '') return ' (it is empty)';
  const message = err instanceof Error ? err.message : '';
  if (/unexpected end of json input/i.test(message)) return ' (it ends too early: truncated?)';
  const lineCol = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineCol) return ` (at line ${lineCol[1]}, column ${lineCol[2]})`;
  const pos = /at position (\d+)/.exec(message);
  const offset = pos ? Number(pos[1]) : firstBadOffset(text);
  if (offset === undefined) return '';
  const before = text.slice(0, offset).split('\n');
  return ` (at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`;
}

/**
 * The offset of the first character that makes `text` invalid, found by bisecting on
 * prefixes: a prefix of valid JSON fails only at its very end ("end of input", or an error
 * positioned at the prefix length). For V8 messages that quote the text instead of giving
 * a position.
 */
function firstBadOffset(text: string): number | undefined {
  const broken = (k: number): boolean => {
    try {
      JSON.parse(text.slice(0, k));
      return false;
    } catch (err) {
      const message = err instanceof Error ? err.message : '';
      if (/unexpected end of json input/i.test(message)) return false;
      const pos = /at position (\d+)/.exec(message);
      return pos ? Number(pos[1]) < k : true;
    }
  };
  if (!broken(text.length)) return undefined;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (broken(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}
