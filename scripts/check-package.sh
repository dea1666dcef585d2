#!/usr/bin/env bash
# Checks the npm package as a user gets it: npm pack, install the tarball into an empty app (the addon compiles
# there), import it from ESM JavaScript and from TypeScript (moduleResolution nodenext, skipLibCheck false), run
# `gim --help`, `--version`, a 3-step audio and vision training run and an eval, a 2-rank `gim launch`, `gim pack`
# and `gim export --from`, `gim serve-demo` (the page and the onnxruntime-web files it loads are served; without onnxruntime-web it names the
# package); then, with the addon removed, `gim --help` still works and `gim train` says how to rebuild it, without a
# stack trace. Needs what scripts/setup.sh installs (libtorch-dev, flite, dataset-fashion-mnist) and the repository's
# node_modules.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"

work="$(mktemp -d "${TMPDIR:-/tmp}/gim-package-check.XXXXXX")"
serve_pid=""
trap '[ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
started=$SECONDS
step() { echo "== check-package [$((SECONDS - started)) s]: $*"; }
fail() { echo "check-package: FAILED: $*" >&2; exit 1; }

if [ -f /usr/include/node/node_api.h ]; then
  export npm_config_nodedir=/usr # node-gyp builds offline against the installed Node headers
fi
export JOBS="${JOBS:-max}"

step "npm pack"
tarball="$(npm pack --pack-destination "$work" --json | node -e \
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].filename))')"
tarball="$work/$(basename "$tarball")"
files="$(tar -tzf "$tarball")"
echo "$(echo "$files" | wc -l) files, $(du -h "$tarball" | cut -f1)"
for needed in dist/index.js dist/index.d.ts dist/cli/main.js bin/gim.js binding.gyp native/build.cjs LICENSE README.md \
  demo/index.html demo/app.js; do
  echo "$files" | grep -x "package/$needed" >/dev/null || fail "the tarball lacks $needed"
done
if echo "$files" | grep -E '\.test\.(ts|js)$|/fixtures/|/testing/|/testing\.(js|d\.ts)$|\.map$|^package/(src|results|bench|pretrained|\.ci)/'; then
  fail "the tarball ships the files above (tests, fixtures, sources, results or the pretrained encoders)"
fi

app="$work/app"
mkdir -p "$app"
cd "$app"
echo '{ "name": "gim-package-check", "private": true, "type": "module" }' >package.json
step "npm install $(basename "$tarball") (compiles the addon)"
install_started=$SECONDS
npm install --no-audit --no-fund --prefer-offline "$tarball" 2>&1 | tee "$work/install.log"
echo "install took $((SECONDS - install_started)) s"
addon="$app/node_modules/greedy-infomax/build/Release/gim_native.node"
[ -f "$addon" ] || fail "npm install did not build $addon"
# npm 11 warns that the install script is not yet covered by allowScripts (it still runs it); this acknowledges it.
npm install-scripts approve greedy-infomax
echo "the app's package.json after the approval: $(tr -d '\n ' <package.json)"

step "import from ESM JavaScript"
cat >check.mjs <<'JS'
import { gim, nn, tensor, vision, audio } from 'greedy-infomax';
const x = tensor.randn([2, 3]);
if (x.shape.join(',') !== '2,3') throw new Error(`randn shape ${x.shape}`);
for (const [name, ns] of Object.entries({ gim, nn, vision, audio }))
  if (Object.keys(ns).length === 0) throw new Error(`${name}: nothing exported`);
console.log(`libtorch ${tensor.libtorchVersion()}; GradientIsolatedStack: ${typeof gim.GradientIsolatedStack}`);
JS
node check.mjs

step "typecheck from TypeScript (nodenext, strict, skipLibCheck false)"
cat >check.ts <<'TS'
import { audio, gim, tensor } from 'greedy-infomax';

const x: tensor.Tensor = tensor.randn([8, 1, 20480]); // [B, 1, samples]
const modules = audio.buildAudioModules({ ...audio.paperAudioEncoder, channels: 16 });
const stack: gim.GradientIsolatedStack = new gim.GradientIsolatedStack(modules, { lr: 2e-4 });
const shape: readonly number[] = x.shape;
console.log(shape, stack.length);
TS
cat >tsconfig.json <<JSON
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "skipLibCheck": false,
    "noEmit": true,
    "types": ["node"],
    "typeRoots": ["$repo/node_modules/@types"]
  },
  "files": ["check.ts"]
}
JSON
"$repo/node_modules/.bin/tsc" -p tsconfig.json

step "npx gim --help / --version"
npx gim --help >/dev/null
version="$(npx gim --version)"
[ "$version" = "$(node -p "require('$repo/package.json').version")" ] || fail "gim --version printed '$version'"

