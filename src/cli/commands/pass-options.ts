import type { Settings } from '../../config/load.ts';
import type { PassOptions } from '../../sync/engine.ts';

/** A download with no bytes for this long is retried. */
const STALL_MS = 60_000;

/** The engine's options of a pass, from the settings; `over` for commands that run a special pass. */
export function passOptions(settings: Settings, over: Partial<PassOptions> = {}): PassOptions {
  return {
    concurrency: settings.concurrency,
    indexOnly: settings.indexOnly,
    skipIndex: settings.skipIndex,
    allDrive: settings.allDrive,
    skipDrive: settings.skipDrive,
    skipPicasa: settings.skipPicasa,
    skipAlbums: settings.skipAlbums,
    albumTitle: settings.album,
    linkMode: settings.linkMode,
    flushIndex: settings.flushIndex,
    filters: {
      skipVideo: settings.skipVideo,
      startDate: settings.startDate,
      endDate: settings.endDate,
    },
    stallMs: STALL_MS,
    doDelete: settings.doDelete,
    maxDelete: settings.maxDelete,
    ...over,
  };
}
