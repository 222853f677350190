/**
 * The plain client of `npm run bench`: the least any client of these APIs must do, written
 * straight on fetch, p-queue and node:fs, with none of the job's checks, index or logging. The
 * job's phases are printed as ratios to it.
 *
 * - listing: the Drive walk with the job's queries, `fields` and page size (the "Google Photos"
 *   folder, then breadth-first, the children of 40 folders per query, query batches in parallel),
 *   then the album list and every page of every album feed (albums in parallel), each page parsed
 *   with saxes (the job's strict XML parser: a client must check the XML it trusts, and the
 *   baseline stays the least any client must do) into the few fields a backup needs, nothing else
 *   built;
 * - fetch: every listed Drive file and every Photos-only item (an album entry with no Drive file of
 *   the same name and size, once per name, size and time) fetched whole and written to
 *   `dir/<folder>/<id>`, no checks;
 * - durable fetch: the same, each file written under a temp name, fsynced, renamed, its mtime set,
 *   and each folder fsynced once per 1,000 files written into the tree (and at the end): what the
 *   job's writer promises, done the cheapest way.
 *
 * All at the job's concurrency. The emulator runs in this process, so the CPU seconds measured
 * here are the client's and the emulator's together.
 */
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import PQueue from 'p-queue';
import { SaxesParser } from 'saxes';
import { LIST_FIELDS } from '../src/remote/drive/wire.ts';
import type { Emulator } from '../test/fakes/google/server.ts';

const FOLDER_MIME = 'application/vnd.google-apps.folder';
const PARENTS_PER_QUERY = 40;
const PAGE_SIZE = 1000;
const DIR_SYNC_EVERY = 1000;

/** A file the fetch phases get: a URL, where it goes, its mtime. */
export interface PlainFile {
  url: string;
  /** Drive files need the access token; Picasa media URLs are the capability. */
  auth: boolean;
  folder: string;
  name: string;
  mtime: Date;
}

export interface PlainListing {
  files: PlainFile[];
  driveFiles: number;
  albumEntries: number;
}

export interface PlainClient {
  listing(): Promise<PlainListing>;
  fetch(files: readonly PlainFile[], dir: string, durable: boolean): Promise<number>;
}

export async function plainClient(emu: Emulator, concurrency: number): Promise<PlainClient> {
  const token = await accessToken(emu);
  const get = async (url: string, auth = true, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      headers: auth ? { ...headers, authorization: `Bearer ${token}` } : headers,
    });
    return res;
  };
  return {
    listing: () => listing(emu, get, concurrency),
    fetch: (files, dir, durable) => fetchAll(get, files, dir, durable, concurrency),
  };
}

type Get = (url: string, auth?: boolean, headers?: Record<string, string>) => Promise<Response>;

