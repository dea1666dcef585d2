import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAudioModules, paperAudioEncoder } from '../../audio/model.js';
import { readMetrics } from '../../report/index.js';
import { abs, clone, manualSeed, max, randn, sub, tidy, type Tensor } from '../../tensor/index.js';
import { iterativeModuleAt, iterativeSchedule } from '../../gim/training/stepwise.js';
import { train, type TrainArgs } from '../../gim/training/trainer.js';

const config = { ...paperAudioEncoder, channels: 8, hidden: 4, predictionSteps: 2, negativeSamples: 3, window: null };

async function run(dir: string, xs: Tensor[], cacheBatches: number) {
  const args: TrainArgs = {
    run: dir,
    config: {
      seed: 3,
      threads: 1,
      device: 'cpu',
      train: {
        lr: 1e-2,
        mode: 'iterative',
        cacheBatches,
        cacheBudgetMB: 0, // every cache goes to disk
        checkpointEvery: 5,
        logEvery: 1,
        async: { threadsPerModule: 1, queueCapacity: 2 },
      },
    },
    steps: 12,
    resume: false,
    interactive: false,
  };
  const task = {
    buildModules: () => buildAudioModules(config),
    moduleNames: Array.from({ length: paperAudioEncoder.kernels.length + 1 }, (_, i) => `m${i + 1}`),
    batch: async (i: number) => ({ x: clone(xs[i % 2]!), dispose() {} }),
  };
  return train(task, args);
}

describe('train, iterative on cached activations', () => {
  it('splits steps as iterativeModuleAt does', () => {
    for (const [steps, M] of [
      [12, 6],
      [10, 3],
      [7, 3],
      [2, 3],
    ] as const) {
      const counts = Array<number>(M).fill(0);
      for (let s = 0; s < steps; s++) counts[iterativeModuleAt(s, steps, M)]!++;
      expect(iterativeSchedule(steps, M)).toEqual(counts);
    }
  });

  it('trains module by module from a disk cache, with the same result as recomputing the frozen modules', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-loop-cache-'));
    try {
      manualSeed(1);
      const xs = [randn([2, 1, 1600]), randn([2, 1, 1600])];
      const cached = await run(path.join(root, 'cached'), xs, 2);
      const recomputed = await run(path.join(root, 'recomputed'), xs, 0); // step s uses batch s mod 2: the same data
      expect(cached.outcome).toBe('finished');
      expect(cached.step).toBe(12);
      const records = readMetrics(path.join(root, 'cached', 'metrics.jsonl'));
      const losses = records.filter((r) => typeof r.loss === 'number');
      expect(losses.map((r) => r.module)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
      expect(losses.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      const caches = records.filter((r) => r.name === 'cache');
      expect(caches.map((r) => r.module)).toEqual([1, 2, 3, 4, 5]);
      expect(caches.every((r) => (r['diskBytes'] as number) > 0 && r['memoryBytes'] === 0)).toBe(true);
      expect(fs.existsSync(path.join(root, 'cached', 'cache'))).toBe(false); // removed after use
      const diff = tidy(() => {
        const a = cached.stack.modules.flatMap((m) => m.parameters());
        const b = recomputed.stack.modules.flatMap((m) => m.parameters());
        return Math.max(...a.map((p, i) => max(abs(sub(p.detach(), b[i]!.detach()))).item()));
      });
      expect(diff).toBe(0);
      cached.stack.dispose();
      recomputed.stack.dispose();
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
