/**
 * `npm run bench:engine`: the engine (TypeScript over libtorch) against Python torch on the same workloads.
 *
 * Both sides use the same libtorch (Debian's; Python via /usr/bin/python3 and python3-torch), 2 intra-op threads,
 * float32, the same seeds and the same ATen operators (the TS workloads are in bench/lib/engine-workloads.ts). The
 * Python side is bench/engine.py, spawned here once in `--serve` mode (one JSON request/reply per line); single
 * repetitions alternate between the sides (Python, TS, TS, Python, …) and never overlap, so background load on the
 * shared cores hits both alike. Times are medians of the timed repetitions after warm-up runs; in TS each repetition
 * runs inside `tidy`, and the backward pass is timed.
 *
 * Options: --only=name[,name]  run some workloads (bench/results/engine.md is then not written)
 *          --reps=N            timed repetitions for every workload (default: 9 to 61 per workload)
 *          --threads=N         intra-op threads on both sides (default 2; for investigation, engine.md not written)
 *          --raw               also print every repetition's wall / CPU ms on both sides
 * Exit code 0 even when a row misses the target: this is a benchmark, not a test.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNumThreads, libtorchVersion, memoryPolicy, setNumThreads, tidy } from '../src/tensor/index.js';
import { WORKLOADS, type Instance, type Workload } from './lib/engine-workloads.js';
import { blasLibrary, cpuModel } from './lib/machine.js';
import { PyWorker } from './lib/pyworker.js';
import { fmtMs, markdownTable, max, median, min, textTable } from './lib/stats.js';

const PYTHON = '/usr/bin/python3';
/** glibc's environment variables for what the addon's 'keep-freed' memory policy sets by mallopt. */
const KEEP_FREED_MALLOC_ENV = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: String(2 ** 31 - 1) };
const DEFAULT_THREADS = 2;
const TARGET = 1.1;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface SideResult {
  /** Wall time of each timed repetition (ms). */
  times: number[];
  /** CPU time (user + system, all threads of the process) of each timed repetition (ms): less sensitive to load. */
  cpu: number[];
  check: number[];
}

interface Sample {
  ms: number;
  cpu_ms: number;
}

interface PyInfo {
  torch: string;
  threads: number;
  parallel: string;
  mkldnn: boolean;
}

function checkPython(): void {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    console.error(
      `bench:engine needs Python torch (Debian's python3-torch, run as ${PYTHON}), which is not available:\n` +
        `  ${r.error?.message ?? r.stderr.trim().split('\n').pop()}\n` +
        'Install it with:  bash scripts/setup-bench.sh',
    );
    process.exit(1);
  }
}

/** One TS repetition: gradients dropped (untimed), then the workload inside tidy (timed, disposal included). */
function runTs(inst: Instance): Sample {
  for (const p of inst.leaves) p.zeroGrad();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  tidy(inst.run);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpu_ms: (c.user + c.system) / 1000 };
}

/**
 * Time one workload on both sides, alternating single repetitions (Python, TS, TS, Python, …) so that the load of
 * other processes on the shared cores falls on both sides alike. The two never run at the same time: each waits
 * for the other's reply.
 */
async function timeBoth(w: Workload, py: PyWorker): Promise<{ py: SideResult; ts: SideResult }> {
  const inst = tidy(() => w.setup());
  await py.request({ cmd: 'setup', name: w.name });
  const pyS: Sample[] = [];
  const tsS: Sample[] = [];
  try {
    for (let i = 0; i < w.warmup + w.reps; i++) {
      const pyFirst = i % 4 === 0 || i % 4 === 3;
      let sPy: Sample | null = null;
      if (pyFirst) sPy = await py.request<Sample>({ cmd: 'run' });
      const sTs = runTs(inst);
      if (!pyFirst) sPy = await py.request<Sample>({ cmd: 'run' });
      if (i >= w.warmup) {
        pyS.push(sPy!);
        tsS.push(sTs);
      }
    }
    const pyCheck = (await py.request<{ check: number[] }>({ cmd: 'check' })).check;
    const tsCheck = tidy(inst.check);
    const side = (s: Sample[], check: number[]): SideResult => ({
      times: s.map((x) => x.ms),
      cpu: s.map((x) => x.cpu_ms),
      check,
    });
    return { py: side(pyS, pyCheck), ts: side(tsS, tsCheck) };
  } finally {
    for (const t of inst.inputs) t.dispose();
  }
}

