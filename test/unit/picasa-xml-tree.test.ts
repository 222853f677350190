// The feed tree builder (src/remote/picasa/xml-tree.ts) against xml2js with its default options,
// the parser it replaces: the same tree for every captured Picasa payload in ../shared/api-samples/,
// for an emulator album page (videos, exif, tags), and for the edge cases of the shape (attributes
// only, mixed text, CDATA, entities, whitespace, a BOM); and the same rejections.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseStringPromise } from 'xml2js';
import { parseXmlTree } from '../../src/remote/picasa/xml-tree.ts';
import { generateLibrary } from '../fakes/google/library.ts';
import { accessToken, getFeed } from '../fakes/google/picasa-fetch.ts';
import { startEmulator } from '../fakes/google/server.ts';
import { SAMPLES_DIR } from '../helpers/google.ts';

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

async function sameAsXml2js(xml: string): Promise<void> {
  assert.deepEqual(parseXmlTree(xml), await parseStringPromise(xml));
}

describe('parseXmlTree', () => {
  const samples = readdirSync(SAMPLES_DIR).filter((f) => f.startsWith('picasa-'));

  it('gives the tree xml2js gives for every Picasa sample', async () => {
    let n = 0;
    for (const name of samples) {
      for (const body of bodies(name)) {
        await sameAsXml2js(body);
        n++;
      }
    }
    assert.ok(n >= 12, `only ${n} Picasa bodies found in ${SAMPLES_DIR}`);
  });

  it('gives the tree xml2js gives for the emulator user feed and album pages', async () => {
    const emu = await startEmulator({
      library: generateLibrary({ items: 300, albums: 4, seed: 7 }),
    });
    try {
      const token = await accessToken(emu);
      const albums = (await getFeed(emu, token, 'user/default?kind=album')).body;
      await sameAsXml2js(albums);
      const ids = [...albums.matchAll(/<gphoto:id>(\d+)<\/gphoto:id>/g)].map((m) => m[1]);
      assert.ok(ids.length >= 4);
      for (const id of ids) {
        await sameAsXml2js((await getFeed(emu, token, `user/default/albumid/${id}?imgmax=d`)).body);
      }
    } finally {
      await emu.close();
    }
  });

  it('gives the tree xml2js gives for the edge cases of its shape', async () => {
    const cases = [
      '<a/>',
      '<a x="1"/>',
      '<a>  </a>',
      '<a x="1">  </a>',
      '<a>t</a>',
      '<a x="1">t</a>',
      '<a><b/><b>x</b><c y="2">z</c></a>',
      '<a>text <b>inner</b> more</a>',
      '<a><![CDATA[  ]]></a>',
      '<a><![CDATA[<raw>]]></a>',
      '<a>&amp;&lt;&#x41;&#66;</a>',
      '<?xml version="1.0"?>\n<!-- c -->\n<a>\n  <b>1</b>\n</a>\n',
      '\ufeff<a>bom</a>',
    ];
    for (const xml of cases) await sameAsXml2js(xml);
  });

  it('empty or blank text is null; broken XML throws with its line and column', async () => {
    assert.equal(parseXmlTree(''), null);
    assert.equal(parseXmlTree('  \n'), null);
    for (const bad of ['<a><b></a>', '<a>', 'plain text', '<a>&nope;</a>']) {
      assert.throws(() => parseXmlTree(bad), /Line: \d+\nColumn: \d+/, bad);
      await assert.rejects(parseStringPromise(bad), Error, `xml2js accepts ${bad}`);
    }
  });
});
