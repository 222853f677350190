// Parsers for the listings in ../shared/takeout-samples/listings/, one per format the files use
// (unzip -l, tar tv, ls -l, path lists, tree drawings, name-pair tables), and the check that runs
// the matcher over a listing's folders. Each listing's header lines say which format it is in.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { matchFolder } from '../../src/remote/takeout/match.ts';
import { classifyPath, isAlbumJsonName } from '../../src/remote/takeout/paths.ts';
import type { MatchRule, MediaMatch } from '../../src/remote/takeout/types.ts';

export const listingsDir = new URL('../../../shared/takeout-samples/listings/', import.meta.url);

export async function listingNames(): Promise<string[]> {
  return (await readdir(listingsDir)).sort();
}

export function readListing(name: string): Promise<string> {
  return readFile(new URL(name, listingsDir), 'utf8');
}

/** One file a listing names: its path as listed, the part it is in, the `##` section above it. */
export interface Listed {
  path: string;
  part: string | null;
  section: string;
}

/** A listing's entries, and how many lines were cut off by the excerpt (`[excerpt ends here]`). */
export interface Parsed {
  entries: Listed[];
  cut: number;
}

const CUT = '[excerpt ends here]';
const UNZIP = /^\s*(\d+)\s+(\d{2,4}-\d{2}-\d{2,4})\s+(\d{2}:\d{2})\s+(\S.*)$/;
const TAR = /^[-d][rwx-]{9}\s+\S+\s+(\d+)\s+(\d{4}-\d{2}-\d{2})\s+(\d{2}:\d{2})\s+(\S.*)$/;
const PART = /(takeout-\d{8}T\d{6}Z(?:-\d+)*-\d{3}\.(?:zip|tgz))/;

/**
 * `unzip -l` and `tar tv` output, with the part named by an `Archive:`, `Part:` or `<part>:` line
 * above its entries, and `##` headers naming sections (testgp_samples). Column headers, rules,
 * totals, `...` elisions and prose are passed over.
 */
export function parseArchiveListing(text: string): Parsed {
  let part: string | null = null;
  let section = '';
  let cut = 0;
  const entries: Listed[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3).trim();
    if (line.startsWith('#')) continue;
    const entry = UNZIP.exec(line) ?? TAR.exec(line);
    if (entry) {
      const path = (entry[4] ?? '').trimEnd();
      if (path.includes(CUT)) cut++;
      else entries.push({ path, part, section });
      continue;
    }
    const named = PART.exec(line);
    if (named && /^(Archive:|Part:|takeout-|\S+\$|~\$)/.test(line.trim())) part = named[1] ?? null;
  }
  return { entries, cut };
}

