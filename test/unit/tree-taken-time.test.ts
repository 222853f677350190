import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileMtime, parseTakenTime } from '../../src/tree/layout.ts';

test('parseTakenTime: EXIF style is read as UTC', () => {
  assert.equal(parseTakenTime('2017:05:21 13:45:02')?.toISOString(), '2017-05-21T13:45:02.000Z');
  assert.equal(parseTakenTime('2016:02:29 00:00:00')?.toISOString(), '2016-02-29T00:00:00.000Z');
  assert.equal(
    parseTakenTime(' 2017:05:21 13:45:02\0\0')?.toISOString(),
    '2017-05-21T13:45:02.000Z',
  );
});

test('parseTakenTime: does not depend on the machine time zone', () => {
  const before = process.env.TZ;
  try {
    process.env.TZ = 'Pacific/Kiritimati';
    const a = parseTakenTime('2017:05:21 13:45:02')?.getTime();
    process.env.TZ = 'America/Los_Angeles';
    const b = parseTakenTime('2017:05:21 13:45:02')?.getTime();
    assert.equal(a, Date.UTC(2017, 4, 21, 13, 45, 2));
    assert.equal(a, b);
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
});

test('parseTakenTime: RFC 3339', () => {
  assert.equal(
    parseTakenTime('2017-08-02T07:25:12.817Z')?.toISOString(),
    '2017-08-02T07:25:12.817Z',
  );
  assert.equal(
    parseTakenTime('2017-08-02T09:25:12+02:00')?.toISOString(),
    '2017-08-02T07:25:12.000Z',
  );
  assert.equal(
    parseTakenTime('2017-08-01T23:25:12.5-08:00')?.toISOString(),
    '2017-08-02T07:25:12.500Z',
  );
  assert.equal(parseTakenTime('2017-08-02T07:25:12')?.toISOString(), '2017-08-02T07:25:12.000Z');
});

test('parseTakenTime: garbage is null', () => {
  const garbage = [
    null,
    undefined,
    '',
    '   ',
    '0000:00:00 00:00:00',
    '2017:13:01 00:00:00',
    '2017:02:30 00:00:00',
    '2017:02:29 00:00:00',
    '2017:01:01 24:00:00',
    '2017:01:01 23:60:00',
    '2017:01:01 23:59:60',
    '1850:01:01 00:00:00',
    '9999:12:31 23:59:59',
    '2017:05:21',
    'yesterday',
    '2017:05-21 13:45:02',
    '2017-05-21T13:45:02+25:00',
  ];
  for (const g of garbage) assert.equal(parseTakenTime(g), null, JSON.stringify(g));
});

test('fileMtime: taken time first, else createdTime', () => {
  assert.equal(
    fileMtime('2010:01:01 10:00:00', '2017-08-02T07:25:12.817Z')?.toISOString(),
    '2010-01-01T10:00:00.000Z',
  );
  assert.equal(
    fileMtime('0000:00:00 00:00:00', '2017-08-02T07:25:12.817Z')?.toISOString(),
    '2017-08-02T07:25:12.817Z',
  );
  assert.equal(fileMtime(undefined, null), null);
});
