// The zip directory held while a part is read (zip-directory.ts): its memory per entry, its file
// order, and an end record that declares more entries than the directory can hold.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileByteSource } from '../../src/remote/takeout/byte-source.ts';
import { openPart } from '../../src/remote/takeout/open-part.ts';
import { PartError } from '../../src/remote/takeout/types.ts';
import { readDirectory } from '../../src/remote/takeout/zip-directory.ts';
import { writeZip, type ArchiveInput } from '../fakes/takeout/archive-writer.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const signal = () => new AbortController().signal;

let dir = '';
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'takeout-zipdir-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const ENTRIES = 30_000;
const nameOf = (i: number): string =>
  `Takeout/Google Photos/Photos from 2023/IMG_${String(i).padStart(6, '0')}.jpg`;

function* manyEntries(): Generator<ArchiveInput> {
  for (let i = 0; i < ENTRIES; i++) yield { path: nameOf(i), data: Buffer.from([i & 0xff]) };
}

describe('the zip directory', () => {
  it('holds about a name and a few numbers an entry, not an object graph', async () => {
    const file = path.join(dir, 'many.zip');
    await writeZip(file, manyEntries(), { method: 'store' });
    const source = await fileByteSource(file);
    gc();
    const mem = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = mem();
    const directory = await readDirectory(source, signal());
    gc();
    const perEntry = (mem() - before) / directory.count;
    assert.equal(directory.count, ENTRIES);
    // A name of 52 characters is ~72 bytes, its slot 8, the numbers 40. As one object an entry
    // with its Date (before), it was ~350 bytes.
    assert.ok(perEntry < 180, `${Math.round(perEntry)} bytes an entry`);
    // In file order, with what the reader needs.
    for (const i of [0, 1, 12_345, ENTRIES - 1]) {
      const item = directory.item(i);
      assert.equal(item.entry.index, i);
      assert.equal(item.entry.path, nameOf(i));
      assert.equal(item.entry.size, 1);
      assert.equal(item.compressedSize, 1);
      assert.ok(item.entry.mtime instanceof Date);
      if (i > 0) assert.ok(item.localOffset > directory.item(i - 1).localOffset);
    }
  });

  it('refuses, as a damaged part, an end record that declares more entries than fit', async () => {
    const file = path.join(dir, 'lying.zip');
    const inputs: ArchiveInput[] = [{ path: nameOf(1), data: Buffer.from('x') }];
    await writeZip(file, inputs, { zip64: 'force' });
    const bytes = await fs.readFile(file);
    const at = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
    assert.ok(at > 0, 'a zip64 end record');
    // Both counts (this disk's and the total): 2^40 entries, more than any memory holds.
    bytes.writeBigUInt64LE(2n ** 40n, at + 24);
    bytes.writeBigUInt64LE(2n ** 40n, at + 32);
    await fs.writeFile(file, bytes);
    const reader = openPart(await fileByteSource(file), 'zip');
    await assert.rejects(reader.list(signal()), (err: unknown) => {
      assert.ok(err instanceof PartError, String(err));
      assert.match(err.message, /central directory is damaged \(1 entries read/);
      return true;
    });
  });
});
