/**
 * Google Secret Manager through the real `@google-cloud/secret-manager` client, over its REST
 * transport (HTTP/1.1 + JSON, the client's `fallback` mode) in production and in tests alike, so
 * the tested wire is the one that runs. Credentials are Application Default Credentials, found
 * by google-auth-library as it always does: GOOGLE_APPLICATION_CREDENTIALS, gcloud's
 * application-default file, or the metadata server (Workload Identity on GKE).
 *
 * Every read checks the payload's CRC32C against the one Secret Manager stored; every write
 * sends it so the service checks it too. Every call goes through the pacer (lib/pacer.ts), as
 * every remote call does: transient failures of a read (UNAVAILABLE, DEADLINE_EXCEEDED,
 * RESOURCE_EXHAUSTED, INTERNAL, a checksum mismatch) are retried with jittered backoff (see
 * `retryDecision`); others become SyncErrors at once (see `classify`). A write is never retried.
 * Payloads never reach a message, and client errors are not kept as causes (a failed write's
 * error may carry its request).
 */
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { RemoteError, SyncError, UsageError, findFault } from '../errors/errors.ts';
import type { Pacer, RetryDecision } from '../lib/pacer.ts';
import { crc32c } from './crc32c.ts';
import type { SecretVersionName } from './secret-name.ts';

export interface SecretManagerOptions {
  /** Base URL of the REST API (tests: the emulator); null for Google's. Only scheme, host and port count. */
  url: string | null;
  /** Retries and backoff; its onRetry is told the reason (a status name or "checksum mismatch"). */
  pacer: Pacer;
}

export interface AccessedVersion {
  data: Buffer;
  /** The version's full name as Secret Manager gives it (project number, concrete version). */
  name: string;
}

/** gRPC status codes the client reports (google-gax maps HTTP errors onto them). */
const Status = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const TRANSIENT = new Set<number>([
  Status.DEADLINE_EXCEEDED,
  Status.RESOURCE_EXHAUSTED,
  Status.INTERNAL,
  Status.UNAVAILABLE,
]);

/** One request's own deadline; the retries come on top. */
const CALL_TIMEOUT_MS = 60_000;

/** A payload that does not match its checksum: corrupted on the way, a retry may fix it. */
function checksumMismatch(expected: string, actual: number): RemoteError {
  return new RemoteError(`payload checksum mismatch (dataCrc32c ${expected}, computed ${actual})`, {
    fault: 'checksum',
  });
}

/** The pacer's decision for a failed read: transient statuses and a checksum mismatch retry. */
function retryDecision(err: unknown): RetryDecision {
  if (err instanceof SyncError) return { action: 'permanent' };
  if (findFault(err)?.fault === 'checksum') return { action: 'retry', reason: 'checksum mismatch' };
  const code = codeOf(err);
  if (code !== undefined && TRANSIENT.has(code))
    return { action: 'retry', reason: statusName(code) };
  return { action: 'permanent' };
}

export class SecretManager {
  readonly #opts: SecretManagerOptions;
  #client: Promise<SecretManagerServiceClient> | undefined;

  constructor(opts: SecretManagerOptions) {
    this.#opts = opts;
  }

  /** Reads a version and checks its CRC32C. Throws SyncError (see `classify`). */
  async access(name: SecretVersionName, signal?: AbortSignal): Promise<AccessedVersion> {
    return this.#withRetries(`read ${name.name}`, signal, async (client) => {
      const [version] = await client.accessSecretVersion(
        { name: name.name },
        { timeout: CALL_TIMEOUT_MS, retry: null, ...(signal ? { signal } : {}) },
      );
      const raw = version.payload?.data;
      const data =
        raw === null || raw === undefined
          ? Buffer.alloc(0)
          : typeof raw === 'string'
            ? Buffer.from(raw, 'base64')
            : Buffer.from(raw);
      const expected = version.payload?.dataCrc32c;
      if (expected === null || expected === undefined) {
        throw new SyncError(
          'fatal',
          `Secret Manager sent ${name.name} without a dataCrc32c checksum`,
        );
      }
      const actual = crc32c(data);
      if (String(expected) !== String(actual)) throw checksumMismatch(String(expected), actual);
      return { data, name: version.name ?? name.name };
    });
  }

  /**
   * Adds a version to the secret of `name` (its version part is ignored) with the payload's
   * CRC32C. Not retried on an unclear failure (a lost answer may mean the version was added).
   * Returns the new version's name.
   */
  async addVersion(name: SecretVersionName, data: Buffer, signal?: AbortSignal): Promise<string> {
    const what = `write to ${name.secretName}`;
    const client = await this.#connect(what);
    try {
      const [version] = await this.#opts.pacer.call(
        `Secret Manager ${what}`,
        () =>
          client.addSecretVersion(
            { parent: name.secretName, payload: { data, dataCrc32c: crc32c(data) } },
            { timeout: CALL_TIMEOUT_MS, retry: null, ...(signal ? { signal } : {}) },
          ),
        () => ({ action: 'permanent' }),
        signal,
      );
      return version.name ?? name.secretName;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw classify(err, `write to ${name.secretName}`, 'secretmanager.versions.add');
    }
  }

  async close(): Promise<void> {
    const pending = this.#client;
    this.#client = undefined;
    if (pending) await pending.then((c) => c.close()).catch(() => undefined);
  }

  async #withRetries<T>(
    what: string,
    signal: AbortSignal | undefined,
    call: (client: SecretManagerServiceClient) => Promise<T>,
  ): Promise<T> {
    const client = await this.#connect(what);
    let attempts = 0;
    try {
      return await this.#opts.pacer.call(
        `Secret Manager ${what}`,
        (attempt) => {
          attempts = attempt;
          return call(client);
        },
        retryDecision,
        signal,
      );
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (err instanceof SyncError) throw err;
      if (findFault(err)?.fault === 'checksum') {
        throw new SyncError(
          'fatal',
          `Secret Manager ${what}: ${(err as Error).message}; the data was corrupted on the way, so no token was used`,
          { hints: ['Run again; if it persists, check proxies between the job and Google.'] },
        );
      }
      throw classify(err, what, 'secretmanager.versions.access', attempts);
    }
  }

  /**
   * The client, created once. Its `initialize()` resolves the credentials; awaiting it here
   * catches a credentials failure before any API method runs (the generated methods would
   * otherwise leave an unhandled rejection behind).
   */
  async #connect(what: string): Promise<SecretManagerServiceClient> {
    this.#client ??= (async () => {
      const { SecretManagerServiceClient } = await import('@google-cloud/secret-manager');
      const client = new SecretManagerServiceClient({
        fallback: true,
        ...endpointOptions(this.#opts.url),
      });
      await client.initialize();
      return client;
    })();
    try {
      return await this.#client;
    } catch (err) {
      this.#client = undefined;
      throw credentialsError(err, what) ?? classify(err, what, 'secretmanager.versions.access');
    }
  }
}

