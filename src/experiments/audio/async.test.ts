/** Async module-parallel training end to end: 3 tiny audio modules in 3 worker threads on sinusoids (1 thread each). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAudioModules } from '../../audio/model.js';
import {
  AsyncWorkerError,
  latestModuleCheckpoint,
  liveModuleWorkers,
  listModuleCheckpoints,
  moduleCheckpointDir,
  restoreModuleCheckpoint,
  trainAsync,
  type AsyncMetric,
  type AsyncTrainArgs,
} from '../../gim/async/index.js';
import { Adam } from '../../nn/index.js';
import { readMetrics } from '../../report/index.js';
import { appendMetric } from '../../testing/metrics.js';
import { manualSeed, tensor } from '../../tensor/index.js';
import { readTestEnv, testSeed } from '../../testing/env.js';
import { loggedFall, moduleLosses, noteMeasurement, relativeFall } from '../../testing/learning.js';
import { audioModuleSpec } from '../async-factories.js';
import { narrowAudioEncoder, sinusoidBatches } from '../testing/async-audio.js';

const { threads } = readTestEnv();
/** The least relative fall of a loss measured before and after training (observed falls are far larger). */
const MIN_FALL = 0.03;
const SEED = testSeed(3);
/** Logged losses averaged at the start and the end of the run. */
const LOGGED_WINDOW = 8;
const model = narrowAudioEncoder(3);
const B = 4;
const W = 2048;
/** The sinusoids of step `step` as a tensor [B, 1, W]. */
async function sinusoidTensor(step: number) {
  const b = await sinusoids(step);
  return tensor(b.x, b.shape);
}
/** Sinusoids of random frequency and phase: a structured signal the modules can learn to predict. */
const sinusoids = sinusoidBatches({ batch: B, samples: W, seed: 1000, randomPhase: true });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-async-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const args = (run: string, over: Partial<AsyncTrainArgs> = {}): AsyncTrainArgs => ({
  run: path.join(tmp, run),
  factory: audioModuleSpec(model),
  batch: sinusoids,
  steps: 60,
  seed: SEED,
  adam: { lr: 1e-2 },
  threads,
  queueCapacity: 2,
  checkpointEvery: 1000,
  logEvery: 1,
  resume: false,
  record: appendMetric(path.join(tmp, run, 'metrics.jsonl')),
  log: () => undefined,
  ...over,
});
/** A fresh module m built as the workers build it, with its optimizer. */
function freshModule(m: number): { module: ReturnType<typeof buildAudioModules>[number]; adam: Adam } {
  const all = buildAudioModules(model);
  all.forEach((x, i) => i !== m && x.dispose());
  return { module: all[m]!, adam: new Adam(all[m]!) };
}
/** The 3 modules of run `run` restored from each one's first (step 0) or latest checkpoint. */
function restoredModules(run: string, which: 'first' | 'latest') {
  return [0, 1, 2].map((m) => {
    const { module, adam } = freshModule(m);
    const dir = moduleCheckpointDir(run, m);
    const checkpoint = which === 'first' ? listModuleCheckpoints(dir)[0]! : latestModuleCheckpoint(dir)!;
    restoreModuleCheckpoint(checkpoint.file, module, adam);
    adam.dispose();
    return module;
  });
}

