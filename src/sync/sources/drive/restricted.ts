/**
 * Drive files whose bytes Drive will not hand out (issue 15). Three cases, each recorded once and
 * then left alone (RestrictedError -> state `restricted`; media-repo upsertListed says when they
 * are tried again):
 * - `no-download`: the listing says `capabilities.canDownload: false` (listing.ts toRow): never
 *   requested at all;
 * - `refused`: the capabilities allowed it, but `alt=media` answered 403 `cannotDownloadFile`;
 * - `abuse`: 403 `cannotDownloadAbusiveFile` (flagged as malware or spam). Drive lets the owner
 *   fetch such a file with `acknowledgeAbuse=true`, and a backup of one's own library must hold
 *   it, so the download is asked again once with it (logged); a non-owner gets 403 again, and the
 *   file is recorded `abuse`.
 */
import type { Logger } from 'pino';
import type { Restriction } from '../../../index/media-repo.ts';
import { factsOf } from '../../../remote/google-errors.ts';
import type { Download, DriveApi } from '../../../remote/types.ts';
import type { Fetcher } from '../../source.ts';
import { RestrictedError } from '../../restriction.ts';

/**
 * What a failed download says about the file, pure: a restriction to record, `acknowledge` (ask
 * again with acknowledgeAbuse), or null (an ordinary failure, retried as any other).
 */
export function refusalOf(
  facts: { status: number | undefined; reason: string | undefined },
  acknowledged: boolean,
): Exclude<Restriction, 'no-download'> | 'acknowledge' | null {
  if (facts.status !== 403) return null;
  if (facts.reason === 'cannotDownloadFile') return 'refused';
  if (facts.reason === 'cannotDownloadAbusiveFile') return acknowledged ? 'abuse' : 'acknowledge';
  return null;
}

const MESSAGES: Record<Restriction, string> = {
  'no-download':
    'Drive says this file cannot be downloaded (capabilities.canDownload is false: its owner restricted downloads)',
  refused:
    'Drive refuses to hand out this file (403 cannotDownloadFile: its owner or an administrator restricted downloads)',
  abuse:
    'Drive flags this file as malware or spam, and only its owner may download it (403 cannotDownloadAbusiveFile)',
};

/** The sentence that tells people why an item of this restriction is not in the backup. */
export const restrictionMessage = (r: Restriction): string => MESSAGES[r];

/**
 * The bytes of Drive files by id, with the abuse acknowledgement and restrictions above. `targets`
 * maps a shortcut's copy (its own id in the index) to the file whose bytes it holds.
 */
export function driveFetcher(
  drive: DriveApi,
  log: Logger,
  targets: ReadonlyMap<string, string> = new Map(),
): Fetcher {
  return (id) => {
    const fileId = targets.get(id) ?? id;
    // Per item: once acknowledged, a resumed download asks with acknowledgeAbuse straight away.
    let acknowledge = false;
    const open = async (offset: number, signal: AbortSignal): Promise<Download> => {
      try {
        return await drive.download(
          fileId,
          offset,
          signal,
          acknowledge ? { acknowledgeAbuse: true } : undefined,
        );
      } catch (err) {
        const refusal = refusalOf(factsOf(err), acknowledge);
        if (refusal === null) throw err;
        if (refusal !== 'acknowledge') {
          throw new RestrictedError(refusal, restrictionMessage(refusal), { cause: err });
        }
        acknowledge = true;
        const dl = await open(offset, signal);
        log.warn(
          { id },
          'Drive flags this file of yours as malware or spam; downloaded it anyway (acknowledgeAbuse), as a backup must hold every file',
        );
        return dl;
      }
    };
    return open;
  };
}
