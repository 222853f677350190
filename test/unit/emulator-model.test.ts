// The emulator's pure parts: deterministic content, the library generator, the q parser and
// the fields projection.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { generatedContent, generatedMd5, generatedRange } from '../fakes/google/content.ts';
import {
  FieldsError,
  FILE_LIST_SCHEMA,
  parseFields,
  project,
  validateFields,
} from '../fakes/google/fields.ts';
import {
  contentOf,
  FOLDER_MIME,
  generateLibrary,
  LibraryBuilder,
  md5Of,
} from '../fakes/google/library.ts';
import type { FakeFile } from '../fakes/google/library.ts';
import { parseQuery, QueryError } from '../fakes/google/query.ts';
import { makeEvalContext } from '../fakes/google/resource.ts';
import { demoLibrary } from '../fakes/google/scenarios.ts';

describe('content', () => {
  it('is deterministic per (id, size) and differs between ids', () => {
    const a = generatedContent('1abc', 5000);
    assert.equal(a.length, 5000);
    assert.deepEqual(generatedContent('1abc', 5000), a);
    assert.notDeepEqual(generatedContent('1abd', 5000), a);
  });

  it('serves any range equal to the slice of the whole, across 64 KiB chunks', () => {
    const size = 3 * 65536 + 123;
    const whole = generatedContent('1big', size);
    for (const [s, e] of [
      [0, size - 1],
      [65530, 65545],
      [70000, 190000],
      [size - 1, size - 1],
    ] as const) {
      const got = Buffer.concat([...generatedRange('1big', size, s, e)]);
      assert.deepEqual(got, whole.subarray(s, e + 1));
    }
    // chunks differ, so re-reading chunk 0 instead of chunk 1 changes the md5
    assert.notDeepEqual(whole.subarray(0, 65536), whole.subarray(65536, 131072));
    assert.equal(generatedMd5('1big', size), createHash('md5').update(whole).digest('hex'));
  });

  it('md5Of matches the bytes of contentOf, for explicit and generated content', () => {
    const b = new LibraryBuilder();
    const explicit = b.photo('a.jpg', b.rootId, { content: Buffer.from('hello world') });
    const gen = b.photo('b.jpg', b.rootId, { size: 777 });
    const lib = b.build();
    assert.equal(md5Of(lib, explicit), '5eb63bbbe01eeed093cb22bb8f5acdc3');
    assert.equal(contentOf(lib, gen).length, 777);
    assert.equal(md5Of(lib, gen), createHash('md5').update(contentOf(lib, gen)).digest('hex'));
  });
});

describe('generateLibrary', () => {
  it('is deterministic for a seed and has the promised shape', () => {
    const a = generateLibrary({ items: 2000, seed: 7 });
    const b = generateLibrary({ items: 2000, seed: 7 });
    assert.deepEqual([...a.files.keys()], [...b.files.keys()]);
    const c = generateLibrary({ items: 2000, seed: 8 });
    assert.notDeepEqual([...a.files.keys()], [...c.files.keys()]);

    const all = [...a.files.values()];
    const media = all.filter((f) => f.mimeType !== FOLDER_MIME);
    assert.equal(media.length, 2000);
    const gp = all.find((f) => f.name === 'Google Photos');
    assert.deepEqual(gp?.parents, [a.rootId]);
    assert.ok(media.some((f) => f.mimeType === 'video/mp4'));
    assert.ok(media.every((f) => f.size !== undefined && f.content === undefined));
    // some duplicate names within a folder
    const seen = new Set<string>();
    let dups = 0;
    for (const f of media) {
      const k = `${f.parents[0]}/${f.name}`;
      if (seen.has(k)) dups++;
      seen.add(k);
    }
    assert.ok(dups > 5 && dups < 100, `duplicates: ${dups}`);
  });

  it('generates 100,000 items', () => {
    const lib = generateLibrary({ items: 100_000 });
    assert.ok(lib.files.size > 100_000);
  });
});

