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

/** The first directory of `dirs` that holds `file`, or undefined. */
function dirWith(dirs, file) {
  return dirs.find((d) => d && fs.existsSync(path.join(d, file)));
}

/**
 * c10d (native/src/distributed.cc): ProcessGroupGloo.hpp is compiled under USE_C10D_GLOO and includes <gloo/...>. Debian's libtorch links the shared
 * libgloo (headers and link name from libgloo-dev); a libtorch download ships its own headers in include/. NCCL is
 * compiled in (USE_C10D_NCCL, the macro libtorch's own headers test) only for a CUDA libtorch when nccl.h and the
 * CUDA headers are found (NCCL_INCLUDE_DIR, CUDA_HOME, /usr/local/cuda, /usr/include).
 */
function c10dConfig(t, libs) {
  const include = [];
  const defines = [];
  const extraLibs = [];
  const glooHeaders = dirWith([...t.include, '/usr/include'], path.join('gloo', 'config.h'));
  if (glooHeaders) {
    defines.push('USE_C10D_GLOO');
    if (!t.include.includes(glooHeaders)) include.push(glooHeaders);
  }
  const glooLib = ['/usr/lib/x86_64-linux-gnu', '/usr/lib', t.lib].find((d) =>
    fs.existsSync(path.join(d, 'libgloo.so')),
  );
  if (glooLib && (t.root === '/usr' || glooLib === t.lib)) extraLibs.push('gloo');
  if (libs.includes('torch_cuda')) {
    const cudaHome = process.env.CUDA_HOME ?? process.env.CUDA_PATH ?? '/usr/local/cuda';
    const candidates = [process.env.NCCL_INCLUDE_DIR, path.join(cudaHome, 'include'), ...t.include, '/usr/include'];
    const nccl = dirWith(candidates, 'nccl.h');
    const cuda = dirWith(candidates, 'cuda_runtime_api.h');
    if (nccl && cuda) {
      defines.push('USE_C10D_NCCL');
      for (const d of [nccl, cuda]) if (!t.include.includes(d) && !include.includes(d)) include.push(d);
    }
  }
  return { include, defines, libs: extraLibs };
}

const what = process.argv[2];
const t = resolveLibtorch();
const libs = ['torch', 'torch_cpu', 'c10'];
for (const extra of ['torch_cuda', 'c10_cuda']) {
  if (fs.existsSync(path.join(t.lib, `lib${extra}.so`))) libs.push(extra);
}
const c10d = c10dConfig(t, libs);
libs.push(...c10d.libs);
if (what === 'include') {
  process.stderr.write(
    `greedy-infomax: building against libtorch at ${t.root} (libs: ${libs.join(', ')}; cxx11 abi ${t.abi}; ` +
      `c10d backends: gloo${c10d.defines.includes('USE_C10D_NCCL') ? ', nccl' : ''})\n`,
  );
  console.log([...t.include, ...c10d.include].join(' '));
} else if (what === 'ldflags') {
  console.log([`-L${t.lib}`, `-Wl,-rpath,${t.lib}`, '-Wl,--no-as-needed', ...libs.map((l) => `-l${l}`)].join(' '));
} else if (what === 'abi') {
  console.log(`_GLIBCXX_USE_CXX11_ABI=${t.abi}`);
} else if (what === 'defines') {
  console.log([`_GLIBCXX_USE_CXX11_ABI=${t.abi}`, ...c10d.defines].join(' '));
} else {
  console.log(JSON.stringify({ ...t, libs, c10d }));
}
