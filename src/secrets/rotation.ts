/**
 * Keeping a refresh token Google rotates. The OAuth client reports a new one from an event
 * handler; this queues the write to the token store (one at a time, in order) and lets the
 * command wait for the writes before it exits. A failed write is logged, never thrown: the pass
 * itself went fine, and the old token may keep working.
 */
import { Secret } from './secret.ts';
import type { TokenStore } from './store.ts';

/** The pino-style logger calls this needs (secrets does not import logging). */
export interface RotationLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RotationKeeper {
  /** Give it to the OAuth client's new-refresh-token callback. */
  onNewRefreshToken(refreshToken: string): void;
  /** Resolves when every queued write has finished (successfully or not). */
  settled(): Promise<void>;
}

export function keepRotatedRefreshTokens(store: TokenStore, log: RotationLog): RotationKeeper {
  let chain: Promise<void> = Promise.resolve();
  return {
    onNewRefreshToken(refreshToken: string): void {
      const token = new Secret(refreshToken);
      chain = chain.then(async () => {
        try {
          const result = await store.saveRefreshToken(token);
          if (!result.saved) {
            log.warn(
              { tokenSource: store.describe() },
              `Google issued a new refresh token; it was not saved: ${result.reason}`,
            );
            return;
          }
          log.info({ tokenSource: result.where }, 'Google issued a new refresh token; saved it');
          if (result.warning) log.warn({ tokenSource: result.where }, result.warning);
        } catch (err) {
          log.error(
            {
              tokenSource: store.describe(),
              error: err instanceof Error ? err.message : String(err),
              hints: (err as { hints?: unknown }).hints,
            },
            'Google issued a new refresh token, but saving it failed; run `gphotos-sync auth` if the next pass cannot authorize',
          );
        }
      });
    },
    settled: () => chain,
  };
}
