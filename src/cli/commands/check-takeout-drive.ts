/**
 * The `exports` line of `check`: the Takeout exports "Add to Drive" delivered into the
 * Takeout folder of My Drive, each `read` (filed by a pass, as the index says), `complete` (the
 * next pass reads it) or `waiting` with why (parts missing, still arriving). Lists the folder
 * (a request or two); reads the index only to tell which exports were read.
 */
import type { OAuth2Client } from 'google-auth-library';
import type { Settings } from '../../config/settings.ts';
import { TakeoutRepo, type ExportRow } from '../../index/takeout-repo.ts';
import type { Pacer } from '../../lib/pacer.ts';
import { DriveClient } from '../../remote/drive/client.ts';
import type { FoundPart } from '../../remote/takeout/local-parts.ts';
import { foundParts, listTakeoutFolder } from '../../sync/sources/takeout/drive-parts.ts';
import { whyWaiting } from '../../sync/sources/takeout/phase.ts';
import type { CheckLine } from './check.ts';
import { readIndexQuietly } from './session.ts';

const NAME = 'exports';

/** Null when the line does not apply (the feature is off, or no token to ask Drive with). */
export async function checkTakeoutDrive(
  settings: Settings,
  pacer: Pacer,
  auth: OAuth2Client | undefined,
): Promise<CheckLine | null> {
  if (!(settings.takeoutDrive ?? !settings.skipDrive) || auth === undefined) return null;
  const folder = settings.takeoutDriveFolder;
  const drive = new DriveClient({ auth, rootUrl: settings.googleApiUrl, pacer, timeoutMs: 20_000 });
  let listed;
  try {
    listed = await listTakeoutFolder(drive, folder);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { name: NAME, status: 'FAIL', detail: `listing Drive folder "${folder}": ${message}` };
  }
  if (listed.folderIds.length === 0) {
    return {
      name: NAME,
      status: 'ok',
      detail: `no "${folder}" folder in My Drive yet (Takeout's "Add to Drive" creates it)`,
    };
  }
  const byExport = new Map<string, FoundPart[]>();
  for (const p of foundParts(listed.parts)) {
    byExport.set(p.exportId, [...(byExport.get(p.exportId) ?? []), p]);
  }
  if (byExport.size === 0) {
    return { name: NAME, status: 'ok', detail: `Drive folder "${folder}" holds no Takeout part` };
  }
  const stored = await storedExports(settings);
  const now = Date.now();
  let waiting = 0;
  const described = [...byExport]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, parts]) => {
      parts.sort((a, b) => a.number - b.number);
      const row = stored?.get(id);
      const why = whyWaiting(parts, row, settings.takeoutSettle * 1000, now);
      const state = row?.state === 'read' ? 'read' : why === null ? 'complete' : `waiting: ${why}`;
      if (state.startsWith('waiting')) waiting++;
      return `${id} (${parts.length} part(s), ${state})`;
    });
  return {
    name: NAME,
    status: waiting > 0 ? 'warn' : 'ok',
    detail: `Drive folder "${folder}": ${byExport.size} Takeout export(s): ${described.join('; ')}${stored === null ? ' (the index could not be read: "read" is not known)' : ''}`,
  };
}

/** The exports the index knows, or null when it cannot be opened. */
const storedExports = (settings: Settings): Promise<Map<string, ExportRow> | null> =>
  readIndexQuietly(settings, async (db) => {
    const rows = await new TakeoutRepo(db.knex, settings.account).exports();
    return new Map(rows.map((e) => [e.exportId, e]));
  });
