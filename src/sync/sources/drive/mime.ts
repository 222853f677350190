/** The Drive types the Drive source tells apart. */
export const FOLDER_MIME_TYPE = 'application/vnd.google-apps.folder';

/** Photos and videos: what the backup holds. */
export const isMediaType = (mime: string | null): boolean =>
  mime !== null && (mime.startsWith('image/') || mime.startsWith('video/'));
