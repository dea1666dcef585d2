/**
 * `gim bench memory`: peak memory and step time per training configuration (src/experiments/bench/memory.ts).
 * `gim bench async`: simultaneous vs async module-parallel training at equal steps and equal wall time
 * (src/experiments/bench/async-bench.ts).
 */
import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import type { AsyncExperiment } from '../experiments/bench/async-compare.js';
import { ASYNC_BENCH_SMALL_STEPS } from '../experiments/bench/async-settings.js';
import type { MemoryFamily } from '../experiments/bench/memory.js';

const positive = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got '${v}'`);
  return n;
};

/** addBenchCommand(program): register `bench memory` and `bench async` on the gim program. */
export function addBenchCommand(program: Command): void {
  const bench = program.command('bench').description('measure what training costs');
  bench
    .command('memory')
    .description(
      'peak memory and time of training steps (Table 2: supervised, CPC, GIM all modules, each module alone) and ' +
        'memory vs depth, each configuration in a fresh process; writes results/memory.md, memory-depth.png',
    )
    .addOption(
      new Option('--only <family...>', 'families to measure (default all)').choices([
        'vision',
        'audio',
        'depth',
      ] as const),
    )
    .addOption(
      new Option('--scale <scale>', 'paper: the paper’s widths and batches; small: tiny models, seconds')
        .choices(['paper', 'small'] as const)
        .default('paper' as const),
    )
    .option(
      '--steps <n>',
      'training steps per configuration (default: 1 for paper-width vision, 3 for depth, else 2)',
      positive,
    )
    .option('--threads <n>', 'libtorch threads per configuration', positive, 2)
    .option('--out <dir>', 'output directory', 'results')
    .action(async (o) => {
      const { benchMemory } = await import('../experiments/bench/memory.js');
      const families: MemoryFamily[] = o.only ?? ['vision', 'audio', 'depth'];
      await benchMemory({
        families,
        scale: o.scale,
        threads: o.threads,
        out: o.out,
        ...(o.steps === undefined ? {} : { steps: o.steps }),
      });
      console.log(`${o.out}/memory.md${families.includes('depth') ? ', memory-depth.png, memory-depth-time.png' : ''}`);
    });

  bench
    .command('async')
    .description(
      'simultaneous vs async module-parallel training (one worker thread per module) at equal steps and at equal ' +
        'wall time, the last module linear-probed; writes results/async.md and async.json',
    )
    .addOption(
      new Option('--experiment <name>', 'which experiment')
        .choices(['audio', 'vision', 'both'] as const)
        .default('both'),
    )
    .addOption(
      new Option(
        '--scale <scale>',
        `tiny: the tiny presets, seconds; small: the small presets at ${ASYNC_BENCH_SMALL_STEPS} steps a run, ≤ ~12 min for both on 2 cores`,
      )
        .choices(['tiny', 'small'] as const)
        .default('small' as const),
    )
    .option(
      '--steps <n>',
      'steps per run (default: tiny presets’ own; small: ' + ASYNC_BENCH_SMALL_STEPS + ')',
      positive,
    )
    .option('--out <dir>', 'output directory', 'results')
    .option('--runs <dir>', 'folder of the training runs (default runs/bench-async-<scale>)')
    .action(async (o) => {
      const { benchAsync } = await import('../experiments/bench/async-bench.js');
      const experiments: AsyncExperiment[] = o.experiment === 'both' ? ['audio', 'vision'] : [o.experiment];
      const r = await benchAsync({
        experiments,
        scale: o.scale,
        out: o.out,
        ...(o.steps === undefined ? {} : { steps: o.steps }),
        ...(o.runs === undefined ? {} : { runs: o.runs }),
      });
      console.log(`${r.files.join(', ')} (${(r.seconds / 60).toFixed(1)} min)`);
    });
}
