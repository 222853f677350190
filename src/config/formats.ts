/**
 * The convict formats of the schema. Each `validate` throws an Error whose message completes
 * the sentence "`key` ..." (e.g. "must be an integer from 1 to 64"); load.ts adds the key,
 * the offending value and where it came from. `coerce` turns the strings of env vars, flags
 * and config files into the typed value, and leaves a string it cannot convert as it is so
 * that `validate` reports it instead of a silent default.
 */
import path from 'node:path';
import convict from 'convict';

/** Extra schema properties read by the formats below. */
export interface FormatOptions {
  min?: number;
  max?: number;
  choices?: readonly string[];
}

type Validate = (value: unknown, schema: FormatOptions) => void;

function fail(message: string): never {
  throw new Error(message);
}

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

/** true/false/1/0/yes/no, any case; null for anything else. */
export function parseBooleanWord(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  return null;
}

/** Whether `text` is YYYY-MM-DD and a real calendar date (2023-02-30 is not). */
export function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function parseUrl(x: unknown): URL | null {
  if (typeof x !== 'string') return null;
  try {
    return new URL(x);
  } catch {
    return null;
  }
}

const requireNonEmptyString: Validate = (x) => {
  if (typeof x !== 'string' || x.trim() === '') fail('must be a non-empty string');
};

const formats = {
  /** Any non-empty string (nullable settings pass null before this runs). */
  'nullable-string': { validate: requireNonEmptyString },

  /** A filesystem path; relative paths are resolved against the working directory. */
  path: {
    validate: (x) => {
      if (x === null || x === undefined) fail('is required');
      requireNonEmptyString(x, {});
    },
    coerce: (v) => (v.trim() === '' ? v : path.resolve(v)),
  },

  /**
   * A list of filesystem paths, each resolved against the working directory. From the
   * environment: separated by ':' (as PATH) or by newlines; repeated flags are joined by newlines.
   */
  'path-list': {
    validate: (x) => {
      if (!Array.isArray(x) || x.length === 0) fail('must be a list of one or more paths');
      for (const p of x as unknown[]) requireNonEmptyString(p, {});
    },
    coerce: (v) =>
      v
        .split(v.includes('\n') ? '\n' : ':')
        .map((p) => p.trim())
        .filter((p) => p !== '')
        .map((p) => path.resolve(p)),
  },

  /**
   * A list of Drive ids (letters, digits, `-`, `_`), each once. From the environment: separated
   * by ',' or newlines; repeated flags are joined by newlines.
   */
  'id-list': {
    validate: (x) => {
      if (!Array.isArray(x) || x.length === 0) fail('must be a list of one or more ids');
      for (const id of x as unknown[]) {
        if (typeof id !== 'string' || !/^[A-Za-z0-9_-]+$/.test(id)) {
          fail(`must be Drive ids (letters, digits, - and _), got \`${String(id)}\``);
        }
      }
    },
    coerce: (v) => [
      ...new Set(
        v
          .split(/[,\n]/)
          .map((p) => p.trim())
          .filter((p) => p !== ''),
      ),
    ],
  },

  /** An absolute http(s) URL. */
  'absolute-url': {
    validate: (x) => {
      const u = parseUrl(x);
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
        fail('must be an absolute http:// or https:// URL');
      }
    },
  },

  /** An absolute http(s) URL used as a prefix; a missing final '/' is added. */
  'base-url': {
    validate: (x) => {
      const u = parseUrl(x);
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
        fail('must be an absolute http:// or https:// URL');
      }
      if (!(x as string).endsWith('/')) fail('must end with /');
    },
    coerce: (v) => (parseUrl(v) && !v.endsWith('/') ? `${v}/` : v),
  },

  /** A Postgres connection URL. */
  'pg-url': {
    validate: (x) => {
      const u = parseUrl(x);
      if (!u || (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')) {
        fail('must be a postgres:// or postgresql:// URL');
      }
    },
  },

  /** An account name: it keys index rows, the lock and log lines. */
  account: {
    validate: (x) => {
      if (typeof x !== 'string' || !/^[A-Za-z0-9._@-]{1,64}$/.test(x)) {
        fail('must be 1 to 64 characters from A-Z a-z 0-9 . _ @ -');
      }
    },
  },

  /** An integer in [schema.min, schema.max]. */
  'int-range': {
    validate: (x, s) => {
      const lo = s.min ?? Number.MIN_SAFE_INTEGER;
      const hi = s.max ?? Number.MAX_SAFE_INTEGER;
      if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi) {
        fail(
          s.max === undefined
            ? `must be an integer >= ${lo}`
            : `must be an integer from ${lo} to ${hi}`,
        );
      }
    },
    coerce: (v) => (/^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : v),
  },

  /** A finite number >= schema.min. */
  'number-min': {
    validate: (x, s) => {
      const lo = s.min ?? -Infinity;
      if (typeof x !== 'number' || !Number.isFinite(x) || x < lo) fail(`must be a number >= ${lo}`);
    },
    coerce: (v) => (/^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(v) ? Number(v) : v),
  },

  /** A boolean; strings true/false/1/0/yes/no in any case. */
  'boolean-word': {
    validate: (x) => {
      if (typeof x !== 'boolean') fail('must be true or false (also 1/0, yes/no)');
    },
    coerce: (v) => parseBooleanWord(v) ?? v,
  },

  /** A calendar date YYYY-MM-DD. */
  'date-ymd': {
    validate: (x) => {
      if (typeof x !== 'string' || !isCalendarDate(x)) {
        fail('must be a real calendar date written YYYY-MM-DD');
      }
    },
    coerce: (v) => v.trim(),
  },

  /** One of schema.choices. */
  'one-of': {
    validate: (x, s) => {
      const choices = s.choices ?? [];
      if (typeof x !== 'string' || !choices.includes(x))
        fail(`must be one of ${choices.join(', ')}`);
    },
    coerce: (v) => v.trim().toLowerCase(),
  },
} satisfies Record<string, { validate: Validate; coerce?: (v: string) => unknown }>;

export type FormatName = keyof typeof formats;

let registered = false;

/** Registers the formats with convict (global to convict; idempotent). */
export function registerFormats(): void {
  if (registered) return;
  registered = true;
  for (const [name, f] of Object.entries(formats)) {
    const coerce = 'coerce' in f ? f.coerce : undefined;
    convict.addFormat({ name, validate: f.validate as (v: unknown) => void, coerce });
  }
}
