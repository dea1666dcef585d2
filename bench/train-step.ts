/**
 * `npm run bench:train`: one Greedy InfoMax training step against end-to-end CPC, audio and vision, paper width.
 * Each configuration runs in a fresh process (so peak memory is its own). Per module: encoder forward, loss forward,
 * backward; and the loss alone (forward + backward on detached inputs) against its FLOP floor: the prediction matmul
 * W_k c for all k plus scoring 1 + N candidates per positive, ×3 for forward + backward, at the rate the engine
 * runs the module's own prediction matmul (timed beside each loss run). Writes bench/results/train-step.md.
 * With GIM_BENCH_PROFILE=1 each loss's operators are also printed, by self time, to stderr.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureConfig, CONFIGS, type ConfigResult } from './lib/train-step-measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Run one configuration in a fresh process. Memory is measured in a second process whose glibc returns every sizeable
 * freed block to the kernel (MALLOC_MMAP_THRESHOLD_), so the resident peak follows the live tensors instead of what
 * the allocator happens to retain; that setting costs page faults, so times come from the first, default process.
 */
function runChild(name: string, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(here, 'train-step.ts'), '--config', name], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as ConfigResult;
}

const ms = (s: number): string => (s * 1000).toFixed(s < 0.1 ? 1 : 0);
const gf = (f: number): string => (f / 1e9).toFixed(2);

function report(results: ConfigResult[]): string {
  const by = (n: string) => results.find((r) => r.name === n)!;
  const lines: string[] = ['# Training step: Greedy InfoMax vs end-to-end CPC', ''];
  lines.push(
    'Reproduce: `npm run bench:train` (writes this file). Paper width; fresh processes per configuration; times are medians over the timed steps after one warm-up step; 2 libtorch threads. Peak RSS comes from a second process with glibc’s mmap threshold fixed at 128 KiB, so it follows the live tensors (with the default allocator the retained free memory made the same GIM audio step read 324 MB in one run and 951 MB in another).',
    '',
  );
  lines.push(
    '| configuration | modules | step s | peak RSS above idle MB | conv GFLOP (fwd) | achieved conv+loss GFLOP/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results) {
    const flops = 3 * r.modules.reduce((n, m) => n + m.encoderFlops + m.lossFlops, 0);
    lines.push(
      `| ${r.name} | ${r.modules.length} | ${r.stepSeconds.toFixed(2)} | ${(r.peakActivationBytes / 2 ** 20).toFixed(0)} | ${gf(r.modules.reduce((n, m) => n + m.encoderFlops, 0))} | ${(flops / r.stepSeconds / 1e9).toFixed(1)} |`,
    );
  }
  lines.push(
    '',
    '## Per module',
    '',
    '| configuration | module | encoder fwd ms | loss fwd ms | backward ms | loss alone (fwd+bwd) ms | loss floor ms | floor rate GFLOP/s | loss / floor |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results) {
    for (const m of r.modules) {
      const rate = (3 * m.lossFloorFlops) / m.lossFloor / 1e9;
      lines.push(
        `| ${r.name} | ${m.name} | ${ms(m.encoderForward)} | ${ms(m.lossForward)} | ${ms(m.backward)} | ${ms(m.lossAlone)} | ${ms(m.lossFloor)} | ${rate.toFixed(0)} | ${m.lossRatio.toFixed(2)} |`,
      );
    }
  }
  const ratio = (a: string, b: string, f: (r: ConfigResult) => number) => f(by(a)) / f(by(b));
  const step = (r: ConfigResult) => r.stepSeconds;
  const mem = (r: ConfigResult) => r.peakActivationBytes;
  const worstLoss = Math.max(...results.flatMap((r) => r.modules.map((m) => m.lossRatio)));
  const targets: [string, number, number][] = [
    ['every module: loss (fwd+bwd) / FLOP floor (worst)', worstLoss, 2],
    ['GIM audio step / CPC audio step', ratio('audio GIM (6 modules)', 'audio CPC', step), 2],
    ['GIM audio peak memory / CPC audio', ratio('audio GIM (6 modules)', 'audio CPC', mem), 1],
    ['GIM vision step / CPC vision step', ratio('vision GIM (3 modules)', 'vision CPC', step), 1.2],
  ];
  lines.push(
    '',
    '## Targets (ratios from this run)',
    '',
    '| target | measured | limit | met |',
    '| --- | ---: | ---: | --- |',
  );
  for (const [t, v, lim] of targets) lines.push(`| ${t} | ${v.toFixed(2)} | ≤ ${lim} | ${v <= lim ? '✓' : '✗'} |`);
  lines.push(
    '',
    'Floor: per module, the forward FLOPs no implementation avoids (W_k c for all k: 2·P·D·K·C over the P window positions; scoring 1 + N candidates per positive: 2·Q·C·(1 + N)), forward + backward, at the rate the engine runs that module’s own prediction matmul. The matmul is timed right before each loss run (7 to 61 runs: about 1.5 s of loss time per module) and the ratio is the median of the per-run ratios, so drift in the machine’s speed cancels.',
  );
  lines.push(
    `Machine: ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} logical CPUs), load average ${os.loadavg()[0]!.toFixed(2)} at the end; ${new Date().toISOString()}.`,
  );
  return `${lines.join('\n')}\n`;
}

const arg = process.argv.indexOf('--config');
if (arg > 0) {
  const result = measureConfig(process.argv[arg + 1]!);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const results: ConfigResult[] = [];
  for (const name of Object.keys(CONFIGS)) {
    process.stderr.write(`bench:train ${name} …\n`);
    const timed = runChild(name);
    const memory = runChild(name, { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072' });
    results.push({ ...timed, peakActivationBytes: memory.peakActivationBytes });
  }
  const md = report(results);
  fs.mkdirSync(path.join(here, 'results'), { recursive: true });
  fs.writeFileSync(path.join(here, 'results', 'train-step.md'), md);
  process.stdout.write(md);
}
