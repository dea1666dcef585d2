import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpointSync } from '../../tensor/index.js';
import { readMetrics } from '../../report/index.js';
import type { GradientIsolatedStack } from '../stack.js';
import { latestCheckpoint, listCheckpoints, runDir } from '../run-dir.js';
import { lrAt } from './lr-schedule.js';
import { iterativeModuleAt } from './stepwise.js';
import { strategyFor, train } from './trainer.js';
import { toyArgs as args, toyTask as task } from './testing/toy-task.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gim-loop-'));
const params = (stack: GradientIsolatedStack) => stack.modules.flatMap((m) => m.parameters().map((p) => p.toArray()));

describe('train', () => {
  it('writes config, metrics and checkpoints; resume reproduces an uninterrupted run exactly', async () => {
    const full = tmp();
    const r = await train(task(), args(full));
    expect(r.outcome).toBe('finished');
    expect(JSON.parse(fs.readFileSync(runDir(full).config, 'utf8'))).toEqual(args(full).config);
    expect(listCheckpoints(runDir(full)).map((c) => c.step)).toEqual([2, 4, 6]);
    expect(readMetrics(runDir(full).metrics).filter((m) => m.module === 1)).toHaveLength(6);

    const split = tmp();
    await train(task(), args(split, { steps: 4 }));
    const resumed = await train(task(), args(split, { resume: true }));
    expect(resumed.step).toBe(6);
    expect(params(resumed.stack)).toEqual(params(r.stack));
    expect(loadCheckpointSync(latestCheckpoint(runDir(split))!.file).step).toBe(6);
  });

  it('stops on a non-finite loss and keeps the last checkpoint whose weights gave a finite loss', async () => {
    const dir = tmp();
    // the 5th loss of module 2 (of the weights after 4 updates) is infinite
    const r = await train(task({ second: { spikeFrom: 5, spikeBy: Infinity } }), args(dir));
    expect(r.outcome).toBe('diverged');
    expect(listCheckpoints(runDir(dir)).map((c) => c.step)).toEqual([2]);
  });

  it('saves and stops on Ctrl-C', async () => {
    const dir = tmp();
    const t = task({ onBatch: (step) => void (step === 2 && process.emit('SIGINT')) });
    const r = await train(t, args(dir, { checkpointEvery: 100 }));
    expect(r.outcome).toBe('interrupted');
    expect(latestCheckpoint(runDir(dir))!.step).toBe(3);
  });

  it("train.schedule 'cosine' sets each step's rate, and a resumed run continues the schedule exactly", async () => {
    const cosine = { config: { train: { schedule: 'cosine' as const } } };
    const full = await train(task(), args(tmp(), cosine));
    const last = lrAt({ schedule: 'cosine', lr: 0.05, step: 5, steps: 6 });
    for (const optimizer of full.stack.optimizers) expect(optimizer.lr).toBeCloseTo(last, 7);
    const constant = await train(task(), args(tmp()));
    expect(params(constant.stack)).not.toEqual(params(full.stack));

    // stopped by Ctrl-C after step 3 of 6, then resumed (the schedule spans train.steps, so the length stays 6)
    const split = tmp();
    const interrupted = task({ onBatch: (step) => void (step === 2 && process.emit('SIGINT')) });
    expect((await train(interrupted, args(split, cosine))).outcome).toBe('interrupted');
    const resumed = await train(task(), args(split, { ...cosine, resume: true }));
    expect(resumed.step).toBe(6);
    expect(params(resumed.stack)).toEqual(params(full.stack));
  });

  it("modes that do not follow train.schedule refuse 'cosine' before the run folder is made", async () => {
    const dir = path.join(tmp(), 'run');
    const cached = args(dir, { mode: 'iterative', cacheBatches: 2, config: { train: { schedule: 'cosine' } } });
    await expect(train(task(), cached)).rejects.toThrow(/train.schedule 'cosine'.*train.mode 'iterative'/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('iterative mode trains the modules in turn', () => {
    expect([0, 1, 2, 3, 4, 5].map((s) => iterativeModuleAt(s, 6, 2))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(iterativeModuleAt(9, 10, 3)).toBe(2);
  });

  it('train.mode is decided in one place: strategyFor', () => {
    const config = (mode: 'simultaneous' | 'iterative' | 'async', cacheBatches = 0) =>
      args('unused', { mode, cacheBatches }).config;
    expect(strategyFor(config('simultaneous'))).toMatchObject({ mode: 'simultaneous', checkpoints: 'stack' });
    expect(strategyFor(config('iterative'))).toMatchObject({ mode: 'iterative', checkpoints: 'stack' });
    expect(strategyFor(config('iterative', 3))).toMatchObject({ mode: 'iterative', checkpoints: 'stack' });
    expect(strategyFor(config('async'))).toMatchObject({ mode: 'async', checkpoints: 'modules' });
  });

  it('async mode refuses a task without async parts, naming the mode', async () => {
    await expect(train(task(), args(tmp(), { mode: 'async' }))).rejects.toThrow(/train.mode 'async'/);
  });
});

describe('devices', () => {
  it('a cuda run on a CPU-only libtorch fails at once with a clear message', async () => {
    const { cudaAvailable } = await import('../../tensor/index.js');
    if (cudaAvailable()) return; // on a CUDA build this path is exercised by the GPU check instead
    await expect(train(task(), args(tmp(), { device: 'cuda' }))).rejects.toThrow(/no CUDA device/);
  });
});
