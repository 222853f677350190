/**
 * Error kinds and the exit-code table, and the one error class of failed remote calls.
 *
 * Every error that should end a pass with a specific exit code is a `SyncError` with a `kind`.
 * Callers wrap lower-level errors with `cause`; `exitCodeOf` unwraps the cause chain and the
 * first `SyncError` found decides the exit code. Anything else is exit 1 (unexpected).
 *
 * A call to a remote service (Google's APIs, Secret Manager, a monitoring endpoint) that failed is
 * a `RemoteError`: counted against one item, never the pass, unless a SyncError wraps it. A fault
 * that a retry may fix and that this program notices itself has a typed `fault`; the classifiers
 * the pacer retries with (lib/pacer.ts) read it, never a message.
 */

/** The process exit codes, documented in README.md ("Exit codes"). */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  partial: 3,
  auth: 4,
  quota: 5,
  locked: 6,
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * - usage: bad flag, bad config, missing root; a person must change the invocation (exit 2).
 * - auth: the refresh token is revoked or expired, or the client is unknown (exit 4).
 * - quota: a daily quota is spent; try again tomorrow (exit 5).
 * - locked: another pass of this account holds the lock (exit 6).
 * - interrupted / terminated: SIGINT / SIGTERM (exit 130 / 143).
 * - guard: a safety limit stopped the pass before it did something drastic, e.g. `--do-delete`
 *   would remove more files than `--max-delete` allows (exit 3, like a partial pass).
 * - fatal: the pass cannot go on (disk full, database gone, Google's answer unusable) (exit 1).
 */
export type ErrorKind =
  'usage' | 'auth' | 'quota' | 'locked' | 'interrupted' | 'terminated' | 'guard' | 'fatal';

const exitCodeOfKind: Record<ErrorKind, ExitCode> = {
  usage: ExitCode.usage,
  auth: ExitCode.auth,
  quota: ExitCode.quota,
  locked: ExitCode.locked,
  interrupted: ExitCode.interrupted,
  terminated: ExitCode.terminated,
  guard: ExitCode.partial,
  fatal: ExitCode.unexpected,
};

export class SyncError extends Error {
  readonly kind: ErrorKind;
  /** Lines for the user: what to do next. Printed under the message. */
  readonly hints: readonly string[];
  constructor(kind: ErrorKind, message: string, opts: { cause?: unknown; hints?: string[] } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SyncError';
    this.kind = kind;
    this.hints = opts.hints ?? [];
  }
}

/** A usage or configuration error that lists every problem found at once. */
export class UsageError extends SyncError {
  readonly problems: readonly string[];
  constructor(problems: string[], hints: string[] = []) {
    super(
      'usage',
      problems.length === 1
        ? `invalid configuration: ${problems[0]}`
        : `invalid configuration (${problems.length} problems):\n  - ${problems.join('\n  - ')}`,
      { hints },
    );
    this.name = 'UsageError';
    this.problems = problems;
  }
}

/** Finds the first SyncError in the cause chain, or undefined. */
export function findSyncError(err: unknown): SyncError | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur instanceof Error && !seen.has(cur)) {
    if (cur instanceof SyncError) return cur;
    seen.add(cur);
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export function exitCodeOf(err: unknown): ExitCode {
  const found = findSyncError(err);
  return found ? exitCodeOfKind[found.kind] : ExitCode.unexpected;
}

/**
 * Faults a retry may fix that this program notices itself (HTTP statuses and network codes are
 * read off the HTTP stack's own errors by each classifier):
 * - malformed: an answer that is not what was asked for (broken JSON or XML, an HTML page);
 * - stalled: a body that sent no bytes for too long;
 * - checksum: a payload whose checksum is not the one sent with it.
 */
export type Fault = 'malformed' | 'stalled' | 'checksum';

export class RemoteError extends Error {
  /** HTTP status, when there was a response. */
  readonly status: number | undefined;
  /** Google's `error.errors[0].reason`, or the OAuth `error`, or a network code. */
  readonly reason: string | undefined;
  /** Set when a retry may fix it (see Fault). */
  readonly fault: Fault | undefined;
  constructor(
    message: string,
    opts: { status?: number; reason?: string; fault?: Fault; cause?: unknown },
  ) {
    super(message, { cause: opts.cause });
    this.name = 'RemoteError';
    this.status = opts.status;
    this.reason = opts.reason;
    this.fault = opts.fault;
  }

  /** Node's convention: the kind of error as `code` (here the fault), for logs. */
  get code(): Fault | undefined {
    return this.fault;
  }
}

/** The first RemoteError with a fault in the cause chain (a retry may fix it), or undefined. */
export function findFault(err: unknown): RemoteError | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur instanceof Error && !seen.has(cur)) {
    if (cur instanceof RemoteError && cur.fault !== undefined) return cur;
    seen.add(cur);
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
