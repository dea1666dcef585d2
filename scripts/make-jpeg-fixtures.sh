#!/usr/bin/env bash
# JPEG fixtures for src/vision/data/image-file.test.ts, written by libjpeg-turbo's own tools (Debian's
# libjpeg-turbo-progs: cjpeg, djpeg), so the test compares jpeg-js against an independent decoder. Only needed to
# regenerate the committed files; the tests read them and need no tool.
#   gradient.jpg   24×20 RGB, quality 90, no chroma subsampling (4:4:4)
#   gradient.ppm   djpeg's decoding of gradient.jpg (the reference pixels)
#   gray.jpg       the same picture as one luma channel, and gray.pgm its djpeg decoding
set -euo pipefail
out="$(dirname "$0")/../src/vision/data/fixtures"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
width=24 height=20
{
  printf 'P6\n%d %d\n255\n' "$width" "$height"
  for ((y = 0; y < height; y++)); do
    for ((x = 0; x < width; x++)); do
      # a red ramp across, a green ramp down, blue a checkerboard of 4-pixel squares
      printf "\\$(printf '%03o' $((x * 255 / (width - 1))))"
      printf "\\$(printf '%03o' $((y * 255 / (height - 1))))"
      printf "\\$(printf '%03o' $(((x / 4 + y / 4) % 2 * 200 + 20)))"
    done
  done
} >"$tmp/source.ppm"
cjpeg -quality 90 -sample 1x1 -outfile "$out/gradient.jpg" "$tmp/source.ppm"
djpeg -pnm -outfile "$out/gradient.ppm" "$out/gradient.jpg"
cjpeg -quality 90 -grayscale -outfile "$out/gray.jpg" "$tmp/source.ppm"
djpeg -pnm -outfile "$out/gray.pgm" "$out/gray.jpg"
