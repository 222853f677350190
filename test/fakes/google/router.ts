/**
 * The emulator's routing contract. Each API (Drive, OAuth; later Picasa, Secret Manager) is a
 * module exporting `Route`s; the server tries them in order, applies fault rules by route
 * name, checks auth for `auth: 'bearer'` routes, logs, then calls `handle`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultBook } from './faults.ts';
import type { Library } from './library.ts';
import type { TokenStore } from './tokens.ts';

/** State shared by all routes of one emulator instance. */
export interface EmulatorState {
  library: Library;
  tokens: TokenStore;
  faults: FaultBook;
  shortPages: boolean;
  counters: { mediaBytes: number };
  /** Pause before each piece (64 KiB at most) of a media body, in ms; 0 or unset: none. */
  mediaPaceMs?: number;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Query parameters (last value wins for repeated keys). */
  query: Record<string, string>;
  /** Path parameters from `match` (e.g. `fileId`). */
  params: Record<string, string>;
  state: EmulatorState;
  /** Set when a `resetMidBody` fault applies to this (media) request. */
  resetMidBody: boolean;
  /** Set when a `stallMidBody` fault applies to this (Drive media) request. */
  stallMidBody?: boolean;
}

export interface Route {
  /** Route name used by fault rules, the request log and stats (e.g. `files.list`). */
  name: string;
  auth: 'bearer' | 'none';
  /** Path parameters when this route serves the request, else undefined. */
  match(method: string, url: URL): Record<string, string> | undefined;
  handle(ctx: RouteContext): void | Promise<void>;
  /**
   * How this API reports a missing/invalid/expired bearer token; default: Drive's 401
   * `authError` envelope with WWW-Authenticate (Picasa, for one, answers 403 plain text).
   */
  unauthorized?(ctx: RouteContext): void;
}
