/**
 * `gim bench memory`: the memory of one training step (Table 2 of the paper) — supervised and CPC end to end, GIM with
 * all modules, and each GIM module trained alone — for the vision and audio models, plus a sweep of memory and time
 * against depth. Every configuration runs in a fresh child process (memory-worker.ts), so no measurement inherits
 * another's allocator state. Writes results/memory.md (+ memory.json) and results/memory-depth{,-time}.png.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { linePlot, markdownTable, saveFigure, type Series } from '../../report/index.js';
import { makeDirectory } from '../../util/fs.js';
import { TINY_AUDIO_ENCODER } from '../../audio/model.js';
import { TINY_VISION_ENCODER } from '../../vision/model/index.js';
import { type DepthVariant, type MemoryResult, type MemorySpec, type MemoryVariant } from './memory-worker.js';

/** What `bench memory` can measure: Table 2's models, or the depth sweep. */
export type MemoryFamily = 'vision' | 'audio' | 'depth';
/** paper: the paper's widths and batches; small: tiny models for tests and quick looks. */
export type MemoryScale = 'paper' | 'small';

/** A named configuration and, for Table 2's rows, the paper's GPU memory. */
export interface MemoryCase {
  name: string;
  spec: MemorySpec;
  paperGB?: number;
}

/** A case with its measurement. */
export interface MemoryRow extends MemoryCase {
  result: MemoryResult;
}

/** Table 2 (ResNet-50 on STL-10, GPU memory in GB). */
export const PAPER_GB: Partial<Record<MemoryVariant, number>> = { supervised: 6.3, cpc: 7.7, 'gim-all': 7.0 };
/** Table 2: GIM, training the first module only. */
export const PAPER_GIM_FIRST_GB = 2.5;

/** The Table 2 cases of one family: supervised, CPC, GIM all, and each module alone (recomputed and cached input). */
export function tableCases(
  family: 'vision' | 'audio',
  scale: MemoryScale,
  steps: number,
  threads: number,
): MemoryCase[] {
  const paper = scale === 'paper';
  const base =
    family === 'vision'
      ? {
          family,
          batch: paper ? 32 : 4,
          imageSize: paper ? 64 : 32,
          ...(paper ? {} : { encoder: TINY_VISION_ENCODER }),
        }
      : {
          family,
          batch: paper ? 8 : 2,
          samples: paper ? 20480 : 5120,
          ...(paper ? {} : { encoder: TINY_AUDIO_ENCODER }),
        };
  const M = family === 'vision' ? 3 : 6;
  const spec = (variant: MemoryVariant, module?: number) =>
    ({ ...base, variant, steps, threads, ...(module === undefined ? {} : { module }) }) as MemorySpec;
  const cases: MemoryCase[] = (['supervised', 'cpc', 'gim-all'] as const).map((v) => ({
    name: { supervised: 'supervised (end to end)', cpc: 'CPC (end to end)', 'gim-all': 'GIM, all modules' }[v],
    spec: spec(v),
    ...(family === 'vision' ? { paperGB: PAPER_GB[v]! } : {}),
  }));
  cases.push({
    name: 'GIM, module 1 alone',
    spec: spec('gim-module', 0),
    ...(family === 'vision' ? { paperGB: PAPER_GIM_FIRST_GB } : {}),
  });
  for (let m = 1; m < M; m++) {
    cases.push({ name: `GIM, module ${m + 1} alone (earlier under noGrad)`, spec: spec('gim-module', m) });
    cases.push({ name: `GIM, module ${m + 1} alone (cached input)`, spec: spec('gim-module-cached', m) });
  }
  return cases;
}

/** Legend names of the depth sweep's variants. */
export const DEPTH_VARIANTS: Record<DepthVariant, string> = {
  e2e: 'end to end (one loss)',
  'gim-all': 'GIM, all modules',
  'gim-last-recompute': 'GIM, last module (noGrad)',
  'gim-last-cached': 'GIM, last module (cached)',
};

/** The depth sweep: stacks of equal-width 3×3 conv modules, each variant at each depth. */
export function depthCases(scale: MemoryScale, steps: number, threads: number): MemoryCase[] {
  const paper = scale === 'paper';
  const depths = paper ? [2, 4, 6, 8, 10, 12] : [2, 3, 4];
  const shape = paper ? { channels: 64, size: 32, batch: 32 } : { channels: 8, size: 8, batch: 2 };
  return depths.flatMap((layers) =>
    (Object.keys(DEPTH_VARIANTS) as DepthVariant[]).map((variant) => ({
      name: `${DEPTH_VARIANTS[variant]}, ${layers} layers`,
      spec: { family: 'depth' as const, variant, layers, ...shape, steps, threads },
    })),
  );
}

/**
 * glibc malloc with a fixed mmap threshold: every block over 128 KiB (any sizeable tensor) is mapped on allocation
 * and unmapped on free, so the resident set follows the live tensors — as a GPU allocator's max_memory_allocated
 * would — instead of the heap's fragmentation (with glibc's adaptive threshold the same configuration's peak varied
 * by ±20%; with this one, by < 1 MiB). The cost: page faults on every large allocation, in the step times too.
 */
