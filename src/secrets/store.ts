/**
 * Where the OAuth token (the authorized_user JSON) comes from: a file (a mounted Kubernetes or
 * Docker secret), an environment variable, or a Google Secret Manager version. Exactly one of
 * the settings `tokenFile`, `token` and `tokenSecret` names it.
 *
 * A file or variable is read and validated when the store opens, so a missing or broken token
 * is a usage error (exit 2) before anything else starts; Secret Manager is a network call and is
 * read by `read()`, when the command runs. Only Secret Manager can keep a refresh token Google
 * rotates: a mounted secret and a variable are read-only to the job.
 */
import { UsageError } from '../errors/errors.ts';
import { Pacer, type PacerOptions } from '../lib/pacer.ts';
import { Secret } from './secret.ts';
import { SecretManager } from './secret-manager.ts';
import { parseSecretVersionName } from './secret-name.ts';
import type { SecretVersionName } from './secret-name.ts';
import { parseAuthorizedUser, readAuthorizedUser } from './token.ts';
import type { AuthorizedUser } from './token.ts';

export interface TokenStore {
  readonly kind: 'file' | 'env' | 'secret-manager' | 'none';
  /**
   * Names the store for logs and messages, never its content: 'file /p', 'env GPHOTOS_TOKEN',
   * 'Secret Manager projects/P/secrets/S/versions/latest'.
   */
  describe(): string;
  /**
   * The token. File and env: the one validated when the store opened. Secret Manager: read now
   * (each call reads again); throws UsageError for a bad name, a missing version or a broken
   * document (exit 2), SyncError `auth` when access is denied (exit 4), `fatal` when Secret
   * Manager stays unreachable or the payload's checksum is wrong (exit 1).
   */
  read(signal?: AbortSignal): Promise<AuthorizedUser>;
  /**
   * Keeps a new refresh token Google issued, where the store allows it: Secret Manager adds a
   * version holding the same document with the new refresh_token; a file or variable cannot
   * (`saved: false`). Throws like `read` when the write fails.
   */
  saveRefreshToken(refreshToken: Secret, signal?: AbortSignal): Promise<SaveResult>;
  /** Releases the Secret Manager client, if any. */
  close(): Promise<void>;
}

export type SaveResult =
  { saved: true; where: string; warning?: string } | { saved: false; reason: string };

/** The settings a token store reads (a subset of config's Settings). */
export interface TokenStoreSettings {
  token: Secret | null;
  tokenFile: string | null;
  tokenSecret: string | null;
  secretManagerUrl: string | null;
  retries: number;
  backoffBase: number;
  backoffMax: number;
}

/** The settings that name a token store; exactly one is set. */
export const TOKEN_KEYS = ['token', 'tokenFile', 'tokenSecret'] as const;
type TokenKey = (typeof TOKEN_KEYS)[number];

export interface OpenTokenStoreOptions {
  /** Where a setting's value came from, for messages ('--token-file', 'env GPHOTOS_TOKEN', ...). */
  sourceOf?: (key: TokenKey) => string;
  /** Told before each retry of a Secret Manager call. */
  onRetry?: PacerOptions['onRetry'];
}

const DEFAULT_SOURCES: Record<TokenKey, string> = {
  token: 'env GPHOTOS_TOKEN',
  tokenFile: 'env GPHOTOS_TOKEN_FILE',
  tokenSecret: 'env GPHOTOS_TOKEN_SECRET',
};

/**
 * Opens the one configured store. Throws UsageError when none or several are set, when the
 * Secret Manager name is malformed, or when a file or inline token is unreadable or invalid
 * (every problem listed, no content echoed).
 */
export async function openTokenStore(
  settings: TokenStoreSettings,
  opts: OpenTokenStoreOptions = {},
): Promise<TokenStore> {
  const sourceOf = opts.sourceOf ?? ((k: TokenKey) => DEFAULT_SOURCES[k]);
  if (settings.tokenSecret !== null) {
    const others = [
      settings.tokenFile !== null ? `a token file (${settings.tokenFile})` : undefined,
      settings.token !== null ? `an inline token (${sourceOf('token')})` : undefined,
    ].filter((x) => x !== undefined);
    const problems = others.map(
      (other) =>
        `both a Secret Manager token (${settings.tokenSecret}, from ${sourceOf('tokenSecret')}) and ${other} are set; set only one of them`,
    );
    const name = secretVersionName(settings.tokenSecret, sourceOf('tokenSecret'));
    if (typeof name === 'string') problems.push(name);
    if (problems.length > 0 || typeof name === 'string') throw new UsageError(problems);
    return new SecretManagerTokenStore(
      name,
      new SecretManager({
        url: settings.secretManagerUrl,
        // Its own pacer, with the pass's settings: a rate-limit pause of Google's APIs is not its.
        pacer: new Pacer({
          retries: Math.max(1, settings.retries),
          baseMs: settings.backoffBase,
          maxMs: settings.backoffMax,
          ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
        }),
      }),
    );
  }
  const creds = await readAuthorizedUser(settings, { inlineSource: sourceOf('token') });
  return new FixedTokenStore(settings.tokenFile !== null ? 'file' : 'env', creds);
}

