// dateFromName and dateFromFolder: names from the sample listings, and names that must give nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateFromFolder, dateFromName } from '../../src/remote/takeout/name-date.ts';
import { classifyPath } from '../../src/remote/takeout/paths.ts';

const iso = (name: string): string | null => dateFromName(name)?.toISOString() ?? null;

test('camera and app names (wall clock read as UTC)', () => {
  const cases: Array<[string, string]> = [
    ['IMG_20170803_115431469_HDR.jpg', '2017-08-03T11:54:31.469Z'],
    ['PXL_20231006_063000139.jpg', '2023-10-06T06:30:00.139Z'],
    ['PXL_20231006_063000139~2-edited.jpg', '2023-10-06T06:30:00.139Z'],
    ['PXL_20230814_201154491.LONG_EXPOSURE-01.COVER.jpg', '2023-08-14T20:11:54.491Z'],
    ['PXL_20210102_221126856.MP', '2021-01-02T22:11:26.856Z'],
    ['VID_20180819_191954.mp4', '2018-08-19T19:19:54.000Z'],
    ['MVIMG_20191230_232926.jpg', '2019-12-30T23:29:26.000Z'],
    ['20190512_101112.jpg', '2019-05-12T10:11:12.000Z'],
    ['20160105_121621_LLS.jpg', '2016-01-05T12:16:21.000Z'],
    ['IMG_20120216_094016-edited(1).jpg', '2012-02-16T09:40:16.000Z'],
    ['Screenshot_20231027_123303_Facebook.jpg', '2023-10-27T12:33:03.000Z'],
    ['Screenshot_20200301-161151.png', '2020-03-01T16:11:51.000Z'],
    ['Screenshot_2019-05-12-10-11-12.png', '2019-05-12T10:11:12.000Z'],
    ['Screenshot_2022-10-28-09-31-43-118_com.snapchat.jpg', '2022-10-28T09:31:43.000Z'],
    ['2023-10-06 12.30.00.jpg', '2023-10-06T12:30:00.000Z'],
    // DJI names carry the offset: 20:30:57 at +02:00.
    ['Bebop2_20180719203057+0200.mp4', '2018-07-19T18:30:57.000Z'],
    ['Bebop2_20180723180057+0200.m4v', '2018-07-23T16:00:57.000Z'],
    // A counter after the time is no offset (-0001 is not a real zone).
    ['20190512_101112-0001.jpg', '2019-05-12T10:11:12.000Z'],
    // Date only: midnight.
    ['IMG-20161219-WA0000.jpg', '2016-12-19T00:00:00.000Z'],
    ['IMG-20150125-WA0005-edited.jpeg', '2015-01-25T00:00:00.000Z'],
    ['2025-04-28(3516).jpg', '2025-04-28T00:00:00.000Z'],
    ['2013-12-23.jpg', '2013-12-23T00:00:00.000Z'],
  ];
  for (const [name, expected] of cases) assert.equal(iso(name), expected, name);
});

test('no date, an impossible one, or a year outside 1990–2100: null', () => {
  for (const name of [
    'PXL_20240003_333352597.MP', // immich-go#1326: month 00, hour 33
    'IMG_20170230_101010.jpg',
    'IMG_20171301_101010.jpg',
    'IMG_20170101_246000.jpg',
    'IMG_19890101_101010.jpg',
    'IMG_21010101_101010.jpg',
    '2234089303984509579.jpg',
    '1190642159672506179.jpg',
    '509C843D-D4B9-4F02-81B0-05BE938F12DF.jpg',
    '01D1C847-D498-4814-9F10-6B81D768077B-1050-00000.jpg',
    'IMG_8416-modifié.JPG',
    'Peanut Butter Balls.jpg',
    '13039_327707840323_537645323_9470255_27214_n(1).jpg',
    'EFFECTS.jpg',
    'trip 2019-05-12.jpg',
    '',
  ]) {
    assert.equal(iso(name), null, name);
  }
});

test('independent of the machine time zone', () => {
  const before = process.env.TZ;
  try {
    process.env.TZ = 'Pacific/Kiritimati';
    const a = dateFromName('IMG_20170803_115431469.jpg')?.getTime();
    process.env.TZ = 'America/Los_Angeles';
    assert.equal(dateFromName('IMG_20170803_115431469.jpg')?.getTime(), a);
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
});

test('dateFromFolder: year folders give 1 January UTC, date folders their day, others null', () => {
  const folderDate = (path: string): string | null => {
    const p = classifyPath(path);
    assert.ok(p, path);
    return dateFromFolder(p)?.toISOString() ?? null;
  };
  assert.equal(
    folderDate('Takeout/Google Photos/Photos from 2023/a.jpg'),
    '2023-01-01T00:00:00.000Z',
  );
  assert.equal(
    folderDate('Takeout/Google Photos/Photos from 1950/a.jpg'),
    '1950-01-01T00:00:00.000Z',
  );
  assert.equal(folderDate('Takeout/Google Fotos/2005-02-05/a.JPG'), '2005-02-05T00:00:00.000Z');
  assert.equal(
    folderDate('Takeout/Google Photos/2020-09-01/sub/a.jpg'),
    '2020-09-01T00:00:00.000Z',
  );
  assert.equal(folderDate('Takeout/Google Photos/Album 2019/a.jpg'), null);
  assert.equal(folderDate('Takeout/Google Photos/Trash/a.jpg'), null);
  assert.equal(folderDate('Takeout/Google Photos/a.jpg'), null);
});