describe('trainAsync (3 audio modules, one worker each)', () => {
  it('finishes with every module’s loss falling, staleness ≥ 0 (0 for module 1), and no worker left behind', async () => {
    const r = await trainAsync(args('finish'));
    // Module 1 reads the signal: its loss is measured on one fixed batch with fixed negatives at init and after
    // training. Module m > 1 trains on module m − 1's output as that module moves, read up to a queue's depth late, so
    // the final module m − 1 need not produce what module m last trained on: its own logged losses are compared.
    const x = await sinusoidTensor(0);
    const [first, latest] = [
      restoredModules(path.join(tmp, 'finish'), 'first'),
      restoredModules(path.join(tmp, 'finish'), 'latest'),
    ];
    const [before, after] = [moduleLosses({ modules: first }, x), moduleLosses({ modules: latest }, x)];
    for (const m of [...first, ...latest]) m.dispose();
    expect(r.outcome).toBe('finished');
    expect(liveModuleWorkers()).toBe(0);
    expect(r.modules.map((m) => [m.status, m.step, m.trained])).toEqual(Array(3).fill(['finished', 60, 60]));
    const records = readMetrics(path.join(tmp, 'finish', 'metrics.jsonl'));
    for (let m = 0; m < 3; m++) {
      const losses = records.filter((x) => x.name === 'async' && x.module === m).map((x) => x.loss!);
      expect(losses).toHaveLength(60);
      const [fall, logged] = [relativeFall(before[m]!, after[m]!), loggedFall(losses, LOGGED_WINDOW)];
      noteMeasurement(`async audio module ${m + 1}`, { before: before[m]!, after: after[m]!, fall, logged });
      if (m === 0) expect(fall, `module 1: ${before[m]} → ${after[m]} on a fixed batch`).toBeGreaterThan(MIN_FALL);
      else expect(logged, `module ${m + 1}: logged losses`).toBeGreaterThan(MIN_FALL);
      const s = r.modules[m]!;
      expect(s.staleness.count).toBe(60);
      expect(s.staleness.mean).toBeGreaterThanOrEqual(0);
      expect(s.staleness.max).toBeLessThanOrEqual(2 + 1); // bounded by the queue (capacity 2) and one step in flight
      expect(s.queue.max).toBeLessThanOrEqual(2);
      expect(s.samplesPerSec).toBeCloseTo(s.batchesPerSec * B, 6);
    }
    expect(r.modules[0]!.staleness.max).toBe(0);
    expect(records.filter((x) => x.name === 'async-summary')).toHaveLength(3);
  });

  it('starts from the parameters simultaneous mode would (same seed)', () => {
    manualSeed(SEED);
    const modules = buildAudioModules(model);
    for (let m = 0; m < 3; m++) {
      const { module, adam } = freshModule(m);
      const init = listModuleCheckpoints(moduleCheckpointDir(path.join(tmp, 'finish'), m))[0]!;
      expect(init.step).toBe(0);
      restoreModuleCheckpoint(init.file, module, adam);
      const want = modules[m]!.stateDict();
      for (const [k, t] of module.stateDict()) expect(t.toArray()).toEqual(want.get(k)!.toArray());
      adam.dispose();
      module.dispose();
    }
    for (const m of modules) m.dispose();
  });

  it('a worker that throws ends the run with an error naming it; every module’s checkpoint still loads', async () => {
    const run = path.join(tmp, 'crash');
    const err = await trainAsync(
      args('crash', { checkpointEvery: 2, fault: { module: 1, step: 5, kind: 'throw' } }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AsyncWorkerError);
    expect((err as Error).message).toMatch(/^module 2 worker exited with code 1: .*fault injected at step 5/);
    expect(liveModuleWorkers()).toBe(0);
    const result = (err as AsyncWorkerError).result;
    expect(result.modules.map((m) => m.status)).toEqual(['stopped', 'failed', 'stopped']);
    for (let m = 0; m < 3; m++) {
      const last = latestModuleCheckpoint(moduleCheckpointDir(run, m))!;
      const { module, adam } = freshModule(m);
      expect(restoreModuleCheckpoint(last.file, module, adam)).toBe(last.step);
      expect(adam.stepCount).toBe(last.step);
      expect(last.step).toBe(result.modules[m]!.step);
      if (m === 1) expect(last.step).toBe(4); // the last periodic checkpoint before the fault
      adam.dispose();
      module.dispose();
    }
  });

  it('a worker that exits is reported with its exit code', async () => {
    const err = await trainAsync(args('exit', { steps: 20, fault: { module: 2, step: 3, kind: 'exit' } })).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/^module 3 worker exited with code 3/);
    expect(liveModuleWorkers()).toBe(0);
  });

  it('stops on request (each module saves), and a resume continues every module from its saved step', async () => {
    const stop = new AbortController();
    const first = await trainAsync(
      args('resume', {
        steps: 40,
        signal: stop.signal,
        onMetric: (r: AsyncMetric) => void (r.module === 0 && r.step === 10 && stop.abort()),
      }),
    );
    expect(first.outcome).toBe('interrupted');
    expect(liveModuleWorkers()).toBe(0);
    const saved = first.modules.map((m) => m.step);
    for (const [m, s] of saved.entries()) {
      expect(s).toBeLessThan(40);
      expect(latestModuleCheckpoint(moduleCheckpointDir(path.join(tmp, 'resume'), m))!.step).toBe(s);
    }
    const logged: AsyncMetric[] = [];
    const second = await trainAsync(args('resume', { steps: 40, resume: true, onMetric: (r) => logged.push(r) }));
    expect(second.outcome).toBe('finished');
    expect(second.startSteps).toEqual(saved);
    const inputs = 40 - Math.min(...saved);
    expect(second.produced).toBe(inputs);
    for (const [m, s] of second.modules.entries()) {
      expect(s.step).toBe(40);
      expect(s.trained).toBe(40 - saved[m]!);
      expect(s.forwarded).toBe(inputs - s.trained);
      expect(logged.find((x) => x.module === m)?.step).toBe(saved[m]! + 1);
    }
  });
});
