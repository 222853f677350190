/**
 * Parser and evaluator for the subset of the Drive `q` language the job uses.
 *
 * Grammar (keywords case-insensitive; `and` binds tighter than `or`, `not` tighter than both):
 *   expr    := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | '(' expr ')' | term
 *   term    := STRING 'in' 'parents'
 *            | ('trashed' | 'starred') ('=' | '!=') ('true' | 'false')
 *            | ('name' | 'mimeType') ('=' | '!=' | 'contains') STRING
 *            | ('createdTime' | 'modifiedTime') ('=' | '!=' | '<' | '<=' | '>' | '>=') STRING
 * Strings are single-quoted with escapes `\'` and `\\`. Times are RFC 3339, UTC when no offset.
 * `name contains` matches at the start of the name or of a word in it (Drive documents prefix
 * matching for names), case-insensitively; `mimeType contains` is a substring match.
 * Anything else throws `QueryError` (the route answers 400 `invalid`, location `q`).
 */
import type { FakeFile } from './library.ts';

export class QueryError extends Error {}

/** What evaluation needs from the library besides the file itself. */
export interface EvalContext {
  /** Resolves the `root` alias to the root folder id. */
  resolveId(id: string): string;
  /** Effective trashed state (explicitly trashed or inside a trashed folder). */
  isTrashed(f: FakeFile): boolean;
}

export type Predicate = (f: FakeFile, ctx: EvalContext) => boolean;

type Token =
  | { t: 'str'; v: string; pos: number }
  | { t: 'word'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number };

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      const pos = i++;
      let v = '';
      for (;;) {
        if (i >= q.length) throw new QueryError(`unterminated string at ${pos}`);
        const d = q[i++]!;
        if (d === "'") break;
        if (d === '\\') {
          const e = q[i++];
          if (e !== "'" && e !== '\\') throw new QueryError(`bad escape at ${i - 2}`);
          v += e;
        } else {
          v += d;
        }
      }
      out.push({ t: 'str', v, pos });
    } else if (c === '(' || c === ')' || c === '=') {
      out.push({ t: 'op', v: c, pos: i++ });
    } else if (c === '!' || c === '<' || c === '>') {
      if (q[i + 1] === '=') {
        out.push({ t: 'op', v: c + '=', pos: i });
        i += 2;
      } else if (c === '!') {
        throw new QueryError(`unexpected '!' at ${i}`);
      } else {
        out.push({ t: 'op', v: c, pos: i++ });
      }
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(q.slice(i))!;
      out.push({ t: 'word', v: m[0], pos: i });
      i += m[0].length;
    } else {
      throw new QueryError(`unexpected character ${JSON.stringify(c)} at ${i}`);
    }
  }
  return out;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?)?$/i;

