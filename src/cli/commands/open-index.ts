/** Opens the index a command works on: server Postgres, or the embedded one under ROOT/.gphotos. */
import path from 'node:path';
import type { Settings } from '../../config/load.ts';
import { openIndex, type IndexDb } from '../../index/db.ts';
import type { Logger } from 'pino';

export const EMBEDDED_DIR = '.gphotos';

export function openIndexFor(settings: Settings, log?: Logger): Promise<IndexDb> {
  return openIndex({
    databaseUrl: settings.databaseUrl,
    embeddedDir: path.join(settings.root, EMBEDDED_DIR),
    log,
  });
}