describe('q parser', () => {
  const b = new LibraryBuilder({ rootId: 'ROOT' });
  const folder = b.folder('Google Photos');
  const trashedFolder = b.folder('Old', folder, { trashed: true });
  const img = b.photo("it's a \\ test.jpg", folder, { createdTime: '2017-05-01T10:00:00.000Z' });
  const png = b.photo('Hello World.png', folder, { createdTime: '2018-01-01T00:00:00.000Z' });
  const inTrash = b.photo('x.jpg', trashedFolder, { createdTime: '2019-01-01T00:00:00.000Z' });
  const lib = b.build();
  const run = (q: string): string[] => {
    const p = parseQuery(q);
    const ctx = makeEvalContext(lib);
    return [...lib.files.values()].filter((f: FakeFile) => p(f, ctx)).map((f) => f.id);
  };

  it('evaluates terms and the root alias', () => {
    assert.deepEqual(run("'root' in parents"), [folder]);
    assert.deepEqual(run(`'${folder}' in parents and trashed = false`), [img, png]);
    assert.deepEqual(run("mimeType contains 'image/' and trashed = true"), [inTrash]);
    assert.deepEqual(run("mimeType = 'image/png'"), [png]);
    assert.deepEqual(run(`mimeType != '${FOLDER_MIME}' and mimeType != 'image/png'`), [
      img,
      inTrash,
    ]);
    assert.deepEqual(run("name = 'Hello World.png'"), [png]);
    assert.deepEqual(run("name contains 'world'"), [png]);
    assert.deepEqual(run("name contains 'orld'"), []);
    assert.deepEqual(run("name != 'x.jpg' and mimeType contains 'image'"), [img, png]);
  });

  it('handles escapes', () => {
    assert.deepEqual(run("name = 'it\\'s a \\\\ test.jpg'"), [img]);
  });

  it('compares times (UTC without offset, offsets honoured)', () => {
    assert.deepEqual(run("createdTime > '2017-12-31T23:59:59'"), [png, inTrash]);
    const onlyImg = "mimeType contains 'image/' and ";
    assert.deepEqual(run(onlyImg + "createdTime <= '2017-05-01T12:00:00+02:00'"), [img]);
    assert.deepEqual(run(onlyImg + "createdTime < '2017-05-01T12:00:00+02:00'"), []);
    assert.deepEqual(run("modifiedTime = '2018-01-01T00:00:00.000Z'"), [png]);
    assert.deepEqual(run("createdTime >= '2018-01-01T00:00:00Z' and createdTime < '2019-01-01'"), [
      png,
    ]);
  });

  it('binds and tighter than or; not and parentheses work', () => {
    // a or b and c == a or (b and c)
    const q1 = "name = 'x.jpg' or mimeType = 'image/png' and trashed = true";
    assert.deepEqual(run(q1), [inTrash]);
    const q2 = "(name = 'x.jpg' or mimeType = 'image/png') and trashed = false";
    assert.deepEqual(run(q2), [png]);
    assert.deepEqual(run("not mimeType contains 'image/' and not name = 'Old'"), [folder]);
    assert.deepEqual(run("NOT (trashed = false) AND mimeType contains 'image/'"), [inTrash]);
  });

  it('rejects malformed queries', () => {
    for (const q of [
      "name = 'unterminated",
      "name = 'a' and",
      "(name = 'a'",
      "name == 'a'",
      "size > '3'",
      "'x' in owners",
      "trashed = 'false'",
      "createdTime > 'yesterday'",
      "name < 'a'",
      "name = 'bad \\n escape'",
      'name = "double"',
      '',
    ]) {
      assert.throws(() => parseQuery(q), QueryError, q);
    }
  });
});

describe('fields', () => {
  const file = {
    kind: 'drive#file',
    id: '1',
    name: 'a',
    size: '3',
    imageMediaMetadata: { width: 1, time: '2017:01:01 00:00:00', location: { latitude: 1 } },
  };
  const list = {
    kind: 'drive#fileList',
    nextPageToken: 't',
    incompleteSearch: false,
    files: [file],
  };

  it('projects nested selections, paths and *', () => {
    assert.deepEqual(
      project(list, parseFields('nextPageToken, files(id,imageMediaMetadata(time))')),
      {
        nextPageToken: 't',
        files: [{ id: '1', imageMediaMetadata: { time: '2017:01:01 00:00:00' } }],
      },
    );
    assert.deepEqual(project(list, parseFields('files/size,files/name')), {
      files: [{ name: 'a', size: '3' }],
    });
    assert.deepEqual(project(list, parseFields('*')), list);
    assert.deepEqual(project(list, parseFields('files')), { files: [file] });
    assert.deepEqual(project(list, parseFields('files(imageMediaMetadata/location/latitude)')), {
      files: [{ imageMediaMetadata: { location: { latitude: 1 } } }],
    });
  });

  it('validates against the schema', () => {
    validateFields(
      parseFields('nextPageToken,files(id,capabilities/canDownload,videoMediaMetadata)'),
      FILE_LIST_SCHEMA,
    );
    assert.throws(
      () => validateFields(parseFields('files(nope)'), FILE_LIST_SCHEMA),
      /files\/nope/,
    );
    assert.throws(() => validateFields(parseFields('files/id/x'), FILE_LIST_SCHEMA), FieldsError);
    assert.throws(() => parseFields('files(id'), FieldsError);
    assert.throws(() => parseFields('files(id),'), FieldsError);
  });
});

describe('demoLibrary', () => {
  it('holds the advertised oddities', () => {
    const lib = demoLibrary();
    const get = (id: string): FakeFile => lib.files.get(id)!;
    assert.equal(get(lib.ids.googlePhotos).parents[0], lib.rootId);
    assert.equal(new Set(lib.ids.duplicates.map((id) => get(id).name)).size, 1);
    assert.ok(get(lib.ids.slashName).name.includes('/'));
    assert.equal(get(lib.ids.trashed).trashed, true);
    assert.equal(get(lib.ids.twoParentsFolder).parents.length, 2);
    assert.equal(get(lib.ids.googleDoc).mimeType, 'application/vnd.google-apps.document');
    const photos = [...lib.files.values()].filter((f) => f.mimeType.startsWith('image/'));
    assert.ok(photos.length >= 60, `photos: ${photos.length}`);
    assert.equal(lib.ids.videos.length, 3);
  });
});
