/**
 * How the remote layer reports a failed call. Errors that end the pass are SyncErrors (auth, quota);
 * everything else is a RemoteError (errors/errors.ts) that the sync layer may count against one
 * item.
 */
import { SyncError } from '../errors/errors.ts';

export { RemoteError, findFault, type Fault } from '../errors/errors.ts';

/** The OAuth errors that no retry can fix: a person must authorize again. */
const authReasons = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);

export function authError(reason: string, cause: unknown): SyncError {
  return new SyncError(
    'auth',
    reason === 'invalid_grant'
      ? 'Google refused the refresh token (invalid_grant): it was revoked, expired, or its OAuth app is in "Testing" status (tokens of such apps expire after 7 days)'
      : `Google refused the OAuth client (${reason}): the client id or secret in the token is wrong or the client was deleted`,
    {
      cause,
      hints: [
        'authorize again with `gphotos-sync auth` and replace the token file, GPHOTOS_TOKEN or the Secret Manager secret (see README, "Authorization")',
        'then run the same command again: the pass resumes where it stopped',
      ],
    },
  );
}

export function isAuthReason(reason: string | undefined): reason is string {
  return reason !== undefined && authReasons.has(reason);
}
