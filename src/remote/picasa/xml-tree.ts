/**
 * An XML document as the tree xml2js gives with its default options, built straight from the
 * events of sax, the tokenizer under xml2js. A 1,000-entry album page is 3.6 MB of XML: xml2js
 * spends about 650 ms of CPU on one (its tree building, through defineProperty on every node and
 * a regex test of every text, costs twice its tokenizing), this about 400 ms, most of it in sax.
 *
 * The shape (what wire.ts reads), as xml2js's defaults make it:
 * - the result is `{ rootName: rootNode }`, or null for a document of only whitespace;
 * - an element with children or attributes is an object: attributes under `$` (only when there
 *   are some), its text under `_` (when not only whitespace, untrimmed), each child element under
 *   its name (prefix kept) in an array, in document order;
 * - an element with only text is that text; an empty element without attributes is '' (or the
 *   whitespace it held).
 *
 * Contract: a document that is not well-formed (sax strict mode: unclosed or mismatched tags,
 * text before the root, unknown entities) throws sax's Error, whose message carries
 * `Line: n` and `Column: n` (0-based) lines. A leading byte order mark is ignored.
 */
import { createRequire } from 'node:module';

/** One element: see the file comment for the shape. */
export type XmlNode = Record<string, unknown> & { $?: Record<string, string>; _?: string };

/** The part of sax's parser API used here (sax ships no types). */
interface SaxParser {
  onopentag: (tag: { name: string; attributes: Record<string, string> }) => void;
  onclosetag: () => void;
  ontext: (text: string) => void;
  oncdata: (text: string) => void;
  onerror: (err: Error) => void;
  write(s: string): SaxParser;
  close(): SaxParser;
}

const sax = createRequire(import.meta.url)('sax') as {
  parser(strict: boolean, opts: Record<string, unknown>): SaxParser;
};

interface Open {
  name: string;
  node: XmlNode;
  text: string;
  cdata: boolean;
}

/** Parses `xml` (see the contract above). */
export function parseXmlTree(xml: string): Record<string, unknown> | null {
  const text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  if (text.trim() === '') return null;
  const stack: Open[] = [];
  let result: Record<string, unknown> | null = null;
  const p = sax.parser(true, { trim: false, normalize: false, xmlns: false });
  p.onerror = (err) => {
    throw err;
  };
  p.onopentag = (tag) => {
    const node: XmlNode = {};
    for (const k in tag.attributes) {
      (node.$ ??= {})[k] = tag.attributes[k] as string;
    }
    stack.push({ name: tag.name, node, text: '', cdata: false });
  };
  p.ontext = (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  p.oncdata = (t) => {
    const top = stack[stack.length - 1];
    if (top) {
      top.text += t;
      top.cdata = true;
    }
  };
  p.onclosetag = () => {
    const open = stack.pop() as Open;
    const value = finish(open);
    const parent = stack[stack.length - 1];
    if (parent === undefined) {
      result = { [open.name]: value };
      return;
    }
    const list = parent.node[open.name];
    if (Array.isArray(list)) list.push(value);
    else parent.node[open.name] = [value];
  };
  p.write(text).close();
  return result;
}

/** The value an element closes to, as xml2js makes it. */
function finish(open: Open): unknown {
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
