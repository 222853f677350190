// The tgz reader against parts written by the test writer and by GNU tar, cross-checked with tar.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { fileByteSource } from '../../src/remote/takeout/byte-source.ts';
import { openPart } from '../../src/remote/takeout/open-part.ts';
import { PartError, type ByteSource } from '../../src/remote/takeout/types.ts';
import {
  type ArchiveInput,
  countingSource,
  DEFAULT_MTIME,
  flipByte,
  readAll,
  truncateFile,
  writeTgz,
} from '../fakes/takeout/archive-writer.ts';

const run = promisify(execFile);
const utf8Env = { ...process.env, LC_ALL: 'C.UTF-8' };
let dir = '';
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'takeout-tgz-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const photos = 'Takeout/Google Photos';
const longName = `${photos}/${'Album with a very long name '.repeat(4)}/${'IMG_'.repeat(30)}.jpg`;
const sample = (): Array<ArchiveInput & { data?: Buffer }> => [
  { path: `${photos}/`, type: 'directory' },
  { path: `${photos}/Photos from 2023/IMG_0001.jpg`, data: randomBytes(300_000) },
  { path: `${photos}/🏳️‍🌈 Été 👨‍👩‍👧/métadonnées.json`, data: Buffer.from('{"title":"Été"}') },
  { path: longName, data: randomBytes(5000) },
  { path: `${photos}/empty.jpg`, data: Buffer.alloc(0) },
  { path: `${photos}/VID.mp4`, data: randomBytes(3 * 1024 * 1024) },
];

async function tgzPart(name: string, inputs: ArchiveInput[]) {
  const file = path.join(dir, name);
  await writeTgz(file, inputs);
  return { file, source: countingSource(await fileByteSource(file)) };
}

const tgzOf = (source: ByteSource) => openPart(source, 'tgz');
const bare = (p: string) => p.replace(/\/$/, '');

test('round trip: stream order, long and UTF-8 names, directories, bytes; tar agrees', async () => {
  const inputs = sample();
  assert.ok(Buffer.byteLength(longName) > 255);
  const { file, source } = await tgzPart('round.tgz', inputs);
  const reader = tgzOf(source);
  assert.equal(await reader.list(new AbortController().signal), null);
  const entries = [];
  for await (const read of reader.entries({ signal: new AbortController().signal })) {
    const chunks: Buffer[] = [];
    if (read.body) for await (const chunk of read.body) chunks.push(chunk);
    entries.push({ ...read.entry, data: read.body ? Buffer.concat(chunks) : undefined });
  }
  assert.deepEqual(
    entries.map((e) => [
      e.index,
      bare(e.path),
      e.isDirectory,
      e.size,
      e.crc32,
      e.data?.toString('hex'),
    ]),
    inputs.map((e, i) => [
      i,
      bare(e.path),
      'type' in e,
      e.data?.length ?? 0,
      null,
      e.data?.toString('hex'),
    ]),
  );
  assert.ok(entries.every((e) => e.mtime?.getTime() === DEFAULT_MTIME.getTime()));
  assert.equal(source.reads, 1);
  const { stdout } = await run('/usr/bin/tar', ['-tzf', file], { env: utf8Env });
  assert.deepEqual(
    stdout.trimEnd().split('\n').map(bare),
    inputs.map((e) => bare(e.path)),
  );
  const { stdout: bytes } = await run('/usr/bin/tar', ['-xzOf', file, longName], {
    encoding: 'buffer',
    env: utf8Env,
  });
  assert.deepEqual(bytes, inputs[3]!.data);
});

test('parts written by GNU tar (gnu and pax long names) read back whole', async () => {
  const tree = path.join(dir, 'tree');
  const names = [`Google Photos/${'é'.repeat(60)}.jpg`, `Google Photos/${'x'.repeat(150)}.json`];
  for (const [i, name] of names.entries()) {
    await fs.mkdir(path.join(tree, path.dirname(name)), { recursive: true });
    await fs.writeFile(path.join(tree, name), `content ${i}`);
  }
  for (const format of ['gnu', 'pax']) {
    const file = path.join(dir, `gnu-${format}.tgz`);
    await run('/usr/bin/tar', [`--format=${format}`, '-czf', file, '-C', tree, ...names]);
    const read = await readAll(tgzOf(await fileByteSource(file)));
    assert.deepEqual(
      read.map((r) => [r.path, r.data?.toString()]),
      names.map((n, i) => [n, `content ${i}`]),
      format,
    );
  }
});

test('chunked entries are streamed by the writer and read back', async () => {
  const chunk = randomBytes(64 * 1024);
  const { source } = await tgzPart('chunked.tgz', [
    {
      path: 'big.mp4',
      size: chunk.length * 20,
      chunks: () => Array.from({ length: 20 }, () => chunk),
    },
  ]);
  const [read] = await readAll(tgzOf(source));
  assert.equal(read!.data?.length, chunk.length * 20);
  assert.deepEqual(read!.data?.subarray(-chunk.length), chunk);
});

test('fromIndex and want: unwanted entries drained and handed out bare, one read', async () => {
  const inputs = sample();
  const { source } = await tgzPart('want.tgz', inputs);
  const want = (e: { path: string }) => !e.path.endsWith('.mp4');
  const wanted = await readAll(tgzOf(source), { fromIndex: 2, want });
  assert.deepEqual(
    wanted.map((r) => [r.index, r.data?.toString('hex') ?? null, r.problem]),
    inputs.map((e, i) => [i, i >= 2 && want(e) ? e.data!.toString('hex') : null, undefined]),
  );
  assert.equal(source.reads, 1);
  assert.equal(source.open, 0);
});

