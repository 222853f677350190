/**
 * drives.get: a shared drive's id and name. A 404 (no such drive, or the account lost access to
 * it) is null, for the caller to say what to do; other errors as the rest of the client.
 */
import type { drive_v3 } from '@googleapis/drive';
import { RemoteError } from '../errors.ts';
import { factsOf } from '../google-errors.ts';
import type { SharedDriveInfo } from '../types.ts';

type Call = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

export async function readSharedDrive(
  api: drive_v3.Drive,
  driveId: string,
  call: Call,
  opts: { signal?: AbortSignal; timeout: number },
): Promise<SharedDriveInfo | null> {
  let data: drive_v3.Schema$Drive;
  try {
    const res = await call(`reading shared drive ${driveId}`, () =>
      api.drives.get({ driveId, fields: 'id,name,createdTime' }, opts),
    );
    data = res.data;
  } catch (err) {
    if (factsOf(err).status === 404) return null;
    throw err;
  }
  if (typeof data.id !== 'string' || typeof data.name !== 'string') {
    throw new RemoteError(`Drive answered drives.get(${driveId}) without an id and a name`, {});
  }
  return { id: data.id, name: data.name };
}
