// The zip reader against zips written by the test writer, cross-checked with Info-ZIP's unzip.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { fileByteSource } from '../../src/remote/takeout/byte-source.ts';
import { openPart } from '../../src/remote/takeout/open-part.ts';
import { PartError, type ByteSource } from '../../src/remote/takeout/types.ts';
import { decodeName } from '../../src/remote/takeout/zip-text.ts';
import {
  type ArchiveInput,
  countingSource,
  DEFAULT_MTIME,
  dropCentralDirectory,
  flipByte,
  readAll,
  truncateFile,
  writeZip,
  type ZipOptions,
} from '../fakes/takeout/archive-writer.ts';

const run = promisify(execFile);
const utf8Env = { ...process.env, LC_ALL: 'C.UTF-8' };
let dir = '';
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'takeout-zip-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const photos = 'Takeout/Google Photos';
const sample = (): Array<ArchiveInput & { data?: Buffer }> => [
  { path: `${photos}/Photos from 2023/IMG_0001.jpg`, data: randomBytes(200_000) },
  {
    path: `${photos}/Photos from 2023/IMG_0001.jpg.supplemental-metadata.json`,
    data: Buffer.from(JSON.stringify({ title: 'IMG_0001.jpg', description: 'x'.repeat(5000) })),
  },
  { path: `${photos}/🏳️‍🌈 Été à Zürich 👨‍👩‍👧/métadonnées.json`, data: Buffer.from('{"title":"Été"}') },
  { path: `${photos}/Untitled(1)/empty.jpg`, data: Buffer.alloc(0) },
  { path: `${photos}/Untitled(1)/`, type: 'directory' },
  { path: `${photos}/Photos from 2024/VID.mp4`, data: Buffer.alloc(3_000_000, 1) },
];

async function zipPart(name: string, inputs: ArchiveInput[], options: ZipOptions = {}) {
  const file = path.join(dir, name);
  const layout = await writeZip(file, inputs, options);
  return { file, layout, source: countingSource(await fileByteSource(file)) };
}

const signal = () => new AbortController().signal;
const zipOf = (source: ByteSource) => openPart(source, 'zip');

const configs: Array<[string, ZipOptions]> = [
  ['store', { method: 'store' }],
  ['deflate', { method: 'deflate' }],
  ['mixed, Takeout-like', {}],
  ['data descriptors', { dataDescriptor: true, method: 'deflate' }],
  ['descriptors without signature', { dataDescriptor: true, descriptorSignature: false }],
  ['zip64 forced', { zip64: 'force' }],
  ['zip64 forced with descriptors', { zip64: 'force', dataDescriptor: true, method: 'deflate' }],
  ['UTF-8 names without bit 11', { utf8Flag: false }],
];

for (const [label, options] of configs) {
  test(`round trip (${label}): list, bytes, CRC and mtime match; unzip agrees`, async () => {
    const inputs = sample();
    const { file, source } = await zipPart(`${label.replace(/\W+/g, '-')}.zip`, inputs, options);
    const listed = await zipOf(source).list(signal());
    assert.ok(listed);
    assert.deepEqual(
      listed.map((e) => [e.index, e.path, e.size, e.isDirectory]),
      inputs.map((e, i) => [i, e.path, e.data?.length ?? 0, 'type' in e]),
    );
    for (const [i, e] of listed.entries()) {
      assert.equal(e.crc32, crc32(inputs[i]!.data ?? Buffer.alloc(0)));
      assert.equal(e.mtime?.getTime(), DEFAULT_MTIME.getTime());
    }
    const read = await readAll(zipOf(source));
    assert.deepEqual(
      read.map((r) => [r.path, r.data?.toString('hex'), r.problem]),
      inputs.map((e) => [e.path, e.data?.toString('hex'), undefined]),
    );
    await assertUnzipAgrees(file, inputs);
  });
}

async function assertUnzipAgrees(file: string, inputs: Array<{ path: string; data?: Buffer }>) {
  await run('/usr/bin/unzip', ['-tq', file]);
  const { stdout } = await run('/usr/bin/unzip', ['-Z1', file], { env: utf8Env });
  assert.deepEqual(
    stdout.trimEnd().split('\n'),
    inputs.map((e) => e.path),
  );
  const probe = inputs.find((e) => e.path.endsWith('.json'))!;
  const { stdout: bytes } = await run('/usr/bin/unzip', ['-p', file, probe.path], {
    encoding: 'buffer',
    env: utf8Env,
  });
  assert.deepEqual(bytes, probe.data);
}

