#!/usr/bin/env bash
# Turn the LibriVox clips of Debian's pocketsphinx-testdata into a LibriSpeech-style tree, for a smoke test of the
# FLAC/LibriSpeech reader on real speech (16 kHz, 16-bit mono WAV → FLAC with `flac`, or `sox` when flac is absent).
#
#   bash scripts/librivox-smoke.sh OUT_DIR
#
# Writes OUT_DIR/train-clean-100/9001/1/9001-1-<clip>.flac for each clip (<clip> = the clip's 4-digit number; speaker
# 9001 and chapter 1 are made up: the clips are one reader, Sense and Sensibility ch. 1), and OUT_DIR/train_split.txt.
# Prints one line per clip ("<id> <wav>") and a summary "clips N seconds S". Exit 2 when the package is not installed.
set -euo pipefail

out="${1:?usage: librivox-smoke.sh OUT_DIR}"
src="${LIBRIVOX_DIR:-/usr/share/pocketsphinx/test/data/librivox}"
if [ ! -d "$src" ] && command -v dpkg >/dev/null; then
  src="$(dpkg -L pocketsphinx-testdata 2>/dev/null | grep '/librivox$' | head -n 1 || true)"
fi
if [ -z "$src" ] || [ ! -d "$src" ]; then
  echo "librivox-smoke: pocketsphinx-testdata is not installed (apt-get install -y pocketsphinx-testdata)" >&2
  exit 2
fi
if command -v flac >/dev/null; then encoder=flac
elif command -v sox >/dev/null; then encoder=sox
else echo "librivox-smoke: neither flac nor sox is installed" >&2; exit 2
fi

shopt -s nullglob
wavs=("$src"/*.wav)
[ "${#wavs[@]}" -gt 0 ] || { echo "librivox-smoke: no .wav clips in $src" >&2; exit 2; }

dir="$out/train-clean-100/9001/1"
mkdir -p "$dir"
: >"$out/train_split.txt"
total=0
for wav in "${wavs[@]}"; do
  clip="$(basename "$wav" .wav)"
  num="${clip##*-}"                       # sense_and_sensibility_01_austen_64kb-0870 -> 0870
  [[ "$num" =~ ^[0-9]+$ ]] || { echo "librivox-smoke: cannot number clip $clip" >&2; exit 1; }
  id="9001-1-$num"
  if [ "$encoder" = flac ]; then flac -s -f --best -o "$dir/$id.flac" "$wav"
  else sox -V1 "$wav" -b 16 "$dir/$id.flac"
  fi
  echo "$id" >>"$out/train_split.txt"
  if [ "$encoder" = flac ]; then samples=$(metaflac --show-total-samples "$dir/$id.flac")
  else samples=$(soxi -s "$dir/$id.flac")
  fi
  total=$((total + samples))
  echo "$id $wav"
done
awk -v n="${#wavs[@]}" -v s="$total" 'BEGIN { printf "clips %d seconds %.2f\n", n, s / 16000 }'
