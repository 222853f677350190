/**
 * Picasa as a source: the albums of Google Photos through the Picasa Web Albums feeds, and the
 * album members Drive does not have (Photos creations, items edited in Photos) into picasa/.
 *
 * Index (albums.ts): the album list, then the feeds of the albums that changed; each member is
 * matched to the Drive item with the same name and size, else to a Photos-only item. It runs
 * after Drive (matching reads the Drive index) and just before its own downloads (video URLs
 * expire). Deletions: a Photos-only item in no album any more. Bytes: from the URL an album feed
 * gave (no md5: the size is checked), so a repair lists the albums again first.
 */
import { PICASA_DIR } from '../../../tree/picasa-layout.ts';
import type { Source } from '../../source.ts';
import { indexPicasa } from './albums.ts';

export const picasaSource: Source = {
  name: 'picasa',
  top: PICASA_DIR,
  albums: true,
  counters: ['albums', 'photosOnly', 'truncatedAlbums'],
  refetch: 'index',
  enabled: (options) => !options.skipPicasa,
  async index(ctx) {
    ctx.progress.setPhase('albums');
    const listed = await indexPicasa({
      picasa: ctx.remote.picasa,
      media: ctx.media,
      albums: ctx.albums,
      state: ctx.state,
      log: ctx.log.child({ component: 'picasa-index' }),
      progress: ctx.progress,
      signal: ctx.signal,
      filters: ctx.options.filters,
      albumTitle: ctx.options.albumTitle,
      matchDrive: !ctx.options.skipDrive,
      rereadAll: ctx.options.flushIndex,
    });
    return {
      indexed: listed.items,
      gone: listed.gone,
      full: ctx.options.flushIndex,
      counters: {
        albums: listed.albums,
        photosOnly: listed.picasaOnly,
        truncatedAlbums: listed.truncated.length,
      },
    };
  },
  async fetcher(ctx) {
    const urls = await ctx.albums.mediaUrls('picasa');
    const picasa = ctx.remote.picasa;
    return (id) => (offset, signal) => {
      const url = urls.get(id);
      if (!url) {
        return Promise.reject(
          new Error(
            'Google Photos has no downloadable file for this item yet (a video still processing?)',
          ),
        );
      }
      return picasa.download(url, offset, signal);
    };
  },
};
