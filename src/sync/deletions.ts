/**
 * `--do-delete`: removes from the tree the local files of items deleted or trashed upstream
 * (state 'gone' in the index), after a guard against mass deletion.
 *
 * - Candidates: gone items not removed yet (DeletionsRepo.candidates). Each path must be under
 *   the top folder of a source, ROOT/drive/ or ROOT/picasa/ (resolveInside, no `..`), reached through real folders only (a
 *   symlinked folder on the way would send the removal elsewhere): anything else stops the pass
 *   before a single file is removed.
 * - Only regular files are removed (unlink). A folder, symlink or other entry at the path is left
 *   alone and logged; a file already absent is marked removed without counting as a removal.
 * - The guard comes before any change: more files to remove than `deletionLimit` allows throws
 *   SyncError('guard') (exit 3) and nothing is removed or marked.
 * - After the removals, folders they left empty are removed too (rmdir, which never removes a
 *   folder holding anything), up to but not including drive/ and picasa/.
 * - removed_at is recorded in batches as files go, and always before returning or throwing; a
 *   kill in between leaves a file absent whose row the next pass marks as already absent.
 * - Disk errors that stop a pass (read-only, permission denied…) stop this one (fs-errors.ts);
 *   any other error removing one file is logged and the file is left for the next pass.
 *
 * Album entries that pointed at removed files are the albums phase's, which runs after.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { SyncError } from '../errors/errors.ts';
import type { DeletionsRepo, RemovalCandidate } from '../index/deletions-repo.ts';
import { classifyFsError, isMissing } from '../tree/fs-errors.ts';
import { resolveInside } from '../tree/layout.ts';
import { lstatOrNull } from '../tree/local.ts';
import { sourceTops } from './sources/registry.ts';

/** The default limit when --max-delete is not set: at most this many files... */
export const DEFAULT_MAX_DELETE = 100;
/** ...and at most this share of the library. */
export const DEFAULT_MAX_DELETE_SHARE = 0.1;

const FLUSH_EVERY = 500;

export interface DeletionDeps {
  root: string;
  repo: DeletionsRepo;
  log: Pick<Logger, 'info' | 'warn'>;
  signal: AbortSignal;
  /** `--max-delete`: null when not set explicitly. */
  maxDelete: number | null;
  /** The guard's library size: DeletionsRepo.librarySize(). */
  librarySize: number;
  /** Test seam: how a file is removed (default fs.unlink). */
  unlink?: (abs: string) => Promise<void>;
}

export interface DeletionResult {
  /** Files removed. */
  removed: number;
  /** Gone items whose file was not there any more (marked removed all the same). */
  alreadyAbsent: number;
  /** Candidates left in place: not a regular file, or an error that does not stop the pass. */
  left: number;
}

/**
 * How many files one pass may remove: `maxDelete` when set explicitly (0 included), else 100 and
 * at most 10% of the library (rounded down: a library of fewer than 10 items needs --max-delete).
 */
export function deletionLimit(maxDelete: number | null, librarySize: number): number {
  if (maxDelete !== null) return maxDelete;
  return Math.min(
    DEFAULT_MAX_DELETE,
    Math.floor(Math.max(0, librarySize) * DEFAULT_MAX_DELETE_SHARE),
  );
}

/** The guard's error: `count` files would go, more than `limit`. */
export function guardError(count: number, limit: number, deps: DeletionDeps): SyncError {
  const why =
    deps.maxDelete !== null
      ? `--max-delete is ${deps.maxDelete}`
      : `without --max-delete a pass removes at most ${DEFAULT_MAX_DELETE} files and at most 10% ` +
        `of the library (${deps.librarySize} items)`;
  return new SyncError(
    'guard',
    `${count} files would be removed, more than the limit ${limit}; nothing was removed`,
    {
      hints: [
        `The limit: ${why}.`,
        `Review them with \`gphotos-sync deleted ${deps.root}\`.`,
        `If they should all go, run again with \`--max-delete ${count}\` (or leave out --do-delete to keep them).`,
      ],
    },
  );
}

