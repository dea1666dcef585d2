// Builds the libtorch addon (build/Release/gim_native.node) with node-gyp: the package's `install` script and
// `npm run build:native`. Offline-friendly: when the Node headers are installed (/usr/include/node/node_api.h, Debian's
// nodejs package) node-gyp uses them instead of downloading a headers tarball. On failure it says what is needed.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const SYSTEM_NODE_HEADERS = '/usr/include/node/node_api.h';

/** The node-gyp to run: npm's own (npm sets npm_config_node_gyp in scripts), else one from node_modules, else npx. */
function nodeGypCommand() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && fs.existsSync(fromNpm)) return [process.execPath, [fromNpm]];
  try {
    return [process.execPath, [require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] })]];
  } catch {
    return ['npx', ['--yes', 'node-gyp']];
  }
}

const args = ['rebuild'];
if (!process.env.npm_config_nodedir && fs.existsSync(SYSTEM_NODE_HEADERS)) args.push('--nodedir=/usr');
const [command, prefix] = nodeGypCommand();
const result = spawnSync(command, [...prefix, ...args], { cwd: root, stdio: 'inherit' });

if (result.status !== 0) {
  const reason = result.error ? result.error.message : `node-gyp exited with ${result.status ?? result.signal}`;
  process.stderr.write(
    [
      '',
      `greedy-infomax: building the libtorch addon failed (${reason}).`,
      'It needs libtorch and a C++ toolchain. On Debian 12:',
      '  sudo apt-get install libtorch-dev libgloo-dev libopenblas0-openmp g++ make python3',
      'or set LIBTORCH=/path/to/libtorch (a directory with include/ and lib/). Then run:',
      '  npm rebuild greedy-infomax',
      '',
    ].join('\n'),
  );
  process.exit(1);
}
