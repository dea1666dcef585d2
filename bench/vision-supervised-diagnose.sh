#!/usr/bin/env bash
# What holds the whole-image supervised encoder of bench/vision-supervised-cap.sh below 90 % (issue 11)? Two checks,
# each giving the supervised head's own accuracy and the Table 1 probe (bench/vision-probe.ts) into OUT/diagnose.jsonl:
#   longer  — the 2-epoch whole-image run continued to 6 epochs (11,250 steps): is it training length?
#   strides — the same encoder with every stage strided (stageStrides [2, 2, 2]: a 19-pixel instead of a 13-pixel
#             receptive field under the global average), 2 epochs: is it the receptive field?
#   grid-longer — the 2-epoch patch-grid supervised run of bench/vision-probe-vs-steps.sh (GRID_RUN) continued to 4
#             epochs (7,500 steps): does the grid row level off?
#   bash bench/vision-supervised-diagnose.sh [OUT] [longer|strides|grid-longer …]   (GRID_RUN=… to pick the grid run)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${1:-runs/sup}
shift || true
checks=("${@:-longer strides}")
whole=(--set train.objective=supervised --set model.modelSplits=1 --set model.patch=32 --set model.patchStride=32)

measure() { # run
  npx tsx bench/vision-head-accuracy.ts "$1" | tee -a "$out/diagnose.jsonl"
  npx tsx bench/vision-probe.ts "$1" | tee -a "$out/diagnose.jsonl"
}

for check in ${checks[*]}; do
  case $check in
    longer)
      run="$out/whole-longer"
      if [ ! -d "$run" ]; then
        mkdir -p "$run.tmp/checkpoints"
        cp "$out/whole/config.json" "$run.tmp/"
        cp "$out/whole/metrics.jsonl" "$run.tmp/"
        cp "$out/whole/checkpoints/step-0003750.safetensors" "$run.tmp/checkpoints/"
        mv "$run.tmp" "$run"
      fi
      /usr/bin/time -f 'train wall %e s' npx gim train --preset vision-small --run "$run" --resume \
        --set train.steps=11250 --set train.checkpointEvery=1875 >"$run.log" 2>&1
      measure "$run"
      ;;
    strides)
      run="$out/whole-strides"
      /usr/bin/time -f 'train wall %e s' npx gim train --preset vision-small --run "$run" --overwrite "${whole[@]}" \
        --set 'model.stageStrides=[2,2,2]' --set train.steps=3750 --set train.checkpointEvery=625 \
        --set train.logEvery=25 >"$run.log" 2>&1
      measure "$run"
      ;;
    grid-longer)
      from=${GRID_RUN:-runs/probe-vs-steps/supervised}
      run="$out/grid-longer"
      if [ ! -d "$run" ]; then
        mkdir -p "$run.tmp/checkpoints"
        cp "$from/config.json" "$from/metrics.jsonl" "$run.tmp/"
        cp "$from/checkpoints/step-0003750.safetensors" "$run.tmp/checkpoints/"
        mv "$run.tmp" "$run"
      fi
      /usr/bin/time -f 'train wall %e s' npx gim train --preset vision-small --run "$run" --resume \
        --set train.steps=7500 --set train.checkpointEvery=1875 --set train.logEvery=25 >"$run.log" 2>&1
      measure "$run"
      ;;
    *)
      echo "unknown check $check (longer | strides | grid-longer)" >&2
      exit 2
      ;;
  esac
done
