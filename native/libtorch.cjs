// Resolves which libtorch the addon builds against; binding.gyp calls this at configure time.
// Default: Debian's libtorch-dev (/usr). LIBTORCH=/dir (with include/ and lib/) selects another build.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function resolveLibtorch() {
  const root = process.env.LIBTORCH;
  if (!root) {
    return {
      root: '/usr',
      include: ['/usr/include', '/usr/include/torch/csrc/api/include'],
      lib: '/usr/lib/x86_64-linux-gnu',
      abi: 1,
    };
  }
  const include = path.join(root, 'include');
  if (!fs.existsSync(path.join(include, 'ATen', 'ATen.h'))) {
    throw new Error(`LIBTORCH=${root}: no include/ATen/ATen.h there; expected a libtorch with include/ and lib/`);
  }
  const cfg = path.join(root, 'share', 'cmake', 'Torch', 'TorchConfig.cmake');
  let abi = 1;
  if (fs.existsSync(cfg)) {
    const m = /_GLIBCXX_USE_CXX11_ABI=(\d)/.exec(fs.readFileSync(cfg, 'utf8'));
    if (m) abi = Number(m[1]);
  }
  return {
    root,
    include: [include, path.join(include, 'torch', 'csrc', 'api', 'include')],
    lib: path.join(root, 'lib'),
    abi,
  };
}

const what = process.argv[2];
const t = resolveLibtorch();
const libs = ['torch', 'torch_cpu', 'c10'];
for (const extra of ['torch_cuda', 'c10_cuda']) {
  if (fs.existsSync(path.join(t.lib, `lib${extra}.so`))) libs.push(extra);
}
if (what === 'include') {
  process.stderr.write(
    `greedy-infomax: building against libtorch at ${t.root} (libs: ${libs.join(', ')}; cxx11 abi ${t.abi})\n`,
  );
  console.log(t.include.join(' '));
} else if (what === 'ldflags') {
  console.log([`-L${t.lib}`, `-Wl,-rpath,${t.lib}`, '-Wl,--no-as-needed', ...libs.map((l) => `-l${l}`)].join(' '));
} else if (what === 'abi') {
  console.log(`_GLIBCXX_USE_CXX11_ABI=${t.abi}`);
} else {
  console.log(JSON.stringify({ ...t, libs }));
}
