/**
 * `gim bench async`: simultaneous vs async module-parallel training (async-compare.ts) on the audio and/or vision
 * preset of one scale, at equal steps and at equal wall time, each model's last module probed; writes
 * <out>/async.md (one section per experiment) and <out>/async.json.
 *
 * Scales. tiny: the tiny presets as they are (seconds; tests and smoke runs). small: the small presets, shortened so
 * that `--experiment both` takes ≤ ~12 min on an idle 2-core machine — ASYNC_BENCH_SMALL_STEPS steps per run (the
 * presets train 600 / 800) and, for vision, the probe on the first 5k train / 2k test images (the presets: 10k / 5k).
 * The time budget behind these numbers: results/notes/async-bench-budget.md.
 */
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../report/index.js';
import { writeJsonAtomic } from '../../util/fs.js';
import { ensureCorpus, openAudioData } from '../audio/experiment.js';
import { resolveAudioConfig, type AudioConfig } from '../audio/config.js';
import {
  asyncReport,
  compareAsync,
  compareAsyncVision,
  type AsyncComparison,
  type AsyncExperiment,
} from './async-compare.js';
import { resolveVisionConfig, type VisionConfig } from '../vision/config.js';
import { openVisionData } from '../vision/data.js';
import { ASYNC_BENCH_SMALL_STEPS } from './async-settings.js';

export type AsyncBenchScale = 'tiny' | 'small';

/** Steps per run of `bench async --scale small` (every run of both experiments); see the file comment. */
export { ASYNC_BENCH_SMALL_STEPS };

/** The probe images of vision at scale small (the first N train / test images). */
export const ASYNC_BENCH_SMALL_VISION_PROBE = { maxTrain: 5000, maxTest: 2000 } as const;

/** asyncBenchConfigs(scale, steps?): the audio and vision configs the bench trains (steps overrides the default). */
export function asyncBenchConfigs(
  scale: AsyncBenchScale,
  steps?: number,
): { audio: AudioConfig; vision: VisionConfig } {
  const s = steps ?? (scale === 'small' ? ASYNC_BENCH_SMALL_STEPS : undefined);
  const train = s === undefined ? {} : { steps: s };
  return {
    audio: resolveAudioConfig(scale, { train }),
    vision: resolveVisionConfig(scale, {
      train,
      ...(scale === 'small' ? { probe: { ...ASYNC_BENCH_SMALL_VISION_PROBE } } : {}),
    }),
  };
}

export interface BenchAsyncArgs {
  experiments: readonly AsyncExperiment[];
  scale: AsyncBenchScale;
  /** Steps per run (default: the tiny presets' own; ASYNC_BENCH_SMALL_STEPS at small). */
  steps?: number;
  /** Folder of async.md and async.json. */
  out: string;
  /** Folder of the runs (default runs/bench-async-<scale>); each experiment's subfolder is deleted first. */
  runs?: string;
  log?: (line: string) => void;
}

/** What benchAsync wrote (async.json holds the same). */
export interface BenchAsyncResult {
  scale: AsyncBenchScale;
  cores: number;
  seconds: number;
  comparisons: AsyncComparison[];
  files: string[];
}

/** benchAsync(args): compare the modes on each experiment, then write async.md and async.json; see the file comment. */
export async function benchAsync(args: BenchAsyncArgs): Promise<BenchAsyncResult> {
  const started = performance.now();
  const log = args.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const runs = args.runs ?? path.join('runs', `bench-async-${args.scale}`);
  const configs = asyncBenchConfigs(args.scale, args.steps);
  const comparisons: AsyncComparison[] = [];
  for (const experiment of args.experiments) {
    const into = { runs: path.join(runs, experiment), log };
    if (experiment === 'audio') {
      const config = configs.audio;
      log(`== audio (${config.name}): ${config.train.steps} steps per run`);
      await ensureCorpus(config, log);
      const data = await openAudioData(config, true);
      comparisons.push(await compareAsync(config, data, into));
    } else {
      const config = configs.vision;
      const length = config.train.steps === null ? `${config.train.epochs} epochs` : `${config.train.steps} steps`;
      log(`== vision (${config.name}): ${length} per run`);
      const data = openVisionData(config);
      try {
        comparisons.push(await compareAsyncVision(config, data, into));
      } finally {
        data.close();
      }
    }
  }
  const md = path.join(args.out, 'async.md');
  const json = path.join(args.out, 'async.json');
  const result: BenchAsyncResult = {
    scale: args.scale,
    cores: os.cpus().length,
    seconds: (performance.now() - started) / 1000,
    comparisons,
    files: [md, json],
  };
  writeFileAtomic(md, asyncReport(comparisons));
  writeJsonAtomic(json, { scale: result.scale, cores: result.cores, seconds: result.seconds, comparisons });
  return result;
}
