// classifyPath and isAlbumJsonName: the layouts the samples show (README §2 "Layout").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyPath, isAlbumJsonName } from '../../src/remote/takeout/paths.ts';
import type { TakeoutPath } from '../../src/remote/takeout/types.ts';

const at = (
  product: string,
  folder: string,
  name: string,
  kind: TakeoutPath['folderKind'],
  year: number | null = null,
): TakeoutPath => ({
  product,
  folder,
  name,
  folderKind: kind,
  year,
});

test('product folders in every cited language, NBSP too', () => {
  for (const product of [
    'Google Photos',
    'Google Foto',
    'Google Fotos',
    'Fotky Google',
    'Google Фото',
    'Google Снимки',
    'Google Kuvat',
    'Google フォト',
    'Google Fotoğraflar',
    'Google 相册',
    'Google 相簿',
    'Google\u00a0Photos',
  ]) {
    assert.deepEqual(
      classifyPath(`Takeout/${product}/Photos from 2023/a.jpg`),
      at(product, 'Photos from 2023', 'a.jpg', 'year', 2023),
      product,
    );
  }
  // Decomposed ğ (g + U+0306) is the same folder.
  assert.equal(classifyPath('Takeout/Google Fotog\u0306raflar/x/a.jpg')?.folderKind, 'album');
});

test('year folders: English and the localized forms GPTH-X matches', () => {
  assert.equal(classifyPath('Takeout/Google Foto/Photos from 2022/a.jpg')?.year, 2022);
  assert.equal(classifyPath('Takeout/Google Photos/Fotos del 2019/a.jpg')?.year, 2019);
  assert.equal(classifyPath('Takeout/Google Fotos/Fotos von 1899/a.jpg')?.year, 1899);
  for (const folder of [
    'Photos from 1799',
    'Photos from 2100',
    'Photos from 23',
    'photos from 2023',
    'Photos from 2023 ',
  ]) {
    assert.equal(
      classifyPath(`Takeout/Google Photos/${folder}/a.jpg`)?.folderKind,
      'album',
      folder,
    );
  }
});

test('2020-era date folders; not-a-day names are albums', () => {
  assert.deepEqual(
    classifyPath('Takeout/Google Fotos/2005-02-05/Metadaten.json'),
    at('Google Fotos', '2005-02-05', 'Metadaten.json', 'date', 2005),
  );
  assert.equal(classifyPath('Takeout/Google Photos/2020-02-29/a.jpg')?.folderKind, 'date');
  for (const folder of ['2019-02-29', '2020-13-01', '2020-00-10', '2016-01-05 - _3', '2020-9-01']) {
    assert.equal(
      classifyPath(`Takeout/Google Photos/${folder}/a.jpg`)?.folderKind,
      'album',
      folder,
    );
  }
});

test('trash, special folders, albums, root', () => {
  for (const trash of ['Trash', 'Bin', 'Corbeille', 'Papierkorb', 'Papelera', 'Cestino']) {
    assert.equal(classifyPath(`Takeout/Google Photos/${trash}/a.jpg`)?.folderKind, 'trash', trash);
  }
  for (const special of ['Failed Videos', 'Archive', 'Locked folder']) {
    assert.equal(classifyPath(`Takeout/Google Photos/${special}/a.mp4`)?.folderKind, 'special');
  }
  assert.deepEqual(
    classifyPath('Takeout/Google Photos/🇵🇹 Lisbonne ❤️ en famille 👨‍👩‍👦‍👦/métadonnées.json'),
    at('Google Photos', '🇵🇹 Lisbonne ❤️ en famille 👨‍👩‍👦‍👦', 'métadonnées.json', 'album'),
  );
  assert.equal(classifyPath('Takeout/Google Foto/1 anno fa/a.jpg')?.folderKind, 'album');
  assert.equal(classifyPath('Takeout/Google Photos/Untitled(1)/a.MP')?.folderKind, 'album');
  assert.deepEqual(
    classifyPath('Takeout/Google Photos/print-subscriptions.json'),
    at('Google Photos', '', 'print-subscriptions.json', 'root'),
  );
  // Nested folders keep the classification of the one below the product folder.
  assert.deepEqual(
    classifyPath('Takeout/Google Photos/Photos from 2020/sub/a.jpg'),
    at('Google Photos', 'Photos from 2020/sub', 'a.jpg', 'year', 2020),
  );
});

test('not under Takeout/<product>/: null', () => {
  for (const path of [
    'Takeout/archive_browser.html',
    'Takeout/Google Photos',
    'Takeout/Google Photos/',
    'Takeout/Google Photos/Photos from 2023/',
    'Takeout/Google Photos//a.jpg',
    'Takeout/YouTube and YouTube Music/a.mp4',
    'takeout/Google Photos/Photos from 2023/a.jpg',
    'Google Photos/Photos from 2023/a.jpg',
    '/Takeout/Google Photos/Photos from 2023/a.jpg',
    'app/upload/TEST_DATA/Takeout1/Google Photos/Album test 6-10-23/a.jpg',
    '',
  ]) {
    assert.equal(classifyPath(path), null, path);
  }
});

test('isAlbumJsonName: the localized names only, NFC or not', () => {
  for (const name of [
    'metadata.json',
    'métadonnées.json',
    'me\u0301tadonne\u0301es.json',
    'Metadaten.json',
    'metadati.json',
    'metadatos.json',
    'metadades.json',
    'metadáta.json',
    'метаданные.json',
    'метаданни.json',
  ]) {
    assert.equal(isAlbumJsonName(name), true, name);
  }
  for (const name of [
    'metadata(1).json',
    'IMG_1.jpg.json',
    'print-subscriptions.json',
    'shared_album_comments.json',
    'user-generated-memory-titles.json',
    'anyname.json',
    'metadata',
  ]) {
    assert.equal(isAlbumJsonName(name), false, name);
  }
});