/** `ls -l` of one folder (GPTH#8): the folder comes from the shell prompt line `…/Takeout/…# ls -l`. */
export function parseLsListing(text: string): Listed[] {
  const folder = /(Takeout\/[^#]*)# ls -l/.exec(text)?.[1] ?? '';
  const entries: Listed[] = [];
  for (const line of text.split('\n')) {
    const m = /^-[rwx-]{9}\s+\d+\s+\S+\s+\S+\s+\d+\s+\w{3}\s+\d+\s+[\d:]+\s+(.+)$/.exec(line);
    if (m)
      entries.push({
        path: `${folder}/${(m[1] ?? '').replace(/^'(.*)'$/, '$1')}`,
        part: null,
        section: '',
      });
  }
  return entries;
}

/** Git's quoted path with octal escapes (`"…Google\302\240Photos…"`), decoded as UTF-8. */
function unquoteGit(line: string): string {
  if (!line.startsWith('"')) return line;
  const bytes: number[] = [];
  const body = line.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const oct = /^\\([0-7]{3})/.exec(body.slice(i));
    if (oct) {
      bytes.push(parseInt(oct[1] ?? '0', 8));
      i += 3;
    } else bytes.push(...Buffer.from(body[i] ?? '', 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * A path per line (test-data-trees): `## (n)` sections; a `vX.Y: ` tag prefix stays in the path
 * (it names another snapshot, so its folders are other folders).
 */
export function parsePathList(text: string): Listed[] {
  let section = '';
  const entries: Listed[] = [];
  for (const raw of text.split('\n')) {
    if (raw.startsWith('## ')) section = raw.slice(3).trim();
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const tag = /^(v[\w.-]+: )(.*)$/.exec(line);
    const path = tag ? (tag[1] ?? '') + unquoteGit(tag[2] ?? '') : unquoteGit(line);
    entries.push({ path, part: null, section });
  }
  return entries;
}

/**
 * A tree drawing (`├── name` or plain indentation): each line's depth is where its name starts;
 * the leaves are the files. `root` replaces the top line's name (the README's "Extracted Takeout
 * Zip" is the `Takeout` folder).
 */
export function parseTree(text: string, root?: string): Listed[] {
  const stack: Array<{ depth: number; name: string }> = [];
  const nodes: Array<{ path: string; depth: number }> = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const depth = line.search(/[^\s│├└─]/);
    let name = line.slice(depth).trim();
    if (stack.length === 0 && root) name = root;
    while (stack.length > 0 && (stack.at(-1)?.depth ?? 0) >= depth) stack.pop();
    stack.push({ depth, name });
    nodes.push({ path: stack.map((s) => s.name).join('/'), depth });
  }
  const leaves = nodes.filter((n, i) => !((nodes[i + 1]?.depth ?? -1) > n.depth));
  return leaves.map((n) => ({ path: n.path, part: null, section: '' }));
}

/** One row of a name-pair table. */
export interface NamePair {
  section: string;
  media: string;
  sidecar: string;
  /** immich-go's expected matcher ('' = must not match); null when the table has none. */
  expected: string | null;
  note: string;
}

/**
 * Tab-separated pairs. immich-go's table is `json TAB media TAB 'matcher' TAB comment`; GPTH's is
 * `media TAB json   (note)`. `##` headers name sections; `###` starts the fixture sets (not pairs).
 */
export function parseNamePairs(text: string): NamePair[] {
  const pairs: NamePair[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('### ')) break;
    if (line.startsWith('## ')) section = line.slice(3).trim();
    if (line.startsWith('#') || !line.includes('\t')) continue;
    const cols = line.split('\t');
    if (cols.length >= 3) {
      const [sidecar = '', media = '', matcher = '', note = ''] = cols;
      pairs.push({ section, media, sidecar, expected: matcher.replace(/'/g, ''), note });
    } else {
      const [media = '', rest = ''] = cols;
      const m = /^(\S.*?\.json)\s*(.*)$/.exec(rest);
      pairs.push({ section, media, sidecar: m?.[1] ?? rest, expected: null, note: m?.[2] ?? '' });
    }
  }
  return pairs;
}

/** immich-go's fixture sets: `### name`, then `path` or `path TAB title="…"` / `album title="…"`. */
export function parseFixtureSets(
  text: string,
): Map<string, Array<{ path: string; title: string | null; album: boolean }>> {
  const sets = new Map<string, Array<{ path: string; title: string | null; album: boolean }>>();
  let current: Array<{ path: string; title: string | null; album: boolean }> | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('### ')) sets.set(line.slice(4).trim(), (current = []));
    if (!current || line.startsWith('#') || !line.trim()) continue;
    const [path = '', meta = ''] = line.split('\t');
    const title = /title="(.*)"$/.exec(meta)?.[1] ?? null;
    current.push({ path, title, album: meta.startsWith('album ') });
  }
  return sets;
}

/** JSON files of the Photos tree that are no sidecar (TakeoutExtractor#21, README §2). */
export const NON_SIDECAR_JSON = new Set([
  'print-subscriptions.json',
  'shared_album_comments.json',
  'user-generated-memory-titles.json',
]);

export interface FolderCheck {
  /** Sidecar paths left unclaimed on purpose, with why. Each must indeed be unclaimed. */
  orphans?: Record<string, string>;
  /** Media paths left without a sidecar on purpose, with why. Each must indeed be unmatched. */
  lonely?: Record<string, string>;
  /** Sidecar paths two media files share (immich-go#68's forgotten duplicate), with why. */
  shared?: Record<string, string>;
  /** Specific results: media path → [sidecar name, rule, partner name]. */
  expect?: Record<string, [string | null, MatchRule | null, (string | null)?]>;
  /** Titles by sidecar path, when the listing states them. */
  titles?: Map<string, string>;
  /** JSON paths that are album JSON by content (a fixture says so), whatever their name. */
  albums?: Set<string>;
}

/** What one listing's check covered. */
export interface CheckResult {
  folders: number;
  media: number;
  /** Media paired with a sidecar (own, or an edited copy's or companion's partner's). */
  paired: number;
  /** Entry paths seen in two parts (kept once). */
  duplicates: string[];
  results: Map<string, MediaMatch>;
}

const dirOf = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')));
const baseOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** The folders of a listing, across parts; a path listed twice (two parts) is kept once. */
export function folders(entries: Listed[]): { byDir: Map<string, string[]>; duplicates: string[] } {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  const byDir = new Map<string, string[]>();
  for (const { path } of entries) {
    if (seen.has(path)) {
      duplicates.push(path);
      continue;
    }
    seen.add(path);
    const list = byDir.get(dirOf(path)) ?? [];
    list.push(baseOf(path));
    byDir.set(dirOf(path), list);
  }
  return { byDir, duplicates };
}

/** Files no matcher sees: beside the product folder, or JSON that is no sidecar. */
function isSidecar(path: string, check: FolderCheck): boolean {
  const name = baseOf(path);
  return !isAlbumJsonName(name) && !NON_SIDECAR_JSON.has(name) && !check.albums?.has(path);
}

/**
 * Runs the matcher over every folder of a listing and checks what the listing implies: every
 * sidecar claimed by exactly one media file (or shared/orphan as stated), every media file paired
 * (or lonely as stated), every stated expectation met, every stated exception still true.
 */
export function checkListing(entries: Listed[], check: FolderCheck = {}): CheckResult {
  const { byDir, duplicates } = folders(entries);
  const results = new Map<string, MediaMatch>();
  const claims = new Map<string, number>();
  let media = 0;
  for (const [dir, names] of byDir) {
    const inTree = (n: string) =>
      !`${dir}/${n}`.startsWith('Takeout/') || classifyPath(`${dir}/${n}`);
    const files = names.filter(inTree);
    const jsons = files.filter((n) => /\.json$/i.test(n));
    const sidecars = jsons
      .filter((n) => isSidecar(`${dir}/${n}`, check))
      .map((name) => ({ name, title: check.titles?.get(`${dir}/${name}`) ?? null }));
    const mediaNames = files.filter((n) => !/\.json$/i.test(n));
    media += mediaNames.length;
    for (const m of matchFolder({ media: mediaNames, sidecars })) {
      results.set(`${dir}/${m.media}`, m);
      const own = m.rule !== 'edited' && m.rule !== 'companion';
      if (own && m.sidecar)
        claims.set(`${dir}/${m.sidecar}`, (claims.get(`${dir}/${m.sidecar}`) ?? 0) + 1);
    }
    for (const s of sidecars) {
      const path = `${dir}/${s.name}`;
      const count = claims.get(path) ?? 0;
      if (check.orphans?.[path]) assert.equal(count, 0, `stated orphan is claimed: ${path}`);
      else if (check.shared?.[path]) assert.equal(count, 2, `stated shared sidecar: ${path}`);
      else assert.equal(count, 1, `sidecar claimed ${count} times: ${path}`);
    }
  }
  let paired = 0;
  for (const [path, m] of results) {
    if (check.lonely?.[path])
      assert.equal(m.sidecar, null, `stated lonely media is paired: ${path}`);
    else assert.notEqual(m.sidecar, null, `media without sidecar: ${path} ${JSON.stringify(m)}`);
    if (m.sidecar) paired++;
  }
  for (const [path, [sidecar, rule, partner]] of Object.entries(check.expect ?? {})) {
    const m = results.get(path);
    assert.ok(m, `expected media not in listing: ${path}`);
    assert.deepEqual([m.sidecar, m.rule], [sidecar, rule], path);
    if (partner !== undefined) assert.equal(m.partner, partner, path);
  }
  for (const path of [...Object.keys(check.orphans ?? {}), ...Object.keys(check.shared ?? {})]) {
    assert.ok(
      entries.some((e) => e.path === path),
      `stated sidecar not in listing: ${path}`,
    );
  }
  for (const path of Object.keys(check.lonely ?? {}))
    assert.ok(results.has(path), `stated media not in listing: ${path}`);
  return { folders: byDir.size, media, paired, duplicates, results };
}

/** One folder from bare names (issue snippets): every name in folder `dir`. */
export function inFolder(dir: string, names: string[], section = ''): Listed[] {
  return names.map((n) => ({ path: `${dir}/${n}`, part: null, section }));
}
