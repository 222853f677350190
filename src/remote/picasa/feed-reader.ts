/**
 * An Atom feed page read in one pass of saxes (a strict XML parser), handing on each `<entry>`
 * as it closes, as the small tree xml2js would give for it, and keeping nothing else: a
 * 1,000-entry album page is 3.6 MB of XML, and a tree of the whole page (or xml2js's own parse)
 * is garbage the moment the entries are read.
 *
 * An entry's tree has the shape xml2js's default options give (what wire.ts reads):
 * - an element with children or attributes is an object: attributes under `$` (only when there
 *   are some), its text under `_` (when not only whitespace, untrimmed), each child element under
 *   its name (prefix kept) in an array, in document order;
 * - an element with only text is that text; an empty element without attributes is '' (or the
 *   whitespace it held).
 *
 * Contract of readFeedEntries: `onEntry` is called, in document order, with every `<entry>` child
 * of the root that is an object in that shape (an entry with no attributes and no child elements
 * is not one: xml2js's tree of the page holds it as text, and it is skipped as before); nothing
 * outside the entries is kept. A leading byte order mark is ignored. It throws a RemoteError
 * whose `fault` is `malformed`:
 * - "the answer is empty" for a body of only whitespace;
 * - "the answer is not well-formed XML (... at line n, column n)" (line 1-based, column 0-based)
 *   for a document saxes rejects: unclosed or mismatched tags, text before the root, unknown
 *   entities, characters XML forbids. Entries before the fault may already have been handed on;
 * - "the answer is not an Atom feed (its root is <x>)" for a well-formed document whose root is
 *   not `<feed xmlns="http://www.w3.org/2005/Atom">`; no entry of it is handed on.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { RemoteError } from '../errors.ts';

const ATOM_NS = 'http://www.w3.org/2005/Atom';

/** One element: see the file comment for the shape. */
export type XmlNode = Record<string, unknown> & { $?: Record<string, string>; _?: string };

/** A parse failure: a `malformed` fault, which a retry may fix. */
export function malformed(message: string, cause?: unknown): RemoteError {
  return new RemoteError(message, { reason: 'malformed', fault: 'malformed', cause });
}

/** An element of the current entry, open. */
interface Open {
  name: string;
  node: XmlNode;
  text: string;
  cdata: boolean;
}

/** Reads `xml` and calls `onEntry` with each entry's tree (see the contract above). */
export function readFeedEntries(xml: string, onEntry: (entry: XmlNode) => void): void {
  const reader = new FeedEntryReader(onEntry);
  reader.write(xml);
  reader.close();
}

/**
 * readFeedEntries over a body that comes in pieces: `write` each piece of text in order, then
 * `close`. Entries are handed on as they close, and the same errors are thrown (from `write` for
 * broken XML, from `close` for an empty body, one that ends early, or one that is not a feed), as
 * for the whole text at once. Nothing of a piece is kept once it is read: a page never has to be
 * one string.
 */
export class FeedEntryReader {
  readonly #parser = new SaxesParser();
  #blank = true;
  #held = '';
  #depth = 0;
  #root = '';
  #atom = false;
  // The current entry (at [0]) and its open descendants; empty outside entries.
  readonly #stack: Open[] = [];

  constructor(onEntry: (entry: XmlNode) => void) {
    const p = this.#parser;
    const stack = this.#stack;
    p.on('error', (err) => {
      throw malformed(`the answer is not well-formed XML (${syntaxSummary(err)})`, err);
    });
    p.on('opentag', (tag: SaxesTagPlain) => {
      this.#depth++;
      if (this.#depth === 1) {
        this.#root = tag.name;
        this.#atom = tag.name === 'feed' && tag.attributes.xmlns === ATOM_NS;
        return;
      }
      if (stack.length === 0 && !(this.#atom && this.#depth === 2 && tag.name === 'entry')) return;
      const node: XmlNode = {};
      for (const k in tag.attributes) (node.$ ??= {})[k] = tag.attributes[k] as string;
      stack.push({ name: tag.name, node, text: '', cdata: false });
    });
    p.on('text', (t) => {
      const top = stack[stack.length - 1];
      if (top !== undefined) top.text += t;
    });
    p.on('cdata', (t) => {
      const top = stack[stack.length - 1];
      if (top !== undefined) {
        top.text += t;
        top.cdata = true;
      }
    });
    p.on('closetag', () => {
      this.#depth--;
      const open = stack.pop();
      if (open === undefined) return;
      const value = finish(open);
      const parent = stack[stack.length - 1];
      if (parent === undefined) {
        if (typeof value === 'object') onEntry(value);
        return;
      }
      const list = parent.node[open.name];
      if (Array.isArray(list)) list.push(value);
      else parent.node[open.name] = [value];
    });
  }

  write(text: string): void {
    // Whitespace (a byte order mark too) before anything else is held back until something
    // else comes: a body of only that is "empty", not broken XML.
    if (this.#blank) {
      this.#held += text;
      if (text.trim() === '') return;
      this.#blank = false;
      text = this.#held;
      this.#held = '';
    }
    this.#parser.write(text);
  }

  close(): void {
    if (this.#blank) throw malformed('the answer is empty');
    this.#parser.close();
    if (!this.#atom)
      throw malformed(`the answer is not an Atom feed (its root is <${this.#root}>)`);
  }
}

/** The value an element closes to, as xml2js makes it. */
function finish(open: Open): XmlNode | string {
  const { node, text } = open;
  const blank = !open.cdata && isBlank(text);
  if (!blank) node._ = text;
  const keys = Object.keys(node);
  if (keys.length === 0) return blank ? text : node;
  if (keys.length === 1 && !blank) return text;
  return node;
}

/** Whether `s` is only whitespace (xml2js's `/^\s*$/`, without the regex for the common cases). */
function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    return /^\s*$/.test(s.slice(i));
  }
  return true;
}

/** saxes's `line:column: message` as `message at line n, column n`. */
function syntaxSummary(err: Error): string {
  const m = /^(\d+):(\d+): (.*)$/s.exec(err.message);
  return m ? `${m[3]} at line ${m[1]}, column ${m[2]}` : err.message;
}