step "gim train --preset audio-tiny (3 steps), gim eval"
npx gim train --preset audio-tiny --set train.steps=3 --run runs/audio
npx gim eval --run runs/audio --probe speaker
step "gim train --preset vision-tiny (3 steps), gim eval"
npx gim train --preset vision-tiny --set train.steps=3 --run runs/vision
npx gim eval --run runs/vision --probe class
step "gim train --preset vision-tiny --mode async (worker threads from dist/)"
npx gim train --preset vision-tiny --mode async --set train.steps=3 --run runs/vision-async

step "gim launch --nproc-per-node 2 -- train --mode distributed (2 stages over loopback, ranks from dist/)"
npx gim launch --nproc-per-node 2 --master-port "$((20000 + RANDOM % 20000))" -- train --preset audio-tiny --mode distributed \
  --set distributed.stages=2 --set train.steps=3 --set threads=1 --run runs/audio-distributed
[ -d runs/audio-distributed/checkpoints/module5 ] || fail "gim launch left no module checkpoints"

step "gim pack, gim export --from the pack"
npx gim pack --run runs/vision --out vision.gim.tgz
npx gim export --from vision.gim.tgz --module 2 --out vision.onnx
[ -s vision.onnx ] || fail "gim export --from wrote no vision.onnx"

step "gim serve-demo (the page and the onnxruntime-web files it loads)"
# The bin itself, not npx: a signal to npx does not reach the server it started.
node_modules/.bin/gim serve-demo --run runs/vision --port 0 >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 120); do
  grep -q 'http://' "$work/serve.log" && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.log"; fail "gim serve-demo exited before listening"; }
  sleep 0.5
done
url="$(grep -o 'http://[0-9.]*:[0-9]*/' "$work/serve.log")" || { cat "$work/serve.log"; fail "gim serve-demo printed no address"; }
node - "$url" <<'JS' || fail "gim serve-demo does not serve the page or its runtime"
const base = process.argv[2];
const expected = [['', '<script type="module" src="app.js">'], ['app.js', "from '/ort/ort.wasm.min.mjs'"],
  ['ort/ort.wasm.min.mjs', ''], ['ort/ort-wasm-simd-threaded.mjs', ''], ['ort/ort-wasm-simd-threaded.wasm', ''],
  ['encoder.onnx', ''], ['gallery.json', '"items"']];
for (const [file, text] of expected) {
  const res = await fetch(base + file);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200 || !body.toString('latin1').includes(text)) throw new Error(`/${file}: ${res.status}`);
  console.log(`/${file}: ${res.status}, ${body.length} bytes`);
}
JS
kill "$serve_pid"
wait "$serve_pid" || true
serve_pid=""
ort="$app/node_modules/onnxruntime-web"
[ -d "$ort" ] || fail "npm install did not install onnxruntime-web (an optional dependency)"
mv "$ort" "$work/onnxruntime-web"
if npx gim serve-demo --run runs/vision --port 0 2>"$work/no-ort.err"; then fail "gim serve-demo ran without onnxruntime-web"; fi
mv "$work/onnxruntime-web" "$ort"
cat "$work/no-ort.err"
grep -q 'npm install onnxruntime-web' "$work/no-ort.err" || fail "the missing-runtime message does not name the package"
if grep -qE '^\s+at ' "$work/no-ort.err"; then fail "the missing-runtime error printed a stack trace"; fi

step "without the addon"
mv "$addon" "$work/addon.node"
npx gim --help >/dev/null || fail "gim --help needs the addon"
npx gim --version >/dev/null || fail "gim --version needs the addon"
if npx gim train --preset audio-tiny --run runs/no-addon 2>"$work/no-addon.err"; then
  fail "gim train ran without the addon"
fi
cat "$work/no-addon.err"
grep -q 'npm rebuild greedy-infomax' "$work/no-addon.err" || fail "the missing-addon message does not say npm rebuild"
grep -q 'libtorch-dev' "$work/no-addon.err" || fail "the missing-addon message does not name libtorch-dev"
if grep -q 'scripts/setup.sh' "$work/no-addon.err"; then fail "an installed package was told to run scripts/setup.sh"; fi
if grep -qE '^\s+at ' "$work/no-addon.err"; then fail "the missing-addon error printed a stack trace"; fi

step "npm rebuild greedy-infomax (what the message says)"
npm rebuild greedy-infomax
[ -f "$addon" ] || fail "npm rebuild greedy-infomax did not build $addon"
npx gim config --preset vision-tiny --keys >/dev/null

step "passed in $((SECONDS - started)) s"
