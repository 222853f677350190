// ownString (src/lib/own-string.ts): the same characters, in a flat string that keeps nothing else
// alive and costs no more than its characters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ownString } from '../../src/lib/own-string.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('ownString', () => {
  it('keeps every character: accents, emoji, a lone surrogate, short strings', () => {
    for (const s of [
      'IMG_1234.JPG',
      'Été à Montréal – 2019 (1).jpg',
      '🌅 sunrise 🌅 over the lake.heic',
      'bad \ud800 half.jpg',
      '',
    ]) {
      assert.equal(ownString(s), s);
    }
  });

  it('holds a slice of a long path in about its own length, not in a view of a copy', () => {
    const N = 20_000;
    const keep: string[] = new Array<string>(N).fill('');
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < N; i++) {
      const path = `Takeout/Google Photos/Photos from 2019/PXL_${String(i).padStart(9, '0')}_sunset_lake.jpg`;
      keep[i] = ownString(path.slice(path.lastIndexOf('/') + 1));
    }
    gc();
    const perString = (process.memoryUsage().heapUsed - before) / N;
    assert.equal(keep[7], 'PXL_000000007_sunset_lake.jpg');
    // 29 characters: 48 bytes flat (16 of header); a view into a flattened copy took 80, the
    // slice of the path alone 32 and the whole path with it.
    assert.ok(perString < 60, `${perString.toFixed(1)} bytes a string`);
  });
});