/** Largest relative difference between the two sides' Σ|·| checks. */
function checkDiff(a: number[], b: number[]): number {
  if (a.length !== b.length) return Infinity;
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!) / Math.max(Math.abs(v), Math.abs(b[i]!), 1e-12)));
}

interface Options {
  only: string[] | null;
  reps: number | null;
  threads: number;
  raw: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { only: null, reps: null, threads: DEFAULT_THREADS, raw: false };
  const count = (a: string, flag: string): number => {
    const n = Number(a.slice(flag.length));
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`${flag}N: N must be a positive integer`);
    return n;
  };
  for (const a of argv) {
    if (a.startsWith('--only=')) o.only = a.slice(7).split(',').filter(Boolean);
    else if (a.startsWith('--reps=')) o.reps = count(a, '--reps=');
    else if (a.startsWith('--threads=')) o.threads = count(a, '--threads=');
    else if (a === '--raw') o.raw = true;
    else throw new Error(`unknown option ${a} (use --only=name[,name], --reps=N, --threads=N, --raw)`);
  }
  const names = WORKLOADS.map((w) => w.name);
  for (const n of o.only ?? []) {
    if (!names.includes(n)) throw new Error(`--only: unknown workload ${n} (${names.join(', ')})`);
  }
  return o;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  checkPython();

  const THREADS = opts.threads;
  setNumThreads(THREADS);
  const tsThreads = getNumThreads();
  const workloads = WORKLOADS.filter((w) => opts.only === null || opts.only.includes(w.name)).map((w) =>
    opts.reps === null ? w : { ...w, reps: opts.reps },
  );

  const started = Date.now();
  const cpu = cpuModel();
  console.log(`bench:engine — ${cpu}, ${os.cpus().length} CPUs; ${THREADS} intra-op threads on both sides; float32`);

  interface Row {
    w: Workload;
    py: SideResult;
    ts: SideResult;
  }
  const rows: Row[] = [];
  const load0 = os.loadavg()[0]!;
  // Python's glibc malloc set up as the addon sets up ours (memoryPolicy), so both sides allocate alike
  const sameMalloc = memoryPolicy() === 'keep-freed';
  const pyEnv = sameMalloc ? { ...process.env, ...KEEP_FREED_MALLOC_ENV } : process.env;
  const py = new PyWorker(PYTHON, [path.join(root, 'bench', 'engine.py'), '--serve'], pyEnv);
  let pyInfo: PyInfo;
  try {
    pyInfo = await py.request<PyInfo>({ cmd: 'init', threads: THREADS });
    for (const w of workloads) {
      const r = await timeBoth(w, py);
      rows.push({ w, ...r });
      if (opts.raw) {
        const fmt = (s: SideResult): string => s.times.map((t, i) => `${fmtMs(t)}/${fmtMs(s.cpu[i]!)}`).join(' ');
        console.log(`    PyTorch wall/CPU ms: ${fmt(r.py)}\n    TS      wall/CPU ms: ${fmt(r.ts)}`);
      }
      console.log(
        `  ${w.name.padEnd(20)} PyTorch ${fmtMs(median(r.py.times)).padStart(8)} ms   TS ${fmtMs(median(r.ts.times)).padStart(8)} ms` +
          `   ratio ${(median(r.ts.times) / median(r.py.times)).toFixed(3)}   (${w.warmup} warm-up + ${w.reps} timed, each side)`,
      );
    }
  } finally {
    await py.close();
  }
  const load1 = os.loadavg()[0]!;

  const header = ['workload', 'PyTorch ms', 'TS ms', 'ratio TS/PyTorch', `target ≤ ${TARGET.toFixed(2)}`];
  const right = [false, true, true, true, false];
  const table = rows.map(({ w, py, ts }) => {
    const ratio = median(ts.times) / median(py.times);
    return [w.label, fmtMs(median(py.times)), fmtMs(median(ts.times)), ratio.toFixed(3), ratio <= TARGET ? '✓' : '✗'];
  });
  const detailHeader = [
    'workload',
    'reps',
    'PyTorch min / max ms',
    'TS min / max ms',
    'median of paired ratios',
    'CPU-time ratio',
    'ratio of minima',
    'results agree (max rel. diff)',
  ];
  const detail = rows.map(({ w, py, ts }) => [
    w.name,
    `${w.warmup} + ${w.reps}`,
    `${fmtMs(min(py.times))} / ${fmtMs(max(py.times))}`,
    `${fmtMs(min(ts.times))} / ${fmtMs(max(ts.times))}`,
    median(ts.times.map((t, i) => t / py.times[i]!)).toFixed(3),
    (median(ts.cpu) / median(py.cpu)).toFixed(3),
    (min(ts.times) / min(py.times)).toFixed(3),
    `${checkDiff(py.check, ts.check) < 1e-4 ? 'yes' : 'NO'} (${checkDiff(py.check, ts.check).toExponential(1)})`,
  ]);
  const misses = rows.filter(({ py, ts }) => median(ts.times) / median(py.times) > TARGET);
  const disagree = rows.filter(({ py, ts }) => !(checkDiff(py.check, ts.check) < 1e-4));

  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const env = [
    `libtorch: ${libtorchVersion()} (TS addon) / torch ${pyInfo.torch} (Python, ${PYTHON})`,
    `threads: TS getNumThreads() = ${tsThreads}, Python torch.get_num_threads() = ${pyInfo.threads} (set to ${THREADS}); ${pyInfo.parallel}; oneDNN: ${pyInfo.mkldnn ? 'yes' : 'no'}`,
    `CPU: ${cpu} (${os.cpus().length} logical CPUs); BLAS: ${blasLibrary()}`,
    `malloc: TS ${memoryPolicy()} (native/src/memory_policy.cc); Python ${
      sameMalloc
        ? `the same, by ${Object.entries(KEEP_FREED_MALLOC_ENV)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`
        : 'as the environment sets it'
    }`,
    `date: ${date}; node ${process.version}; total ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
      `1-min load average ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end` +
      (Math.max(load0, load1) > 0.5 ? ' (other processes were running: expect noise)' : ''),
  ];
  const missLine =
    misses.length === 0
      ? `All rows meet the target (TS/PyTorch ≤ ${TARGET.toFixed(2)}).`
      : `MISSED the target (TS/PyTorch > ${TARGET.toFixed(2)}): ` +
        misses.map(({ w, py, ts }) => `${w.name} (${(median(ts.times) / median(py.times)).toFixed(3)}×)`).join(', ');
  const detailNote =
    'Paired ratio: median over repetitions of TS/PyTorch for back-to-back runs. CPU-time ratio: median CPU time ' +
    '(user + system, all threads) TS / PyTorch, less sensitive than wall time to other processes on the cores.';
  const agreeLine =
    disagree.length === 0
      ? 'Both sides computed the same values on every row (Σ|output|, Σ|grad| agree within 1e-4).'
      : `WARNING: results differ between the sides on ${disagree.map((r) => r.w.name).join(', ')}.`;

  console.log('');
  console.log(textTable(header, table, right));
  console.log('');
  console.log(textTable(detailHeader, detail));
  console.log(detailNote);
  console.log('');
  for (const l of env) console.log(l);
  console.log(missLine);
  console.log(agreeLine);

  if (opts.only !== null || opts.reps !== null || THREADS !== DEFAULT_THREADS) {
    console.log('\n(partial or non-default run: bench/results/engine.md not written)');
    return;
  }
  const md = [
    '# Engine benchmark: TypeScript (this engine) vs Python torch',
    '',
    'Reproduce: `bash scripts/setup-bench.sh && npm run bench:engine` (writes this file).',
    '',
    'Median wall time per repetition; both sides on the same libtorch, float32, ' +
      `${THREADS} intra-op threads, same seeds and ATen operators, single repetitions alternating between the sides (never overlapping). ` +
      'TS repetitions run inside `tidy`; backward passes are inside the timed region; gradients are dropped before each repetition on both sides.',
    '',
    markdownTable(header, table, right),
    '',
    missLine,
    '',
    markdownTable(detailHeader, detail),
    '',
    detailNote,
    '',
    agreeLine,
    '',
    ...env.map((l) => `- ${l}`),
    '',
  ].join('\n');
  const outDir = path.join(root, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'engine.md'), md);
  console.log(`\nwrote ${path.relative(process.cwd(), path.join(outDir, 'engine.md'))}`);
}

await main();
