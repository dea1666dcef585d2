#!/usr/bin/env bash
# Installs Python torch, needed only by `npm run bench:engine` and `npm run fixtures`. Safe to run again.
set -euo pipefail

BENCH_PACKAGES=(python3-torch)

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/apt-ensure.sh
source scripts/apt-ensure.sh

echo "== setup-bench: apt packages"
apt_ensure "${BENCH_PACKAGES[@]}"
echo "== setup-bench: done"
