#!/usr/bin/env bash
# Installs what greedy-infomax needs on Debian 12 and builds the native addon. Safe to run again.
set -euo pipefail

# Build and runtime packages. libopenblas0-openmp: Debian's libtorch does its matmuls through the system BLAS
# (BLAS_INFO=generic); without OpenBLAS that is the reference BLAS, ~26x slower on a 1024^3 matmul (measured).
# fonts-dejavu-core: figures (src/report) are drawn in DejaVu Sans by resvg, which reads the system font files;
# without any fonts their text would silently not render.
# libgloo-dev: libtorch's c10d header ProcessGroupGloo.hpp includes <gloo/...> (native/src/distributed.cc).
PACKAGES=(libtorch-dev libgloo-dev libopenblas0-openmp g++ make python3 fonts-dejavu-core)
# Data packages (datasets and audio tools used by the experiments and tests; tuxpaint-stamps-default and
# ktuberling-data hold the real recorded voices of `gim data real-speech`).
DATA_PACKAGES=(dataset-fashion-mnist flite espeak-ng sox flac fortunes pocketsphinx-testdata tuxpaint-stamps-default ktuberling-data)
# chromium: the demo page's test in a real browser (src/demo/demo.test.ts) and onnxruntime-web in `npm run bench:export`.
BROWSER_PACKAGES=(chromium)

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/apt-ensure.sh
source scripts/apt-ensure.sh

echo "== setup: apt packages"
apt_ensure "${PACKAGES[@]}" "${DATA_PACKAGES[@]}" "${BROWSER_PACKAGES[@]}"

echo "== setup: native build environment"
if [ -f /usr/include/node/node_api.h ]; then
  # node-gyp builds offline against the installed Node headers instead of downloading them.
  export npm_config_nodedir=/usr
  echo "npm_config_nodedir=/usr (using /usr/include/node)"
else
  echo "no /usr/include/node/node_api.h; node-gyp will fetch Node headers itself"
fi
export JOBS=2
echo "JOBS=$JOBS"
echo "LIBTORCH=${LIBTORCH:-<unset: Debian libtorch-dev in /usr>}"

echo "== setup: npm ci (builds the addon)"
# onnxruntime-node (tests and benchmarks of ONNX export) would otherwise try to download a CUDA provider.
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci

echo "== setup: done"
