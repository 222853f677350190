import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cutToBytes,
  MAX_NAME_BYTES,
  pathKey,
  sanitizeName,
  splitExt,
  withDuplicateSuffix,
} from '../../src/tree/sanitize.ts';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

test('sanitizeName: table', () => {
  const cases: [string, string][] = [
    ['IMG_0001.JPG', 'IMG_0001.JPG'],
    ['a/b.jpg', 'a_b.jpg'],
    ['a\0b', 'a_b'],
    ['tab\there\nnew\rline\x1f\x7f', 'tab_here_new_line__'],
    ['back\\slash.jpg', 'back\\slash.jpg'],
    ['.', '_'],
    ['..', '__'],
    ['', '_'],
    ['...', '...'],
    ['trailing. ', 'trailing. '],
    ['.bashrc', '.bashrc'],
    ['🎉 party 🎂.jpg', '🎉 party 🎂.jpg'],
    ['Отпуск 2017.jpg', 'Отпуск 2017.jpg'],
    ['写真.heic', '写真.heic'],
    ['../../etc/passwd', '.._.._etc_passwd'],
    ['/', '_'],
    ['\ud800x', '\ufffdx'],
  ];
  for (const [input, want] of cases) {
    assert.equal(sanitizeName(input), want, JSON.stringify(input));
  }
});

test('sanitizeName: NFD becomes NFC', () => {
  const nfd = 'Cafe\u0301.jpg';
  const out = sanitizeName(nfd);
  assert.equal(out, 'Caf\u00e9.jpg');
  assert.equal(out, out.normalize('NFC'));
});

test('sanitizeName: a hostile name is one harmless component', () => {
  for (const evil of ['../../etc/passwd', '/etc/passwd', '..', 'a/../../b', '\0/..']) {
    const out = sanitizeName(evil);
    assert.ok(!out.includes('/'), out);
    assert.notEqual(out, '.');
    assert.notEqual(out, '..');
  }
});

test('sanitizeName: long multi-byte names are cut at a code point, extension kept', () => {
  // 3-byte chars: 100 × 3 = 300 bytes + '.jpg'.
  const cjk = '写'.repeat(100) + '.jpg';
  const out = sanitizeName(cjk);
  assert.ok(bytes(out) <= MAX_NAME_BYTES);
  assert.ok(out.endsWith('.jpg'));
  assert.equal(out, '写'.repeat(83) + '.jpg'); // 83 × 3 + 4 = 253; 84 × 3 + 4 = 256
  // 4-byte emoji (surrogate pairs): never split.
  const emoji = '😀'.repeat(80) + '.jpeg';
  const e = sanitizeName(emoji);
  assert.ok(bytes(e) <= MAX_NAME_BYTES);
  assert.ok(e.endsWith('.jpeg'));
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(e), 'no lone high surrogate');
  assert.equal(e, '😀'.repeat(62) + '.jpeg'); // 62 × 4 + 5 = 253
  // Mixed widths, no extension.
  const mixed = 'aé写😀'.repeat(40);
  const m = sanitizeName(mixed);
  assert.ok(bytes(m) <= MAX_NAME_BYTES && bytes(m) > MAX_NAME_BYTES - 4);
  assert.ok(mixed.startsWith(m));
  // Idempotent.
  assert.equal(sanitizeName(out), out);
  assert.equal(sanitizeName(e), e);
});

test('sanitizeName: an over-long "extension" is not kept as one', () => {
  const name = 'x'.repeat(300) + '.this-is-not-an-extension-at-all';
  const out = sanitizeName(name);
  assert.equal(bytes(out), 255);
  assert.equal(out, 'x'.repeat(255));
});

test('splitExt', () => {
  assert.deepEqual(splitExt('a.jpg'), { stem: 'a', ext: '.jpg' });
  assert.deepEqual(splitExt('archive.tar.gz'), { stem: 'archive.tar', ext: '.gz' });
  assert.deepEqual(splitExt('.bashrc'), { stem: '.bashrc', ext: '' });
  assert.deepEqual(splitExt('noext'), { stem: 'noext', ext: '' });
  assert.deepEqual(splitExt('name.'), { stem: 'name.', ext: '' });
  assert.deepEqual(splitExt('a.' + 'x'.repeat(16)), { stem: 'a', ext: '.' + 'x'.repeat(16) });
  assert.deepEqual(splitExt('a.' + 'x'.repeat(17)), { stem: 'a.' + 'x'.repeat(17), ext: '' });
});

test('withDuplicateSuffix', () => {
  assert.equal(withDuplicateSuffix('IMG.jpg', 0), 'IMG.jpg');
  assert.equal(withDuplicateSuffix('IMG.jpg', 1), 'IMG (1).jpg');
  assert.equal(withDuplicateSuffix('.bashrc', 2), '.bashrc (2)');
  assert.equal(withDuplicateSuffix('noext', 12), 'noext (12)');
  assert.throws(() => withDuplicateSuffix('a', -1), RangeError);
  assert.throws(() => withDuplicateSuffix('a', 1.5), RangeError);
  // Re-cut so that the suffix fits in 255 bytes, extension kept, code points whole.
  const long = sanitizeName('写'.repeat(100) + '.jpg');
  for (const n of [1, 12, 123456]) {
    const s = withDuplicateSuffix(long, n);
    assert.ok(bytes(s) <= MAX_NAME_BYTES, `${n}: ${bytes(s)}`);
    assert.ok(s.endsWith(` (${n}).jpg`));
    assert.ok(s.startsWith('写'));
  }
  const emoji = sanitizeName('😀'.repeat(100));
  const s = withDuplicateSuffix(emoji, 7);
  assert.ok(bytes(s) <= MAX_NAME_BYTES);
  assert.ok(s.endsWith(' (7)'));
  assert.equal(s.replace(' (7)', ''), '😀'.repeat(62));
});

test('cutToBytes never splits a code point', () => {
  assert.equal(cutToBytes('😀😀', 7), '😀');
  assert.equal(cutToBytes('é', 1), '');
  assert.equal(cutToBytes('abc', 10), 'abc');
});

test('pathKey folds case and normalisation', () => {
  assert.equal(pathKey('Drive/IMG.JPG'), pathKey('drive/img.jpg'));
  assert.equal(pathKey('Cafe\u0301.jpg'), pathKey('CAF\u00c9.JPG'));
  assert.notEqual(pathKey('a.jpg'), pathKey('b.jpg'));
});