/** `http://127.0.0.1:PORT/` -> the client's apiEndpoint, port and protocol; null: Google's. */
function endpointOptions(url: string | null): Record<string, unknown> {
  if (url === null) return {};
  const u = new URL(url);
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  const port = u.port === '' ? (protocol === 'http' ? 80 : 443) : Number(u.port);
  return { apiEndpoint: u.hostname.replace(/^\[(.*)\]$/, '$1'), port, protocol };
}

function codeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function statusName(code: number | undefined): string {
  const entry = Object.entries(Status).find(([, v]) => v === code);
  return entry ? entry[0] : code === undefined ? 'network error' : `code ${code}`;
}

/** Google's message without URLs' query strings; it never holds payload data. */
function googleMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const short = msg.replace(/\?\S*/g, '').trim();
  return short.length > 300 ? `${short.slice(0, 300)}…` : short;
}

/**
 * Finding the credentials failed (the client's initialize()): no credentials anywhere, or a
 * key file that is missing or broken. A usage error (exit 2). The library's own words may quote
 * the key file (a JSON parse error), so only the gist is kept. Undefined for other failures.
 */
function credentialsError(err: unknown, what: string): UsageError | undefined {
  const message = err instanceof Error ? err.message : String(err);
  const hints = [
    'On GKE, give the pod a Kubernetes service account bound to a Google service account (Workload Identity).',
    'Elsewhere, set GOOGLE_APPLICATION_CREDENTIALS to a service account key file, or run `gcloud auth application-default login`.',
  ];
  if (/could not load the default credentials/i.test(message)) {
    return new UsageError(
      [`Secret Manager ${what}: no Google Cloud credentials found for Secret Manager`],
      hints,
    );
  }
  if (codeOf(err) !== undefined) return undefined;
  const gist = /does not exist/.test(message)
    ? 'does not exist'
    : 'cannot be read or is not a valid credentials file';
  return new UsageError(
    [
      `Secret Manager ${what}: the Google Cloud credentials file (GOOGLE_APPLICATION_CREDENTIALS) ${gist}`,
    ],
    hints,
  );
}

/**
 * A client failure as a SyncError:
 * - no credentials found at all, INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION (a disabled
 *   or destroyed version): usage, exit 2 - the settings or the secret must change;
 * - UNAUTHENTICATED, PERMISSION_DENIED: auth, exit 4 - a person must fix the credentials or IAM;
 * - anything else (unreachable, timeouts, 5xx after the retries): fatal, exit 1 - the next
 *   run may work.
 */
function classify(err: unknown, what: string, permission: string, attempts = 1): SyncError {
  const code = codeOf(err);
  const message = googleMessage(err);
  const tried = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  switch (code) {
    case Status.NOT_FOUND:
    case Status.INVALID_ARGUMENT:
    case Status.FAILED_PRECONDITION:
      return new UsageError(
        [`Secret Manager ${what}: ${statusName(code)}: ${message}`],
        [
          'Check the secret name (projects/P/secrets/S/versions/V) and that the version is enabled: `gcloud secrets versions list S --project P`.',
        ],
      );
    case Status.PERMISSION_DENIED:
      return new SyncError('auth', `Secret Manager ${what}: PERMISSION_DENIED: ${message}`, {
        hints: [
          `Grant the job's Google service account ${permission} on the secret, e.g. roles/secretmanager.${permission.endsWith('.add') ? 'secretVersionAdder' : 'secretAccessor'}.`,
        ],
      });
    case Status.UNAUTHENTICATED:
      return new SyncError('auth', `Secret Manager ${what}: UNAUTHENTICATED: ${message}`, {
        hints: [
          'The Google Cloud credentials were refused: check GOOGLE_APPLICATION_CREDENTIALS or Workload Identity.',
        ],
      });
    case Status.CANCELLED:
      return new SyncError('fatal', `Secret Manager ${what}: cancelled`);
    default:
      return new SyncError(
        'fatal',
        `Secret Manager ${what} failed${tried}: ${statusName(code)}: ${message}`,
        {
          hints: ['Secret Manager could not be reached or failed; the next run tries again.'],
        },
      );
  }
}