test('a body left unfinished is drained: the next entries read right', async () => {
  const inputs = sample();
  const { source } = await tgzPart('abandon.tgz', inputs);
  const seen: Array<[string, string]> = [];
  for await (const { entry, body } of tgzOf(source).entries({
    signal: new AbortController().signal,
  })) {
    if (!body) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of body) {
      chunks.push(chunk);
      if (entry.path.endsWith('IMG_0001.jpg')) break;
    }
    seen.push([entry.path, Buffer.concat(chunks).toString('hex')]);
  }
  assert.equal(seen.length, 5);
  assert.ok(inputs[1]!.data!.toString('hex').startsWith(seen[0]![1]));
  assert.deepEqual(
    seen.slice(1),
    inputs.slice(2).map((e) => [e.path, e.data!.toString('hex')]),
  );
});

test('links, devices and unsafe names: problem, no bytes; the others read', async () => {
  const ok = (p: string) => ({ path: p, data: Buffer.from(p) });
  const inputs: ArchiveInput[] = [
    ok('a.json'),
    { path: 'l.jpg', type: 'symlink', linkname: 'a.json' },
    { path: 'h.jpg', type: 'link', linkname: 'a.json' },
    { path: 'fifo', type: 'fifo' },
    { path: 'tty', type: 'character-device' },
    { path: '../../etc/passwd', data: Buffer.from('root') },
    { path: '/abs.jpg', data: Buffer.from('abs') },
    { path: 'a\\..\\b.jpg', data: Buffer.from('win') },
    ok('z.json'),
  ];
  const read = await readAll(tgzOf((await tgzPart('bad-entries.tgz', inputs)).source));
  assert.deepEqual(
    read.map((r) => r.data?.toString() ?? r.problem?.kind),
    ['a.json', ...Array(4).fill('unsupported'), ...Array(3).fill('unsafe-name'), 'z.json'],
  );
  assert.match(read[1]!.problem!.message, /bad-entries\.tgz: l\.jpg is a symlink, not a file/);
});

/** Reads until the part fails; returns the entries whose bodies completed and the error. */
async function readUntilBroken(source: ByteSource) {
  const done: Array<[string, Buffer]> = [];
  try {
    for await (const { entry, body } of tgzOf(source).entries({
      signal: new AbortController().signal,
    })) {
      const chunks: Buffer[] = [];
      if (body) for await (const chunk of body) chunks.push(chunk);
      done.push([entry.path, Buffer.concat(chunks)]);
    }
  } catch (error) {
    return { done, error };
  }
  return { done, error: null };
}

test('a cut tgz: PartError saying so; every entry handed out before was whole', async () => {
  const inputs = sample();
  const { file } = await tgzPart('cut.tgz', inputs);
  const { size } = await fs.stat(file);
  await truncateFile(file, Math.floor(size * 0.6));
  const { done, error } = await readUntilBroken(await fileByteSource(file));
  assert.ok(error instanceof PartError, String(error));
  assert.match(error.message, /cut\.tgz is truncated or corrupt/);
  assert.ok(done.length >= 2 && done.length < inputs.length, `${done.length} entries`);
  assertWhole(done, inputs);
});

test('a bad gzip trailer (CRC, length): PartError at the end; what came before was whole', async () => {
  for (const [label, fromEnd] of [
    ['crc', 8],
    ['length', 2],
  ] as const) {
    const inputs = sample();
    const { file } = await tgzPart(`trailer-${label}.tgz`, inputs);
    const { size } = await fs.stat(file);
    await flipByte(file, size - fromEnd);
    const { done, error } = await readUntilBroken(await fileByteSource(file));
    assert.ok(error instanceof PartError, `${label}: ${String(error)}`);
    assert.match(error.message, /is truncated or corrupt: incorrect (data|length) check/);
    // zlib may drop its last output chunk when the trailer fails: the last entry may not finish.
    assert.ok(done.length >= inputs.length - 1, `${label}: ${done.length} entries`);
    assertWhole(done, inputs);
  }
});

/** Each entry read before the part broke is the written entry, byte for byte. */
function assertWhole(
  done: Array<[string, Buffer]>,
  inputs: Array<{ path: string; data?: Buffer }>,
) {
  for (const [i, [p, data]] of done.entries()) {
    assert.equal(p, inputs[i]!.path);
    assert.ok(data.equals(inputs[i]!.data ?? Buffer.alloc(0)), `${p} differs`);
  }
}

test('not a gzip at all: PartError', async () => {
  const file = path.join(dir, 'random.tgz');
  await fs.writeFile(file, randomBytes(50_000));
  await assert.rejects(readAll(tgzOf(await fileByteSource(file))), PartError);
});

test('abort mid-entry: rejects with the reason, the file is closed', async () => {
  const { source } = await tgzPart('abort.tgz', sample());
  const controller = new AbortController();
  const reason = new Error('stop');
  await assert.rejects(
    (async () => {
      for await (const { entry, body } of tgzOf(source).entries({ signal: controller.signal })) {
        if (!entry.path.endsWith('VID.mp4')) continue;
        for await (const _ of body!) controller.abort(reason);
      }
    })(),
    (e) => e === reason,
  );
  for (let i = 0; i < 100 && source.open > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(source.open, 0);
});