/** RFC 3339 (offset optional, then UTC; date-only allowed) -> epoch ms. */
export function parseTime(s: string): number {
  const m = RFC3339.exec(s);
  if (!m) throw new QueryError(`not an RFC 3339 time: ${s}`);
  const [, y, mo, d, h = '00', mi = '00', sec = '00', frac = '', zone = 'Z'] = m;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${frac.slice(0, 4)}${zone}`);
  if (Number.isNaN(ms)) throw new QueryError(`not an RFC 3339 time: ${s}`);
  return ms;
}

function wordPrefixMatch(name: string, needle: string): boolean {
  const hay = name.toLowerCase();
  const n = needle.toLowerCase();
  let from = 0;
  for (;;) {
    const at = hay.indexOf(n, from);
    if (at < 0) return false;
    if (at === 0 || !/[\p{L}\p{N}]/u.test(hay[at - 1]!)) return true;
    from = at + 1;
  }
}

const CMP: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

class Parser {
  private i = 0;
  private readonly toks: Token[];

  constructor(toks: Token[]) {
    this.toks = toks;
  }

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private isWord(tok: Token | undefined, w: string): boolean {
    return tok?.t === 'word' && tok.v.toLowerCase() === w;
  }

  private fail(what: string): never {
    const tok = this.peek();
    throw new QueryError(
      tok ? `expected ${what} at ${tok.pos}, got ${JSON.stringify(tok.v)}` : `expected ${what}`,
    );
  }

  parse(): Predicate {
    if (this.toks.length === 0) throw new QueryError('empty query');
    const p = this.or();
    if (this.i < this.toks.length) this.fail('end of query');
    return p;
  }

  private or(): Predicate {
    const parts = [this.and()];
    while (this.isWord(this.peek(), 'or')) {
      this.i++;
      parts.push(this.and());
    }
    return parts.length === 1 ? parts[0]! : (f, c) => parts.some((p) => p(f, c));
  }

  private and(): Predicate {
    const parts = [this.unary()];
    while (this.isWord(this.peek(), 'and')) {
      this.i++;
      parts.push(this.unary());
    }
    return parts.length === 1 ? parts[0]! : (f, c) => parts.every((p) => p(f, c));
  }

  private unary(): Predicate {
    const tok = this.peek();
    if (this.isWord(tok, 'not')) {
      this.i++;
      const inner = this.unary();
      return (f, c) => !inner(f, c);
    }
    if (tok?.t === 'op' && tok.v === '(') {
      this.i++;
      const inner = this.or();
      const close = this.peek();
      if (close?.t !== 'op' || close.v !== ')') this.fail("')'");
      this.i++;
      return inner;
    }
    return this.term();
  }

  private next(): Token {
    const tok = this.toks[this.i++];
    if (!tok) throw new QueryError('unexpected end of query');
    return tok;
  }

  private stringValue(): string {
    const tok = this.next();
    if (tok.t !== 'str') throw new QueryError(`expected a quoted string at ${tok.pos}`);
    return tok.v;
  }

  private term(): Predicate {
    const first = this.next();
    if (first.t === 'str') {
      if (!this.isWord(this.peek(), 'in')) this.fail("'in'");
      this.i++;
      if (!this.isWord(this.peek(), 'parents')) this.fail("'parents'");
      this.i++;
      const id = first.v;
      return (f, c) => f.parents.includes(c.resolveId(id));
    }
    if (first.t !== 'word') throw new QueryError(`unexpected ${first.v} at ${first.pos}`);
    const op = this.next();
    const opv = op.t === 'op' ? op.v : op.t === 'word' ? op.v.toLowerCase() : '';
    switch (first.v) {
      case 'trashed':
      case 'starred': {
        if (opv !== '=' && opv !== '!=') throw new QueryError(`bad operator for ${first.v}`);
        const val = this.next();
        const b = val.t === 'word' ? val.v.toLowerCase() : '';
        if (b !== 'true' && b !== 'false') throw new QueryError(`expected true or false`);
        const want = (b === 'true') === (opv === '=');
        if (first.v === 'starred') return () => !want;
        return (f, c) => c.isTrashed(f) === want;
      }
      case 'name':
      case 'mimeType': {
        const v = this.stringValue();
        const get = first.v === 'name' ? (f: FakeFile) => f.name : (f: FakeFile) => f.mimeType;
        if (opv === '=') return (f) => get(f) === v;
        if (opv === '!=') return (f) => get(f) !== v;
        if (opv === 'contains') {
          return first.v === 'name'
            ? (f) => wordPrefixMatch(f.name, v)
            : (f) => f.mimeType.includes(v);
        }
        throw new QueryError(`bad operator for ${first.v}`);
      }
      case 'createdTime':
      case 'modifiedTime': {
        const cmp = op.t === 'op' ? CMP[op.v] : undefined;
        if (!cmp) throw new QueryError(`bad operator for ${first.v}`);
        const t = parseTime(this.stringValue());
        const key = first.v;
        return (f) => cmp(Date.parse(f[key]), t);
      }
      default:
        throw new QueryError(`unknown field ${first.v}`);
    }
  }
}

/** Parses `q` into a predicate; throws `QueryError` when malformed. */
export function parseQuery(q: string): Predicate {
  return new Parser(tokenize(q)).parse();
}
