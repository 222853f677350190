/**
 * Writing the authorized_user JSON that `gphotos-sync auth` creates: mode 0600 from the first
 * byte, written to a temp file beside the target, fsynced, then moved into place in one step,
 * so a reader never sees half a token. Without `force` an existing file is never replaced (a
 * hard link refuses an existing name atomically, where a check-then-rename would race).
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors/errors.ts';
import type { Secret } from './secret.ts';

export interface AuthorizedUserDocument {
  type: 'authorized_user';
  client_id: string;
  client_secret: string;
  refresh_token: string;
}

/** The document as it is stored (a Secret: it holds the refresh token). */
export function authorizedUserJson(doc: AuthorizedUserDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export async function writeTokenFile(
  file: string,
  content: Secret,
  opts: { force: boolean },
): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(temp, 'wx', 0o600);
  } catch (err) {
    throw new UsageError([`token file ${file} cannot be written: ${fsReason(err, dir)}`]);
  }
  try {
    // The mode given to open() is reduced by the umask; make it exactly 0600.
    await handle.chmod(0o600);
    await handle.writeFile(content.reveal(), 'utf8');
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (opts.force) {
      await rename(temp, file);
    } else {
      await link(temp, file).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') {
          throw new UsageError(
            [`token file ${file} exists already; nothing was written`],
            ['Pass --force to replace it, or choose another --token-file.'],
          );
        }
        throw err;
      });
      await unlink(temp);
    }
    await fsyncDir(dir);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    if (err instanceof UsageError) throw err;
    throw new UsageError([`token file ${file} cannot be written: ${fsReason(err, dir)}`]);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r').catch(() => undefined);
  if (!h) return;
  await h.sync().catch(() => undefined);
  await h.close();
}

function fsReason(err: unknown, dir: string): string {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return `its folder ${dir} does not exist (ENOENT)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied in ${dir} (${code})`;
    case 'EROFS':
      return `${dir} is on a read-only file system (EROFS)`;
    case 'ENOSPC':
      return 'no space left (ENOSPC)';
    default:
      return typeof code === 'string' ? code : err instanceof Error ? err.message : 'unknown error';
  }
}