async function accessToken(emu: Emulator): Promise<string> {
  const t = emu.defaultToken();
  const res = await fetch(emu.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: t.client_id,
      client_secret: t.client_secret,
      refresh_token: t.refresh_token,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

interface DriveFile {
  id: string;
  name: string;
  mimeType: string;
  parents?: string[];
  size?: string;
  modifiedTime: string;
}

async function listing(emu: Emulator, get: Get, concurrency: number): Promise<PlainListing> {
  const drive = await driveWalk(emu, get, concurrency);
  const entries = await albumEntries(emu, get, concurrency);
  const have = new Set(drive.map((f) => `${f.name}\0${f.size ?? ''}`));
  const files: PlainFile[] = drive.map((f) => ({
    url: `${emu.url}drive/v3/files/${f.id}?alt=media`,
    auth: true,
    folder: f.parents?.[0] ?? 'root',
    name: f.id,
    mtime: new Date(f.modifiedTime),
  }));
  const photosOnly = new Set<string>();
  for (const e of entries) {
    const key = `${e.name}\0${e.size}`;
    if (have.has(key) || photosOnly.has(`${key}\0${e.timestamp}`) || !e.url) continue;
    photosOnly.add(`${key}\0${e.timestamp}`);
    const mtime = new Date(Number(e.timestamp) || 0);
    files.push({ url: e.url, auth: false, folder: 'picasa', name: e.id, mtime });
  }
  return { files, driveFiles: drive.length, albumEntries: entries.length };
}

/** Every page of one files.list query. */
async function listQuery(emu: Emulator, get: Get, q: string): Promise<DriveFile[]> {
  const out: DriveFile[] = [];
  let pageToken: string | undefined;
  do {
    const u = new URL('drive/v3/files', emu.url);
    const params = { q, pageSize: String(PAGE_SIZE), fields: LIST_FIELDS, spaces: 'drive' };
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    if (pageToken) u.searchParams.set('pageToken', pageToken);
    const res = await get(u.toString());
    if (!res.ok) throw new Error(`files.list: HTTP ${res.status}`);
    const page = (await res.json()) as { files: DriveFile[]; nextPageToken?: string };
    for (const f of page.files) out.push(f);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out;
}

const qs = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The job's walk: the Google Photos folder(s), then breadth-first, media and folders. */
async function driveWalk(emu: Emulator, get: Get, concurrency: number): Promise<DriveFile[]> {
  const roots = await listQuery(
    emu,
    get,
    `name = 'Google Photos' and mimeType = ${qs(FOLDER_MIME)} and 'root' in parents and trashed = false`,
  );
  const media: DriveFile[] = [];
  const seen = new Set(roots.map((r) => r.id));
  let frontier = [...seen];
  const queue = new PQueue({ concurrency });
  while (frontier.length > 0) {
    const next: string[] = [];
    for (let i = 0; i < frontier.length; i += PARENTS_PER_QUERY) {
      const parents = frontier.slice(i, i + PARENTS_PER_QUERY).map((id) => `${qs(id)} in parents`);
      const q = `(${parents.join(' or ')}) and trashed = false and (mimeType = ${qs(FOLDER_MIME)} or mimeType contains 'image/' or mimeType contains 'video/')`;
      void queue.add(async () => {
        for (const f of await listQuery(emu, get, q)) {
          if (seen.has(f.id)) continue;
          seen.add(f.id);
          if (f.mimeType === FOLDER_MIME) next.push(f.id);
          else media.push(f);
        }
      });
    }
    await queue.onIdle();
    frontier = next;
  }
  return media;
}

interface FeedEntry {
  id: string;
  name: string;
  size: string;
  timestamp: string;
  url: string;
}

/** Every entry of every album feed: the album list, then each album's pages. */
async function albumEntries(emu: Emulator, get: Get, concurrency: number): Promise<FeedEntry[]> {
  const user = `${emu.picasaUrl}user/default`;
  const albums = await feedPages(get, user, 'album');
  const out: FeedEntry[] = [];
  const queue = new PQueue({ concurrency });
  for (const a of albums) {
    void queue.add(async () => {
      for (const e of await feedPages(get, `${user}/albumid/${a.id}`, 'photo')) out.push(e);
    });
  }
  await queue.onIdle();
  return out;
}

/** Pages of a feed until an empty one, or a refusal past the offset limit. */
async function feedPages(get: Get, feed: string, kind: string): Promise<FeedEntry[]> {
  const out: FeedEntry[] = [];
  for (let start = 1; ;) {
    const url = `${feed}?kind=${kind}&imgmax=d&start-index=${start}&max-results=${PAGE_SIZE}`;
    const res = await get(url, true, { 'GData-Version': '2' });
    if (!res.ok) {
      if (start > 1) return out; // Picasa's offset limit: the listing ends there
      throw new Error(`${feed}: HTTP ${res.status}`);
    }
    const entries = parseEntries(await res.text());
    if (entries.length === 0) return out;
    for (const e of entries) out.push(e);
    start += entries.length;
  }
}

/** The entries of one feed page: only the elements a backup needs are read. */
function parseEntries(xml: string): FeedEntry[] {
  const out: FeedEntry[] = [];
  const p = new SaxesParser();
  let cur: FeedEntry | null = null;
  let field: keyof FeedEntry | null = null;
  const fields: Record<string, keyof FeedEntry> = {
    'gphoto:id': 'id',
    title: 'name',
    'gphoto:size': 'size',
    'gphoto:timestamp': 'timestamp',
  };
  p.on('opentag', (tag) => {
    if (tag.name === 'entry') cur = { id: '', name: '', size: '', timestamp: '', url: '' };
    else if (cur === null) return;
    else if (tag.name === 'content' && !cur.url) cur.url = tag.attributes.src ?? '';
    // A video's `content` is a poster: its stream is a `media:content`.
    else if (tag.name === 'media:content' && tag.attributes.medium === 'video') {
      cur.url = tag.attributes.url ?? cur.url;
    } else field = fields[tag.name] ?? null;
  });
  p.on('text', (t) => {
    if (cur !== null && field !== null) cur[field] += t;
  });
  p.on('closetag', (tag) => {
    field = null;
    if (tag.name === 'entry' && cur !== null) {
      out.push(cur);
      cur = null;
    }
  });
  p.write(xml).close();
  return out;
}

/** Fetches `files` into `dir/<folder>/<name>`, plainly or durably; returns the bytes. */
async function fetchAll(
  get: Get,
  files: readonly PlainFile[],
  dir: string,
  durable: boolean,
  concurrency: number,
): Promise<number> {
  const folders = new Set(files.map((f) => f.folder));
  for (const f of folders) await fs.mkdir(path.join(dir, f), { recursive: true });
  const queue = new PQueue({ concurrency });
  const dirty = new Set<string>();
  let [bytes, written] = [0, 0];
  for (const f of files) {
    void queue.add(async () => {
      const res = await get(f.url, f.auth);
      if (!res.ok) throw new Error(`${f.url}: HTTP ${res.status}`);
      const buf = Buffer.from(await res.arrayBuffer());
      bytes += buf.length;
      const folder = path.join(dir, f.folder);
      if (!durable) return fs.writeFile(path.join(folder, f.name), buf);
      await writeDurably(folder, f, buf);
      dirty.add(folder);
      if (++written % DIR_SYNC_EVERY === 0) await syncDirs(dirty);
    });
  }
  await queue.onIdle();
  if (durable) await syncDirs(dirty);
  return bytes;
}

async function writeDurably(folder: string, f: PlainFile, buf: Buffer): Promise<void> {
  const final = path.join(folder, f.name);
  const temp = path.join(folder, `.${f.name}.part`);
  const h = await fs.open(temp, 'w');
  try {
    await h.write(buf);
    await h.sync();
  } finally {
    await h.close();
  }
  await fs.rename(temp, final);
  await fs.utimes(final, f.mtime, f.mtime);
}

/** fsyncs every folder in `dirty` (so the renames in them are durable) and empties it. */
async function syncDirs(dirty: Set<string>): Promise<void> {
  const dirs = [...dirty];
  dirty.clear();
  for (const d of dirs) {
    const h = await fs.open(d, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  }
}
