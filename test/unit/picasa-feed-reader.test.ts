// The feed reader (src/remote/picasa/feed-reader.ts) against xml2js with its default options, the
// parser whose tree wire.ts reads: each entry it hands on is xml2js's tree of that entry (the
// objects of `feed.entry` in xml2js's tree of the page), for every captured Picasa payload in
// ../shared/api-samples/, for emulator pages (videos, exif, tags), and for the edge cases of the
// shape (attributes only, mixed text, CDATA, entities, whitespace, a BOM); documents that are not
// an Atom feed hand on nothing; and broken XML is refused where xml2js refuses it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseStringPromise } from 'xml2js';
import { RemoteError } from '../../src/remote/errors.ts';
import { readFeedEntries, type XmlNode } from '../../src/remote/picasa/feed-reader.ts';
import { generateLibrary } from '../fakes/google/library.ts';
import { accessToken, getFeed } from '../fakes/google/picasa-fetch.ts';
import { startEmulator } from '../fakes/google/server.ts';
import { SAMPLES_DIR } from '../helpers/google.ts';

const ATOM = 'http://www.w3.org/2005/Atom';

/** The bodies of a sample: the file itself (.xml), or each response body of a transcript (.http). */
function bodies(name: string): string[] {
  const text = readFileSync(path.join(SAMPLES_DIR, name), 'utf8');
  if (name.endsWith('.xml')) return [text];
  return text
    .split('### RESPONSE')
    .slice(1)
    .map((part) =>
      part
        .slice(part.search(/\r?\n\r?\n/))
        .trim()
        .split('### REQUEST')[0]!
        .trim(),
    )
    .filter((b) => b.startsWith('<'));
}

/** The entries readFeedEntries hands on, or the error it throws. */
function entriesOf(xml: string): XmlNode[] | Error {
  const out: XmlNode[] = [];
  try {
    readFeedEntries(xml, (e) => out.push(e));
  } catch (err) {
    return err as Error;
  }
  return out;
}

/** xml2js's entries of an Atom feed (the objects of `feed.entry`), or null for any other document. */
async function xml2jsEntries(xml: string): Promise<unknown[] | null> {
  const doc = (await parseStringPromise(xml)) as Record<string, unknown> | null;
  const feed = doc?.feed as XmlNode | undefined;
  if (typeof feed !== 'object' || feed.$?.xmlns !== ATOM) return null;
  const list = Array.isArray(feed.entry) ? feed.entry : [];
  return list.filter((e) => typeof e === 'object' && e !== null);
}

/** Returns how many entries `xml` had (0 for a document that is not a feed). */
async function sameAsXml2js(xml: string): Promise<number> {
  const want = await xml2jsEntries(xml);
  const got = entriesOf(xml);
  if (want === null) {
    assert.ok(got instanceof RemoteError, `not a feed, yet read: ${xml.slice(0, 80)}`);
    assert.match(got.message, /^the answer is not an Atom feed \(its root is <[^>]+>\)$/);
    return 0;
  }
  assert.ok(Array.isArray(got), String(got));
  assert.deepEqual(got, want);
  return got.length;
}

const inFeed = (entries: string) => `<feed xmlns="${ATOM}"><title>t</title>${entries}</feed>`;

describe('readFeedEntries', () => {
  const samples = readdirSync(SAMPLES_DIR).filter((f) => f.startsWith('picasa-'));

  it('hands on the entries xml2js gives for every Picasa sample', async () => {
    let [bodiesRead, entries] = [0, 0];
    for (const name of samples) {
      for (const body of bodies(name)) {
        entries += await sameAsXml2js(body);
        bodiesRead++;
      }
    }
    assert.ok(bodiesRead >= 12, `only ${bodiesRead} Picasa bodies found in ${SAMPLES_DIR}`);
    assert.ok(entries >= 40, `only ${entries} entries in the samples`);
  });

  it('hands on the entries xml2js gives for the emulator user feed and album pages', async () => {
    const emu = await startEmulator({
      library: generateLibrary({ items: 300, albums: 4, seed: 7 }),
    });
    try {
      const token = await accessToken(emu);
      const albums = (await getFeed(emu, token, 'user/default?kind=album')).body;
      assert.ok((await sameAsXml2js(albums)) >= 4);
      const ids = [...albums.matchAll(/<gphoto:id>(\d+)<\/gphoto:id>/g)].map((m) => m[1]);
      assert.ok(ids.length >= 4);
      for (const id of ids) {
        const page = (await getFeed(emu, token, `user/default/albumid/${id}?imgmax=d`)).body;
        assert.ok((await sameAsXml2js(page)) > 0);
      }
    } finally {
      await emu.close();
    }
  });

  it('hands on the entries xml2js gives for the edge cases of its shape', async () => {
    const cases = [
      '<entry/>',
      '<entry x="1"/>',
      '<entry>  </entry>',
      '<entry x="1">  </entry>',
      '<entry>t</entry>',
      '<entry x="1">t</entry>',
      '<entry><b/><b>x</b><c y="2">z</c></entry>',
      '<entry>text <b>inner</b> more</entry>',
      '<entry><a><![CDATA[  ]]></a></entry>',
      '<entry><a><![CDATA[<raw>]]></a></entry>',
      '<entry><a>&amp;&lt;&#x41;&#66;</a><a/><a>  </a></entry>',
      '<entry><entry><id>nested</id></entry></entry><other><entry><id>deep</id></entry></other>',
      '<entry><id>1</id></entry>\n<!-- c -->\n<entry><id>2</id><x/></entry>',
    ];
    for (const c of cases) await sameAsXml2js(inFeed(c));
    for (const c of cases) await sameAsXml2js(`<?xml version="1.0"?>\n${inFeed(c)}\n`);
    assert.equal(await sameAsXml2js(`\ufeff${inFeed('<entry><id>bom</id></entry>')}`), 1);
    assert.equal(await sameAsXml2js(inFeed('<entry/><entry><id>1</id></entry>')), 1);
  });

  it('documents that are not an Atom feed hand on nothing', async () => {
    const notFeeds = [
      '<entry><id>1</id></entry>',
      '<feed><entry><id>1</id></entry></feed>',
      '<feed xmlns="http://example.com/"><entry><id>1</id></entry></feed>',
      '<html><body><entry><id>1</id></entry></body></html>',
    ];
    for (const xml of notFeeds) assert.equal(await sameAsXml2js(xml), 0);
  });

  it('an empty body is empty; broken XML is refused with its line and column', async () => {
    for (const blank of ['', '  \n', '\ufeff']) {
      const err = entriesOf(blank);
      assert.ok(err instanceof RemoteError);
      assert.equal(err.message, 'the answer is empty');
    }
    const bad = [
      '<a><b></a>',
      '<a>',
      'plain text',
      '<a>&nope;</a>',
      inFeed('<entry>').slice(0, -7),
    ];
    for (const xml of bad) {
      const err = entriesOf(xml);
      assert.ok(err instanceof RemoteError, `accepted ${xml}`);
      assert.equal(err.reason, 'malformed');
      assert.match(
        err.message,
        /^the answer is not well-formed XML \(.+ at line \d+, column \d+\)$/,
      );
      await assert.rejects(parseStringPromise(xml), Error, `xml2js accepts ${xml}`);
    }
  });
});
