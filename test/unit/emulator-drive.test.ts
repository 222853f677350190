// Drive v3 conformance of the emulator, through the REAL @googleapis/drive + google-auth-library
// clients, compared with the samples in ../shared/api-samples/.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { realClients } from '../fakes/google/clients.ts';
import { apiError, noRetry, sample } from '../helpers/google.ts';
import type { RealClients } from '../fakes/google/clients.ts';
import { contentOf, FOLDER_MIME, generateLibrary, md5Of } from '../fakes/google/library.ts';
import { demoLibrary } from '../fakes/google/scenarios.ts';
import type { DemoLibrary } from '../fakes/google/scenarios.ts';
import { startEmulator } from '../fakes/google/server.ts';
import type { Emulator } from '../fakes/google/server.ts';

describe('Drive v3 emulator through the real clients', () => {
  let emu: Emulator;
  let lib: DemoLibrary;
  let c: RealClients;

  before(async () => {
    lib = demoLibrary();
    emu = await startEmulator({ library: lib });
    c = realClients(emu);
  });
  after(() => emu.close());

  /** Lists a whole query through the client, looping on nextPageToken. */
  async function listAll(q: string, pageSize: number, fields = 'nextPageToken, files(id,name)') {
    const files: Array<Record<string, unknown>> = [];
    const pages: number[] = [];
    let pageToken: string | undefined;
    do {
      const res = await c.drive.files.list({ q, pageSize, fields, spaces: 'drive', pageToken });
      pages.push(res.data.files?.length ?? 0);
      files.push(...((res.data.files ?? []) as Array<Record<string, unknown>>));
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    return { files, pages };
  }

  it('walks Google Photos with q, fields and paging', async () => {
    const top = await listAll(
      "name = 'Google Photos' and mimeType = 'application/vnd.google-apps.folder' and 'root' in parents and trashed = false",
      1000,
    );
    assert.deepEqual(top.files, [{ id: lib.ids.googlePhotos, name: 'Google Photos' }]);

    const seen = new Set<string>();
    const walk = async (folder: string): Promise<void> => {
      const { files } = await listAll(
        `'${folder}' in parents and trashed = false`,
        7,
        'nextPageToken, files(id,mimeType)',
      );
      for (const f of files) {
        seen.add(f.id as string);
        if (f.mimeType === FOLDER_MIME) await walk(f.id as string);
      }
    };
    await walk(lib.ids.googlePhotos);
    assert.ok(!seen.has(lib.ids.trashed));
    for (const id of [lib.ids.slashName, lib.ids.googleDoc, lib.ids.pdf, ...lib.ids.duplicates]) {
      assert.ok(seen.has(id), id);
    }
    // the two-parent folder is reached through 2017
    assert.ok(lib.ids.twoParentsPhotos.every((id) => seen.has(id)));
    assert.ok(!lib.ids.outsidePhotos.some((id) => seen.has(id)));
    assert.equal(emu.requests.at(-1)?.route, 'files.list');
  });

  it('sends only kind,id,name,mimeType without fields; int64 members are strings', async () => {
    const res = await c.drive.files.list({
      q: `'${lib.ids.years['2018']}' in parents`,
      pageSize: 2,
    });
    assert.deepEqual(Object.keys(res.data).sort(), [
      'files',
      'incompleteSearch',
      'kind',
      'nextPageToken',
    ]);
    assert.equal(res.data.kind, 'drive#fileList');
    for (const f of res.data.files!) {
      assert.deepEqual(Object.keys(f), ['kind', 'id', 'name', 'mimeType']);
    }
    const withFields = await c.drive.files.list({
      q: `'${lib.ids.years['2018']}' in parents and mimeType contains 'image/'`,
      fields: 'files(id,size,quotaBytesUsed,version,imageMediaMetadata(time,width))',
    });
    assert.deepEqual(Object.keys(withFields.data), ['files']);
    const f0 = withFields.data.files![0]!;
    assert.equal(typeof f0.size, 'string');
    assert.equal(typeof f0.quotaBytesUsed, 'string');
    assert.equal(typeof f0.version, 'string');
    assert.deepEqual(Object.keys(f0.imageMediaMetadata!), ['width', 'time']);
    assert.match(f0.imageMediaMetadata!.time!, /^\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('renders a file with the key types of the real sample', async () => {
    const real = (
      sample('drive-files-list.demisto.json') as { files: Array<Record<string, unknown>> }
    ).files[0]!;
    const res = await c.drive.files.get({ fileId: lib.ids.pdf, fields: '*' });
    const ours = res.data as Record<string, unknown>;
    const typeOf = (v: unknown): string => (Array.isArray(v) ? 'array' : typeof v);
    let compared = 0;
    for (const [k, v] of Object.entries(real)) {
      if (!(k in ours)) continue;
      assert.equal(typeOf(ours[k]), typeOf(v), k);
      compared++;
    }
    assert.ok(compared >= 25, `compared ${compared} keys`);
    for (const k of [
      'md5Checksum',
      'size',
      'headRevisionId',
      'originalFilename',
      'fileExtension',
    ]) {
      assert.ok(k in ours, k);
    }
    assert.match(ours.md5Checksum as string, /^[0-9a-f]{32}$/);
    assert.match(ours.createdTime as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // folders carry no size/md5; videos carry durationMillis as a string
    const folder = await c.drive.files.get({ fileId: lib.ids.googlePhotos, fields: '*' });
    assert.ok(!('size' in folder.data) && !('md5Checksum' in folder.data));
    const video = await c.drive.files.get({
      fileId: lib.ids.videos[0]!,
      fields: 'videoMediaMetadata',
    });
    assert.equal(typeof video.data.videoMediaMetadata?.durationMillis, 'string');
  });

  it('reports trashed state (explicit and inherited)', async () => {
    const t = await c.drive.files.get({
      fileId: lib.ids.trashed,
      fields: 'trashed,explicitlyTrashed',
    });
    assert.deepEqual(t.data, { trashed: true, explicitlyTrashed: true });
    const folder = lib.files.get(lib.ids.outsideFolder)!;
    folder.trashed = true;
    try {
      const child = await c.drive.files.get({
        fileId: lib.ids.outsidePhotos[0]!,
        fields: 'trashed,explicitlyTrashed',
      });
      assert.deepEqual(child.data, { trashed: true, explicitlyTrashed: false });
    } finally {
      delete folder.trashed;
    }
  });

  it('rejects unknown fields, malformed q, a foreign pageToken and bad orderBy', async () => {
    const e1 = await apiError(c.drive.files.list({ fields: 'files(id,bogus)' }, noRetry));
    assert.equal(e1.status, 400);
    assert.deepEqual(e1.response.data, {
      error: {
        errors: [
          {
            domain: 'global',
            reason: 'invalidParameter',
            message: 'Invalid field selection files/bogus',
            locationType: 'parameter',
            location: 'fields',
          },
        ],
        code: 400,
        message: 'Invalid field selection files/bogus',
      },
    });
    const e2 = await apiError(c.drive.files.list({ q: "name = 'x' and (" }, noRetry));
    assert.equal(e2.status, 400);
    const err2 = (e2.response.data as { error: { errors: Array<Record<string, string>> } }).error
      .errors[0]!;
    assert.deepEqual(
      [err2.reason, err2.location, err2.locationType],
      ['invalid', 'q', 'parameter'],
    );

    const first = await c.drive.files.list({ q: 'trashed = false', pageSize: 1 });
    const e3 = await apiError(
      c.drive.files.list(
        { q: 'trashed = true', pageSize: 1, pageToken: first.data.nextPageToken! },
        noRetry,
      ),
    );
    assert.equal(e3.status, 400);
    assert.equal(
      (e3.response.data as { error: { errors: Array<{ location: string }> } }).error.errors[0]!
        .location,
      'pageToken',
    );
    const e4 = await apiError(c.drive.files.list({ orderBy: 'sizeOnDisk' }, noRetry));
    assert.equal(e4.status, 400);
  });

  it('orders by createdTime, name and folder', async () => {
    const q = `'${lib.ids.years['2016']}' in parents`;
    const byTime = await listAll(q, 1000, 'files(createdTime)');
    const times = byTime.files.map((f) => f.createdTime as string);
    const ordered = await c.drive.files.list({
      q,
      orderBy: 'createdTime desc',
      fields: 'files(createdTime)',
    });
    assert.deepEqual(
      ordered.data.files!.map((f) => f.createdTime),
      [...times].sort().reverse(),
    );
    const byName = await c.drive.files.list({
      q: `'${lib.rootId}' in parents`,
      orderBy: 'folder,name',
      fields: 'files(name,mimeType)',
    });
    const names = byName.data.files!.map((f) => f.name);
    assert.deepEqual(names, ['Camera Uploads', 'Google Photos']);
  });

  it('files.get: root alias, 404 envelope', async () => {
    const root = await c.drive.files.get({ fileId: 'root', fields: 'id,name,mimeType' });
    assert.deepEqual(root.data, { id: lib.rootId, name: 'My Drive', mimeType: FOLDER_MIME });
    const plain = await c.drive.files.get({ fileId: lib.ids.slashName });
    assert.deepEqual(Object.keys(plain.data), ['kind', 'id', 'name', 'mimeType']);
    assert.equal(plain.data.name, 'Paris 2017/08/14.jpg');
    const e = await apiError(c.drive.files.get({ fileId: 'nope' }, noRetry));
    assert.equal(e.status, 404);
    assert.deepEqual(e.response.data, {
      error: {
        errors: [
          {
            domain: 'global',
            reason: 'notFound',
            message: 'File not found: nope.',
            locationType: 'parameter',
            location: 'fileId',
          },
        ],
        code: 404,
        message: 'File not found: nope.',
      },
    });
  });

  it('downloads media with the right bytes, md5 and Range semantics', async () => {
    const id = lib.ids.bigPhoto;
    const meta = await c.drive.files.get({ fileId: id, fields: 'md5Checksum,size,mimeType' });
    const full = await c.drive.files.get(
      { fileId: id, alt: 'media' },
      { responseType: 'arraybuffer' },
    );
    const bytes = Buffer.from(full.data as unknown as ArrayBuffer);
    assert.equal(full.status, 200);
    assert.equal(String(bytes.length), meta.data.size);
    assert.deepEqual(bytes, contentOf(lib, id));
    assert.equal(createHash('md5').update(bytes).digest('hex'), meta.data.md5Checksum);
    assert.equal(meta.data.md5Checksum, md5Of(lib, id));
    const h = full.headers as unknown as Headers;
    assert.equal(h.get('content-type'), 'image/jpeg');
    assert.equal(h.get('accept-ranges'), 'bytes');

    const part = await c.drive.files.get(
      { fileId: id, alt: 'media' },
      { responseType: 'arraybuffer', headers: { Range: 'bytes=65530-70009' } },
    );
    assert.equal(part.status, 206);
    assert.equal(
      (part.headers as unknown as Headers).get('content-range'),
      `bytes 65530-70009/300000`,
    );
    assert.deepEqual(
      Buffer.from(part.data as unknown as ArrayBuffer),
      bytes.subarray(65530, 70010),
    );

    const tail = await c.drive.files.get(
      { fileId: id, alt: 'media' },
      { responseType: 'arraybuffer', headers: { Range: 'bytes=299990-' } },
    );
    assert.equal(tail.status, 206);
    assert.deepEqual(Buffer.from(tail.data as unknown as ArrayBuffer), bytes.subarray(299990));

    const e416 = await apiError(
      c.drive.files.get(
        { fileId: id, alt: 'media' },
        { responseType: 'arraybuffer', headers: { Range: 'bytes=300000-' }, retry: false },
      ),
    );
    assert.equal(e416.status, 416);
  });

  it('streams media and refuses Google Docs and folders', async () => {
    const res = await c.drive.files.get(
      { fileId: lib.ids.videos[2]!, alt: 'media' },
      { responseType: 'stream' },
    );
    let n = 0;
    for await (const chunk of res.data as unknown as Readable) n += (chunk as Buffer).length;
    assert.equal(n, 80_000);
    for (const fileId of [lib.ids.googleDoc, lib.ids.googlePhotos]) {
      const e = await apiError(
        c.drive.files.get({ fileId, alt: 'media' }, { responseType: 'arraybuffer', retry: false }),
      );
      assert.equal(e.status, 403);
      const body = e.response.data;
      const data = body instanceof ArrayBuffer ? JSON.parse(Buffer.from(body).toString()) : body;
      assert.equal(data.error.errors[0].reason, 'fileNotDownloadable');
    }
  });

  it('answers 401 authError without a valid token', async () => {
    for (const auth of [undefined, 'Bearer ya29.not-issued-here']) {
      const res = await fetch(`${emu.url}drive/v3/files`, {
        headers: auth ? { authorization: auth } : {},
      });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('content-type'), 'application/json; charset=UTF-8');
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
      assert.deepEqual(await res.json(), sample('drive-error-401-authError.documented.json'));
    }
  });

  it('expired access tokens give 401 to the client', async () => {
    const own = realClients(emu);
    await own.drive.files.get({ fileId: 'root' });
    emu.expireAccessTokens();
    const e = await apiError(own.drive.files.get({ fileId: 'root' }, noRetry));
    assert.equal(e.status, 401);
    assert.deepEqual(e.response.data, sample('drive-error-401-authError.documented.json'));
  });
});

describe('Drive v3 emulator paging', () => {
  let emu: Emulator;
  let c: RealClients;
  const lib = generateLibrary({ items: 2500, seed: 3 });
  const expected = [...lib.files.values()]
    .filter((f) => f.mimeType !== FOLDER_MIME)
    .map((f) => f.id);
  const q = `mimeType != '${FOLDER_MIME}' and trashed = false`;

  before(async () => {
    emu = await startEmulator({ library: lib });
    c = realClients(emu);
  });
  after(() => emu.close());

  async function collect(pageSize: number) {
    const ids: string[] = [];
    const pages: Array<{ n: number; token: boolean }> = [];
    let pageToken: string | undefined;
    do {
      const res = await c.drive.files.list({
        q,
        pageSize,
        pageToken,
        fields: 'nextPageToken,files(id)',
      });
      const files = res.data.files ?? [];
      ids.push(...files.map((f) => f.id!));
      pageToken = res.data.nextPageToken ?? undefined;
      pages.push({ n: files.length, token: pageToken !== undefined });
    } while (pageToken);
    return { ids, pages };
  }

  it('clamps pageSize to 1000 and pages through everything', async () => {
    const { ids, pages } = await collect(5000);
    assert.deepEqual(
      pages.map((p) => p.n),
      [1000, 1000, 500],
    );
    assert.deepEqual(ids, expected);
  });

  it('defaults pageSize to 100', async () => {
    const res = await c.drive.files.list({ q });
    assert.equal(res.data.files?.length, 100);
    assert.ok(res.data.nextPageToken);
  });

  it('shortPages: short and empty pages while nextPageToken is present', async () => {
    emu.shortPages = true;
    try {
      const { ids, pages } = await collect(300);
      assert.deepEqual(ids, expected);
      assert.ok(
        pages.some((p) => p.n === 0 && p.token),
        'an empty page with a token',
      );
      assert.ok(
        pages.some((p) => p.n > 0 && p.n < 300 && p.token),
        'a short page with a token',
      );
      assert.equal(pages.at(-1)!.n, 0);
    } finally {
      emu.shortPages = false;
    }
  });

  it('serves a 100,000-item listing in pages of 1000, every item once', async () => {
    const big = generateLibrary({ items: 100_000, seed: 9 });
    emu.library = big;
    try {
      const { ids } = await collect(1000);
      assert.equal(ids.length, 100_000);
    } finally {
      emu.library = lib;
    }
  });
});
