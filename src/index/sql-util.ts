import type { Knex } from 'knex';

/** A repository of one account's rows: every method is scoped to `account`. */
export abstract class AccountRepo {
  protected readonly knex: Knex;
  protected readonly account: string;

  constructor(knex: Knex, account: string) {
    this.knex = knex;
    this.account = account;
  }
}

/** Rows per write statement: 1,000 rows x ~20 columns stays far below Postgres' 65,535 parameters. */
export const WRITE_CHUNK = 1000;

export function chunks<T>(items: readonly T[], size = WRITE_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Chunks of any iterable, produced lazily: a generator of 100,000 rows never sits in memory. */
export function* lazyChunks<T>(items: Iterable<T>, size = WRITE_CHUNK): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * Runs one statement per chunk, in order, with the next chunk built while the statement before
 * it runs: `build` (the CPU side: the rows pulled from their generator, the parameters made) for
 * chunk n+1 overlaps the database's work on chunk n. One statement is in flight at a time, so a
 * transaction's statements keep their order; the first failure is thrown before anything else
 * is sent. `run` returns the statement's promise, or a builder that starts it on `then` (knex),
 * which `Promise.resolve` calls a microtask later: the loop yields to let it go out.
 * On server Postgres the two sides run on two cores (100,000 listed rows: see upsertListed);
 * PGlite runs on the job's own thread, where this changes nothing.
 */
export async function pipelined<T, P>(
  chunks: Iterable<T[]>,
  build: (chunk: T[]) => P,
  run: (params: P) => PromiseLike<unknown>,
): Promise<void> {
  let inFlight: Promise<unknown> | null = null;
  for (const chunk of chunks) {
    const params = build(chunk);
    if (inFlight !== null) await inFlight;
    inFlight = Promise.resolve(run(params));
    // Awaited in the next round or below; until then a failure is not unhandled.
    inFlight.catch(() => {});
    // The driver sends the statement from callbacks: let them run before the next chunk is built.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (inFlight !== null) await inFlight;
}

/** pg returns bigint/count as strings, PGlite as numbers: both become numbers (or null). */
export function toNumber(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

export function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v : new Date(String(v));
}

/** Postgres' unique_violation. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === '23505';
}
