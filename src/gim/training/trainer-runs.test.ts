/** Runs that never lose or corrupt work (issue 10 §3, §4): the training loop's run folder, resume and stops. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetrics } from '../../report/index.js';
import { loadCheckpointSync } from '../../tensor/index.js';
import { latestCheckpoint, listCheckpoints, runDir } from '../run-dir.js';
import { toyArgs, toyTask } from './testing/toy-task.js';
import { train } from './trainer.js';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'gim-runs-'));
const steps = (run: string): number[] => listCheckpoints(runDir(run)).map((c) => c.step);
const config = (run: string): unknown => JSON.parse(fs.readFileSync(runDir(run).config, 'utf8'));
const largestWeight = (file: string): number => {
  const ckpt = loadCheckpointSync(file);
  let largest = 0;
  for (const [k, t] of ckpt.tensors) {
    if (k.includes('.model.')) for (const v of t.data() as Float32Array) largest = Math.max(largest, Math.abs(v));
    t.dispose();
  }
  return largest;
};

describe('the run folder', () => {
  it('refuses a folder that holds a run unless resumed; --overwrite replaces the old run entirely', async () => {
    const run = tmp();
    await train(toyTask(), toyArgs(run, { steps: 12, checkpointEvery: 3 }));
    expect(steps(run)).toEqual([6, 9, 12]);
    await expect(train(toyTask(), toyArgs(run, { steps: 2 }))).rejects.toThrow(/not empty.*--resume.*--overwrite/);
    expect(steps(run)).toEqual([6, 9, 12]); // untouched
    expect(config(run)).toMatchObject({ train: { steps: 12 } });

    fs.writeFileSync(path.join(run, 'notes.txt'), 'mine'); // not the run's: --overwrite leaves it
    const r = await train(toyTask(), toyArgs(run, { steps: 2, overwrite: true }));
    expect(fs.readFileSync(path.join(run, 'notes.txt'), 'utf8')).toBe('mine');
    expect(r.step).toBe(2);
    expect(steps(run)).toEqual([2]);
    expect(config(run)).toMatchObject({ train: { steps: 2 } });
    expect(Math.max(...readMetrics(runDir(run).metrics).map((m) => m.step))).toBe(2);
  });

  it('--resume on a missing or empty folder is an error, not a fresh run', async () => {
    const missing = path.join(tmp(), 'never-trained');
    await expect(train(toyTask(), toyArgs(missing, { resume: true }))).rejects.toThrow(
      /--resume: .*never-trained does not exist/,
    );
    expect(fs.existsSync(missing)).toBe(false);
    await expect(train(toyTask(), toyArgs(tmp(), { resume: true }))).rejects.toThrow(/is empty/);
  });

  it('--resume with a changed model config is refused before anything is written, naming the file and key', async () => {
    const run = tmp();
    await train(toyTask(), toyArgs(run, { steps: 4, config: { model: { channels: 16 }, train: { steps: 4 } } }));
    const before = fs.readFileSync(runDir(run).config, 'utf8');
    const changed = { model: { channels: 32 }, train: { steps: 8 } };
    await expect(train(toyTask(), toyArgs(run, { steps: 8, resume: true, config: changed }))).rejects.toThrow(
      /step-0000004\.safetensors in model\.channels \(16 → 32\)/,
    );
    expect(fs.readFileSync(runDir(run).config, 'utf8')).toBe(before);
    const longer = { model: { channels: 16 }, train: { steps: 8 } }; // train.steps may change
    expect((await train(toyTask(), toyArgs(run, { steps: 8, resume: true, config: longer }))).step).toBe(8);
  });

  it('falls back past a truncated or empty newest checkpoint to the newest intact one, and says so', async () => {
    const run = tmp();
    await train(toyTask(), toyArgs(run, { steps: 6 }));
    const [, four, six] = listCheckpoints(runDir(run));
    fs.truncateSync(six!.file, 100);
    fs.writeFileSync(four!.file, '');
    const lines: string[] = [];
    const r = await train(toyTask(), toyArgs(run, { steps: 8, resume: true, log: (l) => lines.push(l) }));
    expect(r.step).toBe(8);
    expect(lines.join('\n')).toMatch(/step-0000006\.safetensors.*\n.*renamed to step-0000006\.safetensors\.unusable/);
    expect(lines.join('\n')).toMatch(/resumed from .*step-0000002\.safetensors at step 2/);
    expect(fs.existsSync(`${six!.file}.unusable`)).toBe(true);
  });

  it('removes temporary files of a killed save at start, and cuts metrics.jsonl back to the resumed step', async () => {
    const run = tmp();
    await train(toyTask(), toyArgs(run, { steps: 5, checkpointEvery: 2 })); // checkpoints 2, 4, 5
    fs.rmSync(latestCheckpoint(runDir(run))!.file); // as if killed after logging step 5 but before saving it
    const stale = path.join(runDir(run).checkpoints, 'step-0000006.safetensors.tmp-4242-0a1b2c3d4e5f');
    fs.writeFileSync(stale, 'half a checkpoint');
    await train(toyTask(), toyArgs(run, { steps: 6, resume: true }));
    expect(fs.existsSync(stale)).toBe(false);
    const module1 = readMetrics(runDir(run).metrics)
      .filter((m) => m.module === 1)
      .map((m) => m.step);
    expect(module1).toEqual([1, 2, 3, 4, 5, 6]); // steps 5 was trained twice but logged once
  });

  it('an explicit lr on resume wins over the optimizer state, and is recorded in config.json', async () => {
    const run = tmp();
    await train(toyTask(), toyArgs(run, { steps: 2, lr: 0.05 }));
    await train(toyTask(), toyArgs(run, { steps: 4, lr: 0.001, resume: true }));
    const ckpt = loadCheckpointSync(latestCheckpoint(runDir(run))!.file);
    expect(ckpt.tensors.get('module0.optim.lr')!.item()).toBe(0.001);
    expect(ckpt.tensors.get('module1.optim.lr')!.item()).toBe(0.001);
    for (const t of ckpt.tensors.values()) t.dispose();
    expect(config(run)).toMatchObject({ train: { lr: 0.001 } });
  });
});

describe('divergence', () => {
  it('lr 1e8: no checkpoint with exploded weights is kept, and the outcome is diverged', async () => {
    const run = tmp();
    const lines: string[] = [];
    const r = await train(
      toyTask(),
      toyArgs(run, { steps: 20, lr: 1e8, checkpointEvery: 1, log: (l) => lines.push(l) }),
    );
    expect(r.outcome).toBe('diverged');
    for (const c of listCheckpoints(runDir(run))) expect(largestWeight(c.file)).toBeLessThan(1e5);
    expect(lines.join('\n')).toMatch(/diverged: .*(no healthy checkpoint remains|kept the checkpoint of step)/);
  });

  it('an exploding (finite) loss stops the run and keeps the last checkpoint from before the explosion', async () => {
    const run = tmp();
    const lines: string[] = [];
    const task = toyTask({ second: { spikeFrom: 9, spikeBy: 1e4 } }); // the loss at (0-based) step 8 explodes
    const r = await train(task, toyArgs(run, { steps: 20, checkpointEvery: 1, log: (l) => lines.push(l) }));
    expect(r.outcome).toBe('diverged');
    expect(steps(run)).toEqual([6, 7]); // step 8's weights gave the exploding loss
    expect(lines.join('\n')).toMatch(/module 2: loss .* over 10× its running median.*kept the checkpoint of step 7/);
  });
});

describe('signals', () => {
  it('a real SIGINT reaches a loop whose batches never wait (it yields each step), which saves and stops', async () => {
    const run = tmp();
    const task = toyTask({ onBatch: (step) => step === 2 && process.kill(process.pid, 'SIGINT') });
    const r = await train(task, toyArgs(run, { steps: 50, checkpointEvery: 100 }));
    expect([r.outcome, r.signal]).toEqual(['interrupted', 'SIGINT']);
    expect(r.step).toBeLessThanOrEqual(4);
    expect(latestCheckpoint(runDir(run))!.step).toBe(r.step);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('SIGTERM stops iterative training on cached activations within a step, saving', async () => {
    const run = tmp();
    const task = toyTask({ onBatch: (step) => step === 1 && process.kill(process.pid, 'SIGTERM') });
    const r = await train(task, toyArgs(run, { steps: 40, mode: 'iterative', cacheBatches: 3, checkpointEvery: 100 }));
    expect([r.outcome, r.signal]).toEqual(['interrupted', 'SIGTERM']);
    expect(r.step).toBeLessThanOrEqual(3);
    expect(latestCheckpoint(runDir(run))!.step).toBe(r.step);
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });
});
