#!/usr/bin/env bash
# Does the patch grid cap the supervised row of Table 1 (issue 11)? Trains the vision-small encoder end to end on the
# labels with the whole 32×32 image as its one patch (a 1×1 grid; everything else as the grid run of
# bench/vision-probe-vs-steps.sh: 3750 steps = 2 epochs, batch 32, lr 1e-3), keeps a snapshot every 625 steps, then
# gives both runs' supervised heads' own accuracy (bench/vision-head-accuracy.ts, into OUT/head.jsonl) and probes both
# final checkpoints under Table 1's protocol through bench/vision-probe-vs-steps.ts (rows "supervised" and
# "supervised-whole" of results/vision/probe-vs-steps.jsonl). results/vision/supervised-cap.md reads the numbers.
#   bash bench/vision-supervised-cap.sh [OUT] [GRID_RUN] [STEPS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${1:-runs/sup}
grid=${2:-runs/probe-vs-steps/snap/supervised-step-0003750}
steps=${3:-3750}
run="$out/whole"
mkdir -p "$out/snap"

if [ ! -f "$run/checkpoints/step-$(printf %07d "$steps").safetensors" ]; then
  /usr/bin/time -f 'train wall %e s' npx gim train --preset vision-small --run "$run" --overwrite \
    --set train.objective=supervised --set model.modelSplits=1 --set model.patch=32 --set model.patchStride=32 \
    --set "train.steps=$steps" --set train.checkpointEvery=625 --set train.logEvery=25 >"$out/whole.log" 2>&1
fi
for file in "$run"/checkpoints/step-*.safetensors; do # one-checkpoint run folders, as bench/vision-probe-vs-steps.sh
  dest="$out/snap/supervised-whole-$(basename "$file" .safetensors)"
  [ -d "$dest" ] && continue
  mkdir -p "$dest.tmp/checkpoints"
  cp "$run/config.json" "$dest.tmp/"
  cp "$file" "$dest.tmp/checkpoints/"
  mv "$dest.tmp" "$dest"
done
npx tsx bench/vision-head-accuracy.ts "$run" "$grid" | tee "$out/head.jsonl"
final="$out/final"
mkdir -p "$final"
ln -sfn "$(realpath "$grid")" "$final/supervised-step-$(printf %07d "$steps")"
ln -sfn "$(realpath "$out/snap/supervised-whole-step-$(printf %07d "$steps")")" "$final/supervised-whole-step-$(printf %07d "$steps")"
npx tsx bench/vision-probe-vs-steps.ts "$final"