test('names: UTF-8 by bit 11 or by valid bytes, else CP437', () => {
  const utf8 = Buffer.from('Été 👨‍👩‍👧.jpg');
  assert.equal(decodeName(utf8, 0x0800), 'Été 👨‍👩‍👧.jpg');
  assert.equal(decodeName(utf8, 0), 'Été 👨‍👩‍👧.jpg');
  assert.equal(decodeName(Buffer.from([0x80, 0x82, 0x74, 0xe9]), 0), 'Çét\u0398');
});

test('10,000 entries: three reads of the source in all (tail, directory, one data stream)', async () => {
  const inputs = Array.from({ length: 10_000 }, (_, i) => ({
    path: `${photos}/Photos from 2020/IMG_${i}.jpg${i % 2 ? '.json' : ''}`,
    data: Buffer.from(`entry ${i} `.repeat(1 + (i % 40))),
  }));
  const { file, source } = await zipPart('many.zip', inputs);
  const read = await readAll(zipOf(source));
  assert.equal(read.length, 10_000);
  assert.ok(read.every((r, i) => r.data?.equals(inputs[i]!.data)));
  assert.equal(source.reads, 3);
  const odd = await readAll(zipOf(source), { want: (e) => e.index % 2 === 1 });
  assert.equal(odd.filter((r) => r.data).length, 5000);
  assert.equal(source.reads, 3 + 3, 'small gaps are read through, not jumped over');
  await run('/usr/bin/unzip', ['-tq', file]);
});

test('fromIndex and want: passed-over entries come bare; a large gap starts one new read', async () => {
  const inputs = [
    { path: 'a.json', data: Buffer.from('{"a":1}') },
    { path: 'big.mp4', data: randomBytes(20 * 1024 * 1024) },
    { path: 'c.json', data: Buffer.from('{"c":3}') },
    { path: 'd.jpg', data: randomBytes(1000) },
  ];
  const { source } = await zipPart('gaps.zip', inputs);
  const reader = zipOf(source);
  await reader.list(signal());
  const before = source.reads;
  const wanted = await readAll(reader, { want: (e) => !e.path.endsWith('.mp4') });
  assert.deepEqual(
    wanted.map((r) => [r.index, r.path, r.data?.length ?? null]),
    [
      [0, 'a.json', 7],
      [1, 'big.mp4', null],
      [2, 'c.json', 7],
      [3, 'd.jpg', 1000],
    ],
  );
  assert.equal(source.reads - before, 2, 'one read for a.json, a new one past the 20 MiB');
  const from2 = await readAll(reader, { fromIndex: 2 });
  assert.deepEqual(
    from2.map((r) => [r.index, r.data?.toString('hex') ?? null]),
    [
      [0, null],
      [1, null],
      [2, inputs[2]!.data.toString('hex')],
      [3, inputs[3]!.data.toString('hex')],
    ],
  );
  // A read lets go of the directory as it goes (memory): the second reads it again (2 reads).
  assert.equal(source.reads - before, 2 + 2 + 1);
  assert.equal(source.open, 0);
});

test('a body left unfinished or never started is closed: the next entries read right', async () => {
  const inputs = [
    { path: 'big.mp4', data: randomBytes(3 << 20) },
    { path: 'big.json', data: randomBytes(3 << 20), zip: { method: 'deflate' as const } },
    { path: 'unread.jpg', data: randomBytes(1000) },
    { path: 'small.json', data: Buffer.from('{"small":true}') },
  ];
  const { source } = await zipPart('abandon.zip', inputs);
  const seen: Array<[string, number]> = [];
  for await (const { entry, body } of zipOf(source).entries({ signal: signal() })) {
    if (entry.path === 'unread.jpg') continue;
    let length = 0;
    for await (const chunk of body!) {
      length += chunk.length;
      if (entry.path.startsWith('big')) break;
    }
    seen.push([entry.path, length]);
  }
  assert.deepEqual(
    seen.map(([p]) => p),
    ['big.mp4', 'big.json', 'small.json'],
  );
  assert.ok(seen[0]![1] < 3 << 20 && seen[1]![1] < 3 << 20);
  assert.equal(seen[2]![1], 14);
  assert.equal(source.open, 0);
});

/** A part with one bad entry between good ones; returns what the reader made of all three. */
async function oneBad(name: string, bad: ArchiveInput, options: ZipOptions = {}) {
  const good = (p: string) => ({ path: p, data: Buffer.from(`{"ok":"${p}"}`) });
  const { file, layout, source } = await zipPart(
    name,
    [good('first.json'), bad, good('last.json')],
    options,
  );
  return { file, layout, source, read: () => readAll(zipOf(source)) };
}

function assertOthersRead(read: Awaited<ReturnType<typeof readAll>>) {
  assert.equal(read.length, 3);
  assert.equal(read[0]!.data?.toString(), '{"ok":"first.json"}');
  assert.equal(read[2]!.data?.toString(), '{"ok":"last.json"}');
}