export const WORKER_ENV = { MALLOC_MMAP_THRESHOLD_: String(128 * 1024) };

/** The worker script and the node flags it needs (tsx for the TypeScript sources, none for dist/). */
export function workerEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  return {
    file: path.join(path.dirname(here), `memory-worker.${ts ? 'ts' : 'js'}`),
    execArgv: ts ? ['--import', 'tsx'] : [],
  };
}

/** measure(spec): run one configuration in a fresh child process and return its measurement. */
export function measure(spec: MemorySpec, timeoutMs = 30 * 60_000): Promise<MemoryResult> {
  const { file, execArgv } = workerEntry();
  return new Promise((resolve, reject) => {
    const child = fork(file, [JSON.stringify(spec)], {
      execArgv,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ...WORKER_ENV },
    });
    let result: MemoryResult | undefined;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('message', (m) => void (result = m as MemoryResult));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result !== undefined) resolve(result);
      else reject(new Error(`memory worker ${signal ?? `exited ${code}`} for ${JSON.stringify(spec)}\n${stderr}`));
    });
  });
}

const mib = (x: number) => x.toFixed(0);
const perStep = (r: MemoryResult) => Math.min(...r.stepSeconds);

/** The markdown of one family's table, with the ratios to CPC. */
export function familyReport(family: 'vision' | 'audio', rows: readonly MemoryRow[]): string {
  const table = markdownTable(
    [
      'configuration',
      'paper GPU (GB)',
      'baseline RSS (MiB)',
      'peak RSS (MiB)',
      'peak − baseline (MiB)',
      'trained params',
      's / step',
    ],
    rows.map((r) => [
      r.name,
      r.paperGB === undefined ? null : r.paperGB.toFixed(1),
      mib(r.result.baselineMB),
      mib(r.result.peakMB),
      mib(r.result.deltaMB),
      r.result.parameters.toLocaleString('en-US'),
      perStep(r.result).toFixed(2),
    ]),
    { align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'] },
  );
  const find = (v: MemoryVariant, m?: number) =>
    rows.find((r) => r.spec.family === family && r.spec.variant === v && (m === undefined || r.spec.module === m));
  const cpc = find('cpc');
  const ratios: (string | null)[][] = [];
  for (const [label, row, paper] of [
    ['GIM module 1 alone / CPC', find('gim-module', 0), PAPER_GIM_FIRST_GB / 7.7],
    ['GIM all modules / CPC', find('gim-all'), 7.0 / 7.7],
    ['supervised / CPC', find('supervised'), 6.3 / 7.7],
  ] as const) {
    if (row === undefined || cpc === undefined) continue;
    ratios.push([
      label,
      (row.result.deltaMB / cpc.result.deltaMB).toFixed(2),
      (row.result.peakMB / cpc.result.peakMB).toFixed(2),
      family === 'vision' ? paper.toFixed(2) : null,
    ]);
  }
  const ratioTable =
    ratios.length === 0
      ? ''
      : '\n' +
        markdownTable(['ratio', 'ours: peak − baseline', 'ours: peak RSS', 'paper (GPU)'], ratios, {
          align: ['left', 'right', 'right', 'right'],
        });
  return table + ratioTable;
}

/** Both depth figures: training memory and seconds per step against the number of layers. */
export async function depthFigures(rows: readonly MemoryRow[], outDir: string): Promise<string[]> {
  const series = (y: (r: MemoryResult) => number): Series[] =>
    (Object.keys(DEPTH_VARIANTS) as DepthVariant[]).map((v) => ({
      name: DEPTH_VARIANTS[v],
      points: rows
        .filter((r) => r.spec.family === 'depth' && r.spec.variant === v)
        .map((r) => [(r.spec as { layers: number }).layers, y(r.result)] as const),
    }));
  const written: string[] = [];
  const mem = await linePlot({
    title: 'Training memory vs depth',
    xLabel: 'layers (one module each for GIM)',
    yLabel: 'peak − baseline RSS (MiB)',
    series: series((r) => r.deltaMB),
  });
  written.push(...saveFigure(path.join(outDir, 'memory-depth'), mem));
  const time = await linePlot({
    title: 'Time per training step vs depth',
    xLabel: 'layers (one module each for GIM)',
    yLabel: 'seconds per step',
    series: series(perStep),
  });
  written.push(...saveFigure(path.join(outDir, 'memory-depth-time'), time));
  return written;
}

/** Options of benchMemory (the CLI's flags). */
export interface BenchMemoryArgs {
  families: MemoryFamily[];
  scale: MemoryScale;
  /** Steps per configuration (default: 1 for full-width vision, 2 otherwise). */
  steps?: number;
  threads: number;
  out: string;
  log?: (line: string) => void;
}

/** benchMemory(args): measure every case of the chosen families, one fresh process each, and write the report. */
export async function benchMemory(args: BenchMemoryArgs): Promise<MemoryRow[]> {
  const log = args.log ?? ((l: string) => void process.stderr.write(`${l}\n`));
  const cases: MemoryCase[] = [];
  for (const f of args.families) {
    const steps = args.steps ?? (args.scale === 'paper' && f === 'vision' ? 1 : f === 'depth' ? 3 : 2);
    cases.push(
      ...(f === 'depth' ? depthCases(args.scale, steps, args.threads) : tableCases(f, args.scale, steps, args.threads)),
    );
  }
  const rows: MemoryRow[] = [];
  for (const [i, c] of cases.entries()) {
    const result = await measure(c.spec);
    rows.push({ ...c, result });
    log(
      `[${i + 1}/${cases.length}] ${c.spec.family}: ${c.name}: +${mib(result.deltaMB)} MiB, ${perStep(result).toFixed(2)} s/step`,
    );
  }
  // Families not measured this time keep their rows from an earlier run.
  const json = path.join(args.out, 'memory.json');
  const earlier = fs.existsSync(json) ? (JSON.parse(fs.readFileSync(json, 'utf8')) as MemoryRow[]) : [];
  const all = [...earlier.filter((r) => !args.families.includes(r.spec.family)), ...rows];
  makeDirectory(args.out, '--out');
  fs.writeFileSync(json, `${JSON.stringify(all, null, 2)}\n`);
  fs.writeFileSync(path.join(args.out, 'memory.md'), memoryMarkdown(all));
  if (args.families.includes('depth')) await depthFigures(rows, args.out);
  return rows;
}

/** results/memory.md: how it was measured, then one table per family. */
export function memoryMarkdown(rows: readonly MemoryRow[]): string {
  const method = rows[0]?.result.method ?? 'clear_refs';
  const parts = [
    '# Memory of a training step (Table 2)\n',
    'Measured on the CPU. Each configuration ran in a fresh process: the model and one ' +
      "batch were built, the idle resident set read (baseline), the kernel's peak counter reset " +
      `(${method === 'clear_refs' ? '`echo 5 > /proc/self/clear_refs`, which resets VmHWM' : 'not possible here: VmHWM counts from process start'}), ` +
      'the steps run, and VmHWM read (peak). peak − baseline is the memory training adds: gradients, Adam state and the ' +
      'activations autograd keeps. glibc malloc ran with a fixed mmap threshold (MALLOC_MMAP_THRESHOLD_=131072), so ' +
      'every sizeable tensor is unmapped when freed and the resident set follows the live tensors (the same ' +
      'configuration measured twice agrees to < 1 MiB; step times include the page faults this costs). The paper measured GPU memory (PyTorch, ResNet-50, batch 32 per GPU), which also counts ' +
      'the weights and the CUDA context; compare ratios, not megabytes. The models here run on the CPU, so there is no ' +
      "CUDA caching allocator's peak to report.\n",
    '"module i alone (earlier under noGrad)" recomputes the frozen modules each step without keeping their graphs; ' +
      '"(cached input)" gets module i\'s input as ActivationCache would hand it, with the earlier modules not even in memory.\n',
  ];
  for (const f of ['vision', 'audio'] as const) {
    const fr = rows.filter((r) => r.spec.family === f);
    if (fr.length === 0) continue;
    const s = fr[0]!.spec as MemorySpec & { batch: number; encoder?: unknown; imageSize?: number; samples?: number };
    const width = s.encoder === undefined ? 'paper width' : 'SMALL test width, not the paper';
    const what =
      f === 'vision'
        ? `ResNet-50 encoder (3 modules), ${s.imageSize}² grayscale, 7×7 patches, batch ${s.batch}`
        : `5 conv + GRU (6 modules), ${s.samples} samples, batch ${s.batch}`;
    const run = `${s.steps} step(s), ${s.threads} thread(s)`;
    parts.push(`## ${f === 'vision' ? 'Vision' : 'Audio'}: ${what} (${width}); ${run}\n`, familyReport(f, fr));
  }
  const depth = rows.filter((r) => r.spec.family === 'depth');
  if (depth.length > 0) {
    const s = depth[0]!.spec as { channels: number; size: number; batch: number; steps: number; threads: number };
    parts.push(
      `## Memory and time vs depth\n`,
      `Equal-width 3×3 conv layers (${s.channels} channels, ${s.size}×${s.size} maps, batch ${s.batch}; ${s.steps} step(s), ` +
        `${s.threads} thread(s)), each GIM module ` +
        'one layer with its own grid InfoNCE head: memory-depth.png, memory-depth-time.png.\n',
      markdownTable(
        ['configuration', 'peak − baseline (MiB)', 's / step'],
        depth.map((r) => [r.name, mib(r.result.deltaMB), perStep(r.result).toFixed(2)]),
        { align: ['left', 'right', 'right'] },
      ),
    );
  }
  return parts.join('\n');
}
