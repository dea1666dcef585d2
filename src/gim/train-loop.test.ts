import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GimModule, type ModuleStep } from './index.js';
import { Linear } from '../nn/index.js';
import {
  clone,
  div,
  loadCheckpointSync,
  manualSeed,
  mean,
  mul,
  pow,
  randn,
  sub,
  tidy,
  type Tensor,
} from '../tensor/index.js';
import { readMetrics } from '../report/index.js';
import { latestCheckpoint, listCheckpoints, runDir } from './run-dir.js';
import { iterativeModuleAt, trainLoop, type TrainLoopArgs, type TrainTask } from './train-loop.js';

/** A toy module: y = Wx, loss = mean((y − 2x)²); optionally NaN from a given step on. */
class Toy extends GimModule {
  readonly lin = this.registerModule('lin', new Linear(4, 4));
  steps = 0;
  constructor(readonly nanFrom = Infinity) {
    super();
  }
  encode(x: Tensor): Tensor {
    return this.lin.forward(x);
  }
  step(x: Tensor): ModuleStep {
    const y = this.encode(x);
    let loss = mean(pow(sub(y, mul(x, 2)), 2));
    if (++this.steps >= this.nanFrom) loss = div(loss, 0);
    return { next: y, loss };
  }
}

/** A task whose modules are initialised from seed 1, as the experiments seed before building modules. */
function task(nanFrom = Infinity): TrainTask {
  manualSeed(1);
  return {
    modules: [new Toy(), new Toy(nanFrom)],
    moduleNames: ['a', 'b'],
    batch: (step) => {
      const x = tidy(() => clone(randn([3, 4]))); // draws depend on the restored RNG state
      void step;
      return Promise.resolve({ x, dispose: () => x.dispose() });
    },
  };
}

const args = (run: string, extra: Partial<TrainLoopArgs> = {}): TrainLoopArgs => ({
  run,
  config: { toy: true },
  seed: 1,
  threads: 1,
  steps: 6,
  lr: 0.05,
  mode: 'simultaneous',
  checkpointEvery: 2,
  logEvery: 1,
  resume: false,
  interactive: false,
  ...extra,
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gim-loop-'));
const params = (t: TrainTask) => t.modules.flatMap((m) => m.parameters().map((p) => p.toArray()));

describe('trainLoop', () => {
  it('writes config, metrics and checkpoints; resume reproduces an uninterrupted run exactly', async () => {
    const full = tmp();
    const a = task();
    const r = await trainLoop(a, args(full));
    expect(r.outcome).toBe('finished');
    expect(JSON.parse(fs.readFileSync(runDir(full).config, 'utf8'))).toEqual({ toy: true });
    expect(listCheckpoints(runDir(full)).map((c) => c.step)).toEqual([2, 4, 6]);
    expect(readMetrics(runDir(full).metrics).filter((m) => m.module === 1)).toHaveLength(6);

    const split = tmp();
    await trainLoop(task(), args(split, { steps: 4 }));
    const b = task();
    const resumed = await trainLoop(b, args(split, { resume: true }));
    expect(resumed.step).toBe(6);
    expect(params(b)).toEqual(params(a));
    expect(loadCheckpointSync(latestCheckpoint(runDir(split))!.file).step).toBe(6);
  });

  it('stops on a non-finite loss and keeps the last checkpoint whose weights gave a finite loss', async () => {
    const dir = tmp();
    const r = await trainLoop(task(5), args(dir)); // the 5th loss (of the weights after 4 updates) is infinite
    expect(r.outcome).toBe('diverged');
    expect(listCheckpoints(runDir(dir)).map((c) => c.step)).toEqual([2]);
  });

  it('saves and stops on Ctrl-C', async () => {
    const dir = tmp();
    const t = task();
    const inner = t.batch;
    t.batch = (step) => {
      if (step === 2) process.emit('SIGINT');
      return inner(step);
    };
    const r = await trainLoop(t, args(dir, { checkpointEvery: 100 }));
    expect(r.outcome).toBe('interrupted');
    expect(latestCheckpoint(runDir(dir))!.step).toBe(3);
  });

  it('iterative mode trains the modules in turn', () => {
    expect([0, 1, 2, 3, 4, 5].map((s) => iterativeModuleAt(s, 6, 2))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(iterativeModuleAt(9, 10, 3)).toBe(2);
  });
});

describe('devices', () => {
  it('a cuda run on a CPU-only libtorch fails at once with a clear message', async () => {
    const { cudaAvailable } = await import('../tensor/index.js');
    if (cudaAvailable()) return; // on a CUDA build this path is exercised by the GPU check instead
    await expect(trainLoop(task(), args(tmp(), { device: 'cuda' }))).rejects.toThrow(/no CUDA device/);
  });
});