test('a flipped byte in stored data: crc problem thrown by the body; the others read', async () => {
  const part = await oneBad('crc.zip', { path: 'photo.jpg', data: randomBytes(100_000) });
  await flipByte(part.file, part.layout.entries[1]!.dataOffset + 5000);
  const read = await part.read();
  assertOthersRead(read);
  assert.equal(read[1]!.problem?.kind, 'crc');
  assert.equal(read[1]!.late, true);
  assert.match(read[1]!.problem!.message, /crc\.zip: photo\.jpg is damaged: its CRC-32 is/);
});

test('a flipped byte in deflated data: corrupt or crc, never silent', async () => {
  const data = Buffer.from(JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ i }))));
  const part = await oneBad('deflate-bad.zip', { path: 'x.json', data });
  const entry = part.layout.entries[1]!;
  await flipByte(part.file, entry.dataOffset + Math.floor(entry.compressedSize / 2));
  const read = await part.read();
  assertOthersRead(read);
  assert.ok(
    ['corrupt', 'crc', 'size'].includes(read[1]!.problem?.kind ?? ''),
    read[1]!.problem?.kind,
  );
});

test('bomb: an entry inflating past its declared size stops at that size', async () => {
  const data = Buffer.alloc(50 * 1024 * 1024);
  const part = await oneBad('bomb.zip', {
    path: 'zeros.json',
    data,
    zip: { method: 'deflate', declaredSize: 1000 },
  });
  let handedOut = 0;
  for await (const { entry, body } of zipOf(part.source).entries({ signal: signal() })) {
    if (entry.path !== 'zeros.json') continue;
    await assert.rejects(
      (async () => {
        for await (const chunk of body!) handedOut += chunk.length;
      })(),
      (e: Error & { problem?: { kind: string } }) => e.problem?.kind === 'bomb',
    );
  }
  assert.ok(handedOut <= 1000, `${handedOut} bytes handed out`);
  assertOthersRead(await part.read());
});

test('refused before reading: huge ratio, encrypted, other methods, stored size mismatch', async () => {
  const cases: Array<[ArchiveInput, string]> = [
    [{ path: 'r.json', data: Buffer.alloc(10_000), zip: { declaredSize: 2 * 1024 ** 3 } }, 'bomb'],
    [{ path: 'e.jpg', data: randomBytes(100), zip: { encrypted: true } }, 'encrypted'],
    [{ path: 'm.jpg', data: randomBytes(100), zip: { methodCode: 12 } }, 'unsupported'],
    [{ path: 's.jpg', data: randomBytes(100), zip: { method: 'store', declaredSize: 99 } }, 'size'],
  ];
  for (const [bad, kind] of cases) {
    const read = await (await oneBad(`${kind}.zip`, bad)).read();
    assertOthersRead(read);
    assert.equal(read[1]!.problem?.kind, kind);
    assert.equal(read[1]!.late, undefined, 'found from the directory, no body handed out');
    assert.equal(read[1]!.data, undefined);
  }
});

test('declared size larger than the deflated data: size problem after the bytes', async () => {
  const bad = { path: 'short.json', data: Buffer.from('{}'), zip: { declaredSize: 3 } };
  const read = await (await oneBad('short.zip', bad, { method: 'deflate' })).read();
  assertOthersRead(read);
  assert.equal(read[1]!.problem?.kind, 'size');
  assert.equal(read[1]!.late, true);
});

test('unsafe names: problem, bytes never handed out', async () => {
  for (const name of ['../../etc/passwd', '/abs', 'C:\\x', 'a\\..\\b', 'Takeout/../../x']) {
    const read = await (await oneBad('unsafe.zip', { path: name, data: Buffer.from('x') })).read();
    assertOthersRead(read);
    assert.equal(read[1]!.path, name);
    assert.equal(read[1]!.problem?.kind, 'unsafe-name');
    assert.equal(read[1]!.data, undefined);
  }
});

test('a damaged local header, and an entry overlapping another: corrupt, the rest read', async () => {
  const inputs = ['a', 'b', 'c', 'd'].map((p) => ({ path: `${p}.json`, data: Buffer.from(p) }));
  const { file, layout, source } = await zipPart('local.zip', inputs, { method: 'store' });
  await flipByte(file, layout.entries[1]!.localOffset);
  const central = await centralOffsets(file, layout.cdOffset);
  await writeU32(file, central[3]! + 42, layout.entries[2]!.localOffset);
  const read = await readAll(zipOf(source));
  assert.deepEqual(
    read.map((r) => [r.path, r.data?.toString() ?? r.problem?.kind]),
    [
      ['a.json', 'a'],
      ['b.json', 'corrupt'],
      ['c.json', 'c'],
      ['d.json', 'corrupt'],
    ],
  );
  assert.match(read[3]!.problem!.message, /overlaps/);
});

