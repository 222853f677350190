/**
 * A small XML tree and writer in the two styles Picasa answered with: v1 (no GData-Version)
 * pretty-printed with double quotes (as the perkeep/picago samples), v2 on one line with single
 * quotes (as the libgdata traces).
 */

export interface XNode {
  name: string;
  attrs: Record<string, string>;
  children: Array<XNode | string>;
}

type Child = XNode | string | undefined | false | Child[];

/** An element; `undefined`/`false` children are dropped and arrays flattened. */
export function el(
  name: string,
  attrs: Record<string, string | undefined> | null = null,
  ...children: Child[]
): XNode {
  const a: Record<string, string> = {};
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (v !== undefined) a[k] = v;
  const c: Array<XNode | string> = [];
  const push = (x: Child): void => {
    if (x === undefined || x === false) return;
    if (Array.isArray(x)) x.forEach(push);
    else c.push(x);
  };
  children.forEach(push);
  return { name, attrs: a, children: c };
}

const TEXT_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const ATTR_ESC: Record<string, string> = { ...TEXT_ESC, '"': '&quot;', "'": '&apos;' };

function escText(s: string): string {
  return s.replace(/[&<>]/g, (ch) => TEXT_ESC[ch]!);
}

function escAttr(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ATTR_ESC[ch]!);
}

export interface XmlStyle {
  pretty: boolean;
  quote: '"' | "'";
}

export const V1_STYLE: XmlStyle = { pretty: true, quote: '"' };
export const V2_STYLE: XmlStyle = { pretty: false, quote: "'" };

function write(node: XNode, style: XmlStyle, depth: number, out: string[]): void {
  const q = style.quote;
  const pad = style.pretty ? '  '.repeat(depth) : '';
  let open = `${pad}<${node.name}`;
  for (const [k, v] of Object.entries(node.attrs)) open += ` ${k}=${q}${escAttr(v)}${q}`;
  if (node.children.length === 0) {
    out.push(open + '/>');
    return;
  }
  const textOnly = node.children.every((c) => typeof c === 'string');
  if (textOnly || !style.pretty) {
    out.push(open + '>');
    for (const c of node.children) {
      if (typeof c === 'string') out.push(escText(c));
      else write(c, style, depth + 1, out);
    }
    out.push(`</${node.name}>`);
    return;
  }
  out.push(open + '>\n');
  for (const c of node.children) {
    if (typeof c === 'string') out.push(escText(c));
    else write(c, style, depth + 1, out);
    out.push('\n');
  }
  out.push(`${pad}</${node.name}>`);
}

/** The document: XML declaration then `root`. */
export function serialize(root: XNode, style: XmlStyle): string {
  const q = style.quote;
  const out = [`<?xml version=${q}1.0${q} encoding=${q}UTF-8${q}?>${style.pretty ? '\n' : ''}`];
  write(root, style, 0, out);
  if (style.pretty) out.push('\n');
  return out.join('');
}
