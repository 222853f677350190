/**
 * Takeout parts in Drive: the exports Google's "Add to Drive" delivers into the `Takeout` folder
 * of My Drive (`takeoutDriveFolder`), found by each pass and read in place over HTTP Range
 * requests (remote/takeout/drive-source.ts). A PartSource for the Takeout phase (phase.ts): the
 * same rules as for local parts decide when an export is read and what it adds.
 *
 * Finding parts: the changes feed, with a listing when it cannot tell.
 * - The folder is listed (1 request, plus 1 per level of the folder's path to find it) on the
 *   first look, when the Drive index did not read the changes feed this pass (a full listing,
 *   --skip-drive, a token Drive refused), at least once a day, and when the feed named the
 *   folder, a file in it or a part seen there. The listing is kept in `sync_state`; otherwise a
 *   pass reuses it and costs no request. So an incremental pass learns of new parts through the
 *   feed the Drive index reads anyway (`onChanges`: parts are zip/tgz, never image/video, so the
 *   Drive index itself leaves them out of drive/ whatever --all-drive says).
 * - What the feed said is stored (`takeout.drive.stale`) while the feed is read, before the Drive
 *   index stores its new token, so a pass killed in between lists the folder the next time.
 *
 * A part's row: location `drive:<id>`, its name, size, `mtime` = Drive's modifiedTime, and md5;
 * a part whose md5, size or modifiedTime changes is read again. Once read, its bytes are checked
 * by its md5 (read whole in one pass) or its entries' CRC-32s, and `checked` says which.
 *
 * Clean-up (`--takeout-trash-parts`): once an export is filed, its parts go to the Drive trash
 * (Drive empties it after 30 days). That needs the `drive` scope (`auth --takeout-trash`); without
 * it the pass warns once with what to run, and goes on.
 */
import type { Logger } from 'pino';
import { findSyncError } from '../../../errors/errors.ts';
import type { StateRepo } from '../../../index/state-repo.ts';
import type { PartRow, TakeoutRepo } from '../../../index/takeout-repo.ts';
import type { Pacer } from '../../../lib/pacer.ts';
import type { DriveClient } from '../../../remote/drive/client.ts';
import { factsOf } from '../../../remote/google-errors.ts';
import { DriveByteSource } from '../../../remote/takeout/drive-source.ts';
import type { FoundPart } from '../../../remote/takeout/local-parts.ts';
import { openPart } from '../../../remote/takeout/open-part.ts';
import { parsePartName } from '../../../remote/takeout/part-name.ts';
import { PartError, type PartReader } from '../../../remote/takeout/types.ts';
import type { RemoteChange, RemoteDriveFile } from '../../../remote/types.ts';
import type { PartSource } from './part-source.ts';

export type DrivePartsApi = Pick<
  DriveClient,
  'findFolders' | 'listFiles' | 'fileInfo' | 'downloadRange' | 'trash'
>;

export interface DrivePartsDeps {
  drive: DrivePartsApi;
  pacer: Pacer;
  state: StateRepo;
  repo: TakeoutRepo;
  log: Logger;
  /** A folder of My Drive's root (`Takeout`), or a path from it (`Backups/Takeout`). */
  folder: string;
  /** `--takeout-trash-parts`. */
  trashParts: boolean;
  /** A read with no byte for this long is dropped and asked again. */
  stallMs: number;
  /** Breaks in a row without progress before a part's read fails. */
  maxBreaks: number;
  now?: () => number;
}

/** The Drive figures of a pass (the summary's). */
export interface DriveTakeoutCounts {
  /** Parts read from Drive this pass. */
  takeoutDriveParts: number;
  /** Bytes read from Drive (every Range request's answer). */
  takeoutDriveBytes: number;
  /** Reads resumed after a dropped or stalled connection. */
  takeoutDriveResumes: number;
  takeoutPartsTrashed: number;
}

/** A part as the last listing saw it. */
export interface StoredPart {
  id: string;
  name: string;
  size: number;
  md5: string | null;
  modifiedTime: string;
}

/** The last listing of the folder (`sync_state`). */
interface Listing {
  /** The setting it was made for: another setting lists again. */
  folder: string;
  /** Every folder at that path (Drive allows two of one name); none before the first export. */
  folderIds: string[];
  listedAt: string;
  parts: StoredPart[];
}

const LISTING_KEY = 'takeout.drive.listing';
const STALE_KEY = 'takeout.drive.stale';
/** The safety net: a folder not listed for this long is listed, whatever the feed said. */
const LIST_EVERY_MS = 24 * 3600 * 1000;
const SCOPE_HINT =
  'run `gphotos-sync auth --takeout-trash` once to allow it (Drive write access), or drop --takeout-trash-parts; the parts stay in Drive until then';

export class DriveParts implements PartSource {
  readonly counts: DriveTakeoutCounts = {
    takeoutDriveParts: 0,
    takeoutDriveBytes: 0,
    takeoutDriveResumes: 0,
    takeoutPartsTrashed: 0,
  };
  readonly #deps: DrivePartsDeps;
  readonly #segments: string[];
  #listing: Listing | null | undefined;
  #feedRead = false;
  #stale = false;
  #cannotTrash = false;