export async function applyDeletions(deps: DeletionDeps): Promise<DeletionResult> {
  const { root, repo, log, signal } = deps;
  const unlink = deps.unlink ?? ((abs: string) => fs.unlink(abs));
  const result: DeletionResult = { removed: 0, alreadyAbsent: 0, left: 0 };
  const candidates = await repo.candidates();
  if (candidates.length === 0) return result;

  const present: Array<RemovalCandidate & { abs: string }> = [];
  const absent: RemovalCandidate[] = [];
  const folders = new FolderCheck(root);
  for (const c of candidates) {
    signal.throwIfAborted();
    const abs = checkedPath(root, c.relPath);
    const st = (await folders.parentIsReal(c.relPath)) ? await lstatOrNull(abs) : null;
    if (st === null) absent.push(c);
    else if (st.isFile()) present.push({ ...c, abs });
    else {
      result.left++;
      log.warn({ path: c.relPath }, 'not removed: not a regular file (left as it is)');
    }
  }

  const limit = deletionLimit(deps.maxDelete, deps.librarySize);
  if (present.length > limit) throw guardError(present.length, limit, deps);

  const now = new Date();
  await repo.markRemoved(absent, now);
  result.alreadyAbsent = absent.length;

  let done: RemovalCandidate[] = [];
  const flush = async () => {
    const batch = done;
    done = [];
    await repo.markRemoved(batch, new Date());
  };
  const emptied = new Set<string>();
  try {
    for (const c of present) {
      signal.throwIfAborted();
      try {
        await unlink(c.abs);
        result.removed++;
        log.info({ path: c.relPath }, 'removed: deleted upstream');
      } catch (err) {
        if (!isMissing(err)) {
          const fatal = classifyFsError(err, 'remove', c.abs);
          if (fatal !== err) throw fatal;
          result.left++;
          log.warn({ path: c.relPath, reason: String(err) }, 'not removed; tried again next pass');
          continue;
        }
        result.alreadyAbsent++;
      }
      done.push(c);
      emptied.add(path.posix.dirname(c.relPath));
      if (done.length >= FLUSH_EVERY) await flush();
    }
  } finally {
    await flush();
  }
  await removeEmptyFolders(root, emptied, log);
  log.info(
    { removed: result.removed, alreadyAbsent: result.alreadyAbsent, left: result.left },
    'removed the files of items deleted upstream',
  );
  return result;
}

/**
 * root/relPath when relPath is a file below a source's top folder (drive/, picasa/); a fatal
 * SyncError otherwise: nothing else is ever removed.
 */
function checkedPath(root: string, relPath: string): string {
  const abs = resolveInside(root, relPath);
  const [top, ...rest] = relPath.split('/');
  const tops = sourceTops();
  if (!tops.some((t) => t === top) || rest.length === 0) {
    throw new SyncError(
      'fatal',
      `refusing to remove ${JSON.stringify(relPath)}: not under ${tops.map((t) => `${t}/`).join(' or ')}`,
    );
  }
  return abs;
}

/**
 * Whether the folders leading to a file are real folders, each checked once. A missing one means
 * the file is absent; a symlink (or anything else) in their place stops the pass.
 */
class FolderCheck {
  private readonly root: string;
  private readonly known = new Map<string, boolean>();

  constructor(root: string) {
    this.root = root;
  }

  async parentIsReal(relPath: string): Promise<boolean> {
    const segs = relPath.split('/').slice(0, -1);
    for (let i = 1; i <= segs.length; i++) {
      const rel = segs.slice(0, i).join('/');
      let real = this.known.get(rel);
      if (real === undefined) {
        const abs = resolveInside(this.root, rel);
        const st = await lstatOrNull(abs);
        if (st !== null && !st.isDirectory()) {
          throw new SyncError(
            'fatal',
            `refusing to remove files through ${abs}: not a real folder`,
            {
              hints: [
                `Make ${abs} a plain folder (mount another disk on it rather than linking it).`,
              ],
            },
          );
        }
        real = st !== null;
        this.known.set(rel, real);
      }
      if (!real) return false;
    }
    return true;
  }
}

/**
 * Removes the folders in `dirs` and their ancestors that are empty, deepest first (so a parent
 * is tried once its children are gone), up to but not including the top folders. A folder
 * holding anything stays: rmdir refuses it.
 */
async function removeEmptyFolders(
  root: string,
  dirs: ReadonlySet<string>,
  log: DeletionDeps['log'],
): Promise<void> {
  const all = new Set<string>();
  for (const dir of dirs) {
    for (let rel = dir; rel.includes('/') && !all.has(rel); rel = path.posix.dirname(rel)) {
      all.add(rel);
    }
  }
  const order = [...all].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const rel of order) {
    try {
      await fs.rmdir(resolveInside(root, rel));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && !isMissing(err)) {
        log.warn({ path: rel, reason: String(err) }, 'could not remove an emptied folder');
      }
    }
  }
}