/** The parsed name, or the problem line for a malformed one. */
export function secretVersionName(name: string, source: string): SecretVersionName | string {
  const parsed = parseSecretVersionName(name);
  return 'problem' in parsed
    ? `\`tokenSecret\` ${parsed.problem}, got \`${name}\` (from ${source})`
    : parsed;
}

/** A file or variable: read once, when the store opens; read-only to the job. */
class FixedTokenStore implements TokenStore {
  readonly kind: 'file' | 'env';
  readonly #creds: AuthorizedUser;

  constructor(kind: 'file' | 'env', creds: AuthorizedUser) {
    this.kind = kind;
    this.#creds = creds;
  }

  describe(): string {
    return this.#creds.source;
  }

  async read(): Promise<AuthorizedUser> {
    return this.#creds;
  }

  async saveRefreshToken(): Promise<SaveResult> {
    return {
      saved: false,
      reason:
        this.kind === 'file'
          ? `the token ${this.#creds.source} is read-only to the job (a mounted secret)`
          : `the token in ${this.#creds.source.replace(/^env /, '')} cannot be changed by the job`,
    };
  }

  async close(): Promise<void> {}
}

class SecretManagerTokenStore implements TokenStore {
  readonly kind = 'secret-manager';
  readonly #name: SecretVersionName;
  readonly #sm: SecretManager;
  /** The last document read, to write back with a new refresh token (other fields kept). */
  #document: Secret | undefined;

  constructor(name: SecretVersionName, sm: SecretManager) {
    this.#name = name;
    this.#sm = sm;
  }

  describe(): string {
    return `Secret Manager ${this.#name.name}`;
  }

  async read(signal?: AbortSignal): Promise<AuthorizedUser> {
    const version = await this.#sm.access(this.#name, signal);
    const text = version.data.toString('utf8');
    const source = `Secret Manager ${this.#name.secretName}/versions/${lastSegment(version.name)}`;
    const creds = parseAuthorizedUser(text, source);
    this.#document = new Secret(text);
    return creds;
  }

  async saveRefreshToken(refreshToken: Secret, signal?: AbortSignal): Promise<SaveResult> {
    if (this.#document === undefined) await this.read(signal);
    const doc = JSON.parse((this.#document as Secret).reveal()) as Record<string, unknown>;
    doc.refresh_token = refreshToken.reveal();
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    const added = await this.#sm.addVersion(this.#name, Buffer.from(text, 'utf8'), signal);
    this.#document = new Secret(text);
    const where = `Secret Manager ${this.#name.secretName}/versions/${lastSegment(added)}`;
    if (this.#name.version === 'latest') return { saved: true, where };
    return {
      saved: true,
      where,
      warning: `the token setting pins version ${this.#name.version}, so later runs still read that one; use ${this.#name.secretName}/versions/latest`,
    };
  }

  close(): Promise<void> {
    return this.#sm.close();
  }
}

function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/**
 * The store of a pass that talks to no Google service (a Takeout-only pass: --skip-drive
 * --skip-picasa --takeout): reading it is a caller bug, reported as a usage error.
 */
export function noTokenStore(): TokenStore {
  const refusal = (): UsageError =>
    new UsageError(
      ['this pass reads only Takeout exports and has no token'],
      [
        'Configure a token (--token-file, GPHOTOS_TOKEN or GPHOTOS_TOKEN_SECRET) to back up Drive or Picasa too.',
      ],
    );
  return {
    kind: 'none',
    describe: () => 'none (a Takeout-only pass)',
    read: () => Promise.reject(refusal()),
    saveRefreshToken: () =>
      Promise.resolve({ saved: false, reason: 'a Takeout-only pass has no token' }),
    close: () => Promise.resolve(),
  };
}