  constructor(deps: DrivePartsDeps) {
    this.#deps = deps;
    this.#segments = deps.folder.split('/').filter((s) => s !== '');
  }

  /**
   * For the Drive index (drive-changes.ts): a page of the changes feed. A change of the folder,
   * of a file in it, of a part seen there, or of a folder named like it, makes the next `find`
   * list the folder; that is stored at once (see the module's contract).
   */
  readonly onChanges = async (changes: readonly RemoteChange[]): Promise<void> => {
    if (this.#stale) return;
    const listing = await this.#stored();
    if (listing === null) return;
    const folders = new Set(listing.folderIds);
    const parts = new Set(listing.parts.map((p) => p.id));
    const names = new Set(this.#segments);
    const concerns = (c: RemoteChange): boolean =>
      folders.has(c.fileId) ||
      parts.has(c.fileId) ||
      (c.entry !== null && c.entry.parents.some((p) => folders.has(p))) ||
      (c.entry?.kind === 'folder' && names.has(c.entry.name));
    if (!changes.some(concerns)) return;
    this.#stale = true;
    await this.#deps.state.set(STALE_KEY, true);
  };

  /** The Drive index read the whole changes feed this pass (and so called `onChanges`). */
  feedApplied(): void {
    this.#feedRead = true;
  }

  async find(signal: AbortSignal): Promise<FoundPart[]> {
    const { log, state } = this.#deps;
    let listing = await this.#stored();
    const why = await this.#whyList(listing);
    if (why !== null) {
      listing = await this.#list(signal);
      await state.set(LISTING_KEY, listing);
      await state.set(STALE_KEY, false);
      this.#listing = listing;
      this.#stale = false;
    }
    const found = foundParts((listing as Listing).parts);
    log.info(
      {
        folder: this.#deps.folder,
        parts: found.length,
        listed: why ?? 'no: the changes feed named nothing there',
      },
      'Takeout parts in Drive',
    );
    if (this.#deps.trashParts) await this.#trashFiled(found, signal);
    return found;
  }

  owns(row: PartRow): boolean {
    return row.driveId !== null && row.location === `drive:${row.driveId}`;
  }

  async changedSince(row: PartRow, signal: AbortSignal): Promise<string | null> {
    const now = await this.#deps.drive.fileInfo(row.driveId as string, signal);
    if (now === null) return 'it is no longer in Drive';
    if (now.md5 !== row.md5) return `its md5 went from ${row.md5} to ${now.md5}`;
    if (now.size !== row.size) return `its size went from ${row.size} to ${now.size} bytes`;
    return null;
  }

  async open(row: PartRow, _signal: AbortSignal): Promise<PartReader> {
    if (row.format === 'dir') throw new Error(`${row.fileName}: a Drive part is an archive`);
    const { drive, log } = this.#deps;
    const id = row.driveId as string;
    const source = new DriveByteSource({
      name: row.fileName,
      size: row.size,
      md5: row.md5,
      open: (start, end, signal) => drive.downloadRange(id, start, end, signal),
      pacer: this.#deps.pacer,
      stallMs: this.#deps.stallMs,
      maxBreaks: this.#deps.maxBreaks,
      onResume: (info) => {
        this.counts.takeoutDriveResumes++;
        log.warn(info, 'Takeout part: the connection broke; reading on from where it stopped');
      },
    });
    return openPart(source, row.format);
  }

  async afterRead(row: PartRow, reader: PartReader, signal: AbortSignal): Promise<string | null> {
    const source = reader.source;
    if (!(source instanceof DriveByteSource)) return null;
    this.counts.takeoutDriveParts++;
    try {
      const checked = await source.check(signal);
      await this.#deps.repo.notePartChecked(row.exportId, row.number, checked);
      this.#deps.log.info(
        { part: row.fileName, checked, ...source.stats },
        'Takeout part read from Drive',
      );
      return null;
    } catch (err) {
      if (err instanceof PartError) return err.message;
      throw err;
    } finally {
      this.counts.takeoutDriveBytes += source.stats.bytes;
    }
  }

  /** Trashes the export's Drive parts when every part of it was read whole (none is bad). */
  async afterFiled(
    exportId: string,
    _rows: readonly PartRow[],
    signal: AbortSignal,
  ): Promise<void> {
    if (!this.#deps.trashParts) return;
    const rows = await this.#deps.repo.parts(exportId);
    if (rows.some((r) => r.state !== 'read')) return;
    await this.#trash(
      rows.filter((r) => this.owns(r)),
      signal,
    );
  }

  async #stored(): Promise<Listing | null> {
    if (this.#listing === undefined) {
      const stored = await this.#deps.state.get<Listing>(LISTING_KEY);
      this.#listing = stored ?? null;
    }
    return this.#listing;
  }

  /** Why the folder must be listed now, or null when the stored listing is current. */
  async #whyList(listing: Listing | null): Promise<string | null> {
    if (listing === null) return 'first look';
    if (listing.folder !== this.#deps.folder) return 'the folder setting changed';
    if (!this.#feedRead) return "Drive's changes feed was not read this pass";
    if (this.#stale || (await this.#deps.state.get<boolean>(STALE_KEY)) === true) {
      return 'the changes feed named the folder';
    }
    const age = (this.#deps.now ?? Date.now)() - Date.parse(listing.listedAt);
    if (!(age < LIST_EVERY_MS)) return 'not listed for a day';
    return null;
  }

  async #list(signal: AbortSignal): Promise<Listing> {
    const listedAt = new Date((this.#deps.now ?? Date.now)()).toISOString();
    const listed = await listTakeoutFolder(this.#deps.drive, this.#deps.folder, signal);
    return { folder: this.#deps.folder, listedAt, ...listed };
  }

  /** Parts of exports filed by an earlier pass and still in Drive (a scope granted since). */
  async #trashFiled(found: readonly FoundPart[], signal: AbortSignal): Promise<void> {
    const ids = new Set(found.map((p) => p.location));
    const filed = new Set(
      (await this.#deps.repo.exports()).filter((e) => e.state === 'read').map((e) => e.exportId),
    );
    const all = (await this.#deps.repo.parts()).filter((r) => filed.has(r.exportId));
    const whole = new Set(all.map((r) => r.exportId));
    for (const r of all) if (r.state !== 'read') whole.delete(r.exportId);
    const rows = all.filter((r) => whole.has(r.exportId) && this.owns(r) && ids.has(r.location));
    await this.#trash(rows, signal);
  }

  async #trash(rows: readonly PartRow[], signal: AbortSignal): Promise<void> {
    const { drive, log, repo, state } = this.#deps;
    const trashed = new Set<string>();
    for (const row of rows) {
      if (this.#cannotTrash) break;
      try {
        await drive.trash(row.driveId as string, signal);
      } catch (err) {
        if (signal.aborted || findSyncError(err)) throw err;
        const f = factsOf(err);
        if (f.status === 403 && f.reason === 'insufficientPermissions') {
          this.#cannotTrash = true;
          log.warn(
            { part: row.fileName, hint: SCOPE_HINT },
            'Takeout parts are not moved to the Drive trash: the token may only read Drive',
          );
          break;
        }
        log.warn(
          { part: row.fileName, reason: err instanceof Error ? err.message : String(err) },
          'a Takeout part could not be moved to the Drive trash; the next pass tries again',
        );
        continue;
      }
      await repo.notePartTrashed(row.exportId, row.number);
      trashed.add(row.driveId as string);
      this.counts.takeoutPartsTrashed++;
      log.info(
        { part: row.fileName },
        'Takeout part moved to the Drive trash (its export is filed)',
      );
    }
    const listing = await this.#stored();
    if (trashed.size > 0 && listing !== null) {
      listing.parts = listing.parts.filter((p) => !trashed.has(p.id));
      await state.set(LISTING_KEY, listing);
    }
  }
}

/**
 * The Takeout parts in `folder` (a path from My Drive's root): every folder at that path (none
 * before "Add to Drive" made one), and the files in them named as parts.
 */
export async function listTakeoutFolder(
  drive: Pick<DrivePartsApi, 'findFolders' | 'listFiles'>,
  folder: string,
  signal?: AbortSignal,
): Promise<{ folderIds: string[]; parts: StoredPart[] }> {
  let parents = ['root'];
  for (const name of folder.split('/').filter((s) => s !== '')) {
    const next: string[] = [];
    for (const p of parents) {
      next.push(...(await drive.findFolders(name, p, signal)).map((f) => f.id));
    }
    parents = next;
  }
  const files: RemoteDriveFile[] = [];
  for (const id of parents)
    for await (const page of drive.listFiles(id, signal)) files.push(...page);
  const parts: StoredPart[] = [];
  for (const f of files) {
    if (parsePartName(f.name) === null || f.size === null || f.modifiedTime === null) continue;
    parts.push({ id: f.id, name: f.name, size: f.size, md5: f.md5, modifiedTime: f.modifiedTime });
  }
  return { folderIds: parents, parts };
}

/** The parts of a listing as the phase finds them; of two files with one name, the newest. */
export function foundParts(
  parts: readonly StoredPart[],
): Array<FoundPart & Pick<PartRow, 'driveId' | 'md5'>> {
  const byName = new Map<string, StoredPart>();
  for (const p of parts) {
    const seen = byName.get(p.name);
    if (seen === undefined || seen.modifiedTime < p.modifiedTime) byName.set(p.name, p);
  }
  const out = [];
  for (const p of byName.values()) {
    const name = parsePartName(p.name);
    if (name === null || name.format === 'dir') continue;
    out.push({
      location: `drive:${p.id}`,
      fileName: p.name,
      format: name.format,
      exportId: name.exportId,
      number: name.number,
      size: p.size,
      mtime: new Date(p.modifiedTime),
      driveId: p.id,
      md5: p.md5,
    });
  }
  return out.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
}
