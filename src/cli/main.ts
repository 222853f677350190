#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --liftoff-only --max-semi-space-size=4 --heap-growing-percent=20
/**
 * The bin: turns on node's compile cache, then runs the command line (run.ts). No logic lives
 * here; see docs/architecture.md.
 *
 * node's flags are in the shebang, since V8 sizes its heap by them at start-up. Measured at
 * 100,000 items and 50 albums (npm run bench; bench:scale with SCALE_NODE_FLAGS to compare):
 * - `--max-semi-space-size=4 --heap-growing-percent=20`: V8's young generation capped at 4 MB a
 *   semi-space, its old generation grown by 20% over the live heap. Server Postgres, index-only
 *   pass: 12.5 CPU s and 264 MiB, against 25 CPU s and 217 MiB with `--optimize-for-size`
 *   (before the first Drive listing was packed, drive/packed-media.ts); without any memory flag,
 *   395 MiB (no albums). The embedded index cannot afford the difference (PGlite's WebAssembly
 *   memory never shrinks): it asks for `--optimize-for-size` at run time, for the phases that
 *   hold much (lib/heap-mode.ts);
 * - `--liftoff-only` keeps V8's optimising WebAssembly compiler away from the embedded Postgres
 *   (PGlite), which otherwise costs hundreds of MB; inserts are about 1.5x slower. It changes
 *   nothing for JavaScript or for server Postgres.
 *
 * `MALLOC_ARENA_MAX=2`, set in the environment before node starts (glibc reads it at start-up),
 * caps glibc's malloc arenas at two. By default each thread that allocates (V8's GC and compiler
 * threads, libuv's pool) may get an arena of its own, up to 8 per core, and memory freed in one is
 * kept there: RSS that neither the heap nor the WebAssembly memory accounts for. Embedded index,
 * 100,000 items and 50 albums, one run after the other on the 2-core machine: index-only pass
 * peak 279-285 MiB against 287-305, full pass 285-294 against 300-311 (one bench run: 314); CPU
 * within the run-to-run noise (index-only 35-47 against 29-38 CPU s). The container sets the
 * same (Dockerfile).
 *
 * The compile cache keeps V8's compiled code of every module the job loads (knex, googleapis,
 * pino: 0.6-0.7 CPU s of a start) for the next start: about 0.2 CPU s less per pass, measured on
 * a pass with nothing to do (1.5 against 1.3 CPU s, 2-core machine). It lives in the package's
 * own node_modules/.cache, which only who installed the package can write (in the container, the
 * runtime user, who fills it at build time): node checks each entry against its module's source,
 * and nobody else can plant one. Where the folder is read-only or cannot be made (a read-only
 * root file system, a global install by root, another user) node reads what it can, or nothing,
 * and the pass runs as before. NODE_DISABLE_COMPILE_CACHE=1 turns it off; NODE_COMPILE_CACHE=DIR
 * puts it elsewhere.
 */
import { enableCompileCache } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// This file is dist/cli/main.js: the package root is two folders up. Static imports would load
// before this line runs: the command line comes in by import() after it.
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
enableCompileCache(join(packageRoot, 'node_modules', '.cache', 'gphotos-sync'));
await import('./run.ts');