async function centralOffsets(file: string, cdOffset: number): Promise<number[]> {
  const bytes = await fs.readFile(file);
  const found: number[] = [];
  for (
    let at = bytes.indexOf('PK\x01\x02', cdOffset);
    at >= 0;
    at = bytes.indexOf('PK\x01\x02', at + 4)
  ) {
    found.push(at);
  }
  return found;
}

async function writeU32(file: string, at: number, value: number) {
  const handle = await fs.open(file, 'r+');
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  await handle.write(bytes, 0, 4, at);
  await handle.close();
}

test('no usable directory: PartError from list() and entries() with a clear message', async () => {
  const noEnd =
    /is not a complete zip: no central directory found \(was the download cut short\?\)/;
  const cut = await zipPart('cut.zip', sample());
  await truncateFile(cut.file, Math.floor(cut.layout.size / 2));
  const cutReader = zipOf(await fileByteSource(cut.file));
  await assert.rejects(
    cutReader.list(signal()),
    (e) => e instanceof PartError && noEnd.test(e.message),
  );
  await assert.rejects(readAll(cutReader), (e) => e instanceof PartError && e.part === 'cut.zip');

  const dropped = await zipPart('dropped.zip', sample());
  await dropCentralDirectory(dropped.file, dropped.layout);
  await assert.rejects(zipOf(await fileByteSource(dropped.file)).list(signal()), noEnd);

  const damaged = await zipPart('damaged.zip', sample());
  await flipByte(damaged.file, (await centralOffsets(damaged.file, damaged.layout.cdOffset))[2]!);
  await assert.rejects(
    zipOf(damaged.source).list(signal()),
    /damaged\.zip is not a readable zip: its central directory/,
  );

  await fs.writeFile(path.join(dir, 'random.zip'), randomBytes(100_000));
  await assert.rejects(
    zipOf(await fileByteSource(path.join(dir, 'random.zip'))).list(signal()),
    PartError,
  );
});

test('the data ends early while streaming: PartError, entries before it were whole', async () => {
  const inputs = [
    { path: 'a.jpg', data: randomBytes(3 * 1024 * 1024) },
    { path: 'b.jpg', data: randomBytes(3 * 1024 * 1024) },
  ];
  const { file, layout } = await zipPart('ends.zip', inputs);
  const whole = await fileByteSource(file);
  const cutAt = layout.entries[1]!.dataOffset + 1000;
  // The entry data stream (it ends at the directory) stops early; tail and directory are whole.
  const cutShort: ByteSource = {
    ...whole,
    read: (start, end, s) => whole.read(start, end === layout.cdOffset ? cutAt : end, s),
  };
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const { entry, body } of zipOf(cutShort).entries({ signal: signal() })) {
        for await (const _ of body!);
        seen.push(entry.path);
      }
    })(),
    (e) => e instanceof PartError && /ends\.zip is truncated or corrupt/.test(e.message),
  );
  assert.deepEqual(seen, ['a.jpg']);
});

test('abort mid-entry: rejects with the reason, the file is closed', async () => {
  const inputs = [
    { path: 'v.mp4', data: randomBytes(6 * 1024 * 1024) },
    { path: 'v.json', data: randomBytes(6 * 1024 * 1024), zip: { method: 'deflate' as const } },
  ];
  const { source } = await zipPart('abort.zip', inputs);
  for (const target of ['v.mp4', 'v.json']) {
    const controller = new AbortController();
    const reason = new Error(`stop ${target}`);
    await assert.rejects(
      (async () => {
        for await (const { entry, body } of zipOf(source).entries({ signal: controller.signal })) {
          if (entry.path !== target) continue;
          for await (const _ of body!) controller.abort(reason);
        }
      })(),
      (e) => e === reason,
    );
    await waitFor(() => source.open === 0);
  }
});

test('abort while the source stalls and ignores the signal: rejects at once', async () => {
  const { source } = await zipPart('stall.zip', [{ path: 'a.jpg', data: randomBytes(3 << 20) }]);
  const stalling: ByteSource = {
    ...source,
    async *read(start, end, s) {
      if (start === 0) await new Promise(() => undefined);
      yield* source.read(start, end, s);
    },
  };
  const controller = new AbortController();
  const reason = new Error('stop');
  setTimeout(() => controller.abort(reason), 50);
  await assert.rejects(
    readAll(zipOf(stalling), { signal: controller.signal }),
    (e) => e === reason,
  );
});

async function waitFor(check: () => boolean) {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), 'condition not reached within 1 s');
}
