/**
 * Runs the emulator standalone:
 *   node test/fakes/google/main.ts [--port N] [--generate N [--seed S] [--albums A] | --scenario demo]
 *                                  [--short-pages] [--token-ttl SECONDS] [--write-token FILE]
 * Prints one JSON line `{"url":…,"tokenUrl":…,"picasaUrl":…}` when ready; `--write-token` writes an
 * authorized_user token JSON (mode 0600) for the default client. Stops on SIGINT/SIGTERM.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateLibrary } from './library.ts';
import { demoLibrary } from './scenarios.ts';
import { startEmulator } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    generate: { type: 'string' },
    seed: { type: 'string' },
    albums: { type: 'string' },
    scenario: { type: 'string' },
    'short-pages': { type: 'boolean' },
    'token-ttl': { type: 'string' },
    'write-token': { type: 'string' },
  },
});

const int = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`Expected \`--${name}\` to be a non-negative integer, got \`${v}\`\n`);
    process.exit(2);
  }
  return n;
};

if (values.scenario !== undefined && values.scenario !== 'demo') {
  process.stderr.write(`Unknown scenario \`${values.scenario}\` (known: demo)\n`);
  process.exit(2);
}
const items = int('generate', values.generate);
const seed = int('seed', values.seed);
const albums = int('albums', values.albums);
const library =
  items !== undefined
    ? generateLibrary({
        items,
        ...(seed !== undefined ? { seed } : {}),
        ...(albums !== undefined ? { albums } : {}),
      })
    : demoLibrary();
const port = int('port', values.port);
const ttl = int('token-ttl', values['token-ttl']);
const emu = await startEmulator({
  library,
  shortPages: values['short-pages'] ?? false,
  ...(port !== undefined ? { port } : {}),
  ...(ttl !== undefined ? { accessTokenTtlSeconds: ttl } : {}),
});
if (values['write-token']) {
  writeFileSync(values['write-token'], JSON.stringify(emu.defaultToken(), null, 2) + '\n', {
    mode: 0o600,
  });
  chmodSync(values['write-token'], 0o600);
}
process.stdout.write(
  JSON.stringify({ url: emu.url, tokenUrl: emu.tokenUrl, picasaUrl: emu.picasaUrl }) + '\n',
);

const stop = (): void => {
  void emu.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
