/**
 * The engine's phase list over fake sources (sync/source.ts): for each enabled source, index then
 * download; a source without a fetcher downloads nothing; --skip-index and --index-only leave out
 * their phase; the sources' counters reach the result.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import type { AlbumRepo } from '../../src/index/album-repo.ts';
import type { FolderRepo } from '../../src/index/folder-repo.ts';
import type { ShortcutRepo } from '../../src/index/shortcut-repo.ts';
import type { MediaRepo } from '../../src/index/media-repo.ts';
import type { TakeoutRepo } from '../../src/index/takeout-repo.ts';
import type { StateRepo } from '../../src/index/state-repo.ts';
import { Pacer } from '../../src/lib/pacer.ts';
import { Progress } from '../../src/logging/progress.ts';
import type { RemoteClients } from '../../src/remote/types.ts';
import { runPass, type PassOptions } from '../../src/sync/engine.ts';
import type { Source } from '../../src/sync/source.ts';
import { takeoutSource } from '../../src/sync/sources/takeout/source.ts';
import { SOURCES, sourceCounters, sourceTops } from '../../src/sync/sources/registry.ts';

const options: PassOptions = {
  concurrency: 2,
  indexOnly: false,
  skipIndex: false,
  allDrive: false,
  skipDrive: false,
  skipPicasa: false,
  skipAlbums: false,
  albumTitle: null,
  linkMode: 'symlink',
  flushIndex: false,
  filters: { skipVideo: false, startDate: null, endDate: null },
  stallMs: 1000,
};

/** A source that records its phases in `calls`; `fetch: false` writes its files while indexing. */
function fake(name: string, calls: string[], over: Partial<Source> & { fetch?: boolean } = {}) {
  const { fetch = true, ...rest } = over;
  const source: Source = {
    name,
    top: name,
    albums: false,
    counters: [`${name}Parts`],
    refetch: 'download',
    enabled: () => true,
    index: async () => {
      calls.push(`index ${name}`);
      return { indexed: 2, gone: 1, full: false, counters: { [`${name}Parts`]: 3, shared: 1 } };
    },
    ...(fetch
      ? {
          fetcher: async () => {
            calls.push(`fetch ${name}`);
            return () => () => Promise.reject(new Error('nothing to fetch'));
          },
        }
      : {}),
    ...rest,
  };
  return source;
}

function deps(sources: Source[], over: Partial<PassOptions> = {}) {
  const state = new Map<string, unknown>();
  const lines: string[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)).msg);
        done();
      },
    }),
  );
  const zero = { pending: 0, done: 0, failed: 0, skipped: 4, gone: 5, restricted: 0 };
  const media = {
    countByState: async () => zero,
    iterateBrief: async function* () {},
  };
  return {
    lines,
    deps: {
      root: '/nonexistent',
      remote: {} as RemoteClients,
      pacer: new Pacer({ retries: 1, baseMs: 1, maxMs: 1 }),
      media: media as unknown as MediaRepo,
      albums: {} as AlbumRepo,
      folders: { all: async () => [] } as unknown as FolderRepo,
      state: {
        get: async (k: string) => state.get(k),
        set: async (k: string, v: unknown) => void state.set(k, v),
      } as unknown as StateRepo,
      log,
      progress: new Progress(),
      signal: new AbortController().signal,
      options: { ...options, ...over },
      sources,
      // The fake sources never read them.
      takeout: {} as TakeoutRepo,
      shortcuts: {} as ShortcutRepo,
    },
  };
}

test('for each enabled source, index then download; a disabled one is left out', async () => {
  const calls: string[] = [];
  const sources = [
    fake('a', calls),
    fake('off', calls, { enabled: (o) => !o.skipDrive }),
    fake('b', calls, {
      fetch: false,
      finish: async () => void calls.push('finish b'),
    }),
    fake('c', calls),
  ];
  const { deps: d } = deps(sources, { skipDrive: true });
  const result = await runPass(d);
  assert.deepEqual(calls, ['index a', 'fetch a', 'index b', 'finish b', 'index c', 'fetch c']);
  assert.equal(result.indexed, 6);
  assert.equal(result.goneNoticed, 3);
  assert.deepEqual(result.counters, { aParts: 3, bParts: 3, cParts: 3, shared: 3 });
  assert.equal(result.skipped, 4);
  assert.equal(result.goneTotal, 5);
});

test('--skip-index downloads only, --index-only indexes only', async () => {
  const calls: string[] = [];
  await runPass(deps([fake('a', calls), fake('b', calls)], { skipIndex: true }).deps);
  assert.deepEqual(calls, ['fetch a', 'fetch b']);
  calls.length = 0;
  await runPass(deps([fake('a', calls), fake('b', calls)], { indexOnly: true }).deps);
  assert.deepEqual(calls, ['index a', 'index b']);
});

test('album folders only when an enabled source lists albums', async () => {
  const calls: string[] = [];
  const without = deps([fake('a', calls)], { skipAlbums: true });
  await runPass(without.deps);
  assert.ok(!without.lines.includes('--skip-albums: albums/ left as it is'));
  const withAlbums = deps([fake('a', calls, { albums: true })], { skipAlbums: true });
  await runPass(withAlbums.deps);
  assert.ok(withAlbums.lines.includes('--skip-albums: albums/ left as it is'));
});

test('the registry: Drive first, then shared drives, Takeout and Picasa, one top folder each, their summary figures', () => {
  assert.deepEqual(
    SOURCES.map((s) => s.name),
    ['drive', 'shared-drive', 'takeout', 'picasa'],
  );
  assert.deepEqual(sourceTops(), ['drive', 'shared-drives', 'photos', 'picasa']);
  const counters = sourceCounters();
  assert.deepEqual(counters.slice(-3), ['albums', 'photosOnly', 'truncatedAlbums']);
  assert.ok(counters.includes('takeoutAdded') && counters.includes('takeoutDatedExif'));
  assert.deepEqual(
    SOURCES.map((s) => s.enabled({ ...options, skipPicasa: true })),
    [true, false, false, false],
  );
  // Shared drives take part when named, --skip-drive or not.
  assert.deepEqual(
    SOURCES.map((s) => s.enabled({ ...options, skipDrive: true, sharedDrives: ['0Aabc'] })),
    [false, true, false, true],
  );
  assert.deepEqual(
    SOURCES.map((s) =>
      s.enabled({ ...options, takeout: { paths: ['/drop'], complete: false, settleMs: 0 } }),
    ),
    [true, false, true, true],
  );
  assert.equal(takeoutSource.enabled({ ...options, indexOnly: true, takeoutDrive: true }), false);
});
