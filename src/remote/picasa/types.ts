/**
 * The Picasa half of the remote contract: plain values parsed from the Picasa Web Albums feeds
 * (../shared/google-apis.md, section B). Nothing past src/remote/picasa sees the XML.
 */

/** An album of the user feed (`kind=album`). */
export interface PicasaAlbum {
  /** `gphoto:id`, a decimal string (may exceed 2^53). */
  id: string;
  title: string;
  /** `gphoto:timestamp` (the album's date, ms since epoch, UTC); `published` when absent. */
  timestamp: Date;
  /** `<updated>`, RFC 3339 as given. */
  updated: string;
  /** `gphoto:albumType` (InstantUpload, ProfilePhotos, Blogger, Buzz...), null when absent. */
  albumType: string | null;
  /** `gphoto:numphotos`; 0 when absent. Larger than `openSearch:totalResults` in real feeds. */
  numPhotos: number;
}

/** A photo or video of an album feed (`kind=photo&imgmax=d`). */
export interface PicasaItem {
  /** `gphoto:id`; the same media has a different id in each album it is in. */
  id: string;
  /** The album that was listed. */
  albumId: string;
  /** `<title>`: the file name. */
  name: string;
  /**
   * `gphoto:size`, bytes of the original upload; null when the feed leaves it empty. For a video
   * this is the uploaded file, not the transcoded stream `mediaUrl` serves, so it is no check of
   * the downloaded length.
   */
  size: number | null;
  /** `gphoto:timestamp` (capture time, ms since epoch, UTC); else `exif:time`; else `published`. */
  timestamp: Date;
  /** Upload time, RFC 3339 as given. */
  published: string;
  updated: string;
  /**
   * The type of what `mediaUrl` serves: `content@type` for photos; for videos the chosen stream's
   * type, with Picasa's `video/mpeg4` reported as the registered `video/mp4`.
   */
  mimeType: string;
  isVideo: boolean;
  /**
   * What to GET for the bytes (no Authorization: the URL is the capability). Photos: `content@src`
   * (the original, as the feed is asked with `imgmax=d`). Videos: the largest non-Flash
   * `media:content medium="video"` (never the GIF poster in `content`); null while Google has no
   * playable stream yet (see `videoStatus`). Video URLs are signed and expire within hours: list
   * again rather than keep them across passes.
   */
  mediaUrl: string | null;
  /** `gphoto:videostatus` (pending, ready, final, failed); null for photos. */
  videoStatus: string | null;
  /** `gphoto:width`/`gphoto:height` (for videos: of the transcoded stream), null when absent. */
  width: number | null;
  height: number | null;
}

/**
 * How an album listing ended. Picasa refuses `start-index` above about 10,000 in large "stream"
 * albums (Auto Backup): the listing then stops with what it got, and `expected` is the album's
 * `gphoto:numphotos`.
 */
export type AlbumListingEnd =
  | { complete: true; listed: number }
  | { complete: false; reason: 'offset-limit'; listed: number; expected: number };
