/** Async runs never keep exploded weights, resume past bad module checkpoints and honour a new lr (issue 10 §3). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listModuleCheckpoints, moduleCheckpointDir, trainAsync, type AsyncTrainArgs } from '../../gim/async/index.js';
import { readMetrics } from '../../report/index.js';
import { appendMetric } from '../../testing/metrics.js';
import { loadCheckpointSync, setNumThreads } from '../../tensor/index.js';
import { audioModuleSpec } from '../async-factories.js';
import { narrowAudioEncoder, sinusoidBatches } from '../testing/async-audio.js';
import { resumeAsyncModules } from '../../gim/training/async.js';
import { RESUMABLE_KEYS } from '../../gim/training/trainer.js';
import { openRunFolder } from '../../gim/run-folder.js';
import { runDir } from '../../gim/run-dir.js';

setNumThreads(1);
const model = narrowAudioEncoder(2);
const MODULES = 2;
const sinusoids = sinusoidBatches({ batch: 4, samples: 1024, seed: 7, randomPhase: false });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-async-runs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const config = { model, train: { steps: 10, lr: 1e-2 } };
const args = (run: string, over: Partial<AsyncTrainArgs> = {}): AsyncTrainArgs => ({
  run,
  factory: audioModuleSpec(model),
  batch: sinusoids,
  steps: 10,
  seed: 3,
  adam: { lr: 1e-2 },
  threads: 1,
  checkpointEvery: 5,
  logEvery: 1,
  resume: false,
  record: appendMetric(runDir(run).metrics),
  config,
  log: () => undefined,
  ...over,
});
/** Largest |weight| and the optimizer's lr in a module checkpoint. */
function inspect(file: string): { largest: number; lr: number } {
  const ckpt = loadCheckpointSync(file);
  let largest = 0;
  for (const [k, t] of ckpt.tensors)
    if (k.startsWith('model.')) for (const v of t.data() as Float32Array) largest = Math.max(largest, Math.abs(v));
  const lr = ckpt.tensors.get('optim.lr')!.item();
  for (const t of ckpt.tensors.values()) t.dispose();
  return { largest, lr };
}

describe('async runs', () => {
  it('lr 1e8: the run diverges and no module keeps a checkpoint with exploded weights', async () => {
    const run = path.join(tmp, 'explode');
    const r = await trainAsync(args(run, { adam: { lr: 1e8 }, steps: 30, checkpointEvery: 1 }));
    expect(r.outcome).toBe('diverged');
    for (let m = 0; m < MODULES; m++)
      for (const c of listModuleCheckpoints(moduleCheckpointDir(run, m)))
        expect(inspect(c.file).largest, c.file).toBeLessThan(1e5);
  });

  it('opening for resume: a truncated module checkpoint is set aside, metrics are cut back, a new lr wins', async () => {
    const run = path.join(tmp, 'resume');
    await trainAsync(args(run));
    const log: string[] = [];
    const open = (over: { config?: unknown } = {}): number[] =>
      resumeAsyncModules({
        run,
        config,
        modules: MODULES,
        resumable: RESUMABLE_KEYS,
        log: (l) => log.push(l),
        ...over,
      });
    expect(() => openRunFolder({ root: run, resume: false, overwrite: false, log: () => undefined })).toThrow(
      /not empty/,
    );
    expect(() => open({ config: { ...config, model: { ...model, channels: 16 } } })).toThrow(
      /module0[/\\]step-0000010\.safetensors in model\.channels \(8 → 16\)/,
    );
    const newest = listModuleCheckpoints(moduleCheckpointDir(run, 1)).at(-1)!;
    expect(newest.step).toBe(10);
    fs.truncateSync(newest.file, 64);
    expect(open()).toEqual([10, 5]);
    expect(log.join('\n')).toMatch(/renamed to step-0000010\.safetensors\.unusable/);
    const module2 = readMetrics(runDir(run).metrics).filter((r) => r.module === 1 && r.name === 'async');
    expect(Math.max(...module2.map((r) => r.step))).toBe(5);

    const r = await trainAsync(args(run, { steps: 12, resume: true, adam: { lr: 1e-3 } }));
    expect(r.startSteps).toEqual([10, 5]);
    for (let m = 0; m < MODULES; m++) {
      const last = listModuleCheckpoints(moduleCheckpointDir(run, m)).at(-1)!;
      expect([last.step, inspect(last.file).lr]).toEqual([12, 1e-3]);
    }
  });
});
