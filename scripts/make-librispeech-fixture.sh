#!/usr/bin/env bash
# Build the tiny LibriSpeech-format fixture tree used by src/audio/data tests (needs sox with FLAC support).
#
#   bash scripts/make-librispeech-fixture.sh [OUT_DIR]   # default: src/audio/data/fixtures/librispeech
#
# Layout written (same formats as LibriSpeech train-clean-100 + the CPC label/split files):
#   OUT/train-clean-100/<spk>/<chapter>/<spk>-<chapter>-<utt>.flac   16 kHz, 16-bit, mono sines (no dither)
#   OUT/train_split.txt, OUT/test_split.txt                          one utterance id per line
#   OUT/converted_aligned_phones.txt                                 "<id> p1 p2 ..." one label 0..40 per 160 samples
#   OUT/bad/rate-22050.flac    a 22050 Hz file (wrong sample rate)
#   OUT/bad/stereo.flac        2 channels: left a 440 Hz sine at 0.5, right silent
# Truncated and corrupt files are made by the tests themselves from these.
set -euo pipefail

out="${1:-src/audio/data/fixtures/librispeech}"
command -v sox >/dev/null || { echo "make-librispeech-fixture: sox is not installed (apt-get install sox libsox-fmt-all)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/bad"

# utt_id  seconds  frequency_hz  amplitude  split
utterances=(
  "103-1240-0000 1.4 440 0.5 train"
  "103-1240-0001 0.3 220 0.25 train"
  "1034-121119-0000 0.5 330 0.4 train"
  "19-198-0000 0.4 550 0.3 train"
  "103-1240-0002 0.3 660 0.3 test"
  "19-198-0001 0.3 770 0.3 test"
)

: >"$out/train_split.txt"
: >"$out/test_split.txt"
: >"$out/converted_aligned_phones.txt"
for row in "${utterances[@]}"; do
  read -r id secs freq amp split <<<"$row"
  IFS=- read -r spk chapter _ <<<"$id"
  dir="$out/train-clean-100/$spk/$chapter"
  mkdir -p "$dir"
  # -D: no dither, so the files hold exact, reproducible sines.
  sox -V1 -D -n -r 16000 -b 16 -c 1 "$dir/$id.flac" synth "$secs" sine "$freq" vol "$amp"
  echo "$id" >>"$out/${split}_split.txt"
  # One phone label per 10 ms frame (160 samples): a deterministic pattern over 0..40.
  samples=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 16000 + 0.5 }')
  frames=$((samples / 160))
  awk -v id="$id" -v n="$frames" -v k="${#id}" 'BEGIN {
    line = id; for (i = 0; i < n; i++) line = line " " ((int(i / 5) * 7 + k) % 41); print line }' \
    >>"$out/converted_aligned_phones.txt"
done

sox -V1 -D -n -r 22050 -b 16 -c 1 "$out/bad/rate-22050.flac" synth 0.2 sine 440 vol 0.5
sox -V1 -D -n -r 16000 -b 16 -c 2 "$out/bad/stereo.flac" synth 0.2 sine 440 vol 0.5 remix 1 0

echo "make-librispeech-fixture: wrote ${#utterances[@]} utterances under $out"
du -b "$out"/train-clean-100/*/*/*.flac "$out"/bad/*.flac
