/**
 * Small file systems for fault tests: a tmpfs of a given size mounted over a folder (to fill it),
 * remounted read-only or bigger, and unmounted again. Needs root with CAP_SYS_ADMIN (CI runs as
 * root); `canMount()` probes once so a test can take another honest route where it cannot.
 *
 * Mounts live in the test process's mount namespace: callers unmount in `finally`, and
 * `unmount` falls back to a lazy unmount so a busy mount never outlives the test's temp dir.
 * Setting GPHOTOS_TEST_NO_MOUNT=1 makes `canMount()` answer false (to exercise the fallbacks).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

let probed: Promise<boolean> | undefined;

/** True when this process can mount a tmpfs (probed once, on a scratch folder). */
export function canMount(): Promise<boolean> {
  if (process.env.GPHOTOS_TEST_NO_MOUNT === '1') return Promise.resolve(false);
  probed ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gphotos-mount-probe-'));
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
      await run('umount', [dir]);
      return true;
    } catch {
      return false;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return probed;
}

/** Mounts a fresh tmpfs of `bytes` over `dir` (which must exist). */
export async function mountTmpfs(dir: string, bytes: number): Promise<void> {
  await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', dir]);
}

/** Changes a mount's options in place, keeping its files: `ro`, `rw`, `size=64m`. */
export async function remount(dir: string, options: string): Promise<void> {
  await run('mount', ['-o', `remount,${options}`, dir]);
}

/** True when `dir` is a mount point. */
export async function isMounted(dir: string): Promise<boolean> {
  try {
    await run('mountpoint', ['-q', dir]);
    return true;
  } catch {
    return false;
  }
}

/** Unmounts `dir` if it is mounted (lazily when busy). Never throws. */
export async function unmount(dir: string): Promise<void> {
  if (!(await isMounted(dir))) return;
  await run('umount', [dir]).catch(() => run('umount', ['-l', dir]).catch(() => undefined));
}
