/**
 * The `shared` lines of `check`: one per `--shared-drive` id, read with drives.get (one
 * request each): ok with its name and where a pass puts it (`shared-drives/<name>/`, or the
 * folder it was first given, which the index keeps), or FAIL when Drive answers 404 (a wrong id,
 * or the account lost access) with what to do.
 */
import type { OAuth2Client } from 'google-auth-library';
import type { Settings } from '../../config/settings.ts';
import { ExitCode } from '../../errors/errors.ts';
import { StateRepo } from '../../index/state-repo.ts';
import type { Pacer } from '../../lib/pacer.ts';
import { DriveClient } from '../../remote/drive/client.ts';
import {
  driveDir,
  folderFor,
  type DriveFolders,
} from '../../sync/sources/shared-drives/folders.ts';
import { FOLDERS_KEY } from '../../sync/sources/shared-drives/source.ts';
import type { CheckLine } from './check.ts';
import { readIndexQuietly } from './session.ts';

const NAME = 'shared';

export async function checkSharedDrives(
  settings: Settings,
  pacer: Pacer,
  auth: OAuth2Client,
): Promise<CheckLine[]> {
  const ids = settings.sharedDrives ?? [];
  if (ids.length === 0) return [];
  const drive = new DriveClient({ auth, rootUrl: settings.googleApiUrl, pacer, timeoutMs: 20_000 });
  const folders = (await storedFolders(settings)) ?? {};
  const lines: CheckLine[] = [];
  for (const id of ids) {
    try {
      const info = await drive.sharedDrive(id);
      if (info === null) {
        lines.push({
          name: NAME,
          status: 'FAIL',
          detail: `${id}: Drive answers 404 (a wrong id, or this account lost access to it); check the id in the drive's URL, ask a manager to add this account, or drop that --shared-drive`,
          exitCode: ExitCode.unexpected,
        });
        continue;
      }
      const dir = driveDir(folderFor(id, info.name, folders));
      lines.push({ name: NAME, status: 'ok', detail: `${id}: "${info.name}" -> ${dir}/` });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      lines.push({ name: NAME, status: 'FAIL', detail: `${id}: ${message}` });
    }
  }
  return lines;
}

/** The folders passes gave the shared drives so far; null when the index cannot be read. */
const storedFolders = (settings: Settings): Promise<DriveFolders | null> =>
  readIndexQuietly(
    settings,
    async (db) =>
      (await new StateRepo(db.knex, settings.account).get<DriveFolders>(FOLDERS_KEY)) ?? null,
  );
