// A feed page read in pieces as its body arrives (feed-reader.ts FeedEntryReader, wire.ts
// EntryCounter and the page readers) gives what the whole text gives: the same entries, page and
// count for every Picasa sample in ../shared/api-samples/ and an emulator page, split at random
// places (inside tags, inside `<entry`, inside a character of several UTF-8 bytes) and at every
// place around the entry tags; the same errors for empty, broken and non-feed bodies.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RemoteError } from '../../src/remote/errors.ts';
import {
  FeedEntryReader,
  readFeedEntries,
  type XmlNode,
} from '../../src/remote/picasa/feed-reader.ts';
import { albumFeedReader, EntryCounter, parseAlbumFeed } from '../../src/remote/picasa/wire.ts';
import { generateLibrary } from '../fakes/google/library.ts';
import { accessToken, getFeed } from '../fakes/google/picasa-fetch.ts';
import { startEmulator } from '../fakes/google/server.ts';
import { SAMPLES_DIR } from '../helpers/google.ts';

/** A small deterministic generator, so a failure names a split that can be run again. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `text` cut at `cuts` (sorted positions). */
function cutAt(text: string, cuts: number[]): string[] {
  const out: string[] = [];
  let from = 0;
  for (const c of cuts) {
    out.push(text.slice(from, c));
    from = c;
  }
  out.push(text.slice(from));
  return out;
}

function randomCuts(text: string, seed: number): number[] {
  const r = rng(seed);
  const n = 1 + Math.floor(r() * 40);
  return Array.from({ length: n }, () => Math.floor(r() * (text.length + 1))).sort((a, b) => a - b);
}

/** The entries a read hands on, or the error it throws. */
function collect(read: (onEntry: (e: XmlNode) => void) => void): XmlNode[] | Error {
  const out: XmlNode[] = [];
  try {
    read((e) => out.push(e));
    return out;
  } catch (err) {
    return err as Error;
  }
}

function entriesInPieces(pieces: string[]): XmlNode[] | Error {
  return collect((onEntry) => {
    const reader = new FeedEntryReader(onEntry);
    for (const p of pieces) reader.write(p);
    reader.close();
  });
}

const entriesWhole = (xml: string) => collect((onEntry) => readFeedEntries(xml, onEntry));

/** `bytes` cut into pieces of `size()` bytes, decoded as the client decodes a body (eachText). */
function decodedPieces(bytes: Buffer, size: () => number): string[] {
  const decoder = new TextDecoder();
  const out: string[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = size();
    out.push(decoder.decode(bytes.subarray(at, at + n), { stream: true }));
    at += n;
  }
  out.push(decoder.decode());
  return out;
}

function countInPieces(pieces: string[]): number {
  const c = new EntryCounter();
  for (const p of pieces) c.add(p);
  return c.count;
}

const samples = readdirSync(SAMPLES_DIR)
  .filter((n) => n.startsWith('picasa-') && n.endsWith('.xml'))
  .map((n) => readFileSync(path.join(SAMPLES_DIR, n), 'utf8'));

describe('a feed page read in pieces', () => {
  it('the samples give the same entries and count, split anywhere', () => {
    assert.ok(samples.length >= 5);
    let feeds = 0;
    for (const [i, xml] of samples.entries()) {
      const whole = entriesWhole(xml);
      if (Array.isArray(whole)) feeds++;
      for (let seed = 1; seed <= 30; seed++) {
        const pieces = cutAt(xml, randomCuts(xml, seed * 100 + i));
        const pieced = entriesInPieces(pieces);
        if (whole instanceof Error) {
          // The sample that is a single <entry> document, not a feed: the same refusal.
          assert.ok(pieced instanceof RemoteError, `sample ${i}, seed ${seed}`);
          assert.equal(pieced.message, whole.message);
        } else {
          assert.deepEqual(pieced, whole, `sample ${i}, seed ${seed}`);
        }
        assert.equal(countInPieces(pieces), countInPieces([xml]), `sample ${i}, seed ${seed}`);
      }
    }
    assert.ok(feeds >= 6);
  });

  it('counts a start tag split at any of its characters once, and `<entryx` never', () => {
    const xml = '<feed><entry>a</entry><entry\n/><entryx/><entry>b</entry></feed>';
    assert.equal(countInPieces([xml]), 3);
    for (let a = 0; a <= xml.length; a++) {
      for (let b = a; b <= xml.length; b += 3) {
        assert.equal(countInPieces(cutAt(xml, [a, b])), 3, `cut at ${a}, ${b}`);
      }
    }
    // A body that ends inside a start tag counts only the complete ones.
    assert.equal(countInPieces(['<feed><entry>', '</entry><entry']), 1);
  });

  it('an emulator album page parses the same from bytes split anywhere, decoded as they come', async () => {
    const emu = await startEmulator({
      library: generateLibrary({ items: 300, albums: 2, seed: 7 }),
    });
    try {
      const token = await accessToken(emu);
      const albums = (await getFeed(emu, token, 'user/default?kind=album')).body;
      const id = /<gphoto:id>(\d+)<\/gphoto:id>/.exec(albums)?.[1];
      assert.ok(id !== undefined);
      const xml = (await getFeed(emu, token, `user/default/albumid/${id}?imgmax=d`)).body;
      const want = await parseAlbumFeed(xml, id);
      assert.ok(want.values.length > 0);
      const r = rng(11);
      const reader = albumFeedReader(id);
      for (const piece of decodedPieces(
        Buffer.from(xml, 'utf8'),
        () => 1 + Math.floor(r() * 5000),
      )) {
        reader.write(piece);
      }
      assert.deepEqual(reader.end(), want);
    } finally {
      await emu.close();
    }
  });

  it('a name of several UTF-8 bytes a character survives a cut at every byte', () => {
    const xml = `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id><title>café 日本 😀</title></entry></feed>`;
    const bytes = Buffer.from(xml, 'utf8');
    const whole = entriesWhole(xml);
    assert.ok(Array.isArray(whole) && whole.length === 1);
    for (let at = 1; at < bytes.length; at++) {
      let first = true;
      const pieces = decodedPieces(bytes, () => (first ? ((first = false), at) : bytes.length));
      assert.deepEqual(entriesInPieces(pieces), whole, `cut at byte ${at}`);
    }
  });

  it('the same errors: empty (whitespace or a BOM in pieces), broken, not a feed', () => {
    for (const pieces of [[], [''], [' ', '\n', ''], ['\ufeff', '  ']]) {
      const err = entriesInPieces(pieces);
      assert.ok(err instanceof RemoteError);
      assert.equal(err.message, 'the answer is empty');
    }
    // Whitespace held back before a declaration is still seen by the parser, as in one piece.
    const decl = '\n <?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>';
    const whole = entriesWhole(decl);
    const pieced = entriesInPieces(['\n ', decl.slice(2)]);
    assert.ok(whole instanceof RemoteError && pieced instanceof RemoteError);
    assert.equal(pieced.message, whole.message);
    for (const xml of [
      '<a><b></a>',
      '<feed xmlns="http://www.w3.org/2005/Atom"><entry>',
      '<html></html>',
    ]) {
      const w = entriesWhole(xml);
      const p = entriesInPieces(cutAt(xml, [3, 9]));
      assert.ok(w instanceof RemoteError && p instanceof RemoteError, xml);
      assert.equal(p.message, w.message, xml);
    }
  });
});
