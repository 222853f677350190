/**
 * The build's template of a fresh embedded index (src/index/pglite-template.ts): unpacked safely,
 * opened with the tuned settings and every migration, remade when the migrations change, and,
 * when damaged, replaced by initdb without a trace.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { embeddedTemplateFile, writeEmbeddedTemplate } from '../../src/index/embedded-db.ts';
import { migrationNames, migrationsDigest } from '../../src/index/migrations/index.ts';
import { openPglite } from '../../src/index/pglite.ts';
import {
  entryPath,
  hasTemplate,
  packTemplate,
  removeOtherTemplates,
  unpackTemplate,
} from '../../src/index/pglite-template.ts';

interface Entry {
  name: string;
  type?: 'file' | 'directory' | 'symlink';
  data?: string;
  linkname?: string;
}

/** A gzipped tar of `entries`, as PGlite's dumpDataDir writes one. */
async function tarGz(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    const type = e.type ?? 'file';
    if (type === 'file') pack.entry({ name: e.name, type }, e.data ?? '');
    else pack.entry({ name: e.name, type, ...(e.linkname ? { linkname: e.linkname } : {}) });
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

async function scratch(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gphotos-template-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('entryPath: names below the dir only', () => {
  assert.equal(entryPath('/d', '/PG_VERSION'), '/d/PG_VERSION');
  assert.equal(entryPath('/d', 'base/1/112'), '/d/base/1/112');
  for (const bad of ['', '/', '../x', '/base/../../x', 'a//b', './a', 'a/.']) {
    assert.throws(() => entryPath('/d', bad), /template entry/, bad);
  }
});

test('unpackTemplate: files and folders land below the dir, private to the user', async (t) => {
  const dir = await scratch(t);
  const file = join(dir, 't.tar.gz');
  await writeFile(
    file,
    await tarGz([
      { name: '/PG_VERSION', data: '17\n' },
      { name: '/base', type: 'directory' },
      { name: '/base/1/112', data: 'x'.repeat(8192) },
    ]),
  );
  const out = join(dir, 'out');
  await unpackTemplate(file, out);
  assert.equal(await readFile(join(out, 'PG_VERSION'), 'utf8'), '17\n');
  assert.equal((await readFile(join(out, 'base/1/112'))).length, 8192);
  assert.equal((await stat(join(out, 'PG_VERSION'))).mode & 0o777, 0o600);
  assert.equal((await stat(out)).mode & 0o777, 0o700);
});

test('packTemplate then unpackTemplate: the same folders and files, no postmaster.pid', async (t) => {
  const dir = await scratch(t);
  const src = join(dir, 'src');
  await mkdir(join(src, 'base/1'), { recursive: true });
  await mkdir(join(src, 'pg_tblspc'));
  await writeFile(join(src, 'PG_VERSION'), '17\n');
  await writeFile(join(src, 'base/1/112'), Buffer.alloc(8192, 7));
  await writeFile(join(src, 'postmaster.pid'), '-42\n');
  const file = join(dir, 't.tar.gz');
  await packTemplate(src, file);
  const out = join(dir, 'out');
  await unpackTemplate(file, out);
  assert.deepEqual((await readdir(out, { recursive: true })).sort(), [
    'PG_VERSION',
    'base',
    'base/1',
    'base/1/112',
    'pg_tblspc',
  ]);
  assert.deepEqual(await readFile(join(out, 'base/1/112')), Buffer.alloc(8192, 7));
});

test('unpackTemplate: an escaping name, a link or a damaged archive is refused', async (t) => {
  const dir = await scratch(t);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['climbs', await tarGz([{ name: '/../outside', data: 'x' }]), /not a plain relative path/],
    [
      'link',
      await tarGz([{ name: '/PG_VERSION', type: 'symlink', linkname: '/etc/passwd' }]),
      /symlink, not a file or folder/,
    ],
    ['damaged', (await tarGz([{ name: '/a', data: 'y'.repeat(5000) }])).subarray(0, 40), /./],
  ];
  for (const [label, bytes, error] of cases) {
    const file = join(dir, `${label}.tar.gz`);
    await writeFile(file, bytes);
    const out = join(dir, label, 'out');
    await assert.rejects(unpackTemplate(file, out), error, label);
    assert.deepEqual(await readdir(join(dir, label)), ['out'], label);
  }
  assert.deepEqual((await readdir(dir)).sort(), [
    'climbs',
    'climbs.tar.gz',
    'damaged',
    'damaged.tar.gz',
    'link',
    'link.tar.gz',
  ]);
});

test('the build made a template; a data dir unpacked from it opens with the tuned settings and every migration', async (t) => {
  const file = embeddedTemplateFile();
  assert.ok(hasTemplate(file), `${file} is missing: \`npm run build\` makes it (npm test does)`);
  const dir = await scratch(t);
  const dataDir = join(dir, 'index');
  const pg = await openPglite(dataDir, file);
  try {
    const shown = await pg.query<{ shared_buffers: string }>('SHOW shared_buffers');
    assert.equal(shown.rows[0]?.shared_buffers, '16MB');
    const applied = await pg.query<{ name: string }>(
      'SELECT name FROM knex_migrations ORDER BY id',
    );
    assert.deepEqual(
      applied.rows.map((r) => r.name),
      migrationNames(),
    );
    await pg.exec('CREATE TABLE t (x int); INSERT INTO t VALUES (1)');
    assert.equal((await pg.query('SELECT x FROM t')).rows.length, 1);
  } finally {
    await pg.close();
  }
  assert.deepEqual(await readdir(dir), ['index'], 'no temporary dir left');
});

test('a damaged template: initdb makes the data dir instead, nothing else is left', async (t) => {
  const dir = await scratch(t);
  const damaged = join(dir, 'damaged.tar.gz');
  await writeFile(damaged, Buffer.from('not a gzip file'));
  const dataDir = join(dir, 'index');
  const pg = await openPglite(dataDir, damaged);
  try {
    const shown = await pg.query<{ shared_buffers: string }>('SHOW shared_buffers');
    assert.equal(shown.rows[0]?.shared_buffers, '16MB');
  } finally {
    await pg.close();
  }
  assert.deepEqual((await readdir(dir)).sort(), ['damaged.tar.gz', 'index']);
});

test('a template is remade when its migrations changed, kept when not; other templates go', async (t) => {
  const dir = await scratch(t);
  const file = join(dir, 'pglite-template-current.tar.gz');
  const other = join(dir, 'pglite-template-older.tar.gz');
  await writeFile(other, 'an older build');
  await writeFile(`${other}.digest`, 'older');
  await writeEmbeddedTemplate(file);
  assert.equal(await readFile(`${file}.digest`, 'utf8'), migrationsDigest());
  assert.deepEqual((await readdir(dir)).sort(), [
    'pglite-template-current.tar.gz',
    'pglite-template-current.tar.gz.digest',
  ]);
  const made = (await stat(file)).mtimeMs;

  await writeEmbeddedTemplate(file);
  assert.equal((await stat(file)).mtimeMs, made, 'up to date: not rewritten');

  await writeFile(`${file}.digest`, 'a migration edited since');
  await writeEmbeddedTemplate(file);
  assert.equal(await readFile(`${file}.digest`, 'utf8'), migrationsDigest());
  const pg = await openPglite(join(dir, 'index'), file);
  try {
    const applied = await pg.query<{ name: string }>(
      'SELECT name FROM knex_migrations ORDER BY id',
    );
    assert.deepEqual(
      applied.rows.map((r) => r.name),
      migrationNames(),
    );
  } finally {
    await pg.close();
  }
});

test('removeOtherTemplates leaves the given template and files that are not templates', async (t) => {
  const dir = await scratch(t);
  for (const n of ['pglite-template-a.tar.gz', 'pglite-template-b.tar.gz', 'cli']) {
    await writeFile(join(dir, n), n);
  }
  await removeOtherTemplates(join(dir, 'pglite-template-a.tar.gz'));
  assert.deepEqual((await readdir(dir)).sort(), ['cli', 'pglite-template-a.tar.gz']);
});
