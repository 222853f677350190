// A part over 4 GiB with an entry over 4 GiB: zip64 sizes, offsets and end records, read with
// constant memory. The big entry is mostly zeros, which the writer leaves as a hole in a sparse
// file, so the part costs seconds of CRC-32 and almost no disk.
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
import { writeZip } from '../fakes/takeout/archive-writer.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const BIG = 2 ** 32 + 300 * MiB;
/** Chunks of the big entry that carry random bytes, around the 4 GiB mark and at both ends. */
const MARKED = new Map([0, 4095, 4096, Math.floor(BIG / MiB)].map((i) => [i, randomBytes(MiB)]));
const NEEDED_FREE = 10e9;
const RSS_LIMIT = 300 * MiB;

let dir = '';
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'takeout-zip64-'));
  const stats = await fs.statfs(dir);
  const free = stats.bavail * stats.bsize;
  if (free < NEEDED_FREE) {
    throw new Error(
      `the zip64 test needs 10 GB free in ${dir} (sparse files may not be), has ${free}`,
    );
  }
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The big entry's bytes: 1 MiB chunks, zeros except the marked ones. */
function* bigChunks(): Generator<Buffer> {
  const zeros = Buffer.alloc(MiB);
  for (let i = 0; i * MiB < BIG; i++) {
    const length = Math.min(MiB, BIG - i * MiB);
    yield (MARKED.get(i) ?? zeros).subarray(0, length);
  }
}

test('a 4.3 GiB stored entry and one after it: listed, streamed with its CRC checked, in < 300 MB', async () => {
  const file = path.join(dir, 'takeout-20250725T035235Z-1-001.zip');
  const small = Buffer.from(JSON.stringify({ title: 'after the big one' }));
  let bigCrc = 0;
  for (const chunk of bigChunks()) bigCrc = crc32(chunk, bigCrc);
  const layout = await writeZip(file, [
    { path: 'Takeout/Google Photos/big.mp4', size: BIG, chunks: bigChunks },
    { path: 'Takeout/Google Photos/big.mp4.supplemental-metadata.json', data: small },
  ]);
  assert.ok(layout.size > 2 ** 32 && layout.entries[1]!.localOffset > 2 ** 32);

  const { stdout } = await run('/usr/bin/unzip', ['-Zl', file]);
  assert.match(stdout, new RegExp(`${BIG}\\s.*big\\.mp4\\n`), stdout);
  const { stdout: fromUnzip } = await run('/usr/bin/unzip', ['-p', file, '*.json']);
  assert.equal(fromUnzip, small.toString());

  const reader = openPart(await fileByteSource(file), 'zip');
  const signal = new AbortController().signal;
  const listed = await reader.list(signal);
  assert.deepEqual(
    listed?.map((e) => [e.index, e.size, e.crc32]),
    [
      [0, BIG, bigCrc],
      [1, small.length, crc32(small)],
    ],
  );

  let maxRss = process.memoryUsage.rss();
  const read: Array<[number, Buffer | null]> = [];
  for await (const { entry, body } of reader.entries({ signal })) {
    let length = 0;
    const kept: Buffer[] = [];
    for await (const chunk of body!) {
      length += chunk.length;
      if (entry.index === 1) kept.push(chunk);
      if (length % (256 * MiB) < chunk.length) maxRss = Math.max(maxRss, process.memoryUsage.rss());
    }
    read.push([length, entry.index === 1 ? Buffer.concat(kept) : null]);
  }
  assert.deepEqual(read, [
    [BIG, null],
    [small.length, small],
  ]);
  assert.ok(maxRss < RSS_LIMIT, `RSS reached ${Math.round(maxRss / MiB)} MiB`);
});
