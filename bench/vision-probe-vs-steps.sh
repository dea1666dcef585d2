#!/usr/bin/env bash
# Probe accuracy vs pretraining steps on Fashion-MNIST (vision-small encoder), issue 11: trains the supervised, GIM and
# CPC rows with a checkpoint every 625 steps (⅓ epoch of 32-image batches), keeps every checkpoint as its own
# one-checkpoint run folder under OUT/snap, then `npx tsx bench/vision-probe-vs-steps.ts OUT/snap` probes them and
# draws results/vision/probe-vs-steps.png.
#   [ONLY="gim cpc"] bash bench/vision-probe-vs-steps.sh [OUT] [SUPERVISED_STEPS] [GIM_STEPS] [CPC_STEPS]
# (ONLY: the methods to train, of supervised, gim and cpc; default all three. TAG=name and SETS="key=value …": a
# variant — every run gets --set for each of SETS, and its folder and snapshots are named <method>-<TAG>.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${1:-runs/probe-vs-steps}
mkdir -p "$out/snap"

snapshot() { # run-folder method
  for file in "$1"/checkpoints/step-*.safetensors; do
    [ -e "$file" ] || continue
    local dest
    dest="$out/snap/$2-$(basename "$file" .safetensors)"
    [ -d "$dest" ] && continue
    mkdir -p "$dest.tmp/checkpoints"
    cp "$1/config.json" "$dest.tmp/"
    cp "$file" "$dest.tmp/checkpoints/"
    mv "$dest.tmp" "$dest"
  done
}

variant=()
for set in ${SETS:-}; do variant+=(--set "$set"); done

train() { # method steps [--set …]
  local method=$1${TAG:+-$TAG} steps=$2
  shift 2
  local run="$out/$method"
  npx gim train --preset vision-small --run "$run" --overwrite --set "train.steps=$steps" \
    --set train.checkpointEvery=625 --set train.logEvery=125 "$@" "${variant[@]}" >"$out/$method.log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    snapshot "$run" "$method"
    sleep 20
  done
  wait "$pid"
  snapshot "$run" "$method"
}

only=" ${ONLY:-supervised gim cpc} "
[[ $only == *" supervised "* ]] && train supervised "${2:-3750}" --set train.objective=supervised --set model.modelSplits=1
[[ $only == *" gim "* ]] && train gim "${3:-3750}"
[[ $only == *" cpc "* ]] && train cpc "${4:-1875}" --set model.modelSplits=1
echo "snapshots in $out/snap; next: npx tsx bench/vision-probe-vs-steps.ts $out/snap"
