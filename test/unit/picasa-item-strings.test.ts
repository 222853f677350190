// The items of a feed page read in pieces keep none of the pieces alive (wire.ts `own`): a page of
// 1,000 entries of the libgdata sample (4 MB of XML) read in 64 KB pieces, its items kept, holds
// about what the items' own strings weigh after a full collection, not the page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { albumFeedReader } from '../../src/remote/picasa/wire.ts';
import type { PicasaItem } from '../../src/remote/picasa/types.ts';
import { SAMPLES_DIR } from '../helpers/google.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A page of `n` entries: the sample's four entries again and again, each with its own ids. */
function bigPage(n: number): string {
  const xml = readFileSync(
    path.join(SAMPLES_DIR, 'picasa-v2-album-feed-photos.libgdata.xml'),
    'utf8',
  );
  const head = xml.slice(0, xml.indexOf('<entry'));
  const entries = xml.slice(xml.indexOf('<entry'), xml.lastIndexOf('</feed>'));
  const out: string[] = [head];
  for (let i = 0; out.length <= n / 4; i++) {
    out.push(entries.replaceAll('59071', `${String(i).padStart(5, '0')}`));
  }
  return `${out.join('')}</feed>`;
}

describe('feed items and the pieces they were read from', () => {
  it('a page read in 64 KB pieces leaves only its items on the heap', () => {
    const xml = bigPage(1000);
    assert.ok(xml.length > 3_000_000);
    gc();
    const before = process.memoryUsage().heapUsed;
    const reader = albumFeedReader('A');
    for (let at = 0; at < xml.length; at += 65536) {
      // A copy, as a decoded piece of a body is: not a slice of the test's whole string.
      reader.write(` ${xml.slice(at, at + 65536)}`.slice(1));
    }
    const items: PicasaItem[] = reader.end().values;
    gc();
    const held = process.memoryUsage().heapUsed - before;
    assert.ok(items.length >= 1000);
    assert.equal(new Set(items.map((i) => i.id)).size, items.length);
    // The items' strings (id, name, URL, dates, type) are ~250 bytes an item; the pieces 4 MB.
    assert.ok(held < 1_500_000, `${held} bytes held for ${items.length} items`);
  });
});
